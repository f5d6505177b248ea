//! Log-in flows, wrong credentials, the remote-site check, session expiry and
//! a log-in shared by concurrent callers. The JWT key pair is a test-only fixture.

use std::sync::Arc;

use fnosync_sandbox::salesforce::auth::ClientConfig;
use fnosync_server::outbound::OutboundError;
use fnosync_server::salesforce::{
    OAuthFlow, QueryOptions, SalesforceConfig, SalesforceError, SoqlBuilder,
};
use secrecy::SecretString;
use sqlx::PgPool;

use crate::harness::Harness;

const JWT_CLIENT_ID: &str = "fnosync-jwt-app";

const JWT_PRIVATE_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCUXyWwxsowjTzt
RwU6NSG+W2mtPGyUFmGFif+zSKcHW77u6xbJgW5IAFhp8vwdTMRR/gTf48ob+wY6
bfhsTkyQv6yytnJwtayb18BNBjr87k46lUJqeoPSZpUjsoEk6Ea8SG9riKmrtyXi
xJD73e5k2mjXzuxmuvysFFTEmcc5k/pPr64k4KeOomOWqcF6the7VG0a4TOzID/6
j20FhCmTlkUJ4D9Wgbo5cSQ2XPZuKaOjqBodfRdyTCfSrGicb9YsAok7fR/tATRe
1evJcMIqDo7dZSxJQE4iKZGne0p3fHud0aiO3pZbMdmfF5HX/mmGLJXcYacs2gtH
8fr763CZAgMBAAECggEAA23r2uJehigMbK2Txf8l9nIMUC72I8wc610taFXLoWSN
jQKWwb7dL1PbSZXp1Jhl29OWBfjDGlwIfAjSiDN4iJOtlkVO3SLEtjklDDmSkeVX
VR7h7Jv7Cr22ZXrB+B6hbscXQntjq26bfjX3Cn63oT+PZTz/zD825OFSkIvj83MR
VbmTMBt1wgUqjJNpXd7eZc9hCDS41rK52hhwlgZVJomZKGeToDjS34FgZVT64opV
4pvfEyHqP4YKv+xeit1C2jyT1LKBo3kpqErKaaUKkzEr69dOJgcu3oMJSEVu6vnq
L/U/MkNbufq8lmGVYUGfq05u/OnAGLC5JB8qtA9OcwKBgQDR0CXB56mrFfLTPV8+
BBCOdCV8wn3Zr4Ty5jFRDPXCXIeFzSXPCsoIZ+J+BfEj0kmdgnM2aW3YvKXb+lCG
xbe4Rk7jL7nVYX7ddVecjq0l6WQKnF9RCNrepKDmYI/FLLbFC3EOy4E8xYLJkQxj
d7ArnSH5c084DZest1eNQ99f6wKBgQC1CIRfYeMZoJ54k0oEKH4EY5nlDl7/k3CF
+n9V5VoqFTckM+BfyrfV4X9oUuHSLtUTW34eyumgUWISASPy3kwNa4m/yMHk/bDR
GGAxVuLpKzvWkTxff6rNtipEwyW+5oK8sHuQ/1/1ih0PEbiB+WIvOBSLWu6nDy+2
ErfQ5WwUiwKBgQC5A8J31dAhJM6nBeR5rF3pMHRqKpuNnSAwjVqJrVL93FhJXdjs
VQhJF0p7dMPqoaH2ujTck2WhDOF5NKdT4QAcCCvCXLCTgFC9+p6SWKJI3yEv1iqb
K6LNWADmhdnhtodJBMjikgPZ0hV9p2F0SPPZ0ctGzC7cL+hDDr2uvV45lwKBgCop
8arFgb9WSZKLu5F8XN1o1U8kKbwc+vg5f67h3D4w8sbbzkaBUI/gFWyW4UGy5q27
gYRqfj94tP68hULrw4rcoRiqCX7sF2Kb6suTEQZ9q1IuQYF8mquO4glh6kisJ4cL
E7yRvifSIzJ/Thn3m4aj6SUL6MnAH7yoX2eoB6RBAoGBAM9Thj0XxKPA6d6e6rdm
DX9rDz9U2BSsKDIJ+byzXV4IquZQeugiW7ITm4jrzAPI30Q/tbI+VU8gRC9un9o8
1jauO6GeAWuBtOXENMexuEsbamXUxoqhp9VAZlYCnxa4RY/wuzvu6RCbNKSL/y5N
pS+P0CiWEIkC3QiLFaFs/jQF
-----END PRIVATE KEY-----
";

const JWT_PUBLIC_KEY: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlF8lsMbKMI087UcFOjUh
vltprTxslBZhhYn/s0inB1u+7usWyYFuSABYafL8HUzEUf4E3+PKG/sGOm34bE5M
kL+ssrZycLWsm9fATQY6/O5OOpVCanqD0maVI7KBJOhGvEhva4ipq7cl4sSQ+93u
ZNpo187sZrr8rBRUxJnHOZP6T6+uJOCnjqJjlqnBerYXu1RtGuEzsyA/+o9tBYQp
k5ZFCeA/VoG6OXEkNlz2bimjo6gaHX0Xckwn0qxonG/WLAKJO30f7QE0XtXryXDC
Kg6O3WUsSUBOIimRp3tKd3x7ndGojt6WWzHZnxeR1/5phiyV3GGnLNoLR/H6++tw
mQIDAQAB
-----END PUBLIC KEY-----
";

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn password_login_verifies_the_credentials(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();

    let verified = client
        .verify_credentials()
        .await
        .expect("credentials accepted");

    assert_eq!(verified.instance_url, h.sandbox.url());
    assert!(verified.identity_url.expect("identity").contains("/id/00D"));
    assert_eq!(h.sandbox.call_count("oauth.token"), 1);
    assert_eq!(h.sandbox.call_count("limits"), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn client_credentials_login_uses_basic_auth(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client_with(SalesforceConfig {
        user_name: String::new(),
        password: SecretString::from(""),
        ..h.config(OAuthFlow::ClientCredentials)
    });

    let verified = client
        .verify_credentials()
        .await
        .expect("credentials accepted");

    assert_eq!(verified.instance_url, h.sandbox.url());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn jwt_bearer_login_signs_an_assertion_the_org_accepts(pool: PgPool) {
    let h = Harness::start(pool).await;
    h.sandbox.add_client(ClientConfig {
        client_id: JWT_CLIENT_ID.into(),
        client_secret: "unused".into(),
        run_as: None,
        jwt_certificate: Some(JWT_PUBLIC_KEY.into()),
    });
    let client = h.client_with(SalesforceConfig {
        client_id: JWT_CLIENT_ID.into(),
        private_key_pem: SecretString::from(JWT_PRIVATE_KEY),
        password: SecretString::from(""),
        ..h.config(OAuthFlow::JwtBearer)
    });

    let verified = client
        .verify_credentials()
        .await
        .expect("assertion accepted");

    assert_eq!(verified.instance_url, h.sandbox.url());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_wrong_password_fails_with_salesforces_reason(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client_with(SalesforceConfig {
        password: SecretString::from("wrong-password-42"),
        ..h.config(OAuthFlow::UsernamePassword)
    });

    let error = client
        .verify_credentials()
        .await
        .expect_err("login refused");

    assert!(
        matches!(&error, SalesforceError::Login { status: 400, error, description }
            if error == "invalid_grant" && description == "authentication failure"),
        "{error:?}"
    );
    assert!(!error.to_string().contains("wrong-password-42"));
    assert_eq!(h.sandbox.call_count("oauth.token"), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_url_no_remote_site_covers_is_refused_before_any_call(pool: PgPool) {
    let h = Harness::start_unregistered(pool).await;
    let client = h.client();

    let error = client.verify_credentials().await.expect_err("refused");

    assert!(
        matches!(
            error,
            SalesforceError::Outbound(OutboundError::NotAllowed { .. })
        ),
        "{error:?}"
    );
    assert_eq!(h.sandbox.call_count("oauth.token"), 0);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_expired_session_logs_in_again_in_the_middle_of_paging(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.insert_accounts("Expiring", 300);
    let soql = SoqlBuilder::select(["Id"])
        .from("Account")
        .build()
        .expect("valid soql");
    let options = QueryOptions {
        batch_size: Some(200),
        include_deleted: false,
    };
    let first = client
        .query_first_page(&soql, &options)
        .await
        .expect("first page");

    h.sandbox.expire_sessions();
    let second = client
        .query_more(
            first.next_records_url.as_deref().expect("more pages"),
            &options,
        )
        .await
        .expect("second page after re-login");

    assert_eq!(first.records.len(), 200);
    assert_eq!(
        first.records.len() + second.records.len(),
        first.total_size as usize
    );
    assert!(second.done);
    assert_eq!(h.sandbox.call_count("oauth.token"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn concurrent_callers_share_one_login(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = Arc::new(h.client());
    let soql = SoqlBuilder::select(["Id"])
        .from("Product2")
        .build()
        .expect("valid soql");

    let calls = (0..5).map(|_| {
        let client = client.clone();
        let soql = soql.clone();
        tokio::spawn(async move { client.query(&soql).await })
    });
    let results = futures::future::join_all(calls).await;

    for result in results {
        assert!(!result.expect("task ran").expect("query ran").is_empty());
    }
    assert_eq!(h.sandbox.call_count("oauth.token"), 1);
    assert_eq!(h.sandbox.call_count("query"), 5);
}
