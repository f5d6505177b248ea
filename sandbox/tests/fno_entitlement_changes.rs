//! Entitlement changes in the FNO sandbox: write-back fields after an
//! activation, state changes, updates, added lines and renewals.

mod fno_support;

use fno_support::*;

#[tokio::test]
async fn line_properties_by_order_id_show_remaining_copies_after_activation() {
    let fno = Fno::start().await;
    let (id, activation) = demo_entitlement(&fno, 10).await;
    let set_state = format!("<entitlement><entitlementIdentifier><primaryKeys><entitlementId>{id}</entitlementId></primaryKeys></entitlementIdentifier><stateToSet>DEPLOYED</stateToSet></entitlement>");
    assert_eq!(
        fno.call(
            ENTITLEMENTS,
            V4_NS,
            "setEntitlementStateRequest",
            &set_state
        )
        .await
        .status_info(),
        "SUCCESS"
    );
    let response = fno
        .client
        .post(format!("{}/__sandbox/activate", fno.sandbox.url()))
        .json(&serde_json::json!({"activationId": activation, "count": 3}))
        .send()
        .await
        .expect("activate");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let inner = format!("<queryParams><orderId><value>006OPP</value><searchType>EQUALS</searchType></orderId></queryParams>{LINE_CONFIG}<batchSize>10</batchSize><pageNumber>1</pageNumber>");
    let answer = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "searchEntitlementLineItemPropertiesRequest",
            &inner,
        )
        .await;
    let line = answer.body.child("entitlementLineItem").expect("line");
    assert_eq!(
        line.value_at(&["activationId", "primaryKeys", "activationId"]),
        Some(activation.as_str())
    );
    assert_eq!(
        line.value_at(&["entitlementId", "primaryKeys", "entitlementId"]),
        Some(id.as_str())
    );
    assert_eq!(line.value("fulfilledAmount"), Some("3"));
    assert_eq!(line.value("numberOfRemainingCopies"), Some("7"));
    assert!(
        line.child("description").is_none(),
        "fields not asked for are left out"
    );
    let too_many = fno.sandbox.store().activate(&activation, 8);
    assert!(too_many.is_err());
}

#[tokio::test]
async fn a_draft_line_cannot_be_activated() {
    let fno = Fno::start().await;
    let (_, activation) = demo_entitlement(&fno, 2).await;
    let response = fno
        .client
        .post(format!("{}/__sandbox/activate", fno.sandbox.url()))
        .json(&serde_json::json!({"activationId": activation, "count": 1}))
        .send()
        .await
        .expect("activate");
    assert_eq!(response.status(), reqwest::StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_deployed_entitlement_cannot_go_back_to_draft() {
    let fno = Fno::start().await;
    let (id, _) = demo_entitlement(&fno, 1).await;
    let state = |target: &str| {
        format!("<entitlement><entitlementIdentifier><primaryKeys><entitlementId>{id}</entitlementId></primaryKeys></entitlementIdentifier><stateToSet>{target}</stateToSet></entitlement>")
    };
    assert_eq!(
        fno.call(
            ENTITLEMENTS,
            V4_NS,
            "setEntitlementStateRequest",
            &state("DEPLOYED")
        )
        .await
        .status_info(),
        "SUCCESS"
    );
    let back = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "setEntitlementStateRequest",
            &state("DRAFT"),
        )
        .await;
    assert_eq!(back.status_info(), "FAILURE");
    assert!(back
        .body
        .at(&[
            "failedData",
            "failedEntitlement",
            "entitlement",
            "stateToSet"
        ])
        .is_some());
    assert_eq!(
        fno.sandbox.store().entitlement(&id).expect("e").line_items[0].state,
        "DEPLOYED"
    );
}

#[tokio::test]
async fn set_line_item_state_changes_each_line_by_the_state_rules_and_fails_items_alone() {
    let fno = Fno::start().await;
    let (id, activation) = demo_entitlement(&fno, 3).await;
    let line = |activation: &str, target: &str| {
        format!("<lineItem><lineItemIdentifier><primaryKeys><activationId>{activation}</activationId></primaryKeys></lineItemIdentifier><stateToSet>{target}</stateToSet></lineItem>")
    };
    let before = fno.sandbox.store().entitlement(&id).expect("e").line_items[0].last_modified;

    // A line of a DRAFT entitlement is not deployed alone; an unknown line
    // fails alone; obsoleting goes through.
    let draft = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "setLineItemStateRequest",
            &line(&activation, "DEPLOYED"),
        )
        .await;
    let mixed = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "setLineItemStateRequest",
            &format!(
                "{}{}",
                line("NO-SUCH-LINE", "OBSOLETE"),
                line(&activation, "OBSOLETE")
            ),
        )
        .await;
    let back = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "setLineItemStateRequest",
            &line(&activation, "DEPLOYED"),
        )
        .await;

    assert_eq!(draft.status_info(), "FAILURE");
    assert_eq!(mixed.status_info(), "PARTIAL_FAILURE");
    let failed = mixed
        .body
        .at(&["failedData", "failedLineItem"])
        .expect("failed line");
    assert_eq!(
        failed.value_at(&[
            "lineItem",
            "lineItemIdentifier",
            "primaryKeys",
            "activationId"
        ]),
        Some("NO-SUCH-LINE")
    );
    assert!(failed
        .value("reason")
        .expect("reason")
        .contains("does not exist"));
    assert_eq!(
        back.status_info(),
        "FAILURE",
        "an obsolete line stays obsolete"
    );
    let entitlement = fno.sandbox.store().entitlement(&id).expect("e");
    assert_eq!(entitlement.line_items[0].state, "OBSOLETE");
    assert_eq!(
        entitlement.state, "DRAFT",
        "the entitlement keeps its state"
    );
    assert!(
        entitlement.line_items[0].last_modified > before,
        "the line is stamped"
    );
}

#[tokio::test]
async fn update_simple_entitlement_and_line_items_change_fields() {
    let fno = Fno::start().await;
    let (id, activation) = demo_entitlement(&fno, 10).await;
    let header = format!("<simpleEntitlement><entitlementIdentifier><primaryKeys><entitlementId>{id}</entitlementId></primaryKeys></entitlementIdentifier><description>Changed</description><shipToEmail>a@b.c</shipToEmail></simpleEntitlement>");
    assert_eq!(
        fno.call(
            ENTITLEMENTS,
            V4_NS,
            "updateSimpleEntitlementRequest",
            &header
        )
        .await
        .status_info(),
        "SUCCESS"
    );
    let lines = format!(
        "<lineItemData><entitlementIdentifier><primaryKeys><entitlementId>{id}</entitlementId></primaryKeys></entitlementIdentifier>\
         <lineItemData><lineItemIdentifier><primaryKeys><activationId>{activation}</activationId></primaryKeys></lineItemIdentifier>\
         <numberOfCopies>12</numberOfCopies><isPermanent>true</isPermanent></lineItemData></lineItemData>"
    );
    let answer = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "updateEntitlementLineItemRequest",
            &lines,
        )
        .await;
    assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    let stored = fno.sandbox.store().entitlement(&id).expect("e");
    assert_eq!(stored.description.as_deref(), Some("Changed"));
    assert_eq!(stored.line_items[0].number_of_copies, 12);
    assert!(stored.line_items[0].is_permanent && stored.line_items[0].term.is_none());
    let unknown = lines.replace(&activation, "0000-0000-0000-0000-0000-0000-0000-0000");
    let failed = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "updateEntitlementLineItemRequest",
            &unknown,
        )
        .await;
    assert!(failed
        .body
        .at(&["failedData", "failedData", "failedData"])
        .is_some());
}

#[tokio::test]
async fn create_entitlement_line_item_adds_a_line() {
    let fno = Fno::start().await;
    let (id, _) = demo_entitlement(&fno, 10).await;
    let inner = format!(
        "<lineItem><entitlementIdentifier><primaryKeys><entitlementId>{id}</entitlementId></primaryKeys></entitlementIdentifier>{}</lineItem>",
        line_xml("GC1020", 4, "006OPP")
    );
    let answer = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "createEntitlementLineItemRequest",
            &inner,
        )
        .await;
    assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    let added = answer
        .body
        .at(&["responseData", "addedLineItems"])
        .expect("added");
    let activation = added
        .value_at(&["lineItemIdentifiers", "primaryKeys", "activationId"])
        .expect("activation");
    assert_eq!(
        fno.sandbox
            .store()
            .line_item(activation)
            .expect("line")
            .number_of_copies,
        4
    );
    assert_eq!(
        fno.sandbox
            .store()
            .entitlement(&id)
            .expect("e")
            .line_items
            .len(),
        2
    );
}

#[tokio::test]
async fn renew_license_creates_a_renewal_line_pointing_at_its_parent() {
    let fno = Fno::start().await;
    let (id, activation) = demo_entitlement(&fno, 10).await;
    let inner = format!(
        "<entitlementData><renewLineItemData><parentLineItemIdentifier><primaryKeys><activationId>{activation}</activationId></primaryKeys></parentLineItemIdentifier>\
         <renewParameters><activationId><autoGenerate>true</autoGenerate></activationId><expirationTerms><term><numDuration>1</numDuration><durationUnit>YEARS</durationUnit></term></expirationTerms>\
         <numberOfCopies>5</numberOfCopies></renewParameters></renewLineItemData></entitlementData>"
    );
    let answer = fno
        .call(ENTITLEMENTS, V4_NS, "renewLicenseRequest", &inner)
        .await;
    assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    let renewed = answer
        .body
        .at(&["responseData", "entitlementData"])
        .expect("data");
    assert_eq!(
        renewed.value_at(&[
            "parentEntitlementIdentifier",
            "primaryKeys",
            "entitlementId"
        ]),
        Some(id.as_str())
    );
    let new_id = renewed
        .value_at(&["renewedLineItem", "newLineItem", "activationId"])
        .expect("new");
    let line = fno.sandbox.store().line_item(new_id).expect("line");
    assert_eq!(line.parent_line_item.as_deref(), Some(activation.as_str()));
    assert_eq!(line.line_item_type.as_deref(), Some("RENEWAL"));
    assert_eq!(line.number_of_copies, 5);
}
