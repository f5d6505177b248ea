//! Recursive-descent parser for the SOQL subset: SELECT fields, parent paths,
//! child subqueries and COUNT(); FROM; WHERE with comparisons, IN / NOT IN
//! (lists and semi-joins), LIKE, AND / OR / NOT and parentheses; ORDER BY;
//! LIMIT; OFFSET. As in SOQL, AND and OR may not be mixed without parentheses.

use super::ast::{Condition, Literal, OrderKey, Path, Query, SelectItem};
use super::lexer::{tokenize, Tok, Token};
use super::SoqlError;

/// Date functions accepted as values (`TODAY`, `LAST_N_DAYS:n`, …).
pub const DATE_FUNCTIONS: &[&str] = &[
    "TODAY",
    "YESTERDAY",
    "TOMORROW",
    "LAST_N_DAYS",
    "NEXT_N_DAYS",
    "N_DAYS_AGO",
];

/// Parses a whole query.
pub fn parse(query: &str) -> Result<Query, SoqlError> {
    let tokens = tokenize(query)?;
    let mut parser = Parser { tokens, at: 0 };
    let parsed = parser.query()?;
    parser.expect_eof()?;
    Ok(parsed)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        token
    }

    fn unexpected(&self) -> SoqlError {
        let token = self.peek();
        SoqlError::malformed(
            token.pos,
            format!("unexpected token: {}", token.tok.describe()),
        )
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(text) if text.eq_ignore_ascii_case(word))
    }

    fn keyword(&mut self, word: &str) -> Result<(), SoqlError> {
        if self.is_keyword(word) {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek().tok == tok {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok) -> Result<(), SoqlError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_eof(&self) -> Result<(), SoqlError> {
        if self.peek().tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn identifier(&mut self) -> Result<(String, usize), SoqlError> {
        match self.peek().tok.clone() {
            Tok::Ident(text) => {
                let pos = self.advance().pos;
                Ok((text, pos))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.keyword("SELECT")?;
        let select = self.select_list()?;
        self.keyword("FROM")?;
        let (from, from_pos) = self.identifier()?;
        let filter = if self.is_keyword("WHERE") {
            self.advance();
            Some(self.condition()?)
        } else {
            None
        };
        let order_by = self.order_by()?;
        let limit = self.count_clause("LIMIT")?;
        let offset = self.count_clause("OFFSET")?;
        Ok(Query {
            select,
            from,
            from_pos,
            filter,
            order_by,
            limit,
            offset,
        })
    }

    fn select_list(&mut self) -> Result<Vec<SelectItem>, SoqlError> {
        let mut items = vec![self.select_item()?];
        while self.eat(&Tok::Comma) {
            items.push(self.select_item()?);
        }
        Ok(items)
    }

    fn select_item(&mut self) -> Result<SelectItem, SoqlError> {
        if self.eat(&Tok::LParen) {
            let sub = self.query()?;
            self.expect(&Tok::RParen)?;
            return Ok(SelectItem::SubQuery(Box::new(sub)));
        }
        if self.is_keyword("COUNT")
            && self.tokens.get(self.at + 1).map(|t| &t.tok) == Some(&Tok::LParen)
        {
            self.advance();
            self.advance();
            self.expect(&Tok::RParen)?;
            return Ok(SelectItem::Count);
        }
        Ok(SelectItem::Field(self.path()?))
    }

    fn path(&mut self) -> Result<Path, SoqlError> {
        let (first, pos) = self.identifier()?;
        let mut parts = vec![first];
        while self.eat(&Tok::Dot) {
            parts.push(self.identifier()?.0);
        }
        Ok(Path { parts, pos })
    }

    fn condition(&mut self) -> Result<Condition, SoqlError> {
        let first = self.unary()?;
        let joiner = if self.is_keyword("AND") {
            "AND"
        } else if self.is_keyword("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.is_keyword(joiner) {
            self.advance();
            terms.push(self.unary()?);
        }
        // SOQL refuses `a AND b OR c`: mixed operators need parentheses.
        if self.is_keyword("AND") || self.is_keyword("OR") {
            return Err(self.unexpected());
        }
        Ok(if joiner == "AND" {
            Condition::And(terms)
        } else {
            Condition::Or(terms)
        })
    }

    fn unary(&mut self) -> Result<Condition, SoqlError> {
        if self.is_keyword("NOT") {
            self.advance();
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.eat(&Tok::LParen) {
            let inner = self.condition()?;
            self.expect(&Tok::RParen)?;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Condition, SoqlError> {
        let path = self.path()?;
        let pos = self.peek().pos;
        if let Tok::Op(op) = self.peek().tok {
            self.advance();
            let value = self.literal()?;
            return Ok(Condition::Compare(path, op, value, pos));
        }
        if self.is_keyword("LIKE") {
            self.advance();
            return match self.advance().tok {
                Tok::Str(pattern) => Ok(Condition::Like(path, pattern, pos)),
                _ => Err(SoqlError::malformed(pos, "unexpected token: LIKE".into())),
            };
        }
        let negated = self.is_keyword("NOT");
        if negated {
            self.advance();
        }
        self.keyword("IN")?;
        self.expect(&Tok::LParen)?;
        if self.is_keyword("SELECT") {
            let sub = self.query()?;
            self.expect(&Tok::RParen)?;
            return Ok(Condition::InQuery(path, negated, Box::new(sub)));
        }
        let mut values = vec![self.literal()?];
        while self.eat(&Tok::Comma) {
            values.push(self.literal()?);
        }
        self.expect(&Tok::RParen)?;
        Ok(Condition::In(path, negated, values, pos))
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        let token = self.peek().clone();
        let literal = match token.tok {
            Tok::Str(text) => Literal::Str(text),
            Tok::Num(n) => Literal::Num(n),
            Tok::Date(text) => Literal::Date(text),
            Tok::DateTime(text) => Literal::DateTime(text),
            Tok::Ident(word) => return self.word_literal(&word),
            _ => return Err(self.unexpected()),
        };
        self.advance();
        Ok(literal)
    }

    fn word_literal(&mut self, word: &str) -> Result<Literal, SoqlError> {
        let upper = word.to_ascii_uppercase();
        let literal = match upper.as_str() {
            "TRUE" => Literal::Bool(true),
            "FALSE" => Literal::Bool(false),
            "NULL" => Literal::Null,
            name if DATE_FUNCTIONS.contains(&name) => {
                self.advance();
                let n = if self.eat(&Tok::Colon) {
                    match self.peek().tok {
                        Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 => Some(n as u32),
                        _ => return Err(self.unexpected()),
                    }
                } else {
                    None
                };
                let needs_n = name.contains("_N_");
                if needs_n != n.is_some() {
                    return Err(self.unexpected());
                }
                if n.is_some() {
                    self.advance();
                }
                return Ok(Literal::DateFunction(upper, n));
            }
            _ => return Err(self.unexpected()),
        };
        self.advance();
        Ok(literal)
    }

    fn order_by(&mut self) -> Result<Vec<OrderKey>, SoqlError> {
        if !self.is_keyword("ORDER") {
            return Ok(Vec::new());
        }
        self.advance();
        self.keyword("BY")?;
        let mut keys = vec![self.order_key()?];
        while self.eat(&Tok::Comma) {
            keys.push(self.order_key()?);
        }
        Ok(keys)
    }

    fn order_key(&mut self) -> Result<OrderKey, SoqlError> {
        let path = self.path()?;
        let mut descending = false;
        if self.is_keyword("ASC") {
            self.advance();
        } else if self.is_keyword("DESC") {
            self.advance();
            descending = true;
        }
        let mut nulls_first = None;
        if self.is_keyword("NULLS") {
            self.advance();
            if self.is_keyword("FIRST") {
                nulls_first = Some(true);
            } else if self.is_keyword("LAST") {
                nulls_first = Some(false);
            } else {
                return Err(self.unexpected());
            }
            self.advance();
        }
        Ok(OrderKey {
            path,
            descending,
            nulls_first,
        })
    }

    fn count_clause(&mut self, word: &str) -> Result<Option<u64>, SoqlError> {
        if !self.is_keyword(word) {
            return Ok(None);
        }
        self.advance();
        match self.peek().tok {
            Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 => {
                self.advance();
                Ok(Some(n as u64))
            }
            _ => Err(self.unexpected()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_subquery_where_order_limit() {
        let q = parse(
            "SELECT Id, Account.Name, (SELECT Id FROM OpportunityLineItems) FROM Opportunity \
             WHERE (StageName = 'Closed Won' OR Amount > 10) AND IsDeleted = false \
             ORDER BY CloseDate DESC NULLS LAST, Name LIMIT 5 OFFSET 2",
        )
        .expect("parses");
        assert_eq!(q.from, "Opportunity");
        assert_eq!(q.select.len(), 3);
        assert!(
            matches!(&q.select[2], SelectItem::SubQuery(sub) if sub.from == "OpportunityLineItems")
        );
        assert!(
            matches!(&q.filter, Some(Condition::And(terms)) if matches!(terms[0], Condition::Or(_)))
        );
        assert_eq!(q.order_by.len(), 2);
        assert!(q.order_by[0].descending);
        assert_eq!(q.order_by[0].nulls_first, Some(false));
        assert_eq!((q.limit, q.offset), (Some(5), Some(2)));
    }

    #[test]
    fn mixing_and_or_without_parentheses_is_malformed() {
        let error = parse("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")
            .expect_err("refused");
        assert!(
            error.message.contains("unexpected token: OR"),
            "{}",
            error.message
        );
    }

    #[test]
    fn in_not_in_like_and_date_functions_parse() {
        let q = parse(
            "SELECT COUNT() FROM Contact WHERE Email LIKE '%@x.com' AND AccountId NOT IN ('001') \
             AND CreatedDate = LAST_N_DAYS:7 AND Id IN (SELECT ContactId FROM Opportunity)",
        )
        .expect("parses");
        assert_eq!(q.select, vec![SelectItem::Count]);
        let Some(Condition::And(terms)) = q.filter else {
            panic!("and expected")
        };
        assert!(matches!(&terms[1], Condition::In(_, true, values, _) if values.len() == 1));
        assert!(
            matches!(&terms[2], Condition::Compare(_, "=", Literal::DateFunction(name, Some(7)), _) if name == "LAST_N_DAYS")
        );
        assert!(matches!(&terms[3], Condition::InQuery(_, false, _)));
    }

    #[test]
    fn trailing_garbage_and_missing_from_are_malformed() {
        assert!(parse("SELECT Id FROM Account garbage here").is_err());
        assert!(parse("SELECT Id Account").is_err());
        assert!(parse("SELECT FROM Account").is_err());
        assert!(parse("SELECT Id FROM Account WHERE").is_err());
    }
}
