//! The Salesforce client against the Salesforce sandbox over HTTPS: log-in
//! flows, typed reads of the guide's account, pagination, escaping, session
//! expiry, retries, batched updates, the API budget and the remote-site check.
//! The JWT key pair below is a test-only fixture.

use std::sync::Arc;
use std::time::Duration;

use fnosync_sandbox::faults::FaultSettings;
use fnosync_sandbox::salesforce::auth::{
    ClientConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD,
    DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME,
};
use fnosync_sandbox::salesforce::{Options, SalesforceSandbox};
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::outbound::{build_http_client, OutboundError, OutboundHttp};
use fnosync_server::salesforce::fields as f;
use fnosync_server::salesforce::{
    ExtraFields, OAuthFlow, ProductFilter, QueryOptions, RetryPolicy, SalesforceClient,
    SalesforceConfig, SalesforceError, SoqlBuilder, DEFAULT_API_VERSION,
};
use fnosync_server::store::remote_sites::insert_remote_site;
use futures::TryStreamExt;
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::PgPool;

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

struct Harness {
    sandbox: SalesforceSandbox,
    outbound: OutboundHttp,
    _ca_file: tempfile::NamedTempFile,
}

impl Harness {
    /// Starts the sandbox with the guide's seed and registers it as a remote site.
    async fn start(pool: PgPool) -> Self {
        let harness = Self::start_unregistered(pool.clone()).await;
        insert_remote_site(&pool, "SF_Sandbox", &harness.sandbox.url(), "", true)
            .await
            .expect("remote site registered");
        harness
    }

    /// Starts the sandbox without registering it.
    async fn start_unregistered(pool: PgPool) -> Self {
        let ca = SandboxCa::generate().expect("ca generated");
        let sandbox = SalesforceSandbox::start(Options::default(), ca.clone())
            .await
            .expect("sandbox starts");
        let ca_file = tempfile::NamedTempFile::new().expect("temp file");
        ca.write_ca_pem(ca_file.path()).expect("ca written");
        let http = build_http_client(&[ca_file.path().to_path_buf()], Duration::from_secs(10))
            .expect("http client");
        Self {
            sandbox,
            outbound: OutboundHttp::new(http, pool),
            _ca_file: ca_file,
        }
    }

    fn config(&self, flow: OAuthFlow) -> SalesforceConfig {
        let password = format!("{DEFAULT_PASSWORD}{DEFAULT_SECURITY_TOKEN}");
        SalesforceConfig {
            login_url: self.sandbox.url(),
            flow,
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: SecretString::from(DEFAULT_CLIENT_SECRET),
            user_name: DEFAULT_USERNAME.into(),
            password: SecretString::from(password),
            private_key_pem: SecretString::from(""),
            api_version: DEFAULT_API_VERSION.into(),
        }
    }

    fn client_with(&self, config: SalesforceConfig) -> SalesforceClient {
        SalesforceClient::new(self.outbound.clone(), config).with_retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
    }

    fn client(&self) -> SalesforceClient {
        self.client_with(self.config(OAuthFlow::UsernamePassword))
    }

    fn id_of(&self, object: &str, field: &str, value: &str) -> String {
        let found = self.sandbox.find(object, field, &json!(value));
        found[0]["Id"]
            .as_str()
            .expect("record has an id")
            .to_string()
    }

    fn insert_accounts(&self, prefix: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|i| {
                self.sandbox
                    .insert("Account", json!({"Name": format!("{prefix}-{i:04}")}))
                    .expect("account inserted")
            })
            .collect()
    }
}

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
async fn the_guide_account_is_read_in_three_queries(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let account_id = h.id_of("Account", "Name", "SF-DemoAccount");
    h.sandbox.reset_counts();

    let accounts = client
        .read_accounts_with_contacts(std::slice::from_ref(&account_id), &ExtraFields::default())
        .await
        .expect("account read");
    let account = accounts.first().expect("account exists");
    let orders = client
        .read_sales_orders(
            std::slice::from_ref(&account_id),
            &["Closed Won".to_string()],
            &ExtraFields::default(),
        )
        .await
        .expect("orders read");
    let product_ids: Vec<String> = orders[0]
        .line_items
        .iter()
        .filter_map(|line| line.record.text("Product2Id").map(str::to_string))
        .collect();
    let products = client
        .read_products(&ProductFilter::Ids(product_ids))
        .await
        .expect("products read");

    assert_eq!(account.account.text("Name"), Some("SF-DemoAccount"));
    assert_eq!(account.contacts.len(), 1);
    assert_eq!(account.contacts[0].text("LastName"), Some("SF-TestUser"));
    assert_eq!(
        account.contacts[0].text("Email"),
        Some("SF-TestUser@mycompany.com")
    );
    assert_eq!(orders.len(), 1);
    assert_eq!(
        orders[0].opportunity.text("Name"),
        Some("SF-TestOpportunity")
    );
    assert_eq!(orders[0].line_items.len(), 1);
    let line = &orders[0].line_items[0];
    assert_eq!(line.quantity(), Some(10.0));
    assert_eq!(line.product_code(), Some("SF01demo"));
    assert_eq!(line.record.text(f::EXPIRATION_TERM_OPTION), Some("Months"));
    let product = line.product.as_ref().expect("product on the line");
    assert!(product.is_active && product.include_in_sync);
    assert_eq!(products.len(), 1);
    assert_eq!(products[0].product_code.as_deref(), Some("SF01demo"));
    assert_eq!(h.sandbox.call_count("oauth.token"), 1);
    assert_eq!(h.sandbox.call_count("query"), 3);
    assert_eq!(h.sandbox.call_count("query.more"), 0);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn opportunities_outside_the_stages_are_not_read(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let account_id = h.id_of("Account", "Name", "SF-DemoAccount");

    let orders = client
        .read_sales_orders(
            std::slice::from_ref(&account_id),
            &["Prospecting".to_string()],
            &ExtraFields::default(),
        )
        .await
        .expect("orders read");

    assert!(orders.is_empty());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_query_follows_next_records_url_over_every_page(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.insert_accounts("Paged", 450);
    let soql = SoqlBuilder::select(["Id", "Name"])
        .from("Account")
        .filter(fnosync_server::salesforce::Condition::like(
            "Name",
            fnosync_server::salesforce::soql::LikePattern::starts_with("Paged-"),
        ))
        .build()
        .expect("valid soql");
    let options = QueryOptions {
        batch_size: Some(200),
        include_deleted: false,
    };

    let records = client.query_with(&soql, &options).await.expect("all pages");

    assert_eq!(records.len(), 450);
    assert_eq!(records[449]["Name"], "Paged-0449");
    assert_eq!(h.sandbox.call_count("query"), 1);
    assert_eq!(h.sandbox.call_count("query.more"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_name_with_quote_and_backslash_is_found_and_an_injection_stays_data(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let obrien = h
        .sandbox
        .insert("Account", json!({"Name": r"O'Brien \ Sons"}))
        .expect("inserted");

    let found = client
        .find_accounts_by_name(r"O'Brien \ Sons")
        .await
        .expect("query accepted");
    let injected = client
        .find_accounts_by_name("x' OR Name != '")
        .await
        .expect("query accepted");

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, obrien);
    assert_eq!(found[0].text("Name"), Some(r"O'Brien \ Sons"));
    assert!(injected.is_empty());
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

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_503_is_retried_and_the_query_succeeds(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    client.verify_credentials().await.expect("logged in");
    h.sandbox.set_faults(FaultSettings {
        fail_next: 1,
        failure_status: 503,
        operation_filter: "query".into(),
        ..FaultSettings::default()
    });

    let products = client
        .read_products(&ProductFilter::All)
        .await
        .expect("retried to success");

    assert!(products
        .iter()
        .any(|p| p.product_code.as_deref() == Some("SF01demo")));
    assert_eq!(h.sandbox.call_count("query"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn the_first_log_in_of_a_run_is_retried_after_a_dropped_connection(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.sandbox.set_faults(FaultSettings {
        drop_next: 1,
        operation_filter: "oauth.token".into(),
        ..FaultSettings::default()
    });

    let user = client.user_id().await.expect("retried to success");

    assert!(user.is_some_and(|id| id.starts_with("005")));
    assert_eq!(h.sandbox.call_count("oauth.token"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_bad_query_is_not_retried_and_keeps_the_error_code(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let soql = SoqlBuilder::select(["Id", "Bogus__c"])
        .from("Account")
        .build()
        .expect("valid syntax");

    let error = client.query(&soql).await.expect_err("unknown field");

    assert_eq!(error.error_code(), Some("INVALID_FIELD"));
    assert_eq!(h.sandbox.call_count("query"), 1);
}

/// Sets the FNO Account ID of `count` new accounts in one `update_records`
/// and checks every record; returns the (composite, collection) call counts.
async fn update_accounts(h: &Harness, count: usize) -> (u64, u64) {
    let ids = h.insert_accounts("Batch", count);
    let updates: Vec<(String, Value)> = ids
        .iter()
        .map(|id| (id.clone(), json!({ f::ACCOUNT_ID: format!("FNO-{id}") })))
        .collect();

    let results = h
        .client()
        .update_records("Account", updates)
        .await
        .expect("updates sent");

    assert_eq!(results.len(), count);
    assert!(results.iter().all(|r| r.success), "{results:?}");
    for (id, result) in ids.iter().zip(&results) {
        assert_eq!(&result.id, id);
        let record = h.sandbox.record("Account", id).expect("record");
        assert_eq!(record[f::ACCOUNT_ID], format!("FNO-{id}"));
    }
    (
        h.sandbox.call_count("composite"),
        h.sandbox.call_count("composite.sobjects"),
    )
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_update_of_201_records_takes_one_composite_call_of_two_collections(pool: PgPool) {
    let h = Harness::start(pool).await;

    let calls = update_accounts(&h, 201).await;

    assert_eq!(calls, (1, 0));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_update_of_1001_records_takes_a_composite_of_five_collections_and_a_collection(
    pool: PgPool,
) {
    let h = Harness::start(pool).await;

    let calls = update_accounts(&h, 1001).await;

    assert_eq!(calls, (1, 1));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_failed_record_does_not_stop_the_others(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let ids = h.insert_accounts("Mixed", 2);
    let updates = vec![
        (ids[0].clone(), json!({"Name": null})),
        (ids[1].clone(), json!({ f::ACCOUNT_ID: "FNO-1" })),
    ];

    let results = client
        .update_records("Account", updates)
        .await
        .expect("updates sent");

    assert!(!results[0].success);
    assert_eq!(results[0].id, ids[0]);
    assert!(!results[0].errors[0].status_code.is_empty());
    assert!(results[1].success);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn records_refused_with_a_row_lock_are_sent_again(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let ids = h.insert_accounts("Locked", 3);
    h.sandbox.fail_next_writes_with_lock_row(1);
    let updates = ids
        .iter()
        .map(|id| (id.clone(), json!({ f::ACCOUNT_ID: "FNO-L" })))
        .collect();

    let results = client
        .update_records("Account", updates)
        .await
        .expect("updates sent");

    assert!(results.iter().all(|r| r.success), "{results:?}");
    assert_eq!(h.sandbox.call_count("composite.sobjects"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn the_remaining_budget_is_read_from_the_limit_header(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.sandbox.set_api_limit(1000, 500);

    client.limits().await.expect("limits read");

    assert_eq!(client.api_budget(), Some((501, 1000)));
    assert_eq!(client.api_remaining(), Some(499));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_exhausted_budget_is_reported_and_not_retried(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.sandbox.set_api_limit(10, 10);

    let error = client.limits().await.expect_err("limit reached");

    assert!(
        matches!(error, SalesforceError::BudgetExhausted { .. }),
        "{error:?}"
    );
    assert_eq!(h.sandbox.call_count("limits"), 1);
    assert_eq!(client.api_remaining(), Some(0));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn describe_finds_every_connector_field(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();

    let statuses = client.connector_schema_status().await.expect("described");
    let opportunity = client.describe("Opportunity").await.expect("described");

    assert_eq!(statuses.len(), 4);
    assert!(
        statuses.iter().all(|s| s.missing.is_empty()),
        "{statuses:?}"
    );
    let entitlement_id = opportunity
        .field(f::ENTITLEMENT_ID)
        .expect("connector field");
    assert_eq!(entitlement_id.field_type, "string");
    assert_eq!(opportunity.missing(&["FNO__Nope__c"]), vec!["FNO__Nope__c"]);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn single_record_helpers_create_read_update_and_delete(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();

    let id = client
        .create_record("Account", &json!({"Name": "Single"}))
        .await
        .expect("created");
    client
        .update_record("Account", &id, &json!({ f::ACCOUNT_ID: "FNO-S" }))
        .await
        .expect("updated");
    let read = client
        .get_record("Account", &id, &["Name", f::ACCOUNT_ID])
        .await
        .expect("read");
    client.delete_record("Account", &id).await.expect("deleted");
    let gone = client
        .get_record("Account", &id, &[])
        .await
        .expect_err("deleted");

    assert_eq!(read["Name"], "Single");
    assert_eq!(read[f::ACCOUNT_ID], "FNO-S");
    assert_eq!(gone.error_code(), Some("ENTITY_IS_DELETED"));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn pages_can_be_streamed_one_call_at_a_time(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.insert_accounts("Streamed", 250);
    let soql = SoqlBuilder::select(["Id"])
        .from("Account")
        .filter(fnosync_server::salesforce::Condition::like(
            "Name",
            fnosync_server::salesforce::soql::LikePattern::starts_with("Streamed-"),
        ))
        .build()
        .expect("valid soql");
    let options = QueryOptions {
        batch_size: Some(200),
        include_deleted: false,
    };

    let pages: Vec<_> = client
        .query_pages(&soql, &options)
        .try_collect()
        .await
        .expect("pages");

    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].records.len(), 200);
    assert_eq!(pages[1].records.len(), 50);
}
