//! SOQL tokens: identifiers, single-quoted strings with Salesforce's
//! backslash escapes, numbers, unquoted date and datetime literals, and
//! punctuation. A quote inside a string is data only when escaped (`\'`).

use super::SoqlError;

/// Stand-in for an escaped `%` inside a LIKE pattern (private-use char).
pub const LITERAL_PERCENT: char = '\u{E000}';
/// Stand-in for an escaped `_` inside a LIKE pattern.
pub const LITERAL_UNDERSCORE: char = '\u{E001}';

/// A token kind with its text.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// Identifier or keyword.
    Ident(String),
    /// String literal, unescaped.
    Str(String),
    /// Number literal.
    Num(f64),
    /// Date literal `2024-01-31`.
    Date(String),
    /// Datetime literal `2024-01-31T23:01:01Z`.
    DateTime(String),
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `,`.
    Comma,
    /// `.`.
    Dot,
    /// `:`.
    Colon,
    /// Comparison operator (`=`, `!=`, `<>`, `<`, `>`, `<=`, `>=`).
    Op(&'static str),
    /// End of the query.
    Eof,
}

/// A token and its byte offset in the query.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// Kind and text.
    pub tok: Tok,
    /// Byte offset of its first character.
    pub pos: usize,
}

impl Tok {
    /// Describes the token as Salesforce's "unexpected token" message does.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(text) => text.clone(),
            Tok::Str(text) => format!("'{text}'"),
            Tok::Num(n) => n.to_string(),
            Tok::Date(text) | Tok::DateTime(text) => text.clone(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Dot => ".".into(),
            Tok::Colon => ":".into(),
            Tok::Op(op) => (*op).into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

/// Splits a query into tokens.
pub fn tokenize(query: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<(usize, char)> = query.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (tok, next) = match c {
            '(' => (Tok::LParen, i + 1),
            ')' => (Tok::RParen, i + 1),
            ',' => (Tok::Comma, i + 1),
            '.' => (Tok::Dot, i + 1),
            ':' => (Tok::Colon, i + 1),
            '\'' => lex_string(query, &chars, i)?,
            '=' | '!' | '<' | '>' => lex_operator(query, &chars, i)?,
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && next_is_digit(&chars, i)) => {
                lex_number_or_date(query, &chars, i)?
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let end = scan(&chars, i, |c| c.is_ascii_alphanumeric() || c == '_');
                (Tok::Ident(slice(query, &chars, i, end).to_string()), end)
            }
            other => {
                return Err(SoqlError::malformed(
                    pos,
                    format!("unexpected token: '{other}'"),
                ))
            }
        };
        tokens.push(Token { tok, pos });
        i = next;
    }
    tokens.push(Token {
        tok: Tok::Eof,
        pos: query.len(),
    });
    Ok(tokens)
}

fn next_is_digit(chars: &[(usize, char)], i: usize) -> bool {
    chars.get(i + 1).is_some_and(|(_, c)| c.is_ascii_digit())
}

fn scan(chars: &[(usize, char)], start: usize, keep: impl Fn(char) -> bool) -> usize {
    let mut end = start;
    while end < chars.len() && keep(chars[end].1) {
        end += 1;
    }
    end
}

fn slice<'q>(query: &'q str, chars: &[(usize, char)], start: usize, end: usize) -> &'q str {
    let from = chars[start].0;
    let to = chars.get(end).map_or(query.len(), |(p, _)| *p);
    &query[from..to]
}

fn lex_operator(query: &str, chars: &[(usize, char)], i: usize) -> Result<(Tok, usize), SoqlError> {
    let two = slice(query, chars, i, (i + 2).min(chars.len()));
    let op = match two {
        "!=" => "!=",
        "<>" => "!=",
        "<=" => "<=",
        ">=" => ">=",
        _ => match chars[i].1 {
            '=' => "=",
            '<' => "<",
            '>' => ">",
            _ => {
                return Err(SoqlError::malformed(
                    chars[i].0,
                    "unexpected token: '!'".to_string(),
                ))
            }
        },
    };
    let width = if matches!(two, "!=" | "<>" | "<=" | ">=") {
        2
    } else {
        1
    };
    Ok((Tok::Op(op), i + width))
}

fn lex_string(
    query: &str,
    chars: &[(usize, char)],
    start: usize,
) -> Result<(Tok, usize), SoqlError> {
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i].1 {
            '\'' => return Ok((Tok::Str(value), i + 1)),
            '\\' => {
                let Some(&(_, escaped)) = chars.get(i + 1) else {
                    break;
                };
                value.push(match escaped {
                    'n' | 'N' => '\n',
                    'r' | 'R' => '\r',
                    't' | 'T' => '\t',
                    'b' | 'B' => '\u{8}',
                    'f' | 'F' => '\u{c}',
                    '"' => '"',
                    '\'' => '\'',
                    '\\' => '\\',
                    '%' => LITERAL_PERCENT,
                    '_' => LITERAL_UNDERSCORE,
                    'u' => {
                        let hex = slice(query, chars, i + 2, (i + 6).min(chars.len()));
                        let code = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                        let Some(code) = code.filter(|_| hex.len() == 4) else {
                            return Err(illegal_escape(query, chars, start, i));
                        };
                        i += 4;
                        code
                    }
                    _ => return Err(illegal_escape(query, chars, start, i)),
                });
                i += 2;
            }
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    Err(SoqlError::malformed(
        chars[start].0,
        "line 1:0 no viable alternative at character '''".to_string(),
    ))
}

fn illegal_escape(query: &str, chars: &[(usize, char)], start: usize, at: usize) -> SoqlError {
    let sequence = slice(query, chars, at, (at + 2).min(chars.len()));
    SoqlError::malformed(
        chars[start].0,
        format!(
            "Invalid string literal. Illegal character sequence '{sequence}' in string literal."
        ),
    )
}

fn lex_number_or_date(
    query: &str,
    chars: &[(usize, char)],
    start: usize,
) -> Result<(Tok, usize), SoqlError> {
    let digits_end = scan(chars, start + 1, |c| c.is_ascii_digit());
    let is_date = digits_end - start == 4 && chars.get(digits_end).is_some_and(|(_, c)| *c == '-');
    if is_date {
        let end = scan(chars, start, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')
        });
        let text = slice(query, chars, start, end).to_string();
        let tok = if text.contains('T') {
            Tok::DateTime(text)
        } else {
            Tok::Date(text)
        };
        return Ok((tok, end));
    }
    let end = scan(chars, start + 1, |c| c.is_ascii_digit() || c == '.');
    let text = slice(query, chars, start, end);
    let number = text
        .parse()
        .map_err(|_| SoqlError::malformed(chars[start].0, format!("unexpected token: '{text}'")))?;
    Ok((Tok::Num(number), end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(query: &str) -> Vec<Tok> {
        tokenize(query)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn escaped_quote_and_backslash_stay_inside_the_string() {
        let toks = kinds(r"Name = 'O\'Brien \\ Sons' AND");
        assert_eq!(toks[2], Tok::Str(r"O'Brien \ Sons".into()));
        assert_eq!(toks[3], Tok::Ident("AND".into()));
    }

    #[test]
    fn injection_attempt_is_one_string() {
        let toks = kinds(r"Name = 'x\' OR Name != \'y'");
        assert_eq!(toks[2], Tok::Str("x' OR Name != 'y".into()));
        assert_eq!(toks[3], Tok::Eof);
    }

    #[test]
    fn control_escapes_and_unicode_are_decoded() {
        assert_eq!(
            kinds(r#"'a\nb\tc\u00e9\"'"#)[0],
            Tok::Str("a\nb\tcé\"".into())
        );
    }

    #[test]
    fn unknown_escape_is_malformed() {
        let error = tokenize(r"'a\qb'").expect_err("refused");
        assert!(
            error.message.contains("Illegal character sequence"),
            "{}",
            error.message
        );
    }

    #[test]
    fn unterminated_string_is_malformed() {
        assert!(tokenize("Name = 'abc").is_err());
    }

    #[test]
    fn dates_datetimes_and_numbers_are_told_apart() {
        let toks = kinds("2024-01-31 2024-01-31T23:01:01Z 2024-01-31T23:01:01+01:00 42 -1.5");
        assert_eq!(toks[0], Tok::Date("2024-01-31".into()));
        assert_eq!(toks[1], Tok::DateTime("2024-01-31T23:01:01Z".into()));
        assert_eq!(toks[2], Tok::DateTime("2024-01-31T23:01:01+01:00".into()));
        assert_eq!(toks[3], Tok::Num(42.0));
        assert_eq!(toks[4], Tok::Num(-1.5));
    }

    #[test]
    fn operators_are_recognized() {
        assert_eq!(
            kinds("= != <> < > <= >="),
            vec![
                Tok::Op("="),
                Tok::Op("!="),
                Tok::Op("!="),
                Tok::Op("<"),
                Tok::Op(">"),
                Tok::Op("<="),
                Tok::Op(">="),
                Tok::Eof
            ]
        );
    }
}
