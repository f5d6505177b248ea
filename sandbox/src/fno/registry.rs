//! The services the sandbox serves, their namespaces, WSDLs and operation
//! tables: request root → operation name → handler. Body roots differ from
//! operation names in places (e.g. `searchEntitlementRequest` is
//! `getEntitlementsQuery`); the WSDLs are the authority.

use super::service::{Kind, Operation, Service};
use super::{
    account_query, accounts, auth, entitlement_query, entitlements, line_ops, line_query, products,
    user_query, users,
};

/// Namespace of UserAcctHierarchyService v3.
pub const USER_ACCT_NS: &str = "urn:v3.webservices.operations.flexnet.com";
/// Namespace of UserOrgHierarchyService v1.
pub const USER_ORG_NS: &str = "urn:v1.webservices.operations.flexnet.com";
/// Namespace of EntitlementOrderService v4.
pub const ENTITLEMENT_NS: &str = "urn:v4.webservices.operations.flexnet.com";
/// Namespace of ProductPackagingService v2.
pub const PRODUCT_NS: &str = "urn:v2.webservices.operations.flexnet.com";
/// Namespace of FlexnetAuthentication v1.
pub const AUTH_NS: &str = "urn:v1.webservices.platform.flexnet.com";

const fn op(
    request: &'static str,
    name: &'static str,
    response: &'static str,
    kind: Kind,
    handler: super::service::Handler,
) -> Operation {
    Operation {
        request,
        name,
        response,
        kind,
        handler,
    }
}

const USER_ACCT_OPERATIONS: &[Operation] = &[
    op(
        "createAcctRequest",
        "createAccount",
        "createAcctResponse",
        Kind::Write("account"),
        accounts::create_account,
    ),
    op(
        "updateAccountRequest",
        "updateAccount",
        "updateAccountResponse",
        Kind::Write("acctData"),
        accounts::update_account,
    ),
    op(
        "getAccountsQueryRequest",
        "getAccountsQuery",
        "getAccountsQueryResponse",
        Kind::Query,
        account_query::accounts_query,
    ),
    op(
        "getAccountCountRequest",
        "getAccountCount",
        "getAccountCountResponse",
        Kind::Read,
        account_query::account_count,
    ),
    op(
        "linkAccountsRequest",
        "linkAccounts",
        "linkAccountsResponse",
        Kind::Write("acctData"),
        accounts::link_accounts,
    ),
    op(
        "createUserRequest",
        "createUser",
        "createUserResponse",
        Kind::Write("user"),
        users::create_user_v3,
    ),
    op(
        "updateUserRequest",
        "updateUser",
        "updateUserResponse",
        Kind::Write("userData"),
        users::update_user_v3,
    ),
    op(
        "updateUserRolesRequest",
        "updateUserRoles",
        "updateUserRolesResponse",
        Kind::Write("userData"),
        users::update_roles_v3,
    ),
    op(
        "getUsersQueryRequest",
        "getUsersQuery",
        "getUsersQueryResponse",
        Kind::Query,
        user_query::users_query_v3,
    ),
    op(
        "getUserCountRequest",
        "getUserCount",
        "getUserCountResponse",
        Kind::Read,
        user_query::user_count_v3,
    ),
    op(
        "getUserPermissionsRequest",
        "getUserPermissions",
        "getUserPermissionsResponse",
        Kind::Read,
        user_query::permissions_v3,
    ),
];

const USER_ORG_OPERATIONS: &[Operation] = &[
    op(
        "createOrgRequest",
        "createOrganization",
        "createOrgResponse",
        Kind::Write("organization"),
        accounts::create_organization,
    ),
    op(
        "updateOrganizationRequest",
        "updateOrganization",
        "updateOrganizationResponse",
        Kind::Write("orgData"),
        accounts::update_organization,
    ),
    op(
        "getOrganizationsQueryRequest",
        "getOrganizationsQuery",
        "getOrganizationsQueryResponse",
        Kind::Query,
        account_query::organizations_query,
    ),
    op(
        "getOrganizationCountRequest",
        "getOrganizationCount",
        "getOrganizationCountResponse",
        Kind::Read,
        account_query::organization_count,
    ),
    op(
        "linkOrganizationsRequest",
        "linkOrganizations",
        "linkOrganizationsResponse",
        Kind::Write("orgData"),
        accounts::link_organizations,
    ),
    op(
        "createUserRequest",
        "createUser",
        "createUserResponse",
        Kind::Write("user"),
        users::create_user_v1,
    ),
    op(
        "updateUserRequest",
        "updateUser",
        "updateUserResponse",
        Kind::Write("userData"),
        users::update_user_v1,
    ),
    op(
        "updateUserRolesRequest",
        "updateUserRoles",
        "updateUserRolesResponse",
        Kind::Write("userData"),
        users::update_roles_v1,
    ),
    op(
        "getUsersQueryRequest",
        "getUsersQuery",
        "getUsersQueryResponse",
        Kind::Query,
        user_query::users_query_v1,
    ),
    op(
        "getUserCountRequest",
        "getUserCount",
        "getUserCountResponse",
        Kind::Read,
        user_query::user_count_v1,
    ),
    op(
        "getUserPermissionsRequest",
        "getUserPermissions",
        "getUserPermissionsResponse",
        Kind::Read,
        user_query::permissions_v1,
    ),
];

const ENTITLEMENT_OPERATIONS: &[Operation] = &[
    op(
        "createSimpleEntitlementRequest",
        "createSimpleEntitlement",
        "createSimpleEntitlementResponse",
        Kind::Write("simpleEntitlement"),
        entitlements::create_simple_entitlement,
    ),
    op(
        "updateSimpleEntitlementRequest",
        "updateSimpleEntitlement",
        "updateSimpleEntitlementResponse",
        Kind::Write("simpleEntitlement"),
        entitlements::update_simple_entitlement,
    ),
    op(
        "setEntitlementStateRequest",
        "setEntitlementState",
        "setEntitlementStateResponse",
        Kind::Write("entitlement"),
        entitlements::set_entitlement_state,
    ),
    op(
        "setLineItemStateRequest",
        "setLineItemState",
        "setLineItemStateResponse",
        Kind::Write("lineItem"),
        entitlements::set_line_item_state,
    ),
    op(
        "createEntitlementLineItemRequest",
        "createEntitlementLineItem",
        "createEntitlementLineItemResponse",
        Kind::Write("lineItem"),
        line_ops::create_line_items,
    ),
    op(
        "updateEntitlementLineItemRequest",
        "updateEntitlementLineItem",
        "updateEntitlementLineItemResponse",
        Kind::Write("lineItemData"),
        line_ops::update_line_items,
    ),
    op(
        "renewLicenseRequest",
        "renewLicense",
        "renewLicenseResponse",
        Kind::Write("entitlementData"),
        line_ops::renew_license,
    ),
    op(
        "searchEntitlementRequest",
        "getEntitlementsQuery",
        "searchEntitlementResponse",
        Kind::Query,
        entitlement_query::entitlements_query,
    ),
    op(
        "getEntitlementCountRequest",
        "getEntitlementCount",
        "getEntitlementCountResponse",
        Kind::Read,
        entitlement_query::entitlement_count,
    ),
    op(
        "searchEntitlementLineItemPropertiesRequest",
        "getEntitlementLineItemPropertiesQuery",
        "searchEntitlementLineItemPropertiesResponse",
        Kind::Query,
        line_query::line_item_properties_query,
    ),
];

const PRODUCT_OPERATIONS: &[Operation] = &[
    op(
        "getProductsQueryRequest",
        "getProductsQuery",
        "getProductsQueryResponse",
        Kind::Query,
        products::products_query,
    ),
    op(
        "getPartNumbersQueryRequest",
        "getPartNumbersQuery",
        "getPartNumbersQueryResponse",
        Kind::Query,
        products::part_numbers_query,
    ),
];

const AUTH_OPERATIONS: &[Operation] = &[op(
    "AuthenticateUserInput",
    "authenticateUser",
    "AuthenticateUserReturn",
    Kind::Open,
    auth::authenticate_user,
)];

/// Every service, by path below `/flexnet/services/`.
pub static SERVICES: &[Service] = &[
    Service {
        path: "v3/UserAcctHierarchyService",
        ns: USER_ACCT_NS,
        wsdl: include_str!("wsdl/v3-UserAcctHierarchyService.wsdl"),
        operations: USER_ACCT_OPERATIONS,
    },
    Service {
        path: "v1/UserOrgHierarchyService",
        ns: USER_ORG_NS,
        wsdl: include_str!("wsdl/v1-UserOrgHierarchyService.wsdl"),
        operations: USER_ORG_OPERATIONS,
    },
    Service {
        path: "v4/EntitlementOrderService",
        ns: ENTITLEMENT_NS,
        wsdl: include_str!("wsdl/v4-EntitlementOrderService.wsdl"),
        operations: ENTITLEMENT_OPERATIONS,
    },
    Service {
        path: "v2/ProductPackagingService",
        ns: PRODUCT_NS,
        wsdl: include_str!("wsdl/v2-ProductPackagingService.wsdl"),
        operations: PRODUCT_OPERATIONS,
    },
    Service {
        path: "v1/FlexnetAuthentication",
        ns: AUTH_NS,
        wsdl: include_str!("wsdl/v1-FlexnetAuthentication.wsdl"),
        operations: AUTH_OPERATIONS,
    },
];

/// Finds a service by its path below `/flexnet/services/`.
pub fn service(path: &str) -> Option<&'static Service> {
    SERVICES
        .iter()
        .find(|service| service.path == path.trim_matches('/'))
}

/// Whether `operation` changes state (counted by `write_call_count`).
pub fn is_write(operation: &str) -> bool {
    SERVICES
        .iter()
        .flat_map(|service| service.operations)
        .any(|op| op.name == operation && matches!(op.kind, Kind::Write(_)))
}
