//! The SQL both stores share, written once and generic over sqlx's `Database`: SQLite and
//! PostgreSQL accept the same statements here (numbered `$n` parameters, `ON CONFLICT`,
//! `RETURNING`). What differs (migrations, bulk loading, connecting) is the backend crate's
//! [`Dialect`]; the contract suite runs every story on both.

mod rows;

use async_trait::async_trait;
use hotline_domain::Commune;
use hotline_store::StoreResult;
use sqlx::{Database, Pool, Transaction};

pub use rows::{map_commit_err, map_err};

/// What a backend does its own way.
#[async_trait]
pub trait Dialect<DB: Database>: Send + Sync + 'static {
    /// `sqlite`, `postgres`: for logs and `config check`.
    fn name(&self) -> &'static str;
    /// The statement that opens a transaction that will write. SQLite needs `BEGIN IMMEDIATE`:
    /// a transaction that reads first and writes later fails at once ("database is locked")
    /// when another connection wrote meanwhile, instead of waiting its turn.
    fn begin_write(&self) -> &'static str {
        "BEGIN"
    }
    /// Reclaims what deletions left in the backend's files (see [`Retention::compact`](hotline_store::Retention::compact)).
    async fn compact(&self, _pool: &Pool<DB>) -> StoreResult<()> {
        Ok(())
    }
    /// Whether each search is planned for its own words (an unnamed statement) rather than
    /// prepared once: see `SqlStore::inbox`.
    fn plans_each_search(&self) -> bool {
        true
    }
    /// Refreshes the planner's statistics (see [`Admin::refresh_statistics`](hotline_store::Admin::refresh_statistics)).
    async fn refresh_statistics(&self, _pool: &Pool<DB>) -> StoreResult<()> {
        Ok(())
    }
    /// Applies the backend's migrations (same version numbers on every backend).
    async fn migrate(&self, pool: &Pool<DB>) -> StoreResult<()>;
    /// Writes a consistent copy of the database to a new file.
    async fn backup_to(&self, pool: &Pool<DB>, path: &std::path::Path) -> StoreResult<()>;
    /// Loads the 3,321 communes inside the seeding transaction, as fast as the backend allows.
    async fn insert_communes(
        &self,
        tx: &mut Transaction<'_, DB>,
        communes: &[Commune],
    ) -> StoreResult<()>;
}

/// A store on any sqlx database whose driver supports the types used here.
pub struct SqlStore<DB: Database> {
    pool: Pool<DB>,
    /// Where write transactions begin: the same pool, or (SQLite) one connection of its own.
    writer: Pool<DB>,
    /// Where the watch on the newest report reads (see [`Reports::newest_report_id`](hotline_store::Reports::newest_report_id)):
    /// the same pool, or one connection of its own that answers at once whether the server
    /// does, however busy the pool is.
    probe: Pool<DB>,
    dialect: Box<dyn Dialect<DB>>,
}

impl<DB: Database> SqlStore<DB> {
    pub fn new(pool: Pool<DB>, dialect: impl Dialect<DB>) -> Self {
        Self {
            writer: pool.clone(),
            probe: pool.clone(),
            pool,
            dialect: Box::new(dialect),
        }
    }

    /// The same store watching the newest report through `probe` (see the field).
    pub fn with_probe(mut self, probe: Pool<DB>) -> Self {
        self.probe = probe;
        self
    }

    /// The same store with its write transactions begun on `writer`. For SQLite, which lets
    /// one writer in at a time, a pool of one connection: writers then wait their turn in
    /// order, instead of in SQLite's busy handler, which sleeps 1 to 100 ms a try.
    pub fn with_writer(mut self, writer: Pool<DB>) -> Self {
        self.writer = writer;
        self
    }

    /// A transaction that will write (see [`Dialect::begin_write`]).
    async fn begin_write(&self) -> StoreResult<Transaction<'static, DB>> {
        match self.writer.begin_with(self.dialect.begin_write()).await {
            // A write the database undid by itself (SQLite, when its disk was full) leaves
            // sqlx counting a transaction still open on that connection, its rollback having
            // failed, and every later write on it refused: that connection is closed, and the
            // write begins on a fresh one.
            Err(sqlx::Error::InvalidSavePointStatement) => {
                let stuck = self.writer.acquire().await.map_err(map_err)?;
                if <DB::TransactionManager as sqlx::TransactionManager>::get_transaction_depth(
                    &stuck,
                ) > 0
                {
                    tracing::warn!("closing a write connection left inside a failed transaction");
                    let _ = stuck.close().await;
                }
                self.writer
                    .begin_with(self.dialect.begin_write())
                    .await
                    .map_err(map_err)
            }
            begun => begun.map_err(map_err),
        }
    }

    /// The connection pool, for a backend's own checks (`PRAGMA`s, test clean-up).
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }
}

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
mod intake;
mod media;
mod notifications;
mod outbox;
mod register;
mod report_query;
mod reports;
mod retention;
mod reveals;
mod routing;
mod staff;
mod statistics;
mod units;
mod vault;
mod words;

/// `rows` rows of a multi-row `VALUES`, each of `columns` (`Some` is SQL written as it is,
/// `None` a parameter). Parameters in the database's own form: SQLite's anonymous `?` (its
/// `$N` are named parameters, each looked up by name: quadratic in a statement of thousands),
/// PostgreSQL's `$N`.
pub(crate) fn values_rows<DB: Database>(rows: usize, columns: &[Option<&str>]) -> String {
    let anonymous = DB::NAME == "SQLite";
    let mut sql = String::with_capacity(rows * columns.len() * 5);
    let mut param = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            match column {
                Some(literal) => sql.push_str(literal),
                None if anonymous => sql.push('?'),
                None => {
                    param += 1;
                    sql.push('$');
                    sql.push_str(&param.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// GSO codes are five digits at most; PostgreSQL has no unsigned integers.
pub fn code_param(code: Option<u32>) -> Option<i32> {
    code.map(|c| i32::try_from(c).unwrap_or(i32::MAX))
}
