//! Authentication and authorisation of every RPC: a tower layer reads the
//! bearer token, looks up its hash, and checks the role the method needs.
//! Health and reflection are open; every other path needs a token.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use sqlx::PgPool;
use tonic::Status;

use crate::store::tokens;
use crate::telemetry_metrics::{RPC_DURATION, RPC_REQUESTS};

/// What a token may do. Each role includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read everything.
    Viewer,
    /// Read everything, start and cancel syncs.
    Operator,
    /// Everything, including configuration.
    Admin,
}

impl Role {
    /// Returns the role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    /// Parses a role name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "viewer" => Some(Self::Viewer),
            "operator" => Some(Self::Operator),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
            .ok_or_else(|| format!("unknown role {text:?}: use admin, operator or viewer"))
    }
}

/// The authenticated caller, put in the request's extensions.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Token name.
    pub name: String,
    /// Token role.
    pub role: Role,
}

/// Returns the role a method path needs, or `None` when it is open to all.
pub fn required_role(path: &str) -> Option<Role> {
    if path.starts_with("/grpc.health.v1.Health/") || path.starts_with("/grpc.reflection.") {
        return None;
    }
    let method = path.rsplit('/').next().unwrap_or_default();
    const OPERATOR_METHODS: [&str; 4] = [
        "SyncAccount",
        "StartImmediateSync",
        "CancelSyncRun",
        "ResumeSyncRun",
    ];
    if path.starts_with("/fnosync.v1.SyncService/") && OPERATOR_METHODS.contains(&method) {
        return Some(Role::Operator);
    }
    let read_only = ["Get", "List", "Watch", "Tail"]
        .iter()
        .any(|prefix| method.starts_with(prefix));
    Some(if read_only { Role::Viewer } else { Role::Admin })
}

/// Checks a request's `authorization` header against the stored tokens.
#[derive(Clone)]
pub struct Authenticator {
    pool: PgPool,
}

impl Authenticator {
    /// Builds an authenticator over the token store.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Returns the principal for `path`, or the status to answer with.
    pub async fn authorize(
        &self,
        path: &str,
        authorization: Option<&str>,
    ) -> Result<Option<Principal>, Status> {
        let Some(required) = required_role(path) else {
            return Ok(None);
        };
        let token = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                Status::unauthenticated(
                    "missing bearer token: send `authorization: Bearer <token>`",
                )
            })?;
        let record = tokens::find_token(&self.pool, token)
            .await
            .map_err(|error| {
                tracing::error!(%error, "failed to look up token");
                Status::unavailable("cannot check the token now")
            })?
            .ok_or_else(|| Status::unauthenticated("invalid token"))?;
        let role = Role::parse(&record.role).unwrap_or(Role::Viewer);
        if role < required {
            return Err(Status::permission_denied(format!(
                "token {:?} has role {}; {path} needs role {} or higher",
                record.name,
                role.as_str(),
                required.as_str()
            )));
        }
        Ok(Some(Principal {
            name: record.name,
            role,
        }))
    }
}

/// Tower layer that authenticates every request and logs one line per RPC.
#[derive(Clone)]
pub struct AuthLayer {
    authenticator: Authenticator,
}

impl AuthLayer {
    /// Builds the layer.
    pub fn new(authenticator: Authenticator) -> Self {
        Self { authenticator }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            authenticator: self.authenticator.clone(),
        }
    }
}

/// The service made by `AuthLayer`.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    authenticator: Authenticator,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone that was made ready is the one to call (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let authenticator = self.authenticator.clone();
        Box::pin(async move {
            let path = request.uri().path().to_string();
            let started = std::time::Instant::now();
            let header = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let span = tracing::info_span!("rpc", method = %path, caller = tracing::field::Empty);
            let response = match authenticator.authorize(&path, header.as_deref()).await {
                Ok(principal) => {
                    if let Some(principal) = principal {
                        span.record("caller", principal.name.as_str());
                        request.extensions_mut().insert(principal);
                    }
                    tracing::Instrument::instrument(inner.call(request), span.clone()).await?
                }
                Err(status) => status.into_http(),
            };
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok())
                .map(tonic::Code::from)
                .unwrap_or(tonic::Code::Ok);
            let elapsed = started.elapsed();
            let elapsed_ms = elapsed.as_millis() as u64;
            metrics::counter!(RPC_REQUESTS, "method" => path.clone(), "code" => format!("{code:?}")).increment(1);
            metrics::histogram!(RPC_DURATION, "method" => path.clone())
                .record(elapsed.as_secs_f64());
            span.in_scope(|| tracing::info!(code = ?code, elapsed_ms, "rpc finished"));
            Ok(response)
        })
    }
}

/// Reads the principal the auth layer put on a request.
pub fn principal<T>(request: &tonic::Request<T>) -> Result<&Principal, Status> {
    request
        .extensions()
        .get::<Principal>()
        .ok_or_else(|| Status::unauthenticated("request was not authenticated"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_need_the_roles_of_their_kind() {
        assert_eq!(required_role("/grpc.health.v1.Health/Check"), None);
        assert_eq!(
            required_role("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            None
        );
        assert_eq!(
            required_role("/fnosync.v1.AdminService/ListRemoteSites"),
            Some(Role::Viewer)
        );
        assert_eq!(
            required_role("/fnosync.v1.AdminService/CreateRemoteSite"),
            Some(Role::Admin)
        );
        assert_eq!(
            required_role("/fnosync.v1.SyncService/SyncAccount"),
            Some(Role::Operator)
        );
        assert_eq!(
            required_role("/fnosync.v1.SyncService/WatchSyncRun"),
            Some(Role::Viewer)
        );
        assert_eq!(
            required_role("/fnosync.v1.ScheduleService/PauseSchedule"),
            Some(Role::Admin)
        );
        assert_eq!(
            required_role("/unknown.Service/Anything"),
            Some(Role::Admin)
        );
    }
}
