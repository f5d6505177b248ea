//! `SyncService/PlanSync`: decodes the scope, has the sync's read and plan
//! stages work out what a sync would do, and encodes the plan.

use chrono::Utc;
use fnosync_proto::v1 as pb;

use super::product::validate_salesforce_id;
use super::sync_window::immediate_window;
use super::ApiContext;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::store::filters;
use crate::sync::changes::Window;
use crate::sync::clients::stored_fno_client;
use crate::sync::dry_run::{Action, PlannedRecord, Planner, SyncPlan};
use crate::sync::lines::PartLookup;
use crate::sync::mapping::Mappings;
use crate::sync::read::Reader;

/// Changed records a window's plan reads per change query (one page each).
const PLAN_PAGE_SIZE: u32 = 2_000;

/// Checks the request's scope; `zone` is the schedule's time zone (for a
/// range of days).
pub fn scope_of(request: pb::PlanSyncRequest, zone: chrono_tz::Tz) -> Result<Planned> {
    use pb::plan_sync_request::Scope;
    use pb::start_immediate_sync_request::Window as Immediate;
    let scope = match request.scope {
        None => {
            return Err(Error::invalid(
                "scope",
                "set account_id, date_range or last_hours",
            ))
        }
        Some(Scope::AccountId(account_id)) => {
            let account_id = account_id.trim().to_string();
            validate_salesforce_id(&account_id, "001", "Account")
                .map_err(|e| Error::invalid("account_id", e))?;
            Planned::Account(account_id)
        }
        Some(Scope::DateRange(range)) => window_of(Immediate::DateRange(range), zone)?,
        Some(Scope::LastHours(hours)) => window_of(Immediate::LastHours(hours), zone)?,
    };
    Ok(scope)
}

/// Works out the plan of `scope`, writing nothing.
pub async fn plan_sync(ctx: &ApiContext, scope: Planned) -> Result<pb::PlanSyncResponse> {
    let sf = ctx.salesforce_client().await?;
    let fno = stored_fno_client(&ctx.pool, &ctx.secret_box, &ctx.outbound).await?;
    let mappings = Mappings::load(&ctx.pool).await?;
    let filters = filters::get_filters(&ctx.pool).await?;
    let planner = Planner {
        reader: Reader {
            sf: &sf,
            mappings: &mappings,
            filters: &filters,
            page_size: PLAN_PAGE_SIZE,
        },
        parts: PartLookup::new(fno, RetryPolicy::default()),
        pool: &ctx.pool,
    };
    let plan = match scope {
        Planned::Account(account_id) => planner.accounts(&[account_id]).await?,
        Planned::Window(window) => planner.window(window).await?,
    };
    plan.map(response).map_err(Error::Unavailable)
}

/// What a plan covers.
pub enum Planned {
    /// One account.
    Account(String),
    /// The accounts changed in a window.
    Window(Window),
}

/// The window of a plan, checked as an immediate sync's is.
fn window_of(
    window: pb::start_immediate_sync_request::Window,
    zone: chrono_tz::Tz,
) -> Result<Planned> {
    let (start, end) = immediate_window(Some(&window), zone, Utc::now())?;
    Ok(Planned::Window(Window {
        start: Some(start),
        end,
    }))
}

fn response(plan: SyncPlan) -> pb::PlanSyncResponse {
    pb::PlanSyncResponse {
        account_ids: plan.accounts,
        records: plan.records.into_iter().map(planned_record).collect(),
        truncated: plan.truncated,
    }
}

fn planned_record(record: PlannedRecord) -> pb::PlannedRecord {
    let action = match record.action {
        Action::Create => pb::PlannedAction::Create,
        Action::Update => pb::PlannedAction::Update,
        Action::Renew => pb::PlannedAction::Renew,
        Action::Obsolete => pb::PlannedAction::Obsolete,
        Action::Nothing => pb::PlannedAction::Nothing,
        Action::Fail => pb::PlannedAction::Fail,
    };
    pb::PlannedRecord {
        object: record.object.to_string(),
        salesforce_id: record.salesforce_id,
        account_id: record.account_id,
        action: action as i32,
        fno_id: record.fno_id,
        changes: record
            .changes
            .into_iter()
            .map(|change| pb::FieldChange {
                field: change.field,
                old_value: change.old.unwrap_or_default(),
                new_value: change.new.unwrap_or_default(),
            })
            .collect(),
        reason: record.reason,
    }
}
