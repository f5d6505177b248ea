use super::*;
use crate::fno::xml::parse;

fn demo_user() -> User {
    User {
        opt_in: Some(false),
        phone_number: Some("+353 1 234".into()),
        ..User::portal_admin("Demo", "SF-TestUser", "SF-TestUser@mycompany.com", "ACC-1")
    }
}

#[test]
fn a_portal_admin_has_the_lower_cased_email_as_user_name() {
    let user = demo_user();
    assert_eq!(user.user_name, "sf-testuser@mycompany.com");
    assert_eq!(
        user.account_roles[0].roles,
        vec!["Portal Admin User".to_string()]
    );
    assert!(user.can_login);
}

#[test]
fn create_request_follows_the_schema_order() {
    let mut writer = XmlWriter::new();
    write_create_users(&mut writer, &[demo_user()], CreateMode::FailIfExists);
    assert_eq!(
        writer.finish(),
        "<user><firstName>Demo</firstName><lastName>SF-TestUser</lastName>\
         <emailAddress>SF-TestUser@mycompany.com</emailAddress><optIn>false</optIn>\
         <phoneNumber>+353 1 234</phoneNumber><canLogin>true</canLogin>\
         <userName>sf-testuser@mycompany.com</userName>\
         <acctRolesList><acctRoles><account><primaryKeys><id>ACC-1</id></primaryKeys></account>\
         <roles><role><primaryKeys><name>Portal Admin User</name></primaryKeys></role></roles>\
         </acctRoles></acctRolesList></user>"
    );
}

#[test]
fn update_request_adds_memberships() {
    let mut writer = XmlWriter::new();
    write_update_users(&mut writer, &[demo_user()]);
    let xml = writer.finish();
    assert!(xml.starts_with(
        "<userData><user><userName>sf-testuser@mycompany.com</userName></user><firstName>Demo</firstName>"
    ));
    assert!(xml.ends_with("</acctRoles><opType>ADD</opType></acctRolesList></userData>"));
}

#[test]
fn query_response_is_read_with_memberships() {
    let root = parse(
        b"<getUsersQueryResponse><statusInfo><status>SUCCESS</status></statusInfo><responseData><user>\
        <userIdentifier><uniqueId>HID-7</uniqueId><userName>sf-testuser@mycompany.com</userName>\
        <primaryKeys><firstName>Demo</firstName><lastName>SF-TestUser</lastName>\
        <emailAddress>SF-TestUser@mycompany.com</emailAddress></primaryKeys></userIdentifier>\
        <optIn>true</optIn><status>Active</status>\
        <accountRolesList><acctRoles><account><primaryKeys><id>ACC-1</id></primaryKeys></account>\
        <roles><roleName>Portal Admin User</roleName></roles></acctRoles></accountRolesList>\
        </user></responseData></getUsersQueryResponse>",
    )
    .expect("xml");
    let users = read_users(&root).expect("users");
    assert_eq!(users.len(), 1);
    let user = &users[0].user;
    assert_eq!(users[0].unique_id.as_deref(), Some("HID-7"));
    assert_eq!(user.first_name, "Demo");
    assert_eq!(user.email_address, "SF-TestUser@mycompany.com");
    assert_eq!(user.status, Some(UserStatus::Active));
    assert_eq!(user.account_roles[0].account_id, "ACC-1");
    assert_eq!(
        user.account_roles[0].roles,
        vec!["Portal Admin User".to_string()]
    );
}

#[test]
fn a_refusal_about_the_role_names_the_missing_role() {
    let failure = ItemFailure {
        index: 0,
        key: "sf-testuser@mycompany.com".into(),
        reason: "9999:The role does not exist: (Portal Admin User) [Incident# 1-2]".into(),
    };
    let error = user_failure(&demo_user(), &failure);
    assert!(matches!(&error, FnoError::MissingRole { role, .. } if role == "Portal Admin User"));
    assert!(error
        .to_string()
        .contains("no role named \"Portal Admin User\""));
}

#[test]
fn other_refusals_keep_the_reason_verbatim() {
    let reason = "9999:The value of this required field is missing: (0) [Incident# 1-2]";
    let failure = ItemFailure {
        index: 0,
        key: String::new(),
        reason: reason.into(),
    };
    let error = user_failure(&demo_user(), &failure);
    assert!(matches!(&error, FnoError::Rejected { .. }));
    assert_eq!(error.to_string(), reason);
}

#[test]
fn a_partial_create_keeps_the_created_user() {
    let second = User {
        user_name: "b@x.com".into(),
        ..demo_user()
    };
    let root = parse(
        b"<createUserResponse><statusInfo><status>PARTIAL_FAILURE</status></statusInfo>\
        <failedData><failedUser><user><firstName>Demo</firstName><userName>b@x.com</userName></user>\
        <reason>9999:taken</reason></failedUser></failedData>\
        <responseData><user><uniqueId>HID-9</uniqueId><userName>sf-testuser@mycompany.com</userName></user></responseData>\
        </createUserResponse>",
    )
    .expect("xml");
    let outcome = read_created_users(&root, 0, &[demo_user(), second]).expect("outcome");
    assert_eq!(outcome.succeeded.len(), 1);
    assert_eq!(outcome.succeeded[0].index, 0);
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].index, 1);
    assert_eq!(outcome.failed[0].reason, "9999:taken");
}
