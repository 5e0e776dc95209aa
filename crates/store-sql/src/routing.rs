//! The routing table's rules.

use crate::rows::{Columns, map_err};
use crate::{SqlStore, code_param};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::StaffId;
use hotline_domain::routing::{RoutingRule, Target};
use hotline_store::{Routing, RoutingRuleRecord, StoreError, StoreResult};
use hotline_store_sql_bounds::any_sql_database;

const DATE: &str = "%Y-%m-%d";

fn date_text(day: NaiveDate) -> String {
    day.format(DATE).to_string()
}

fn routing_rule(row: &impl Columns) -> StoreResult<RoutingRuleRecord> {
    let bad = |what: &str| StoreError::Other(format!("a routing rule with a bad {what}"));
    let rule = RoutingRule {
        effective_from: NaiveDate::parse_from_str(&row.text("effective_from")?, DATE)
            .map_err(|_| bad("date"))?,
        province: row
            .small_opt("province_code")?
            .and_then(|p| u32::try_from(p).ok()),
        scope: row.text("legal_scope")?.parse().map_err(|_| bad("scope"))?,
        topic: row
            .text_opt("topic")?
            .map(|t| t.parse())
            .transpose()
            .map_err(|_| bad("topic"))?,
        target: row.text("target")?.parse().map_err(|_| bad("target"))?,
    };
    Ok(RoutingRuleRecord {
        id: row.int("id")?,
        rule,
        changed_by: row.int_opt("changed_by")?.map(StaffId),
        changed_at: row.time("changed_at")?,
    })
}

/// The key columns of a rule, matched with `IS` so that "every province" and "any topic"
/// (NULL) match themselves.
const KEY_MATCH: &str = "effective_from = $1 AND COALESCE(province_code, 0) = COALESCE($2, 0) \
     AND legal_scope = $3 AND COALESCE(topic, '') = COALESCE($4, '')";

#[any_sql_database]
#[async_trait]
impl<DB> Routing for SqlStore<DB> {
    async fn routing_rules(&self) -> StoreResult<Vec<RoutingRuleRecord>> {
        sqlx::query(
            "SELECT * FROM routing_rules \
             ORDER BY effective_from, COALESCE(province_code, 0), legal_scope, COALESCE(topic, '')",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(routing_rule)
        .collect()
    }

    async fn seed_routing_rules(
        &self,
        rules: &[RoutingRule],
        at: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let present = sqlx::query("SELECT id FROM routing_rules LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if present.is_some() {
            return Ok(0);
        }
        for rule in rules {
            Self::insert_rule(&mut tx, rule, None, at).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(rules.len())
    }

    async fn put_routing_rule(
        &self,
        rule: &RoutingRule,
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Target>> {
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query(&format!(
            "SELECT id, target FROM routing_rules WHERE {KEY_MATCH}"
        ))
        .bind(date_text(rule.effective_from))
        .bind(code_param(rule.province))
        .bind(rule.scope.as_str())
        .bind(rule.topic.map(|t| t.as_str()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let previous =
            match existing {
                Some(row) => {
                    sqlx::query(
                        "UPDATE routing_rules SET target = $1, changed_by = $2, changed_at = $3 \
                     WHERE id = $4",
                    )
                    .bind(rule.target.to_string())
                    .bind(by.0)
                    .bind(at)
                    .bind(row.int("id")?)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    Some(row.text("target")?.parse().map_err(|_| {
                        StoreError::Other("a routing rule with a bad target".into())
                    })?)
                }
                None => {
                    Self::insert_rule(&mut tx, rule, Some(by), at).await?;
                    None
                }
            };
        tx.commit().await.map_err(map_err)?;
        Ok(previous)
    }

    async fn delete_routing_rule(&self, id: i64) -> StoreResult<RoutingRule> {
        let row = sqlx::query("DELETE FROM routing_rules WHERE id = $1 RETURNING *")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
        Ok(routing_rule(&row)?.rule)
    }

    async fn add_routing_version(
        &self,
        rules: &[RoutingRule],
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let mut dates: Vec<NaiveDate> = rules.iter().map(|r| r.effective_from).collect();
        dates.dedup();
        for day in dates {
            let taken =
                sqlx::query("SELECT id FROM routing_rules WHERE effective_from = $1 LIMIT 1")
                    .bind(date_text(day))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("version".into()));
            }
        }
        for rule in rules {
            Self::insert_rule(&mut tx, rule, Some(by), at).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn delete_routing_version(&self, effective_from: NaiveDate) -> StoreResult<usize> {
        let done = sqlx::query("DELETE FROM routing_rules WHERE effective_from = $1 RETURNING id")
            .bind(date_text(effective_from))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.len())
    }
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    async fn insert_rule(
        tx: &mut sqlx::Transaction<'static, DB>,
        rule: &RoutingRule,
        by: Option<StaffId>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO routing_rules \
             (effective_from, province_code, legal_scope, topic, target, changed_by, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(date_text(rule.effective_from))
        .bind(code_param(rule.province))
        .bind(rule.scope.as_str())
        .bind(rule.topic.map(|t| t.as_str()))
        .bind(rule.target.to_string())
        .bind(by.map(|s| s.0))
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}
