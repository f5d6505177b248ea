//! `ProductService`: products with their readiness, and the include flag.

use fnosync_proto::v1 as pb;
use pb::product_service_server::ProductService;
use tonic::Request;

use super::convert::timestamp;
use super::{respond, ApiContext, RpcResult};
use crate::error::{Error, Result};
use crate::store::products::{self, ProductRecord};

/// Serves `fnosync.v1.ProductService`.
pub struct ProductApi {
    ctx: ApiContext,
}

/// Checks a Salesforce record Id: 15 or 18 letters and digits with the object's key prefix.
pub fn validate_salesforce_id(id: &str, key_prefix: &str, object: &str) -> Result<(), String> {
    let well_formed = matches!(id.len(), 15 | 18) && id.chars().all(|c| c.is_ascii_alphanumeric());
    if !well_formed {
        return Err(format!(
            "{id:?} is not a Salesforce Id (15 or 18 letters and digits)"
        ));
    }
    if !id.starts_with(key_prefix) {
        return Err(format!(
            "{id:?} is not a {object} Id (those start with {key_prefix})"
        ));
    }
    Ok(())
}

fn to_proto(record: ProductRecord) -> pb::Product {
    let mut problems = Vec::new();
    if !record.sync_included {
        problems.push("\"Include in FlexNet Operations Sync\" is not set".to_string());
    }
    problems.push(
        "readiness in FNO and Salesforce is read once both connections are verified".to_string(),
    );
    pb::Product {
        salesforce_product_id: record.salesforce_product_id,
        name: record.name,
        product_code: record.product_code,
        sync_included: record.sync_included,
        readiness_known: false,
        ready: false,
        problems,
        update_time: Some(timestamp(record.updated_at)),
        ..Default::default()
    }
}

impl ProductApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn set_included(
        &self,
        request: pb::SetProductSyncIncludedRequest,
    ) -> Result<pb::Product> {
        let id = request.salesforce_product_id.trim();
        validate_salesforce_id(id, "01t", "Product2")
            .map_err(|e| Error::invalid("salesforce_product_id", e))?;
        let record = products::set_product_included(
            &self.ctx.pool,
            id,
            request.included,
            request.name.trim(),
            request.product_code.trim(),
        )
        .await?;
        tracing::info!(product = %record.salesforce_product_id, included = record.sync_included, "product include flag set");
        Ok(to_proto(record))
    }
}

#[tonic::async_trait]
impl ProductService for ProductApi {
    async fn list_products(
        &self,
        request: Request<pb::ListProductsRequest>,
    ) -> RpcResult<pb::ListProductsResponse> {
        let not_ready_only = request.into_inner().not_ready_only;
        let records = products::list_products(&self.ctx.pool).await;
        respond(records.map(|records| {
            pb::ListProductsResponse {
                products: records
                    .into_iter()
                    .map(to_proto)
                    .filter(|p| !not_ready_only || !p.ready)
                    .collect(),
            }
        }))
    }

    async fn set_product_sync_included(
        &self,
        request: Request<pb::SetProductSyncIncludedRequest>,
    ) -> RpcResult<pb::SetProductSyncIncludedResponse> {
        let product = self.set_included(request.into_inner()).await;
        respond(product.map(|p| pb::SetProductSyncIncludedResponse { product: Some(p) }))
    }
}
