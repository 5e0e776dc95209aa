//! Several nodes on one store: each job and each account that is read rather than pushed
//! (a mailbox, a Telegram long poll) runs on one node at a time under a lease, taken over when
//! its holder stops renewing it; and the limits on clients (submissions, look-ups, sign-in
//! attempts) are counted in the store, so that N nodes do not give an attacker N times the
//! allowance. On one node with the embedded store the limits stay in memory.

use crate::{CoreResult, Hotline};
use hotline_store::{Allowance, AttemptKey};
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

/// The longest a failed sign-in makes the next wait.
pub(crate) const LONGEST_ATTEMPT_WAIT: Duration = Duration::from_secs(15 * 60);
/// How long a counter of failed attempts is kept after the last: a guesser who waits out the
/// longest wait finds the count where it was (a success or an unlock clears it sooner).
const ATTEMPTS_KEPT: Duration = Duration::from_secs(24 * 3600);

/// A fresh random id for a node: 64 bits, in hex.
pub fn fresh_node_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

/// The name a process holds leases under when it was given none (the CLI, tests): a fresh id
/// of its own. `serve` gives its node a name kept in its data folder.
pub fn node_name() -> String {
    format!("process/{}", fresh_node_id())
}

impl Hotline {
    /// The name this node holds leases under.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The same service holding leases as `node` (see [`node_name`]).
    pub fn with_node(mut self, node: &str) -> Self {
        self.node = node.into();
        self
    }

    /// Gives up every lease this node holds: it is stopping, and others take its work at once.
    pub async fn release_leases(&self) -> CoreResult<()> {
        Ok(self.store.release_leases_of(&self.node).await?)
    }

    /// Whether client limits are counted in the store (several nodes) rather than in memory.
    pub fn limits_shared(&self) -> bool {
        self.shared_limits
    }

    /// The same service with client limits counted in the store when `shared`.
    pub fn with_shared_limits(mut self, shared: bool) -> Self {
        self.shared_limits = shared;
        self
    }

    /// Takes or renews lease `name` for `lease` from now; whether this node holds it.
    pub async fn hold_lease(&self, name: &str, lease: Duration) -> CoreResult<bool> {
        let now = self.clock.now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        Ok(self.store.hold_lease(name, &self.node, now, until).await?)
    }

    /// Gives lease `name` up, if this node holds it.
    pub async fn release_lease(&self, name: &str) -> CoreResult<()> {
        Ok(self.store.release_lease(name, &self.node).await?)
    }

    /// Runs `work` only while this node holds lease `name`: `None` at once when another node
    /// holds it. The lease is renewed every third of `lease` while `work` runs; when it cannot
    /// be (another node took it over after a stall, or the store is away) `work` is dropped,
    /// so that two nodes never do it at once for longer than one renewal. Given up at the end.
    pub async fn while_leased<F: Future>(
        &self,
        name: &str,
        lease: Duration,
        work: F,
    ) -> CoreResult<Option<F::Output>> {
        let outcome = self.still_leased(name, lease, work).await;
        if let Err(e) = self.release_lease(name).await {
            tracing::warn!(lease = name, error = %e, "the lease could not be given up; it lapses");
        }
        outcome
    }

    /// Like [`Hotline::while_leased`], but the lease is kept at the end: for work done again
    /// and again by the same node, such as the alert passes, each of which takes it anew.
    pub async fn still_leased<F: Future>(
        &self,
        name: &str,
        lease: Duration,
        work: F,
    ) -> CoreResult<Option<F::Output>> {
        if !self.hold_lease(name, lease).await? {
            return Ok(None);
        }
        let renew_every = (lease / 3).max(Duration::from_millis(100));
        let mut renewals =
            tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
        tokio::pin!(work);
        Ok(loop {
            tokio::select! {
                done = &mut work => break Some(done),
                _ = renewals.tick() => match self.hold_lease(name, lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(lease = name, "another node took the lease over; stopping here");
                        break None;
                    }
                    Err(e) => {
                        tracing::warn!(lease = name, error = %e, "the lease cannot be renewed; stopping here");
                        break None;
                    }
                },
            }
        })
    }

    /// Takes one of the allowance of `client` (an IPv6 /64 counted as one) for `what`, in
    /// the store all nodes share; `Some(wait)` when none is left.
    pub async fn take_client_allowance(
        &self,
        what: &str,
        client: IpAddr,
        allowance: Allowance,
    ) -> CoreResult<Option<Duration>> {
        // Not waited for while the store is away: the caller counts on this node meanwhile.
        self.refuse_while_store_away()?;
        let key = self.limit_key(&format!(
            "{what}\0{}",
            hotline_domain::client::client_of(client)
        ));
        Ok(self
            .store
            .take_allowance(&key, allowance, self.clock.now())
            .await?)
    }

    /// Forgets the limits that no longer hold anyone back.
    pub async fn forget_spent_limits(&self) -> CoreResult<u64> {
        Ok(self
            .store
            .forget_spent_limits(ATTEMPTS_KEPT, self.clock.now())
            .await?)
    }

    /// Counts a sign-in (or second-factor, or password) attempt against each of `keys` with
    /// its free allowance, or refuses it, counting none, while any of them must wait.
    pub(crate) async fn count_attempt(&self, keys: &[(&str, u32)]) -> CoreResult<()> {
        if !self.shared_limits {
            return self.throttle.attempt_each(keys);
        }
        self.refuse_while_store_away()?;
        let digests: Vec<String> = keys.iter().map(|(key, _)| self.limit_key(key)).collect();
        let counted: Vec<AttemptKey<'_>> = digests
            .iter()
            .zip(keys)
            .map(|(key, (_, free))| AttemptKey { key, free: *free })
            .collect();
        match self
            .store
            .count_attempt(&counted, LONGEST_ATTEMPT_WAIT, self.clock.now())
            .await?
        {
            None => Ok(()),
            Some(wait) => Err(crate::CoreError::Throttled {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }),
        }
    }

    /// Takes one counted attempt of `key` back: it succeeded.
    pub(crate) async fn attempt_succeeded(&self, key: &str) -> CoreResult<()> {
        if !self.shared_limits {
            self.throttle.succeeded(key);
            return Ok(());
        }
        Ok(self.store.take_back_attempt(&self.limit_key(key)).await?)
    }

    /// Forgets every attempt counted against each of `keys`.
    pub(crate) async fn forget_attempts(&self, keys: &[&str]) -> CoreResult<()> {
        if !self.shared_limits {
            for key in keys {
                self.throttle.clear(key);
            }
            return Ok(());
        }
        let digests: Vec<String> = keys.iter().map(|key| self.limit_key(key)).collect();
        let digests: Vec<&str> = digests.iter().map(String::as_str).collect();
        Ok(self.store.forget_attempts(&digests).await?)
    }

    /// What a limit's key is kept as in the store: a keyed digest, so that a copy of the
    /// database does not say which address or account was counted.
    fn limit_key(&self, key: &str) -> String {
        let mut digest = self.keys.blind_index("limit", key);
        digest.truncate(16);
        hex::encode(digest)
    }
}
