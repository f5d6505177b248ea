//! Client of the Salesforce REST API: OAuth log-in with a shared, renewed
//! session; SOQL made only through the escaping builder; paginated queries
//! with child results; the typed reads of a one-time sync; batched updates
//! through sObject Collections; describe; and the daily API budget read from
//! `Sforce-Limit-Info`. Every call goes through the remote-site check. The
//! module classifies failures; callers decide what to do about them.

pub mod auth;
pub mod client;
pub mod describe;
pub mod error;
pub mod fields;
pub mod limits;
pub mod model;
pub mod queries;
pub mod query;
pub mod sobjects;
pub mod soql;
mod soql_literal;

pub use auth::{OAuthFlow, SalesforceConfig, DEFAULT_API_VERSION};
pub use client::{PubSubIdentity, SalesforceClient, VerifiedConnection};
pub use describe::{FieldDescription, ObjectDescription, ObjectSchemaStatus};
pub use error::{ApiErrorItem, SalesforceError};
pub use model::{parse_stamp, AccountWithContacts, LineItem, Product, SalesOrder, SfRecord};
pub use queries::{ExtraFields, ProductFilter};
pub use query::{QueryOptions, QueryPage};
pub use sobjects::{RecordError, RecordResult, RecordUpdate};
pub use soql::{Condition, Direction, Operator, Soql, SoqlBuilder};
