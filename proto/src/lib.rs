//! The fnosync gRPC API, generated from `proto/fnosync/v1` at build time.
//! Nothing here is written by hand except this wrapper.

#![allow(clippy::all, missing_docs)]

/// Version 1 of the API, package `fnosync.v1`.
pub mod v1 {
    tonic::include_proto!("fnosync.v1");
}

/// Salesforce's Pub/Sub API (`salesforce/pubsub_api.proto`), package
/// `eventbus.v1`: what fnosync subscribes with and the sandbox serves.
pub mod eventbus {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("eventbus.v1");
    }
}

/// Shows whether a secret field is set, never its text.
fn secret(value: &str) -> &'static str {
    if value.is_empty() {
        ""
    } else {
        "<redacted>"
    }
}

impl std::fmt::Debug for v1::SetFnoConnectionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetFnoConnectionRequest")
            .field("tenant_url", &self.tenant_url)
            .field("user_name", &self.user_name)
            .field("password", &secret(&self.password))
            .finish()
    }
}

impl std::fmt::Debug for v1::SetSalesforceConnectionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetSalesforceConnectionRequest")
            .field("login_url", &self.login_url)
            .field("flow", &self.flow())
            .field("client_id", &self.client_id)
            .field("client_secret", &secret(&self.client_secret))
            .field("user_name", &self.user_name)
            .field("password", &secret(&self.password))
            .field("private_key_pem", &secret(&self.private_key_pem))
            .field("api_version", &self.api_version)
            .finish()
    }
}

impl std::fmt::Debug for v1::CreateApiTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateApiTokenResponse")
            .field("token", &secret(&self.token))
            .field("name", &self.name)
            .field("role", &self.role())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::v1;

    #[test]
    fn messages_with_secrets_do_not_print_them() {
        let fno = v1::SetFnoConnectionRequest {
            tenant_url: "https://fno.example".into(),
            user_name: "admin".into(),
            password: "fno-Pa55word".into(),
        };
        let salesforce = v1::SetSalesforceConnectionRequest {
            client_id: "client-id".into(),
            client_secret: "sf-Secret".into(),
            password: "sf-Pa55word".into(),
            private_key_pem: "-----BEGIN PRIVATE KEY-----".into(),
            ..Default::default()
        };
        let token = v1::CreateApiTokenResponse {
            token: "fns_token-text".into(),
            ..Default::default()
        };
        let printed = format!("{fno:?} {salesforce:?} {token:?} {fno:#?}");
        for secret in [
            "fno-Pa55word",
            "sf-Secret",
            "sf-Pa55word",
            "BEGIN PRIVATE KEY",
            "fns_token-text",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("https://fno.example") && printed.contains("client-id"));
        assert!(printed.contains("<redacted>"));
    }
}

/// The encoded `FileDescriptorSet` of every fnosync proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/fnosync_descriptor.bin"));
