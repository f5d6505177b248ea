//! LIKE pattern matching: `%` any run, `_` one character, `\%` and `\_`
//! literal (see the lexer's stand-ins); case-insensitive as in SOQL.

use super::lexer::{LITERAL_PERCENT, LITERAL_UNDERSCORE};

/// Tells whether `text` matches the LIKE `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    // Two-row dynamic programming: row[j] = pattern[..i] matches text[..j].
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for p in &pattern {
        let mut next = vec![false; text.len() + 1];
        if *p == '%' {
            next[0] = row[0];
        }
        for j in 1..=text.len() {
            next[j] = match *p {
                '%' => next[j - 1] || row[j],
                '_' => row[j - 1],
                LITERAL_PERCENT => row[j - 1] && text[j - 1] == '%',
                LITERAL_UNDERSCORE => row[j - 1] && text[j - 1] == '_',
                c => row[j - 1] && text[j - 1] == c,
            };
        }
        row = next;
    }
    row[text.len()]
}

/// Replaces the LIKE-only stand-ins by the characters they stand for.
pub fn plain(text: &str) -> String {
    text.replace(LITERAL_PERCENT, "%")
        .replace(LITERAL_UNDERSCORE, "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(matches("GenWatt%", "genwatt diesel 10kW"));
        assert!(matches("%10kw", "GenWatt Diesel 10kW"));
        assert!(matches("SL9_20", "SL9020"));
        assert!(!matches("SL9_20", "SL90020"));
        assert!(matches("%", ""));
    }

    #[test]
    fn escaped_wildcards_are_literal() {
        let pattern = format!("100{LITERAL_PERCENT}");
        assert!(matches(&pattern, "100%"));
        assert!(!matches(&pattern, "1000"));
    }
}
