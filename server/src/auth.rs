//! Authentication and authorisation of every RPC: a tower layer reads the
//! bearer token, looks up its hash, and checks the role the method needs.
//! Health and reflection are open; every other path needs a token.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use sqlx::PgPool;
use tonic::Status;

pub use crate::domain::role::Role;
use crate::store::tokens;
use crate::telemetry_metrics::{RPC_DURATION, RPC_REQUESTS};

/// The authenticated caller, put in the request's extensions.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Token name.
    pub name: String,
    /// Token role.
    pub role: Role,
}

/// Who may call a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token (health and reflection).
    Open,
    /// A token of this role or a higher one.
    Needs(Role),
}

use Access::{Needs, Open};
use Role::{Admin, Operator, Viewer};

/// Every method the server serves with who may call it, one row per RPC. A
/// path not in this table is answered `UNIMPLEMENTED` before any token is
/// looked at, and is counted in the metrics as `unknown`.
pub const METHODS: &[(&str, Access)] = &[
    ("/grpc.health.v1.Health/Check", Open),
    ("/grpc.health.v1.Health/Watch", Open),
    (
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        Open,
    ),
    (
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        Open,
    ),
    ("/fnosync.v1.AdminService/CreateRemoteSite", Needs(Admin)),
    ("/fnosync.v1.AdminService/ListRemoteSites", Needs(Viewer)),
    ("/fnosync.v1.AdminService/UpdateRemoteSite", Needs(Admin)),
    ("/fnosync.v1.AdminService/DeleteRemoteSite", Needs(Admin)),
    ("/fnosync.v1.AdminService/SetFnoConnection", Needs(Admin)),
    (
        "/fnosync.v1.AdminService/SetSalesforceConnection",
        Needs(Admin),
    ),
    (
        "/fnosync.v1.AdminService/GetConnectionStatus",
        Needs(Viewer),
    ),
    ("/fnosync.v1.AdminService/SubmitLicenseKey", Needs(Admin)),
    ("/fnosync.v1.AdminService/GetLicenseInfo", Needs(Viewer)),
    ("/fnosync.v1.AdminService/RefreshLicenseInfo", Needs(Admin)),
    (
        "/fnosync.v1.AdminService/GetSalesforceSchemaStatus",
        Needs(Viewer),
    ),
    ("/fnosync.v1.AdminService/ListPageLayouts", Needs(Viewer)),
    ("/fnosync.v1.AdminService/UpdatePageLayouts", Needs(Admin)),
    ("/fnosync.v1.AdminService/CreateApiToken", Needs(Admin)),
    ("/fnosync.v1.AdminService/ListApiTokens", Needs(Admin)),
    ("/fnosync.v1.AdminService/RevokeApiToken", Needs(Admin)),
    ("/fnosync.v1.FilterService/GetFilters", Needs(Viewer)),
    ("/fnosync.v1.FilterService/UpdateFilters", Needs(Admin)),
    (
        "/fnosync.v1.TransactionLogService/ListTransactionLogs",
        Needs(Viewer),
    ),
    (
        "/fnosync.v1.TransactionLogService/GetTransactionLog",
        Needs(Viewer),
    ),
    (
        "/fnosync.v1.TransactionLogService/TailTransactionLogs",
        Needs(Viewer),
    ),
    (
        "/fnosync.v1.MappingService/ListFieldMappings",
        Needs(Viewer),
    ),
    (
        "/fnosync.v1.MappingService/UpdateFieldMapping",
        Needs(Admin),
    ),
    (
        "/fnosync.v1.MappingService/DeleteFieldMapping",
        Needs(Admin),
    ),
    (
        "/fnosync.v1.MappingService/ListCustomAttributes",
        Needs(Viewer),
    ),
    (
        "/fnosync.v1.MappingService/CreateCustomAttribute",
        Needs(Admin),
    ),
    (
        "/fnosync.v1.MappingService/DeleteCustomAttribute",
        Needs(Admin),
    ),
    ("/fnosync.v1.OverviewService/GetOverview", Needs(Viewer)),
    ("/fnosync.v1.ProductService/ListProducts", Needs(Viewer)),
    (
        "/fnosync.v1.ProductService/SetProductSyncIncluded",
        Needs(Admin),
    ),
    ("/fnosync.v1.ScheduleService/GetSchedule", Needs(Viewer)),
    ("/fnosync.v1.ScheduleService/CreateSchedule", Needs(Admin)),
    ("/fnosync.v1.ScheduleService/UpdateSchedule", Needs(Admin)),
    ("/fnosync.v1.ScheduleService/PauseSchedule", Needs(Admin)),
    ("/fnosync.v1.ScheduleService/ResumeSchedule", Needs(Admin)),
    ("/fnosync.v1.ScheduleService/DeleteSchedule", Needs(Admin)),
    ("/fnosync.v1.ScheduleService/GetEventSync", Needs(Viewer)),
    ("/fnosync.v1.ScheduleService/UpdateEventSync", Needs(Admin)),
    ("/fnosync.v1.SyncService/SyncAccount", Needs(Operator)),
    (
        "/fnosync.v1.SyncService/StartImmediateSync",
        Needs(Operator),
    ),
    ("/fnosync.v1.SyncService/GetSyncRun", Needs(Viewer)),
    ("/fnosync.v1.SyncService/ListSyncRuns", Needs(Viewer)),
    ("/fnosync.v1.SyncService/CancelSyncRun", Needs(Operator)),
    ("/fnosync.v1.SyncService/ResumeSyncRun", Needs(Operator)),
    (
        "/fnosync.v1.SyncService/RetryFailedRecords",
        Needs(Operator),
    ),
    ("/fnosync.v1.SyncService/WatchSyncRun", Needs(Viewer)),
    ("/fnosync.v1.SyncService/PlanSync", Needs(Operator)),
];

/// Finds a method path in [`METHODS`]: its path as a static label and who
/// may call it; `None` for a path the server does not serve.
pub fn method(path: &str) -> Option<(&'static str, Access)> {
    METHODS.iter().find(|(known, _)| *known == path).copied()
}

/// Returns the role a method path needs, or `None` when it is open to all
/// or not served.
pub fn required_role(path: &str) -> Option<Role> {
    match method(path)?.1 {
        Open => None,
        Needs(role) => Some(role),
    }
}

/// The metrics label of paths that are not methods of the server.
const UNKNOWN_METHOD: &str = "unknown";

/// How often a token's last use is written: a call presenting it later than
/// this after the last write notes it again.
const LAST_USE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Checks a request's `authorization` header against the stored tokens.
#[derive(Clone)]
pub struct Authenticator {
    pool: PgPool,
    /// When this process last wrote each valid token's last use.
    noted: Arc<Mutex<HashMap<uuid::Uuid, std::time::Instant>>>,
}

impl Authenticator {
    /// Builds an authenticator over the token store.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            noted: Default::default(),
        }
    }

    /// Writes the token's last use when it was not written for a minute,
    /// beside the call rather than before it.
    fn note_use(&self, token_id: uuid::Uuid) {
        let due = {
            let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
            let due = noted
                .get(&token_id)
                .is_none_or(|at| at.elapsed() >= LAST_USE_EVERY);
            if due {
                noted.insert(token_id, std::time::Instant::now());
            }
            due
        };
        if due {
            let pool = self.pool.clone();
            tokio::spawn(async move {
                if let Err(error) = tokens::note_used(&pool, token_id).await {
                    tracing::warn!(%error, "cannot note a token's last use");
                }
            });
        }
    }

    /// Returns the principal for `path`, or the status to answer with.
    pub async fn authorize(
        &self,
        path: &str,
        authorization: Option<&str>,
    ) -> Result<Option<Principal>, Status> {
        let required = match method(path) {
            None => {
                return Err(Status::unimplemented(format!(
                "{path} is not a method of this server; see the API reference or server reflection"
            )))
            }
            Some((_, Open)) => return Ok(None),
            Some((_, Needs(role))) => role,
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
        self.note_use(record.token_id);
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
            let label = method(&path).map_or(UNKNOWN_METHOD, |(known, _)| known);
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
            metrics::counter!(RPC_REQUESTS, "method" => label, "code" => format!("{code:?}"))
                .increment(1);
            metrics::histogram!(RPC_DURATION, "method" => label).record(elapsed.as_secs_f64());
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
    fn methods_need_the_roles_of_the_table() {
        assert_eq!(required_role("/grpc.health.v1.Health/Check"), None);
        assert_eq!(
            method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            Some((
                "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                Open
            ))
        );
        assert_eq!(
            required_role("/fnosync.v1.AdminService/ListRemoteSites"),
            Some(Role::Viewer)
        );
        assert_eq!(
            required_role("/fnosync.v1.SyncService/SyncAccount"),
            Some(Role::Operator)
        );
        assert_eq!(method("/unknown.Service/Anything"), None);
        assert_eq!(
            method("/fnosync.v1.AdminService/GetConnectionStatusX"),
            None
        );
    }

    /// Every method of every fnosync service, as the descriptor set the
    /// server reflects has them.
    fn served_methods() -> Vec<String> {
        use prost::Message as _;
        let set = prost_types::FileDescriptorSet::decode(fnosync_proto::FILE_DESCRIPTOR_SET)
            .expect("descriptor set");
        let mut paths = Vec::new();
        for file in set.file {
            for service in &file.service {
                for rpc in &service.method {
                    paths.push(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        rpc.name()
                    ));
                }
            }
        }
        paths
    }

    #[test]
    fn every_method_of_the_api_is_in_the_table_and_needs_a_token() {
        let served = served_methods();
        assert!(served.len() > 40, "{served:?}");
        for path in &served {
            match method(path) {
                Some((_, Needs(_))) => {}
                other => panic!(
                    "{path} is {other:?}: add it to METHODS in server/src/auth.rs with its role"
                ),
            }
        }
        for (path, access) in METHODS {
            assert!(
                served.iter().any(|p| p == path) || *access == Open,
                "{path} is in METHODS but not in the API"
            );
        }
        let mut paths: Vec<&str> = METHODS.iter().map(|(p, _)| *p).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), METHODS.len(), "a method is listed twice");
    }
}
