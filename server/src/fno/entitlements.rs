//! Entitlement writes through EntitlementOrderService v4: create simple
//! entitlements with their lines, add lines, and set the state. Updates and
//! renewals are in `entitlement_changes.rs`, reads in `entitlement_query.rs`.
//!
//! Whether FNO counts nested line items toward its 25-record write limit is
//! not documented; the client keeps both the records and the lines of one
//! call at 25 or fewer, and adds an entitlement's further lines in more calls.

use std::ops::Range;

use super::batch::{
    echo_value, failed_items, processed_outcome, BatchOutcome, FailedShape, Processed,
    MAX_WRITE_RECORDS,
};
use super::client::FnoClient;
use super::codec::{write_attributes, write_id, write_new_line};
use super::entitlement_model::{
    AddedLines, ChannelPartner, CreatedEntitlement, CreatedLine, EntitlementState, LineAddition,
    NewEntitlement, NewLineItem,
};
use super::error::FnoError;
use super::operations::{
    CREATE_ENTITLEMENT_LINE_ITEM, CREATE_SIMPLE_ENTITLEMENT, SET_ENTITLEMENT_STATE,
    SET_LINE_ITEM_STATE,
};
use super::xml::{Element, XmlWriter};

impl FnoClient {
    /// Creates entitlements with their lines and returns the entitlement and
    /// activation IDs FNO assigned. Each entitlement is atomic in FNO; one
    /// with more than 25 lines is created with 25 and completed by
    /// `add_line_items` calls. When a call fails, the entitlements of earlier
    /// calls exist: look them up by order ID before creating again.
    pub async fn create_entitlements(
        &self,
        entitlements: &[NewEntitlement],
    ) -> Result<BatchOutcome<CreatedEntitlement>, FnoError> {
        entitlements.iter().try_for_each(check_creatable)?;
        let mut outcome = BatchOutcome::default();
        for group in plan_calls(entitlements) {
            let chunk = &entitlements[group.clone()];
            let mut writer = XmlWriter::new();
            write_create_entitlements(&mut writer, chunk);
            let root = self
                .call(&CREATE_SIMPLE_ENTITLEMENT, &writer.finish())
                .await?;
            let mut part = read_created_entitlements(&root, group.start, chunk)?;
            for created in &mut part.succeeded {
                let input = &entitlements[created.index];
                self.add_overflow_lines(created, input).await?;
            }
            outcome.extend(part);
        }
        Ok(outcome)
    }

    /// Creates one entitlement; FNO's refusal becomes `FnoError::Rejected`.
    pub async fn create_entitlement(
        &self,
        entitlement: &NewEntitlement,
    ) -> Result<CreatedEntitlement, FnoError> {
        self.create_entitlements(std::slice::from_ref(entitlement))
            .await?
            .into_single(&CREATE_SIMPLE_ENTITLEMENT)
    }

    async fn add_overflow_lines(
        &self,
        created: &mut CreatedEntitlement,
        input: &NewEntitlement,
    ) -> Result<(), FnoError> {
        let Some(rest) = input.line_items.get(MAX_WRITE_RECORDS..) else {
            return Ok(());
        };
        let deploy = input.state == EntitlementState::Deployed;
        let added = self
            .add_line_items(&created.entitlement_id, rest, deploy)
            .await?;
        created.lines.extend(added.into_iter().map(|mut line| {
            line.line_index += MAX_WRITE_RECORDS;
            line
        }));
        Ok(())
    }

    /// Adds lines to an existing entitlement in records of at most 25 lines and
    /// returns them with their activation IDs (`line_index` counts within `lines`).
    /// Not idempotent: a call that got no answer may have added them.
    pub async fn add_line_items(
        &self,
        entitlement_id: &str,
        lines: &[NewLineItem],
        deploy: bool,
    ) -> Result<Vec<CreatedLine>, FnoError> {
        let additions: Vec<LineAddition> = lines
            .chunks(MAX_WRITE_RECORDS)
            .map(|chunk| LineAddition {
                entitlement_id: entitlement_id.to_string(),
                lines: chunk.to_vec(),
                deploy,
            })
            .collect();
        let mut outcome = self.add_lines(&additions).await?;
        if let Some(failure) = outcome.failed.pop() {
            return Err(FnoError::Rejected {
                operation: CREATE_ENTITLEMENT_LINE_ITEM.name,
                reason: failure.reason,
            });
        }
        Ok(outcome
            .succeeded
            .into_iter()
            .flat_map(|added| {
                let offset = added.index * MAX_WRITE_RECORDS;
                added.lines.into_iter().map(move |mut line| {
                    line.line_index += offset;
                    line
                })
            })
            .collect())
    }

    /// Adds lines to existing entitlements, one record per addition (each at
    /// most 25 lines), 25 records per call. A refused record fails alone
    /// with FNO's reason; the others' lines come back with their activation IDs.
    pub async fn add_lines(
        &self,
        additions: &[LineAddition],
    ) -> Result<BatchOutcome<AddedLines>, FnoError> {
        if let Some(long) = additions.iter().find(|a| a.lines.len() > MAX_WRITE_RECORDS) {
            return Err(FnoError::InvalidRequest(format!(
                "{} lines for entitlement {} in one record; at most {MAX_WRITE_RECORDS}",
                long.lines.len(),
                long.entitlement_id
            )));
        }
        self.write_in_batches(
            &CREATE_ENTITLEMENT_LINE_ITEM,
            additions,
            |writer, chunk| {
                for addition in chunk {
                    write_add_lines(writer, addition);
                }
            },
            read_added_lines,
        )
        .await
    }

    /// Sets entitlement states (DRAFT → DEPLOYED, DEPLOYED ↔ INACTIVE, → OBSOLETE).
    pub async fn set_entitlement_states(
        &self,
        changes: &[(String, EntitlementState)],
    ) -> Result<BatchOutcome<Processed>, FnoError> {
        self.write_in_batches(
            &SET_ENTITLEMENT_STATE,
            changes,
            write_states,
            |root, offset, chunk| {
                let keys: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
                processed_outcome(&SET_ENTITLEMENT_STATE, root, &STATE_SHAPE, &keys, offset)
            },
        )
        .await
    }

    /// Sets line item states by activation ID (DRAFT → DEPLOYED, DEPLOYED ↔
    /// INACTIVE, → OBSOLETE), 25 a call; a line FNO refuses fails alone.
    pub async fn set_line_states(
        &self,
        changes: &[(String, EntitlementState)],
    ) -> Result<BatchOutcome<Processed>, FnoError> {
        self.write_in_batches(
            &SET_LINE_ITEM_STATE,
            changes,
            write_line_states,
            |root, offset, chunk| {
                let keys: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
                processed_outcome(&SET_LINE_ITEM_STATE, root, &LINE_STATE_SHAPE, &keys, offset)
            },
        )
        .await
    }

    /// Sets the state of one entitlement.
    pub async fn set_entitlement_state(
        &self,
        entitlement_id: &str,
        state: EntitlementState,
    ) -> Result<(), FnoError> {
        self.set_entitlement_states(&[(entitlement_id.to_string(), state)])
            .await?
            .into_single(&SET_ENTITLEMENT_STATE)
            .map(|_| ())
    }
}

// The schema has no state element: DEPLOYED is `autoDeploy=true`; other
// states are reached with `setEntitlementState` after the create.
fn check_creatable(entitlement: &NewEntitlement) -> Result<(), FnoError> {
    match entitlement.state {
        EntitlementState::Draft | EntitlementState::Deployed => Ok(()),
        other => Err(FnoError::InvalidRequest(format!(
            "an entitlement is created as DRAFT or DEPLOYED, not {}",
            other.as_str()
        ))),
    }
}

/// Groups entitlements into calls of at most 25 records (FNO's limit counts
/// the `simpleEntitlement` elements of a request; each carries at most 25 of
/// its lines, the rest follow in `addOnlyLineItems` calls).
fn plan_calls(entitlements: &[NewEntitlement]) -> Vec<Range<usize>> {
    (0..entitlements.len())
        .step_by(MAX_WRITE_RECORDS)
        .map(|start| start..(start + MAX_WRITE_RECORDS).min(entitlements.len()))
        .collect()
}

/// The key of an entitlement in batch answers: its ID, else its first order ID.
fn entitlement_key(entitlement: &NewEntitlement) -> String {
    entitlement
        .entitlement_id
        .clone()
        .or_else(|| {
            entitlement
                .line_items
                .iter()
                .find_map(|line| line.order_id.clone())
        })
        .unwrap_or_default()
}

const CREATE_SHAPE: FailedShape = FailedShape {
    item: "failedSimpleEntitlement",
    key_of: |echo| {
        echo_value(echo, &["entitlementId", "id"])
            .or_else(|| echo_value(echo, &["lineItems", "orderId"]))
    },
};
const ADD_LINES_SHAPE: FailedShape = FailedShape {
    item: "failedLineItemData",
    key_of: |echo| {
        echo_value(
            echo,
            &["entitlementIdentifier", "primaryKeys", "entitlementId"],
        )
    },
};
const LINE_STATE_SHAPE: FailedShape = FailedShape {
    item: "failedLineItem",
    key_of: |echo| echo_value(echo, &["lineItemIdentifier", "primaryKeys", "activationId"]),
};

const STATE_SHAPE: FailedShape = FailedShape {
    item: "failedEntitlement",
    key_of: |echo| {
        echo_value(
            echo,
            &["entitlementIdentifier", "primaryKeys", "entitlementId"],
        )
    },
};

fn write_create_entitlements(writer: &mut XmlWriter, entitlements: &[NewEntitlement]) {
    for entitlement in entitlements {
        writer.open("simpleEntitlement");
        write_id(
            writer,
            "entitlementId",
            entitlement.entitlement_id.as_deref(),
        );
        writer
            .opt("description", entitlement.description.as_deref())
            .opt("soldTo", entitlement.sold_to.as_deref())
            .opt("shipToEmail", entitlement.ship_to_email.as_deref())
            .opt("shipToAddress", entitlement.ship_to_address.as_deref());
        for line in entitlement.line_items.iter().take(MAX_WRITE_RECORDS) {
            write_new_line(writer, "lineItems", line);
        }
        writer.bool(
            "autoDeploy",
            entitlement.state == EntitlementState::Deployed,
        );
        write_partners(writer, &entitlement.channel_partners);
        write_attributes(writer, "entitlementAttributes", &entitlement.attributes);
        writer.close("simpleEntitlement");
    }
}

/// Writes `channelPartners` unless there is none.
pub(crate) fn write_partners(writer: &mut XmlWriter, partners: &[ChannelPartner]) {
    if partners.is_empty() {
        return;
    }
    writer.open("channelPartners");
    for partner in partners {
        writer
            .open("channelPartner")
            .leaf("tierName", &partner.tier_name)
            .identifier("accountUnit", "id", &partner.account_id)
            .opt_bool("currentOwner", partner.current_owner)
            .close("channelPartner");
    }
    writer.close("channelPartners");
}

fn read_created_entitlements(
    root: &Element,
    offset: usize,
    chunk: &[NewEntitlement],
) -> Result<BatchOutcome<CreatedEntitlement>, FnoError> {
    let keys: Vec<String> = chunk.iter().map(entitlement_key).collect();
    let created = root
        .child("responseData")
        .into_iter()
        .flat_map(|data| data.children_named("createdSimpleEntitlement"));
    let mut succeeded = Vec::new();
    for (order, item) in created.enumerate() {
        let Some(position) = created_position(item, chunk, order) else {
            continue;
        };
        let entitlement_id = item.string("entitlementId").unwrap_or_default();
        let lines = &chunk[position].line_items;
        let shown = &lines[..lines.len().min(MAX_WRITE_RECORDS)];
        succeeded.push(CreatedEntitlement {
            index: offset + position,
            entitlement_id,
            unique_id: item.string("uniqueId"),
            lines: read_line_identifiers(Some(item), shown, 0),
        });
    }
    let done: Vec<usize> = succeeded.iter().map(|c| c.index - offset).collect();
    let failed = failed_items(
        &CREATE_SIMPLE_ENTITLEMENT,
        root,
        &CREATE_SHAPE,
        &keys,
        &done,
        offset,
    )?;
    Ok(BatchOutcome { succeeded, failed })
}

// `recordRefNo` numbers the records of the request from 1; an ID given in
// the request identifies it as well; the answer's order is the last resort.
fn created_position(item: &Element, chunk: &[NewEntitlement], order: usize) -> Option<usize> {
    let by_ref = item
        .int_of("recordRefNo")
        .and_then(|number| usize::try_from(number).ok())
        .filter(|number| (1..=chunk.len()).contains(number))
        .map(|number| number - 1);
    let by_id = || {
        let id = item.value("entitlementId")?;
        chunk
            .iter()
            .position(|e| e.entitlement_id.as_deref() == Some(id))
    };
    by_ref
        .or_else(by_id)
        .or(Some(order).filter(|o| *o < chunk.len()))
}

/// Pairs `lineItemIdentifiers` (in request order) with the lines sent.
fn read_line_identifiers(
    parent: Option<&Element>,
    lines: &[NewLineItem],
    offset: usize,
) -> Vec<CreatedLine> {
    let identifiers = parent
        .into_iter()
        .flat_map(|parent| parent.children_named("lineItemIdentifiers"));
    identifiers
        .zip(lines)
        .enumerate()
        .filter_map(|(index, (identifier, line))| {
            Some(CreatedLine {
                line_index: offset + index,
                activation_id: identifier
                    .value_at(&["primaryKeys", "activationId"])?
                    .to_string(),
                unique_id: identifier.string("uniqueId"),
                order_id: line.order_id.clone(),
                order_line_number: line.order_line_number.clone(),
            })
        })
        .collect()
}

fn write_add_lines(writer: &mut XmlWriter, addition: &LineAddition) {
    writer.open("lineItem").identifier(
        "entitlementIdentifier",
        "entitlementId",
        &addition.entitlement_id,
    );
    for line in &addition.lines {
        write_new_line(writer, "lineItems", line);
    }
    writer.bool("autoDeploy", addition.deploy).close("lineItem");
}

/// Reads an add answer: the refused records from `failedData`, the others'
/// `addedLineItems` in the order of the records sent.
fn read_added_lines(
    root: &Element,
    offset: usize,
    chunk: &[LineAddition],
) -> Result<BatchOutcome<AddedLines>, FnoError> {
    let keys: Vec<String> = chunk.iter().map(|a| a.entitlement_id.clone()).collect();
    let failed = failed_items(
        &CREATE_ENTITLEMENT_LINE_ITEM,
        root,
        &ADD_LINES_SHAPE,
        &keys,
        &[],
        offset,
    )?;
    let mut added = root
        .child("responseData")
        .into_iter()
        .flat_map(|data| data.children_named("addedLineItems"));
    let mut succeeded = Vec::new();
    for (i, addition) in chunk.iter().enumerate() {
        if failed.iter().any(|f| f.index == offset + i) {
            continue;
        }
        let Some(element) = added.next() else {
            return Err(FnoError::Malformed {
                operation: CREATE_ENTITLEMENT_LINE_ITEM.name,
                detail: format!(
                    "no addedLineItems for the lines of entitlement {}",
                    addition.entitlement_id
                ),
            });
        };
        succeeded.push(AddedLines {
            index: offset + i,
            entitlement_id: addition.entitlement_id.clone(),
            lines: read_line_identifiers(Some(element), &addition.lines, 0),
        });
    }
    Ok(BatchOutcome { succeeded, failed })
}

fn write_line_states(writer: &mut XmlWriter, changes: &[(String, EntitlementState)]) {
    for (activation_id, state) in changes {
        writer
            .open("lineItem")
            .identifier("lineItemIdentifier", "activationId", activation_id)
            .leaf("stateToSet", state.as_str())
            .close("lineItem");
    }
}

fn write_states(writer: &mut XmlWriter, changes: &[(String, EntitlementState)]) {
    for (id, state) in changes {
        writer
            .open("entitlement")
            .identifier("entitlementIdentifier", "entitlementId", id)
            .leaf("stateToSet", state.as_str())
            .close("entitlement");
    }
}

#[cfg(test)]
#[path = "entitlements_tests.rs"]
mod tests;
