//! Remote sites: the only URLs outbound calls may reach. Name and URL rules,
//! and whether a site covers a URL.

use url::Url;

/// Longest accepted remote-site name.
pub const MAX_NAME_LEN: usize = 40;

/// Checks a remote-site name; each broken rule has its own message.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is required".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("must not contain spaces".into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("may contain only letters, digits and underscores".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("must start with a letter".into());
    }
    if name.ends_with('_') {
        return Err("must not end with an underscore".into());
    }
    if name.contains("__") {
        return Err("must not contain two consecutive underscores".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("must be at most {MAX_NAME_LEN} characters"));
    }
    Ok(())
}

/// Longest accepted remote-site description.
pub const MAX_DESCRIPTION_LEN: usize = 1_000;

/// Checks a remote-site description (free text, bounded).
pub fn validate_description(description: &str) -> Result<(), String> {
    let length = description.chars().count();
    if length > MAX_DESCRIPTION_LEN {
        return Err(format!(
            "is {length} characters long; at most {MAX_DESCRIPTION_LEN} are accepted"
        ));
    }
    Ok(())
}

/// Checks and normalises a remote-site URL: https, a host, no credentials,
/// query or fragment; the trailing slash is dropped.
pub fn normalize_url(text: &str) -> Result<String, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("is not a valid URL: {e}"))?;
    if url.scheme() != "https" {
        return Err("must use https".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Tells whether a site URL covers `target`: same scheme, host and port, and
/// the target's path lies at or below the site's path.
pub fn covers(site_url: &str, target: &Url) -> bool {
    let Ok(site) = Url::parse(site_url) else {
        return false;
    };
    if site.scheme() != target.scheme()
        || site.host_str().map(str::to_ascii_lowercase)
            != target.host_str().map(str::to_ascii_lowercase)
        || site.port_or_known_default() != target.port_or_known_default()
    {
        return false;
    }
    let site_path = site.path().trim_end_matches('/');
    let target_path = target.path();
    target_path == site_path
        || site_path.is_empty()
        || target_path.starts_with(&format!("{site_path}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_every_rule() {
        assert_eq!(validate_name("FNO_Tenant1"), Ok(()));
        assert_eq!(validate_name(""), Err("is required".into()));
        assert_eq!(
            validate_name("fno tenant"),
            Err("must not contain spaces".into())
        );
        assert_eq!(
            validate_name("1fno"),
            Err("must start with a letter".into())
        );
        assert_eq!(
            validate_name("_fno"),
            Err("must start with a letter".into())
        );
        assert_eq!(
            validate_name("fno_"),
            Err("must not end with an underscore".into())
        );
        assert_eq!(
            validate_name("fno__uat"),
            Err("must not contain two consecutive underscores".into())
        );
        assert_eq!(
            validate_name("fno-uat"),
            Err("may contain only letters, digits and underscores".into())
        );
        assert!(validate_name(&"a".repeat(41)).is_err());
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        assert_eq!(
            normalize_url("https://acme-uat.flexnetoperations.com/"),
            Ok("https://acme-uat.flexnetoperations.com".into())
        );
        assert_eq!(
            normalize_url("http://acme.com"),
            Err("must use https".into())
        );
        assert!(normalize_url("https://u:p@acme.com").is_err());
        assert!(normalize_url("not a url").is_err());
    }

    #[test]
    fn a_site_covers_its_host_and_paths_below_it_only() {
        let url = |s: &str| Url::parse(s).expect("url");
        let site = "https://acme-uat.flexnetoperations.com";
        assert!(covers(
            site,
            &url("https://acme-uat.flexnetoperations.com/flexnet/services/v4/X")
        ));
        assert!(covers(
            site,
            &url("https://ACME-uat.flexnetoperations.com:443/")
        ));
        assert!(!covers(
            site,
            &url("https://acme-uat.flexnetoperations.com:8443/")
        ));
        assert!(!covers(
            site,
            &url("https://acme-uat.flexnetoperations.com.evil.io/")
        ));
        assert!(!covers(
            site,
            &url("http://acme-uat.flexnetoperations.com/")
        ));
        let with_path = "https://host.example/api";
        assert!(covers(with_path, &url("https://host.example/api/v1")));
        assert!(!covers(with_path, &url("https://host.example/apiary")));
    }
}
