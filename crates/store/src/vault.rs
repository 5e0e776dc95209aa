//! The master key's binding and the reports' wrapped keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::ReportId;

use crate::StoreResult;

/// The store's binding to its master key, and the re-wrapping a rotation does.
#[async_trait]
pub trait Vault: Send + Sync {
    /// Binds the store to a master key unless it is bound already, and returns the binding it
    /// has. A store bound before key ids existed takes the id and index key given, once.
    async fn bind_master_key(
        &self,
        binding: &KeyBinding,
        at: DateTime<Utc>,
    ) -> StoreResult<KeyBinding>;
    /// The current binding; `None` for a store never bound.
    async fn key_binding(&self) -> StoreResult<Option<KeyBinding>>;
    /// Moves the binding from the key `from` to `to`. From then on intake refuses reports
    /// wrapped under any other key (`KeyChanged`). Returns false, changing nothing, when the
    /// store is not bound to `from`.
    async fn rebind_master_key(&self, from: &str, to: &KeyBinding) -> StoreResult<bool>;
    /// Data keys not wrapped under `key_id`, of reports after `after`, in id order.
    async fn keys_to_rewrap(
        &self,
        key_id: &str,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<WrappedKey>>;
    /// Replaces each wrapped data key `(old, new)` that is still `old`, in one transaction;
    /// returns how many were replaced (a key that changed meanwhile is left alone).
    async fn rewrap_keys(&self, pairs: &[(WrappedKey, WrappedKey)]) -> StoreResult<u64>;
}

/// What ties a store to its master key. None of it is secret: the check value and the id are
/// derived from the key one way, the index key is sealed under it.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyBinding {
    pub check: Vec<u8>,
    pub key_id: String,
    /// The store's index key, wrapped by the master key.
    pub index_key: Vec<u8>,
}

impl std::fmt::Debug for KeyBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyBinding")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A report's wrapped data key, as a rotation reads and replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub report: ReportId,
    /// `None` for rows from before key ids.
    pub key_id: Option<String>,
    pub wrapped: Vec<u8>,
}
