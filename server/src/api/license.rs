//! The licence as the API shows it, and the check that guards syncs.

use chrono::Utc;
use fnosync_proto::v1 as pb;

use super::convert::timestamp;
use super::ApiContext;
use crate::error::{Error, Result};
use crate::license::{check, LicenseState};
use crate::store::licenses;

/// Reads the stored licence, verifies it again and tells how it stands today.
pub async fn license_info(ctx: &ApiContext) -> Result<pb::LicenseInfo> {
    let record = licenses::get_license(&ctx.pool).await?;
    let stored = record
        .as_ref()
        .map(|r| (r.license_key.as_str(), r.expiry_date));
    let checked = check(&ctx.license_verifier, stored, Utc::now().date_naive());
    let mut info = pb::LicenseInfo {
        state: match checked.state {
            LicenseState::Missing => pb::LicenseState::Missing,
            LicenseState::Invalid => pb::LicenseState::Invalid,
            LicenseState::Expired => pb::LicenseState::Expired,
            LicenseState::Valid => pb::LicenseState::Valid,
        } as i32,
        message: checked.message,
        ..Default::default()
    };
    if let Some(record) = record {
        info.license_id = record.license_id;
        info.licensee = record.licensee;
        info.expiry_date = record.expiry_date.to_string();
        info.refresh_time = Some(timestamp(record.refreshed_at));
    }
    if let Some(standing) = checked.standing {
        info.days_left = standing.days_left.clamp(i32::MIN.into(), i32::MAX.into()) as i32;
        info.renewal_due = standing.renewal_due;
    }
    Ok(info)
}

/// Fails with `FailedPrecondition` unless the licence is valid.
pub async fn require_valid_license(ctx: &ApiContext) -> Result<()> {
    let info = license_info(ctx).await?;
    if info.state == pb::LicenseState::Valid as i32 {
        Ok(())
    } else {
        Err(Error::FailedPrecondition(format!(
            "syncs are refused without a valid licence: {}",
            info.message
        )))
    }
}
