//! Shared harness of the Salesforce sandbox tests: starts the sandbox on
//! port 0 over HTTPS and calls it with reqwest trusting the sandbox CA.
//! The JWT key and certificate next to this file are test-only fixtures.
#![allow(dead_code)]

use fnosync_sandbox::salesforce::auth::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN,
    DEFAULT_USERNAME,
};
use fnosync_sandbox::salesforce::{Options, SalesforceSandbox};
use fnosync_sandbox::tls::SandboxCa;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// API version the tests speak.
pub const VERSION: &str = "v59.0";
/// Private key of the test connected app (PKCS#8 PEM).
pub const JWT_KEY: &str = include_str!("jwt_test_key.pem");
/// Certificate of the test connected app.
pub const JWT_CERT: &str = include_str!("jwt_test_cert.pem");

/// A running sandbox, an HTTPS client and a session token.
pub struct Harness {
    pub sandbox: SalesforceSandbox,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    /// The sandbox CA's certificate (PEM), for other clients to trust.
    pub ca_pem: String,
}

/// A decoded answer.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Harness {
    /// Starts the sandbox with the guide's seed and logs in with the password flow.
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts the sandbox with `options` and logs in.
    pub async fn start_with(options: Options) -> Self {
        let ca = SandboxCa::generate().expect("ca");
        let sandbox = SalesforceSandbox::start(options, ca.clone())
            .await
            .expect("sandbox starts");
        let http = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(ca.ca_pem().as_bytes()).expect("pem"),
            )
            .build()
            .expect("client");
        let base = sandbox.url();
        let mut harness = Self {
            sandbox,
            http,
            base,
            token: String::new(),
            ca_pem: ca.ca_pem(),
        };
        harness.token = harness.password_login().await;
        harness
    }

    /// Logs in with the username-password flow and returns the token.
    pub async fn password_login(&self) -> String {
        let password = format!("{DEFAULT_PASSWORD}{DEFAULT_SECURITY_TOKEN}");
        let form = [
            ("grant_type", "password"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
            ("username", DEFAULT_USERNAME),
            ("password", password.as_str()),
        ];
        let answer = self.token_request(&form, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Posts a form to the token endpoint.
    pub async fn token_request(
        &self,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> Answer {
        let mut request = self
            .http
            .post(format!("{}/services/oauth2/token", self.base))
            .form(form);
        if let Some((user, password)) = basic {
            request = request.basic_auth(user, Some(password));
        }
        decode(request.send().await.expect("token call")).await
    }

    /// Returns the URL of a data path (`query?q=…`).
    pub fn data(&self, path: &str) -> String {
        format!("{}/services/data/{VERSION}/{path}", self.base)
    }

    /// Calls a data path with the session token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.call_with(method, &self.data(path), body, &[]).await
    }

    /// Calls a full URL with the session token and extra headers.
    pub async fn call_with(
        &self,
        method: Method,
        url: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        decode(request.send().await.expect("call")).await
    }

    /// GETs a data path.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    /// Runs a query and returns the answer.
    pub async fn query(&self, soql: &str) -> Answer {
        let url =
            reqwest::Url::parse_with_params(&self.data("query"), &[("q", soql)]).expect("url");
        self.call_with(Method::GET, url.as_str(), None, &[]).await
    }

    /// Runs a query that must succeed and returns its records.
    pub async fn records(&self, soql: &str) -> Vec<Value> {
        let answer = self.query(soql).await;
        assert_eq!(answer.status, StatusCode::OK, "{soql}: {}", answer.body);
        answer.body["records"].as_array().expect("records").clone()
    }
}

/// Reads status, headers and JSON (or `Null` for an empty body).
pub async fn decode(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// Asserts an error answer in Salesforce's shape and returns its message.
pub fn assert_error(answer: &Answer, status: StatusCode, code: &str) -> String {
    assert_eq!(answer.status, status, "{}", answer.body);
    let first = &answer.body[0];
    assert_eq!(first["errorCode"], code, "{}", answer.body);
    first["message"].as_str().expect("message").to_string()
}
