//! The sandboxes as a test uses them: the FNO password, the remote sites and
//! connection settings an administrator enters for them, and the demo account.

use fnosync_client::{proto, FnosyncClient};

use crate::TestApp;

/// The FNO password of the test sandboxes.
pub const FNO_PASSWORD: &str = "S3cr3t-Pa55w0rd!fno";

impl TestApp {
    /// Returns the Salesforce Id of the guide's example account, SF-DemoAccount.
    pub fn demo_account_id(&self) -> String {
        self.salesforce
            .find("Account", "Name", &serde_json::json!("SF-DemoAccount"))[0]["Id"]
            .as_str()
            .expect("the sandbox has SF-DemoAccount")
            .to_string()
    }

    /// Registers both sandboxes as remote sites and sets and verifies both
    /// connections through the API, as an administrator does.
    pub async fn connect_sandboxes(&self) {
        let admin = self.admin().await;
        self.register_sandbox_sites(&admin).await;
        admin
            .admin()
            .set_fno_connection(self.fno_connection())
            .await
            .expect("fno connection");
        admin
            .admin()
            .set_salesforce_connection(self.salesforce_connection())
            .await
            .expect("salesforce connection");
    }

    /// Registers both sandboxes as remote sites through `client`.
    pub async fn register_sandbox_sites(&self, client: &FnosyncClient) {
        for (name, url) in [
            ("Salesforce_Sandbox", self.salesforce.url()),
            ("FNO_Sandbox", self.fno.url()),
        ] {
            client
                .admin()
                .create_remote_site(proto::CreateRemoteSiteRequest {
                    name: name.into(),
                    url,
                    ..Default::default()
                })
                .await
                .expect("remote site");
        }
    }

    /// The FNO connection settings of the sandbox.
    pub fn fno_connection(&self) -> proto::SetFnoConnectionRequest {
        proto::SetFnoConnectionRequest {
            tenant_url: self.fno.url(),
            user_name: fnosync_sandbox::fno::seed::DEFAULT_USER.into(),
            password: FNO_PASSWORD.into(),
        }
    }

    /// The Salesforce connection settings of the sandbox (username-password flow).
    pub fn salesforce_connection(&self) -> proto::SetSalesforceConnectionRequest {
        use fnosync_sandbox::salesforce::auth;
        proto::SetSalesforceConnectionRequest {
            login_url: self.salesforce.url(),
            flow: proto::SalesforceAuthFlow::UsernamePassword as i32,
            client_id: auth::DEFAULT_CLIENT_ID.into(),
            client_secret: auth::DEFAULT_CLIENT_SECRET.into(),
            user_name: auth::DEFAULT_USERNAME.into(),
            password: format!("{}{}", auth::DEFAULT_PASSWORD, auth::DEFAULT_SECURITY_TOKEN),
            ..Default::default()
        }
    }
}
