//! The scale-out store: PostgreSQL with its default (synchronous) commit, so a commit that
//! returned is durable. Several stateless nodes may share one database. The statements are
//! `hotline-store-sql`'s; this crate adds the connection, the migrations (same version numbers
//! as SQLite's) and the bulk load of communes.

use async_trait::async_trait;
use hotline_domain::Commune;
use hotline_store::{StoreError, StoreResult};
use hotline_store_sql::{Dialect, SqlStore, code_param, map_err};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The PostgreSQL store.
pub type PostgresStore = SqlStore<Postgres>;

/// Version and name of each migration this backend ships, for the parity test with SQLite.
pub fn migrations() -> Vec<(i64, String)> {
    MIGRATOR
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

/// How a node connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Connections kept at most.
    pub max_connections: u32,
    /// Reached through PgBouncer in transaction mode (1.21 or later, with
    /// `max_prepared_statements`, which follows the prepared statements across server
    /// connections): the schema is checked rather than migrated (migrating holds a
    /// session-level advisory lock), and searches use prepared statements too.
    pub pgbouncer: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            pgbouncer: false,
        }
    }
}

/// Connects to a `postgres://` URL.
pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
    connect_with_settings(url, Settings::default()).await
}

/// Connects to a `postgres://` URL as `settings` say.
pub async fn connect_with_settings(url: &str, settings: Settings) -> StoreResult<PostgresStore> {
    let mut options = PgConnectOptions::from_str(url).map_err(map_err)?;
    if settings.pgbouncer {
        // PgBouncer refuses startup parameters it does not know, this one among them.
        options = options.extra_float_digits(None);
    }
    open(options, settings).await
}

/// Connects with options, e.g. a `search_path` that gives each test run its own schema.
pub async fn connect_with(options: PgConnectOptions) -> StoreResult<PostgresStore> {
    open(options, Settings::default()).await
}

async fn open(options: PgConnectOptions, settings: Settings) -> StoreResult<PostgresStore> {
    // No JIT compilation: every statement here is short, and JIT is chosen by estimated cost,
    // so a table not yet analysed (after a bulk load) had each roll-up query spend half a
    // second compiling what ran in seven milliseconds. PgBouncer refuses startup options:
    // there the role is configured instead (docs/deploy.md).
    let options = if settings.pgbouncer {
        options
    } else {
        options.options([("jit", "off")])
    };
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections.max(2))
        // Fail fast when the server is down, rather than hold every submitter for 30 s; the
        // caller answers 503 with Retry-After, and the next request finds the server again.
        .acquire_timeout(Duration::from_secs(5))
        // A connection broken by a restart or failover is found out before it is handed out.
        .test_before_acquire(true)
        .connect_with(options.clone())
        .await
        .map_err(map_err)?;
    // One connection of its own for the watch on the newest report, which tells the node
    // whether the server answers: a pool busy with work must not look like a server away.
    let probe = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(1))
        .test_before_acquire(true)
        .connect_lazy_with(options);
    Ok(SqlStore::new(
        pool,
        PostgresDialect {
            behind_pgbouncer: settings.pgbouncer,
        },
    )
    .with_probe(probe))
}

struct PostgresDialect {
    /// Check that every migration was applied rather than apply them, and prepare searches
    /// (see [`Settings`]).
    behind_pgbouncer: bool,
}

#[async_trait]
impl Dialect<Postgres> for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self, pool: &PgPool) -> StoreResult<()> {
        if !self.behind_pgbouncer {
            // sqlx holds an advisory lock while it migrates: two nodes started together do
            // not both apply a migration; the second finds them applied.
            return MIGRATOR
                .run(pool)
                .await
                .map_err(|e| StoreError::Other(e.to_string()));
        }
        let applied: Vec<i64> = match sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(pool)
        .await
        {
            Ok(applied) => applied,
            // A schema never migrated has no such table; anything else is said as it is.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => Vec::new(),
            Err(e) => return Err(map_err(e)),
        };
        let missing: Vec<String> = MIGRATOR
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| m.version.to_string())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(StoreError::Other(format!(
            "the schema lacks migrations {}: run `hotline migrate` against PostgreSQL itself \
             (not through PgBouncer), then start the nodes",
            missing.join(", ")
        )))
    }

    fn plans_each_search(&self) -> bool {
        // An unnamed statement's Parse and Bind are sent in two exchanges, which PgBouncer in
        // transaction mode may give to two server connections.
        !self.behind_pgbouncer
    }

    async fn refresh_statistics(&self, pool: &PgPool) -> StoreResult<()> {
        // VACUUM too: it marks pages all-visible, so that counting a word's postings (search)
        // reads the index alone. It skips pages already marked, so a later run is cheap.
        sqlx::raw_sql("VACUUM (ANALYZE)")
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn backup_to(&self, _: &PgPool, _: &std::path::Path) -> StoreResult<()> {
        Err(StoreError::Other(
            "back PostgreSQL up with its own tools (pg_dump, or base backups with WAL archiving)"
                .into(),
        ))
    }

    async fn insert_communes(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        communes: &[Commune],
    ) -> StoreResult<()> {
        // One statement for the 3,321 communes rather than as many round trips.
        sqlx::query(
            "INSERT INTO communes (code, province_code, name, division_type) \
             SELECT * FROM UNNEST($1::int[], $2::int[], $3::text[], $4::text[]) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(
            communes
                .iter()
                .map(|c| code_param(Some(c.code)))
                .collect::<Vec<_>>(),
        )
        .bind(
            communes
                .iter()
                .map(|c| code_param(Some(c.province_code)))
                .collect::<Vec<_>>(),
        )
        .bind(communes.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
        .bind(
            communes
                .iter()
                .map(|c| c.division_type.clone())
                .collect::<Vec<_>>(),
        )
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_store::Admin;

    /// The test's own schema, dropped once the story is over.
    struct Schema {
        url: String,
        name: String,
        pool: PgPool,
    }

    impl hotline_store_tests::Cleanup for Schema {
        async fn release(self) {
            // Close the store's connections first: one left in a transaction would hold locks
            // that DROP SCHEMA waits for.
            self.pool.close().await;
            if let Ok(admin) = PgPool::connect(&self.url).await {
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }

    /// A migrated store in a schema of its own, or `None` when no server is configured.
    async fn fresh() -> Option<(Schema, PostgresStore)> {
        let Ok(url) = std::env::var("HOTLINE_TEST_POSTGRES_URL") else {
            eprintln!("HOTLINE_TEST_POSTGRES_URL is not set: PostgreSQL contract test skipped");
            return None;
        };
        let name = format!("hotline_test_{:016x}", rand::random::<u64>());
        let admin = PgPool::connect(&url).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let options = PgConnectOptions::from_str(&url)
            .unwrap()
            .options([("search_path", name.as_str())]);
        let store = connect_with(options).await.unwrap();
        store.migrate().await.unwrap();
        admin.close().await;
        let pool = store.pool().clone();
        Some((Schema { url, name, pool }, store))
    }

    hotline_store_tests::contract_tests!(fresh);

    /// Another node's indexer holds the queued entry, its pass not yet committed: a search
    /// waits for it rather than read the index without it, then finds the report.
    #[tokio::test]
    async fn a_search_waits_for_words_another_transaction_is_moving() {
        use hotline_store_tests::{Cleanup, a_store_with_one_queued_report, found_by_word};
        let Some((schema, store)) = fresh().await else {
            return;
        };
        let store = std::sync::Arc::new(store);
        let report = a_store_with_one_queued_report(store.as_ref(), "dua").await;
        let mut other_pass = schema.pool.begin().await.unwrap();
        sqlx::query("SELECT id FROM pending_words FOR UPDATE SKIP LOCKED")
            .fetch_all(&mut *other_pass)
            .await
            .unwrap();
        let holder: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *other_pass)
            .await
            .unwrap();
        let search = tokio::spawn({
            let store = store.clone();
            async move { found_by_word(store.as_ref(), "dua").await }
        });
        // The search's session shows up blocked by the transaction that holds the entry.
        let mut waiting = false;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            waiting = sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity \
                 WHERE $1 = ANY (pg_blocking_pids(pid)))",
            )
            .bind(holder)
            .fetch_one(&schema.pool)
            .await
            .unwrap();
            if waiting || search.is_finished() {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(waiting, "the search waits for the held entry");
        assert!(!search.is_finished());
        // That pass fails: the search moves the entry itself.
        other_pass.rollback().await.unwrap();
        assert_eq!(search.await.unwrap(), [report]);
        drop(store);
        schema.release().await;
    }

    #[test]
    fn migration_versions_match_sqlite() {
        let sqlite = hotline_store_sqlite::migrations();
        let ours = migrations();
        assert!(!ours.is_empty());
        assert_eq!(
            ours, sqlite,
            "both backends ship the same migration versions and names"
        );
    }
}
