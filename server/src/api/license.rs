//! The licence as the API shows it, and the check that guards syncs.

use chrono::Utc;
use fnosync_proto::v1 as pb;

use super::convert::timestamp;
use super::ApiContext;
use crate::error::{Error, Result};
use crate::license::standing;
use crate::store::licenses;

/// Reads the stored licence, verifies it again and tells how it stands today.
pub async fn license_info(ctx: &ApiContext) -> Result<pb::LicenseInfo> {
    let Some(record) = licenses::get_license(&ctx.pool).await? else {
        return Ok(pb::LicenseInfo {
            state: pb::LicenseState::Missing as i32,
            message: "no licence key entered; submit one with SubmitLicenseKey".into(),
            ..Default::default()
        });
    };
    let mut info = pb::LicenseInfo {
        license_id: record.license_id.clone(),
        licensee: record.licensee.clone(),
        expiry_date: record.expiry_date.to_string(),
        refresh_time: Some(timestamp(record.refreshed_at)),
        ..Default::default()
    };
    if let Err(error) = ctx.license_verifier.verify(&record.license_key) {
        info.state = pb::LicenseState::Invalid as i32;
        info.message = error.to_string();
        return Ok(info);
    }
    let standing = standing(record.expiry_date, Utc::now().date_naive());
    info.days_left = standing.days_left.clamp(i32::MIN.into(), i32::MAX.into()) as i32;
    info.renewal_due = standing.renewal_due;
    if standing.expired {
        info.state = pb::LicenseState::Expired as i32;
        info.message = format!(
            "the licence expired on {}; submit a renewed key",
            record.expiry_date
        );
    } else {
        info.state = pb::LicenseState::Valid as i32;
        if standing.renewal_due {
            info.message = format!(
                "the licence expires in {} days; renew it",
                standing.days_left
            );
        }
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
