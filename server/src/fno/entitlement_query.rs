//! Entitlement reads through EntitlementOrderService v4: line items with
//! their write-back fields (`getEntitlementLineItemPropertiesQuery`) and
//! whole entitlements (`getEntitlementsQuery`), by entitlement ID, sold-to
//! account, order ID / order line (the look-up before a create) or change time.

use chrono::{DateTime, NaiveDate, Utc};

use super::accounts::{AFTER, EQUALS};
use super::batch::require_success;
use super::client::FnoClient;
use super::codec::{format_date, format_datetime, parse_date, parse_datetime};
use super::entitlement_model::{DurationUnit, EntitlementRecord, EntitlementState, LineItemRecord};
use super::error::FnoError;
use super::operations::{GET_ENTITLEMENTS_QUERY, GET_LINE_ITEM_PROPERTIES_QUERY};
use super::xml::{Element, XmlWriter};

/// Filters of a line-item query; unset fields do not filter. All text filters match exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineItemQuery {
    /// Entitlement ID.
    pub entitlement_id: Option<String>,
    /// Activation ID.
    pub activation_id: Option<String>,
    /// Order ID (the Salesforce Opportunity Id the line was stamped with).
    pub order_id: Option<String>,
    /// Order line number (the Salesforce OpportunityLineItem Id).
    pub order_line_number: Option<String>,
    /// Sold-to account ID.
    pub sold_to: Option<String>,
    /// Only lines changed after this time.
    pub modified_after: Option<DateTime<Utc>>,
}

impl LineItemQuery {
    /// Lines of one entitlement.
    pub fn by_entitlement(entitlement_id: &str) -> Self {
        Self {
            entitlement_id: Some(entitlement_id.to_string()),
            ..Self::default()
        }
    }

    /// Lines stamped with an order ID and, when given, an order line number.
    pub fn by_order(order_id: &str, order_line_number: Option<&str>) -> Self {
        Self {
            order_id: Some(order_id.to_string()),
            order_line_number: order_line_number.map(str::to_string),
            ..Self::default()
        }
    }

    /// Lines of the entitlements sold to an account.
    pub fn by_sold_to(account_id: &str) -> Self {
        Self {
            sold_to: Some(account_id.to_string()),
            ..Self::default()
        }
    }

    /// Lines changed after `since` (incremental FNO → Salesforce).
    pub fn modified_after(since: DateTime<Utc>) -> Self {
        Self {
            modified_after: Some(since),
            ..Self::default()
        }
    }
}

/// Filters of an entitlement query; unset fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntitlementQuery {
    /// Entitlement ID.
    pub entitlement_id: Option<String>,
    /// Sold-to account ID.
    pub sold_to: Option<String>,
    /// Only entitlements changed after this day (FNO filters entitlements by date only).
    pub modified_after: Option<NaiveDate>,
}

/// Fields of `entitlementLineItemResponseConfig` the client asks for, in the schema's order.
const LINE_FIELDS: [&str; 20] = [
    "activationId",
    "description",
    "state",
    "orderId",
    "orderLineNumber",
    "entitlementId",
    "soldTo",
    "entitlementState",
    "product",
    "partNumber",
    "startDate",
    "startDateOption",
    "isPermanent",
    "term",
    "expirationDate",
    "numberOfCopies",
    "fulfilledAmount",
    "numberOfRemainingCopies",
    "createdOnDateTime",
    "lastModifiedDateTime",
];

impl FnoClient {
    /// Lists the line items matching `query` with their activation IDs and counts.
    pub async fn find_line_items(
        &self,
        query: &LineItemQuery,
    ) -> Result<Vec<LineItemRecord>, FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            write_line_query(writer, query, page, size)
        };
        self.query_all(&GET_LINE_ITEM_PROPERTIES_QUERY, build, read_line_properties)
            .await
    }

    /// Reads page `page` (from 1) of the line items matching `query`; tells
    /// whether it is the last page.
    pub async fn find_line_items_page(
        &self,
        query: &LineItemQuery,
        page: usize,
    ) -> Result<(Vec<LineItemRecord>, bool), FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            write_line_query(writer, query, page, size)
        };
        self.query_page(
            &GET_LINE_ITEM_PROPERTIES_QUERY,
            page,
            build,
            read_line_properties,
        )
        .await
    }

    /// Lists the entitlements matching `query` with their lines.
    pub async fn find_entitlements(
        &self,
        query: &EntitlementQuery,
    ) -> Result<Vec<EntitlementRecord>, FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            write_entitlement_query(writer, query, page, size)
        };
        self.query_all(&GET_ENTITLEMENTS_QUERY, build, read_entitlements)
            .await
    }

    /// Finds the entitlement with ID `entitlement_id`.
    pub async fn find_entitlement(
        &self,
        entitlement_id: &str,
    ) -> Result<Option<EntitlementRecord>, FnoError> {
        let query = EntitlementQuery {
            entitlement_id: Some(entitlement_id.to_string()),
            ..EntitlementQuery::default()
        };
        let found = self.find_entitlements(&query).await?;
        Ok(found
            .into_iter()
            .find(|e| e.entitlement_id == entitlement_id))
    }
}

// `searchActivatableItemDataType` order: entitlementId, activationId, …,
// orderId, orderLineNumber, …, soldTo, …, lastModifiedDateTime.
fn write_line_query(writer: &mut XmlWriter, query: &LineItemQuery, page: usize, size: usize) {
    let texts = [
        ("entitlementId", &query.entitlement_id),
        ("activationId", &query.activation_id),
        ("orderId", &query.order_id),
        ("orderLineNumber", &query.order_line_number),
        ("soldTo", &query.sold_to),
    ];
    writer.open("queryParams");
    for (name, value) in texts {
        if let Some(value) = value {
            writer.simple_query(name, value, EQUALS);
        }
    }
    if let Some(since) = query.modified_after {
        writer.simple_query("lastModifiedDateTime", &format_datetime(since), AFTER);
    }
    writer
        .close("queryParams")
        .open("entitlementLineItemResponseConfig");
    for field in LINE_FIELDS {
        writer.bool(field, true);
    }
    writer
        .close("entitlementLineItemResponseConfig")
        .number("batchSize", size)
        .number("pageNumber", page);
}

fn read_line_properties(root: &Element) -> Result<Vec<LineItemRecord>, FnoError> {
    require_success(&GET_LINE_ITEM_PROPERTIES_QUERY, root)?;
    Ok(root
        .children_named("entitlementLineItem")
        .map(|line| LineItemRecord {
            activation_id: line
                .value_at(&["activationId", "primaryKeys", "activationId"])
                .unwrap_or_default()
                .to_string(),
            entitlement_id: string_at(line, &["entitlementId", "primaryKeys", "entitlementId"]),
            sold_to: string_at(line, &["soldTo", "primaryKeys", "id"]),
            entitlement_state: line
                .value("entitlementState")
                .and_then(EntitlementState::parse),
            fulfilled_amount: line.int_of("fulfilledAmount"),
            ..read_line_common(line)
        })
        .collect())
}

/// Reads the fields line properties and entitlement lines share.
fn read_line_common(line: &Element) -> LineItemRecord {
    let product = line.at(&["product", "primaryKeys"]).and_then(|keys| {
        Some((
            keys.string("name")?,
            keys.string("version").unwrap_or_default(),
        ))
    });
    let term = line.child("term").and_then(|term| {
        Some((
            term.int_of("numDuration")?,
            DurationUnit::parse(term.value("durationUnit")?)?,
        ))
    });
    LineItemRecord {
        description: line.string("description"),
        state: line.value("state").and_then(EntitlementState::parse),
        part_number: line
            .at(&["partNumber", "primaryKeys", "partId"])
            .map(|id| id.text.clone()),
        product,
        order_id: line.string("orderId"),
        order_line_number: line.string("orderLineNumber"),
        number_of_copies: line.int_of("numberOfCopies"),
        remaining_copies: line.int_of("numberOfRemainingCopies"),
        start_date: line.value("startDate").and_then(parse_date),
        start_date_option: line.string("startDateOption"),
        is_permanent: line.bool_of("isPermanent"),
        term,
        expiration_date: line.value("expirationDate").and_then(parse_date),
        created_on: line.value("createdOnDateTime").and_then(parse_datetime),
        last_modified: line.value("lastModifiedDateTime").and_then(parse_datetime),
        ..LineItemRecord::default()
    }
}

fn string_at(element: &Element, path: &[&str]) -> Option<String> {
    element.value_at(path).map(str::to_string)
}

// `searchEntitlementDataType` order: entitlementId, …, soldTo, …, lastModifiedDate;
// then batchSize before pageNumber (EOS searches differ from the other services).
fn write_entitlement_query(
    writer: &mut XmlWriter,
    query: &EntitlementQuery,
    page: usize,
    size: usize,
) {
    writer.open("entitlementSearchCriteria");
    if let Some(id) = &query.entitlement_id {
        writer.simple_query("entitlementId", id, EQUALS);
    }
    if let Some(sold_to) = &query.sold_to {
        writer.simple_query("soldTo", sold_to, EQUALS);
    }
    if let Some(day) = query.modified_after {
        writer.simple_query("lastModifiedDate", &format_date(day), AFTER);
    }
    writer
        .close("entitlementSearchCriteria")
        .number("batchSize", size)
        .number("pageNumber", page);
}

fn read_entitlements(root: &Element) -> Result<Vec<EntitlementRecord>, FnoError> {
    require_success(&GET_ENTITLEMENTS_QUERY, root)?;
    Ok(root
        .children_named("entitlement")
        .filter_map(|entitlement| entitlement.child("simpleEntitlement"))
        .map(read_entitlement)
        .collect())
}

fn read_entitlement(data: &Element) -> EntitlementRecord {
    let entitlement_id = data.value_at(&["entitlementId", "id"]).unwrap_or_default();
    let sold_to = data.string("soldTo");
    let state = data.value("state").and_then(EntitlementState::parse);
    let line_items = data
        .children_named("lineItems")
        .map(|line| LineItemRecord {
            activation_id: line
                .value_at(&["activationId", "id"])
                .unwrap_or_default()
                .to_string(),
            entitlement_id: Some(entitlement_id.to_string()),
            sold_to: sold_to.clone(),
            entitlement_state: state,
            fulfilled_amount: line.int_of("fulfilledCount"),
            ..read_line_common(line)
        })
        .collect();
    EntitlementRecord {
        entitlement_id: entitlement_id.to_string(),
        description: data.string("description"),
        sold_to,
        ship_to_email: data.string("shipToEmail"),
        ship_to_address: data.string("shipToAddress"),
        state,
        last_modified: data.value("lastModifiedDateTime").and_then(parse_datetime),
        line_items,
    }
}

#[cfg(test)]
#[path = "entitlement_query_tests.rs"]
mod tests;
