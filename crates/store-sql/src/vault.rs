//! The master key's binding and the reports' wrapped keys.

use crate::rows::Columns;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::ReportId;
use hotline_store::{KeyBinding, StoreResult, Vault, WrappedKey};
use hotline_store_sql_bounds::any_sql_database;

use crate::SqlStore;
use crate::rows::{map_commit_err, map_err};

pub(crate) fn key_binding(row: &impl Columns) -> StoreResult<KeyBinding> {
    Ok(KeyBinding {
        check: row.bytes("key_check")?,
        key_id: row.text_opt("key_id")?.unwrap_or_default(),
        index_key: row.bytes_opt("index_key")?.unwrap_or_default(),
    })
}

pub(crate) fn wrapped_key(row: &impl Columns) -> StoreResult<WrappedKey> {
    Ok(WrappedKey {
        report: ReportId(row.int("id")?),
        key_id: row.text_opt("key_id")?,
        wrapped: row.bytes("wrapped_key")?,
    })
}

#[any_sql_database]
#[async_trait]
impl<DB> Vault for SqlStore<DB> {
    async fn bind_master_key(
        &self,
        binding: &KeyBinding,
        at: DateTime<Utc>,
    ) -> StoreResult<KeyBinding> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO vault_meta (id, key_check, bound_at, key_id, index_key) \
             VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(binding.check.clone())
        .bind(at)
        .bind(binding.key_id.as_str())
        .bind(binding.index_key.clone())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        // A store bound before key ids existed learns its key's id, and so do its reports.
        let upgraded = sqlx::query(
            "UPDATE vault_meta SET key_id = $1, index_key = $2 \
             WHERE id = 1 AND key_id IS NULL AND key_check = $3 RETURNING id",
        )
        .bind(binding.key_id.as_str())
        .bind(binding.index_key.clone())
        .bind(binding.check.clone())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if upgraded.is_some() {
            sqlx::query(
                "UPDATE reports SET key_id = $1 WHERE key_id IS NULL AND wrapped_key IS NOT NULL",
            )
            .bind(binding.key_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        let bound = sqlx::query("SELECT key_check, key_id, index_key FROM vault_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let bound = key_binding(&bound)?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(bound)
    }

    async fn key_binding(&self) -> StoreResult<Option<KeyBinding>> {
        sqlx::query("SELECT key_check, key_id, index_key FROM vault_meta WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(key_binding)
            .transpose()
    }

    async fn rebind_master_key(&self, from: &str, to: &KeyBinding) -> StoreResult<bool> {
        let moved = sqlx::query(
            "UPDATE vault_meta SET key_check = $1, key_id = $2, index_key = $3 \
             WHERE id = 1 AND key_id = $4 RETURNING id",
        )
        .bind(to.check.clone())
        .bind(to.key_id.as_str())
        .bind(to.index_key.clone())
        .bind(from)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(moved.is_some())
    }

    async fn keys_to_rewrap(
        &self,
        key_id: &str,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<WrappedKey>> {
        sqlx::query(
            "SELECT id, key_id, wrapped_key FROM reports \
             WHERE id > $1 AND wrapped_key IS NOT NULL AND (key_id IS NULL OR key_id <> $2) \
             ORDER BY id LIMIT $3",
        )
        .bind(after.0)
        .bind(key_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(wrapped_key)
        .collect()
    }

    async fn rewrap_keys(&self, pairs: &[(WrappedKey, WrappedKey)]) -> StoreResult<u64> {
        // One transaction per page: a rotation on a busy SQLite store takes the write lock a
        // few times, not once per report.
        let mut tx = self.begin_write().await?;
        let mut replaced = 0;
        for (old, new) in pairs {
            let row = sqlx::query(
                "UPDATE reports SET wrapped_key = $1, key_id = $2 \
                 WHERE id = $3 AND wrapped_key = $4 RETURNING id",
            )
            .bind(new.wrapped.clone())
            .bind(new.key_id.clone())
            .bind(old.report.0)
            .bind(old.wrapped.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            replaced += u64::from(row.is_some());
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(replaced)
    }
}
