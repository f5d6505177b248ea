use chrono::NaiveDate;

use super::*;
use crate::fno::entitlement_model::{DurationUnit, Expiration, StartDate};
use crate::fno::model::{AttributeValue, CustomAttribute};
use crate::fno::xml::parse;

fn demo_line(order_line: &str) -> NewLineItem {
    NewLineItem {
        activation_id: None,
        description: None,
        part_number: "SF01demo".into(),
        license_model: None,
        order_id: Some("006OPP".into()),
        order_line_number: Some(order_line.into()),
        number_of_copies: 10,
        start: StartDate::FirstActivationDate,
        expiration: Expiration::Term {
            count: 1,
            unit: DurationUnit::Months,
        },
        attributes: vec![],
    }
}

fn demo_entitlement(lines: usize) -> NewEntitlement {
    NewEntitlement {
        entitlement_id: None,
        description: Some("Order <1> & \"2\"".into()),
        sold_to: Some("001ACC".into()),
        ship_to_email: None,
        ship_to_address: None,
        line_items: (0..lines).map(|i| demo_line(&format!("00k{i}"))).collect(),
        state: EntitlementState::Draft,
        channel_partners: vec![],
        attributes: vec![CustomAttribute {
            name: "Sales_Rep".into(),
            value: AttributeValue::Text("Ann".into()),
        }],
    }
}

#[test]
fn create_request_follows_the_schema_order_and_escapes_values() {
    let mut writer = XmlWriter::new();
    write_create_entitlements(&mut writer, &[demo_entitlement(1)]);
    assert_eq!(
        writer.finish(),
        "<simpleEntitlement><entitlementId><autoGenerate>true</autoGenerate></entitlementId>\
         <description>Order &lt;1&gt; &amp; &quot;2&quot;</description><soldTo>001ACC</soldTo>\
         <lineItems><activationId><autoGenerate>true</autoGenerate></activationId>\
         <partNumber><primaryKeys><partId>SF01demo</partId></primaryKeys></partNumber>\
         <orderId>006OPP</orderId><orderLineNumber>00k0</orderLineNumber><numberOfCopies>10</numberOfCopies>\
         <startDateOption>DEFINE_ACTDATE_AT_FIRST_ACTIVATION</startDateOption><isPermanent>false</isPermanent>\
         <term><numDuration>1</numDuration><durationUnit>MONTHS</durationUnit></term></lineItems>\
         <autoDeploy>false</autoDeploy>\
         <entitlementAttributes><attribute><attributeName>Sales_Rep</attributeName><stringValue>Ann</stringValue></attribute></entitlementAttributes>\
         </simpleEntitlement>"
    );
}

#[test]
fn a_given_id_and_a_start_date_are_sent_as_such() {
    let mut entitlement = demo_entitlement(1);
    entitlement.entitlement_id = Some("ENT-1".into());
    entitlement.state = EntitlementState::Deployed;
    entitlement.line_items[0].start =
        StartDate::On(NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"));
    let mut writer = XmlWriter::new();
    write_create_entitlements(&mut writer, &[entitlement]);
    let xml = writer.finish();
    assert!(xml.starts_with("<simpleEntitlement><entitlementId><id>ENT-1</id><autoGenerate>false</autoGenerate></entitlementId>"));
    assert!(xml.contains(
        "<startDate>2025-07-01</startDate><startDateOption>DEFINE_NOW</startDateOption>"
    ));
    assert!(xml.contains("<autoDeploy>true</autoDeploy>"));
}

#[test]
fn calls_hold_at_most_25_entitlements_each_with_at_most_25_lines() {
    let many: Vec<NewEntitlement> = (0..30).map(|_| demo_entitlement(0)).collect();
    assert_eq!(plan_calls(&many), vec![0..25, 25..30]);
    let lines = vec![
        demo_entitlement(20),
        demo_entitlement(5),
        demo_entitlement(1),
    ];
    assert_eq!(plan_calls(&lines), vec![0..3]);
    let big = vec![demo_entitlement(40), demo_entitlement(1)];
    assert_eq!(plan_calls(&big), vec![0..2]);
    let mut writer = XmlWriter::new();
    write_create_entitlements(&mut writer, &big[..1]);
    assert_eq!(writer.finish().matches("<lineItems>").count(), 25);
}

#[test]
fn other_states_cannot_be_created() {
    let mut entitlement = demo_entitlement(1);
    entitlement.state = EntitlementState::Obsolete;
    assert!(matches!(
        check_creatable(&entitlement),
        Err(FnoError::InvalidRequest(_))
    ));
}

#[test]
fn created_entitlements_are_read_with_their_activation_ids() {
    let root = parse(
        b"<createSimpleEntitlementResponse><statusInfo><status>SUCCESS</status></statusInfo><responseData>\
        <createdSimpleEntitlement><recordRefNo>1</recordRefNo><uniqueId>HID-1</uniqueId><entitlementId>ab12-cd34</entitlementId>\
        <lineItemUniqueIds>HID-2</lineItemUniqueIds><lineItemUniqueIds>HID-3</lineItemUniqueIds>\
        <lineItemIdentifiers><uniqueId>HID-2</uniqueId><primaryKeys><activationId>act-1</activationId></primaryKeys></lineItemIdentifiers>\
        <lineItemIdentifiers><uniqueId>HID-3</uniqueId><primaryKeys><activationId>act-2</activationId></primaryKeys></lineItemIdentifiers>\
        </createdSimpleEntitlement></responseData></createSimpleEntitlementResponse>",
    )
    .expect("xml");
    let outcome = read_created_entitlements(&root, 3, &[demo_entitlement(2)]).expect("outcome");
    assert!(outcome.is_complete());
    let created = &outcome.succeeded[0];
    assert_eq!(created.index, 3);
    assert_eq!(created.entitlement_id, "ab12-cd34");
    let activations: Vec<&str> = created
        .lines
        .iter()
        .map(|l| l.activation_id.as_str())
        .collect();
    assert_eq!(activations, vec!["act-1", "act-2"]);
    assert_eq!(created.lines[1].order_line_number.as_deref(), Some("00k1"));
}

#[test]
fn a_refused_entitlement_keeps_fnos_reason() {
    let root = parse(
        b"<createSimpleEntitlementResponse><statusInfo><status>FAILURE</status><reason>9999:x</reason></statusInfo>\
        <failedData><failedSimpleEntitlement><simpleEntitlement><entitlementId><autoGenerate>true</autoGenerate></entitlementId>\
        <lineItems><orderId>006OPP</orderId></lineItems></simpleEntitlement>\
        <reason>9999:The product is not deployed: (GC3020) [Incident# 1111-2222]</reason></failedSimpleEntitlement></failedData>\
        </createSimpleEntitlementResponse>",
    )
    .expect("xml");
    let outcome = read_created_entitlements(&root, 0, &[demo_entitlement(1)]).expect("outcome");
    assert!(outcome.succeeded.is_empty());
    assert_eq!(outcome.failed[0].key, "006OPP");
    assert_eq!(
        outcome.failed[0].reason,
        "9999:The product is not deployed: (GC3020) [Incident# 1111-2222]"
    );
}

#[test]
fn add_lines_and_states_name_the_entitlement() {
    let mut writer = XmlWriter::new();
    let addition = LineAddition {
        entitlement_id: "E-1".into(),
        lines: vec![],
        deploy: true,
    };
    write_add_lines(&mut writer, &addition);
    write_states(&mut writer, &[("E-1".into(), EntitlementState::Deployed)]);
    assert_eq!(
        writer.finish(),
        "<lineItem><entitlementIdentifier><primaryKeys><entitlementId>E-1</entitlementId></primaryKeys></entitlementIdentifier>\
         <autoDeploy>true</autoDeploy></lineItem>\
         <entitlement><entitlementIdentifier><primaryKeys><entitlementId>E-1</entitlementId></primaryKeys></entitlementIdentifier>\
         <stateToSet>DEPLOYED</stateToSet></entitlement>"
    );
}

#[test]
fn an_add_answer_pairs_each_record_with_its_lines_and_a_refusal_with_its_entitlement() {
    let additions: Vec<LineAddition> = ["E-1", "E-2", "E-3"]
        .iter()
        .map(|id| LineAddition {
            entitlement_id: id.to_string(),
            lines: vec![demo_line(&format!("00k-{id}"))],
            deploy: false,
        })
        .collect();
    let added = |id: &str, activation: &str| {
        format!(
            "<addedLineItems><entitlementIdentifier><primaryKeys><entitlementId>{id}</entitlementId>\
             </primaryKeys></entitlementIdentifier><lineItemIdentifiers><uniqueId>U-{activation}</uniqueId>\
             <primaryKeys><activationId>{activation}</activationId></primaryKeys></lineItemIdentifiers>\
             </addedLineItems>"
        )
    };
    let root = parse(
        &format!(
            "<r><statusInfo><status>PARTIAL_FAILURE</status></statusInfo>\
         <failedData><failedLineItemData><lineItem><entitlementIdentifier><primaryKeys>\
         <entitlementId>E-2</entitlementId></primaryKeys></entitlementIdentifier></lineItem>\
         <reason>The entitlement is obsolete</reason></failedLineItemData></failedData>\
         <responseData>{}{}</responseData></r>",
            added("E-1", "A-1"),
            added("E-3", "A-3")
        )
        .into_bytes(),
    )
    .expect("xml");
    let outcome = read_added_lines(&root, 25, &additions).expect("outcome");
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].index, 26);
    assert_eq!(outcome.failed[0].reason, "The entitlement is obsolete");
    let taken: Vec<(usize, &str, &str)> = outcome
        .succeeded
        .iter()
        .map(|a| {
            (
                a.index,
                a.entitlement_id.as_str(),
                a.lines[0].activation_id.as_str(),
            )
        })
        .collect();
    assert_eq!(taken, vec![(25, "E-1", "A-1"), (27, "E-3", "A-3")]);
    assert_eq!(
        outcome.succeeded[1].lines[0].order_line_number.as_deref(),
        Some("00k-E-3")
    );
}
