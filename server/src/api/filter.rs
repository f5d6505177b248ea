//! `FilterService`: the pre-condition stages and the post-condition state.

use fnosync_proto::v1 as pb;
use pb::filter_service_server::FilterService;
use tonic::Request;

use super::convert::{entitlement_state, entitlement_state_to_proto};
use super::{respond, ApiContext, RpcResult};
use crate::domain::filters::{validate_stages, CancellationPolicy, Filters};
use crate::error::{Error, Result, Violations};
use crate::store::filters;

/// Serves `fnosync.v1.FilterService`.
pub struct FilterApi {
    ctx: ApiContext,
}

fn to_proto(filters: Filters) -> pb::Filters {
    pb::Filters {
        pre_condition_stages: filters.pre_condition_stages,
        post_condition_state: entitlement_state_to_proto(filters.post_condition_state) as i32,
        cancellation_policy: match filters.cancellation_policy {
            CancellationPolicy::Leave => pb::CancellationPolicy::Leave,
            CancellationPolicy::Obsolete => pb::CancellationPolicy::Obsolete,
        } as i32,
    }
}

impl FilterApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn update(&self, request: pb::UpdateFiltersRequest) -> Result<pb::Filters> {
        let requested = request
            .filters
            .ok_or_else(|| Error::invalid("filters", "is required"))?;
        let mut violations = Violations::default();
        let stages = violations.check(
            "filters.pre_condition_stages",
            validate_stages(&requested.pre_condition_stages),
        );
        let state = entitlement_state(requested.post_condition_state);
        if state.is_none() {
            violations.add(
                "filters.post_condition_state",
                "must be ENTITLEMENT_STATE_DRAFT or ENTITLEMENT_STATE_DEPLOYED",
            );
        }
        let cancellation_policy =
            match pb::CancellationPolicy::try_from(requested.cancellation_policy) {
                Ok(pb::CancellationPolicy::Unspecified | pb::CancellationPolicy::Leave) => {
                    Some(CancellationPolicy::Leave)
                }
                Ok(pb::CancellationPolicy::Obsolete) => Some(CancellationPolicy::Obsolete),
                Err(_) => {
                    violations.add(
                        "filters.cancellation_policy",
                        "must be CANCELLATION_POLICY_LEAVE or CANCELLATION_POLICY_OBSOLETE",
                    );
                    None
                }
            };
        violations.into_result()?;
        let (Some(pre_condition_stages), Some(post_condition_state), Some(cancellation_policy)) =
            (stages, state, cancellation_policy)
        else {
            return Err(Error::Internal(anyhow::anyhow!(
                "validated filters are missing"
            )));
        };
        let stored = filters::update_filters(
            &self.ctx.pool,
            &Filters {
                pre_condition_stages,
                post_condition_state,
                cancellation_policy,
            },
        )
        .await?;
        tracing::info!(
            stages = ?stored.pre_condition_stages,
            state = stored.post_condition_state.as_db(),
            cancellation = stored.cancellation_policy.as_db(),
            "filters updated"
        );
        Ok(to_proto(stored))
    }
}

#[tonic::async_trait]
impl FilterService for FilterApi {
    async fn get_filters(
        &self,
        _request: Request<pb::GetFiltersRequest>,
    ) -> RpcResult<pb::GetFiltersResponse> {
        let stored = filters::get_filters(&self.ctx.pool).await;
        respond(stored.map(|f| pb::GetFiltersResponse {
            filters: Some(to_proto(f)),
        }))
    }

    async fn update_filters(
        &self,
        request: Request<pb::UpdateFiltersRequest>,
    ) -> RpcResult<pb::UpdateFiltersResponse> {
        let stored = self.update(request.into_inner()).await;
        respond(stored.map(|f| pb::UpdateFiltersResponse { filters: Some(f) }))
    }
}
