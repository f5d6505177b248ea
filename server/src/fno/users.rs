//! Portal users through UserAcctHierarchyService v3: find, create (linked to
//! accounts with roles) and update. A user whose role FNO does not know
//! fails with an error that names the role (spec §4).

use chrono::{DateTime, Utc};

use super::accounts::{CreateMode, AFTER, EQUALS};
use super::batch::{
    echo_value, failed_items, processed_outcome, require_success, BatchOutcome, FailedShape,
    Processed,
};
use super::client::FnoClient;
use super::codec::{format_datetime, parse_datetime, read_attributes, write_attributes};
use super::error::{FnoError, ItemFailure};
use super::model::{AccountRoles, User, UserRecord, UserStatus};
use super::operations::{CREATE_USER, GET_USERS_QUERY, UPDATE_USER};
use super::xml::{Element, XmlWriter};

/// `CollectionOperationType` that adds memberships and keeps the others.
const ADD: &str = "ADD";

/// A user FNO created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedUser {
    /// Position in the input slice.
    pub index: usize,
    /// User name.
    pub user_name: String,
    /// FNO's internal id.
    pub unique_id: Option<String>,
}

/// Filters of `getUsersQuery`.
enum UserFilter<'a> {
    UserName(&'a str),
    AccountId(&'a str),
    ModifiedAfter(DateTime<Utc>),
}

impl FnoClient {
    /// Finds the user with user name `user_name` (FNO's user names ignore case).
    pub async fn find_user(&self, user_name: &str) -> Result<Option<UserRecord>, FnoError> {
        let users = self.query_users(UserFilter::UserName(user_name)).await?;
        Ok(users
            .into_iter()
            .find(|record| record.user.user_name.eq_ignore_ascii_case(user_name)))
    }

    /// Lists the users that belong to account `account_id`.
    pub async fn list_account_users(&self, account_id: &str) -> Result<Vec<UserRecord>, FnoError> {
        self.query_users(UserFilter::AccountId(account_id)).await
    }

    /// Lists the users changed after `since`.
    pub async fn list_users_modified_after(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<UserRecord>, FnoError> {
        self.query_users(UserFilter::ModifiedAfter(since)).await
    }

    async fn query_users(&self, filter: UserFilter<'_>) -> Result<Vec<UserRecord>, FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            write_users_query(writer, &filter, page, size)
        };
        self.query_all(&GET_USERS_QUERY, build, read_users).await
    }

    /// Creates users in calls of at most 25. A refusal keeps FNO's reason;
    /// `user_failure` turns it into an error that names a missing role.
    pub async fn create_users(
        &self,
        users: &[User],
        mode: CreateMode,
    ) -> Result<BatchOutcome<CreatedUser>, FnoError> {
        let build =
            |writer: &mut XmlWriter, chunk: &[User]| write_create_users(writer, chunk, mode);
        self.write_in_batches(&CREATE_USER, users, build, read_created_users)
            .await
    }

    /// Creates one user; a missing role becomes `FnoError::MissingRole`.
    pub async fn create_user(&self, user: &User) -> Result<CreatedUser, FnoError> {
        let mut outcome = self
            .create_users(std::slice::from_ref(user), CreateMode::FailIfExists)
            .await?;
        if let Some(failure) = outcome.failed.pop() {
            return Err(user_failure(user, &failure));
        }
        outcome.into_single(&CREATE_USER)
    }

    /// Updates users by user name; their account memberships are added to the existing ones.
    pub async fn update_users(&self, users: &[User]) -> Result<BatchOutcome<Processed>, FnoError> {
        self.write_in_batches(
            &UPDATE_USER,
            users,
            write_update_users,
            |root, offset, chunk| {
                let keys: Vec<String> = chunk.iter().map(|u| u.user_name.clone()).collect();
                processed_outcome(&UPDATE_USER, root, &UPDATE_SHAPE, &keys, offset)
            },
        )
        .await
    }

    /// Updates one user; a missing role becomes `FnoError::MissingRole`.
    pub async fn update_user(&self, user: &User) -> Result<(), FnoError> {
        let mut outcome = self.update_users(std::slice::from_ref(user)).await?;
        if let Some(failure) = outcome.failed.pop() {
            return Err(user_failure(user, &failure));
        }
        Ok(())
    }
}

/// Turns a refused user into an error: `MissingRole` when FNO's reason is
/// about one of the user's roles, else `Rejected` with the reason verbatim.
// FNO's wording for an unknown role is not documented (fno-soap.md §8.1); a
// reason that speaks of a role and names one of the user's roles is taken as
// that case.
pub fn user_failure(user: &User, failure: &ItemFailure) -> FnoError {
    let about_roles = failure.reason.to_lowercase().contains("role");
    let named = user
        .account_roles
        .iter()
        .flat_map(|membership| &membership.roles)
        .find(|role| failure.reason.contains(role.as_str()));
    match named {
        Some(role) if about_roles => FnoError::MissingRole {
            role: role.clone(),
            reason: failure.reason.clone(),
        },
        _ => FnoError::Rejected {
            operation: CREATE_USER.name,
            reason: failure.reason.clone(),
        },
    }
}

const CREATE_SHAPE: FailedShape = FailedShape {
    item: "failedUser",
    key_of: |echo| echo_value(echo, &["userName"]).or_else(|| echo_value(echo, &["emailAddress"])),
};
const UPDATE_SHAPE: FailedShape = FailedShape {
    item: "failedUser",
    key_of: |echo| echo_value(echo, &["user", "userName"]),
};

fn write_users_query(writer: &mut XmlWriter, filter: &UserFilter<'_>, page: usize, size: usize) {
    writer.open("queryParams");
    match filter {
        UserFilter::UserName(name) => writer.simple_query("userName", name, EQUALS),
        UserFilter::AccountId(id) => writer.simple_query("accountID", id, EQUALS),
        UserFilter::ModifiedAfter(since) => {
            writer.simple_query("lastModifiedDateTime", &format_datetime(*since), AFTER)
        }
    };
    writer
        .close("queryParams")
        .number("pageNumber", page)
        .number("batchSize", size);
}

fn read_users(root: &Element) -> Result<Vec<UserRecord>, FnoError> {
    require_success(&GET_USERS_QUERY, root)?;
    let Some(data) = root.child("responseData") else {
        return Ok(Vec::new());
    };
    Ok(data.children_named("user").map(read_user).collect())
}

fn read_user(data: &Element) -> UserRecord {
    let identifier = data.child("userIdentifier");
    let keys = identifier.and_then(|i| i.child("primaryKeys"));
    let key = |name: &str| keys.and_then(|k| k.string(name));
    let memberships = data
        .child("accountRolesList")
        .into_iter()
        .flat_map(|list| list.children_named("acctRoles"))
        .map(|entry| AccountRoles {
            account_id: entry
                .value_at(&["account", "primaryKeys", "id"])
                .unwrap_or_default()
                .to_string(),
            roles: entry
                .child("roles")
                .into_iter()
                .flat_map(|roles| roles.children_named("roleName"))
                .map(|role| role.text.trim().to_string())
                .collect(),
        })
        .collect();
    let user = User {
        user_name: identifier
            .and_then(|i| i.string("userName"))
            .unwrap_or_default(),
        first_name: key("firstName").unwrap_or_default(),
        last_name: key("lastName").unwrap_or_default(),
        email_address: key("emailAddress").unwrap_or_default(),
        phone_number: key("phoneNumber"),
        display_name: data.string("displayName"),
        opt_in: data.bool_of("optIn"),
        fax_number: data.string("faxNumber"),
        street: data.string("street"),
        city: data.string("city"),
        state: data.string("state"),
        zipcode: data.string("zipcode"),
        country: data.string("country"),
        locale: data.string("locale"),
        status: data.value("status").map(|s| match s {
            "Inactive" => UserStatus::Inactive,
            _ => UserStatus::Active,
        }),
        timezone: data.string("timezone"),
        account_roles: memberships,
        custom_attributes: read_attributes(data.child("customAttributes")),
        can_login: false,
    };
    UserRecord {
        unique_id: identifier.and_then(|i| i.string("uniqueId")),
        user,
        last_modified: data.value("dateLastModified").and_then(parse_datetime),
    }
}

fn write_create_users(writer: &mut XmlWriter, users: &[User], mode: CreateMode) {
    for user in users {
        writer
            .open("user")
            .leaf("firstName", &user.first_name)
            .leaf("lastName", &user.last_name)
            .opt("displayName", user.display_name.as_deref())
            .leaf("emailAddress", &user.email_address)
            .opt_bool("optIn", user.opt_in);
        write_contact_fields(writer, user);
        writer
            .opt("locale", user.locale.as_deref())
            .bool("canLogin", user.can_login)
            .leaf("userName", &user.user_name)
            .opt("status", user.status.map(UserStatus::as_str))
            .opt("timezone", user.timezone.as_deref());
        writer.open("acctRolesList");
        write_memberships(writer, &user.account_roles);
        writer.close("acctRolesList");
        write_attributes(writer, "customAttributes", &user.custom_attributes);
        writer.close("user");
    }
    writer.opt("opType", mode.op_type());
}

fn write_contact_fields(writer: &mut XmlWriter, user: &User) {
    writer
        .opt("phoneNumber", user.phone_number.as_deref())
        .opt("faxNumber", user.fax_number.as_deref())
        .opt("street", user.street.as_deref())
        .opt("city", user.city.as_deref())
        .opt("state", user.state.as_deref())
        .opt("zipcode", user.zipcode.as_deref())
        .opt("country", user.country.as_deref());
}

fn write_memberships(writer: &mut XmlWriter, memberships: &[AccountRoles]) {
    for membership in memberships {
        writer
            .open("acctRoles")
            .identifier("account", "id", &membership.account_id);
        if !membership.roles.is_empty() {
            writer.open("roles");
            for role in &membership.roles {
                writer.identifier("role", "name", role);
            }
            writer.close("roles");
        }
        writer.close("acctRoles");
    }
}

fn write_update_users(writer: &mut XmlWriter, users: &[User]) {
    for user in users {
        writer
            .open("userData")
            .open("user")
            .leaf("userName", &user.user_name)
            .close("user")
            .leaf("firstName", &user.first_name)
            .leaf("lastName", &user.last_name)
            .opt("displayName", user.display_name.as_deref())
            .leaf("emailAddress", &user.email_address)
            .opt_bool("optIn", user.opt_in);
        write_contact_fields(writer, user);
        // The update sequence puts status before locale, unlike the create.
        writer
            .opt("status", user.status.map(UserStatus::as_str))
            .opt("locale", user.locale.as_deref())
            .opt("timezone", user.timezone.as_deref());
        if !user.account_roles.is_empty() {
            writer.open("acctRolesList");
            write_memberships(writer, &user.account_roles);
            writer.leaf("opType", ADD).close("acctRolesList");
        }
        write_attributes(writer, "customAttributes", &user.custom_attributes);
        writer.close("userData");
    }
}

fn read_created_users(
    root: &Element,
    offset: usize,
    chunk: &[User],
) -> Result<BatchOutcome<CreatedUser>, FnoError> {
    let keys: Vec<String> = chunk.iter().map(|u| u.user_name.clone()).collect();
    let mut succeeded = Vec::new();
    let created = root
        .child("responseData")
        .into_iter()
        .flat_map(|d| d.children_named("user"));
    for (order, identifier) in created.enumerate() {
        let name = identifier.value("userName");
        let position = name
            .and_then(|name| keys.iter().position(|key| key.eq_ignore_ascii_case(name)))
            .unwrap_or(order);
        if position < keys.len() {
            succeeded.push(CreatedUser {
                index: offset + position,
                user_name: name.map_or_else(|| keys[position].clone(), str::to_string),
                unique_id: identifier.string("uniqueId"),
            });
        }
    }
    let done: Vec<usize> = succeeded.iter().map(|c| c.index - offset).collect();
    let failed = failed_items(&CREATE_USER, root, &CREATE_SHAPE, &keys, &done, offset)?;
    Ok(BatchOutcome { succeeded, failed })
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
