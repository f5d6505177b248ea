//! SOAP 1.1 envelopes as an Apache Axis 1.x server writes them: the request
//! envelope is read into its header and first Body child; responses put the
//! operation's root element in the Body with the service namespace as the
//! default namespace; faults use `soapenv:Fault` with faultcode/faultstring.

use rand::Rng;

use super::xml::{self, Element, XmlError, XmlWriter};

/// The SOAP 1.1 envelope namespace (FNO speaks SOAP 1.1 only).
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

const ENVELOPE_OPEN: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" "#,
    r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema" "#,
    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>"#
);
const ENVELOPE_CLOSE: &str = "</soapenv:Body></soapenv:Envelope>";

/// `statusInfo > status` values.
pub const SUCCESS: &str = "SUCCESS";
/// Nothing was processed.
pub const FAILURE: &str = "FAILURE";
/// Some items were processed.
pub const PARTIAL_FAILURE: &str = "PARTIAL_FAILURE";

/// Fault code for requests the server cannot understand.
pub const FAULT_CLIENT: &str = "soapenv:Client";
/// Fault code Axis uses for exceptions thrown while serving a call.
pub const FAULT_SERVER_USER: &str = "soapenv:Server.userException";
/// Fault code for a wrong envelope namespace.
pub const FAULT_VERSION: &str = "soapenv:VersionMismatch";

/// A SOAP request: its header (if any) and the first element of its Body.
#[derive(Debug)]
pub struct SoapRequest {
    /// `soapenv:Header`, when present.
    pub header: Option<Element>,
    /// The first child of `soapenv:Body`.
    pub body: Element,
}

/// A SOAP fault to answer with (HTTP 500 unless said otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct SoapFault {
    /// `faultcode`, prefixed with `soapenv:`.
    pub code: &'static str,
    /// `faultstring`.
    pub string: String,
}

impl SoapFault {
    /// Builds a fault.
    pub fn new(code: &'static str, string: impl Into<String>) -> Self {
        Self {
            code,
            string: string.into(),
        }
    }

    /// Returns the complete fault envelope.
    pub fn to_xml(&self) -> String {
        let mut writer = XmlWriter::new();
        writer
            .raw(ENVELOPE_OPEN)
            .open("soapenv:Fault")
            .leaf("faultcode", self.code)
            .leaf("faultstring", &self.string)
            .raw(r#"<detail><ns1:hostname xmlns:ns1="http://xml.apache.org/axis/">fno-sandbox</ns1:hostname></detail>"#)
            .close("soapenv:Fault")
            .raw(ENVELOPE_CLOSE);
        writer.finish()
    }
}

/// Reads a SOAP 1.1 envelope.
pub fn parse_envelope(bytes: &[u8]) -> Result<SoapRequest, SoapFault> {
    let root = xml::parse(bytes).map_err(|error| match error {
        // Axis reports parser failures as server-side user exceptions.
        XmlError::Doctype => SoapFault::new(
            FAULT_SERVER_USER,
            format!("org.xml.sax.SAXException: {error}"),
        ),
        other => SoapFault::new(
            FAULT_SERVER_USER,
            format!("org.xml.sax.SAXParseException: {other}"),
        ),
    })?;
    if root.name != "Envelope" || root.ns != SOAP_ENV_NS {
        return Err(SoapFault::new(
            FAULT_VERSION,
            "Transport level information does not match with SOAP Message namespace URI",
        ));
    }
    let mut header = None;
    let mut body = None;
    for child in root.children {
        match child.name.as_str() {
            "Header" if child.ns == SOAP_ENV_NS => header = Some(child),
            "Body" if child.ns == SOAP_ENV_NS => body = Some(child),
            _ => {}
        }
    }
    let body = body
        .and_then(|body| body.children.into_iter().next())
        .ok_or_else(|| SoapFault::new(FAULT_CLIENT, "No SOAP Body element found"))?;
    Ok(SoapRequest { header, body })
}

/// Wraps an operation's response root around `inner` in an envelope.
pub fn response_envelope(root: &str, ns: &str, inner: &str) -> String {
    let mut writer = XmlWriter::new();
    writer
        .raw(ENVELOPE_OPEN)
        .open_ns(root, ns)
        .raw(inner)
        .close(root)
        .raw(ENVELOPE_CLOSE);
    writer.finish()
}

/// Writes `statusInfo {status, reason?}`.
pub fn write_status(writer: &mut XmlWriter, status: &str, reason: Option<&str>) {
    writer
        .open("statusInfo")
        .leaf("status", status)
        .opt("reason", reason)
        .close("statusInfo");
}

/// Returns a response body holding only a FAILURE `statusInfo`.
pub fn failure_only(reason: &str) -> String {
    let mut writer = XmlWriter::new();
    write_status(&mut writer, FAILURE, Some(reason));
    writer.finish()
}

/// Formats a failure reason as FNO does: `9999:<message>: (<detail>) [Incident# NNNN-NNNN]`.
///
/// Only the missing-field text and its `: (0)` are documented (the connector
/// spec quotes `9999:The value of this required field is missing: (0)
/// [Incident# …]`); other messages are the sandbox's own wording in that shape.
pub fn reason(message: &str, detail: &str) -> String {
    let mut rng = rand::thread_rng();
    format!(
        "9999:{message}: ({detail}) [Incident# {:04}-{:04}]",
        rng.gen_range(0..10_000),
        rng.gen_range(0..10_000)
    )
}

/// Per-item results of an array operation (`failedData` / `responseData`).
#[derive(Default)]
pub struct Batch {
    succeeded: usize,
    failed: usize,
    failed_xml: XmlWriter,
    data_xml: XmlWriter,
    first_reason: Option<String>,
}

impl Batch {
    /// Starts an empty result.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failed item: `<wrapper><echo_name>…</echo_name><reason/></wrapper>`.
    pub fn fail(&mut self, wrapper: &str, echo_name: &str, item: &Element, reason: String) {
        self.failed += 1;
        self.failed_xml
            .open(wrapper)
            .echo_as(echo_name, item)
            .leaf("reason", &reason)
            .close(wrapper);
        self.first_reason.get_or_insert(reason);
    }

    /// Records a successful item; returns the writer for its `responseData` child.
    pub fn succeed(&mut self) -> &mut XmlWriter {
        self.succeeded += 1;
        &mut self.data_xml
    }

    /// Builds `statusInfo`, `failedData?` and (when `with_data`) `responseData?`.
    pub fn finish(self, with_data: bool) -> String {
        let status = match (self.succeeded, self.failed) {
            (_, 0) => SUCCESS,
            (0, _) => FAILURE,
            _ => PARTIAL_FAILURE,
        };
        let mut writer = XmlWriter::new();
        let reason = if self.failed > 0 {
            self.first_reason.as_deref()
        } else {
            None
        };
        write_status(&mut writer, status, reason);
        if self.failed > 0 {
            writer
                .open("failedData")
                .raw(&self.failed_xml.finish())
                .close("failedData");
        }
        if with_data && self.succeeded > 0 {
            writer
                .open("responseData")
                .raw(&self.data_xml.finish())
                .close("responseData");
        }
        writer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_yields_the_first_body_child() {
        let doc = format!(
            r#"<s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Header/><s:Body><v3:getX xmlns:v3="urn:v3"><v3:a>1</v3:a></v3:getX></s:Body></s:Envelope>"#
        );
        let request = parse_envelope(doc.as_bytes()).expect("envelope");
        assert_eq!(request.body.name, "getX");
        assert_eq!(request.body.ns, "urn:v3");
        assert!(request.header.is_some());
    }

    #[test]
    fn a_soap_12_envelope_is_a_version_mismatch() {
        let doc = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><a/></s:Body></s:Envelope>"#;
        let fault = parse_envelope(doc.as_bytes()).expect_err("fault");
        assert_eq!(fault.code, FAULT_VERSION);
    }

    #[test]
    fn mixed_batches_are_partial_failures() {
        let mut batch = Batch::new();
        batch.succeed().leaf("x", "1");
        batch.fail("failedX", "x", &Element::default(), reason("bad", "1"));
        let xml = batch.finish(true);
        assert!(xml.starts_with(
            "<statusInfo><status>PARTIAL_FAILURE</status><reason>9999:bad: (1) [Incident# "
        ));
        assert!(xml.contains("<failedData><failedX><x></x><reason>9999:bad"));
        assert!(xml.ends_with("<responseData><x>1</x></responseData>"));
    }
}
