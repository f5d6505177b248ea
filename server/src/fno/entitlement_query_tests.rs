use super::*;
use crate::fno::xml::parse;

#[test]
fn line_query_filters_by_order_and_asks_for_the_write_back_fields() {
    let mut writer = XmlWriter::new();
    write_line_query(
        &mut writer,
        &LineItemQuery::by_order("006OPP", Some("00k1")),
        1,
        2000,
    );
    let xml = writer.finish();
    assert!(xml.starts_with(
        "<queryParams><orderId><value>006OPP</value><searchType>EQUALS</searchType></orderId>\
         <orderLineNumber><value>00k1</value><searchType>EQUALS</searchType></orderLineNumber></queryParams>\
         <entitlementLineItemResponseConfig><activationId>true</activationId>"
    ));
    assert!(xml.contains("<numberOfRemainingCopies>true</numberOfRemainingCopies>"));
    assert!(xml.ends_with(
        "</entitlementLineItemResponseConfig><batchSize>2000</batchSize><pageNumber>1</pageNumber>"
    ));
}

#[test]
fn entitlement_query_puts_batch_size_before_page_number() {
    let query = EntitlementQuery {
        sold_to: Some("001ACC".into()),
        modified_after: NaiveDate::from_ymd_opt(2025, 7, 1),
        ..EntitlementQuery::default()
    };
    let mut writer = XmlWriter::new();
    write_entitlement_query(&mut writer, &query, 2, 200);
    assert_eq!(
        writer.finish(),
        "<entitlementSearchCriteria><soldTo><value>001ACC</value><searchType>EQUALS</searchType></soldTo>\
         <lastModifiedDate><value>2025-07-01</value><searchType>AFTER</searchType></lastModifiedDate>\
         </entitlementSearchCriteria><batchSize>200</batchSize><pageNumber>2</pageNumber>"
    );
}

#[test]
fn line_properties_are_read_with_counts() {
    let root = parse(
        b"<searchEntitlementLineItemPropertiesResponse><statusInfo><status>SUCCESS</status></statusInfo>\
        <entitlementLineItem><activationId><uniqueId>HID-2</uniqueId><primaryKeys><activationId>act-1</activationId></primaryKeys></activationId>\
        <state>DRAFT</state><orderId>006OPP</orderId><orderLineNumber>00k0</orderLineNumber>\
        <entitlementId><primaryKeys><entitlementId>ab12</entitlementId></primaryKeys></entitlementId>\
        <soldTo><primaryKeys><id>001ACC</id></primaryKeys></soldTo><entitlementState>DRAFT</entitlementState>\
        <product><primaryKeys><name>SF-DemoProduct</name><version>1.0</version></primaryKeys></product>\
        <partNumber><primaryKeys><partId>SF01demo</partId></primaryKeys></partNumber>\
        <startDateOption>DEFINE_ACTDATE_AT_FIRST_ACTIVATION</startDateOption><isPermanent>false</isPermanent>\
        <term><numDuration>1</numDuration><durationUnit>MONTHS</durationUnit></term>\
        <numberOfCopies>10</numberOfCopies><fulfilledAmount>3</fulfilledAmount><numberOfRemainingCopies>7</numberOfRemainingCopies>\
        <lastModifiedDateTime>2025-07-16T05:51:38.000Z</lastModifiedDateTime></entitlementLineItem>\
        </searchEntitlementLineItemPropertiesResponse>",
    )
    .expect("xml");
    let lines = read_line_properties(&root).expect("lines");
    let line = &lines[0];
    assert_eq!(line.activation_id, "act-1");
    assert_eq!(line.entitlement_id.as_deref(), Some("ab12"));
    assert_eq!(line.sold_to.as_deref(), Some("001ACC"));
    assert_eq!(line.part_number.as_deref(), Some("SF01demo"));
    assert_eq!(line.product, Some(("SF-DemoProduct".into(), "1.0".into())));
    assert_eq!(line.term, Some((1, DurationUnit::Months)));
    assert_eq!(
        (
            line.number_of_copies,
            line.fulfilled_amount,
            line.remaining_copies
        ),
        (Some(10), Some(3), Some(7))
    );
    assert_eq!(line.state, Some(EntitlementState::Draft));
    assert!(line.last_modified.is_some());
}

#[test]
fn entitlements_are_read_with_their_lines() {
    let root = parse(
        b"<searchEntitlementResponse><statusInfo><status>SUCCESS</status></statusInfo>\
        <entitlement><simpleEntitlement><entitlementId><id>ab12</id></entitlementId><description>d</description>\
        <soldTo>001ACC</soldTo><state>DEPLOYED</state>\
        <lineItems><activationId><id>act-1</id></activationId><orderId>006OPP</orderId><numberOfCopies>10</numberOfCopies>\
        <numberOfRemainingCopies>10</numberOfRemainingCopies><fulfilledCount>0</fulfilledCount></lineItems>\
        </simpleEntitlement></entitlement></searchEntitlementResponse>",
    )
    .expect("xml");
    let entitlements = read_entitlements(&root).expect("entitlements");
    assert_eq!(entitlements[0].entitlement_id, "ab12");
    assert_eq!(entitlements[0].state, Some(EntitlementState::Deployed));
    let line = &entitlements[0].line_items[0];
    assert_eq!(line.activation_id, "act-1");
    assert_eq!(line.entitlement_id.as_deref(), Some("ab12"));
    assert_eq!(line.remaining_copies, Some(10));
}

#[test]
fn an_empty_search_has_no_records() {
    let root = parse(b"<searchEntitlementResponse><statusInfo><status>SUCCESS</status></statusInfo></searchEntitlementResponse>")
        .expect("xml");
    assert!(read_entitlements(&root).expect("none").is_empty());
}
