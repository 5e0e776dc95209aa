//! Staff, their sessions, second factors and API tokens.

use crate::rows::{Columns, member, staff_grant};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{Role, StaffId, UnitCode};
use hotline_store::{
    Audited, LiveSession, NewApiToken, NewSession, NewStaff, NewStaffGrant, SecondFactor, Staff,
    StaffGrant, StaffLogin, StaffMember, StoreError, StoreResult,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;

use crate::SqlStore;
use crate::rows::{map_commit_err, map_err};

pub(crate) const MEMBER_COLUMNS: &str = "s.id, s.username, s.display_name, s.role, s.unit_code, \
     u.name AS unit_name, u.path AS unit_path, s.disabled, s.must_change_password, s.rank, s.post";

const GRANT_COLUMNS: &str = "g.id, g.username, g.staff_id, g.display_name, g.role, g.unit_code, \
     u.name AS unit_name, u.path AS unit_path, g.disabled, g.requested_by, \
     COALESCE(NULLIF(r.display_name, ''), r.username) AS requester, g.requested_at, \
     g.expires_at, g.decided_at, g.approved";

const GRANT_FROM: &str = "staff_grants g JOIN units u ON u.code = g.unit_code \
     JOIN staff r ON r.id = g.requested_by";

#[any_sql_database]
impl<DB> SqlStore<DB> {
    async fn insert_staff(
        tx: &mut Transaction<'static, DB>,
        new: &NewStaff,
    ) -> StoreResult<StaffId> {
        let id = sqlx::query(
            "INSERT INTO staff (username, display_name, password_hash, role, unit_code, \
             created_at, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.unit.as_str())
        .bind(new.created_at)
        .bind(new.must_change_password)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict("username".into()),
            other => other,
        })?
        .int("id")?;
        Ok(StaffId(id))
    }

    /// Gives a member their role, unit and status, and ends their sessions and API tokens:
    /// what they may do is decided again at their next sign-in.
    async fn change_member(
        tx: &mut Transaction<'static, DB>,
        staff: StaffId,
        role: Role,
        unit: &UnitCode,
        disabled: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE staff SET role = $1, unit_code = $2, disabled = $3 WHERE id = $4 RETURNING id",
        )
        .bind(role.as_str())
        .bind(unit.as_str())
        .bind(disabled)
        .bind(staff.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
            .bind(staff.0)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        // A grant still waiting for the member was asked of the member as they were: it
        // lapses, so an approval never undoes this change (a member disabled for cause stays
        // disabled).
        sqlx::query(
            "UPDATE staff_grants SET decided_at = $1, approved = FALSE \
             WHERE staff_id = $2 AND decided_at IS NULL",
        )
        .bind(at)
        .bind(staff.0)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(staff.0)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Staff for SqlStore<DB> {
    async fn create_staff(&self, new: &NewStaff, audit: Audited<'_>) -> StoreResult<StaffMember> {
        let mut tx = self.begin_write().await?;
        let id = Self::insert_staff(&mut tx, new).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        self.staff(id).await
    }

    async fn staff_by_username(&self, username: &str) -> StoreResult<StaffLogin> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS}, s.password_hash FROM staff s \
             JOIN units u ON u.code = s.unit_code WHERE s.username = $1"
        ))
        .bind(username)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(StaffLogin {
            member: member(&row)?,
            password_hash: row.text("password_hash")?,
        })
    }

    async fn staff(&self, id: StaffId) -> StoreResult<StaffMember> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff s JOIN units u ON u.code = s.unit_code WHERE s.id = $1"
        ))
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (digest, staff_id, created_at, expires_at, last_seen_at, \
             second_factor_pending, second_factor_passed) VALUES ($1, $2, $3, $4, $3, $5, $6)",
        )
        .bind(&session.digest)
        .bind(session.staff.0)
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(session.second_factor_pending)
        .bind(session.second_factor_passed)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn session_staff(
        &self,
        digest: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<LiveSession> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS}, x.second_factor_pending, x.second_factor_passed, \
             x.last_seen_at FROM sessions x \
             JOIN staff s ON s.id = x.staff_id JOIN units u ON u.code = s.unit_code \
             WHERE x.digest = $1 AND x.expires_at > $2 AND x.last_seen_at >= $3 \
             AND NOT s.disabled"
        ))
        .bind(digest)
        .bind(now)
        .bind(idle_since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        // Marked used at most once a minute: a page of requests is not a page of writes.
        if now - row.time("last_seen_at")? > chrono::Duration::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE digest = $2")
                .bind(now)
                .bind(digest)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
        }
        Ok(LiveSession {
            member: member(&row)?,
            second_factor_pending: row.flag("second_factor_pending")?,
            second_factor_passed: row.flag("second_factor_passed")?,
        })
    }

    async fn delete_session(&self, digest: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn delete_sessions_of(&self, staff: StaffId, audit: Audited<'_>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
            .bind(staff.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn second_factor(&self, staff: StaffId) -> StoreResult<SecondFactor> {
        let row = sqlx::query(
            "SELECT totp_sealed, totp_pending_sealed, totp_last_step FROM staff WHERE id = $1",
        )
        .bind(staff.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(SecondFactor {
            totp_sealed: row.bytes_opt("totp_sealed")?,
            totp_pending_sealed: row.bytes_opt("totp_pending_sealed")?,
            totp_last_step: row.int_opt("totp_last_step")?,
        })
    }

    async fn set_pending_totp(&self, staff: StaffId, sealed: &[u8]) -> StoreResult<()> {
        sqlx::query("UPDATE staff SET totp_pending_sealed = $1 WHERE id = $2")
            .bind(sealed.to_vec())
            .bind(staff.0)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn activate_totp(
        &self,
        staff: StaffId,
        sealed: &[u8],
        step: i64,
        recovery_digests: &[String],
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE staff SET totp_sealed = totp_pending_sealed, totp_pending_sealed = NULL, \
             totp_last_step = $1 WHERE id = $2 AND totp_pending_sealed = $3 RETURNING id",
        )
        .bind(step)
        .bind(staff.0)
        .bind(sealed.to_vec())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if moved.is_none() {
            return Err(StoreError::Conflict("enrolment".into()));
        }
        sqlx::query("DELETE FROM recovery_codes WHERE staff_id = $1")
            .bind(staff.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for digest in recovery_digests {
            sqlx::query("INSERT INTO recovery_codes (staff_id, digest) VALUES ($1, $2)")
                .bind(staff.0)
                .bind(digest)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn take_totp_step(&self, staff: StaffId, step: i64) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE staff SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1) RETURNING id",
        )
        .bind(step)
        .bind(staff.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(taken.is_some())
    }

    async fn take_recovery_code(
        &self,
        staff: StaffId,
        digest: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE staff_id = $2 AND digest = $3 AND used_at IS NULL RETURNING staff_id",
        )
        .bind(now)
        .bind(staff.0)
        .bind(digest)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(taken.is_some())
    }

    async fn reset_second_factor(&self, staff: StaffId, audit: Audited<'_>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for statement in [
            "UPDATE staff SET totp_sealed = NULL, totp_pending_sealed = NULL, \
             totp_last_step = NULL WHERE id = $1",
            "DELETE FROM recovery_codes WHERE staff_id = $1",
            "DELETE FROM sessions WHERE staff_id = $1",
        ] {
            sqlx::query(statement)
                .bind(staff.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn create_api_token(&self, token: &NewApiToken, audit: Audited<'_>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (digest, staff_id, label, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&token.digest)
        .bind(token.staff.0)
        .bind(&token.label)
        .bind(token.created_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn api_token_staff(&self, digest: &str) -> StoreResult<StaffMember> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM api_tokens t JOIN staff s ON s.id = t.staff_id \
             JOIN units u ON u.code = s.unit_code \
             WHERE t.digest = $1 AND t.revoked_at IS NULL AND NOT s.disabled"
        ))
        .bind(digest)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn count_staff(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM staff")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("n")
    }

    async fn update_staff(
        &self,
        staff: StaffId,
        role: Role,
        unit: &UnitCode,
        disabled: bool,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::change_member(&mut tx, staff, role, unit, disabled, audit.at()).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn set_staff_title(
        &self,
        staff: StaffId,
        rank: Option<hotline_domain::receipt::PoliceRank>,
        post: Option<&str>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE staff SET rank = $1, post = $2 WHERE id = $3 RETURNING id")
            .bind(rank.map(|r| r.as_str()))
            .bind(post)
            .bind(staff.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn revoke_api_tokens(
        &self,
        staff: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(staff.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn staff_under(&self, unit_path: &str) -> StoreResult<Vec<StaffMember>> {
        sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff s JOIN units u ON u.code = s.unit_code \
             WHERE u.path LIKE $1 || '%' ORDER BY s.username"
        ))
        .bind(unit_path)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(member)
        .collect()
    }

    async fn set_own_password(
        &self,
        staff: StaffId,
        password_hash: &str,
        keep_session: &str,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE staff SET password_hash = $1, must_change_password = FALSE WHERE id = $2 \
             RETURNING id",
        )
        .bind(password_hash)
        .bind(staff.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM sessions WHERE staff_id = $1 AND digest <> $2")
            .bind(staff.0)
            .bind(keep_session)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn request_staff_grant(
        &self,
        grant: &NewStaffGrant,
        audit: Audited<'_>,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        if grant.staff.is_none() {
            let taken = sqlx::query("SELECT id FROM staff WHERE username = $1")
                .bind(&grant.username)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("username".into()));
            }
        }
        // A lapsed grant is closed; one still waiting keeps the username (the unique index
        // holds on every node).
        sqlx::query(
            "UPDATE staff_grants SET decided_at = $2, approved = FALSE \
             WHERE username = $1 AND decided_at IS NULL AND expires_at <= $2",
        )
        .bind(&grant.username)
        .bind(grant.requested_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let id = sqlx::query(
            "INSERT INTO staff_grants (username, staff_id, display_name, role, unit_code, \
             disabled, requested_by, requested_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&grant.username)
        .bind(grant.staff.map(|s| s.0))
        .bind(&grant.display_name)
        .bind(grant.role.as_str())
        .bind(grant.unit.as_str())
        .bind(grant.disabled)
        .bind(grant.requested_by.0)
        .bind(grant.requested_at)
        .bind(grant.expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict("grant".into()),
            other => other,
        })?
        .int("id")?;
        Self::append_audit_created(&mut tx, audit, id).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn open_staff_grants(
        &self,
        unit_path: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StaffGrant>> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM {GRANT_FROM} WHERE g.decided_at IS NULL \
             AND g.expires_at > $1 AND u.path LIKE $2 || '%' ORDER BY g.id"
        ))
        .bind(now)
        .bind(unit_path)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(staff_grant)
        .collect()
    }

    async fn staff_grant(&self, id: i64) -> StoreResult<StaffGrant> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM {GRANT_FROM} WHERE g.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        staff_grant(&row)
    }

    async fn decide_staff_grant(
        &self,
        id: i64,
        by: StaffId,
        approve: bool,
        first_password_hash: Option<&str>,
        audit: Audited<'_>,
    ) -> StoreResult<bool> {
        let at = audit.at();
        let mut tx = self.begin_write().await?;
        let decided = sqlx::query(
            "UPDATE staff_grants SET decided_by = $1, decided_at = $2, approved = $3 \
             WHERE id = $4 AND decided_at IS NULL AND expires_at > $2 \
             AND (NOT $3 OR requested_by <> $1) \
             RETURNING username, staff_id, display_name, role, unit_code, disabled",
        )
        .bind(by.0)
        .bind(at)
        .bind(approve)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(grant) = decided else {
            return Ok(false);
        };
        if approve {
            let bad = |what: &str| StoreError::Other(format!("a staff grant with a bad {what}"));
            let role: Role = grant.text("role")?.parse().map_err(|_| bad("role"))?;
            let unit: UnitCode = grant.text("unit_code")?.parse().map_err(|_| bad("unit"))?;
            let disabled = grant.flag("disabled")?;
            match grant.int_opt("staff_id")? {
                Some(staff) => {
                    Self::change_member(&mut tx, StaffId(staff), role, &unit, disabled, at).await?;
                }
                None => {
                    let new = NewStaff {
                        username: grant.text("username")?,
                        display_name: grant.text("display_name")?,
                        password_hash: first_password_hash
                            .ok_or_else(|| bad("first password"))?
                            .to_owned(),
                        role,
                        unit,
                        created_at: at,
                        must_change_password: true,
                    };
                    Self::insert_staff(&mut tx, &new).await?;
                }
            }
            if let (Some(staff), Some(first_password_hash)) =
                (grant.int_opt("staff_id")?, first_password_hash)
            {
                sqlx::query(
                    "UPDATE staff SET password_hash = $1, must_change_password = TRUE, \
                         totp_sealed = NULL, totp_pending_sealed = NULL, totp_last_step = NULL \
                         WHERE id = $2",
                )
                .bind(first_password_hash)
                .bind(staff)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query("DELETE FROM recovery_codes WHERE staff_id = $1")
                    .bind(staff)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(true)
    }
}
