//! Migrations, the gazetteer, the health check and backups.

use crate::rows::Columns;
use async_trait::async_trait;
use hotline_domain::Gazetteer;
use hotline_store::{Admin, StoreResult};
use hotline_store_sql_bounds::any_sql_database;

use crate::rows::map_err;
use crate::{SqlStore, code_param};

#[any_sql_database]
#[async_trait]
impl<DB> Admin for SqlStore<DB> {
    async fn migrate(&self) -> StoreResult<()> {
        self.dialect.migrate(&self.pool).await
    }

    async fn refresh_statistics(&self) -> StoreResult<()> {
        self.dialect.refresh_statistics(&self.pool).await
    }

    async fn seed_places(&self, places: &Gazetteer) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let present = sqlx::query("SELECT COUNT(*) AS n FROM provinces")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int("n")?;
        if present > 0 {
            return Ok(0);
        }
        // Another node may be seeding at the same moment: its rows are skipped, not an error.
        for p in places.provinces() {
            sqlx::query(
                "INSERT INTO provinces (code, name, short_name, case_prefix) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(code_param(Some(p.code)))
            .bind(p.name.as_str())
            .bind(p.short_name.as_str())
            .bind(p.case_prefix)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        self.dialect
            .insert_communes(&mut tx, places.communes())
            .await?;
        tx.commit().await.map_err(map_err)?;
        Ok(places.provinces().len() + places.communes().len())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    fn backend(&self) -> &'static str {
        self.dialect.name()
    }

    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        self.dialect.backup_to(&self.pool, path).await
    }
}
