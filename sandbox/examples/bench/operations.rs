//! The operations under test: the pre-built Salesforce REST and FNO SOAP
//! requests of each, and the Salesforce log-in that gives their token.

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use fnosync_sandbox::salesforce::auth::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN,
    DEFAULT_USERNAME,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::seed::{
    account_name, entitlement_id, fno_account_count, fno_account_id, fno_user_name, Targets,
    PART_NUMBER,
};

const SF_VERSION: &str = "v59.0";

const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

const JSON_CONTENT_TYPE: &str = "application/json";

/// Records per composite request: the sObject Collections maximum.
const COMPOSITE_BATCH: usize = 200;

const ENTITLEMENT_SERVICE: &str = "v4/EntitlementOrderService";

const USER_SERVICE: &str = "v3/UserAcctHierarchyService";

const V4_NS: &str = "urn:v4.webservices.operations.flexnet.com";

const V3_NS: &str = "urn:v3.webservices.operations.flexnet.com";

/// One request of an operation and the text its answer must contain.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) body: Option<(&'static str, Bytes)>,
    pub(crate) auth: Auth,
    pub(crate) expect: String,
}

pub(crate) enum Auth {
    Bearer(Arc<str>),
    Basic,
}

/// An operation under test: its label and its pre-built requests.
pub(crate) type Operation = (&'static str, Vec<Call>);

pub(crate) async fn salesforce_token(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<Arc<str>> {
    let password = format!("{DEFAULT_PASSWORD}{DEFAULT_SECURITY_TOKEN}");
    let form = [
        ("grant_type", "password"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", DEFAULT_CLIENT_SECRET),
        ("username", DEFAULT_USERNAME),
        ("password", password.as_str()),
    ];
    let request = client
        .post(format!("{base}/services/oauth2/token"))
        .form(&form);
    let answer: Value = request.send().await?.error_for_status()?.json().await?;
    let token = answer["access_token"].as_str().context("no access_token")?;
    Ok(token.into())
}

/// Limits and point queries send `requests`; the Name scan a quarter, composite updates a twentieth.
pub(crate) fn salesforce_operations(
    requests: usize,
    targets: &Targets,
    token: &Arc<str>,
) -> Vec<Operation> {
    let id = |index: usize| targets.account_ids[index % targets.records].as_str();
    let data = format!("{}/services/data/{SF_VERSION}", targets.salesforce_url);
    let get = |url: String, expect: &str| Call {
        method: Method::GET,
        url,
        body: None,
        auth: Auth::Bearer(token.clone()),
        expect: expect.into(),
    };
    let query = |condition: String| {
        let soql = format!("SELECT Id, Name FROM Account WHERE {condition}");
        let url = reqwest::Url::parse_with_params(&format!("{data}/query"), &[("q", soql)]);
        get(
            url.expect("the data URL is valid").into(),
            "\"totalSize\":1",
        )
    };
    let composite = |index: usize| {
        let records: Vec<Value> = (0..COMPOSITE_BATCH)
            .map(|offset| json!({"attributes": {"type": "Account"}, "id": id(index * COMPOSITE_BATCH + offset),
                                 "Description": format!("bench update {index}")}))
            .collect();
        let body = json!({"allOrNone": false, "records": records}).to_string();
        Call {
            method: Method::PATCH,
            body: Some((JSON_CONTENT_TYPE, body.into())),
            ..get(format!("{data}/composite/sobjects"), "\"success\":true")
        }
    };
    let by_name = |i: usize| query(format!("Name = '{}'", account_name(i % targets.records)));
    let limits = |_| get(format!("{data}/limits"), "DailyApiRequests");
    vec![
        ("salesforce GET limits", (0..requests).map(limits).collect()),
        (
            "salesforce query Account by Id",
            (0..requests)
                .map(|i| query(format!("Id = '{}'", id(i))))
                .collect(),
        ),
        (
            "salesforce query Account by Name (scan)",
            (0..(requests / 4).max(1)).map(by_name).collect(),
        ),
        (
            "salesforce composite update x200",
            (0..(requests / 20).max(1)).map(composite).collect(),
        ),
    ]
}

pub(crate) fn fno_operations(requests: usize, targets: &Targets) -> Vec<Operation> {
    let soap = |service: &str, ns: &str, root: &str, inner: String, expect: String| Call {
        method: Method::POST,
        url: format!("{}/flexnet/services/{service}", targets.fno_url),
        body: Some((SOAP_CONTENT_TYPE, envelope(ns, root, &inner).into())),
        auth: Auth::Basic,
        expect,
    };
    let accounts = fno_account_count(targets.records);
    let by_id = |i: usize| {
        let id = entitlement_id(i % targets.records);
        let inner = format!("<entitlementSearchCriteria><entitlementId><value>{id}</value><searchType>EQUALS</searchType></entitlementId></entitlementSearchCriteria><batchSize>10</batchSize><pageNumber>1</pageNumber>");
        soap(
            ENTITLEMENT_SERVICE,
            V4_NS,
            "searchEntitlementRequest",
            inner,
            format!(">{id}<"),
        )
    };
    let users = |i: usize| {
        let name = fno_user_name(i % accounts);
        let inner = format!("<queryParams><userName><value>{name}</value><searchType>EQUALS</searchType></userName></queryParams><pageNumber>1</pageNumber><batchSize>10</batchSize>");
        soap(
            USER_SERVICE,
            V3_NS,
            "getUsersQueryRequest",
            inner,
            format!(">{name}<"),
        )
    };
    let create = |i: usize| {
        let sold_to = fno_account_id(i % accounts);
        let inner = format!(
            "<simpleEntitlement><entitlementId><autoGenerate>true</autoGenerate></entitlementId><soldTo>{sold_to}</soldTo>\
             <lineItems><activationId><autoGenerate>true</autoGenerate></activationId>\
             <partNumber><primaryKeys><partId>{PART_NUMBER}</partId></primaryKeys></partNumber>\
             <orderId>006BENCH{i:06}</orderId><orderLineNumber>1</orderLineNumber><numberOfCopies>5</numberOfCopies>\
             <startDateOption>DEFINE_ACTDATE_AT_FIRST_ACTIVATION</startDateOption><isPermanent>true</isPermanent></lineItems></simpleEntitlement>"
        );
        soap(
            ENTITLEMENT_SERVICE,
            V4_NS,
            "createSimpleEntitlementRequest",
            inner,
            ">SUCCESS<".into(),
        )
    };
    vec![
        (
            "fno getEntitlementsQuery by id",
            (0..requests).map(by_id).collect(),
        ),
        (
            "fno getUsersQuery by userName",
            (0..requests).map(users).collect(),
        ),
        (
            "fno createSimpleEntitlement (1 line)",
            (0..requests).map(create).collect(),
        ),
    ]
}

fn envelope(ns: &str, root: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body><{root} xmlns="{ns}">{inner}</{root}></soapenv:Body></soapenv:Envelope>"#
    )
}
