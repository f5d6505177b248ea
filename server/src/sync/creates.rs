//! The entitlements round of a page: every new entitlement the page's
//! accounts planned, created in calls of 25 with their lines, the IDs taken
//! from FNO's answers. A create whose answer was lost is looked up by its
//! order before it is sent again, never sent blind.

use super::apply::{adopted, finish_order, record_created};
use super::calls;
use super::logger::steps::ENTITLEMENT_STEP;
use super::pass::{Pass, FNO_COMPONENT};
use super::plan::PlannedOrder;
use super::record::order_link;
use super::sent;
use crate::error::Result;
use crate::fno::operations::CREATE_SIMPLE_ENTITLEMENT;
use futures::stream::StreamExt;

use crate::fno::{BatchOutcome, CreatedEntitlement, FnoError, LineItemQuery, NewEntitlement};
use crate::store::links::{self, LinkRecord};

/// The entitlements round of a page: records the intent of every new
/// entitlement in one statement, then creates them in calls of 25 with their
/// lines, taking the entitlement and activation IDs from FNO's answers. A
/// refused entitlement fails alone, with FNO's reason; a call that fails as a
/// whole fails its entitlements, whose intents make the next run look them up
/// by order before it creates them again.
pub async fn create_pending(pass: &mut Pass<'_>) -> Result<()> {
    let pending = std::mem::take(&mut pass.planned.creates);
    if pending.is_empty() {
        return Ok(());
    }
    let intents: Vec<LinkRecord> = pending
        .iter()
        .map(|p| {
            order_link(&p.order.opportunity, "", &p.print)
                .with_sent_fields(sent::stored(&p.entitlement))
        })
        .collect();
    links::save_links(&pass.ctx.pool, &intents).await?;
    // The first call of up to `ctx.concurrency` chunks is under way at once;
    // each is recorded (and, when it failed, tried again) as it comes back.
    let (fno, pool) = (pass.fno.clone(), pass.ctx.pool.clone());
    let mut answers = calls::in_chunks(&pending, pass.ctx.concurrency, |chunk| {
        let (fno, pool) = (fno.clone(), pool.clone());
        async move {
            let all: Vec<usize> = (0..chunk.len()).collect();
            send_chunk(&fno, &pool, chunk, &all).await
        }
    });
    while let Some((_, chunk, answer)) = answers.next().await {
        create_chunk(pass, chunk, answer?).await?;
    }
    Ok(())
}

/// Stamps the intents of the entitlements at `todo` in `chunk` and sends
/// their create call.
async fn send_chunk(
    fno: &crate::fno::FnoClient,
    pool: &sqlx::PgPool,
    chunk: &[PlannedOrder],
    todo: &[usize],
) -> Result<std::result::Result<BatchOutcome<CreatedEntitlement>, FnoError>> {
    let entitlements: Vec<NewEntitlement> =
        todo.iter().map(|&i| chunk[i].entitlement.clone()).collect();
    let orders: Vec<String> = todo
        .iter()
        .map(|&i| chunk[i].order.opportunity.id.clone())
        .collect();
    links::stamp_intents(pool, "Opportunity", &orders).await?;
    Ok(fno.create_entitlements(&entitlements).await)
}

/// Records the answer of the create call of up to 25 entitlements. When the
/// call failed with a transient error, the orders are looked up in FNO (the answer may have been
/// lost after FNO made them) and only those FNO lacks are sent again.
async fn create_chunk(
    pass: &mut Pass<'_>,
    chunk: &[PlannedOrder],
    first: std::result::Result<BatchOutcome<CreatedEntitlement>, FnoError>,
) -> Result<()> {
    let fno = pass.fno.clone();
    let mut todo: Vec<usize> = (0..chunk.len()).collect();
    let mut attempt = 1;
    let mut answer = Some(first);
    while !todo.is_empty() {
        let answer = match answer.take() {
            Some(answer) => answer,
            None => send_chunk(&fno, &pass.ctx.pool, chunk, &todo).await?,
        };
        let error = match answer {
            Ok(outcome) => {
                for failure in outcome.failed {
                    let Some(item) = todo.get(failure.index).map(|&i| &chunk[i]) else {
                        continue;
                    };
                    let error = FnoError::Rejected {
                        operation: CREATE_SIMPLE_ENTITLEMENT.name,
                        reason: failure.reason,
                    };
                    fail_created(pass, item, &error).await?;
                }
                let created: Vec<(&PlannedOrder, &CreatedEntitlement)> = outcome
                    .succeeded
                    .iter()
                    .filter_map(|c| todo.get(c.index).map(|&i| (&chunk[i], c)))
                    .collect();
                return finish_created(pass, &created).await;
            }
            Err(error) => error,
        };
        let uncertain = error.may_still_land().then(|| error.to_string());
        if let Err(error) = pass.retry.wait_or_give_up(error, &mut attempt).await {
            for &i in &todo {
                fail_created(pass, &chunk[i], &error).await?;
            }
            return Ok(());
        }
        let mut still = Vec::new();
        for i in todo {
            let query = LineItemQuery::by_order(&chunk[i].order.opportunity.id, None);
            let found = pass.retry.run(|| fno.find_line_items(&query)).await;
            match (found.map(adopted), &uncertain) {
                (Ok(Some(created)), _) => finish_created(pass, &[(&chunk[i], &created)]).await?,
                (Ok(None), None) => still.push(i),
                (Ok(None), Some(reason)) => defer_created(pass, &chunk[i], reason).await?,
                // Without an answer FNO may hold it or not: never send it blind.
                (Err(error), _) => defer_created(pass, &chunk[i], &error.to_string()).await?,
            }
        }
        todo = still;
    }
    Ok(())
}

/// Logs and counts an entitlement whose create call got no answer and that
/// FNO does not show yet (or that could not be looked up): the call may
/// still land, so it is not sent again in this run. Its intent stays, and
/// the next run looks the order up before it creates it.
async fn defer_created(pass: &mut Pass<'_>, item: &PlannedOrder, reason: &str) -> Result<()> {
    let note = format!(
        "FNO did not answer the create call ({reason}) and does not show the entitlement yet; \
         it may still create it, so this run does not send it again: the next run looks the \
         order up in FNO and adopts or creates it. sent: {}",
        item.sent
    );
    pass.failed_step(
        ENTITLEMENT_STEP,
        &item.order.opportunity.id,
        FNO_COMPONENT,
        reason.to_string(),
        note,
    )
    .await?;
    finish_order(pass, item, None, None).await
}

/// Leaves to the page's record, logs and counts the entitlements FNO created.
async fn finish_created(
    pass: &mut Pass<'_>,
    created: &[(&PlannedOrder, &CreatedEntitlement)],
) -> Result<()> {
    record_created(pass, created);
    if let Some((_, first)) = created.first() {
        pass.note_fno_created(&first.entitlement_id);
    }
    for (item, created) in created {
        pass.completed(
            ENTITLEMENT_STEP,
            &item.order.opportunity.id,
            format!("created {} ({})", created.entitlement_id, item.sent),
        )
        .await?;
        let id = Some(created.entitlement_id.clone());
        let state = Some(item.entitlement.state);
        finish_order(pass, item, id, state).await?;
    }
    Ok(())
}

/// Logs and counts an entitlement FNO did not create.
async fn fail_created(pass: &mut Pass<'_>, item: &PlannedOrder, error: &FnoError) -> Result<()> {
    pass.fno_failure(
        ENTITLEMENT_STEP,
        &item.order.opportunity.id,
        error,
        &item.sent,
    )
    .await?;
    finish_order(pass, item, None, None).await
}
