//! Products and part numbers through ProductPackagingService v2, read only:
//! what the engine needs to check a product's readiness (spec §3: exists,
//! has a part number, deployed, product code equal to the part number).
//! Part numbers carry no state; readiness is their product's state.

use super::accounts::EQUALS;
use super::batch::require_success;
use super::client::FnoClient;
use super::error::FnoError;
use super::model::{PartNumber, Product};
use super::operations::{GET_PART_NUMBERS_QUERY, GET_PRODUCTS_QUERY};
use super::xml::{Element, XmlWriter};

/// Filters of `getProductsQuery`.
enum ProductFilter<'a> {
    All,
    PartNumber(&'a str),
    NameAndVersion(&'a str, &'a str),
}

impl FnoClient {
    /// Lists every product with its state and part numbers (one call per 2,000 products).
    pub async fn list_products(&self) -> Result<Vec<Product>, FnoError> {
        self.query_products(ProductFilter::All).await
    }

    /// Finds the products that part number `part_id` is mapped to (exact match).
    pub async fn find_products_by_part_number(
        &self,
        part_id: &str,
    ) -> Result<Vec<Product>, FnoError> {
        self.query_products(ProductFilter::PartNumber(part_id))
            .await
    }

    /// Finds part number `part_id` (exact match) with its product and the product's state.
    pub async fn find_part_number(&self, part_id: &str) -> Result<Option<PartNumber>, FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            writer
                .open("queryParams")
                .simple_query("partId", part_id, EQUALS)
                .close("queryParams")
                .number("pageNumber", page)
                .number("batchSize", size);
        };
        let parts = self
            .query_all(&GET_PART_NUMBERS_QUERY, build, read_part_numbers)
            .await?;
        let Some((mut part, mapped)) = parts.into_iter().find(|(part, _)| part.part_id == part_id)
        else {
            return Ok(None);
        };
        if let Some((name, version)) = mapped {
            let products = self
                .query_products(ProductFilter::NameAndVersion(&name, &version))
                .await?;
            part.product = products.into_iter().find(|product| {
                product.name == name && product.version.as_deref() == Some(&version)
            });
        }
        Ok(Some(part))
    }

    async fn query_products(&self, filter: ProductFilter<'_>) -> Result<Vec<Product>, FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            write_products_query(writer, &filter, page, size)
        };
        self.query_all(&GET_PRODUCTS_QUERY, build, read_products)
            .await
    }
}

fn write_products_query(
    writer: &mut XmlWriter,
    filter: &ProductFilter<'_>,
    page: usize,
    size: usize,
) {
    match filter {
        ProductFilter::All => {}
        ProductFilter::PartNumber(part_id) => {
            writer
                .open("queryParams")
                .simple_query("partNumber", part_id, EQUALS)
                .close("queryParams");
        }
        ProductFilter::NameAndVersion(name, version) => {
            writer
                .open("queryParams")
                .simple_query("productName", name, EQUALS)
                .simple_query("version", version, EQUALS)
                .close("queryParams");
        }
    }
    writer
        .number("pageNumber", page)
        .number("batchSize", size)
        .bool("returnContainedObjects", false);
}

fn read_products(root: &Element) -> Result<Vec<Product>, FnoError> {
    require_success(&GET_PRODUCTS_QUERY, root)?;
    let Some(data) = root.child("responseData") else {
        return Ok(Vec::new());
    };
    Ok(data.children_named("product").map(read_product).collect())
}

fn read_product(product: &Element) -> Product {
    let names_under = |list: &str, item: &str, key: &str| -> Vec<String> {
        product
            .child(list)
            .into_iter()
            .flat_map(|list| list.children_named(item))
            .filter_map(|item| item.value_at(&["primaryKeys", key]).map(str::to_string))
            .collect()
    };
    Product {
        unique_id: product.string("uniqueId").unwrap_or_default(),
        name: product.string("productName").unwrap_or_default(),
        version: product.string("version"),
        state: product.string("state").unwrap_or_default(),
        // Part numbers are compared exactly: keep FNO's spelling untrimmed.
        part_numbers: product
            .child("partNumbers")
            .into_iter()
            .flat_map(|list| list.children_named("partNumber"))
            .filter_map(|part| {
                part.at(&["primaryKeys", "partId"])
                    .map(|id| id.text.clone())
            })
            .collect(),
        license_models: names_under("licenseModels", "licenseModel", "name"),
    }
}

type MappedProduct = Option<(String, String)>;

fn read_part_numbers(root: &Element) -> Result<Vec<(PartNumber, MappedProduct)>, FnoError> {
    require_success(&GET_PART_NUMBERS_QUERY, root)?;
    let Some(data) = root.child("responseData") else {
        return Ok(Vec::new());
    };
    Ok(data
        .children_named("partNumber")
        .map(read_part_number)
        .collect())
}

fn read_part_number(part: &Element) -> (PartNumber, MappedProduct) {
    let part_id = part
        .at(&["partNumberIdentifier", "primaryKeys", "partId"])
        .map(|id| id.text.clone())
        .unwrap_or_default();
    let mapped = part.at(&["mappedProduct", "primaryKeys"]).and_then(|keys| {
        Some((
            keys.string("name")?,
            keys.string("version").unwrap_or_default(),
        ))
    });
    let number = PartNumber {
        part_id,
        description: part.string("description"),
        product: None,
        license_model: part
            .value_at(&["mappedLicenseModel", "primaryKeys", "name"])
            .map(str::to_string),
    };
    (number, mapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fno::xml::parse;

    #[test]
    fn products_query_asks_for_an_exact_part_number() {
        let mut writer = XmlWriter::new();
        write_products_query(&mut writer, &ProductFilter::PartNumber("SF01demo"), 1, 2000);
        assert_eq!(
            writer.finish(),
            "<queryParams><partNumber><value>SF01demo</value><searchType>EQUALS</searchType></partNumber></queryParams>\
             <pageNumber>1</pageNumber><batchSize>2000</batchSize><returnContainedObjects>false</returnContainedObjects>"
        );
    }

    #[test]
    fn products_are_read_with_state_and_part_numbers() {
        let root = parse(
            b"<getProductsQueryResponse><statusInfo><status>SUCCESS</status></statusInfo><responseData>\
            <product><uniqueId>HID-1</uniqueId><productName>SF-DemoProduct</productName><version>1.0</version>\
            <state>DEPLOYED</state><licenseModels><licenseModel><primaryKeys><name>Embedded Counted</name></primaryKeys></licenseModel></licenseModels>\
            <partNumbers><partNumber><uniqueId>HID-2</uniqueId><primaryKeys><partId>SF01demo</partId></primaryKeys></partNumber></partNumbers>\
            </product><product><uniqueId>HID-3</uniqueId><productName>GC3020</productName><state>DRAFT</state></product>\
            </responseData></getProductsQueryResponse>",
        )
        .expect("xml");
        let products = read_products(&root).expect("products");
        assert_eq!(products.len(), 2);
        assert!(products[0].is_deployed());
        assert_eq!(products[0].part_numbers, vec!["SF01demo".to_string()]);
        assert_eq!(
            products[0].license_models,
            vec!["Embedded Counted".to_string()]
        );
        assert!(!products[1].is_deployed());
        assert!(products[1].part_numbers.is_empty());
    }

    #[test]
    fn part_numbers_are_read_with_their_mapping() {
        let root = parse(
            b"<getPartNumbersQueryResponse><statusInfo><status>SUCCESS</status></statusInfo><responseData>\
            <partNumber><partNumberIdentifier><uniqueId>HID-2</uniqueId><primaryKeys><partId>SF01demo</partId></primaryKeys></partNumberIdentifier>\
            <description>d</description><creationDate>2025-01-01</creationDate><lastModifiedDate>2025-01-01</lastModifiedDate>\
            <mappedProduct><primaryKeys><name>SF-DemoProduct</name><version>1.0</version></primaryKeys></mappedProduct>\
            </partNumber></responseData></getPartNumbersQueryResponse>",
        )
        .expect("xml");
        let parts = read_part_numbers(&root).expect("parts");
        assert_eq!(parts[0].0.part_id, "SF01demo");
        assert_eq!(parts[0].1, Some(("SF-DemoProduct".into(), "1.0".into())));
    }
}
