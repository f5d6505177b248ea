//! What was sent of a record, field by field as FNO names it. A link keeps
//! it (`sync_links.sent_fields`), so a sync plan shows each field's old and
//! new value; the fingerprint alone only tells that something changed.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::fno::{
    Account, AttributeValue, CustomAttribute, Expiration, NewEntitlement, NewLineItem, StartDate,
    User,
};

/// FNO field name to the value sent, as text.
pub type Fields = BTreeMap<String, String>;

/// A field whose value would change: its FNO name, the value last sent
/// (`None` when never sent, or not known) and the value to send (`None`
/// when it would no longer be sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// FNO field name, e.g. `accountName` or `attribute.Region`.
    pub field: String,
    /// The value last sent.
    pub old: Option<String>,
    /// The value to send.
    pub new: Option<String>,
}

/// A record sent to FNO, field by field.
pub trait SentFields {
    /// Its fields as FNO names them, each with the value sent; fields
    /// without a value are left out.
    fn sent_fields(&self) -> Fields;
}

/// The fields of `sent` as stored with a link.
pub fn stored(sent: &impl SentFields) -> String {
    to_text(&sent.sent_fields())
}

/// The fields as stored with a link.
pub fn to_text(fields: &Fields) -> String {
    serde_json::to_string(fields).unwrap_or_default()
}

/// The fields a link stored; `None` when it stored none (sent before
/// fields were kept).
pub fn of_text(text: &str) -> Option<Fields> {
    serde_json::from_str(text).ok()
}

/// The fields that differ between what was sent (`None`: not known) and
/// what would be sent, in field order. With nothing known of the old
/// record, every field is listed with its new value.
pub fn changes(old: Option<&Fields>, new: &Fields) -> Vec<FieldChange> {
    let empty = Fields::new();
    let old_fields = old.unwrap_or(&empty);
    let mut names: Vec<&String> = old_fields.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (before, after) = (old_fields.get(name), new.get(name));
            (before != after).then(|| FieldChange {
                field: name.clone(),
                old: before.cloned(),
                new: after.cloned(),
            })
        })
        .collect()
}

/// Collects the fields with a value.
#[derive(Default)]
struct Collect(Fields);

impl Collect {
    fn put(&mut self, name: &str, value: Option<impl ToString>) -> &mut Self {
        if let Some(value) = value {
            self.0.insert(name.to_string(), value.to_string());
        }
        self
    }

    fn attributes(&mut self, attributes: &[CustomAttribute]) -> &mut Self {
        for attribute in attributes {
            let value = match &attribute.value {
                AttributeValue::Text(text) => text.clone(),
                AttributeValue::Date(date) => date.to_string(),
                AttributeValue::Boolean(flag) => flag.to_string(),
                AttributeValue::Integer(number) => number.to_string(),
                AttributeValue::Array(values) => values.join(", "),
            };
            self.0
                .insert(format!("attribute.{}", attribute.name), value);
        }
        self
    }

    fn done(&mut self) -> Fields {
        std::mem::take(&mut self.0)
    }
}

impl SentFields for Account {
    fn sent_fields(&self) -> Fields {
        let address = &self.address;
        Collect::default()
            .put("accountID", Some(&self.id))
            .put("accountName", Some(&self.name))
            .put("description", self.description.as_ref())
            .put("address1", address.address1.as_ref())
            .put("address2", address.address2.as_ref())
            .put("city", address.city.as_ref())
            .put("state", address.state.as_ref())
            .put("zipcode", address.zipcode.as_ref())
            .put("country", address.country.as_ref())
            .put("region", address.region.as_ref())
            .put("visible", self.visible)
            .put(
                "accountType",
                self.account_type.as_ref().map(|t| t.as_str()),
            )
            .attributes(&self.custom_attributes)
            .done()
    }
}

impl SentFields for User {
    fn sent_fields(&self) -> Fields {
        let roles: Vec<String> = self
            .account_roles
            .iter()
            .map(|r| format!("{}: {}", r.account_id, r.roles.join(", ")))
            .collect();
        Collect::default()
            .put("userName", Some(&self.user_name))
            .put("firstName", Some(&self.first_name))
            .put("lastName", Some(&self.last_name))
            .put("displayName", self.display_name.as_ref())
            .put("emailAddress", Some(&self.email_address))
            .put("optIn", self.opt_in)
            .put("phoneNumber", self.phone_number.as_ref())
            .put("faxNumber", self.fax_number.as_ref())
            .put("street", self.street.as_ref())
            .put("city", self.city.as_ref())
            .put("state", self.state.as_ref())
            .put("zipcode", self.zipcode.as_ref())
            .put("country", self.country.as_ref())
            .put("locale", self.locale.as_ref())
            .put("canLogin", Some(self.can_login))
            .put("status", self.status.map(|s| s.as_str()))
            .put("timezone", self.timezone.as_ref())
            .put("accountRoles", Some(roles.join("; ")))
            .attributes(&self.custom_attributes)
            .done()
    }
}

/// The entitlement's own fields; its lines are records of their own.
impl SentFields for NewEntitlement {
    fn sent_fields(&self) -> Fields {
        let partners: Vec<String> = self
            .channel_partners
            .iter()
            .map(|p| p.account_id.clone())
            .collect();
        Collect::default()
            .put("description", self.description.as_ref())
            .put("soldTo", self.sold_to.as_ref())
            .put("shipToEmail", self.ship_to_email.as_ref())
            .put("shipToAddress", self.ship_to_address.as_ref())
            .put("state", Some(self.state.as_str()))
            .put(
                "channelPartners",
                (!partners.is_empty()).then(|| partners.join(", ")),
            )
            .attributes(&self.attributes)
            .done()
    }
}

impl SentFields for NewLineItem {
    fn sent_fields(&self) -> Fields {
        let start = match self.start {
            StartDate::On(date) => date.to_string(),
            other => other.option().to_string(),
        };
        let expiration = match self.expiration {
            Expiration::Term { count, unit } => format!("{count} {}", unit.as_str()),
            Expiration::Permanent => "permanent".to_string(),
            Expiration::On(date) => date.to_string(),
        };
        Collect::default()
            .put("description", self.description.as_ref())
            .put("partNumber", Some(&self.part_number))
            .put("licenseModel", self.license_model.as_ref())
            .put("numberOfCopies", Some(self.number_of_copies))
            .put("startDate", Some(start))
            .put("expiration", Some(expiration))
            .attributes(&self.attributes)
            .done()
    }
}

/// Hashes what is sent for a record, to tell later whether it changed.
pub fn fingerprint(sent: &impl std::fmt::Debug) -> String {
    hex::encode(Sha256::digest(format!("{sent:?}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_the_fields_that_differ_with_both_values() {
        let old = Fields::from([
            ("accountName".to_string(), "Acme".to_string()),
            ("city".to_string(), "Oslo".to_string()),
            ("region".to_string(), "EMEA".to_string()),
        ]);
        let new = Fields::from([
            ("accountName".to_string(), "Acme Corp".to_string()),
            ("city".to_string(), "Oslo".to_string()),
            ("country".to_string(), "NO".to_string()),
        ]);
        let change = |field: &str, old: Option<&str>, new: Option<&str>| FieldChange {
            field: field.to_string(),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
        };
        assert_eq!(
            changes(Some(&old), &new),
            [
                change("accountName", Some("Acme"), Some("Acme Corp")),
                change("country", None, Some("NO")),
                change("region", Some("EMEA"), None),
            ]
        );
        assert_eq!(
            changes(None, &new).len(),
            3,
            "nothing known: every field is new"
        );
        assert_eq!(of_text(&to_text(&old)), Some(old));
        assert_eq!(of_text(""), None);
    }

    #[test]
    fn an_account_s_fields_carry_fno_names_and_leave_out_empty_ones() {
        let account = Account {
            id: "A-1".into(),
            name: "Acme".into(),
            account_type: Some(crate::fno::AccountType::Customer),
            ..Account::default()
        };
        let fields = account.sent_fields();
        assert_eq!(fields.get("accountName").map(String::as_str), Some("Acme"));
        assert_eq!(
            fields.get("accountType").map(String::as_str),
            Some("CUSTOMER")
        );
        assert!(!fields.contains_key("city"));
    }
}
