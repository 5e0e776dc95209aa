//! Staff members, their sessions, second factors and API tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{Role, StaffId, UnitCode};

use crate::{Audited, StoreResult};

#[async_trait]
pub trait Staff: Send + Sync {
    async fn create_staff(&self, staff: &NewStaff, audit: Audited<'_>) -> StoreResult<StaffMember>;
    async fn staff_by_username(&self, username: &str) -> StoreResult<StaffLogin>;
    async fn staff(&self, id: StaffId) -> StoreResult<StaffMember>;
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// The member behind a live session: not expired, used since `idle_since`, its member not
    /// disabled; `NotFound` otherwise. Marks the session used at `now`.
    async fn session_staff(
        &self,
        digest: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<LiveSession>;
    async fn delete_session(&self, digest: &str) -> StoreResult<()>;
    /// Ends every session of a member ("sign out everywhere", a reset second factor).
    async fn delete_sessions_of(&self, staff: StaffId, audit: Audited<'_>) -> StoreResult<()>;
    async fn second_factor(&self, staff: StaffId) -> StoreResult<SecondFactor>;
    /// Keeps a secret shown for enrolment until a code confirms it.
    async fn set_pending_totp(&self, staff: StaffId, sealed: &[u8]) -> StoreResult<()>;
    /// Makes the pending secret (which must still be `sealed`) the one in use, with `step` as
    /// its first code taken, and replaces the recovery codes, in one transaction. `Conflict`
    /// when another enrolment replaced the pending secret meanwhile.
    async fn activate_totp(
        &self,
        staff: StaffId,
        sealed: &[u8],
        step: i64,
        recovery_digests: &[String],
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Takes the code of time step `step`: `false` when a code of that step or a later one was
    /// already taken (a code is good once).
    async fn take_totp_step(&self, staff: StaffId, step: i64) -> StoreResult<bool>;
    /// Uses up a recovery code: `false` when it is unknown or already used.
    async fn take_recovery_code(
        &self,
        staff: StaffId,
        digest: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Forgets a member's second factor and recovery codes and ends their sessions: they
    /// enrol again at their next sign-in.
    async fn reset_second_factor(&self, staff: StaffId, audit: Audited<'_>) -> StoreResult<()>;
    async fn create_api_token(&self, token: &NewApiToken, audit: Audited<'_>) -> StoreResult<()>;
    async fn api_token_staff(&self, digest: &str) -> StoreResult<StaffMember>;
    async fn count_staff(&self) -> StoreResult<i64>;
    /// Members of the unit with this path and of the units below it, by username.
    async fn staff_under(&self, unit_path: &str) -> StoreResult<Vec<StaffMember>>;
    /// Changes a member's role, unit and whether they are disabled, and, in the same
    /// transaction, ends their sessions and revokes their API tokens (at `audit.at()`): what
    /// they could do is decided again at their next sign-in.
    async fn update_staff(
        &self,
        staff: StaffId,
        role: Role,
        unit: &UnitCode,
        disabled: bool,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Sets a member's rank and post (`None`: not recorded), as the receipt register names the
    /// officers who receive reports from then on.
    async fn set_staff_title(
        &self,
        staff: StaffId,
        rank: Option<hotline_domain::receipt::PoliceRank>,
        post: Option<&str>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Revokes every API token of a member.
    async fn revoke_api_tokens(
        &self,
        staff: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Sets the member's own password and ends their other sessions (every one but
    /// `keep_session`, by digest).
    async fn set_own_password(
        &self,
        staff: StaffId,
        password_hash: &str,
        keep_session: &str,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Holds a grant for a second administrator's decision. `Conflict("username")` when a new
    /// member's username is taken, `Conflict("grant")` when the username already has a grant
    /// waiting.
    async fn request_staff_grant(
        &self,
        grant: &NewStaffGrant,
        audit: Audited<'_>,
    ) -> StoreResult<i64>;
    /// Grants still waiting at `now` whose unit lies under `unit_path`, oldest first.
    async fn open_staff_grants(
        &self,
        unit_path: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StaffGrant>>;
    /// One grant, decided or not.
    async fn staff_grant(&self, id: i64) -> StoreResult<StaffGrant>;
    /// Decides a grant still waiting at `at`; an approval must come from someone other than its
    /// asker, and applies the grant in the same transaction: the new member is created,
    /// or the member is changed and their sessions and API tokens end. With
    /// `first_password_hash` (always for a new member) the approval also gives the member that
    /// password (the approver hands it over), to be changed at their next sign-in, and forgets
    /// their second factor. `false` when the grant no longer waits (or the approver asked for
    /// it).
    async fn decide_staff_grant(
        &self,
        id: i64,
        by: StaffId,
        approve: bool,
        first_password_hash: Option<&str>,
        audit: Audited<'_>,
    ) -> StoreResult<bool>;
}

/// A role given (to a new member or to one who exists) that waits for a second administrator.
#[derive(Clone)]
pub struct NewStaffGrant {
    pub username: String,
    /// The member changed; `None` for a new member.
    pub staff: Option<StaffId>,
    pub display_name: String,
    pub role: Role,
    pub unit: UnitCode,
    pub disabled: bool,
    pub requested_by: StaffId,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A grant as the administrators who may decide it see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffGrant {
    pub id: i64,
    pub username: String,
    pub staff: Option<StaffId>,
    pub display_name: String,
    pub role: Role,
    pub unit: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    pub disabled: bool,
    pub requested_by: StaffId,
    /// The asker's display name (their username when they have none).
    pub requester: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// `Some(true)` approved, `Some(false)` refused, `None` still waiting or expired.
    pub approved: Option<bool>,
}

#[derive(Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub unit: UnitCode,
    pub created_at: DateTime<Utc>,
    /// Someone else chose the password: the member changes it at their next sign-in.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: StaffId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    pub disabled: bool,
    /// Their rank and post (chức vụ), as the receipt register names the receiving officer.
    pub rank: Option<hotline_domain::receipt::PoliceRank>,
    pub post: Option<String>,
    /// Their password was chosen by someone else: the console serves them only the page to
    /// change it.
    pub must_change_password: bool,
}

/// A member with the password hash, only for signing in.
#[derive(Clone)]
pub struct StaffLogin {
    pub member: StaffMember,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub digest: String,
    pub staff: StaffId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Made by the password alone: good only for giving the second factor.
    pub second_factor_pending: bool,
    /// Made after a second factor was given.
    pub second_factor_passed: bool,
}

/// A live session and its member.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub member: StaffMember,
    /// The second factor is still to be given.
    pub second_factor_pending: bool,
    /// The session was opened by a second factor.
    pub second_factor_passed: bool,
}

/// A member's second factor as stored: secrets sealed under the store's key.
#[derive(Clone, Default)]
pub struct SecondFactor {
    /// The TOTP secret in use; `None` until enrolled.
    pub totp_sealed: Option<Vec<u8>>,
    /// A secret shown for enrolment, not yet confirmed with a code.
    pub totp_pending_sealed: Option<Vec<u8>>,
    /// The last time step a code was taken for.
    pub totp_last_step: Option<i64>,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("enrolled", &self.totp_sealed.is_some())
            .field("totp_last_step", &self.totp_last_step)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub digest: String,
    pub staff: StaffId,
    pub label: String,
    pub created_at: DateTime<Utc>,
}
