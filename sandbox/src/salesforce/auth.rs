//! Users, connected apps (OAuth clients) and sessions. Sessions expire after
//! a configurable idle time, as Salesforce's do (default 2 hours), and can be
//! expired all at once; a REST call with a dead session gets 401
//! `INVALID_SESSION_ID`. The token and SOAP login endpoints are in `login.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::ids;

/// User name of the default integration user.
pub const DEFAULT_USERNAME: &str = "integration@fnosync.sandbox";
/// Password of the default user.
pub const DEFAULT_PASSWORD: &str = "sandbox-password";
/// Security token of the default user (appended to the password).
pub const DEFAULT_SECURITY_TOKEN: &str = "SANDBOXSECURITYTOKEN";
/// Consumer key of the default connected app.
pub const DEFAULT_CLIENT_ID: &str = "3MVG9fnosyncSandboxConsumerKey";
/// Consumer secret of the default connected app.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-consumer-secret";
/// Default idle lifetime of a session, as in a new org.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);

/// A user who can log in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserConfig {
    /// Login name (an e-mail address in real orgs).
    pub username: String,
    /// Password.
    pub password: String,
    /// Security token; when set, password logins must append it.
    #[serde(default)]
    pub security_token: String,
    /// User id (`005…`); derived from the position when absent.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// A connected app (OAuth client).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClientConfig {
    /// Consumer key.
    pub client_id: String,
    /// Consumer secret.
    pub client_secret: String,
    /// User the client-credentials flow runs as; the flow is refused when absent.
    #[serde(default)]
    pub run_as: Option<String>,
    /// PEM certificate (or public key) that signs JWT-bearer assertions.
    #[serde(default)]
    pub jwt_certificate: Option<String>,
}

/// The default user.
pub fn default_user() -> UserConfig {
    UserConfig {
        username: DEFAULT_USERNAME.into(),
        password: DEFAULT_PASSWORD.into(),
        security_token: DEFAULT_SECURITY_TOKEN.into(),
        user_id: None,
    }
}

/// The default connected app, running client credentials as the default user.
pub fn default_client() -> ClientConfig {
    ClientConfig {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: DEFAULT_CLIENT_SECRET.into(),
        run_as: Some(DEFAULT_USERNAME.into()),
        jwt_certificate: None,
    }
}

/// A live session.
#[derive(Clone, Debug)]
pub struct Session {
    /// Id of the session's user.
    pub user_id: String,
    /// Login name of the session's user.
    pub username: String,
    last_used: DateTime<Utc>,
}

/// Users, clients and sessions of the org.
pub struct Auth {
    users: RwLock<Vec<UserConfig>>,
    clients: RwLock<Vec<ClientConfig>>,
    sessions: Mutex<HashMap<String, Session>>,
    timeout: Mutex<Duration>,
    clock: Arc<Clock>,
    /// Organization id (`00D…`).
    pub org_id: String,
}

impl Auth {
    /// Creates the auth state with the given users and clients.
    pub fn new(
        clock: Arc<Clock>,
        users: Vec<UserConfig>,
        clients: Vec<ClientConfig>,
        timeout: Duration,
    ) -> Self {
        Self {
            users: RwLock::new(users),
            clients: RwLock::new(clients),
            sessions: Mutex::new(HashMap::new()),
            timeout: Mutex::new(timeout),
            clock,
            org_id: ids::make("00D", 1),
        }
    }

    /// Returns the users.
    pub fn users(&self) -> Vec<UserConfig> {
        read(&self.users).clone()
    }

    /// Returns the clients.
    pub fn clients(&self) -> Vec<ClientConfig> {
        read(&self.clients).clone()
    }

    /// Replaces users and clients (seed load).
    pub fn configure(&self, users: Vec<UserConfig>, clients: Vec<ClientConfig>) {
        *self.users.write().unwrap_or_else(|p| p.into_inner()) = users;
        *self.clients.write().unwrap_or_else(|p| p.into_inner()) = clients;
    }

    /// Adds or replaces the client with the same id.
    pub fn upsert_client(&self, client: ClientConfig) {
        let mut clients = self.clients.write().unwrap_or_else(|p| p.into_inner());
        clients.retain(|c| c.client_id != client.client_id);
        clients.push(client);
    }

    /// Finds a user by login name and returns it with its id.
    pub fn user(&self, username: &str) -> Option<(UserConfig, String)> {
        let users = read(&self.users);
        let index = users
            .iter()
            .position(|u| u.username.eq_ignore_ascii_case(username))?;
        let user = users[index].clone();
        let id = user.user_id.clone().unwrap_or_else(|| user_id_at(index));
        Some((user, id))
    }

    /// Finds a client by consumer key.
    pub fn client(&self, client_id: &str) -> Option<ClientConfig> {
        read(&self.clients)
            .iter()
            .find(|c| c.client_id == client_id)
            .cloned()
    }

    /// Opens a session for `username` and returns its access token.
    pub fn open_session(&self, username: &str, user_id: &str) -> String {
        let secret: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(96)
            .map(char::from)
            .collect();
        let token = format!("{}!{secret}", &self.org_id[..15]);
        let session = Session {
            user_id: user_id.to_string(),
            username: username.to_string(),
            last_used: self.clock.now(),
        };
        lock(&self.sessions).insert(token.clone(), session);
        token
    }

    /// Returns the live session of `token` and marks it used, or `None`
    /// when it is unknown or idle for longer than the timeout.
    pub fn check(&self, token: &str) -> Option<Session> {
        let now = self.clock.now();
        let timeout =
            chrono::Duration::from_std(*lock(&self.timeout)).unwrap_or(chrono::Duration::MAX);
        let mut sessions = lock(&self.sessions);
        let session = sessions.get_mut(token)?;
        if now - session.last_used > timeout {
            sessions.remove(token);
            return None;
        }
        session.last_used = now;
        Some(session.clone())
    }

    /// Ends every session now.
    pub fn expire_all(&self) {
        lock(&self.sessions).clear();
    }

    /// Sets the idle lifetime of sessions.
    pub fn set_timeout(&self, timeout: Duration) {
        *lock(&self.timeout) = timeout;
    }
}

/// Id of the org's administrator: the user behind seeded records and edits
/// made outside the API (by a test or an operator of the sandbox), never one
/// of the users who log in.
pub fn org_admin_user_id() -> String {
    ids::make("005", 999_999)
}

/// Returns the id of the user at `index` of the configured list.
pub fn user_id_at(index: usize) -> String {
    ids::make("005", index as u64 + 1)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
