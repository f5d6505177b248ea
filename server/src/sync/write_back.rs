//! Writes the IDs FNO assigned back onto the Salesforce records, in
//! collection calls of up to 200 records, and logs each record's outcome;
//! what was written is noted on the links, so that it is not written again.

use super::logger::steps::SALESFORCE_UPDATE_STEP;
use std::collections::BTreeMap;

use super::pass::{Pass, SALESFORCE_COMPONENT};
use crate::error::Result;
use crate::store::links;

/// Sends the queued updates and logs each result.
pub async fn send(pass: &mut Pass<'_>) -> Result<()> {
    let updates = std::mem::take(&mut pass.write_back);
    if updates.is_empty() {
        return Ok(());
    }
    let results = match pass.sf.update_many(&updates).await {
        Ok(results) => results,
        Err(error) => {
            let reason = error.to_string();
            for update in &updates {
                pass.add_failure();
                let message = format!("not written: {} {}", update.object, update.fields);
                pass.failed_step(
                    SALESFORCE_UPDATE_STEP,
                    &update.id,
                    SALESFORCE_COMPONENT,
                    reason.clone(),
                    message,
                )
                .await?;
            }
            return Ok(());
        }
    };
    let mut written: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for (update, result) in updates.iter().zip(results) {
        let sent = format!("{} {}: {}", update.object, update.id, update.fields);
        if result.success {
            written
                .entry(update.object.as_str())
                .or_default()
                .push((update.id.clone(), update.fields.to_string()));
            pass.completed(
                SALESFORCE_UPDATE_STEP,
                &update.id,
                format!("updated {sent}"),
            )
            .await?;
        } else {
            let reason = result
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.status_code, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            pass.add_failure();
            pass.failed_step(
                SALESFORCE_UPDATE_STEP,
                &update.id,
                SALESFORCE_COMPONENT,
                reason,
                format!("not written: {sent}"),
            )
            .await?;
        }
    }
    for (object, records) in written {
        links::note_written_back(&pass.ctx.pool, object, &records).await?;
    }
    Ok(())
}
