//! The FNO operations the client calls, each with its service and the Body
//! root names of request and response, which often differ from the
//! operation's name (fno-soap.md §3). Every operation's SOAP action is empty.

use super::services::Service;

/// One SOAP operation: its name and the Body roots of request and response,
/// which often differ from the name (fno-soap.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Operation name as the WSDL calls it.
    pub name: &'static str,
    /// Service that serves it.
    pub service: Service,
    /// Body root of the request.
    pub request: &'static str,
    /// Body root of the response.
    pub response: &'static str,
}

const fn op(
    name: &'static str,
    service: Service,
    request: &'static str,
    response: &'static str,
) -> Operation {
    Operation {
        name,
        service,
        request,
        response,
    }
}

/// `createAccount`.
pub const CREATE_ACCOUNT: Operation = op(
    "createAccount",
    Service::UserAcct,
    "createAcctRequest",
    "createAcctResponse",
);
/// `updateAccount`.
pub const UPDATE_ACCOUNT: Operation = op(
    "updateAccount",
    Service::UserAcct,
    "updateAccountRequest",
    "updateAccountResponse",
);
/// `getAccountsQuery`.
pub const GET_ACCOUNTS_QUERY: Operation = op(
    "getAccountsQuery",
    Service::UserAcct,
    "getAccountsQueryRequest",
    "getAccountsQueryResponse",
);
/// `linkAccounts`.
pub const LINK_ACCOUNTS: Operation = op(
    "linkAccounts",
    Service::UserAcct,
    "linkAccountsRequest",
    "linkAccountsResponse",
);
/// `createUser`.
pub const CREATE_USER: Operation = op(
    "createUser",
    Service::UserAcct,
    "createUserRequest",
    "createUserResponse",
);
/// `updateUser`.
pub const UPDATE_USER: Operation = op(
    "updateUser",
    Service::UserAcct,
    "updateUserRequest",
    "updateUserResponse",
);
/// `getUsersQuery`.
pub const GET_USERS_QUERY: Operation = op(
    "getUsersQuery",
    Service::UserAcct,
    "getUsersQueryRequest",
    "getUsersQueryResponse",
);
/// `getProductsQuery`.
pub const GET_PRODUCTS_QUERY: Operation = op(
    "getProductsQuery",
    Service::ProductPackaging,
    "getProductsQueryRequest",
    "getProductsQueryResponse",
);
/// `getPartNumbersQuery`.
pub const GET_PART_NUMBERS_QUERY: Operation = op(
    "getPartNumbersQuery",
    Service::ProductPackaging,
    "getPartNumbersQueryRequest",
    "getPartNumbersQueryResponse",
);
/// `createSimpleEntitlement`.
pub const CREATE_SIMPLE_ENTITLEMENT: Operation = op(
    "createSimpleEntitlement",
    Service::EntitlementOrder,
    "createSimpleEntitlementRequest",
    "createSimpleEntitlementResponse",
);
/// `updateSimpleEntitlement`.
pub const UPDATE_SIMPLE_ENTITLEMENT: Operation = op(
    "updateSimpleEntitlement",
    Service::EntitlementOrder,
    "updateSimpleEntitlementRequest",
    "updateSimpleEntitlementResponse",
);
/// `createEntitlementLineItem` (adds lines to an existing entitlement).
pub const CREATE_ENTITLEMENT_LINE_ITEM: Operation = op(
    "createEntitlementLineItem",
    Service::EntitlementOrder,
    "createEntitlementLineItemRequest",
    "createEntitlementLineItemResponse",
);
/// `updateEntitlementLineItem`.
pub const UPDATE_ENTITLEMENT_LINE_ITEM: Operation = op(
    "updateEntitlementLineItem",
    Service::EntitlementOrder,
    "updateEntitlementLineItemRequest",
    "updateEntitlementLineItemResponse",
);
/// `setEntitlementState`.
pub const SET_ENTITLEMENT_STATE: Operation = op(
    "setEntitlementState",
    Service::EntitlementOrder,
    "setEntitlementStateRequest",
    "setEntitlementStateResponse",
);
/// `setLineItemState`.
pub const SET_LINE_ITEM_STATE: Operation = op(
    "setLineItemState",
    Service::EntitlementOrder,
    "setLineItemStateRequest",
    "setLineItemStateResponse",
);
/// `renewLicense`.
pub const RENEW_LICENSE: Operation = op(
    "renewLicense",
    Service::EntitlementOrder,
    "renewLicenseRequest",
    "renewLicenseResponse",
);
/// `getEntitlementsQuery`, whose Body roots are `searchEntitlement…`.
pub const GET_ENTITLEMENTS_QUERY: Operation = op(
    "getEntitlementsQuery",
    Service::EntitlementOrder,
    "searchEntitlementRequest",
    "searchEntitlementResponse",
);
/// `getEntitlementLineItemPropertiesQuery`, whose Body roots are `searchEntitlementLineItemProperties…`.
pub const GET_LINE_ITEM_PROPERTIES_QUERY: Operation = op(
    "getEntitlementLineItemPropertiesQuery",
    Service::EntitlementOrder,
    "searchEntitlementLineItemPropertiesRequest",
    "searchEntitlementLineItemPropertiesResponse",
);
