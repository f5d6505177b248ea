//! The FNO services the client calls: where each lives below
//! `/flexnet/services/` and the namespace of its messages, by version.

/// Namespace of UserAcctHierarchyService v3.
pub const USER_ACCT_V3_NS: &str = "urn:v3.webservices.operations.flexnet.com";
/// Namespace of EntitlementOrderService v4.
pub const ENTITLEMENT_ORDER_V4_NS: &str = "urn:v4.webservices.operations.flexnet.com";
/// Namespace of ProductPackagingService v2.
pub const PRODUCT_PACKAGING_V2_NS: &str = "urn:v2.webservices.operations.flexnet.com";

/// The FNO services the client calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Accounts and users.
    UserAcct,
    /// Entitlements and line items.
    EntitlementOrder,
    /// Products and part numbers.
    ProductPackaging,
}

/// Where one service lives below `/flexnet/services/` and the namespace of its messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceEndpoint {
    /// Path below `/flexnet/services/`, e.g. `v4/EntitlementOrderService`.
    pub path: String,
    /// Target namespace of the service's messages.
    pub namespace: String,
}

impl ServiceEndpoint {
    fn new(path: &str, namespace: &str) -> Self {
        Self {
            path: path.to_string(),
            namespace: namespace.to_string(),
        }
    }
}

/// The service versions a client uses; the reference calls these "current"
/// (UserAcct v3, EOS v4, PPS v2) and advises keeping them configurable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceVersions {
    /// UserAcctHierarchyService.
    pub user_acct: ServiceEndpoint,
    /// EntitlementOrderService.
    pub entitlement_order: ServiceEndpoint,
    /// ProductPackagingService.
    pub product_packaging: ServiceEndpoint,
}

impl Default for ServiceVersions {
    fn default() -> Self {
        Self {
            user_acct: ServiceEndpoint::new("v3/UserAcctHierarchyService", USER_ACCT_V3_NS),
            entitlement_order: ServiceEndpoint::new(
                "v4/EntitlementOrderService",
                ENTITLEMENT_ORDER_V4_NS,
            ),
            product_packaging: ServiceEndpoint::new(
                "v2/ProductPackagingService",
                PRODUCT_PACKAGING_V2_NS,
            ),
        }
    }
}

impl ServiceVersions {
    /// Returns the endpoint of `service`.
    pub fn endpoint(&self, service: Service) -> &ServiceEndpoint {
        match service {
            Service::UserAcct => &self.user_acct,
            Service::EntitlementOrder => &self.entitlement_order,
            Service::ProductPackaging => &self.product_packaging,
        }
    }
}
