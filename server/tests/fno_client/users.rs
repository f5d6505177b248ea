//! Portal users: creating, finding and updating them, and a missing role.

use fnosync_sandbox::fno::Options;
use fnosync_server::fno::{FnoError, User};
use sqlx::PgPool;

use crate::harness::{account, start, start_default, PASSWORD};

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_portal_admin_user_is_created_and_found(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let user = User::portal_admin("Demo", "SF-TestUser", "SF-TestUser@mycompany.com", "001ACC");
    fno.client.create_user(&user).await.expect("user");
    let found = fno
        .client
        .find_user("sf-testuser@mycompany.com")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.user.first_name, "Demo");
    assert_eq!(found.user.account_roles[0].account_id, "001ACC");
    assert_eq!(
        found.user.account_roles[0].roles,
        vec!["Portal Admin User".to_string()]
    );
    let updated = User {
        last_name: "Renamed".into(),
        ..user
    };
    fno.client.update_user(&updated).await.expect("update");
    let stored = fno
        .sandbox
        .store()
        .user("sf-testuser@mycompany.com")
        .expect("stored");
    assert_eq!(stored.last_name, "Renamed");
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_user_fails_with_a_message_naming_the_missing_role(pool: PgPool) {
    let options = Options {
        without_portal_admin_role: true,
        ..Options::default()
    };
    let fno = start(pool, options, true, PASSWORD).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let user = User::portal_admin("Demo", "SF-TestUser", "SF-TestUser@mycompany.com", "001ACC");
    let error = fno.client.create_user(&user).await.expect_err("no role");
    assert!(
        matches!(&error, FnoError::MissingRole { role, .. } if role == "Portal Admin User"),
        "{error}"
    );
    assert!(error
        .to_string()
        .contains("no role named \"Portal Admin User\""));
    assert!(fno
        .sandbox
        .store()
        .user("sf-testuser@mycompany.com")
        .is_none());
}
