//! The FNO client against the FNO sandbox over HTTPS: a real PostgreSQL for
//! the remote-site check, the sandbox in-process on port 0 with its CA
//! trusted, and the sandbox's call counters to see what was sent.

mod accounts;
mod connection;
mod entitlements;
mod faults;
mod harness;
mod products;
mod users;
