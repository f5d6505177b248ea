//! SOAP plumbing of the FNO sandbox: WSDLs, dispatch, faults, credentials,
//! escaping, call counters and injected faults.

mod fno_support;

use base64::Engine;
use fno_support::*;
use fnosync_sandbox::faults::FaultSettings;
use reqwest::StatusCode;

#[tokio::test]
async fn every_service_serves_its_wsdl_with_the_sandbox_address() {
    let fno = Fno::start().await;
    for (service, ns) in [
        (USER_ACCT, V3_NS),
        (USER_ORG, V1_NS),
        (ENTITLEMENTS, V4_NS),
        (PRODUCTS, V2_NS),
        (AUTHENTICATION, AUTH_NS),
    ] {
        let url = format!("{}?wsdl", fno.endpoint(service));
        let response = fno.client.get(&url).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        let wsdl = response.text().await.expect("text");
        assert!(
            wsdl.contains(&format!("targetNamespace=\"{ns}\"")),
            "{service}"
        );
        assert!(
            wsdl.contains(&format!("location=\"{}\"", fno.endpoint(service))),
            "{service}"
        );
        assert!(!wsdl.contains("license.flexsim.com") && !wsdl.contains("http://localhost/"));
    }
}

#[tokio::test]
async fn an_unknown_operation_is_a_client_fault() {
    let fno = Fno::start().await;
    let answer = fno.call(USER_ACCT, V3_NS, "frobnicateRequest", "").await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.body.name, "Fault");
    assert_eq!(answer.body.value("faultcode"), Some("soapenv:Client"));
    assert!(answer
        .body
        .value("faultstring")
        .unwrap_or_default()
        .contains("frobnicateRequest"));
}

#[tokio::test]
async fn a_request_in_the_wrong_namespace_is_a_fault() {
    let fno = Fno::start().await;
    let answer = fno
        .call(USER_ACCT, V1_NS, "getAccountCountRequest", "")
        .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.body.name, "Fault");
}

#[tokio::test]
async fn malformed_xml_is_a_server_fault() {
    let fno = Fno::start().await;
    let truncated = &envelope(V3_NS, "getAccountCountRequest", "")[..80];
    let answer = fno
        .post(USER_ACCT, truncated, Some(("admin", "admin")))
        .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        answer.body.value("faultcode"),
        Some("soapenv:Server.userException")
    );
    assert_eq!(fno.sandbox.call_count("invalidRequest"), 1);
}

#[tokio::test]
async fn a_doctype_with_an_entity_is_refused_and_never_expanded() {
    let fno = Fno::start().await;
    let document = format!(
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY boom "EXPANDED">]>{}"#,
        envelope(
            V3_NS,
            "createAcctRequest",
            "<account><id>&boom;</id><name>n</name></account>"
        )
        .trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
    );
    let answer = fno
        .post(USER_ACCT, &document, Some(("admin", "admin")))
        .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(answer
        .body
        .value("faultstring")
        .unwrap_or_default()
        .contains("document type"));
    assert!(fno.sandbox.store().account("EXPANDED").is_none());
    assert_eq!(fno.sandbox.write_call_count(), 0);
}

#[tokio::test]
async fn a_soap_12_envelope_is_a_version_mismatch() {
    let fno = Fno::start().await;
    let document = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><getAccountCountRequest xmlns="urn:v3.webservices.operations.flexnet.com"/></s:Body></s:Envelope>"#;
    let answer = fno
        .post(USER_ACCT, document, Some(("admin", "admin")))
        .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        answer.body.value("faultcode"),
        Some("soapenv:VersionMismatch")
    );
}

#[tokio::test]
async fn bad_or_missing_credentials_get_401_with_a_fault() {
    let fno = Fno::start().await;
    let document = envelope(V3_NS, "getAccountCountRequest", "");
    for credentials in [Some(("admin", "wrong")), Some(("nobody", "admin")), None] {
        let answer = fno.post(USER_ACCT, &document, credentials).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{credentials:?}");
        assert_eq!(answer.body.name, "Fault");
    }
    let ok = fno
        .post(USER_ACCT, &document, Some(("admin##FLEXnet", "admin")))
        .await;
    assert_eq!(ok.status_info(), "SUCCESS");
}

#[tokio::test]
async fn the_soap_header_credentials_are_accepted() {
    let fno = Fno::start().await;
    let password = base64::engine::general_purpose::STANDARD.encode("admin");
    let document = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:flex="urn:com.macrovision:flexnet/platform"><soapenv:Header><flex:UserId>admin</flex:UserId><flex:UserPassword>{password}</flex:UserPassword></soapenv:Header><soapenv:Body><getAccountCountRequest xmlns="{V3_NS}"/></soapenv:Body></soapenv:Envelope>"#
    );
    let answer = fno.post(USER_ACCT, &document, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body.value_at(&["responseData", "count"]), Some("0"));
}

#[tokio::test]
async fn authenticate_user_checks_credentials_without_basic_auth() {
    let fno = Fno::start().await;
    let good =
        "<userName>admin</userName><password>admin</password><domainName>FLEXnet</domainName>";
    let bad = "<userName>admin</userName><password>nope</password><domainName>FLEXnet</domainName>";
    let document = envelope(AUTH_NS, "AuthenticateUserInput", good);
    let answer = fno.post(AUTHENTICATION, &document, None).await;
    assert_eq!(answer.body.name, "AuthenticateUserReturn");
    assert_eq!(answer.body.value("Success"), Some("true"));
    let answer = fno
        .post(
            AUTHENTICATION,
            &envelope(AUTH_NS, "AuthenticateUserInput", bad),
            None,
        )
        .await;
    assert_eq!(answer.body.value("Success"), Some("false"));
}

#[tokio::test]
async fn values_with_markup_characters_round_trip() {
    let fno = Fno::start().await;
    let name = r#"Smith & <Sons> "Ltd" 'x'"#;
    let escaped = r#"Smith &amp; &lt;Sons&gt; &quot;Ltd&quot; &apos;x&apos;"#;
    let inner = format!("<account><id>A&amp;1</id><name>{escaped}</name></account>");
    let created = fno
        .call(USER_ACCT, V3_NS, "createAcctRequest", &inner)
        .await;
    assert_eq!(created.status_info(), "SUCCESS", "{}", created.text);
    assert_eq!(
        fno.sandbox.store().account("A&1").expect("account").name,
        name
    );
    let query = "<queryParams><accountID><value>A&amp;1</value><searchType>EQUALS</searchType></accountID></queryParams><pageNumber>1</pageNumber><batchSize>10</batchSize>";
    let answer = fno
        .call(USER_ACCT, V3_NS, "getAccountsQueryRequest", query)
        .await;
    assert_eq!(
        answer.body.value_at(&["responseData", "acctData", "name"]),
        Some(name)
    );
    assert!(answer.text.contains("Smith &amp; &lt;Sons&gt;"));
}

#[tokio::test]
async fn calls_are_counted_per_operation_and_writes_separately() {
    let fno = Fno::start().await;
    fno.create_account("C1", "One").await;
    fno.call(USER_ACCT, V3_NS, "getAccountCountRequest", "")
        .await;
    fno.call(USER_ACCT, V3_NS, "getAccountCountRequest", "")
        .await;
    assert_eq!(fno.sandbox.call_count("createAccount"), 1);
    assert_eq!(fno.sandbox.call_count("getAccountCount"), 2);
    assert_eq!(fno.sandbox.write_call_count(), 1);
    let counts: serde_json::Value = fno
        .client
        .get(format!("{}/__sandbox/counts", fno.sandbox.url()))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(counts["writes"], 1);
    assert_eq!(counts["counts"]["getAccountCount"], 2);
    fno.client
        .post(format!("{}/__sandbox/reset-counts", fno.sandbox.url()))
        .send()
        .await
        .expect("post");
    assert_eq!(fno.sandbox.write_call_count(), 0);
}

#[tokio::test]
async fn an_injected_500_is_a_soap_fault_and_changes_nothing() {
    let fno = Fno::start().await;
    fno.sandbox.faults().set(FaultSettings {
        fail_next: 1,
        ..FaultSettings::default()
    });
    let inner = "<account><id>F1</id><name>F</name></account>";
    let answer = fno.call(USER_ACCT, V3_NS, "createAcctRequest", inner).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.body.name, "Fault");
    assert!(fno.sandbox.store().account("F1").is_none());
    let again = fno.call(USER_ACCT, V3_NS, "createAcctRequest", inner).await;
    assert_eq!(again.status_info(), "SUCCESS");
}

#[tokio::test]
async fn an_injected_503_set_over_http_comes_back_as_503() {
    let fno = Fno::start().await;
    let settings = serde_json::json!({"fail_next": 1, "failure_status": 503, "operation_filter": "getAccountCount"});
    let response = fno
        .client
        .put(format!("{}/__sandbox/faults", fno.sandbox.url()))
        .json(&settings)
        .send()
        .await
        .expect("put");
    assert_eq!(response.status(), StatusCode::OK);
    let spared = fno.call(USER_ACCT, V3_NS, "getUserCountRequest", "").await;
    assert_eq!(spared.status, StatusCode::OK);
    let answer = fno
        .call(USER_ACCT, V3_NS, "getAccountCountRequest", "")
        .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_dropped_connection_still_applies_the_write() {
    let fno = Fno::start().await;
    fno.sandbox.faults().set(FaultSettings {
        drop_next: 1,
        ..FaultSettings::default()
    });
    let document = envelope(
        V3_NS,
        "createAcctRequest",
        "<account><id>D1</id><name>D</name></account>",
    );
    let result = fno
        .client
        .post(fno.endpoint(USER_ACCT))
        .basic_auth("admin", Some("admin"))
        .body(document)
        .send()
        .await;
    let failed = match result {
        Err(_) => true,
        Ok(response) => response.text().await.is_err(),
    };
    assert!(failed, "the response must not arrive complete");
    assert!(fno.sandbox.store().account("D1").is_some());
}

#[tokio::test]
async fn a_malformed_response_is_truncated_xml() {
    let fno = Fno::start().await;
    fno.sandbox.faults().set(FaultSettings {
        malformed_next: 1,
        ..FaultSettings::default()
    });
    let answer = fno
        .call(USER_ACCT, V3_NS, "getAccountCountRequest", "")
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(fnosync_sandbox::fno::xml::parse(answer.text.as_bytes()).is_err());
}

#[tokio::test]
async fn the_services_page_and_an_unknown_service_answer_like_axis() {
    let fno = Fno::start().await;
    let listing = fno
        .client
        .get(format!("{}/flexnet/services/", fno.sandbox.url()))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(listing.contains("v4/EntitlementOrderService"));
    let answer = fno.call("v9/NoSuchService", V3_NS, "x", "").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}
