//! Opaque page tokens: the sort key of the last item of a page, base64url-encoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::error::Error;

/// Default page size of list RPCs.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// Largest page size of list RPCs.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Encodes the sort key of the last item of a page.
pub fn encode(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{key}"))
}

/// Decodes a page token; empty means the first page.
pub fn decode(token: &str) -> Result<Option<String>, Error> {
    if token.is_empty() {
        return Ok(None);
    }
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("v1:").map(str::to_string))
        .map(Some)
        .ok_or_else(|| Error::invalid("page_token", "is not a token from a previous response"))
}

/// Checks a requested page size: 0 means the default.
pub fn page_size(requested: i32) -> Result<i64, Error> {
    match i64::from(requested) {
        0 => Ok(DEFAULT_PAGE_SIZE),
        n if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            "page_size",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        )),
    }
}
