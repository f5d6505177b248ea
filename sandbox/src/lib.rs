//! Local stand-ins for the two SaaS systems fnosync talks to: the Salesforce
//! REST API (JSON) and the FlexNet Operations SOAP API (XML). Both serve HTTPS
//! with a certificate from a CA generated at start, keep state in memory and
//! take fault switches. They are test doubles only: nothing of fnosync's own
//! lives here.

pub mod faults;
pub mod fno;
pub mod salesforce;
pub mod tls;
pub mod web;
