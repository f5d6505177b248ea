//! `AdminService`: remote sites, connections, licence, schema status and page layouts.

use fnosync_proto::v1 as pb;
use pb::admin_service_server::AdminService;
use tonic::{Request, Status};

use super::convert::{self, sf_object_to_proto};
use super::{connections, license, respond, ApiContext, RpcResult};
use crate::auth::Role;
use crate::domain::mapping::SfObject;
use crate::domain::remote_site::{normalize_url, validate_description, validate_name};
use crate::error::{Error, Result, Violations};
use crate::store::connections::System;
use crate::store::{layouts, licenses, remote_sites, tokens};

/// Most page layouts one `UpdatePageLayouts` call changes.
const MAX_LAYOUT_CHANGES: usize = 200;

/// Longest page layout name Salesforce allows.
const MAX_LAYOUT_NAME_LEN: usize = 255;

/// How long a schema status read from Salesforce is answered again.
const SCHEMA_STATUS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The last schema status read, with when and for which stored connection.
struct SchemaStatusRead {
    read_at: std::time::Instant,
    connection: chrono::DateTime<chrono::Utc>,
    status: pb::GetSalesforceSchemaStatusResponse,
}

/// Serves `fnosync.v1.AdminService`.
pub struct AdminApi {
    ctx: ApiContext,
    /// Holds the last schema status; callers meanwhile wait for the one read
    /// under way rather than starting their own.
    schema_status: tokio::sync::Mutex<Option<SchemaStatusRead>>,
}

impl AdminApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self {
            ctx,
            schema_status: Default::default(),
        }
    }

    async fn create_site(
        &self,
        request: pb::CreateRemoteSiteRequest,
    ) -> Result<pb::CreateRemoteSiteResponse> {
        let mut violations = Violations::default();
        violations.check("name", validate_name(&request.name));
        let url = violations.check("url", normalize_url(&request.url));
        violations.check(
            "description",
            validate_description(request.description.trim()),
        );
        violations.into_result()?;
        let record = remote_sites::insert_remote_site(
            &self.ctx.pool,
            &request.name,
            &url.unwrap_or_default(),
            request.description.trim(),
            request.active.unwrap_or(true),
        )
        .await?;
        tracing::info!(name = %record.name, url = %record.url, "remote site created");
        Ok(pb::CreateRemoteSiteResponse {
            remote_site: Some(convert::remote_site(record)),
        })
    }

    async fn update_site(&self, request: pb::UpdateRemoteSiteRequest) -> Result<pb::RemoteSite> {
        let url = match request.url.as_deref() {
            Some(url) => Some(normalize_url(url).map_err(|e| Error::invalid("url", e))?),
            None => None,
        };
        if let Some(description) = request.description.as_deref() {
            validate_description(description.trim())
                .map_err(|e| Error::invalid("description", e))?;
        }
        let record = remote_sites::update_remote_site(
            &self.ctx.pool,
            &request.name,
            url.as_deref(),
            request.description.as_deref().map(str::trim),
            request.active,
        )
        .await?;
        Ok(convert::remote_site(record))
    }

    async fn submit_license(&self, license_key: &str) -> Result<pb::LicenseInfo> {
        let claims = self
            .ctx
            .license_verifier
            .verify(license_key)
            .map_err(|e| Error::invalid("license_key", e.to_string()))?;
        if claims.expiry_date < chrono::Utc::now().date_naive() {
            return Err(Error::invalid(
                "license_key",
                format!(
                    "the licence expired on {}; enter a renewed key",
                    claims.expiry_date
                ),
            ));
        }
        licenses::save_license(&self.ctx.pool, license_key, &claims).await?;
        tracing::info!(licensee = %claims.licensee, expiry = %claims.expiry_date, "licence saved");
        license::license_info(&self.ctx).await
    }

    async fn refresh_license(&self) -> Result<pb::LicenseInfo> {
        let record = licenses::get_license(&self.ctx.pool)
            .await?
            .ok_or_else(|| {
                Error::FailedPrecondition(
                    "no licence key entered; submit one with SubmitLicenseKey".into(),
                )
            })?;
        // A key that no longer verifies keeps its row; the info then says why.
        if let Ok(claims) = self.ctx.license_verifier.verify(&record.license_key) {
            licenses::save_license(&self.ctx.pool, &record.license_key, &claims).await?;
        }
        license::license_info(&self.ctx).await
    }

    /// The schema status, read from Salesforce at most once a minute for the
    /// stored connection (a changed connection is read at once), so repeated
    /// calls spend no more of the org's API requests.
    async fn cached_schema_status(&self) -> Result<pb::GetSalesforceSchemaStatusResponse> {
        let connection =
            crate::store::connections::get_connection(&self.ctx.pool, System::Salesforce)
                .await?
                .map(|record| record.updated_at)
                .ok_or_else(|| {
                    Error::FailedPrecondition(
                "the Salesforce connection is not configured: set it with SetSalesforceConnection"
                    .into(),
            )
                })?;
        let mut cached = self.schema_status.lock().await;
        if let Some(read) = cached.as_ref().filter(|read| {
            read.connection == connection && read.read_at.elapsed() < SCHEMA_STATUS_TTL
        }) {
            return Ok(read.status.clone());
        }
        let status = self.schema_status().await?;
        *cached = Some(SchemaStatusRead {
            read_at: std::time::Instant::now(),
            connection,
            status: status.clone(),
        });
        Ok(status)
    }

    async fn schema_status(&self) -> Result<pb::GetSalesforceSchemaStatusResponse> {
        let ctx = &self.ctx;
        let client = ctx.salesforce_client().await?;
        let statuses = client.connector_schema_status().await.map_err(|e| {
            Error::Unavailable(format!("cannot describe the Salesforce objects: {e}"))
        })?;
        let objects = statuses
            .into_iter()
            .map(|status| {
                let object = SfObject::ALL
                    .into_iter()
                    .find(|o| o.api_name() == status.object);
                pb::ObjectSchemaStatus {
                    sf_object: object.map(sf_object_to_proto).unwrap_or_default() as i32,
                    api_name: status.object,
                    present_fields: status.present.into_iter().map(|(name, _)| name).collect(),
                    missing_fields: status.missing,
                }
            })
            .collect();
        Ok(pb::GetSalesforceSchemaStatusResponse { objects })
    }

    async fn list_layouts(&self, sf_object: i32) -> Result<Vec<pb::PageLayout>> {
        let object = if sf_object == 0 {
            None
        } else {
            Some(convert::sf_object("sf_object", sf_object)?)
        };
        let records = layouts::list_layouts(&self.ctx.pool, object).await?;
        Ok(records
            .into_iter()
            .map(|r| pb::PageLayout {
                sf_object: SfObject::from_db(&r.sf_object)
                    .map(sf_object_to_proto)
                    .unwrap_or_default() as i32,
                layout_name: r.layout_name,
                shows_connector_fields: r.shows_connector_fields,
            })
            .collect())
    }

    async fn update_layouts(&self, changes: Vec<pb::PageLayout>) -> Result<Vec<pb::PageLayout>> {
        if changes.len() > MAX_LAYOUT_CHANGES {
            return Err(Error::invalid(
                "page_layouts",
                format!(
                    "names {} layouts; at most {MAX_LAYOUT_CHANGES} are changed in one call",
                    changes.len()
                ),
            ));
        }
        let mut tx = self.ctx.pool.begin().await?;
        for (index, change) in changes.iter().enumerate() {
            let object = convert::sf_object(
                &format!("page_layouts[{index}].sf_object"),
                change.sf_object,
            )?;
            if change.layout_name.chars().count() > MAX_LAYOUT_NAME_LEN {
                return Err(Error::invalid(
                    format!("page_layouts[{index}].layout_name"),
                    format!("must be at most {MAX_LAYOUT_NAME_LEN} characters"),
                ));
            }
            layouts::set_layout(
                &mut *tx,
                object,
                &change.layout_name,
                change.shows_connector_fields,
            )
            .await?;
        }
        tx.commit().await?;
        self.list_layouts(0).await
    }
}

/// A stored token as the API shows it.
fn token_listing(token: tokens::TokenListing) -> pb::ApiToken {
    let role = match Role::parse(&token.role) {
        Some(Role::Admin) => pb::ApiTokenRole::Admin,
        Some(Role::Operator) => pb::ApiTokenRole::Operator,
        Some(Role::Viewer) => pb::ApiTokenRole::Viewer,
        None => pb::ApiTokenRole::Unspecified,
    };
    pb::ApiToken {
        name: token.name,
        role: role as i32,
        create_time: Some(convert::timestamp(token.created_at)),
        last_use_time: token.last_used_at.map(convert::timestamp),
    }
}

/// The role a token is created with; unspecified or unknown is refused.
fn token_role(role: i32) -> Option<Role> {
    match pb::ApiTokenRole::try_from(role).ok()? {
        pb::ApiTokenRole::Viewer => Some(Role::Viewer),
        pb::ApiTokenRole::Operator => Some(Role::Operator),
        pb::ApiTokenRole::Admin => Some(Role::Admin),
        pb::ApiTokenRole::Unspecified => None,
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn create_remote_site(
        &self,
        request: Request<pb::CreateRemoteSiteRequest>,
    ) -> RpcResult<pb::CreateRemoteSiteResponse> {
        let request = request.into_inner();
        respond(
            crate::store::idempotency::run_once(
                &self.ctx.pool,
                "CreateRemoteSite",
                &request.request_id,
                &request,
                || self.create_site(request.clone()),
            )
            .await,
        )
    }

    async fn list_remote_sites(
        &self,
        _request: Request<pb::ListRemoteSitesRequest>,
    ) -> RpcResult<pb::ListRemoteSitesResponse> {
        let sites = remote_sites::list_remote_sites(&self.ctx.pool).await;
        respond(sites.map(|sites| pb::ListRemoteSitesResponse {
            remote_sites: sites.into_iter().map(convert::remote_site).collect(),
        }))
    }

    async fn update_remote_site(
        &self,
        request: Request<pb::UpdateRemoteSiteRequest>,
    ) -> RpcResult<pb::UpdateRemoteSiteResponse> {
        let site = self.update_site(request.into_inner()).await;
        respond(site.map(|site| pb::UpdateRemoteSiteResponse {
            remote_site: Some(site),
        }))
    }

    async fn delete_remote_site(
        &self,
        request: Request<pb::DeleteRemoteSiteRequest>,
    ) -> RpcResult<pb::DeleteRemoteSiteResponse> {
        let deleted =
            remote_sites::delete_remote_site(&self.ctx.pool, &request.into_inner().name).await;
        respond(deleted.map(|()| pb::DeleteRemoteSiteResponse {}))
    }

    async fn set_fno_connection(
        &self,
        request: Request<pb::SetFnoConnectionRequest>,
    ) -> RpcResult<pb::SetFnoConnectionResponse> {
        let status = connections::set_fno(&self.ctx, request.into_inner()).await;
        respond(status.map(|status| pb::SetFnoConnectionResponse {
            status: Some(status),
        }))
    }

    async fn set_salesforce_connection(
        &self,
        request: Request<pb::SetSalesforceConnectionRequest>,
    ) -> RpcResult<pb::SetSalesforceConnectionResponse> {
        let status = connections::set_salesforce(&self.ctx, request.into_inner()).await;
        respond(status.map(|status| pb::SetSalesforceConnectionResponse {
            status: Some(status),
        }))
    }

    async fn get_connection_status(
        &self,
        _request: Request<pb::GetConnectionStatusRequest>,
    ) -> RpcResult<pb::GetConnectionStatusResponse> {
        let fno = connections::get_status(&self.ctx, System::Fno)
            .await
            .map_err(Status::from)?;
        let salesforce = connections::get_status(&self.ctx, System::Salesforce)
            .await
            .map_err(Status::from)?;
        respond(Ok(pb::GetConnectionStatusResponse {
            fno: Some(fno),
            salesforce: Some(salesforce),
        }))
    }

    async fn submit_license_key(
        &self,
        request: Request<pb::SubmitLicenseKeyRequest>,
    ) -> RpcResult<pb::SubmitLicenseKeyResponse> {
        let info = self.submit_license(&request.into_inner().license_key).await;
        respond(info.map(|info| pb::SubmitLicenseKeyResponse {
            license: Some(info),
        }))
    }

    async fn create_api_token(
        &self,
        request: Request<pb::CreateApiTokenRequest>,
    ) -> RpcResult<pb::CreateApiTokenResponse> {
        let request = request.into_inner();
        let name = request.name.trim().to_string();
        let mut violations = Violations::default();
        if name.is_empty() || name.chars().count() > 100 {
            violations.add("name", "give the token a name of 1 to 100 characters");
        }
        let role = violations.check(
            "role",
            token_role(request.role).ok_or_else(|| {
                "choose API_TOKEN_ROLE_VIEWER, API_TOKEN_ROLE_OPERATOR or API_TOKEN_ROLE_ADMIN"
                    .to_string()
            }),
        );
        violations.into_result()?;
        let token = tokens::generate_token();
        let role = role.unwrap_or(Role::Viewer);
        let created = tokens::insert_token(&self.ctx.pool, &name, role, &token).await;
        if let Ok(record) = &created {
            tracing::info!(name = %record.name, role = role.as_str(), "api token created");
        }
        respond(created.map(|record| pb::CreateApiTokenResponse {
            token,
            name: record.name,
            role: request.role,
        }))
    }

    async fn list_api_tokens(
        &self,
        _request: Request<pb::ListApiTokensRequest>,
    ) -> RpcResult<pb::ListApiTokensResponse> {
        let listed = tokens::list_tokens(&self.ctx.pool).await;
        respond(listed.map(|tokens| pb::ListApiTokensResponse {
            tokens: tokens.into_iter().map(token_listing).collect(),
        }))
    }

    async fn revoke_api_token(
        &self,
        request: Request<pb::RevokeApiTokenRequest>,
    ) -> RpcResult<pb::RevokeApiTokenResponse> {
        let name = request.into_inner().name.trim().to_string();
        if name.is_empty() {
            return Err(Error::invalid("name", "name the token to revoke").into());
        }
        let revoked = tokens::revoke_token(&self.ctx.pool, &name).await;
        if let Ok(token) = &revoked {
            tracing::info!(name = %token.name, role = %token.role, "api token revoked");
        }
        respond(revoked.map(|token| pb::RevokeApiTokenResponse {
            token: Some(token_listing(token)),
        }))
    }

    async fn get_license_info(
        &self,
        _request: Request<pb::GetLicenseInfoRequest>,
    ) -> RpcResult<pb::GetLicenseInfoResponse> {
        let info = license::license_info(&self.ctx).await;
        respond(info.map(|info| pb::GetLicenseInfoResponse {
            license: Some(info),
        }))
    }

    async fn refresh_license_info(
        &self,
        _request: Request<pb::RefreshLicenseInfoRequest>,
    ) -> RpcResult<pb::RefreshLicenseInfoResponse> {
        let info = self.refresh_license().await;
        respond(info.map(|info| pb::RefreshLicenseInfoResponse {
            license: Some(info),
        }))
    }

    async fn get_salesforce_schema_status(
        &self,
        _request: Request<pb::GetSalesforceSchemaStatusRequest>,
    ) -> RpcResult<pb::GetSalesforceSchemaStatusResponse> {
        let status = connections::get_status(&self.ctx, System::Salesforce)
            .await
            .map_err(Status::from)?;
        if status.state != pb::ConnectionState::Verified as i32 {
            return Err(Error::FailedPrecondition(format!(
                "the Salesforce connection is {}: the schema can be read once it is verified",
                status.message
            ))
            .into());
        }
        respond(self.cached_schema_status().await)
    }

    async fn list_page_layouts(
        &self,
        request: Request<pb::ListPageLayoutsRequest>,
    ) -> RpcResult<pb::ListPageLayoutsResponse> {
        let layouts = self.list_layouts(request.into_inner().sf_object).await;
        respond(layouts.map(|page_layouts| pb::ListPageLayoutsResponse { page_layouts }))
    }

    async fn update_page_layouts(
        &self,
        request: Request<pb::UpdatePageLayoutsRequest>,
    ) -> RpcResult<pb::UpdatePageLayoutsResponse> {
        let layouts = self.update_layouts(request.into_inner().page_layouts).await;
        respond(layouts.map(|page_layouts| pb::UpdatePageLayoutsResponse { page_layouts }))
    }
}
