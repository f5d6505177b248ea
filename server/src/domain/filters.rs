//! Sync filters: which opportunity stages make a sales order, the state
//! entitlements get when the opportunity does not say, and what happens in
//! FNO when a synced order is cancelled.

/// The state of an FNO entitlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntitlementState {
    /// Draft.
    Draft,
    /// Deployed.
    Deployed,
}

impl EntitlementState {
    /// Returns the name stored in the database.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Deployed => "deployed",
        }
    }

    /// Parses the name stored in the database.
    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(Self::Draft),
            "deployed" => Some(Self::Deployed),
            _ => None,
        }
    }
}

/// What happens in FNO when a synced opportunity leaves the pre-condition
/// stages (say, Closed Lost) or is deleted in Salesforce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CancellationPolicy {
    /// FNO keeps the entitlement as it is; the cancellation is logged.
    #[default]
    Leave,
    /// The entitlement's lines without activations are set OBSOLETE; lines
    /// with activations are left as they are and reported.
    Obsolete,
}

impl CancellationPolicy {
    /// Returns the name stored in the database.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Leave => "leave",
            Self::Obsolete => "obsolete",
        }
    }

    /// Parses the name stored in the database.
    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "leave" => Some(Self::Leave),
            "obsolete" => Some(Self::Obsolete),
            _ => None,
        }
    }
}

/// The filters in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filters {
    /// Opportunity stages that sync.
    pub pre_condition_stages: Vec<String>,
    /// State for entitlements whose opportunity leaves it blank.
    pub post_condition_state: EntitlementState,
    /// What a cancelled order does in FNO.
    pub cancellation_policy: CancellationPolicy,
}

/// Longest stage name Salesforce allows (picklist values are at most 255 characters).
pub const MAX_STAGE_LEN: usize = 255;

/// Most stages the pre-condition may name (they all go into one SOQL `IN`).
pub const MAX_STAGES: usize = 50;

/// Checks and trims the pre-condition stages: at least one, none blank, none twice.
pub fn validate_stages(stages: &[String]) -> Result<Vec<String>, String> {
    if stages.is_empty() {
        return Err("must name at least one opportunity stage".into());
    }
    if stages.len() > MAX_STAGES {
        return Err(format!(
            "names {} stages; at most {MAX_STAGES} are accepted",
            stages.len()
        ));
    }
    let mut seen = Vec::with_capacity(stages.len());
    for stage in stages {
        let trimmed = stage.trim();
        if trimmed.is_empty() {
            return Err("must not contain a blank stage".into());
        }
        if trimmed.len() > MAX_STAGE_LEN {
            return Err(format!(
                "stage {trimmed:?} is longer than {MAX_STAGE_LEN} characters"
            ));
        }
        if seen.iter().any(|s: &String| s == trimmed) {
            return Err(format!("stage {trimmed:?} is named twice"));
        }
        seen.push(trimmed.to_string());
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_stages_than_the_limit_are_refused() {
        let stages: Vec<String> = (0..=MAX_STAGES).map(|n| format!("Stage {n}")).collect();
        let refused = validate_stages(&stages).expect_err("too many");
        assert!(refused.contains("at most 50"), "{refused}");
        assert!(validate_stages(&stages[..MAX_STAGES]).is_ok());
    }

    #[test]
    fn stages_are_trimmed_and_checked() {
        assert_eq!(
            validate_stages(&[" Closed Won ".into(), "Negotiation".into()]),
            Ok(vec!["Closed Won".into(), "Negotiation".into()])
        );
        assert!(validate_stages(&[]).is_err());
        assert!(validate_stages(&["  ".into()]).is_err());
        assert!(validate_stages(&["A".into(), "A ".into()]).is_err());
    }
}
