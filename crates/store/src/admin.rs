//! Migrations, the gazetteer, the health check and backups.

use async_trait::async_trait;
use hotline_domain::Gazetteer;

use crate::StoreResult;

/// Schema, readiness and the reference data every other table points at.
#[async_trait]
pub trait Admin: Send + Sync {
    /// Applies pending migrations. Safe to call on every start.
    async fn migrate(&self) -> StoreResult<()>;
    /// Loads the provinces and communes if the tables are empty; returns how many were added.
    async fn seed_places(&self, places: &Gazetteer) -> StoreResult<usize>;
    /// Succeeds when the store answers a trivial query.
    async fn ping(&self) -> StoreResult<()>;
    /// The backend's name, for logs and `config check`.
    fn backend(&self) -> &'static str;
    /// Writes a consistent copy of the whole database to a new file while the store is in use.
    /// Backends with their own tools (PostgreSQL: `pg_dump`) answer `Other` with their name.
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
}
