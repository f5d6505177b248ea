//! Checking the credentials and the remote site before any call.

use fnosync_sandbox::fno::Options;
use fnosync_server::fno::FnoError;
use fnosync_server::outbound::OutboundError;
use fnosync_server::retry::Disposition;
use sqlx::PgPool;

use crate::harness::{start, start_default, PASSWORD};

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn verify_credentials_accepts_the_right_password(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client.verify_credentials().await.expect("verified");
    assert_eq!(fno.sandbox.call_count("getAccountsQuery"), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn verify_credentials_rejects_a_wrong_password_clearly(pool: PgPool) {
    let fno = start(pool, Options::default(), true, "not-the-password").await;
    let error = fno.client.verify_credentials().await.expect_err("rejected");
    assert!(matches!(error, FnoError::Unauthorized { status: 401 }));
    assert_eq!(
        error.to_string(),
        "FNO rejected the user name or password (HTTP 401)"
    );
    assert!(!error.to_string().contains("not-the-password"));
    assert_eq!(error.disposition(), Disposition::Fail);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_tenant_no_remote_site_covers_is_refused_before_any_call(pool: PgPool) {
    let fno = start(pool, Options::default(), false, PASSWORD).await;
    let error = fno.client.verify_credentials().await.expect_err("refused");
    assert!(matches!(
        error,
        FnoError::Outbound(OutboundError::NotAllowed { .. })
    ));
    assert_eq!(error.disposition(), Disposition::Fail);
    assert!(fno.sandbox.counts().is_empty());
}
