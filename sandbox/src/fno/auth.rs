//! Credentials of web-service calls: HTTP Basic (sent pre-emptively by FNO
//! clients) or the SOAP header pair `flex:UserId` / `flex:UserPassword`
//! (password base64-encoded). User names may carry `##domain`; FNO's default
//! domain is `FLEXnet`. Also `authenticateUser` of FlexnetAuthentication.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::HeaderMap;

use super::model::WebServiceUser;
use super::service::Ctx;
use super::xml::{Element, XmlWriter};

/// FNO's default user domain.
const DEFAULT_DOMAIN: &str = "FLEXnet";

/// Returns the caller's user name when the credentials match a web-service user.
pub fn authenticate(
    headers: &HeaderMap,
    soap_header: Option<&Element>,
    users: &[WebServiceUser],
) -> Option<String> {
    let (name, password) =
        basic_credentials(headers).or_else(|| header_credentials(soap_header))?;
    check(users, &name, &password, None)
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_string(), password.to_string()))
}

// The SOAP header carries the password base64-encoded (ClientSecurityCredentials).
fn header_credentials(header: Option<&Element>) -> Option<(String, String)> {
    let header = header?;
    let name = header.value("UserId")?.trim().to_string();
    let encoded = header.value("UserPassword")?.trim();
    let password = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    Some((name, password))
}

fn check(
    users: &[WebServiceUser],
    name: &str,
    password: &str,
    domain: Option<&str>,
) -> Option<String> {
    let (bare, embedded_domain) = match name.split_once("##") {
        Some((bare, domain)) => (bare, Some(domain)),
        None => (name, None),
    };
    let domain = embedded_domain
        .or(domain)
        .filter(|d| !d.is_empty())
        .unwrap_or(DEFAULT_DOMAIN);
    if !domain.eq_ignore_ascii_case(DEFAULT_DOMAIN) {
        return None;
    }
    users
        .iter()
        .find(|user| user.user_name == bare && user.password == password)
        .map(|user| user.user_name.clone())
}

/// `authenticateUser`: answers `AuthenticateUserReturn { Success }` without side effects.
pub fn authenticate_user(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let name = body.text_of("userName").unwrap_or_default();
    let password = body.text_of("password").unwrap_or_default();
    let domain = body.value("domainName").map(str::trim);
    let success = check(&ctx.state.web_service_users, name.trim(), password, domain).is_some();
    let mut writer = XmlWriter::new();
    writer.opt_bool("Success", Some(success));
    writer.finish()
}
