use super::*;
use crate::fno::model::Address;
use crate::fno::xml::parse;

fn demo_account() -> Account {
    Account {
        id: "001a500001xOYkQAAW".into(),
        name: "O'Brien & Sons <EU>".into(),
        description: Some("reseller".into()),
        address: Address {
            address1: Some("1 Main St".into()),
            city: Some("Cork".into()),
            country: Some("IE".into()),
            ..Address::default()
        },
        visible: None,
        account_type: Some(AccountType::ChannelPartner),
        custom_attributes: vec![],
    }
}

#[test]
fn create_request_follows_the_schema_order_and_escapes_values() {
    let mut writer = XmlWriter::new();
    write_create_accounts(&mut writer, &[demo_account()], CreateMode::CreateOrIgnore);
    assert_eq!(
        writer.finish(),
        "<account><id>001a500001xOYkQAAW</id><name>O&apos;Brien &amp; Sons &lt;EU&gt;</name>\
         <description>reseller</description>\
         <address><address1>1 Main St</address1><city>Cork</city><country>IE</country></address>\
         <accountType>CHANNEL_PARTNER</accountType></account><opType>CREATE_OR_IGNORE</opType>"
    );
}

#[test]
fn query_request_puts_the_filter_before_the_page() {
    let mut writer = XmlWriter::new();
    write_accounts_query(&mut writer, &AccountFilter::Id("ACC-1"), 1, 2000);
    assert_eq!(
        writer.finish(),
        "<queryParams><accountID><value>ACC-1</value><searchType>EQUALS</searchType></accountID></queryParams>\
         <pageNumber>1</pageNumber><batchSize>2000</batchSize>"
    );
}

#[test]
fn query_response_is_read_into_records() {
    let root = parse(
        br#"<getAccountsQueryResponse xmlns="urn:v3.webservices.operations.flexnet.com">
        <statusInfo><status>SUCCESS</status></statusInfo>
        <responseData><acctData><account><uniqueId>HID-20001</uniqueId><primaryKeys><id>ACC-1</id></primaryKeys></account>
        <name>Demo</name><address><city>Cork</city></address><accountType>SOMETHING_NEW</accountType>
        <dateLastModified>2025-07-16T05:51:38.000Z</dateLastModified></acctData></responseData>
        </getAccountsQueryResponse>"#,
    )
    .expect("xml");
    let records = read_accounts(&root).expect("records");
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.unique_id.as_deref(), Some("HID-20001"));
    assert_eq!(record.account.id, "ACC-1");
    assert_eq!(record.account.address.city.as_deref(), Some("Cork"));
    assert_eq!(
        record.account.account_type,
        Some(AccountType::Unknown("SOMETHING_NEW".into()))
    );
    assert!(record.last_modified.is_some());
}

#[test]
fn an_empty_query_answer_has_no_records() {
    let root = parse(b"<r><statusInfo><status>SUCCESS</status></statusInfo></r>").expect("xml");
    assert!(read_accounts(&root).expect("records").is_empty());
}

#[test]
fn a_failed_query_keeps_fnos_reason() {
    let root = parse(b"<r><statusInfo><status>FAILURE</status><reason>9999:The page number must start at 1: (0)</reason></statusInfo></r>")
        .expect("xml");
    let error = read_accounts(&root).expect_err("failure");
    assert_eq!(
        error.to_string(),
        "9999:The page number must start at 1: (0)"
    );
}

#[test]
fn a_partial_create_keeps_the_successes_and_names_the_failures() {
    let second = Account {
        id: "ACC-2".into(),
        ..demo_account()
    };
    let chunk = [demo_account(), second];
    let root = parse(
        b"<createAcctResponse><statusInfo><status>PARTIAL_FAILURE</status><reason>9999:x</reason></statusInfo>\
        <failedData><failedAcct><account><id>ACC-2</id><name>n</name></account>\
        <reason>9999:The account ID is taken: (ACC-2) [Incident# 1234-5678]</reason></failedAcct></failedData>\
        <responseData><account><uniqueId>HID-1</uniqueId><primaryKeys><id>001a500001xOYkQAAW</id></primaryKeys></account></responseData>\
        </createAcctResponse>",
    )
    .expect("xml");
    let outcome = read_created_accounts(&root, 25, &chunk).expect("outcome");
    assert_eq!(outcome.succeeded.len(), 1);
    assert_eq!(outcome.succeeded[0].index, 25);
    assert_eq!(outcome.succeeded[0].unique_id.as_deref(), Some("HID-1"));
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].index, 26);
    assert_eq!(outcome.failed[0].key, "ACC-2");
    assert_eq!(
        outcome.failed[0].reason,
        "9999:The account ID is taken: (ACC-2) [Incident# 1234-5678]"
    );
}

#[test]
fn update_and_link_requests_use_identifiers() {
    let mut writer = XmlWriter::new();
    let account = Account {
        id: "A".into(),
        name: "N".into(),
        ..Account::default()
    };
    write_update_accounts(&mut writer, &[account]);
    write_links(
        &mut writer,
        &[AccountLink {
            parent_id: "P".into(),
            child_id: "C".into(),
        }],
    );
    assert_eq!(
        writer.finish(),
        "<acctData><account><primaryKeys><id>A</id></primaryKeys></account><name>N</name></acctData>\
         <acctData><parentAcct><primaryKeys><id>P</id></primaryKeys></parentAcct>\
         <subAcct><primaryKeys><id>C</id></primaryKeys></subAcct></acctData>"
    );
}
