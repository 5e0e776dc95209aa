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
    /// Brings the statistics the backend's planner chooses plans by up to date (PostgreSQL:
    /// `VACUUM (ANALYZE)`). Without them, after a bulk load or with autovacuum off, PostgreSQL
    /// sorts a whole province to show a page of its inbox. The embedded store plans without
    /// them.
    async fn refresh_statistics(&self) -> StoreResult<()>;
    /// Succeeds when the store answers a trivial query.
    async fn ping(&self) -> StoreResult<()>;
    /// The backend's name, for logs and `config check`.
    fn backend(&self) -> &'static str;
    /// Writes a consistent copy of the whole database to a new file while the store is in use.
    /// Backends with their own tools (PostgreSQL: `pg_dump`) answer `Other` with their name.
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
}
