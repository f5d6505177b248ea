//! Entitlements in the FNO sandbox: creation rules, IDs, attributes and queries.

mod fno_support;

use fno_support::*;

fn is_fno_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 8
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[tokio::test]
async fn create_simple_entitlement_assigns_ids_in_fno_format() {
    let fno = Fno::start().await;
    let (id, activation) = demo_entitlement(&fno, 10).await;
    assert!(is_fno_id(&id), "{id}");
    assert!(is_fno_id(&activation), "{activation}");
    let stored = fno.sandbox.store().entitlement(&id).expect("stored");
    assert_eq!(stored.state, "DRAFT");
    assert_eq!(stored.sold_to.as_deref(), Some("ACC"));
    let line = &stored.line_items[0];
    assert_eq!((line.number_of_copies, line.remaining_copies()), (10, 10));
    assert_eq!(line.order_id.as_deref(), Some("006OPP"));
}

#[tokio::test]
async fn entitlement_rules_refuse_bad_lines_atomically() {
    let fno = Fno::start().await;
    fno.create_account("ACC", "a").await;
    let cases = [
        (
            entitlement_xml("ACC", &line_xml("NOPE", 1, "o")),
            "part number does not exist",
        ),
        (
            entitlement_xml("ACC", &line_xml("GC3020", 1, "o")),
            "not deployed",
        ),
        (
            entitlement_xml(
                "ACC",
                &line_xml("SF01demo", 1, "o").replace("<numberOfCopies>1</numberOfCopies>", ""),
            ),
            MISSING,
        ),
        (
            entitlement_xml("NO-ACCOUNT", &line_xml("SF01demo", 1, "o")),
            "account does not exist",
        ),
        (
            entitlement_xml(
                "ACC",
                &line_xml("SF01demo", 1, "o").replace(
                    "<isPermanent>false</isPermanent>",
                    "<isPermanent>true</isPermanent>",
                ),
            ),
            "expiration",
        ),
    ];
    for (inner, expected) in cases {
        let with_good_line = inner.replace(
            "</simpleEntitlement>",
            &format!("{}</simpleEntitlement>", line_xml("SF01demo", 1, "good")),
        );
        let answer = fno
            .call(
                ENTITLEMENTS,
                V4_NS,
                "createSimpleEntitlementRequest",
                &with_good_line,
            )
            .await;
        assert_eq!(answer.status_info(), "FAILURE", "{expected}");
        let failed = answer
            .body
            .at(&["failedData", "failedSimpleEntitlement"])
            .expect("failed");
        assert!(failed.child("simpleEntitlement").is_some());
        assert!(
            failed.value("reason").expect("reason").contains(expected),
            "{expected}: {}",
            answer.text
        );
    }
    assert_eq!(fno.sandbox.store().snapshot().entitlements.len(), 0);
}

#[tokio::test]
async fn a_given_entitlement_id_is_used_and_a_duplicate_refused() {
    let fno = Fno::start().await;
    fno.create_account("ACC", "a").await;
    let inner = entitlement_xml("ACC", &line_xml("SF01demo", 1, "o")).replace(
        "<autoGenerate>true</autoGenerate></entitlementId>",
        "<id>ENT-0001</id><autoGenerate>false</autoGenerate></entitlementId>",
    );
    let first = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "createSimpleEntitlementRequest",
            &inner,
        )
        .await;
    assert_eq!(
        first
            .body
            .value_at(&["responseData", "createdSimpleEntitlement", "entitlementId"]),
        Some("ENT-0001")
    );
    assert_eq!(
        first
            .body
            .value_at(&["responseData", "createdSimpleEntitlement", "recordRefNo"]),
        Some("1")
    );
    let second = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "createSimpleEntitlementRequest",
            &inner,
        )
        .await;
    assert_eq!(second.status_info(), "FAILURE");
    assert!(second.failed_reasons()[0].contains("ENT-0001"));
}

#[tokio::test]
async fn entitlements_query_returns_the_entitlement_with_its_lines() {
    let fno = Fno::start().await;
    let (id, activation) = demo_entitlement(&fno, 10).await;
    let inner = format!("<entitlementSearchCriteria><entitlementId><value>{id}</value><searchType>EQUALS</searchType></entitlementId></entitlementSearchCriteria><batchSize>10</batchSize><pageNumber>1</pageNumber>");
    let answer = fno
        .call(ENTITLEMENTS, V4_NS, "searchEntitlementRequest", &inner)
        .await;
    assert_eq!(answer.body.name, "searchEntitlementResponse");
    let entitlement = answer
        .body
        .at(&["entitlement", "simpleEntitlement"])
        .expect("entitlement");
    assert_eq!(
        entitlement.value_at(&["entitlementId", "id"]),
        Some(id.as_str())
    );
    assert_eq!(entitlement.value("soldTo"), Some("ACC"));
    assert_eq!(entitlement.value("soldToName"), Some("SF-DemoAccount"));
    assert_eq!(entitlement.value("state"), Some("DRAFT"));
    let line = entitlement.child("lineItems").expect("line");
    assert_eq!(
        line.value_at(&["activationId", "id"]),
        Some(activation.as_str())
    );
    assert_eq!(line.value("numberOfRemainingCopies"), Some("10"));
    assert_eq!(
        line.value("startDateOption"),
        Some("DEFINE_ACTDATE_AT_FIRST_ACTIVATION")
    );
    assert_eq!(line.value_at(&["term", "durationUnit"]), Some("MONTHS"));
}

#[tokio::test]
async fn entitlement_attributes_refuse_inactive_definitions() {
    let fno = Fno::start().await;
    fno.create_account("ACC", "a").await;
    let attribute = |name: &str| {
        format!("<entitlementAttributes><attribute><attributeName>{name}</attributeName><stringValue>x</stringValue></attribute></entitlementAttributes></simpleEntitlement>")
    };
    let inactive = entitlement_xml("ACC", &line_xml("SF01demo", 1, "o"))
        .replace("</simpleEntitlement>", &attribute("Legacy_Contract"));
    assert_eq!(
        fno.call(
            ENTITLEMENTS,
            V4_NS,
            "createSimpleEntitlementRequest",
            &inactive
        )
        .await
        .status_info(),
        "FAILURE"
    );
    let active = entitlement_xml("ACC", &line_xml("SF01demo", 1, "o"))
        .replace("</simpleEntitlement>", &attribute("Sales_Rep"));
    assert_eq!(
        fno.call(
            ENTITLEMENTS,
            V4_NS,
            "createSimpleEntitlementRequest",
            &active
        )
        .await
        .status_info(),
        "SUCCESS"
    );
}

#[tokio::test]
async fn a_second_identical_read_makes_no_writes() {
    let fno = Fno::start().await;
    demo_entitlement(&fno, 1).await;
    fno.sandbox.reset_counts();
    let inner = format!("<queryParams/>{LINE_CONFIG}<batchSize>10</batchSize>");
    fno.call(
        ENTITLEMENTS,
        V4_NS,
        "searchEntitlementLineItemPropertiesRequest",
        &inner,
    )
    .await;
    assert_eq!(
        fno.sandbox
            .call_count("getEntitlementLineItemPropertiesQuery"),
        1
    );
    assert_eq!(fno.sandbox.write_call_count(), 0);
}
