//! Users of the FNO sandbox: creation with account roles, the portal admin
//! role, updates, role changes and incremental queries.

mod fno_support;

use fno_support::*;
use fnosync_sandbox::fno::Options;

fn user_xml(first: &str, email: &str, account: &str, role: &str) -> String {
    format!(
        "<user><firstName>{first}</firstName><lastName>SF-TestUser</lastName><emailAddress>{email}</emailAddress>\
         <canLogin>true</canLogin><userName>{email}</userName>\
         <acctRolesList><acctRoles><account><primaryKeys><id>{account}</id></primaryKeys></account>\
         <roles><role><primaryKeys><name>{role}</name></primaryKeys></role></roles></acctRoles></acctRolesList></user>"
    )
}

#[tokio::test]
async fn create_user_links_the_user_to_the_account_with_the_portal_admin_role() {
    let fno = Fno::start().await;
    fno.create_account("ACC", "SF-DemoAccount").await;
    let inner = user_xml(
        "Demo",
        "sf-testuser@mycompany.com",
        "ACC",
        "Portal Admin User",
    );
    let created = fno
        .call(USER_ACCT, V3_NS, "createUserRequest", &inner)
        .await;
    assert_eq!(created.status_info(), "SUCCESS", "{}", created.text);
    assert_eq!(
        created.body.value_at(&["responseData", "user", "userName"]),
        Some("sf-testuser@mycompany.com")
    );
    let query = "<queryParams><accountID><value>ACC</value><searchType>EQUALS</searchType></accountID></queryParams><pageNumber>1</pageNumber><batchSize>10</batchSize>";
    let found = fno
        .call(USER_ACCT, V3_NS, "getUsersQueryRequest", query)
        .await;
    let user = found.body.at(&["responseData", "user"]).expect("user");
    assert_eq!(
        user.value_at(&["userIdentifier", "primaryKeys", "firstName"]),
        Some("Demo")
    );
    let roles = user
        .at(&["accountRolesList", "acctRoles"])
        .expect("acctRoles");
    assert_eq!(
        roles.value_at(&["account", "primaryKeys", "id"]),
        Some("ACC")
    );
    assert_eq!(
        roles.value_at(&["roles", "roleName"]),
        Some("Portal Admin User")
    );
}

#[tokio::test]
async fn create_user_fails_for_a_missing_name_an_unknown_role_or_a_duplicate() {
    let fno = Fno::start().await;
    fno.create_account("ACC", "a").await;
    let ok = user_xml("Demo", "one@x.com", "ACC", "Portal Admin User");
    let no_first = user_xml("", "two@x.com", "ACC", "Portal Admin User");
    let bad_role = user_xml("Demo", "three@x.com", "ACC", "Portal Admin User Role");
    let inner = format!("{ok}{no_first}{bad_role}{ok}");
    let answer = fno
        .call(USER_ACCT, V3_NS, "createUserRequest", &inner)
        .await;
    assert_eq!(answer.status_info(), "PARTIAL_FAILURE");
    let reasons = answer.failed_reasons();
    assert_eq!(reasons.len(), 3);
    assert!(reasons[0].starts_with(MISSING));
    assert!(reasons[1].contains("role") && reasons[1].contains("Portal Admin User Role"));
    assert!(reasons[2].contains("already exists"));
}

#[tokio::test]
async fn without_the_portal_admin_role_user_creation_fails_naming_the_role() {
    let options = Options {
        without_portal_admin_role: true,
        ..Options::default()
    };
    let fno = Fno::start_with(options).await;
    fno.create_account("ACC", "a").await;
    let answer = fno
        .call(
            USER_ACCT,
            V3_NS,
            "createUserRequest",
            &user_xml("D", "d@x.com", "ACC", "Portal Admin User"),
        )
        .await;
    assert_eq!(answer.status_info(), "FAILURE");
    assert!(answer.failed_reasons()[0].contains("(Portal Admin User)"));
}

#[tokio::test]
async fn update_user_and_update_user_roles_change_the_user() {
    let fno = Fno::start().await;
    fno.create_account("A", "a").await;
    fno.create_account("B", "b").await;
    fno.call(
        USER_ACCT,
        V3_NS,
        "createUserRequest",
        &user_xml("D", "d@x.com", "A", "Portal User"),
    )
    .await;
    let update = "<userData><user><userName>d@x.com</userName></user><lastName>Changed</lastName><city>Oslo</city></userData>";
    assert_eq!(
        fno.call(USER_ACCT, V3_NS, "updateUserRequest", update)
            .await
            .status_info(),
        "SUCCESS"
    );
    let roles = "<userData><user><userName>D@X.COM</userName></user><accountRoles><account><primaryKeys><id>B</id></primaryKeys></account>\
                 <roles><role><primaryKeys><name>Portal Admin User</name></primaryKeys></role><opType>ADD</opType></roles></accountRoles></userData>";
    let answer = fno
        .call(USER_ACCT, V3_NS, "updateUserRolesRequest", roles)
        .await;
    assert_eq!(answer.status_info(), "SUCCESS", "{}", answer.text);
    let user = fno.sandbox.store().user("d@x.com").expect("user");
    assert_eq!(
        (user.last_name.as_str(), user.city.as_deref()),
        ("Changed", Some("Oslo"))
    );
    assert_eq!(user.account_roles.len(), 2);
    assert_eq!(user.account_roles[1].roles, ["Portal Admin User"]);
    let unknown =
        "<userData><user><userName>ghost</userName></user><lastName>x</lastName></userData>";
    let failed = fno
        .call(USER_ACCT, V3_NS, "updateUserRequest", unknown)
        .await;
    assert!(failed
        .body
        .at(&["failedData", "failedUser", "userData"])
        .is_some());
}

#[tokio::test]
async fn users_are_found_by_last_modified_time() {
    let fno = Fno::start().await;
    fno.create_account("A", "a").await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    fno.call(
        USER_ACCT,
        V3_NS,
        "createUserRequest",
        &user_xml("D", "d@x.com", "A", "Portal User"),
    )
    .await;
    let query = |when: chrono::DateTime<chrono::Utc>| {
        format!(
            "<queryParams><lastModifiedDateTime><value>{}</value><searchType>AFTER</searchType></lastModifiedDateTime></queryParams><pageNumber>1</pageNumber><batchSize>10</batchSize>",
            when.to_rfc3339()
        )
    };
    let found = fno
        .call(USER_ACCT, V3_NS, "getUsersQueryRequest", &query(before))
        .await;
    assert!(found.body.at(&["responseData", "user"]).is_some());
    let later = chrono::Utc::now() + chrono::Duration::seconds(1);
    let none = fno
        .call(USER_ACCT, V3_NS, "getUsersQueryRequest", &query(later))
        .await;
    assert!(none.body.child("responseData").is_none());
}
