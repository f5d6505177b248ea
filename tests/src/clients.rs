//! gRPC clients of a `TestApp` with each role's token, the licence keys it
//! accepts, and the field violations of a failed call's status.

use fnosync_client::{proto, FnosyncClient};
use fnosync_server::license::LicenseClaims;

use crate::TestApp;

impl TestApp {
    /// A channel to the server that sends no token.
    pub async fn anonymous_channel(&self) -> tonic::transport::Channel {
        tonic::transport::Endpoint::from_shared(self.url())
            .expect("url")
            .connect()
            .await
            .expect("connect")
    }

    /// Connects with `token`.
    pub async fn client_with(&self, token: &str) -> FnosyncClient {
        FnosyncClient::connect(self.url(), token)
            .await
            .expect("connect")
    }

    /// Connects as admin.
    pub async fn admin(&self) -> FnosyncClient {
        self.client_with(&self.admin_token).await
    }

    /// Connects as operator.
    pub async fn operator(&self) -> FnosyncClient {
        self.client_with(&self.operator_token).await
    }

    /// Connects as viewer.
    pub async fn viewer(&self) -> FnosyncClient {
        self.client_with(&self.viewer_token).await
    }

    /// Signs a licence key expiring on `expiry_date`.
    pub fn license_key(&self, licensee: &str, expiry_date: chrono::NaiveDate) -> String {
        self.license_issuer.issue(&LicenseClaims {
            license_id: "LIC-TEST".into(),
            licensee: licensee.into(),
            expiry_date,
        })
    }

    /// Submits a licence valid for a year.
    pub async fn submit_license(&self) {
        let key = self.license_key(
            "Test Corp",
            chrono::Utc::now().date_naive() + chrono::Duration::days(365),
        );
        self.admin()
            .await
            .admin()
            .submit_license_key(proto::SubmitLicenseKeyRequest { license_key: key })
            .await
            .expect("licence");
    }
}

/// Returns the violations of the `BadRequest` details of a status.
pub fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| {
            bad.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

/// The field mappings of `object`, as `client` lists them.
pub async fn field_mappings(
    client: &FnosyncClient,
    object: proto::SalesforceObject,
) -> Vec<proto::FieldMapping> {
    client
        .mapping()
        .list_field_mappings(proto::ListFieldMappingsRequest {
            sf_object: object as i32,
        })
        .await
        .expect("list the field mappings")
        .into_inner()
        .field_mappings
}
