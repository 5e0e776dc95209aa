//! The audit chain and the entry an action writes with it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::StaffId;

use crate::StoreResult;

/// Computes an audit entry's chain hash from the entry, its sequence number and the previous
/// entry's hash.
pub type ChainSeal<'a> = &'a (dyn Fn(&NewAuditEntry, i64, &[u8]) -> Vec<u8> + Send + Sync);

/// The audit entries of an action (usually one), appended to the chain in the action's own
/// transaction: all commit with it or none. Neither `Clone` nor `Copy`, so that they are
/// appended once; their `at` is the action's time too.
pub struct Audited<'a> {
    pub entries: &'a [NewAuditEntry],
    pub seal: ChainSeal<'a>,
}

impl<'a> Audited<'a> {
    /// The entry of an action that has one.
    pub fn one(entry: &'a NewAuditEntry, seal: ChainSeal<'a>) -> Self {
        Self {
            entries: std::slice::from_ref(entry),
            seal,
        }
    }

    /// The action's time: its first entry's.
    pub fn at(&self) -> DateTime<Utc> {
        self.entries.first().map(|e| e.at).unwrap_or_default()
    }
}

/// The append-only audit chain.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Appends the entries of an action that writes nothing else: each takes the next sequence
    /// number and the previous hash under a lock (concurrent appends from several nodes queue),
    /// stores the hash that the seal computes from them, and moves the head. The last one's
    /// record.
    async fn append_audit(&self, audit: Audited<'_>) -> StoreResult<AuditRecord>;
    /// The first entry whose hash is keyed: entries before it were written before the chain
    /// was keyed.
    async fn audit_keyed_from(&self) -> StoreResult<i64>;
    /// Entries after sequence number `after`, in order, at most `limit`.
    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>>;
    /// The newest entries whose action starts with one of `prefixes`, newest first.
    async fn audit_by_action(&self, prefixes: &[&str], limit: u32)
    -> StoreResult<Vec<AuditRecord>>;
}

/// A security-relevant event to append to the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Whole microseconds (the chain hashes this precision).
    pub at: DateTime<Utc>,
    pub actor: Option<StaffId>,
    /// What happened: `staff.signed_in`, `report.opened`, …
    pub action: String,
    /// What it happened to: a case number, a username; never a reporter's identity.
    pub subject: String,
    /// [`CREATED_ID`], at its last occurrence, stands for the id of the row the action creates,
    /// which the store writes in when it appends the entry in that action's transaction. Free
    /// text (a reason) goes before it, so that a reason that happens to hold it is kept as
    /// written.
    pub detail: String,
}

/// Stands for the id of the row an audited action creates, in its entry's detail.
pub const CREATED_ID: &str = "{id}";

/// An entry of the audit chain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<StaffId>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub hash: Vec<u8>,
}
