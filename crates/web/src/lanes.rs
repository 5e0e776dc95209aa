//! Load shedding by lanes. Requests take a turn in the lane of whoever sends them, so that a
//! flood of anonymous submissions after a public incident cannot take the console's, the
//! platforms' or the health checks' turn. A full lane lets a few wait briefly for a turn and
//! answers the rest at once with 503 and `Retry-After`: a clear "try again" beats a timeout,
//! and work that would only time out is never started.

use axum::extract::Request;
use http::header;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// When to try again after a full lane turned a request away: long enough to spread a flood's
/// retries, short enough for a citizen to wait.
pub const RETRY_BUSY_SECS: u64 = 10;

/// Who a request comes from, as far as taking turns goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Citizens' pages and submissions, the directory, the follow-up: anyone at all.
    Public,
    /// Platforms' webhook deliveries: refused, they are delivered again.
    Hooks,
    /// The console and staff API tokens.
    Staff,
}

impl Lane {
    /// The name metrics and logs give it.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Public => "public",
            Lane::Hooks => "hooks",
            Lane::Staff => "staff",
        }
    }

    /// The lane a request takes its turn in; `None` for what never waits: health checks, the
    /// static files, and an open inbox's wait for news (it holds nothing while it waits).
    pub fn of(request: &Request) -> Option<Lane> {
        let path = request.uri().path();
        if matches!(path, "/healthz" | "/readyz" | "/console/inbox/updates")
            || path.starts_with("/static/")
        {
            None
        } else if path.starts_with("/hooks/") {
            Some(Lane::Hooks)
        } else if path == "/console" || path.starts_with("/console/") {
            Some(Lane::Staff)
        } else if path.starts_with("/api/") && request.headers().contains_key(header::AUTHORIZATION)
        {
            // A token that is not valid is refused at once, in this lane: a flood of forged ones
            // costs the staff lane little and the public one nothing.
            Some(Lane::Staff)
        } else {
            Some(Lane::Public)
        }
    }
}

/// How many requests of one lane run at once, and how many more may wait for a turn.
#[derive(Debug, Clone, Copy)]
pub struct LaneLimit {
    pub in_flight: usize,
    pub waiting: usize,
}

/// The lanes' limits, and how long a request waits for a turn before it is turned away.
#[derive(Debug, Clone)]
pub struct LaneConfig {
    pub public: LaneLimit,
    pub hooks: LaneLimit,
    pub staff: LaneLimit,
    pub wait: Duration,
}

impl Default for LaneConfig {
    fn default() -> Self {
        // Intake commits in groups: 128 submissions at once keep the writer's batches full
        // (docs/benchmarks.md) while a page waits at most a couple of seconds for its turn.
        Self {
            public: LaneLimit {
                in_flight: 128,
                waiting: 512,
            },
            hooks: LaneLimit {
                in_flight: 256,
                waiting: 1024,
            },
            staff: LaneLimit {
                in_flight: 64,
                waiting: 256,
            },
            wait: Duration::from_secs(2),
        }
    }
}

struct LaneState {
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl LaneState {
    fn new(limit: LaneLimit) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(limit.in_flight.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: limit.waiting,
        }
    }
}

/// The lanes of one server.
pub struct Lanes {
    public: LaneState,
    hooks: LaneState,
    staff: LaneState,
    wait: Duration,
}

/// A request's turn: the next waiting one goes when it is dropped.
pub struct Turn {
    _turn: OwnedSemaphorePermit,
}

impl Lanes {
    pub fn new(config: &LaneConfig) -> Self {
        Self {
            public: LaneState::new(config.public),
            hooks: LaneState::new(config.hooks),
            staff: LaneState::new(config.staff),
            wait: config.wait,
        }
    }

    fn state(&self, lane: Lane) -> &LaneState {
        match lane {
            Lane::Public => &self.public,
            Lane::Hooks => &self.hooks,
            Lane::Staff => &self.staff,
        }
    }

    /// A turn in `lane`, at once or after a short wait; `None` when the lane is full and its
    /// queue too, or the wait ran out.
    pub async fn enter(&self, lane: Lane) -> Option<Turn> {
        let state = self.state(lane);
        if let Ok(turn) = state.turns.clone().try_acquire_owned() {
            return Some(Turn { _turn: turn });
        }
        if state.waiting.fetch_add(1, Ordering::AcqRel) >= state.max_waiting {
            state.waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let turn = tokio::time::timeout(self.wait, state.turns.clone().acquire_owned()).await;
        state.waiting.fetch_sub(1, Ordering::AcqRel);
        match turn {
            Ok(Ok(turn)) => Some(Turn { _turn: turn }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(path: &str, token: bool) -> Request {
        let mut builder = http::Request::builder().uri(path);
        if token {
            builder = builder.header(header::AUTHORIZATION, "Bearer x");
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn requests_take_the_lane_of_who_sends_them() {
        assert_eq!(Lane::of(&request("/readyz", false)), None);
        assert_eq!(Lane::of(&request("/static/app.css", false)), None);
        assert_eq!(Lane::of(&request("/console/inbox/updates", false)), None);
        assert_eq!(Lane::of(&request("/console", false)), Some(Lane::Staff));
        assert_eq!(
            Lane::of(&request("/console/reports/QN-2026-000001", false)),
            Some(Lane::Staff)
        );
        assert_eq!(
            Lane::of(&request("/hooks/zalo/qn-zalo", false)),
            Some(Lane::Hooks)
        );
        assert_eq!(
            Lane::of(&request("/api/v1/reports", true)),
            Some(Lane::Staff)
        );
        assert_eq!(
            Lane::of(&request("/api/v1/reports", false)),
            Some(Lane::Public)
        );
        assert_eq!(
            Lane::of(&request("/gui-tin-bao", false)),
            Some(Lane::Public)
        );
        assert_eq!(Lane::of(&request("/consoled", false)), Some(Lane::Public));
    }

    #[tokio::test]
    async fn a_full_lane_lets_a_few_wait_and_turns_the_rest_away() {
        let lanes = Arc::new(Lanes::new(&LaneConfig {
            public: LaneLimit {
                in_flight: 2,
                waiting: 1,
            },
            wait: Duration::from_secs(30),
            ..LaneConfig::default()
        }));
        let first = lanes.enter(Lane::Public).await.unwrap();
        let _second = lanes.enter(Lane::Public).await.unwrap();
        let waiting = tokio::spawn({
            let lanes = lanes.clone();
            async move { lanes.enter(Lane::Public).await.is_some() }
        });
        while lanes.state(Lane::Public).waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // The queue is full: turned away at once.
        assert!(lanes.enter(Lane::Public).await.is_none());
        // Other lanes do not notice.
        assert!(lanes.enter(Lane::Staff).await.is_some());
        drop(first);
        assert!(waiting.await.unwrap());
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_is_turned_away() {
        let lanes = Lanes::new(&LaneConfig {
            hooks: LaneLimit {
                in_flight: 1,
                waiting: 4,
            },
            wait: Duration::from_millis(100),
            ..LaneConfig::default()
        });
        let _held = lanes.enter(Lane::Hooks).await.unwrap();
        assert!(lanes.enter(Lane::Hooks).await.is_none());
        assert_eq!(lanes.state(Lane::Hooks).waiting.load(Ordering::Acquire), 0);
    }
}
