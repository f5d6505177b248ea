//! SOAP 1.1 framing of FNO calls: the request envelope of an operation, and
//! the reading of a response into its Body root, a fault or a
//! malformed-response error. Nothing here knows the content of a particular
//! operation.

use super::error::FnoError;
use super::operations::Operation;
use super::xml::{self, Element};

/// SOAP 1.1 envelope namespace; FNO (Apache Axis 1.x) speaks SOAP 1.1 only.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// Every FNO operation declares `soapAction=""` (fno-soap.md §1).
pub const SOAP_ACTION: &str = "\"\"";
/// Content type of SOAP 1.1 requests.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// Path under the tenant URL where the services live.
pub const SERVICES_PATH: &str = "/flexnet/services/";

/// Wraps `inner` in the operation's request root and a SOAP 1.1 envelope.
/// The root declares the service namespace as default namespace, so every
/// descendant is qualified as `elementFormDefault="qualified"` requires.
pub fn request_envelope(operation: &Operation, namespace: &str, inner: &str) -> String {
    let root = operation.request;
    let namespace = quick_xml::escape::escape(namespace);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="{env}"><soapenv:Body>"#,
            r#"<{root} xmlns="{ns}">{inner}</{root}>"#,
            r#"</soapenv:Body></soapenv:Envelope>"#
        ),
        env = SOAP_ENV_NS,
        root = root,
        ns = namespace,
        inner = inner
    )
}

/// Longest excerpt of a non-SOAP error body kept in an error message.
const DETAIL_LIMIT: usize = 200;

/// Reads an HTTP response into the operation's response root, or classifies it as an error.
pub fn read_response(operation: &Operation, status: u16, body: &[u8]) -> Result<Element, FnoError> {
    if status == 401 || status == 403 {
        return Err(FnoError::Unauthorized { status });
    }
    let parsed = xml::parse(body);
    if let Ok(envelope) = &parsed {
        if let Some(fault) = fault_of(envelope) {
            return Err(FnoError::Fault {
                operation: operation.name,
                code: fault.value("faultcode").unwrap_or_default().to_string(),
                message: fault.value("faultstring").unwrap_or_default().to_string(),
            });
        }
    }
    if !(200..300).contains(&status) {
        return Err(FnoError::Http {
            operation: operation.name,
            status,
            detail: excerpt(body),
        });
    }
    let malformed = |detail: String| FnoError::Malformed {
        operation: operation.name,
        detail,
    };
    let envelope = parsed.map_err(|error| malformed(error.to_string()))?;
    if envelope.name != "Envelope" || envelope.ns != SOAP_ENV_NS {
        return Err(malformed(format!(
            "root element {} is no SOAP 1.1 envelope",
            envelope.name
        )));
    }
    let root = envelope
        .child("Body")
        .and_then(|body| body.children.first())
        .ok_or_else(|| malformed("empty SOAP body".into()))?;
    if root.name != operation.response {
        return Err(malformed(format!(
            "expected {} but got {}",
            operation.response, root.name
        )));
    }
    Ok(root.clone())
}

fn fault_of(envelope: &Element) -> Option<&Element> {
    envelope
        .child("Body")?
        .children
        .iter()
        .find(|child| child.name == "Fault" && child.ns == SOAP_ENV_NS)
}

// Error pages (a 503 from the load balancer is HTML) are cut to a short,
// single-line excerpt so that logs stay readable.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let single_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    single_line.chars().take(DETAIL_LIMIT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fno::operations::GET_USERS_QUERY;
    use crate::fno::services::USER_ACCT_V3_NS;
    use crate::retry::Disposition;

    fn envelope(inner: &str) -> String {
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}"><soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"#
        )
    }

    #[test]
    fn request_envelope_puts_the_root_in_the_service_namespace() {
        let xml = request_envelope(
            &GET_USERS_QUERY,
            USER_ACCT_V3_NS,
            "<pageNumber>1</pageNumber>",
        );
        assert_eq!(
            xml,
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
                r#"<getUsersQueryRequest xmlns="urn:v3.webservices.operations.flexnet.com"><pageNumber>1</pageNumber></getUsersQueryRequest>"#,
                r#"</soapenv:Body></soapenv:Envelope>"#
            )
        );
    }

    #[test]
    fn a_success_yields_the_response_root() {
        let body = envelope(
            r#"<getUsersQueryResponse xmlns="urn:v3"><statusInfo><status>SUCCESS</status></statusInfo></getUsersQueryResponse>"#,
        );
        let root = read_response(&GET_USERS_QUERY, 200, body.as_bytes()).expect("root");
        assert_eq!(root.value_at(&["statusInfo", "status"]), Some("SUCCESS"));
    }

    #[test]
    fn a_soap_fault_keeps_code_and_string() {
        let body = envelope("<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>No such operation 'x'</faultstring></soapenv:Fault>");
        let error = read_response(&GET_USERS_QUERY, 500, body.as_bytes()).expect_err("fault");
        assert!(matches!(&error, FnoError::Fault { code, message, .. }
            if code == "soapenv:Client" && message == "No such operation 'x'"));
        assert_eq!(error.disposition(), Disposition::Fail);
    }

    #[test]
    fn an_html_503_is_a_retryable_http_error() {
        let error = read_response(
            &GET_USERS_QUERY,
            503,
            b"<html><body><h1>503\n Service</h1></body></html>",
        )
        .expect_err("503");
        assert!(
            matches!(&error, FnoError::Http { status: 503, detail, .. } if detail.contains("503 Service"))
        );
        assert_eq!(error.disposition(), Disposition::Retry);
    }

    #[test]
    fn unauthorized_wins_over_the_fault_body() {
        let body = envelope("<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>User authentication failed</faultstring></soapenv:Fault>");
        let error = read_response(&GET_USERS_QUERY, 401, body.as_bytes()).expect_err("401");
        assert!(matches!(error, FnoError::Unauthorized { status: 401 }));
    }

    #[test]
    fn truncated_or_unexpected_responses_are_malformed_and_retryable() {
        let truncated = envelope("<getUsersQueryResponse><statusInfo>");
        let cut = &truncated[..truncated.len() - 20];
        let error = read_response(&GET_USERS_QUERY, 200, cut.as_bytes()).expect_err("cut");
        assert!(matches!(error, FnoError::Malformed { .. }));
        assert_eq!(error.disposition(), Disposition::Retry);
        let other = envelope("<createUserResponse/>");
        assert!(matches!(
            read_response(&GET_USERS_QUERY, 200, other.as_bytes()),
            Err(FnoError::Malformed { .. })
        ));
    }

    #[test]
    fn a_doctype_in_a_response_is_refused() {
        let body = format!(
            r#"<!DOCTYPE x [<!ENTITY e "boom">]>{}"#,
            envelope("<getUsersQueryResponse>&e;</getUsersQueryResponse>")
        );
        let error = read_response(&GET_USERS_QUERY, 200, body.as_bytes()).expect_err("doctype");
        assert!(
            matches!(&error, FnoError::Malformed { detail, .. } if detail.contains("document type"))
        );
    }
}
