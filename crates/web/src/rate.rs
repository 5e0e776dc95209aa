//! Per-address limits on citizens' submissions: a token bucket per client address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked before idle ones are forgotten.
const PRUNE_ABOVE: usize = 50_000;
/// Addresses tracked at most; past it (after pruning) the table starts afresh.
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
                overall_per_minute,
                overall_per_minute.div_ceil(6).max(1),
            ),
        }
    }

    /// `Err` holds the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let everyone = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        self.client
            .check(ip)
            .and_then(|()| self.overall.check(everyone))
    }
}

pub struct RateLimiter {
    /// Tokens added a second; 0 disables the limit.
    per_second: f64,
    burst: u32,
    state: Mutex<Buckets>,
}

struct Buckets {
    by_client: HashMap<IpAddr, (f64, Instant)>,
    pruned_at: Instant,
}

/// One IPv6 subscriber usually holds a whole /64: count it as one client.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimiter {
    /// `per_minute` a minute on average, with up to `burst` at once; 0 disables.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self::with_rate(f64::from(per_minute) / 60.0, burst)
    }

    /// `per_hour` an hour on average, with up to `burst` at once; 0 disables.
    pub fn per_hour(per_hour: u32, burst: u32) -> Self {
        Self::with_rate(f64::from(per_hour) / 3600.0, burst)
    }

    fn with_rate(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: burst.max(1),
            state: Mutex::new(Buckets {
                by_client: HashMap::new(),
                pruned_at: Instant::now(),
            }),
        }
    }

    /// Takes one token for `ip`, or says how many seconds until one is free.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.per_second == 0.0 {
            return Ok(());
        }
        let rate = self.per_second;
        let burst = f64::from(self.burst);
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Forget addresses whose bucket has refilled, now and then rather than on every call,
        // so the table stays bounded without a scan per request.
        if state.by_client.len() > PRUNE_ABOVE && state.pruned_at.elapsed() > PRUNE_EVERY {
            state
                .by_client
                .retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < burst);
            state.pruned_at = now;
        }
        if state.by_client.len() > HARD_CAP {
            state.by_client.clear();
        }
        let (tokens, at) = state
            .by_client
            .entry(client_key(ip))
            .or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn bursts_then_refuses_per_address() {
        let limiter = RateLimiter::per_minute(6, 3);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=10).contains(&wait), "{wait}");
        assert!(limiter.check(b).is_ok());
        assert!(RateLimiter::per_minute(0, 0).check(a).is_ok());
        assert!(RateLimiter::per_hour(0, 0).check(a).is_ok());
    }

    #[test]
    fn an_hourly_limit_says_to_wait_minutes() {
        let limiter = RateLimiter::per_hour(10, 2);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!((300..=360).contains(&wait), "{wait}");
    }

    #[test]
    fn an_ipv6_slash_64_is_one_client() {
        let limiter = RateLimiter::per_minute(6, 1);
        let first: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check(first).is_ok());
        assert!(limiter.check(same_64).is_err());
        assert!(limiter.check(other_64).is_ok());
    }
}
