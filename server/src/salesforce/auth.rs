//! OAuth 2.0 log-in to Salesforce (reference §1.1): the username-password,
//! client-credentials and JWT-bearer flows against `/services/oauth2/token`,
//! form-encoded, through the remote-site check. Secrets go into the request
//! body or the Basic header only, never into errors or logs.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::error::SalesforceError;
use crate::outbound::{read_body, OutboundHttp};
use crate::telemetry_metrics::{record_remote_call, SYSTEM_SALESFORCE};

/// Path of the OAuth token endpoint under the login URL.
pub const TOKEN_PATH: &str = "/services/oauth2/token";
/// Grant type of the JWT-bearer flow.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// API version used when the configuration names none.
pub const DEFAULT_API_VERSION: &str = "59.0";
/// Lifetime of a JWT assertion; Salesforce wants `exp` within 3 minutes.
const JWT_LIFETIME: Duration = Duration::from_secs(180);
const OPERATION: &str = "login";

/// The OAuth flow used to log in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OAuthFlow {
    /// `grant_type=password` (blocked by default in orgs created since Summer '23).
    UsernamePassword,
    /// `grant_type=client_credentials` with HTTP Basic; needs the My Domain URL.
    #[default]
    ClientCredentials,
    /// JWT bearer: an RS256 assertion signed with the connected app's key.
    JwtBearer,
}

/// Connection settings of one Salesforce org.
#[derive(Clone, Debug)]
pub struct SalesforceConfig {
    /// Login URL, e.g. `https://login.salesforce.com` or the My Domain URL.
    pub login_url: String,
    /// OAuth flow.
    pub flow: OAuthFlow,
    /// Consumer key of the connected app.
    pub client_id: String,
    /// Consumer secret (password and client-credentials flows).
    pub client_secret: SecretString,
    /// User name (password and JWT flows).
    pub user_name: String,
    /// Password with the security token appended when the org requires one.
    pub password: SecretString,
    /// PEM private key signing JWT assertions (JWT flow).
    pub private_key_pem: SecretString,
    /// REST API version, e.g. `59.0`.
    pub api_version: String,
}

impl SalesforceConfig {
    /// Returns the login URL without a trailing slash.
    pub fn login_base(&self) -> &str {
        self.login_url.trim_end_matches('/')
    }

    /// Checks what can be checked without a call.
    pub fn validate(&self) -> Result<(), SalesforceError> {
        let url = url::Url::parse(self.login_base())
            .map_err(|e| SalesforceError::Config(format!("login url is not a url: {e}")))?;
        if url.scheme() != "https" {
            return Err(SalesforceError::Config("login url must use https".into()));
        }
        let valid_version = self
            .api_version
            .split_once('.')
            .is_some_and(|(major, minor)| {
                !major.is_empty()
                    && !minor.is_empty()
                    && major
                        .chars()
                        .chain(minor.chars())
                        .all(|c| c.is_ascii_digit())
            });
        if !valid_version {
            return Err(SalesforceError::Config(format!(
                "api version {:?} is not like 59.0",
                self.api_version
            )));
        }
        if self.client_id.is_empty() {
            return Err(SalesforceError::Config("client id is required".into()));
        }
        Ok(())
    }
}

/// A logged-in session: the token and the org's instance URL.
#[derive(Debug)]
pub struct Session {
    /// Bearer token.
    pub access_token: SecretString,
    /// Base URL of the org, without a trailing slash.
    pub instance_url: String,
    /// Identity URL (`…/id/<orgId>/<userId>`), when given.
    pub identity_url: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    instance_url: String,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

/// Logs in with the configured flow.
pub async fn login(
    http: &OutboundHttp,
    config: &SalesforceConfig,
) -> Result<Session, SalesforceError> {
    config.validate()?;
    let url = format!("{}{TOKEN_PATH}", config.login_base());
    let request = http.request(reqwest::Method::POST, &url).await?;
    let request = match config.flow {
        OAuthFlow::UsernamePassword => request.form(&[
            ("grant_type", "password"),
            ("client_id", config.client_id.as_str()),
            ("client_secret", config.client_secret.expose_secret()),
            ("username", config.user_name.as_str()),
            ("password", config.password.expose_secret()),
        ]),
        // simple-salesforce and the Salesforce docs send the client pair as HTTP Basic.
        OAuthFlow::ClientCredentials => request
            .basic_auth(
                &config.client_id,
                Some(config.client_secret.expose_secret()),
            )
            .form(&[("grant_type", "client_credentials")]),
        OAuthFlow::JwtBearer => {
            let assertion = jwt_assertion(config)?;
            request.form(&[
                ("grant_type", JWT_BEARER_GRANT),
                ("assertion", assertion.expose_secret()),
            ])
        }
    };
    let started = Instant::now();
    let outcome = exchange_token(request).await;
    record_remote_call(SYSTEM_SALESFORCE, OPERATION, started, outcome.is_ok());
    outcome
}

/// Sends a built token request and reads the session from its answer.
async fn exchange_token(request: reqwest::RequestBuilder) -> Result<Session, SalesforceError> {
    let response = request
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| SalesforceError::transport(OPERATION, e))?;
    let status = response.status().as_u16();
    let body = read_body(response)
        .await
        .map_err(|e| SalesforceError::body(OPERATION, e))?;
    if status != 200 {
        return Err(SalesforceError::from_login_response(status, &body));
    }
    parse_token_response(&body)
}

/// Reads a token answer. The body holds the token, so no parser message
/// (which may quote the input) goes into the error.
fn parse_token_response(body: &[u8]) -> Result<Session, SalesforceError> {
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|_| {
        SalesforceError::decode(
            OPERATION,
            "the token answer lacks access_token or instance_url",
        )
    })?;
    let instance = url::Url::parse(&parsed.instance_url)
        .map_err(|_| SalesforceError::decode(OPERATION, "instance_url is not a url"))?;
    Ok(Session {
        access_token: SecretString::from(parsed.access_token),
        instance_url: instance.as_str().trim_end_matches('/').to_string(),
        identity_url: parsed.id,
    })
}

/// Signs the JWT-bearer assertion: `iss` = consumer key, `sub` = user,
/// `aud` = login URL, `exp` three minutes ahead (reference §1.1).
fn jwt_assertion(config: &SalesforceConfig) -> Result<SecretString, SalesforceError> {
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(config.private_key_pem.expose_secret().as_bytes())
            .map_err(|_| {
                SalesforceError::Config("the private key is not an RSA key in PEM".into())
            })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let claims = JwtClaims {
        iss: &config.client_id,
        sub: &config.user_name,
        aud: config.login_base(),
        exp: (now + JWT_LIFETIME).as_secs(),
    };
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    jsonwebtoken::encode(&header, &claims, &key)
        .map(SecretString::from)
        .map_err(|e| SalesforceError::Config(format!("failed to sign the jwt assertion: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SalesforceConfig {
        SalesforceConfig {
            login_url: "https://login.salesforce.com/".into(),
            flow: OAuthFlow::UsernamePassword,
            client_id: "id".into(),
            client_secret: SecretString::from("secret"),
            user_name: "user@example.com".into(),
            password: SecretString::from("pw"),
            private_key_pem: SecretString::from(""),
            api_version: DEFAULT_API_VERSION.into(),
        }
    }

    #[test]
    fn a_valid_configuration_passes_and_bad_ones_say_why() {
        assert!(config().validate().is_ok());
        assert_eq!(config().login_base(), "https://login.salesforce.com");
        let plain_http = SalesforceConfig {
            login_url: "http://login.salesforce.com".into(),
            ..config()
        };
        let bad_version = SalesforceConfig {
            api_version: "v59".into(),
            ..config()
        };

        assert!(plain_http
            .validate()
            .expect_err("refused")
            .to_string()
            .contains("https"));
        assert!(bad_version
            .validate()
            .expect_err("refused")
            .to_string()
            .contains("59.0"));
    }

    #[test]
    fn a_token_answer_gives_the_session() {
        let body = br#"{"access_token":"00D!abc","instance_url":"https://x.my.salesforce.com","id":"https://login.salesforce.com/id/00D/005","token_type":"Bearer","issued_at":"1","signature":"s"}"#;

        let session = parse_token_response(body).expect("valid answer");

        assert_eq!(session.access_token.expose_secret(), "00D!abc");
        assert_eq!(session.instance_url, "https://x.my.salesforce.com");
        assert!(session.identity_url.is_some());
    }

    #[test]
    fn an_unreadable_token_answer_does_not_quote_the_body() {
        let body = br#"{"access_token":"00D!very-secret"}"#;

        let error = parse_token_response(body).expect_err("instance_url is missing");

        assert!(!error.to_string().contains("very-secret"));
    }

    #[test]
    fn a_key_that_is_not_pem_is_a_configuration_error() {
        let jwt = SalesforceConfig {
            flow: OAuthFlow::JwtBearer,
            private_key_pem: SecretString::from("not a key"),
            ..config()
        };

        let error = jwt_assertion(&jwt).expect_err("bad key");

        assert!(matches!(error, SalesforceError::Config(_)));
    }
}
