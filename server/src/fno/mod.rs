//! Client of the FlexNet Operations SOAP API: accounts and users
//! (UserAcctHierarchyService v3), products and part numbers
//! (ProductPackagingService v2) and entitlements (EntitlementOrderService v4).
//! It builds and reads SOAP 1.1 envelopes with quick-xml, batches writes and
//! pages queries within FNO's limits, and classifies failures; it does not
//! decide what to do about them (see `retry` and the sync engine).

mod accounts;
mod batch;
mod client;
mod codec;
mod entitlement_changes;
mod entitlement_model;
mod entitlement_query;
mod entitlements;
mod error;
mod model;
pub mod operations;
mod products;
pub mod services;
pub mod soap;
mod users;
mod xml;

pub use accounts::{CreateMode, CreatedAccount};
pub use batch::{BatchOutcome, Processed, MAX_QUERY_PAGE, MAX_WRITE_RECORDS};
pub use client::FnoClient;
pub use entitlement_model::{
    AddedLines, ChannelPartner, CreatedEntitlement, CreatedLine, DurationUnit, EntitlementRecord,
    EntitlementState, EntitlementUpdate, Expiration, LineAddition, LineItemRecord, LineItemUpdate,
    LineRenewal, NewEntitlement, NewLineItem, RenewedLine, StartDate,
};
pub use entitlement_query::{EntitlementQuery, LineItemQuery};
pub use error::{FnoError, ItemFailure};
pub use model::{
    Account, AccountLink, AccountRecord, AccountRoles, AccountType, Address, AttributeValue,
    CustomAttribute, PartNumber, Product, User, UserRecord, UserStatus, PORTAL_ADMIN_ROLE,
};
pub use services::{ServiceEndpoint, ServiceVersions};
pub use users::{user_failure, CreatedUser};
