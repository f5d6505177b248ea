//! Accounts: creating and finding them, partial batches, and paged queries.

use fnosync_server::fno::{Account, AccountType, CreateMode, FnoError};
use fnosync_server::retry::Disposition;
use sqlx::PgPool;

use crate::harness::{account, start_default};

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_account_is_created_and_found_with_escaped_values(pool: PgPool) {
    let fno = start_default(pool).await;
    let name = r#"O'Brien & <Sons> "EU""#;
    let created = fno
        .client
        .create_account(&account("001ACC", name))
        .await
        .expect("created");
    assert_eq!(created.id, "001ACC");
    let found = fno
        .client
        .find_account("001ACC")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.account.name, name);
    assert_eq!(found.account.account_type, Some(AccountType::Customer));
    assert_eq!(
        fno.sandbox.store().account("001ACC").expect("stored").name,
        name
    );
    assert!(fno
        .client
        .find_account("001NOPE")
        .await
        .expect("query")
        .is_none());
    let by_name = fno.client.find_accounts_by_name(name).await.expect("query");
    assert_eq!(by_name.len(), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_partial_account_batch_keeps_successes_and_fnos_reasons(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("TAKEN", "Taken"))
        .await
        .expect("first");
    let batch = [
        account("NEW-1", "One"),
        account("TAKEN", "Again"),
        account("NEW-2", "Two"),
    ];
    let outcome = fno
        .client
        .create_accounts(&batch, CreateMode::FailIfExists)
        .await
        .expect("outcome");
    let created: Vec<usize> = outcome.succeeded.iter().map(|c| c.index).collect();
    assert_eq!(created, vec![0, 2]);
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(
        (outcome.failed[0].index, outcome.failed[0].key.as_str()),
        (1, "TAKEN")
    );
    assert!(
        outcome.failed[0].reason.starts_with("9999:"),
        "{}",
        outcome.failed[0].reason
    );
    let error = fno
        .client
        .create_account(&account("TAKEN", "Again"))
        .await
        .expect_err("taken");
    assert!(matches!(error, FnoError::Rejected { .. }));
    assert_eq!(error.disposition(), Disposition::Fail);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn queries_page_until_a_short_page(pool: PgPool) {
    let fno = start_default(pool).await;
    let accounts: Vec<Account> = (0..5)
        .map(|i| account(&format!("ACC-{i}"), "Paged"))
        .collect();
    fno.client
        .create_accounts(&accounts, CreateMode::FailIfExists)
        .await
        .expect("created");
    fno.sandbox.reset_counts();
    let paged = fno.client.clone().with_page_size(2);
    let found = paged.find_accounts_by_name("Paged").await.expect("query");
    assert_eq!(found.len(), 5);
    assert_eq!(fno.sandbox.call_count("getAccountsQuery"), 3);
}
