//! The tree of police units.

use crate::rows::{Columns, unit};
use async_trait::async_trait;
use hotline_domain::UnitCode;
use hotline_store::{Audited, NewUnit, StoreError, StoreResult, Unit, Units};
use hotline_store_sql_bounds::any_sql_database;

use crate::rows::{map_commit_err, map_err};
use crate::{SqlStore, code_param};

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Inserts a unit under its parent, its path the parent's and its code; a unit with
    /// that code already is kept as it is, and is an error unless `existing_is_fine`. With
    /// `audit`, a unit inserted commits with its record.
    pub(crate) async fn insert_unit(
        &self,
        new: &NewUnit,
        existing_is_fine: bool,
        audit: Option<Audited<'_>>,
    ) -> StoreResult<Unit> {
        let mut tx = self.begin_write().await?;
        let parent_path: String = match &new.parent {
            Some(parent) => sqlx::query("SELECT path FROM units WHERE code = $1")
                .bind(parent.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?
                .text("path")?,
            None => "/".to_owned(),
        };
        let inserted = sqlx::query(
                "INSERT INTO units (code, name, kind, parent_code, path, province_code, commune_code, \
                 case_prefix) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING \
                 RETURNING code",
            )
            .bind(new.code.as_str())
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(new.parent.as_ref().map(UnitCode::as_str))
            .bind(format!("{parent_path}{}/", new.code))
            .bind(code_param(new.province_code))
            .bind(code_param(new.commune_code))
            .bind(&new.case_prefix)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        match (inserted, audit) {
            (None, _) if !existing_is_fine => return Err(StoreError::Conflict("code".into())),
            (Some(_), Some(audit)) => {
                Self::append_audit_in(&mut tx, audit).await?;
            }
            _ => {}
        }
        tx.commit().await.map_err(map_commit_err)?;
        self.unit(&new.code).await
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Units for SqlStore<DB> {
    async fn ensure_unit(&self, new: &NewUnit) -> StoreResult<Unit> {
        self.insert_unit(new, true, None).await
    }

    async fn create_unit(&self, new: &NewUnit, audit: Audited<'_>) -> StoreResult<Unit> {
        self.insert_unit(new, false, Some(audit)).await
    }

    async fn rename_unit(
        &self,
        code: &UnitCode,
        name: &str,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE units SET name = $1 WHERE code = $2 RETURNING code")
            .bind(name)
            .bind(code.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn unit(&self, code: &UnitCode) -> StoreResult<Unit> {
        let row = sqlx::query("SELECT * FROM units WHERE code = $1")
            .bind(code.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        unit(&row)
    }

    async fn list_units(&self) -> StoreResult<Vec<Unit>> {
        sqlx::query("SELECT * FROM units ORDER BY path")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(unit)
            .collect()
    }
}
