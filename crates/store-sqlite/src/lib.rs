//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit
//! that returned is on disk. Writers are few (intake batches its reports into one transaction).
//! The statements are `hotline-store-sql`'s; this crate adds the connection, the migrations and
//! the bulk load of communes.

use async_trait::async_trait;
use hotline_domain::Commune;
use hotline_store::{StoreError, StoreResult};
use hotline_store_sql::{Dialect, SqlStore, code_param, map_err};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The SQLite store.
pub type SqliteStore = SqlStore<Sqlite>;

/// Version and name of each migration this backend ships, for the parity test with PostgreSQL.
pub fn migrations() -> Vec<(i64, String)> {
    MIGRATOR
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

/// Opens (creating if needed) the database at `path`.
pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    connect(options).await
}

/// Opens a `sqlite:` URL.
pub async fn open_url(url: &str) -> StoreResult<SqliteStore> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(map_err)?
        .create_if_missing(true);
    connect(options).await
}

async fn connect(options: SqliteConnectOptions) -> StoreResult<SqliteStore> {
    let options = options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("temp_store", "memory")
        // Deleted rows are overwritten, not left in free pages: a purge leaves nothing behind.
        .pragma("secure_delete", "on");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await
        .map_err(map_err)?;
    // One writer at a time, as SQLite allows: waiting for this one connection is a queue,
    // not the busy handler's sleeps. Nothing of ours holds the write lock for long, so a
    // lock held past two seconds is another process's (a backup tool): the write fails
    // fast (503, try again) rather than hold every submitter for the length of a backup.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.busy_timeout(Duration::from_secs(2)))
        .await
        .map_err(map_err)?;
    Ok(SqlStore::new(pool, SqliteDialect).with_writer(writer))
}

struct SqliteDialect;

#[async_trait]
impl Dialect<Sqlite> for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn begin_write(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    async fn compact(&self, pool: &sqlx::SqlitePool) -> StoreResult<()> {
        // Old page images stay in the write-ahead log until it is checkpointed and cut.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn migrate(&self, pool: &SqlitePool) -> StoreResult<()> {
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| StoreError::Other(e.to_string()))
    }

    async fn backup_to(&self, pool: &SqlitePool, path: &Path) -> StoreResult<()> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Other("the backup path is not UTF-8".into()))?;
        // The copy holds password hashes and sealed reports: owner-only from its first byte,
        // whatever the umask. VACUUM INTO fills an empty file.
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match made {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::Conflict(path.display().to_string()));
            }
            Err(e) => return Err(StoreError::Other(format!("cannot create the backup: {e}"))),
        }
        // VACUUM INTO writes a consistent, compacted copy while readers and writers go on.
        let written = sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(map_err);
        if written.is_err() {
            let _ = std::fs::remove_file(path);
        }
        written
    }

    async fn insert_communes(
        &self,
        tx: &mut Transaction<'_, Sqlite>,
        communes: &[Commune],
    ) -> StoreResult<()> {
        // Row by row: inside one transaction SQLite does this in milliseconds.
        for c in communes {
            sqlx::query(
                "INSERT INTO communes (code, province_code, name, division_type) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(code_param(Some(c.code)))
            .bind(code_param(Some(c.province_code)))
            .bind(c.name.as_str())
            .bind(c.division_type.as_str())
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_store::Admin;

    async fn fresh() -> Option<(tempfile::TempDir, SqliteStore)> {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("hotline.db")).await.unwrap();
        store.migrate().await.unwrap();
        Some((dir, store))
    }

    hotline_store_tests::contract_tests!(fresh);

    #[tokio::test]
    async fn the_database_runs_in_wal_mode_with_full_sync() {
        let (_dir, store) = fresh().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
    }
}
