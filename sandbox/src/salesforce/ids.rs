//! Salesforce record ids: 15 case-sensitive characters (3-char key prefix,
//! 2-char pod, a reserved 0, 9 base-62 digits) plus the 3-character
//! case-safe suffix that makes the 18-character form.

/// Digits of the base-62 counter, in Salesforce's (ASCII) order.
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Alphabet of the case-safe suffix: a 5-bit "which chars are uppercase" mask.
const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// Pod and reserved characters after the key prefix (`001a50…` as in the guide).
const POD: &str = "a50";

/// Returns the 3-character case-safe suffix of a 15-character id.
pub fn suffix(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let mask = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |mask, (bit, _)| mask | (1 << bit));
            SUFFIX_ALPHABET[mask] as char
        })
        .collect()
}

/// Builds the 18-character id with `prefix` and sequence number `sequence`.
pub fn make(prefix: &str, sequence: u64) -> String {
    let mut digits = [b'0'; 9];
    let mut rest = sequence;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    let id15 = format!(
        "{prefix}{POD}{}",
        std::str::from_utf8(&digits).expect("base-62 digits are ascii")
    );
    let suffix = suffix(&id15);
    format!("{id15}{suffix}")
}

/// Returns the 18-character form of a 15- or 18-character id, or `None`
/// when the text is no well-formed id (wrong length, characters or suffix).
pub fn normalize(id: &str) -> Option<String> {
    if !id.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        15 => Some(format!("{id}{}", suffix(id))),
        // An 18-character id is case-insensitive: the suffix restores the case.
        18 => {
            let (head, tail) = id.split_at(15);
            let fixed = restore_case(head, tail)?;
            Some(format!("{fixed}{}", suffix(&fixed)))
        }
        _ => None,
    }
}

fn restore_case(head: &str, tail: &str) -> Option<String> {
    let mut out = String::with_capacity(15);
    for (chunk, flag) in head.as_bytes().chunks(5).zip(tail.bytes()) {
        let mask = SUFFIX_ALPHABET
            .iter()
            .position(|c| *c == flag.to_ascii_uppercase())?;
        for (bit, c) in chunk.iter().enumerate() {
            let upper = mask & (1 << bit) != 0;
            out.push(if upper {
                c.to_ascii_uppercase() as char
            } else {
                c.to_ascii_lowercase() as char
            });
        }
    }
    Some(out)
}

/// Returns the key prefix (first three characters) of an id.
pub fn prefix(id: &str) -> &str {
    id.get(..3).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_matches_the_guide_example() {
        assert_eq!(suffix("001a500001xOYkQ"), "AAW");
    }

    #[test]
    fn made_ids_have_prefix_length_and_valid_suffix() {
        let id = make("006", 12345);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("006a50"));
        assert_eq!(normalize(&id).as_deref(), Some(id.as_str()));
        assert_eq!(normalize(&id[..15]).as_deref(), Some(id.as_str()));
    }

    #[test]
    fn lowercased_18_char_id_normalizes_back() {
        let id = make("001", 62 * 62 * 11 + 36);
        assert_eq!(normalize(&id.to_lowercase()).as_deref(), Some(id.as_str()));
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert_eq!(normalize("abc"), None);
        assert_eq!(normalize("001a5000000'OR'1"), None);
    }
}
