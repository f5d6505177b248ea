//! `products list|include|exclude`: whether products are ready to sync on
//! both sides, and the "Include in FlexNet Operations Sync" flag.

use clap::Subcommand;
use fnosync_client::proto;
use serde_json::json;

use crate::exit::Failure;
use crate::output::{time_json, Tone};
use crate::Context;

#[derive(Subcommand)]
pub enum ProductsCommand {
    /// Lists products with their readiness.
    List {
        /// Only products that are not ready, with the reasons.
        #[arg(long)]
        not_ready: bool,
    },
    /// Includes a product in the sync.
    Include {
        /// Salesforce Product2 Id (prefix 01t).
        product_id: String,
        /// Name to record when the product is not known yet.
        #[arg(long, default_value = "")]
        name: String,
        /// Product Code to record when the product is not known yet.
        #[arg(long, default_value = "")]
        code: String,
    },
    /// Excludes a product from the sync.
    Exclude {
        /// Salesforce Product2 Id (prefix 01t).
        product_id: String,
    },
}

pub async fn run(ctx: &Context, command: &ProductsCommand) -> Result<u8, Failure> {
    let mut products = ctx.client.products();
    match command {
        ProductsCommand::List { not_ready } => {
            let request = proto::ListProductsRequest {
                not_ready_only: *not_ready,
            };
            for product in &products.list_products(request).await?.into_inner().products {
                print_product(ctx, product);
            }
        }
        ProductsCommand::Include {
            product_id,
            name,
            code,
        } => {
            let request = proto::SetProductSyncIncludedRequest {
                salesforce_product_id: product_id.clone(),
                included: true,
                name: name.clone(),
                product_code: code.clone(),
            };
            let changed = products.set_product_sync_included(request).await?;
            print_product(ctx, &changed.into_inner().product.unwrap_or_default());
        }
        ProductsCommand::Exclude { product_id } => {
            let request = proto::SetProductSyncIncludedRequest {
                salesforce_product_id: product_id.clone(),
                included: false,
                ..Default::default()
            };
            let changed = products.set_product_sync_included(request).await?;
            print_product(ctx, &changed.into_inner().product.unwrap_or_default());
        }
    }
    Ok(0)
}

fn print_product(ctx: &Context, product: &proto::Product) {
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "salesforce_product_id": product.salesforce_product_id, "name": product.name,
            "product_code": product.product_code, "sync_included": product.sync_included,
            "salesforce_active": product.salesforce_active, "fno_exists": product.fno_exists,
            "fno_part_number": product.fno_part_number, "fno_deployed": product.fno_deployed,
            "code_matches_part_number": product.code_matches_part_number,
            "readiness_known": product.readiness_known, "ready": product.ready,
            "problems": product.problems, "update_time": time_json(product.update_time.as_ref()),
        }));
        return;
    }
    let (tone, readiness) = match (product.readiness_known, product.ready) {
        (_, true) => (Tone::Good, "ready"),
        (true, false) => (Tone::Bad, "not ready"),
        (false, false) => (Tone::Muted, "unknown"),
    };
    let included = if product.sync_included {
        "included"
    } else {
        "excluded"
    };
    println!(
        "{:<18}  {:<14}  {:<30}  {:<8}  {}",
        product.salesforce_product_id,
        product.product_code,
        product.name,
        included,
        ctx.printer.paint(tone, readiness)
    );
    for problem in &product.problems {
        println!("    {problem}");
    }
}
