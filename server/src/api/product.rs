//! `ProductService`: products with their readiness on both sides (spec §3),
//! and the "Include in FlexNet Operations Sync" flag, which lives on the
//! Salesforce product and is mirrored in PostgreSQL.

use fnosync_proto::v1 as pb;
use pb::product_service_server::ProductService;
use tonic::Request;

use super::convert::timestamp;
use super::{connections, respond, ApiContext, RpcResult};
use crate::error::{Error, Result};
use crate::salesforce::{fields, Product, ProductFilter, SalesforceClient};
use crate::store::products::{self, ProductRecord};
use crate::sync::clients::stored_fno_client;
use crate::sync::rules::{product_problems, PartCatalog, ProductFacts};

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

fn stored_product(record: ProductRecord) -> pb::Product {
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

/// Judges one Salesforce product against FNO's part numbers with the rules
/// the sync applies to its lines.
fn live_product(product: Product, catalog: &PartCatalog) -> pb::Product {
    let code = product.product_code.clone().unwrap_or_default();
    let candidates = catalog.candidates(&code);
    let exact = candidates.iter().find(|(part, _)| *part == code);
    let facts = ProductFacts {
        product_code: product.product_code.as_deref(),
        active: product.is_active,
        included: product.include_in_sync,
        fno_candidates: candidates.iter().map(|(p, d)| (p.as_str(), *d)).collect(),
    };
    let problems = product_problems(&facts);
    pb::Product {
        salesforce_product_id: product.id,
        name: product.name,
        product_code: code.clone(),
        sync_included: product.include_in_sync,
        salesforce_active: product.is_active,
        fno_exists: !candidates.is_empty(),
        fno_part_number: exact
            .or(candidates.first())
            .map(|(p, _)| p.clone())
            .unwrap_or_default(),
        fno_deployed: exact.is_some_and(|(_, deployed)| *deployed),
        code_matches_part_number: exact.is_some(),
        readiness_known: true,
        ready: problems.is_empty(),
        problems,
        update_time: None,
    }
}

impl ProductApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn connected(&self) -> Result<bool> {
        match connections::require_verified_connections(&self.ctx).await {
            Ok(()) => Ok(true),
            Err(Error::FailedPrecondition(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn salesforce(&self) -> Result<SalesforceClient> {
        self.ctx.salesforce_client().await
    }

    /// Reads the products from both systems and judges each one.
    async fn live_products(&self) -> Result<Vec<pb::Product>> {
        let ctx = &self.ctx;
        let unavailable = |system: &str, e: &dyn std::fmt::Display| {
            Error::Unavailable(format!("cannot read the products from {system}: {e}"))
        };
        let sf_products = self
            .salesforce()
            .await?
            .read_products(&ProductFilter::All)
            .await
            .map_err(|e| unavailable("Salesforce", &e))?;
        let fno = stored_fno_client(&ctx.pool, &ctx.secret_box, &ctx.outbound).await?;
        let fno_products = fno
            .list_products()
            .await
            .map_err(|e| unavailable("FNO", &e))?;
        let catalog = PartCatalog::of_products(&fno_products);
        Ok(sf_products
            .into_iter()
            .map(|product| live_product(product, &catalog))
            .collect())
    }

    async fn list(&self, not_ready_only: bool) -> Result<Vec<pb::Product>> {
        let listed = if self.connected().await? {
            self.live_products().await?
        } else {
            products::list_products(&self.ctx.pool)
                .await?
                .into_iter()
                .map(stored_product)
                .collect()
        };
        Ok(listed
            .into_iter()
            .filter(|p| !not_ready_only || !p.ready)
            .collect())
    }

    async fn set_included(
        &self,
        request: pb::SetProductSyncIncludedRequest,
    ) -> Result<pb::Product> {
        let id = request.salesforce_product_id.trim();
        validate_salesforce_id(id, "01t", "Product2")
            .map_err(|e| Error::invalid("salesforce_product_id", e))?;
        if self.connected().await? {
            // The flag is a field of the Salesforce product; set it there first.
            self.salesforce()
                .await?
                .update_record(
                    "Product2",
                    id,
                    &serde_json::json!({ fields::INCLUDE_IN_SYNC: request.included }),
                )
                .await
                .map_err(|e| {
                    Error::FailedPrecondition(format!(
                        "Salesforce refused the change of product {id}: {e}"
                    ))
                })?;
        }
        let record = products::set_product_included(
            &self.ctx.pool,
            id,
            request.included,
            request.name.trim(),
            request.product_code.trim(),
        )
        .await?;
        tracing::info!(product = %record.salesforce_product_id, included = record.sync_included, "product include flag set");
        if self.connected().await? {
            if let Some(live) = self
                .live_products()
                .await?
                .into_iter()
                .find(|p| p.salesforce_product_id == id)
            {
                return Ok(live);
            }
        }
        Ok(stored_product(record))
    }
}

#[tonic::async_trait]
impl ProductService for ProductApi {
    async fn list_products(
        &self,
        request: Request<pb::ListProductsRequest>,
    ) -> RpcResult<pb::ListProductsResponse> {
        let products = self.list(request.into_inner().not_ready_only).await;
        respond(products.map(|products| pb::ListProductsResponse { products }))
    }

    async fn set_product_sync_included(
        &self,
        request: Request<pb::SetProductSyncIncludedRequest>,
    ) -> RpcResult<pb::SetProductSyncIncludedResponse> {
        let product = self.set_included(request.into_inner()).await;
        respond(product.map(|p| pb::SetProductSyncIncludedResponse { product: Some(p) }))
    }
}
