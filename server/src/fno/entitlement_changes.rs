//! Changes to existing entitlements through EntitlementOrderService v4:
//! header updates (`updateSimpleEntitlement`), line updates
//! (`updateEntitlementLineItem`) and renewals (`renewLicense`). Updates are
//! idempotent and may be retried; a renewal creates a line and is not.

use super::batch::{
    echo_value, failed_items, processed_outcome, BatchOutcome, FailedShape, Processed,
};
use super::client::FnoClient;
use super::codec::{
    format_date, write_attributes, write_expiration, write_id, write_start, write_term,
};
use super::entitlement_model::{
    EntitlementUpdate, Expiration, LineItemUpdate, LineRenewal, RenewedLine,
};
use super::entitlements::write_partners;
use super::error::FnoError;
use super::operations::{RENEW_LICENSE, UPDATE_ENTITLEMENT_LINE_ITEM, UPDATE_SIMPLE_ENTITLEMENT};
use super::xml::{Element, XmlWriter};

impl FnoClient {
    /// Updates entitlement headers (description, sold-to, ship-to, partners, attributes).
    pub async fn update_entitlements(
        &self,
        updates: &[EntitlementUpdate],
    ) -> Result<BatchOutcome<Processed>, FnoError> {
        let read = |root: &Element, offset, chunk: &[EntitlementUpdate]| {
            let keys: Vec<String> = chunk.iter().map(|u| u.entitlement_id.clone()).collect();
            processed_outcome(
                &UPDATE_SIMPLE_ENTITLEMENT,
                root,
                &UPDATE_SHAPE,
                &keys,
                offset,
            )
        };
        self.write_in_batches(
            &UPDATE_SIMPLE_ENTITLEMENT,
            updates,
            write_entitlement_updates,
            read,
        )
        .await
    }

    /// Updates one entitlement header.
    pub async fn update_entitlement(&self, update: &EntitlementUpdate) -> Result<(), FnoError> {
        self.update_entitlements(std::slice::from_ref(update))
            .await?
            .into_single(&UPDATE_SIMPLE_ENTITLEMENT)
            .map(|_| ())
    }

    /// Updates line items, one record per line, at most 25 lines per call.
    pub async fn update_line_items(
        &self,
        updates: &[LineItemUpdate],
    ) -> Result<BatchOutcome<Processed>, FnoError> {
        let read = |root: &Element, offset, chunk: &[LineItemUpdate]| {
            let keys: Vec<String> = chunk.iter().map(|u| u.activation_id.clone()).collect();
            processed_outcome(
                &UPDATE_ENTITLEMENT_LINE_ITEM,
                root,
                &UPDATE_LINE_SHAPE,
                &keys,
                offset,
            )
        };
        self.write_in_batches(
            &UPDATE_ENTITLEMENT_LINE_ITEM,
            updates,
            write_line_updates,
            read,
        )
        .await
    }

    /// Updates one line item.
    pub async fn update_line_item(&self, update: &LineItemUpdate) -> Result<(), FnoError> {
        self.update_line_items(std::slice::from_ref(update))
            .await?
            .into_single(&UPDATE_ENTITLEMENT_LINE_ITEM)
            .map(|_| ())
    }

    /// Renews line items: each renewal adds a line that continues its parent.
    /// Not idempotent: look the new line up by order ID before sending again.
    pub async fn renew_line_items(
        &self,
        renewals: &[LineRenewal],
    ) -> Result<BatchOutcome<RenewedLine>, FnoError> {
        self.write_in_batches(&RENEW_LICENSE, renewals, write_renewals, read_renewals)
            .await
    }
}

const UPDATE_SHAPE: FailedShape = FailedShape {
    item: "failedSimpleEntitlement",
    key_of: |echo| {
        echo_value(
            echo,
            &["entitlementIdentifier", "primaryKeys", "entitlementId"],
        )
    },
};
const UPDATE_LINE_SHAPE: FailedShape = FailedShape {
    item: "failedData",
    key_of: |echo| {
        echo_value(
            echo,
            &[
                "lineItemData",
                "lineItemIdentifier",
                "primaryKeys",
                "activationId",
            ],
        )
    },
};
const RENEW_SHAPE: FailedShape = FailedShape {
    item: "failedEntitlement",
    key_of: |echo| {
        echo_value(
            echo,
            &[
                "renewLineItemData",
                "parentLineItemIdentifier",
                "primaryKeys",
                "activationId",
            ],
        )
    },
};

fn write_entitlement_updates(writer: &mut XmlWriter, updates: &[EntitlementUpdate]) {
    for update in updates {
        writer
            .open("simpleEntitlement")
            .identifier(
                "entitlementIdentifier",
                "entitlementId",
                &update.entitlement_id,
            )
            .opt("description", update.description.as_deref())
            .opt("soldTo", update.sold_to.as_deref())
            .opt("shipToEmail", update.ship_to_email.as_deref())
            .opt("shipToAddress", update.ship_to_address.as_deref());
        if let Some(partners) = &update.channel_partners {
            write_partners(writer, partners);
        }
        write_attributes(writer, "entitlementAttributes", &update.attributes);
        writer.close("simpleEntitlement");
    }
}

fn write_line_updates(writer: &mut XmlWriter, updates: &[LineItemUpdate]) {
    for update in updates {
        writer
            .open("lineItemData")
            .identifier(
                "entitlementIdentifier",
                "entitlementId",
                &update.entitlement_id,
            )
            .open("lineItemData")
            .identifier("lineItemIdentifier", "activationId", &update.activation_id)
            .opt("description", update.description.as_deref());
        if let Some(part) = &update.part_number {
            writer.identifier("partNumber", "partId", part);
        }
        writer
            .opt("orderId", update.order_id.as_deref())
            .opt("orderLineNumber", update.order_line_number.as_deref());
        if let Some(copies) = update.number_of_copies {
            writer.number("numberOfCopies", copies);
        }
        if let Some(start) = update.start {
            write_start(writer, start);
        }
        if let Some(expiration) = update.expiration {
            write_expiration(writer, expiration);
        }
        write_attributes(writer, "lineItemAttributes", &update.attributes);
        writer.close("lineItemData").close("lineItemData");
    }
}

fn write_renewals(writer: &mut XmlWriter, renewals: &[LineRenewal]) {
    for renewal in renewals {
        writer
            .open("entitlementData")
            .identifier(
                "parentEntitlementIdentifier",
                "entitlementId",
                &renewal.entitlement_id,
            )
            .open("renewLineItemData")
            .identifier(
                "parentLineItemIdentifier",
                "activationId",
                &renewal.activation_id,
            )
            .open("renewParameters");
        write_id(writer, "activationId", renewal.new_activation_id.as_deref());
        write_renewal_terms(writer, renewal.expiration);
        if let Some(copies) = renewal.number_of_copies {
            writer.number("numberOfCopies", copies);
        }
        if let Some(start) = renewal.start {
            write_start(writer, start);
        }
        writer
            .opt("description", renewal.description.as_deref())
            .opt("orderId", renewal.order_id.as_deref())
            .opt("orderLineNumber", renewal.order_line_number.as_deref())
            .close("renewParameters");
        // `numberOfCopies` counts only when the renewal is not full (fno-soap.md §3.4).
        writer
            .opt_bool("isFull", renewal.number_of_copies.map(|_| false))
            .bool("autoDeploy", renewal.auto_deploy)
            .close("renewLineItemData")
            .close("entitlementData");
    }
}

// renewParameters carries `isPermanent?` then `expirationTerms? {term?, expirationDate?}`.
fn write_renewal_terms(writer: &mut XmlWriter, expiration: Option<Expiration>) {
    match expiration {
        None => {}
        Some(Expiration::Permanent) => {
            writer.bool("isPermanent", true);
        }
        Some(Expiration::Term { count, unit }) => {
            writer.bool("isPermanent", false).open("expirationTerms");
            write_term(writer, "term", count, unit);
            writer.close("expirationTerms");
        }
        Some(Expiration::On(date)) => {
            writer
                .bool("isPermanent", false)
                .open("expirationTerms")
                .leaf("expirationDate", &format_date(date))
                .close("expirationTerms");
        }
    }
}

fn read_renewals(
    root: &Element,
    offset: usize,
    chunk: &[LineRenewal],
) -> Result<BatchOutcome<RenewedLine>, FnoError> {
    let keys: Vec<String> = chunk.iter().map(|r| r.activation_id.clone()).collect();
    let renewed = root
        .child("responseData")
        .into_iter()
        .flat_map(|data| data.children_named("entitlementData"))
        .flat_map(|data| data.children_named("renewedLineItem"));
    let mut succeeded = Vec::new();
    for item in renewed {
        let parent = item.value_at(&["parentLineItemIdentifier", "primaryKeys", "activationId"]);
        let new_id = item.value_at(&["newLineItem", "activationId"]);
        let (Some(parent), Some(new_id)) = (parent, new_id) else {
            continue;
        };
        if let Some(position) = keys.iter().position(|key| key == parent) {
            succeeded.push(RenewedLine {
                index: offset + position,
                parent_activation_id: parent.to_string(),
                activation_id: new_id.to_string(),
            });
        }
    }
    let done: Vec<usize> = succeeded.iter().map(|r| r.index - offset).collect();
    let failed = failed_items(&RENEW_LICENSE, root, &RENEW_SHAPE, &keys, &done, offset)?;
    Ok(BatchOutcome { succeeded, failed })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::fno::entitlement_model::DurationUnit;
    use crate::fno::xml::parse;

    #[test]
    fn a_line_update_names_entitlement_and_line() {
        let mut writer = XmlWriter::new();
        let update = LineItemUpdate {
            entitlement_id: "E-1".into(),
            activation_id: "A-1".into(),
            number_of_copies: Some(12),
            expiration: Some(Expiration::On(
                NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            )),
            ..LineItemUpdate::default()
        };
        write_line_updates(&mut writer, &[update]);
        assert_eq!(
            writer.finish(),
            "<lineItemData><entitlementIdentifier><primaryKeys><entitlementId>E-1</entitlementId></primaryKeys></entitlementIdentifier>\
             <lineItemData><lineItemIdentifier><primaryKeys><activationId>A-1</activationId></primaryKeys></lineItemIdentifier>\
             <numberOfCopies>12</numberOfCopies><isPermanent>false</isPermanent><expirationDate>2026-01-01</expirationDate>\
             </lineItemData></lineItemData>"
        );
    }

    #[test]
    fn a_renewal_puts_its_term_in_expiration_terms() {
        let renewal = LineRenewal {
            entitlement_id: "E-1".into(),
            activation_id: "A-1".into(),
            new_activation_id: None,
            number_of_copies: Some(5),
            start: None,
            expiration: Some(Expiration::Term {
                count: 1,
                unit: DurationUnit::Years,
            }),
            description: None,
            order_id: Some("006R".into()),
            order_line_number: None,
            auto_deploy: false,
        };
        let mut writer = XmlWriter::new();
        write_renewals(&mut writer, &[renewal]);
        assert_eq!(
            writer.finish(),
            "<entitlementData><parentEntitlementIdentifier><primaryKeys><entitlementId>E-1</entitlementId></primaryKeys></parentEntitlementIdentifier>\
             <renewLineItemData><parentLineItemIdentifier><primaryKeys><activationId>A-1</activationId></primaryKeys></parentLineItemIdentifier>\
             <renewParameters><activationId><autoGenerate>true</autoGenerate></activationId><isPermanent>false</isPermanent>\
             <expirationTerms><term><numDuration>1</numDuration><durationUnit>YEARS</durationUnit></term></expirationTerms>\
             <numberOfCopies>5</numberOfCopies><orderId>006R</orderId></renewParameters>\
             <isFull>false</isFull><autoDeploy>false</autoDeploy></renewLineItemData></entitlementData>"
        );
    }

    #[test]
    fn renewals_are_read_by_parent_activation_id() {
        let root = parse(
            b"<renewLicenseResponse><statusInfo><status>SUCCESS</status></statusInfo><responseData><entitlementData>\
            <entitlementRecordRefNo>1</entitlementRecordRefNo><parentEntitlementIdentifier><primaryKeys><entitlementId>E-1</entitlementId></primaryKeys></parentEntitlementIdentifier>\
            <renewedLineItem><lineItemRecordRefNo>1</lineItemRecordRefNo><parentLineItemIdentifier><primaryKeys><activationId>A-2</activationId></primaryKeys></parentLineItemIdentifier>\
            <newLineItem><uniqueId>HID-5</uniqueId><activationId>N-1</activationId></newLineItem></renewedLineItem>\
            </entitlementData></responseData></renewLicenseResponse>",
        )
        .expect("xml");
        let renewal = |id: &str| LineRenewal {
            entitlement_id: "E-1".into(),
            activation_id: id.into(),
            new_activation_id: None,
            number_of_copies: None,
            start: None,
            expiration: None,
            description: None,
            order_id: None,
            order_line_number: None,
            auto_deploy: false,
        };
        let outcome = read_renewals(&root, 0, &[renewal("A-1"), renewal("A-2")]).expect("outcome");
        assert_eq!(outcome.succeeded.len(), 1);
        assert_eq!(outcome.succeeded[0].index, 1);
        assert_eq!(outcome.succeeded[0].activation_id, "N-1");
    }
}
