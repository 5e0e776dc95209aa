//! Leases, shared allowances and attempt counters: what nodes on one database agree on.

use crate::SqlStore;
use crate::rows::{Columns, map_commit_err, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_store::{Allowance, AttemptKey, Coordination, StoreResult};
use hotline_store_sql_bounds::any_sql_database;
use std::time::Duration;

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn duration_of(millis: i64) -> Duration {
    Duration::from_millis(u64::try_from(millis).unwrap_or_default())
}

/// How long the attempt after `count` counted ones must wait from the last, `free` of them
/// waiting for nothing: a second, doubling with each one more, up to `longest`.
fn backoff(count: i64, free: u32, longest: Duration) -> Duration {
    let past_free = count - i64::from(free);
    if count == 0 || past_free < 0 {
        return Duration::ZERO;
    }
    u32::try_from(past_free)
        .ok()
        .and_then(|shift| 1u64.checked_shl(shift))
        .map_or(longest, Duration::from_secs)
        .min(longest)
}

#[any_sql_database]
#[async_trait]
impl<DB> Coordination for SqlStore<DB> {
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One statement: the row's lock orders two nodes asking at once, and the second sees
        // the first's holder.
        let held = sqlx::query(
            "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = $2, until_ms = $3 \
             WHERE leases.holder = $2 OR leases.until_ms <= $4 RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until.timestamp_millis())
        .bind(now.timestamp_millis())
        .fetch_optional(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(held.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn release_leases_of(&self, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases WHERE holder = $1")
            .bind(holder)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn forget_leases(&self) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases")
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn take_allowance(
        &self,
        key: &str,
        allowance: Allowance,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Duration>> {
        let period = millis(allowance.period).max(1);
        let tolerance = period.saturating_mul(i64::from(allowance.burst.max(1) - 1));
        let now = now.timestamp_millis();
        // The allowance is full again at `full_at_ms`; one more is taken while that stays
        // within `burst - 1` periods of now.
        let taken = sqlx::query(
            "INSERT INTO allowances (subject, full_at_ms) VALUES ($1, $2 + $3) \
             ON CONFLICT (subject) DO UPDATE SET full_at_ms = \
                 (CASE WHEN allowances.full_at_ms > $2 THEN allowances.full_at_ms ELSE $2 END) + $3 \
             WHERE (CASE WHEN allowances.full_at_ms > $2 THEN allowances.full_at_ms ELSE $2 END) \
                 - $2 <= $4 \
             RETURNING full_at_ms",
        )
        .bind(key)
        .bind(now)
        .bind(period)
        .bind(tolerance)
        .fetch_optional(&self.writer)
        .await
        .map_err(map_err)?;
        if taken.is_some() {
            return Ok(None);
        }
        let full_at = sqlx::query("SELECT full_at_ms FROM allowances WHERE subject = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(|row| row.int("full_at_ms"))
            .transpose()?
            .unwrap_or(now);
        Ok(Some(
            duration_of(full_at - now - tolerance).max(Duration::from_millis(1)),
        ))
    }

    async fn count_attempt(
        &self,
        keys: &[AttemptKey<'_>],
        longest_wait: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Duration>> {
        let now = now.timestamp_millis();
        let mut tx = self.begin_write().await?;
        let mut wait = Duration::ZERO;
        for key in keys {
            // Held until the end of the transaction, whether the counter existed or not: a
            // new one is written (and rolled back with the rest when refused).
            let row = sqlx::query(
                "INSERT INTO attempts (subject, count, last_ms) VALUES ($1, 0, $2) \
                 ON CONFLICT (subject) DO UPDATE SET count = attempts.count \
                 RETURNING count, last_ms",
            )
            .bind(key.key)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            let (count, last) = (row.int("count")?, row.int("last_ms")?);
            let waited = duration_of(now - last);
            wait = wait.max(backoff(count, key.free, longest_wait).saturating_sub(waited));
        }
        if !wait.is_zero() {
            tx.rollback().await.map_err(map_err)?;
            return Ok(Some(wait));
        }
        for key in keys {
            sqlx::query("UPDATE attempts SET count = count + 1, last_ms = $1 WHERE subject = $2")
                .bind(now)
                .bind(key.key)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(None)
    }

    async fn take_back_attempt(&self, key: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE attempts SET count = count - 1 WHERE subject = $1")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("DELETE FROM attempts WHERE subject = $1 AND count <= 0")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn forget_attempts(&self, keys: &[&str]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for key in keys {
            sqlx::query("DELETE FROM attempts WHERE subject = $1")
                .bind(*key)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_commit_err)
    }

    async fn forget_spent_limits(
        &self,
        attempts_kept: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        /// Rows deleted by one statement: a flood's worth is forgotten in bounded bites.
        const BITE: i64 = 5_000;
        let now = now.timestamp_millis();
        let mut forgotten = 0;
        for (statement, before) in [
            (
                "DELETE FROM allowances WHERE subject IN (SELECT subject FROM allowances \
                 WHERE full_at_ms <= $1 LIMIT $2) RETURNING 1 AS gone",
                now,
            ),
            (
                "DELETE FROM attempts WHERE subject IN (SELECT subject FROM attempts \
                 WHERE last_ms <= $1 LIMIT $2) RETURNING 1 AS gone",
                now.saturating_sub(millis(attempts_kept)),
            ),
        ] {
            loop {
                let gone = sqlx::query(statement)
                    .bind(before)
                    .bind(BITE)
                    .fetch_all(&self.writer)
                    .await
                    .map_err(map_err)?
                    .len();
                forgotten += gone as u64;
                if (gone as i64) < BITE {
                    break;
                }
            }
        }
        Ok(forgotten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_past_the_free_attempts_up_to_the_longest() {
        let longest = Duration::from_secs(900);
        assert_eq!(backoff(2, 3, longest), Duration::ZERO);
        assert_eq!(
            backoff(0, 0, longest),
            Duration::ZERO,
            "a new counter waits for nothing"
        );
        assert_eq!(backoff(1, 0, longest), Duration::from_secs(2));
        assert_eq!(backoff(3, 3, longest), Duration::from_secs(1));
        assert_eq!(backoff(5, 3, longest), Duration::from_secs(4));
        assert_eq!(backoff(30, 3, longest), longest);
        assert_eq!(backoff(i64::MAX, 0, longest), longest);
    }
}
