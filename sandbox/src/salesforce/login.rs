//! Log-in endpoints: OAuth 2.0 `/services/oauth2/token` (username-password,
//! client credentials with form fields or HTTP Basic, JWT bearer signed
//! RS256 by the connected app's certificate) and the SOAP `login` call that
//! simple-salesforce uses when given a security token. Both also answer
//! under any path prefix, so a client's `domain` can point at the sandbox.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::auth::ClientConfig;
use super::errors::json_response;
use super::rest::injected_failure;
use super::state::{App, AppState};
use crate::faults::Injected;

/// JWT-bearer grant type.
pub const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Audiences Salesforce accepts in a JWT assertion.
const AUDIENCES: &[&str] = &[
    "https://login.salesforce.com",
    "https://test.salesforce.com",
];

/// An OAuth error answer (`{"error","error_description"}`, status 400 unless told).
struct OAuthError(StatusCode, &'static str, &'static str);

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        json_response(
            self.0,
            &json!({"error": self.1, "error_description": self.2}),
        )
    }
}

const AUTH_FAILURE: OAuthError = OAuthError(
    StatusCode::BAD_REQUEST,
    "invalid_grant",
    "authentication failure",
);
const BAD_CLIENT_ID: OAuthError = OAuthError(
    StatusCode::BAD_REQUEST,
    "invalid_client_id",
    "client identifier invalid",
);
const BAD_CLIENT_SECRET: OAuthError = OAuthError(
    StatusCode::BAD_REQUEST,
    "invalid_client",
    "invalid client credentials",
);

/// Returns the base URL the client reached (from `Host`), else the configured one.
pub fn base_url(app: &AppState, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| format!("https://{host}"))
        .or_else(|| app.url.get().cloned())
        .unwrap_or_default()
}

/// `POST [/prefix]/services/oauth2/token`.
pub async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    match app.faults.enter("oauth.token").await {
        Injected::Fail(status) if status >= 500 => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return OAuthError(status, "unknown_error", "retry your request").into_response();
        }
        Injected::Fail(status) => return injected_failure(status),
        Injected::Drop => return super::rest::dropped_connection(),
        Injected::Malformed => {
            return super::rest::garble(json_response(
                StatusCode::OK,
                &json!({"access_token": "x"}),
            ))
            .await
        }
        Injected::Oversized => {
            return super::rest::with_body(
                json_response(StatusCode::OK, &json!({})),
                crate::faults::oversized_body("{", "}"),
            )
        }
        Injected::Nested => {
            return super::rest::with_body(
                json_response(StatusCode::OK, &json!({})),
                crate::faults::nested_body("[", "", "]").into_bytes(),
            )
        }
        Injected::None => {}
    }
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let field = |name: &str| form.get(name).map(String::as_str);
    let outcome = match field("grant_type") {
        Some("password") => password_grant(&app, &form),
        Some("client_credentials") => client_credentials_grant(&app, &headers, &form),
        Some(JWT_GRANT) => jwt_grant(&app, field("assertion").unwrap_or_default()),
        _ => Err(OAuthError(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant type not supported",
        )),
    };
    match outcome {
        Ok((username, user_id, client)) => success(&app, &headers, &username, &user_id, &client),
        Err(error) => error.into_response(),
    }
}

type Granted = (String, String, ClientConfig);

fn client_with_secret(
    app: &AppState,
    id: Option<&str>,
    secret: Option<&str>,
) -> Result<ClientConfig, OAuthError> {
    let client = id.and_then(|id| app.auth.client(id)).ok_or(BAD_CLIENT_ID)?;
    if Some(client.client_secret.as_str()) != secret {
        return Err(BAD_CLIENT_SECRET);
    }
    Ok(client)
}

fn password_grant(app: &AppState, form: &HashMap<String, String>) -> Result<Granted, OAuthError> {
    let field = |name: &str| form.get(name).map(String::as_str);
    let client = client_with_secret(app, field("client_id"), field("client_secret"))?;
    let (user, user_id) = field("username")
        .and_then(|u| app.auth.user(u))
        .ok_or(AUTH_FAILURE)?;
    // The security token is appended to the password, as Salesforce requires
    // outside trusted IP ranges.
    let expected = format!("{}{}", user.password, user.security_token);
    if field("password") != Some(expected.as_str()) {
        return Err(AUTH_FAILURE);
    }
    Ok((user.username, user_id, client))
}

fn client_credentials_grant(
    app: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Granted, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok());
    let (id, secret) = match &basic {
        Some(pair) => pair
            .split_once(':')
            .map_or((Some(pair.as_str()), None), |(i, s)| (Some(i), Some(s))),
        None => (
            form.get("client_id").map(String::as_str),
            form.get("client_secret").map(String::as_str),
        ),
    };
    let client = client_with_secret(app, id, secret)?;
    let run_as = client.run_as.clone().ok_or(OAuthError(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "no client credentials user enabled",
    ))?;
    let (user, user_id) = app.auth.user(&run_as).ok_or(AUTH_FAILURE)?;
    Ok((user.username, user_id, client))
}

fn jwt_grant(app: &AppState, assertion: &str) -> Result<Granted, OAuthError> {
    const INVALID: OAuthError = OAuthError(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "invalid assertion",
    );
    let claims: Value = assertion
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload.trim_end_matches('='))
                .ok()
        })
        .and_then(|raw| serde_json::from_slice(&raw).ok())
        .ok_or(INVALID)?;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let client = app.auth.client(issuer).ok_or(BAD_CLIENT_ID)?;
    let certificate = client.jwt_certificate.clone().ok_or(INVALID)?;
    let key =
        jsonwebtoken::DecodingKey::from_rsa_pem(certificate.as_bytes()).map_err(|_| INVALID)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // Salesforce reads `exp` itself (simple-salesforce sends it as a string).
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(assertion, &key, &validation).map_err(|_| INVALID)?;
    let audience = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let own_audience = app.url.get().is_some_and(|u| u == audience);
    if !AUDIENCES.contains(&audience) && !own_audience {
        return Err(OAuthError(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "audience is invalid",
        ));
    }
    let expiry = claims.get("exp").and_then(|e| {
        e.as_i64()
            .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
    });
    if expiry.is_none_or(|exp| exp < app.clock.now().timestamp()) {
        return Err(OAuthError(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "expired authorization code",
        ));
    }
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (user, user_id) = app.auth.user(subject).ok_or(OAuthError(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "user hasn't approved this consumer",
    ))?;
    Ok((user.username, user_id, client))
}

fn success(
    app: &AppState,
    headers: &HeaderMap,
    username: &str,
    user_id: &str,
    client: &ClientConfig,
) -> Response {
    let token = app.auth.open_session(username, user_id);
    let instance = base_url(app, headers);
    let id = format!("{instance}/id/{}/{user_id}", app.auth.org_id);
    let issued_at = app.clock.now().timestamp_millis().to_string();
    let digest = Sha256::digest(format!("{id}{issued_at}{}", client.client_secret));
    let signature = base64::engine::general_purpose::STANDARD.encode(digest);
    let body = json!({
        "access_token": token,
        "instance_url": instance,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
        "scope": "api",
    });
    json_response(StatusCode::OK, &body)
}

/// `POST [/prefix]/services/Soap/u/{version}`: the partner API `login` call.
pub async fn soap_login(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Injected::Fail(status) = app.faults.enter("soap.login").await {
        return injected_failure(status);
    }
    let text = String::from_utf8_lossy(&body);
    let (username, password) = (
        element_text(&text, "username"),
        element_text(&text, "password"),
    );
    let user = username.as_deref().and_then(|u| app.auth.user(u));
    let Some((user, user_id)) = user.filter(|(u, _)| {
        password.as_deref() == Some(format!("{}{}", u.password, u.security_token).as_str())
    }) else {
        return soap_fault();
    };
    let token = app.auth.open_session(&user.username, &user_id);
    let base = base_url(&app, &headers);
    let org = &app.auth.org_id;
    // userInfo in Salesforce's element order: clients (Salesforce's Pub/Sub
    // sample among them) read organizationId by position.
    let user_info = format!(
        "<userInfo><accessibilityMode>false</accessibilityMode><chatterExternal>false</chatterExternal>\
         <currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>\
         <orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode><orgDefaultCurrencyLocale>en_US</orgDefaultCurrencyLocale>\
         <orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts>\
         <organizationId>{org}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency>\
         <organizationName>fnosync sandbox</organizationName><userId>{user_id}</userId>\
         <userName>{}</userName></userInfo>",
        user.username
    );
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result><metadataServerUrl>{base}/services/Soap/m/59.0/{org}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>true</sandbox><serverUrl>{base}/services/Soap/u/59.0/{org}</serverUrl><sessionId>{token}</sessionId><userId>{user_id}</userId>{user_info}</result></loginResponse></soapenv:Body></soapenv:Envelope>"#
    );
    xml_response(StatusCode::OK, xml)
}

fn soap_fault() -> Response {
    let message = "Invalid username, password, security token; or user locked out.";
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: {message}</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
    );
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, xml)
}

fn xml_response(status: StatusCode, xml: String) -> Response {
    let mut response = (status, xml).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    response
}

/// Returns the unescaped text (or CDATA) of the first element with local name `name`.
fn element_text(xml: &str, name: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(start) => {
                inside = start.local_name().as_ref() == name.as_bytes()
            }
            quick_xml::events::Event::Text(text) if inside => {
                return text.unescape().ok().map(|t| t.into_owned())
            }
            // Salesforce's own sample clients wrap the credentials in CDATA.
            quick_xml::events::Event::CData(data) if inside => {
                return String::from_utf8(data.into_inner().into_owned()).ok()
            }
            quick_xml::events::Event::End(_) if inside => return Some(String::new()),
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}
