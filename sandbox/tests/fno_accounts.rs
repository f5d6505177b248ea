//! Accounts and organizations of the FNO sandbox: creates, queries, updates,
//! links, custom attributes, batch limits and paging.

mod fno_support;

use fno_support::*;
use fnosync_sandbox::fno::model::{AttributeDefinition, AttributeEntity, AttributeType};

fn accounts_page(page: usize, size: usize) -> String {
    format!("<pageNumber>{page}</pageNumber><batchSize>{size}</batchSize>")
}

#[tokio::test]
async fn create_account_returns_its_identifier_and_query_reads_it_back() {
    let fno = Fno::start().await;
    let inner = "<account><id>001a500001xOYkQAAW</id><name>SF-DemoAccount</name><description>Demo</description>\
                 <address><city>Chicago</city><country>US</country></address><accountType>CUSTOMER</accountType></account>";
    let created = fno.call(USER_ACCT, V3_NS, "createAcctRequest", inner).await;
    assert_eq!(created.body.name, "createAcctResponse");
    assert_eq!(created.status_info(), "SUCCESS");
    let identifier = created
        .body
        .at(&["responseData", "account"])
        .expect("identifier");
    assert!(identifier
        .value("uniqueId")
        .expect("unique")
        .starts_with("HID-"));
    assert_eq!(
        identifier.value_at(&["primaryKeys", "id"]),
        Some("001a500001xOYkQAAW")
    );
    let query = format!(
        "<queryParams><accountName><value>sf-demo</value><searchType>STARTS_WITH</searchType></accountName></queryParams>{}",
        accounts_page(1, 10)
    );
    let answer = fno
        .call(USER_ACCT, V3_NS, "getAccountsQueryRequest", &query)
        .await;
    let data = answer
        .body
        .at(&["responseData", "acctData"])
        .expect("acctData");
    assert_eq!(
        data.value_at(&["account", "primaryKeys", "id"]),
        Some("001a500001xOYkQAAW")
    );
    assert_eq!(data.value("name"), Some("SF-DemoAccount"));
    assert_eq!(data.value_at(&["address", "city"]), Some("Chicago"));
    assert_eq!(data.value("accountType"), Some("CUSTOMER"));
    assert_eq!(data.value("createdBy"), Some("admin"));
    let names: Vec<&str> = data.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "account",
            "name",
            "description",
            "address",
            "accountType",
            "dateLastModified",
            "createdDate",
            "createdBy",
            "lastModifiedBy"
        ]
    );
}

#[tokio::test]
async fn a_duplicate_or_incomplete_account_fails_while_the_others_succeed() {
    let fno = Fno::start().await;
    fno.create_account("A1", "First").await;
    let inner = "<account><id>A1</id><name>Again</name></account>\
                 <account><id>A2</id><name></name></account>\
                 <account><id>A3</id><name>Third</name></account>";
    let answer = fno.call(USER_ACCT, V3_NS, "createAcctRequest", inner).await;
    assert_eq!(answer.status_info(), "PARTIAL_FAILURE");
    let failed = answer.body.child("failedData").expect("failedData");
    let items: Vec<_> = failed.children_named("failedAcct").collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].value_at(&["account", "id"]), Some("A1"));
    assert!(items[0]
        .value("reason")
        .expect("reason")
        .starts_with("9999:"));
    assert!(items[1]
        .value("reason")
        .expect("reason")
        .starts_with(MISSING));
    assert_eq!(answer.body.children_named("responseData").count(), 1);
    assert_eq!(fno.sandbox.store().account("A1").expect("a1").name, "First");
    assert!(fno.sandbox.store().account("A3").is_some());
}

#[tokio::test]
async fn op_type_create_or_update_updates_an_existing_account() {
    let fno = Fno::start().await;
    fno.create_account("A1", "First").await;
    let inner =
        "<account><id>A1</id><name>Renamed</name></account><opType>CREATE_OR_UPDATE</opType>";
    let answer = fno.call(USER_ACCT, V3_NS, "createAcctRequest", inner).await;
    assert_eq!(answer.status_info(), "SUCCESS");
    assert_eq!(
        fno.sandbox.store().account("A1").expect("a1").name,
        "Renamed"
    );
}

#[tokio::test]
async fn update_account_changes_fields_and_reports_unknown_accounts() {
    let fno = Fno::start().await;
    fno.create_account("A1", "First").await;
    let inner = "<acctData><account><primaryKeys><id>A1</id></primaryKeys></account><name>New name</name><description>d</description></acctData>\
                 <acctData><account><primaryKeys><id>NOPE</id></primaryKeys></account><name>x</name></acctData>";
    let answer = fno
        .call(USER_ACCT, V3_NS, "updateAccountRequest", inner)
        .await;
    assert_eq!(answer.status_info(), "PARTIAL_FAILURE");
    let failed = answer
        .body
        .at(&["failedData", "failedAccount"])
        .expect("failedAccount");
    assert_eq!(
        failed.value_at(&["acctData", "account", "primaryKeys", "id"]),
        Some("NOPE")
    );
    let account = fno.sandbox.store().account("A1").expect("a1");
    assert_eq!(account.name, "New name");
    assert_eq!(account.description.as_deref(), Some("d"));
}

#[tokio::test]
async fn link_accounts_makes_a_sub_account_and_only_root_accounts_hides_it() {
    let fno = Fno::start().await;
    fno.create_account("P", "Partner").await;
    fno.create_account("E", "End customer").await;
    let inner = "<acctData><parentAcct><primaryKeys><id>P</id></primaryKeys></parentAcct><subAcct><primaryKeys><id>E</id></primaryKeys></subAcct></acctData>";
    let answer = fno
        .call(USER_ACCT, V3_NS, "linkAccountsRequest", inner)
        .await;
    assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    let query = format!(
        "<queryParams><onlyRootAccounts>true</onlyRootAccounts></queryParams>{}",
        accounts_page(1, 10)
    );
    let roots = fno
        .call(USER_ACCT, V3_NS, "getAccountsQueryRequest", &query)
        .await;
    assert_eq!(
        roots
            .body
            .child("responseData")
            .expect("data")
            .children
            .len(),
        1
    );
}

#[tokio::test]
async fn the_v1_organization_service_shares_the_accounts() {
    let fno = Fno::start().await;
    let inner = "<organization><name>ORG1</name><displayName>Org One</displayName><orgType>CHANNEL_PARTNER</orgType></organization>";
    let answer = fno.call(USER_ORG, V1_NS, "createOrgRequest", inner).await;
    assert_eq!(answer.body.name, "createOrgResponse");
    assert_eq!(
        answer
            .body
            .value_at(&["responseData", "organization", "primaryKeys", "name"]),
        Some("ORG1")
    );
    let account = fno.sandbox.store().account("ORG1").expect("account");
    assert_eq!(
        (account.name.as_str(), account.account_type.as_str()),
        ("Org One", "CHANNEL_PARTNER")
    );
    let update = "<orgData><organization><primaryKeys><name>ORG1</name></primaryKeys></organization><displayName>Renamed</displayName></orgData>";
    let updated = fno
        .call(USER_ORG, V1_NS, "updateOrganizationRequest", update)
        .await;
    assert_eq!(updated.status_info(), "SUCCESS");
    let query = format!("<queryParams><orgName><value>ORG1</value><searchType>EQUALS</searchType></orgName></queryParams>{}", accounts_page(1, 5));
    let found = fno
        .call(USER_ORG, V1_NS, "getOrganizationsQueryRequest", &query)
        .await;
    let data = found
        .body
        .at(&["responseData", "orgData"])
        .expect("orgData");
    assert_eq!(data.value("displayName"), Some("Renamed"));
    assert_eq!(data.value("orgType"), Some("CHANNEL_PARTNER"));
    assert!(data.child("createdBy").is_none());
}

#[tokio::test]
async fn twenty_five_records_are_accepted_and_twenty_six_refused() {
    let fno = Fno::start().await;
    let batch = |count: usize, prefix: &str| -> String {
        (0..count)
            .map(|i| format!("<account><id>{prefix}{i}</id><name>n</name></account>"))
            .collect()
    };
    let ok = fno
        .call(USER_ACCT, V3_NS, "createAcctRequest", &batch(25, "ok"))
        .await;
    assert_eq!(ok.status_info(), "SUCCESS");
    let refused = fno
        .call(USER_ACCT, V3_NS, "createAcctRequest", &batch(26, "no"))
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::OK);
    assert_eq!(refused.status_info(), "FAILURE");
    assert!(refused.reason().contains("25"));
    assert!(fno.sandbox.store().account("no0").is_none());
}

#[tokio::test]
async fn query_pages_cover_zero_one_exact_and_one_more_than_a_page() {
    let fno = Fno::start().await;
    let count_on = |answer: &Answer| {
        answer
            .body
            .child("responseData")
            .map_or(0, |d| d.children.len())
    };
    let empty = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(1, 3),
        )
        .await;
    assert_eq!(empty.status_info(), "SUCCESS");
    assert!(empty.body.child("responseData").is_none());
    fno.create_account("P0", "n").await;
    let one = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(1, 3),
        )
        .await;
    assert_eq!(count_on(&one), 1);
    fno.create_account("P1", "n").await;
    fno.create_account("P2", "n").await;
    let exact = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(1, 3),
        )
        .await;
    assert_eq!(count_on(&exact), 3);
    let after_exact = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(2, 3),
        )
        .await;
    assert_eq!(count_on(&after_exact), 0);
    fno.create_account("P3", "n").await;
    let second = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(2, 3),
        )
        .await;
    assert_eq!(count_on(&second), 1);
    assert_eq!(
        second
            .body
            .value_at(&["responseData", "acctData", "account", "primaryKeys", "id"]),
        Some("P3")
    );
}

#[tokio::test]
async fn page_zero_and_oversized_pages_are_refused() {
    let fno = Fno::start().await;
    let zero = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(0, 10),
        )
        .await;
    assert_eq!(zero.status_info(), "FAILURE");
    let max = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(1, 2000),
        )
        .await;
    assert_eq!(max.status_info(), "SUCCESS");
    let over = fno
        .call(
            USER_ACCT,
            V3_NS,
            "getAccountsQueryRequest",
            &accounts_page(1, 2001),
        )
        .await;
    assert_eq!(over.status_info(), "FAILURE");
    assert!(over.reason().contains("2000"));
}

#[tokio::test]
async fn custom_attributes_are_checked_against_their_definitions() {
    let fno = Fno::start().await;
    let with = |attribute: &str| {
        format!("<account><id>X</id><name>x</name><customAttributes><attribute><attributeName>{attribute}</attributeName><stringValue>v</stringValue></attribute></customAttributes></account>")
    };
    let unknown = fno
        .call(USER_ACCT, V3_NS, "createAcctRequest", &with("No_Such"))
        .await;
    assert_eq!(unknown.status_info(), "FAILURE");
    let inactive = fno
        .call(
            USER_ACCT,
            V3_NS,
            "createAcctRequest",
            &with("Legacy_Account_Code"),
        )
        .await;
    assert_eq!(inactive.status_info(), "FAILURE");
    assert!(inactive.failed_reasons()[0].contains("inactive"));
    let good = fno
        .call(USER_ACCT, V3_NS, "createAcctRequest", &with("Region_Code"))
        .await;
    assert_eq!(good.status_info(), "SUCCESS");
    let query = accounts_page(1, 5);
    let answer = fno
        .call(USER_ACCT, V3_NS, "getAccountsQueryRequest", &query)
        .await;
    let attribute = answer
        .body
        .at(&["responseData", "acctData", "customAttributes", "attribute"])
        .expect("attribute");
    assert_eq!(attribute.value("attributeName"), Some("Region_Code"));
    assert_eq!(attribute.value("stringValue"), Some("v"));
}

#[tokio::test]
async fn a_required_custom_attribute_must_be_given_on_create() {
    let fno = Fno::start().await;
    let mut definitions = fno.sandbox.store().attribute_definitions();
    definitions.push(AttributeDefinition {
        entity: AttributeEntity::Account,
        name: "Tier".into(),
        data_type: AttributeType::Number,
        required: true,
        active: true,
    });
    fno.sandbox.store().set_attribute_definitions(definitions);
    let missing = fno
        .call(
            USER_ACCT,
            V3_NS,
            "createAcctRequest",
            "<account><id>R</id><name>r</name></account>",
        )
        .await;
    assert!(missing.failed_reasons()[0].starts_with(MISSING));
    let wrong_type = "<account><id>R</id><name>r</name><customAttributes><attribute><attributeName>Tier</attributeName><stringValue>gold</stringValue></attribute></customAttributes></account>";
    assert_eq!(
        fno.call(USER_ACCT, V3_NS, "createAcctRequest", wrong_type)
            .await
            .status_info(),
        "FAILURE"
    );
    let given = "<account><id>R</id><name>r</name><customAttributes><attribute><attributeName>Tier</attributeName><integerValue>2</integerValue></attribute></customAttributes></account>";
    assert_eq!(
        fno.call(USER_ACCT, V3_NS, "createAcctRequest", given)
            .await
            .status_info(),
        "SUCCESS"
    );
}

#[tokio::test]
async fn custom_attribute_definitions_are_listed_by_the_extension_endpoint() {
    let fno = Fno::start().await;
    let definitions: serde_json::Value = fno
        .client
        .get(format!("{}/__sandbox/custom-attributes", fno.sandbox.url()))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let list = definitions.as_array().expect("array");
    assert!(list.iter().any(|d| d["entity"] == "LINE_ITEM"
        && d["name"] == "Seats_Purchased"
        && d["dataType"] == "NUMBER"));
    assert!(list.iter().any(|d| d["active"] == false));
}
