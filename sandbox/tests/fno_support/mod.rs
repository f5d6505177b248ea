//! Shared helpers of the FNO sandbox tests: start the sandbox on port 0 over
//! HTTPS and call it with a real HTTP client and real SOAP envelopes.

#![allow(dead_code)]

use fnosync_sandbox::fno::xml::{parse, Element};
use fnosync_sandbox::fno::{FnoSandbox, Options};
use fnosync_sandbox::tls::SandboxCa;
use reqwest::StatusCode;

pub const USER_ACCT: &str = "v3/UserAcctHierarchyService";
pub const USER_ORG: &str = "v1/UserOrgHierarchyService";
pub const ENTITLEMENTS: &str = "v4/EntitlementOrderService";
pub const PRODUCTS: &str = "v2/ProductPackagingService";
pub const AUTHENTICATION: &str = "v1/FlexnetAuthentication";

pub const V3_NS: &str = "urn:v3.webservices.operations.flexnet.com";
pub const V1_NS: &str = "urn:v1.webservices.operations.flexnet.com";
pub const V4_NS: &str = "urn:v4.webservices.operations.flexnet.com";
pub const V2_NS: &str = "urn:v2.webservices.operations.flexnet.com";
pub const AUTH_NS: &str = "urn:v1.webservices.platform.flexnet.com";

pub const MISSING: &str = "9999:The value of this required field is missing";

/// A running sandbox plus a client that trusts its CA.
pub struct Fno {
    pub sandbox: FnoSandbox,
    pub client: reqwest::Client,
}

/// A parsed answer: HTTP status and the first Body element (or the Fault).
pub struct Answer {
    pub status: StatusCode,
    pub text: String,
    pub body: Element,
}

impl Answer {
    /// `statusInfo > status`.
    pub fn status_info(&self) -> &str {
        self.body
            .value_at(&["statusInfo", "status"])
            .unwrap_or_default()
    }

    /// `statusInfo > reason`.
    pub fn reason(&self) -> &str {
        self.body
            .value_at(&["statusInfo", "reason"])
            .unwrap_or_default()
    }

    /// Reasons of the failed items, in order.
    pub fn failed_reasons(&self) -> Vec<String> {
        self.body
            .child("failedData")
            .map(|failed| {
                failed
                    .children
                    .iter()
                    .filter_map(|item| item.value("reason").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Fno {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        let ca = SandboxCa::generate().expect("ca");
        let sandbox = FnoSandbox::start(options, ca.clone()).await.expect("start");
        let client = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(ca.ca_pem().as_bytes()).expect("pem"),
            )
            .build()
            .expect("client");
        Self { sandbox, client }
    }

    pub fn endpoint(&self, service: &str) -> String {
        self.sandbox.service_url(service)
    }

    /// Calls `root` (with `inner` content) on `service` as admin/admin.
    pub async fn call(&self, service: &str, ns: &str, root: &str, inner: &str) -> Answer {
        self.post(
            service,
            &envelope(ns, root, inner),
            Some(("admin", "admin")),
        )
        .await
    }

    /// Posts a raw document.
    pub async fn post(
        &self,
        service: &str,
        document: &str,
        credentials: Option<(&str, &str)>,
    ) -> Answer {
        let mut request = self
            .client
            .post(self.endpoint(service))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", "\"\"")
            .body(document.to_string());
        if let Some((user, password)) = credentials {
            request = request.basic_auth(user, Some(password));
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let text = response.text().await.expect("text");
        let body = body_of(&text);
        Answer { status, text, body }
    }

    /// Creates an account with the v3 service and asserts success.
    pub async fn create_account(&self, id: &str, name: &str) {
        let inner = format!("<account><id>{id}</id><name>{name}</name></account>");
        let answer = self
            .call(USER_ACCT, V3_NS, "createAcctRequest", &inner)
            .await;
        assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    }
}

/// Builds a SOAP 1.1 envelope whose body root carries the default namespace `ns`.
pub fn envelope(ns: &str, root: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body><{root} xmlns="{ns}">{inner}</{root}></soapenv:Body></soapenv:Envelope>"#
    )
}

/// Returns the first element of the Body (an empty element when unparseable).
pub fn body_of(text: &str) -> Element {
    parse(text.as_bytes())
        .ok()
        .and_then(|envelope| envelope.child("Body").cloned())
        .and_then(|body| body.children.into_iter().next())
        .unwrap_or_default()
}

/// A line item for createSimpleEntitlement / createEntitlementLineItem.
pub fn line_xml(part: &str, copies: u32, order_id: &str) -> String {
    format!(
        "<lineItems><activationId><autoGenerate>true</autoGenerate></activationId>\
         <partNumber><primaryKeys><partId>{part}</partId></primaryKeys></partNumber>\
         <orderId>{order_id}</orderId><orderLineNumber>1</orderLineNumber>\
         <numberOfCopies>{copies}</numberOfCopies>\
         <startDateOption>DEFINE_ACTDATE_AT_FIRST_ACTIVATION</startDateOption>\
         <isPermanent>false</isPermanent><term><numDuration>1</numDuration><durationUnit>MONTHS</durationUnit></term>\
         </lineItems>"
    )
}

/// A simpleEntitlement with an auto-generated ID sold to `sold_to`.
pub fn entitlement_xml(sold_to: &str, lines: &str) -> String {
    format!(
        "<simpleEntitlement><entitlementId><autoGenerate>true</autoGenerate></entitlementId>\
         <description>Demo order</description><soldTo>{sold_to}</soldTo>{lines}</simpleEntitlement>"
    )
}

/// Response config asking for the write-back fields of a line item.
pub const LINE_CONFIG: &str = "<entitlementLineItemResponseConfig><activationId>true</activationId><orderId>true</orderId>\
    <orderLineNumber>true</orderLineNumber><entitlementId>true</entitlementId><numberOfCopies>true</numberOfCopies>\
    <fulfilledAmount>true</fulfilledAmount><numberOfRemainingCopies>true</numberOfRemainingCopies>\
    <lastModifiedDateTime>true</lastModifiedDateTime></entitlementLineItemResponseConfig>";

/// Creates an account and one entitlement with one SF01demo line; returns (entitlement id, activation id).
pub async fn demo_entitlement(fno: &Fno, copies: u32) -> (String, String) {
    fno.create_account("ACC", "SF-DemoAccount").await;
    let inner = entitlement_xml("ACC", &line_xml("SF01demo", copies, "006OPP"));
    let answer = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "createSimpleEntitlementRequest",
            &inner,
        )
        .await;
    assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    let created = answer
        .body
        .at(&["responseData", "createdSimpleEntitlement"])
        .expect("created");
    let id = created.value("entitlementId").expect("id").to_string();
    let activation = created
        .value_at(&["lineItemIdentifiers", "primaryKeys", "activationId"])
        .expect("activation");
    (id, activation.to_string())
}
