//! The FNO and Salesforce connection settings an administrator gives,
//! validated once ("parse, don't validate"): a value of these types has
//! every field its log-in flow needs. No I/O here; verifying them against
//! the remote system is the API's next step.

use serde_json::{json, Value};

use super::remote_site::normalize_url;
use crate::error::{Result, Violations};

/// Salesforce REST API version used when none is given.
pub const DEFAULT_SALESFORCE_API_VERSION: &str = "v62.0";

/// How fnosync logs in to Salesforce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SalesforceFlow {
    /// OAuth username-password flow.
    UsernamePassword,
    /// OAuth client-credentials flow.
    ClientCredentials,
    /// OAuth JWT bearer flow.
    JwtBearer,
}

impl SalesforceFlow {
    /// Every flow.
    pub const ALL: [Self; 3] = [
        Self::UsernamePassword,
        Self::ClientCredentials,
        Self::JwtBearer,
    ];

    /// The name the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsernamePassword => "username_password",
            Self::ClientCredentials => "client_credentials",
            Self::JwtBearer => "jwt_bearer",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flow| flow.as_str() == name)
    }
}

/// The FNO connection as given: tenant URL, user name and password.
#[derive(Clone, Copy, Debug)]
pub struct FnoInput<'a> {
    /// The tenant's base URL.
    pub tenant_url: &'a str,
    /// The web-service user.
    pub user_name: &'a str,
    /// Its password.
    pub password: &'a str,
}

/// A complete FNO connection.
#[derive(Clone)]
pub struct FnoSettings {
    /// The tenant's base URL, normalised.
    pub tenant_url: String,
    /// The web-service user, trimmed.
    pub user_name: String,
    /// Its password, as given.
    pub password: String,
}

impl FnoSettings {
    /// Checks every field, naming each one that is wrong.
    pub fn parse(input: FnoInput<'_>) -> Result<Self> {
        let mut violations = Violations::default();
        let url = violations.check("tenant_url", normalize_url(input.tenant_url));
        required(&mut violations, "user_name", input.user_name);
        required(&mut violations, "password", input.password);
        violations.into_result()?;
        Ok(Self {
            tenant_url: url.unwrap_or_default(),
            user_name: input.user_name.trim().to_string(),
            password: input.password.to_string(),
        })
    }

    /// The secrets to store sealed.
    pub fn secrets(&self) -> Value {
        json!({ "password": self.password })
    }
}

/// The Salesforce connection as given.
#[derive(Clone, Copy, Debug)]
pub struct SalesforceInput<'a> {
    /// The login URL (My Domain or login.salesforce.com).
    pub login_url: &'a str,
    /// The log-in flow; `None` when unset or unknown.
    pub flow: Option<SalesforceFlow>,
    /// The connected app's consumer key.
    pub client_id: &'a str,
    /// The connected app's consumer secret.
    pub client_secret: &'a str,
    /// The integration user.
    pub user_name: &'a str,
    /// Its password (username-password flow).
    pub password: &'a str,
    /// The connected app's private key (JWT bearer flow).
    pub private_key_pem: &'a str,
    /// The REST API version, e.g. `v62.0`; empty for the default.
    pub api_version: &'a str,
}

/// A complete Salesforce connection: what its flow needs is there.
#[derive(Clone)]
pub struct SalesforceSettings {
    /// The login URL, normalised.
    pub login_url: String,
    /// The log-in flow.
    pub flow: SalesforceFlow,
    /// The consumer key, trimmed.
    pub client_id: String,
    /// The integration user, trimmed.
    pub user_name: String,
    /// The REST API version, e.g. `v62.0`.
    pub api_version: String,
    client_secret: String,
    password: String,
    private_key_pem: String,
}

impl SalesforceSettings {
    /// Checks every field against the flow, naming each one that is wrong.
    pub fn parse(input: SalesforceInput<'_>) -> Result<Self> {
        let mut violations = Violations::default();
        let url = violations.check("login_url", normalize_url(input.login_url));
        required(&mut violations, "client_id", input.client_id);
        match input.flow {
            Some(SalesforceFlow::UsernamePassword) => {
                required(&mut violations, "client_secret", input.client_secret);
                required(&mut violations, "user_name", input.user_name);
                required(&mut violations, "password", input.password);
            }
            Some(SalesforceFlow::ClientCredentials) => {
                required(&mut violations, "client_secret", input.client_secret);
            }
            Some(SalesforceFlow::JwtBearer) => {
                required(&mut violations, "user_name", input.user_name);
                if !input.private_key_pem.trim_start().starts_with("-----BEGIN") {
                    violations.add(
                        "private_key_pem",
                        "must be a PEM private key for the JWT bearer flow",
                    );
                }
            }
            None => violations.add(
                "flow",
                "must be SALESFORCE_AUTH_FLOW_USERNAME_PASSWORD, SALESFORCE_AUTH_FLOW_CLIENT_CREDENTIALS \
                 or SALESFORCE_AUTH_FLOW_JWT_BEARER",
            ),
        }
        let api_version = match input.api_version {
            "" => DEFAULT_SALESFORCE_API_VERSION,
            given => given,
        };
        if !is_api_version(api_version) {
            violations.add("api_version", "must look like v62.0");
        }
        violations.into_result()?;
        Ok(Self {
            login_url: url.unwrap_or_default(),
            flow: input.flow.unwrap_or(SalesforceFlow::ClientCredentials),
            client_id: input.client_id.trim().to_string(),
            user_name: input.user_name.trim().to_string(),
            api_version: api_version.to_string(),
            client_secret: input.client_secret.to_string(),
            password: input.password.to_string(),
            private_key_pem: input.private_key_pem.to_string(),
        })
    }

    /// The settings to store in the clear.
    pub fn settings(&self) -> Value {
        json!({ "client_id": self.client_id, "api_version": self.api_version })
    }

    /// The secrets to store sealed.
    pub fn secrets(&self) -> Value {
        json!({
            "client_secret": self.client_secret,
            "password": self.password,
            "private_key_pem": self.private_key_pem,
        })
    }
}

fn required(violations: &mut Violations, field: &str, value: &str) {
    if value.trim().is_empty() {
        violations.add(field, "is required");
    }
}

fn is_api_version(text: &str) -> bool {
    text.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn fields_of(result: Result<SalesforceSettings>) -> Vec<String> {
        match result {
            Err(Error::InvalidArgument(violations)) => {
                violations.into_iter().map(|v| v.field).collect()
            }
            Err(other) => panic!("not a field error: {other}"),
            Ok(_) => Vec::new(),
        }
    }

    const CLIENT_CREDENTIALS: SalesforceInput<'static> = SalesforceInput {
        login_url: "https://acme.my.salesforce.com",
        flow: Some(SalesforceFlow::ClientCredentials),
        client_id: "key",
        client_secret: "secret",
        user_name: "",
        password: "",
        private_key_pem: "",
        api_version: "",
    };

    #[test]
    fn each_flow_needs_its_own_fields() {
        assert!(fields_of(SalesforceSettings::parse(CLIENT_CREDENTIALS)).is_empty());
        let password_flow = SalesforceInput {
            flow: Some(SalesforceFlow::UsernamePassword),
            ..CLIENT_CREDENTIALS
        };
        assert_eq!(
            fields_of(SalesforceSettings::parse(password_flow)),
            ["user_name", "password"]
        );
        let jwt = SalesforceInput {
            flow: Some(SalesforceFlow::JwtBearer),
            ..CLIENT_CREDENTIALS
        };
        assert_eq!(
            fields_of(SalesforceSettings::parse(jwt)),
            ["user_name", "private_key_pem"]
        );
        let none = SalesforceInput {
            flow: None,
            api_version: "62",
            ..CLIENT_CREDENTIALS
        };
        assert_eq!(
            fields_of(SalesforceSettings::parse(none)),
            ["flow", "api_version"]
        );
    }

    #[test]
    fn the_api_version_defaults_and_names_round_trip() {
        let settings = SalesforceSettings::parse(CLIENT_CREDENTIALS).expect("valid");
        assert_eq!(settings.api_version, DEFAULT_SALESFORCE_API_VERSION);
        for flow in SalesforceFlow::ALL {
            assert_eq!(SalesforceFlow::parse(flow.as_str()), Some(flow));
        }
    }
}
