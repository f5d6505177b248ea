//! ProductPackagingService reads: `getProductsQuery` (products with state,
//! licence models and part numbers) and `getPartNumbersQuery`. Part numbers
//! carry no state; readiness is the mapped product's DEPLOYED state.

use super::attributes::write_attributes;
use super::model::{PartNumber, Product};
use super::query::{date_matches, format_date, format_datetime, state_matches, text_matches};
use super::service::Ctx;
use super::soap::{write_status, SUCCESS};
use super::state::FnoState;
use super::xml::{Element, XmlWriter};

/// `getProductsQuery`.
pub fn products_query(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let params = body.child("queryParams");
    let contained = body.bool_of("returnContainedObjects").unwrap_or(false);
    let state: &FnoState = ctx.state;
    let matching = state
        .products
        .iter()
        .filter(|product| product_matches(state, product, params));
    let mut data = XmlWriter::new();
    let mut found = 0;
    for product in ctx.page.take(matching) {
        found += 1;
        write_product(state, &mut data, product, contained);
    }
    wrap_query(found, data)
}

fn part_numbers_of<'a>(
    state: &'a FnoState,
    product: &'a Product,
) -> impl Iterator<Item = &'a PartNumber> + 'a {
    state.part_numbers.iter().filter(move |part| {
        part.product
            .as_ref()
            .is_some_and(|(name, version)| *name == product.name && *version == product.version)
    })
}

fn product_matches(state: &FnoState, product: &Product, params: Option<&Element>) -> bool {
    let Some(params) = params else {
        return true;
    };
    let part_filter = params.child("partNumber");
    let part_ok = part_filter.is_none()
        || part_numbers_of(state, product)
            .any(|part| text_matches(part_filter, Some(&part.part_id)));
    text_matches(params.child("productName"), Some(&product.name))
        && text_matches(params.child("version"), Some(&product.version))
        && text_matches(params.child("description"), product.description.as_deref())
        && text_matches(
            params.child("licenseTechnology"),
            product.license_technology.as_deref(),
        )
        && state_matches(params.child("state"), &product.state)
        && date_matches(
            params.child("creationDate"),
            Some(product.created.date_naive()),
        )
        && date_matches(
            params.child("lastModifiedDate"),
            Some(product.last_modified.date_naive()),
        )
        && part_ok
}

fn write_product(state: &FnoState, writer: &mut XmlWriter, product: &Product, contained: bool) {
    writer
        .open("product")
        .leaf("uniqueId", &product.unique_id)
        .leaf("productName", &product.name)
        .leaf("version", &product.version)
        .opt("description", product.description.as_deref())
        .leaf("state", &product.state);
    if let Some(technology) = &product.license_technology {
        writer
            .open("licenseTechnology")
            .open("primaryKeys")
            .leaf("name", technology)
            .close("primaryKeys")
            .close("licenseTechnology");
    }
    if contained && !product.features.is_empty() {
        writer.open("features");
        for feature in &product.features {
            writer
                .open("feature")
                .open("featureIdentifier")
                .open("primaryKeys")
                .leaf("name", &feature.name)
                .leaf("version", &feature.version)
                .close("primaryKeys")
                .close("featureIdentifier")
                .leaf("count", &feature.count.to_string())
                .close("feature");
        }
        writer.close("features");
    }
    if !product.license_models.is_empty() {
        writer.open("licenseModels");
        for model in &product.license_models {
            write_model(state, writer, "licenseModel", model);
        }
        writer.close("licenseModels");
    }
    write_product_parts(state, writer, product);
    write_attributes(writer, "customAttributes", &product.custom_attributes);
    writer
        .leaf("creationDate", &format_datetime(product.created))
        .leaf("lastModifiedDate", &format_datetime(product.last_modified))
        .close("product");
}

fn write_product_parts(state: &FnoState, writer: &mut XmlWriter, product: &Product) {
    let mut parts = part_numbers_of(state, product).peekable();
    if parts.peek().is_none() {
        return;
    }
    writer.open("partNumbers");
    for part in parts {
        writer
            .open("partNumber")
            .leaf("uniqueId", &part.unique_id)
            .open("primaryKeys")
            .leaf("partId", &part.part_id)
            .close("primaryKeys");
        if let Some(model) = &part.license_model {
            write_model(state, writer, "licenseModel", model);
        }
        writer.close("partNumber");
    }
    writer.close("partNumbers");
}

fn write_model(state: &FnoState, writer: &mut XmlWriter, wrapper: &str, name: &str) {
    let unique_id = state
        .license_model(name)
        .map(|model| model.unique_id.as_str());
    writer
        .open(wrapper)
        .opt("uniqueId", unique_id)
        .open("primaryKeys")
        .leaf("name", name)
        .close("primaryKeys")
        .close(wrapper);
}

/// `getPartNumbersQuery`.
pub fn part_numbers_query(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let params = body.child("queryParams");
    let state: &FnoState = ctx.state;
    let matching = state
        .part_numbers
        .iter()
        .filter(|part| part_matches(part, params));
    let mut data = XmlWriter::new();
    let mut found = 0;
    for part in ctx.page.take(matching) {
        found += 1;
        write_part(state, &mut data, part);
    }
    wrap_query(found, data)
}

fn part_matches(part: &PartNumber, params: Option<&Element>) -> bool {
    let Some(params) = params else {
        return true;
    };
    let product_name = part.product.as_ref().map(|(name, _)| name.as_str());
    text_matches(params.child("partId"), Some(&part.part_id))
        && text_matches(params.child("description"), Some(&part.description))
        && text_matches(params.child("productName"), product_name)
        && text_matches(params.child("licenseModel"), part.license_model.as_deref())
        && date_matches(
            params.child("creationDate"),
            Some(part.created.date_naive()),
        )
        && date_matches(
            params.child("lastModifiedDate"),
            Some(part.last_modified.date_naive()),
        )
        && params
            .bool_of("unmappedWithProduct")
            .is_none_or(|u| !u || part.product.is_none())
        && params
            .bool_of("unmappedWithLicenseModel")
            .is_none_or(|u| !u || part.license_model.is_none())
}

fn write_part(state: &FnoState, writer: &mut XmlWriter, part: &PartNumber) {
    writer
        .open("partNumber")
        .open("partNumberIdentifier")
        .leaf("uniqueId", &part.unique_id)
        .open("primaryKeys")
        .leaf("partId", &part.part_id)
        .close("primaryKeys")
        .close("partNumberIdentifier")
        .leaf("description", &part.description)
        .leaf("creationDate", &format_date(part.created.date_naive()))
        .leaf(
            "lastModifiedDate",
            &format_date(part.last_modified.date_naive()),
        );
    if let Some((name, version)) = &part.product {
        let unique_id = state.product(name, version).map(|p| p.unique_id.as_str());
        writer
            .open("mappedProduct")
            .opt("uniqueId", unique_id)
            .open("primaryKeys")
            .leaf("name", name)
            .leaf("version", version)
            .close("primaryKeys")
            .close("mappedProduct");
    }
    if let Some(model) = &part.license_model {
        write_model(state, writer, "mappedLicenseModel", model);
    }
    writer.close("partNumber");
}

/// Wraps query records: SUCCESS, and `responseData` only when something matched.
pub fn wrap_query(found: usize, data: XmlWriter) -> String {
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    if found > 0 {
        writer
            .open("responseData")
            .raw(&data.finish())
            .close("responseData");
    }
    writer.finish()
}
