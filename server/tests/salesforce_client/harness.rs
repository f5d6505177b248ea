//! The sandbox, registered as a remote site or not, and clients of it with
//! each log-in flow.

use std::time::Duration;

use fnosync_sandbox::salesforce::auth::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN,
    DEFAULT_USERNAME,
};
use fnosync_sandbox::salesforce::{Options, SalesforceSandbox};
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::outbound::{build_http_client, OutboundHttp};
use fnosync_server::retry::RetryPolicy;
use fnosync_server::salesforce::{
    OAuthFlow, SalesforceClient, SalesforceConfig, DEFAULT_API_VERSION,
};
use fnosync_server::store::remote_sites::insert_remote_site;
use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;

pub(crate) struct Harness {
    pub(crate) sandbox: SalesforceSandbox,
    outbound: OutboundHttp,
    _ca_file: tempfile::NamedTempFile,
}

impl Harness {
    /// Starts the sandbox with the guide's seed and registers it as a remote site.
    pub(crate) async fn start(pool: PgPool) -> Self {
        let harness = Self::start_unregistered(pool.clone()).await;
        insert_remote_site(&pool, "SF_Sandbox", &harness.sandbox.url(), "", true)
            .await
            .expect("remote site registered");
        harness
    }

    /// Starts the sandbox without registering it.
    pub(crate) async fn start_unregistered(pool: PgPool) -> Self {
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

    pub(crate) fn config(&self, flow: OAuthFlow) -> SalesforceConfig {
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

    pub(crate) fn client_with(&self, config: SalesforceConfig) -> SalesforceClient {
        SalesforceClient::new(self.outbound.clone(), config).with_retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
    }

    pub(crate) fn client(&self) -> SalesforceClient {
        self.client_with(self.config(OAuthFlow::UsernamePassword))
    }

    pub(crate) fn id_of(&self, object: &str, field: &str, value: &str) -> String {
        let found = self.sandbox.find(object, field, &json!(value));
        found[0]["Id"]
            .as_str()
            .expect("record has an id")
            .to_string()
    }

    pub(crate) fn insert_accounts(&self, prefix: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|i| {
                self.sandbox
                    .insert("Account", json!({"Name": format!("{prefix}-{i:04}")}))
                    .expect("account inserted")
            })
            .collect()
    }
}
