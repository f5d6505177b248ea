//! `FnoStore`: the shared handle on the tenant, used by the SOAP handlers and
//! by tests to seed and inspect state directly. Also the sandbox-only
//! activation that consumes copies of a line item.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;

use super::model::{Account, AttributeDefinition, Entitlement, LineItem, User};
use super::state::FnoState;

/// Why an activation was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ActivateError {
    /// No line item has this activation ID.
    #[error("no line item with activation id {0}")]
    UnknownActivationId(String),
    /// The count is zero or negative.
    #[error("the count must be positive")]
    InvalidCount,
    /// The line item is not deployed.
    #[error("line item {0} is not deployed")]
    NotDeployed(String),
    /// Fewer copies remain than requested.
    #[error("only {remaining} copies remain on {activation_id}")]
    NotEnoughCopies {
        /// The line item.
        activation_id: String,
        /// Copies left.
        remaining: i64,
    },
}

/// A cloneable handle on the sandbox's tenant.
#[derive(Clone, Default)]
pub struct FnoStore {
    inner: Arc<Mutex<FnoState>>,
}

impl FnoStore {
    /// Wraps a state (indexes are rebuilt).
    pub fn new(mut state: FnoState) -> Self {
        state.reindex();
        Self {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// Locks the tenant for one call.
    pub(crate) fn lock(&self) -> MutexGuard<'_, FnoState> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns a copy of everything (the JSON dump format).
    pub fn snapshot(&self) -> FnoState {
        self.lock().clone()
    }

    /// Replaces everything (a seed load).
    pub fn replace(&self, mut state: FnoState) {
        state.reindex();
        *self.lock() = state;
    }

    /// Reads the tenant.
    pub fn read<R>(&self, read: impl FnOnce(&FnoState) -> R) -> R {
        read(&self.lock())
    }

    /// Changes the tenant directly (indexes are rebuilt afterwards).
    pub fn update<R>(&self, change: impl FnOnce(&mut FnoState) -> R) -> R {
        let mut state = self.lock();
        let result = change(&mut state);
        state.reindex();
        result
    }

    /// Returns the account with Account ID `id`.
    pub fn account(&self, id: &str) -> Option<Account> {
        self.read(|state| {
            state
                .account_position(id)
                .map(|at| state.accounts[at].clone())
        })
    }

    /// Returns the user named `user_name` (any case).
    pub fn user(&self, user_name: &str) -> Option<User> {
        self.read(|state| {
            state
                .user_position(user_name)
                .map(|at| state.users[at].clone())
        })
    }

    /// Returns the entitlement with `entitlement_id`.
    pub fn entitlement(&self, entitlement_id: &str) -> Option<Entitlement> {
        self.read(|state| {
            state
                .entitlement_position(entitlement_id)
                .map(|at| state.entitlements[at].clone())
        })
    }

    /// Returns the line item with `activation_id`.
    pub fn line_item(&self, activation_id: &str) -> Option<LineItem> {
        self.read(|state| {
            state
                .line_position(activation_id)
                .map(|(e, l)| state.entitlements[e].line_items[l].clone())
        })
    }

    /// Returns every custom attribute definition.
    pub fn attribute_definitions(&self) -> Vec<AttributeDefinition> {
        self.read(|state| state.attribute_definitions.clone())
    }

    /// Replaces the custom attribute definitions.
    pub fn set_attribute_definitions(&self, definitions: Vec<AttributeDefinition>) {
        self.update(|state| state.attribute_definitions = definitions);
    }

    /// Activates `count` copies of a deployed line item, as a device would;
    /// the line's `lastModifiedDateTime` moves so incremental reads see it.
    pub fn activate(&self, activation_id: &str, count: i64) -> Result<LineItem, ActivateError> {
        if count <= 0 {
            return Err(ActivateError::InvalidCount);
        }
        let mut state = self.lock();
        let (entitlement, line) = state
            .line_position(activation_id)
            .ok_or_else(|| ActivateError::UnknownActivationId(activation_id.to_string()))?;
        let item = &mut state.entitlements[entitlement].line_items[line];
        if item.state != "DEPLOYED" {
            return Err(ActivateError::NotDeployed(activation_id.to_string()));
        }
        if item.remaining_copies() < count {
            return Err(ActivateError::NotEnoughCopies {
                activation_id: activation_id.to_string(),
                remaining: item.remaining_copies(),
            });
        }
        item.fulfilled_count += count;
        item.last_modified = Utc::now();
        Ok(item.clone())
    }

    /// Changes an entitlement's state as a person in FNO's console would
    /// (its lines follow and are stamped), without the state rules of
    /// `setEntitlementState`. `false` when there is no such entitlement.
    pub fn set_entitlement_state(&self, entitlement_id: &str, state: &str) -> bool {
        let mut fno = self.lock();
        let Some(position) = fno.entitlement_position(entitlement_id) else {
            return false;
        };
        let entitlement = &mut fno.entitlements[position];
        let now = Utc::now();
        super::entitlements::set_state(entitlement, state, now, "console");
        entitlement.last_modified = now;
        true
    }
}
