//! The storage interface, one module per aggregate, each with its trait and the records that
//! cross it; and `StoreError`. Backends implement every trait; the rest of the code holds an
//! `Arc<dyn Store>` chosen once at start-up.

mod admin;
mod alerts;
mod audit;
mod breaches;
mod calls;
mod channels;
mod coordination;
mod directory;
mod duty;
mod handling;
mod media;
mod notifications;
mod outbox;
mod reports;
mod retention;
mod reveals;
mod routing;
mod staff;
mod statistics;
mod units;
mod vault;

pub use admin::*;
pub use alerts::*;
pub use audit::*;
pub use breaches::*;
pub use calls::*;
pub use channels::*;
pub use coordination::*;
pub use directory::*;
pub use duty::*;
pub use handling::*;
pub use media::*;
pub use notifications::*;
pub use outbox::*;
pub use reports::*;
pub use retention::*;
pub use reveals::*;
pub use routing::*;
pub use staff::*;
pub use statistics::*;
pub use units::*;
pub use vault::*;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the text names what (`username`, `record`).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database could not be reached; nothing was written, and trying later is safe.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The disk holding the database is full (or the database reached its size limit); nothing
    /// was written, and trying again once space returns is safe.
    #[error("store full: {0}")]
    Full(String),
    /// A commit failed in a way that leaves its outcome unknown (the connection dropped while
    /// committing): retrying could write the same data twice.
    #[error("commit outcome unknown: {0}")]
    Indeterminate(String),
    /// The store's master key is no longer the one the data was wrapped under (a rotation
    /// moved it); nothing was written. Wrap again under the current key and retry.
    #[error("the store's master key changed")]
    KeyChanged,
    #[error("store failure: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Every aggregate's trait: what a backend implements.
pub trait Store:
    Admin
    + Vault
    + Units
    + Staff
    + Reports
    + Reveals
    + Retention
    + Handling
    + Routing
    + Duty
    + Alerts
    + Notifications
    + Channels
    + Outbox
    + Media
    + Calls
    + Directory
    + Audit
    + Breaches
    + Coordination
    + Statistics
{
}

impl<T> Store for T where
    T: Admin
        + Vault
        + Units
        + Staff
        + Reports
        + Reveals
        + Retention
        + Handling
        + Routing
        + Duty
        + Alerts
        + Notifications
        + Channels
        + Outbox
        + Media
        + Calls
        + Directory
        + Audit
        + Breaches
        + Coordination
        + Statistics
{
}
