//! Serves each service's WSDL as FNO does on `GET …?wsdl`, with the
//! `soap:address location` rewritten to the URL the client used (Axis builds it
//! from the request). The files are FNO's own, unchanged otherwise.

/// Returns `wsdl` with every `address location="…"` pointing at `endpoint`.
pub fn rewrite_location(wsdl: &str, endpoint: &str) -> String {
    const MARKER: &str = "address location=\"";
    let mut out = String::with_capacity(wsdl.len() + endpoint.len());
    let mut rest = wsdl;
    while let Some(start) = rest.find(MARKER) {
        let value_start = start + MARKER.len();
        out.push_str(&rest[..value_start]);
        out.push_str(&super::xml::escape(endpoint));
        let after = &rest[value_start..];
        let end = after.find('"').unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_points_the_address_at_the_sandbox() {
        let wsdl = r#"<port><wsdlsoap:address location="https://license.example.com/x"/></port>"#;
        let rewritten = rewrite_location(wsdl, "https://127.0.0.1:8443/flexnet/services/v2/P");
        assert_eq!(
            rewritten,
            r#"<port><wsdlsoap:address location="https://127.0.0.1:8443/flexnet/services/v2/P"/></port>"#
        );
    }
}
