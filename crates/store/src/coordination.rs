//! What several nodes on one store agree on through it: which node runs a job or reads an
//! account now (leases), and what is left of each client's allowance (throttles, sign-in
//! attempts), so that N nodes do not give an attacker N times the allowance.
//!
//! Keys are opaque to the store: the core hands it keyed digests, never an address or a
//! username, so that a copy of the database does not say who was counted.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

use crate::StoreResult;

/// An allowance of `burst` at once, earned back at one every `period` (the generic cell rate
/// algorithm: the store keeps, per key, the time at which the allowance is full again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub period: Duration,
    pub burst: u32,
}

/// One counter of failed attempts and how many are free before each further one must wait,
/// doubling from a second up to the longest wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptKey<'a> {
    pub key: &'a str,
    pub free: u32,
}

#[async_trait]
pub trait Coordination: Send + Sync {
    /// Takes the lease `name` for `holder` until `until`, or renews it: when nobody holds it,
    /// when its holder's time ran out before `now`, or when `holder` holds it already. Whether
    /// `holder` holds it now.
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Gives the lease `name` up, if `holder` holds it, so another node takes it at once.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;

    /// Takes one of `key`'s allowance at `now`; `Some(wait)` when none is left, with how long
    /// until there is one (and nothing taken).
    async fn take_allowance(
        &self,
        key: &str,
        allowance: Allowance,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Duration>>;

    /// Counts an attempt against each of `keys` at `now`, or, while any of them must still
    /// wait, counts none and says how long (`Some`). Counted and checked in one transaction
    /// that holds each counter's row, so that attempts on several nodes at once cannot all
    /// slip through before the first is counted.
    async fn count_attempt(
        &self,
        keys: &[AttemptKey<'_>],
        longest_wait: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Duration>>;

    /// Takes one counted attempt of `key` back (it succeeded).
    async fn take_back_attempt(&self, key: &str) -> StoreResult<()>;

    /// Forgets the attempts counted against each of `keys`.
    async fn forget_attempts(&self, keys: &[&str]) -> StoreResult<()>;

    /// Forgets allowances full again and attempt counters untouched for `attempts_kept`: what
    /// no longer limits anyone. How many rows went.
    async fn forget_spent_limits(
        &self,
        attempts_kept: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Gives up every lease `holder` holds (a node stopping), so others take them at once.
    async fn release_leases_of(&self, holder: &str) -> StoreResult<()>;

    /// Forgets every lease, whoever holds it: only for a store that one process serves (the
    /// embedded one), when it starts.
    async fn forget_leases(&self) -> StoreResult<()>;
}
