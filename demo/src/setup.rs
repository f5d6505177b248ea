//! Configures fnosync the way an administrator does, through its gRPC API:
//! remote sites for both sandboxes, the FNO and Salesforce connections, the
//! licence and the filters.

use anyhow::Context;
use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::SalesforceSandbox;

/// Configures fnosync the way an administrator does, through its API.
pub async fn configure(
    client: &FnosyncClient,
    salesforce: &SalesforceSandbox,
    fno: &FnoSandbox,
    license_key: &str,
) -> anyhow::Result<()> {
    use fnosync_sandbox::salesforce::auth;
    println!("\n==> Configuring fnosync through its gRPC API");
    for (name, url) in [
        ("Salesforce_Sandbox", salesforce.url()),
        ("FNO_Sandbox", fno.url()),
    ] {
        client
            .admin()
            .create_remote_site(proto::CreateRemoteSiteRequest {
                name: name.into(),
                url: url.clone(),
                description: "local sandbox".into(),
                ..Default::default()
            })
            .await
            .with_context(|| format!("CreateRemoteSite {name}"))?;
        println!("remote site         {name} = {url}");
    }
    let status = client
        .admin()
        .set_fno_connection(proto::SetFnoConnectionRequest {
            tenant_url: fno.url(),
            user_name: fnosync_sandbox::fno::seed::DEFAULT_USER.into(),
            password: fnosync_sandbox::fno::seed::DEFAULT_PASSWORD.into(),
        })
        .await
        .context("SetFnoConnection")?
        .into_inner();
    println!(
        "FNO connection      {}",
        status.status.map(|s| s.message).unwrap_or_default()
    );
    let status = client
        .admin()
        .set_salesforce_connection(proto::SetSalesforceConnectionRequest {
            login_url: salesforce.url(),
            flow: proto::SalesforceAuthFlow::UsernamePassword as i32,
            client_id: auth::DEFAULT_CLIENT_ID.into(),
            client_secret: auth::DEFAULT_CLIENT_SECRET.into(),
            user_name: auth::DEFAULT_USERNAME.into(),
            password: format!("{}{}", auth::DEFAULT_PASSWORD, auth::DEFAULT_SECURITY_TOKEN),
            ..Default::default()
        })
        .await
        .context("SetSalesforceConnection")?
        .into_inner();
    println!(
        "Salesforce conn.    {}",
        status.status.map(|s| s.message).unwrap_or_default()
    );
    let license = client
        .admin()
        .submit_license_key(proto::SubmitLicenseKeyRequest {
            license_key: license_key.to_string(),
        })
        .await
        .context("SubmitLicenseKey")?
        .into_inner()
        .license
        .unwrap_or_default();
    println!(
        "licence             {} until {} ({} days left)",
        license.licensee, license.expiry_date, license.days_left
    );
    let filters = client
        .filters()
        .update_filters(proto::UpdateFiltersRequest {
            filters: Some(proto::Filters {
                pre_condition_stages: vec!["Closed Won".into()],
                post_condition_state: proto::EntitlementState::Draft as i32,
                ..Default::default()
            }),
        })
        .await
        .context("UpdateFilters")?
        .into_inner()
        .filters
        .unwrap_or_default();
    println!(
        "filters             stages {:?}, post-condition Draft",
        filters.pre_condition_stages
    );
    Ok(())
}
