//! The audit chain: each entry linked to the one before it, appended in the transaction of the
//! action it records.

use crate::rows::{Columns, audit_record};
use async_trait::async_trait;
use hotline_store::{
    Audit, AuditRecord, Audited, CREATED_ID, ChainSeal, NewAuditEntry, StoreError, StoreResult,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;

use crate::SqlStore;
use crate::rows::map_err;

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Appends `audit`'s entries to the chain inside `tx`, the transaction of the action they
    /// record; the last one's record. Moving the head first takes the write lock, so appends
    /// from every connection and node queue here and each links to the one before it.
    pub(crate) async fn append_audit_in(
        tx: &mut Transaction<'static, DB>,
        audit: Audited<'_>,
    ) -> StoreResult<AuditRecord> {
        let Audited { entries, seal } = audit;
        let mut last = None;
        for entry in entries {
            last = Some(Self::append_one(tx, entry, seal).await?);
        }
        last.ok_or_else(|| StoreError::Other("an action audited without an entry".into()))
    }

    /// [`Self::append_audit_in`] for an action that created the row `id`: written into each
    /// entry's detail where it last says [`CREATED_ID`].
    pub(crate) async fn append_audit_created(
        tx: &mut Transaction<'static, DB>,
        audit: Audited<'_>,
        id: i64,
    ) -> StoreResult<AuditRecord> {
        let entries: Vec<NewAuditEntry> = audit
            .entries
            .iter()
            .map(|entry| NewAuditEntry {
                detail: match entry.detail.rfind(CREATED_ID) {
                    Some(at) => {
                        let mut detail = entry.detail.clone();
                        detail.replace_range(at..at + CREATED_ID.len(), &id.to_string());
                        detail
                    }
                    None => entry.detail.clone(),
                },
                ..entry.clone()
            })
            .collect();
        Self::append_audit_in(
            tx,
            Audited {
                entries: &entries,
                seal: audit.seal,
            },
        )
        .await
    }

    async fn append_one(
        tx: &mut Transaction<'static, DB>,
        entry: &NewAuditEntry,
        seal: ChainSeal<'_>,
    ) -> StoreResult<AuditRecord> {
        let head =
            sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
        let (seq, previous) = (head.int("seq")?, head.bytes("hash")?);
        let hash = seal(entry, seq, &previous);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, action, subject, detail, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(seq)
        .bind(entry.at)
        .bind(entry.actor.map(|a| a.0))
        .bind(&entry.action)
        .bind(&entry.subject)
        .bind(&entry.detail)
        .bind(&hash)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        Ok(AuditRecord {
            seq,
            at: entry.at,
            actor: entry.actor,
            action: entry.action.clone(),
            subject: entry.subject.clone(),
            detail: entry.detail.clone(),
            hash,
        })
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Audit for SqlStore<DB> {
    async fn append_audit(&self, audit: Audited<'_>) -> StoreResult<AuditRecord> {
        let mut tx = self.begin_write().await?;
        let record = Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(record)
    }

    async fn audit_keyed_from(&self) -> StoreResult<i64> {
        sqlx::query("SELECT keyed_from FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("keyed_from")
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        sqlx::query(
            "SELECT seq, at, actor_id, action, subject, detail, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(audit_record)
        .collect()
    }

    async fn audit_by_action(
        &self,
        prefixes: &[&str],
        limit: u32,
    ) -> StoreResult<Vec<AuditRecord>> {
        if prefixes.is_empty() {
            return Ok(Vec::new());
        }
        // Prefixes are the application's own action names (`AuditAction::REVEAL_PREFIXES`):
        // `%` never occurs in them, and the `_` of `text.item_`, one character to LIKE, selects
        // no other action.
        let matches = (2..prefixes.len() + 2)
            .map(|n| format!("action LIKE ${n} || '%'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!(
            "SELECT seq, at, actor_id, action, subject, detail, hash FROM audit_log \
             WHERE {matches} ORDER BY seq DESC LIMIT $1"
        );
        let mut query = sqlx::query(&sql).bind(i64::from(limit));
        for prefix in prefixes {
            query = query.bind(*prefix);
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(audit_record)
            .collect()
    }
}
