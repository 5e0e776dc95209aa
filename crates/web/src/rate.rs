//! Per-address limits on citizens' submissions and look-ups: `governor`'s keyed GCRA limiter,
//! with an IPv6 subscriber's /64 counted as one client and the table of addresses bounded. With
//! several nodes on one database each client's allowance is counted there instead (the same
//! algorithm, `hotline_core::coordination`), so that N nodes do not give N times as much;
//! everyone's limit stays per node, as it guards each node's own capacity.

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use hotline_core::Hotline;
use hotline_domain::client::client_of;
use hotline_store::Allowance;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Mutex, RwLock, TryLockError};
use std::time::{Duration, Instant};

/// Addresses tracked before those back at a full allowance are forgotten.
const PRUNE_ABOVE: usize = 50_000;
/// Addresses tracked at most; past it the table is pruned at once and, if still past it,
/// starts afresh, so that a flood from ever new addresses cannot spend the memory.
const HARD_CAP: usize = 200_000;
const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// A limit per client and one for everyone together: a flood from many addresses must not
/// bury what matters either.
pub struct ClientAndOverall {
    client: RateLimiter,
    overall: RateLimiter,
}

impl ClientAndOverall {
    /// `overall_per_minute` from everyone (0: unlimited), with a sixth of it allowed at once.
    pub fn new(client: RateLimiter, overall_per_minute: u32) -> Self {
        Self {
            client,
            overall: RateLimiter::per_minute(
                "everyone",
                overall_per_minute,
                overall_per_minute.div_ceil(6).max(1),
            ),
        }
    }

    /// `Err` holds the seconds to wait.
    pub async fn check(&self, hotline: &Hotline, ip: IpAddr) -> Result<(), u64> {
        let everyone = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        self.client.check_with(hotline, ip).await?;
        self.overall.check(everyone)
    }
}

/// A limit per client address; without a quota, no limit.
pub struct RateLimiter {
    /// What is limited, naming the client's allowance in the shared store.
    what: &'static str,
    quota: Option<Quota>,
    allowance: Option<Allowance>,
    by_client: RwLock<DefaultKeyedRateLimiter<IpAddr>>,
    pruned_at: Mutex<Instant>,
}

impl RateLimiter {
    /// `per_minute` a minute on average, with up to `burst` at once; 0 disables.
    pub fn per_minute(what: &'static str, per_minute: u32, burst: u32) -> Self {
        Self::one_every(what, Duration::from_secs(60).checked_div(per_minute), burst)
    }

    /// `per_hour` an hour on average, with up to `burst` at once; 0 disables.
    pub fn per_hour(what: &'static str, per_hour: u32, burst: u32) -> Self {
        Self::one_every(what, Duration::from_secs(3600).checked_div(per_hour), burst)
    }

    fn one_every(what: &'static str, period: Option<Duration>, burst: u32) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = period
            .and_then(Quota::with_period)
            .map(|quota| quota.allow_burst(burst));
        // Without a quota nothing is ever kept; the table only keeps the type whole.
        let table_quota = quota.unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
        Self {
            what,
            quota,
            allowance: period.filter(|p| !p.is_zero()).map(|period| Allowance {
                period,
                burst: burst.get(),
            }),
            by_client: RwLock::new(DefaultKeyedRateLimiter::keyed(table_quota)),
            pruned_at: Mutex::new(Instant::now()),
        }
    }

    /// Takes one of `ip`'s allowance on this node and, with several nodes, in the shared store,
    /// or says how many seconds until there is one. Should the store not answer, this node's
    /// own count holds the client back meanwhile.
    pub async fn check_with(&self, hotline: &Hotline, ip: IpAddr) -> Result<(), u64> {
        // This node's own count first: what it refuses the shared count would refuse too (it
        // counts the same requests and more), and a flood is then turned back without a write.
        self.check(ip)?;
        let Some(allowance) = self.allowance.filter(|_| hotline.limits_shared()) else {
            return Ok(());
        };
        match hotline
            .take_client_allowance(self.what, ip, allowance)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(wait.as_secs_f64().ceil().max(1.0) as u64),
            // Counted on this node alone meanwhile (above).
            Err(e) => {
                tracing::warn!(error = %e, "the shared limit could not be read; counting on this node");
                Ok(())
            }
        }
    }

    /// Takes one submission's allowance for `ip`, or says how many seconds until there is one.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(quota) = self.quota else {
            return Ok(());
        };
        let (answer, tracked) = {
            let by_client = self.by_client.read().unwrap_or_else(|e| e.into_inner());
            let answer = by_client.check_key(&client_of(ip)).map_err(|not_until| {
                let wait = not_until.wait_time_from(by_client.clock().now());
                wait.as_secs_f64().ceil().max(1.0) as u64
            });
            (answer, by_client.len())
        };
        if tracked > PRUNE_ABOVE {
            self.prune(quota, tracked);
        }
        answer
    }

    /// Forgets addresses back at their full allowance, now and then rather than on every
    /// call, so the table stays bounded without a scan per request; past the cap, at once.
    fn prune(&self, quota: Quota, tracked: usize) {
        let mut pruned_at = match self.pruned_at.try_lock() {
            Ok(pruned_at) => pruned_at,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        if tracked <= HARD_CAP && pruned_at.elapsed() < PRUNE_EVERY {
            return;
        }
        *pruned_at = Instant::now();
        let mut by_client = self.by_client.write().unwrap_or_else(|e| e.into_inner());
        by_client.retain_recent();
        by_client.shrink_to_fit();
        if by_client.len() > HARD_CAP {
            *by_client = DefaultKeyedRateLimiter::keyed(quota);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn bursts_then_refuses_per_address() {
        let limiter = RateLimiter::per_minute("test", 6, 3);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=10).contains(&wait), "{wait}");
        assert!(limiter.check(b).is_ok());
        assert!(RateLimiter::per_minute("test", 0, 0).check(a).is_ok());
        assert!(RateLimiter::per_hour("test", 0, 0).check(a).is_ok());
    }

    #[test]
    fn an_hourly_limit_says_to_wait_minutes() {
        let limiter = RateLimiter::per_hour("test", 10, 2);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!((300..=360).contains(&wait), "{wait}");
    }

    #[test]
    fn an_ipv6_slash_64_is_one_client() {
        let limiter = RateLimiter::per_minute("test", 6, 1);
        let first: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check(first).is_ok());
        assert!(limiter.check(same_64).is_err());
        assert!(limiter.check(other_64).is_ok());
    }

    #[test]
    fn a_flood_from_ever_new_addresses_cannot_grow_the_table_past_its_cap() {
        let limiter = RateLimiter::per_minute("test", 6, 1);
        for n in 0..(HARD_CAP as u32 + 10) {
            let _ = limiter.check(IpAddr::V4(Ipv4Addr::from(n)));
            assert!(limiter.by_client.read().unwrap().len() <= HARD_CAP + 1);
        }
        assert!(limiter.by_client.read().unwrap().len() < PRUNE_ABOVE);
    }
}
