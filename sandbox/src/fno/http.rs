//! The HTTP face of the SOAP services: `POST /flexnet/services/<vN>/<Service>`
//! dispatches on the first Body element, `GET …?wsdl` serves the WSDL. Order
//! per call: parse, count (fault switches), authenticate, run, answer.
//! Injected 500/503 fail before the call takes effect; dropped and malformed
//! responses happen after it, the case that tests a client's idempotence.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::auth::authenticate;
use super::registry;
use super::service::{self, Ctx, Kind, Page};
use super::soap::{self, SoapFault, FAULT_CLIENT, FAULT_SERVER_USER};
use super::wsdl::rewrite_location;
use super::Shared;
use crate::faults::{self, Injected};

const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// Counter key of requests that are not well-formed SOAP.
pub const INVALID_REQUEST: &str = "invalidRequest";
const SERVICES_PREFIX: &str = "/flexnet/services/";

/// Handles `POST /flexnet/services/{*path}`. A call runs to its end even
/// when the client leaves before the answer, as on a real server: a create
/// held at a gate while its caller died still takes effect once let go.
pub async fn post_service(
    State(shared): State<Arc<Shared>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tokio::spawn(serve_post(shared, path, headers, body))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn serve_post(
    shared: Arc<Shared>,
    path: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(service) = registry::service(&path) else {
        return no_service(&path);
    };
    let request = match soap::parse_envelope(&body) {
        Ok(request) => request,
        Err(fault) => {
            shared.faults.enter(INVALID_REQUEST).await;
            return fault_response(StatusCode::INTERNAL_SERVER_ERROR, &fault);
        }
    };
    let operation = service
        .operation(&request.body.name)
        .filter(|_| request.body.ns == service.ns);
    let Some(operation) = operation else {
        shared.faults.enter(&request.body.name).await;
        let fault = SoapFault::new(
            FAULT_CLIENT,
            format!("No such operation '{}'", request.body.name),
        );
        return fault_response(StatusCode::INTERNAL_SERVER_ERROR, &fault);
    };
    let injected = shared.faults.enter(operation.name).await;
    if let Injected::Fail(status) = injected {
        return injected_failure(status);
    }
    let outcome = {
        let mut state = shared.store.lock();
        let caller = match operation.kind {
            Kind::Open => Some(String::new()),
            _ => authenticate(&headers, request.header.as_ref(), &state.web_service_users),
        };
        caller.map(|caller| {
            let mut ctx = Ctx {
                state: &mut state,
                now: Utc::now(),
                caller: &caller,
                page: Page::default(),
            };
            service::run(service, operation, &mut ctx, &request.body)
        })
    };
    let Some(xml) = outcome else {
        return unauthorized();
    };
    match injected {
        Injected::Drop => dropped(),
        Injected::Malformed => {
            let cut = xml.len() / 2;
            xml_response(
                StatusCode::OK,
                xml.get(..cut).unwrap_or_default().to_string(),
            )
        }
        Injected::Oversized => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, XML_CONTENT_TYPE)],
            faults::oversized_body(SOAP_OPEN, SOAP_CLOSE),
        )
            .into_response(),
        Injected::Nested => xml_response(
            StatusCode::OK,
            format!(
                "{SOAP_OPEN}{}{SOAP_CLOSE}",
                faults::nested_body("<x>", "", "</x>")
            ),
        ),
        _ => xml_response(StatusCode::OK, xml),
    }
}

/// Handles `GET /flexnet/services/{*path}` (`?wsdl` or the Axis greeting).
pub async fn get_service(
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(service) = registry::service(&path) else {
        return no_service(&path);
    };
    let wants_wsdl =
        query.is_some_and(|q| q.split('&').any(|part| part.eq_ignore_ascii_case("wsdl")));
    if !wants_wsdl {
        let page = format!(
            "<h1>{}</h1><p>Hi there, this is an AXIS service!</p>",
            service.path
        );
        return ([(header::CONTENT_TYPE, "text/html")], page).into_response();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let endpoint = format!("https://{host}{SERVICES_PREFIX}{}", service.path);
    xml_response(StatusCode::OK, rewrite_location(service.wsdl, &endpoint))
}

/// Handles `GET /flexnet/services/`: the list of services.
pub async fn list_services() -> Response {
    let mut page = String::from("<h2>And now... Some Services</h2><ul>");
    for service in registry::SERVICES {
        page.push_str(&format!(
            "<li>{} <a href=\"{SERVICES_PREFIX}{}?wsdl\">(wsdl)</a></li>",
            service.path, service.path
        ));
    }
    page.push_str("</ul>");
    ([(header::CONTENT_TYPE, "text/html")], page).into_response()
}

/// The envelope around the oversized and nested fault answers.
const SOAP_OPEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#;
const SOAP_CLOSE: &str = "</soapenv:Body></soapenv:Envelope>";

fn xml_response(status: StatusCode, xml: String) -> Response {
    (status, [(header::CONTENT_TYPE, XML_CONTENT_TYPE)], xml).into_response()
}

fn fault_response(status: StatusCode, fault: &SoapFault) -> Response {
    xml_response(status, fault.to_xml())
}

fn no_service(path: &str) -> Response {
    let fault = SoapFault::new(
        FAULT_SERVER_USER,
        format!(
            "The AXIS engine could not find a target service to invoke! targetService is {path}"
        ),
    );
    fault_response(StatusCode::NOT_FOUND, &fault)
}

// Bad credentials: the reference leaves the shape open (401 or an Axis fault);
// the sandbox answers 401 with a Basic challenge and a SOAP fault body, so
// both kinds of client see an authentication error.
fn unauthorized() -> Response {
    let fault = SoapFault::new(
        FAULT_CLIENT,
        "User authentication failed: invalid user name or password",
    );
    let mut response = fault_response(StatusCode::UNAUTHORIZED, &fault);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"FlexNet Operations\""),
    );
    response
}

// 500 comes from Axis as a SOAP fault; 503 from the load balancer in front, as HTML.
fn injected_failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        let fault = SoapFault::new(
            FAULT_SERVER_USER,
            "java.lang.RuntimeException: injected sandbox failure",
        );
        return fault_response(status, &fault);
    }
    let page = format!("<html><body><h1>{status}</h1></body></html>");
    (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

// The body stream fails at once, so the connection is cut before a complete response.
fn dropped() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "dropped by fault switch",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, XML_CONTENT_TYPE)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
