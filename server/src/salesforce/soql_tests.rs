use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

/// Reads the string literals of a statement back, as a SOQL lexer would:
/// a quote ends a literal unless escaped. Returns the unescaped values.
fn string_literals(soql: &str) -> Vec<String> {
    let mut literals = Vec::new();
    let mut chars = soql.chars();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        loop {
            match chars.next().expect("the literal is closed") {
                '\'' => break,
                '\\' => value.push(match chars.next().expect("escape") {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).expect("hex")).expect("char")
                    }
                    other @ ('\\' | '\'' | '"' | '%' | '_') => other,
                    other => panic!("invalid escape \\{other}"),
                }),
                other => value.push(other),
            }
        }
        literals.push(value);
    }
    literals
}

#[test]
fn a_name_with_quote_and_backslash_round_trips() {
    let name = r"O'Brien \ Sons";

    let soql = SoqlBuilder::select(["Id", "Name"])
        .from("Account")
        .filter(Condition::eq("Name", name))
        .build()
        .expect("valid query");

    assert_eq!(
        soql.as_str(),
        r"SELECT Id, Name FROM Account WHERE Name = 'O\'Brien \\ Sons'"
    );
    assert_eq!(string_literals(soql.as_str()), vec![name.to_string()]);
}

#[test]
fn an_injection_attempt_stays_one_literal() {
    let attack = "x' OR Name != '";

    let soql = SoqlBuilder::select(["Id"])
        .from("Account")
        .filter(Condition::eq("Name", attack))
        .build()
        .expect("valid query");

    assert_eq!(
        soql.as_str(),
        r"SELECT Id FROM Account WHERE Name = 'x\' OR Name != \''"
    );
    let literals = string_literals(soql.as_str());
    assert_eq!(literals, vec![attack.to_string()]);
    let outside_literals = soql.as_str().replace(&escape(attack), "");
    assert!(!outside_literals.contains(" OR "));
}

#[test]
fn control_characters_and_double_quotes_are_escaped() {
    let value = "a\"b\nc\rd\te\u{8}f\u{c}g\u{1}h";

    let escaped = escape(value);

    assert_eq!(escaped, r#"a\"b\nc\rd\te\bf\fg\u0001h"#);
    assert_eq!(string_literals(&format!("'{escaped}'")), vec![value]);
}

#[test]
fn percent_and_underscore_are_escaped_only_inside_like() {
    let soql = SoqlBuilder::select(["Id"])
        .from("Product2")
        .filter(Condition::like(
            "ProductCode",
            LikePattern::starts_with("50%_off'"),
        ))
        .filter(Condition::eq("Name", "50%_off"))
        .build()
        .expect("valid query");

    assert_eq!(
        soql.as_str(),
        r"SELECT Id FROM Product2 WHERE ProductCode LIKE '50\%\_off\'%' AND Name = '50%_off'"
    );
}

#[test]
fn identifiers_that_are_not_names_are_refused() {
    let bad_names = [
        "Name; DELETE",
        "Name'",
        "1Name",
        "",
        "Account..Name",
        "Name FROM User",
    ];

    for bad in bad_names {
        let field = SoqlBuilder::select([bad]).from("Account").build();
        let object = SoqlBuilder::select(["Id"]).from(bad).build();
        let filter = SoqlBuilder::select(["Id"])
            .from("Account")
            .filter(Condition::eq(bad, 1))
            .build();

        assert!(field.is_err(), "{bad:?} accepted as a field");
        assert!(object.is_err(), "{bad:?} accepted as an object");
        assert!(filter.is_err(), "{bad:?} accepted in a filter");
    }
    assert!(validate_identifier("FNO__SoldTo_Account__r.Name").is_ok());
    assert!(validate_identifier("PricebookEntry.Product2.ProductCode").is_ok());
}

#[test]
fn in_lists_dates_datetimes_order_and_limit_render() {
    let since = Utc
        .with_ymd_and_hms(2024, 1, 31, 23, 1, 1)
        .single()
        .expect("valid time");
    let close = NaiveDate::from_ymd_opt(2024, 2, 1).expect("valid date");

    let soql = SoqlBuilder::select(["Id", "Account.Name"])
        .from("Opportunity")
        .filter(Condition::is_in("StageName", ["Closed Won", "Won'"]))
        .filter(Condition::compare("SystemModstamp", Operator::Gt, since))
        .filter(Condition::compare("CloseDate", Operator::Le, close))
        .filter(Condition::compare(
            "CreatedDate",
            Operator::Ge,
            DateFunction::LastNDays(7),
        ))
        .order_by("SystemModstamp", Direction::Asc)
        .order_by("Id", Direction::Desc)
        .limit(200)
        .build()
        .expect("valid query");

    assert_eq!(
        soql.as_str(),
        "SELECT Id, Account.Name FROM Opportunity WHERE StageName IN ('Closed Won', 'Won\\'') \
         AND SystemModstamp > 2024-01-31T23:01:01Z AND CloseDate <= 2024-02-01 \
         AND CreatedDate >= LAST_N_DAYS:7 ORDER BY SystemModstamp ASC, Id DESC LIMIT 200"
    );
}

#[test]
fn nested_groups_are_parenthesised_and_child_subqueries_render() {
    let soql = SoqlBuilder::select(["Id", "Name"])
        .subquery(
            SoqlBuilder::select(["Id", "Email"])
                .from("Contacts")
                .order_by("Id", Direction::Asc),
        )
        .from("Account")
        .filter(Condition::Or(vec![
            Condition::eq("Name", "a"),
            Condition::And(vec![
                Condition::eq("Type", Literal::Null),
                Condition::not(Condition::is_in("Id", ["001x"])),
            ]),
        ]))
        .build()
        .expect("valid query");

    assert_eq!(
        soql.as_str(),
        "SELECT Id, Name, (SELECT Id, Email FROM Contacts ORDER BY Id ASC) FROM Account \
         WHERE Name = 'a' OR (Type = null AND NOT (Id IN ('001x')))"
    );
}

#[test]
fn empty_lists_non_finite_numbers_and_ordered_nulls_are_refused() {
    let empty: [&str; 0] = [];
    let builds = [
        SoqlBuilder::select(["Id"])
            .from("Account")
            .filter(Condition::is_in("Id", empty)),
        SoqlBuilder::select(["Id"])
            .from("Account")
            .filter(Condition::eq("AnnualRevenue", f64::NAN)),
        SoqlBuilder::select(["Id"])
            .from("Account")
            .filter(Condition::compare("Name", Operator::Gt, Literal::Null)),
        SoqlBuilder::select(["Id"])
            .from("Account")
            .filter(Condition::And(vec![])),
        SoqlBuilder::select(Vec::<String>::new()).from("Account"),
    ];

    for builder in builds {
        assert!(matches!(builder.build(), Err(SalesforceError::Soql(_))));
    }
}

#[test]
fn count_queries_and_duplicate_fields_render_once() {
    let count = SoqlBuilder::count()
        .from("Contact")
        .filter(Condition::eq("HasOptedOutOfEmail", true))
        .build()
        .expect("valid query");
    let deduplicated = SoqlBuilder::select(["Id", "Name", "id"])
        .fields(["NAME", "Email"])
        .from("Contact")
        .build()
        .expect("valid query");

    assert_eq!(
        count.as_str(),
        "SELECT COUNT() FROM Contact WHERE HasOptedOutOfEmail = true"
    );
    assert_eq!(deduplicated.as_str(), "SELECT Id, Name, Email FROM Contact");
}
