//! Staff: accounts, signing in (with backoff on failures and no hint of whether an account
//! exists), sessions and API tokens, and the acting member that every read is scoped to.

use crate::second_factor::SecondFactorStep;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, Utc};
use hotline_domain::AuditAction;
use hotline_domain::staff::ReportScope;
use hotline_domain::{DomainError, Role, StaffId, UnitCode};
use hotline_store::{
    LiveSession, NewApiToken, NewSession, NewStaff, StaffMember, StoreError, Visibility,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use tokio::sync::Semaphore;

/// A session lasts one long shift at most.
pub const SESSION_LIFETIME_HOURS: i64 = 12;
/// A session unused this long ends: a browser closed or put away without signing out. An
/// inbox left open keeps asking for new reports, and so stays signed in (the duty desk must
/// hear of them) until the session's 12 hours are up.
pub const SESSION_IDLE_MINUTES: i64 = 60;
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Failures allowed before each further attempt must wait, doubling each time.
/// Failures of one account from one address before it must wait: a guesser's own address.
const FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS: u32 = 5;
/// Failures of one account from everywhere before it must wait everywhere: many addresses
/// guessing together. High, so that someone who wants a director locked out must send many
/// (and an administrator can lift it: `StaffChange::UnlockSignIn`).
const FREE_FAILURES_PER_ACCOUNT: u32 = 50;
/// Failures of a member typing their own current password to change it, in a session.
const FREE_PASSWORD_CHANGE_FAILURES: u32 = 5;
const FREE_FAILURES_PER_IP: u32 = 20;
const MAX_BACKOFF_SECS: u64 = crate::coordination::LONGEST_ATTEMPT_WAIT.as_secs();

/// The staff member on whose behalf a use case runs.
#[derive(Debug, Clone)]
pub struct Actor(pub StaffMember);

impl Actor {
    /// The reports this member may read, derived from role and unit; the store applies it to
    /// every query.
    pub fn visibility(&self) -> Visibility {
        match self.0.role.report_scope() {
            ReportScope::None => Visibility::Nothing,
            ReportScope::OwnUnit => Visibility::Unit(self.0.unit.clone()),
            ReportScope::UnitTree if self.0.role.leads_unit() => {
                Visibility::Leaders(self.0.unit_path.clone())
            }
            ReportScope::UnitTree => Visibility::Subtree(self.0.unit_path.clone()),
        }
    }
}

#[derive(Clone)]
pub struct SignedIn {
    /// The session secret for the cookie; only its digest is stored.
    pub token: String,
    pub member: StaffMember,
    pub expires_at: DateTime<Utc>,
    /// What the session still needs before it is good for anything: `None` when complete.
    pub second_factor: Option<SecondFactorStep>,
}

/// Counts sign-in attempts per account and per address. An attempt is counted before the
/// password is checked, under the same lock as the check, so parallel guesses cannot all slip
/// through before the first failure is recorded; a success takes its attempt back.
impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("member", &self.member.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionOpenedBy {
    /// The password, for a member whose role needs nothing more.
    Password,
    /// The password, good only for giving the second factor next.
    PasswordAwaitingSecondFactor,
    /// The second factor, after the password.
    SecondFactor,
}

#[derive(Default)]
pub(crate) struct LoginThrottle {
    attempts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// Counts an attempt against each of `keys` (with its free allowance), or refuses it, counting
    /// none, while any of them must wait: an attempt refused for one reason uses up no other
    /// allowance (a member locked out everywhere who keeps trying does not exhaust their
    /// office's shared address).
    pub(crate) fn attempt_each(&self, keys: &[(&str, u32)]) -> CoreResult<()> {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        for (key, free) in keys {
            if let Some((count, last)) = attempts.get(*key)
                && *count >= *free
            {
                let wait = 1u64
                    .checked_shl(count - free)
                    .unwrap_or(MAX_BACKOFF_SECS)
                    .min(MAX_BACKOFF_SECS);
                let waited = last.elapsed().as_secs();
                if waited < wait {
                    return Err(CoreError::Throttled {
                        retry_after_secs: wait - waited,
                    });
                }
            }
        }
        // Bound the memory an attacker can make us spend on counters.
        if attempts.len() > 100_000 {
            attempts.retain(|_, (_, last)| last.elapsed().as_secs() < MAX_BACKOFF_SECS);
        }
        for (key, _) in keys {
            let entry = attempts
                .entry((*key).to_owned())
                .or_insert((0, Instant::now()));
            entry.0 = entry.0.saturating_add(1);
            entry.1 = Instant::now();
        }
        Ok(())
    }

    /// Takes back one counted attempt after a success.
    pub(crate) fn succeeded(&self, key: &str) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((count, _)) = attempts.get_mut(key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                attempts.remove(key);
            }
        }
    }

    pub(crate) fn clear(&self, key: &str) {
        self.attempts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// The counters that keep an account waiting from every address: its sign-ins from
/// everywhere, its second factor and its password changes. Those of each address are not
/// among them, so that an unlock gives the addresses that guessed no fresh allowance.
fn account_wait_keys(username: &str, id: StaffId) -> [String; 3] {
    [
        account_key(username),
        second_factor_key(id),
        format!("pw:{username}"),
    ]
}

impl Hotline {
    /// Forgets what keeps an account waiting from every address ([`account_wait_keys`]).
    pub(crate) async fn forget_account_attempts(
        &self,
        username: &str,
        id: StaffId,
    ) -> CoreResult<()> {
        let keys = account_wait_keys(username, id);
        self.forget_attempts(&keys.each_ref().map(String::as_str))
            .await
    }
}

/// The second-factor counter of a member, from everywhere.
pub(crate) fn second_factor_key(id: StaffId) -> String {
    format!("2fa:{}", id.0)
}

/// The sign-in counter of an account, from everywhere.
fn account_key(username: &str) -> String {
    format!("u:{username}")
}

/// A hash to check against when the account does not exist, so both paths cost the same.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hotline_vault::decoy_hash().unwrap_or_default())
}

fn valid_username(username: &str) -> bool {
    (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Runs password hashing off the executor, a few at a time: each run takes 19 MiB and tens of
/// milliseconds, and a flood of sign-ins must not take all memory and threads.
pub(crate) async fn off_executor<T: Send + 'static>(
    permits: &Semaphore,
    work: impl FnOnce() -> T + Send + 'static,
) -> CoreResult<T> {
    let _permit = permits
        .acquire()
        .await
        .map_err(|_| CoreError::Unavailable)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))
}

impl Hotline {
    /// Creates a staff account. The unit may be any existing unit or a commune police given as
    /// `<province>/<commune>`, created on first use.
    pub async fn add_staff(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &UnitCode,
        password: &str,
    ) -> CoreResult<StaffMember> {
        self.create_member(username, display_name, role, unit, password, None)
            .await
    }

    /// [`Hotline::add_staff`], recorded also under the administrator who created the member
    /// (`by`), in the same transaction.
    pub(crate) async fn create_member(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &UnitCode,
        password: &str,
        by: Option<&Actor>,
    ) -> CoreResult<StaffMember> {
        let mut new = self
            .new_member(username, display_name, role, unit, password)
            .await?;
        // An administrator chose it; the operator's own command-line accounts are theirs.
        new.must_change_password = by.is_some();
        let detail = format!("role={role} unit={}", new.unit);
        let mut records = vec![(
            None,
            AuditAction::StaffCreated,
            new.username.as_str(),
            detail.as_str(),
        )];
        if let Some(admin) = by {
            records.push((
                Some(admin.0.id),
                AuditAction::StaffCreatedByAdministrator,
                new.username.as_str(),
                detail.as_str(),
            ));
        }
        self.audited_all(&records, async |audit| {
            Ok(self.store.create_staff(&new, audit).await?)
        })
        .await
    }

    /// A member as they will be stored: username and password checked, the unit resolved, the
    /// password hashed off the executor.
    pub(crate) async fn new_member(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &UnitCode,
        password: &str,
    ) -> CoreResult<NewStaff> {
        let username = username.trim().to_lowercase();
        if !valid_username(&username) {
            return Err(DomainError::field("username", "invalid").into());
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(DomainError::field("password", "too_short").into());
        }
        let unit = self.resolve_unit(unit).await?;
        let password = password.to_owned();
        let password_hash = off_executor(&self.hashing, move || {
            hotline_vault::hash_password(&password)
        })
        .await?
        .map_err(|e| CoreError::Internal(e.to_string()))?;
        let display_name = hotline_domain::text::clean_line(display_name);
        Ok(NewStaff {
            display_name: if display_name.is_empty() {
                username.clone()
            } else {
                display_name
            },
            username,
            password_hash,
            role,
            unit: unit.code,
            created_at: self.clock.now(),
            must_change_password: false,
        })
    }

    /// Checks a username and password. Every failure looks the same to the caller, and
    /// repeated failures per account and per address must wait, doubling each time.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        ip: IpAddr,
    ) -> CoreResult<SignedIn> {
        let username = username.trim().to_lowercase();
        // A name that cannot exist is checked against nothing, but costs the same time, and is
        // not kept as a counter key (it could be any size).
        let plausible = valid_username(&username);
        // An IPv6 subscriber holds a whole /64: counted as one, as the form's limits do.
        let client = hotline_domain::client::client_of(ip);
        let ip_key = format!("ip:{client}");
        let account_everywhere = account_key(&username);
        // The account from this address waits first: a guesser locks out only their own
        // address, not the member elsewhere.
        let account_here = format!("{account_everywhere}@{client}");
        if plausible {
            self.count_attempt(&[
                (&ip_key, FREE_FAILURES_PER_IP),
                (&account_here, FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS),
                (&account_everywhere, FREE_FAILURES_PER_ACCOUNT),
            ])
            .await?;
        } else {
            self.count_attempt(&[(&ip_key, FREE_FAILURES_PER_IP)])
                .await?;
        }

        let login = if plausible {
            match self.store.staff_by_username(&username).await {
                Ok(login) => Some(login),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let phc = login
            .as_ref()
            .map_or_else(|| decoy_hash().to_owned(), |l| l.password_hash.clone());
        let password = password.to_owned();
        let matches = off_executor(&self.hashing, move || {
            hotline_vault::verify_password(&password, &phc)
        })
        .await?;
        let member = match login {
            Some(l) if matches && !l.member.disabled => l.member,
            failed => {
                // Only an existing account is named: what was typed for an unknown one could
                // be a password in the wrong field.
                let subject = failed.map(|l| l.member.username).unwrap_or_default();
                self.audit(None, AuditAction::StaffSignInFailed, &subject, "")
                    .await?;
                return Err(CoreError::Unauthenticated);
            }
        };
        self.forget_attempts(&[&account_here]).await?;
        self.attempt_succeeded(&account_everywhere).await?;
        self.attempt_succeeded(&ip_key).await?;
        let enrolled = self
            .store
            .second_factor(member.id)
            .await?
            .totp_sealed
            .is_some();
        let second_factor = match (enrolled, member.role.needs_second_factor()) {
            (true, _) => Some(SecondFactorStep::Code),
            (false, true) => Some(SecondFactorStep::Enrol),
            (false, false) => None,
        };
        let opened_by = if second_factor.is_some() {
            SessionOpenedBy::PasswordAwaitingSecondFactor
        } else {
            SessionOpenedBy::Password
        };
        let (token, expires_at) = self.new_session(&member, opened_by).await?;
        let event = if second_factor.is_some() {
            AuditAction::StaffPasswordAccepted
        } else {
            AuditAction::StaffSignedIn
        };
        self.audit(Some(member.id), event, &member.username, "")
            .await?;
        Ok(SignedIn {
            token,
            member,
            expires_at,
            second_factor,
        })
    }

    /// Opens a session for `member`; its secret (for the cookie) and when it ends.
    pub(crate) async fn new_session(
        &self,
        member: &StaffMember,
        opened_by: SessionOpenedBy,
    ) -> CoreResult<(String, DateTime<Utc>)> {
        let (token, digest) = hotline_vault::new_token();
        let now = self.clock.now();
        let expires_at = now + Duration::hours(SESSION_LIFETIME_HOURS);
        self.store
            .create_session(&NewSession {
                digest,
                staff: member.id,
                created_at: now,
                expires_at,
                second_factor_pending: opened_by == SessionOpenedBy::PasswordAwaitingSecondFactor,
                second_factor_passed: opened_by == SessionOpenedBy::SecondFactor,
            })
            .await?;
        Ok((token, expires_at))
    }

    /// The member behind a session cookie, if the session is live and complete, and was
    /// opened by a second factor when the member's role (now, not at sign-in) needs one.
    pub async fn session(&self, token: &str) -> CoreResult<Actor> {
        let live = self.live_session(token).await?;
        let unproven = live.member.role.needs_second_factor() && !live.second_factor_passed;
        if live.second_factor_pending || unproven {
            return Err(CoreError::Unauthenticated);
        }
        Ok(Actor(live.member))
    }

    /// A live session, complete or waiting for the second factor.
    pub(crate) async fn live_session(&self, token: &str) -> CoreResult<LiveSession> {
        let digest = hotline_vault::token_digest(token);
        let now = self.clock.now();
        let idle_since = now - Duration::minutes(SESSION_IDLE_MINUTES);
        match self.store.session_staff(&digest, now, idle_since).await {
            Ok(live) => Ok(live),
            Err(StoreError::NotFound) => Err(CoreError::Unauthenticated),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn sign_out(&self, token: &str) -> CoreResult<()> {
        let actor = self.live_session(token).await.ok().map(|l| Actor(l.member));
        self.store
            .delete_session(&hotline_vault::token_digest(token))
            .await?;
        if let Some(Actor(member)) = actor {
            self.audit(
                Some(member.id),
                AuditAction::StaffSignedOut,
                &member.username,
                "",
            )
            .await?;
        }
        Ok(())
    }

    /// Changes the signed-in member's password to one of their own: the current one is
    /// checked (failures wait as at sign-in), the new one is long enough and new. Their other
    /// sessions end; this one goes on. Audited.
    pub async fn change_own_password(
        &self,
        token: &str,
        current: &str,
        new: &str,
    ) -> CoreResult<()> {
        let Actor(member) = self.session(token).await?;
        let changing_key = format!("pw:{}", member.username);
        self.count_attempt(&[(&changing_key, FREE_PASSWORD_CHANGE_FAILURES)])
            .await?;
        let login = self.store.staff_by_username(&member.username).await?;
        let (typed, phc) = (current.to_owned(), login.password_hash);
        let matches = off_executor(&self.hashing, move || {
            hotline_vault::verify_password(&typed, &phc)
        })
        .await?;
        if !matches {
            self.audit(
                Some(member.id),
                AuditAction::StaffPasswordChangeFailed,
                &member.username,
                "",
            )
            .await?;
            return Err(DomainError::field("current", "wrong").into());
        }
        self.forget_attempts(&[&changing_key]).await?;
        if new.chars().count() < MIN_PASSWORD_CHARS {
            return Err(DomainError::field("password", "too_short").into());
        }
        if new == current {
            return Err(DomainError::field("password", "unchanged").into());
        }
        let new = new.to_owned();
        let hash = off_executor(&self.hashing, move || hotline_vault::hash_password(&new))
            .await?
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let keep = hotline_vault::token_digest(token);
        self.audited(
            Some(member.id),
            AuditAction::StaffPasswordChanged,
            &member.username,
            "",
            async |audit| {
                Ok(self
                    .store
                    .set_own_password(member.id, &hash, &keep, audit)
                    .await?)
            },
        )
        .await
    }

    /// The member behind an API bearer token.
    pub async fn api_actor(&self, token: &str) -> CoreResult<Actor> {
        match self
            .store
            .api_token_staff(&hotline_vault::token_digest(token))
            .await
        {
            // A member still on the password an administrator chose acts nowhere until they
            // set their own, by API no more than in the console (issue 25, finding 1).
            Ok(member) if member.must_change_password => Err(CoreError::Forbidden),
            Ok(member) => Ok(Actor(member)),
            Err(StoreError::NotFound) => Err(CoreError::Unauthenticated),
            Err(e) => Err(e.into()),
        }
    }

    /// Issues an API token for scripts acting as `username`; the token is shown once.
    pub async fn create_api_token(&self, username: &str, label: &str) -> CoreResult<String> {
        let login = self
            .store
            .staff_by_username(&username.trim().to_lowercase())
            .await?;
        let (token, digest) = hotline_vault::new_token();
        let new = NewApiToken {
            digest,
            staff: login.member.id,
            label: label.to_owned(),
            created_at: self.clock.now(),
        };
        self.audited(
            None,
            AuditAction::TokenCreated,
            &login.member.username,
            label,
            async |audit| Ok(self.store.create_api_token(&new, audit).await?),
        )
        .await?;
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_backs_off_after_free_attempts() {
        let t = LoginThrottle::default();
        for _ in 0..FREE_FAILURES_PER_ACCOUNT {
            assert!(
                t.attempt_each(&[("u:a", FREE_FAILURES_PER_ACCOUNT)])
                    .is_ok()
            );
        }
        assert!(matches!(
            t.attempt_each(&[("u:a", FREE_FAILURES_PER_ACCOUNT)]),
            Err(CoreError::Throttled { .. })
        ));
        assert!(
            t.attempt_each(&[("u:b", FREE_FAILURES_PER_ACCOUNT)])
                .is_ok()
        );
        t.clear("u:a");
        assert!(
            t.attempt_each(&[("u:a", FREE_FAILURES_PER_ACCOUNT)])
                .is_ok()
        );
    }

    #[test]
    fn an_unlock_forgets_what_waits_everywhere_and_nothing_of_the_guessers() {
        let t = LoginThrottle::default();
        let keys = ["u:a", "2fa:7", "pw:a", "u:a@192.0.2.1", "u:ab", "2fa:8"];
        for key in keys {
            for _ in 0..FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS {
                assert!(
                    t.attempt_each(&[(key, FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS)])
                        .is_ok()
                );
            }
        }
        for key in account_wait_keys("a", StaffId(7)) {
            t.clear(&key);
        }
        for key in keys {
            let waits = t
                .attempt_each(&[(key, FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS)])
                .is_err();
            let forgotten = ["u:a", "2fa:7", "pw:a"].contains(&key);
            assert_eq!(waits, !forgotten, "{key}");
        }
    }

    #[test]
    fn an_attempt_refused_for_one_reason_counts_against_none() {
        let t = LoginThrottle::default();
        for _ in 0..2 {
            assert!(t.attempt_each(&[("ip:x", 20), ("u:a", 2)]).is_ok());
        }
        for _ in 0..30 {
            assert!(t.attempt_each(&[("ip:x", 20), ("u:a", 2)]).is_err());
        }
        for _ in 0..18 {
            assert!(
                t.attempt_each(&[("ip:x", 20)]).is_ok(),
                "the address kept its allowance"
            );
        }
    }

    #[test]
    fn successes_take_their_attempt_back() {
        let t = LoginThrottle::default();
        for _ in 0..(FREE_FAILURES_PER_IP * 2) {
            assert!(t.attempt_each(&[("ip:x", FREE_FAILURES_PER_IP)]).is_ok());
            t.succeeded("ip:x");
        }
    }

    #[test]
    fn usernames_are_plain() {
        assert!(valid_username("truc.ban-01"));
        assert!(!valid_username("Ab"));
        assert!(!valid_username("x y"));
        assert!(!valid_username("nguyễn"));
    }
}
