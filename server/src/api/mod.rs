//! The gRPC API: one file per service, each a thin adapter that decodes,
//! validates, calls the store and encodes. Authentication happens before,
//! in `auth::AuthLayer`.

pub mod admin;
pub mod connections;
pub mod convert;
pub mod filter;
pub mod license;
pub mod logs;
pub mod mapping;
pub mod overview;
pub mod product;
pub mod schedule;
pub mod sync;
pub mod sync_plan;
pub mod sync_window;

use fnosync_proto::v1 as pb;
use sqlx::PgPool;

use crate::crypto::SecretBox;
use crate::license::LicenseVerifier;
use crate::outbound::OutboundHttp;
use crate::store::notifications::Notifications;

/// What every service needs: the store and the server's keys.
#[derive(Clone)]
pub struct ApiContext {
    /// The database.
    pub pool: PgPool,
    /// Seals and opens stored secrets.
    pub secret_box: SecretBox,
    /// Verifies licence keys.
    pub license_verifier: LicenseVerifier,
    /// Outbound HTTP limited to the remote sites.
    pub outbound: OutboundHttp,
    /// The process's notification listener (new logs).
    pub notifications: Notifications,
    /// Open log tails per token.
    pub tails: logs::OpenTails,
    /// The process's Salesforce session, shared with its sync workers.
    pub salesforce: crate::sync::clients::SalesforceSessions,
}

impl ApiContext {
    /// The Salesforce client of the stored connection, on the process's session.
    pub async fn salesforce_client(
        &self,
    ) -> crate::error::Result<crate::salesforce::SalesforceClient> {
        self.salesforce
            .client(&self.pool, &self.secret_box, &self.outbound)
            .await
    }
}

/// Builds every fnosync service, ready to be added to a tonic router.
pub fn fnosync_routes(ctx: ApiContext) -> tonic::service::Routes {
    use pb::admin_service_server::AdminServiceServer;
    use pb::filter_service_server::FilterServiceServer;
    use pb::mapping_service_server::MappingServiceServer;
    use pb::overview_service_server::OverviewServiceServer;
    use pb::product_service_server::ProductServiceServer;
    use pb::schedule_service_server::ScheduleServiceServer;
    use pb::sync_service_server::SyncServiceServer;
    use pb::transaction_log_service_server::TransactionLogServiceServer;

    tonic::service::Routes::new(AdminServiceServer::new(admin::AdminApi::new(ctx.clone())))
        .add_service(MappingServiceServer::new(mapping::MappingApi::new(
            ctx.clone(),
        )))
        .add_service(FilterServiceServer::new(filter::FilterApi::new(
            ctx.clone(),
        )))
        .add_service(ProductServiceServer::new(product::ProductApi::new(
            ctx.clone(),
        )))
        .add_service(ScheduleServiceServer::new(schedule::ScheduleApi::new(
            ctx.clone(),
        )))
        .add_service(SyncServiceServer::new(sync::SyncApi::new(ctx.clone())))
        .add_service(TransactionLogServiceServer::new(logs::LogsApi::new(
            ctx.clone(),
        )))
        .add_service(OverviewServiceServer::new(overview::OverviewApi::new(ctx)))
}

/// The fully qualified names of the fnosync services, for health and reflection.
pub const SERVICE_NAMES: [&str; 8] = [
    "fnosync.v1.AdminService",
    "fnosync.v1.MappingService",
    "fnosync.v1.FilterService",
    "fnosync.v1.ProductService",
    "fnosync.v1.ScheduleService",
    "fnosync.v1.SyncService",
    "fnosync.v1.TransactionLogService",
    "fnosync.v1.OverviewService",
];

/// Shorthand for a handler's result.
pub type RpcResult<T> = Result<tonic::Response<T>, tonic::Status>;

/// Wraps a handler's outcome into a tonic response.
pub fn respond<T>(result: crate::error::Result<T>) -> RpcResult<T> {
    result.map(tonic::Response::new).map_err(Into::into)
}
