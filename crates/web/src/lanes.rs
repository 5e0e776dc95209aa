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

    /// The lane a request takes its turn in, by where it goes; `None` for what never waits:
    /// health checks, the static files, and an open inbox's wait for news (it holds nothing
    /// while it waits). A request that asks for the staff lane gets it only once its session
    /// or token is found good (`middleware::shed_load`): anyone can send a cookie or an
    /// `Authorization` header.
    pub fn of(request: &Request) -> Option<Lane> {
        let path = request.uri().path();
        if matches!(path, "/healthz" | "/readyz" | "/console/inbox/updates")
            || path.starts_with("/static/")
        {
            None
        } else if path.starts_with("/hooks/") {
            Some(Lane::Hooks)
        } else if path == "/console"
            || path.starts_with("/console/")
            || (path.starts_with("/api/") && request.headers().contains_key(header::AUTHORIZATION))
        {
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
            turns: Arc::new(Semaphore::new(
                limit.in_flight.clamp(1, Semaphore::MAX_PERMITS),
            )),
            waiting: AtomicUsize::new(0),
            max_waiting: limit.waiting,
        }
    }
}

/// A place in a lane's queue, given up however the wait ends: a client that hangs up while
/// it waits (its request dropped mid-wait) must not keep the place for ever.
struct Waiting<'a> {
    queue: &'a AtomicUsize,
    /// How many were waiting before this one.
    ahead: usize,
}

impl<'a> Waiting<'a> {
    fn join(queue: &'a AtomicUsize) -> Self {
        let ahead = queue.fetch_add(1, Ordering::AcqRel);
        Self { queue, ahead }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.queue.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The slowest a request body may arrive on average once its first `BODY_GRACE` is over: a
/// client trickling a byte now and then, each within the idle timeout, would otherwise hold
/// its lane's turn for as long as it likes. A photo from a phone on a poor connection still
/// arrives many times faster.
const MIN_BODY_BYTES_PER_SEC: u64 = 4 * 1024;
const BODY_GRACE: Duration = Duration::from_secs(30);

/// A request body that fails (as too slow) once it falls behind `MIN_BODY_BYTES_PER_SEC`.
pub struct PacedBody {
    inner: axum::body::Body,
    started: tokio::time::Instant,
    received: u64,
    behind: std::pin::Pin<Box<tokio::time::Sleep>>,
}

/// Why a paced body failed: it fell behind the slowest pace allowed.
#[derive(Debug)]
pub struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body arrived too slowly")
    }
}

impl std::error::Error for TooSlow {}

impl PacedBody {
    pub fn new(inner: axum::body::Body) -> Self {
        let started = tokio::time::Instant::now();
        Self {
            inner,
            started,
            received: 0,
            behind: Box::pin(tokio::time::sleep_until(started + BODY_GRACE)),
        }
    }

    /// When what has arrived stops being enough.
    fn falls_behind_at(&self) -> tokio::time::Instant {
        self.started + BODY_GRACE + Duration::from_secs(self.received / MIN_BODY_BYTES_PER_SEC)
    }
}

impl http_body::Body for PacedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::future::Future;
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this
                        .received
                        .saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
                    let at = this.falls_behind_at();
                    this.behind.as_mut().reset(at);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match this.behind.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(TooSlow)))),
                Poll::Pending => Poll::Pending,
            },
            done => done,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The lanes of one server.
pub struct Lanes {
    public: LaneState,
    hooks: LaneState,
    staff: LaneState,
    wait: Duration,
    /// Credentials being looked up to choose a request's lane: each costs a read before any
    /// turn is taken, so a flood of forged tokens must not buy unbounded reads.
    credential_checks: Semaphore,
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
            credential_checks: Semaphore::new(
                config.staff.in_flight.clamp(1, Semaphore::MAX_PERMITS),
            ),
        }
    }

    /// Leave to look a request's credentials up, as many at once as the staff lane serves;
    /// `None` when that many are being looked up (the request then goes in the public lane).
    pub fn check_credentials(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.credential_checks.try_acquire().ok()
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
        let waiting = Waiting::join(&state.waiting);
        if waiting.ahead >= state.max_waiting {
            return None;
        }
        let turn = tokio::time::timeout(self.wait, state.turns.clone().acquire_owned()).await;
        drop(waiting);
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
    async fn a_client_that_hangs_up_while_waiting_gives_its_place_back() {
        let lanes = Lanes::new(&LaneConfig {
            staff: LaneLimit {
                in_flight: 1,
                waiting: 1,
            },
            wait: Duration::from_secs(30),
            ..LaneConfig::default()
        });
        let held = lanes.enter(Lane::Staff).await.unwrap();
        // A waiting request dropped (its client gone) before its turn came.
        let gave_up =
            tokio::time::timeout(Duration::from_millis(50), lanes.enter(Lane::Staff)).await;
        assert!(gave_up.is_err());
        assert_eq!(lanes.state(Lane::Staff).waiting.load(Ordering::Acquire), 0);
        drop(held);
        assert!(lanes.enter(Lane::Staff).await.is_some());
    }

    #[test]
    fn credentials_are_looked_up_only_as_many_at_once_as_staff_are_served() {
        let lanes = Lanes::new(&LaneConfig {
            staff: LaneLimit {
                in_flight: 2,
                waiting: 0,
            },
            ..LaneConfig::default()
        });
        let first = lanes.check_credentials();
        let second = lanes.check_credentials();
        assert!(first.is_some() && second.is_some());
        assert!(lanes.check_credentials().is_none(), "a third goes public");
        drop(first);
        assert!(lanes.check_credentials().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_falls_behind_the_slowest_pace_fails() {
        let (sender, receiver) =
            tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
        let body = axum::body::Body::from_stream(tokio_stream_of(receiver));
        let paced = axum::body::Body::new(PacedBody::new(body));
        let reader = tokio::spawn(async move { axum::body::to_bytes(paced, usize::MAX).await });
        // A byte every 20 seconds: each within the idle timeout, far below the pace.
        for _ in 0..3 {
            let _ = sender.send(Ok(bytes::Bytes::from_static(b"x"))).await;
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
        let failed = reader.await.unwrap().unwrap_err();
        assert!(crate::extract::timed_out(&failed), "{failed}");
    }

    /// The chunks sent on `receiver`, as a stream.
    fn tokio_stream_of<T>(
        mut receiver: tokio::sync::mpsc::Receiver<T>,
    ) -> impl futures_util::Stream<Item = T> {
        futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
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
