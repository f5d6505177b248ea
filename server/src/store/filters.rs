//! The sync filters (one row).

use sqlx::PgExecutor;

use crate::domain::filters::{CancellationPolicy, EntitlementState, Filters};
use crate::error::Result;

#[derive(sqlx::FromRow)]
struct FiltersRow {
    pre_condition_stages: Vec<String>,
    post_condition_state: String,
    cancellation_policy: String,
}

impl FiltersRow {
    fn into_filters(self) -> Filters {
        Filters {
            pre_condition_stages: self.pre_condition_stages,
            post_condition_state: EntitlementState::from_db(&self.post_condition_state)
                .unwrap_or(EntitlementState::Draft),
            cancellation_policy: CancellationPolicy::from_db(&self.cancellation_policy)
                .unwrap_or_default(),
        }
    }
}

/// Reads the filters in force.
pub async fn get_filters(db: impl PgExecutor<'_>) -> Result<Filters> {
    let row = sqlx::query_as::<_, FiltersRow>(
        "SELECT pre_condition_stages, post_condition_state, cancellation_policy FROM filters",
    )
    .fetch_one(db)
    .await?;
    Ok(row.into_filters())
}

/// Replaces the filters.
pub async fn update_filters(db: impl PgExecutor<'_>, filters: &Filters) -> Result<Filters> {
    let row = sqlx::query_as::<_, FiltersRow>(
        "UPDATE filters SET pre_condition_stages = $1, post_condition_state = $2, \
         cancellation_policy = $3, updated_at = now() \
         RETURNING pre_condition_stages, post_condition_state, cancellation_policy",
    )
    .bind(&filters.pre_condition_stages)
    .bind(filters.post_condition_state.as_db())
    .bind(filters.cancellation_policy.as_db())
    .fetch_one(db)
    .await?;
    Ok(row.into_filters())
}
