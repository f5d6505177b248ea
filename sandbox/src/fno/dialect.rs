//! Element names that differ between UserAcctHierarchyService v3 (accounts)
//! and the legacy UserOrgHierarchyService v1 (organizations). The two share
//! one store: the v3 Account ID is the v1 organization `name`, and the v3
//! account `name` is the v1 `displayName`.

/// Element names of one service version.
pub struct Dialect {
    /// Account record in create requests: `account` / `organization`.
    pub item: &'static str,
    /// Key element: `id` / `name`.
    pub key: &'static str,
    /// Display name element: `name` / `displayName`.
    pub display: &'static str,
    /// Type element: `accountType` / `orgType`.
    pub type_element: &'static str,
    /// Failed create wrapper: `failedAcct` / `failedOrg`.
    pub failed_create: &'static str,
    /// Update and link record: `acctData` / `orgData`.
    pub data: &'static str,
    /// Identifier inside update records and role lists: `account` / `organization`.
    pub identifier: &'static str,
    /// Failed update wrapper: `failedAccount` / `failedOrg`.
    pub failed_update: &'static str,
    /// Sub-account list and item.
    pub subs: (&'static str, &'static str),
    /// Related-account list and item.
    pub related: (&'static str, &'static str),
    /// Query filters on key and display name.
    pub query_key: &'static str,
    /// Query filter on the display name.
    pub query_display: &'static str,
    /// Root-only query flag.
    pub only_root: &'static str,
    /// Type list filter and its item.
    pub type_list: (&'static str, &'static str),
    /// Link parent and child.
    pub link: (&'static str, &'static str),
    /// Failed link wrapper: `failedAcctData` / `failedOrgData`.
    pub failed_link: &'static str,
    /// Role list on create/update and its item: `acctRolesList > acctRoles`.
    pub roles_list: (&'static str, &'static str),
    /// Role record of updateUserRoles: `accountRoles` / `orgRoles`.
    pub update_roles: &'static str,
    /// Role list of query answers: `accountRolesList` / `orgRolesList`.
    pub query_roles_list: &'static str,
    /// v3 only: expiry dates, audit fields, address filters, role filter.
    pub is_v3: bool,
}

/// UserAcctHierarchyService v3.
pub const V3: Dialect = Dialect {
    item: "account",
    key: "id",
    display: "name",
    type_element: "accountType",
    failed_create: "failedAcct",
    data: "acctData",
    identifier: "account",
    failed_update: "failedAccount",
    subs: ("subAccounts", "subAccount"),
    related: ("relatedAccounts", "relatedAccount"),
    query_key: "accountID",
    query_display: "accountName",
    only_root: "onlyRootAccounts",
    type_list: ("accountTypeList", "acctType"),
    link: ("parentAcct", "subAcct"),
    failed_link: "failedAcctData",
    roles_list: ("acctRolesList", "acctRoles"),
    update_roles: "accountRoles",
    query_roles_list: "accountRolesList",
    is_v3: true,
};

/// UserOrgHierarchyService v1.
pub const V1: Dialect = Dialect {
    item: "organization",
    key: "name",
    display: "displayName",
    type_element: "orgType",
    failed_create: "failedOrg",
    data: "orgData",
    identifier: "organization",
    failed_update: "failedOrg",
    subs: ("subOrganizations", "subOrganization"),
    related: ("relatedOrganizations", "relatedOrganization"),
    query_key: "orgName",
    query_display: "orgDisplayName",
    only_root: "onlyRootOrgs",
    type_list: ("orgTypeList", "orgType"),
    link: ("parentOrg", "subOrg"),
    failed_link: "failedOrgData",
    roles_list: ("orgRolesList", "orgRoles"),
    update_roles: "orgRoles",
    query_roles_list: "orgRolesList",
    is_v3: false,
};

/// Account types of the `AcctType` / `OrgType` enumerations.
pub const ACCOUNT_TYPES: [&str; 4] = [
    "CUSTOMER",
    "PUBLISHER",
    "CHANNEL_PARTNER",
    "SELF_REGISTERED",
];
/// Default account type when a create does not say.
pub const DEFAULT_ACCOUNT_TYPE: &str = "CUSTOMER";
