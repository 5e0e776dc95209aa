//! Telling open consoles, on every node, that a report arrived: each node watches the highest
//! report id in the shared store (one indexed read every half second, whatever the number of
//! consoles) and wakes the requests of its consoles that wait for one. The same read tells
//! whether the store answers: while it does not (a database restarting or failing over),
//! submissions and deliveries are refused at once with "unavailable" (503, try again) rather
//! than each waiting for a connection that does not come. A report taken by node
//! A reaches an inbox open on node B within a second, through PgBouncer too, with no session
//! state (PostgreSQL's LISTEN would hold a connection of its own on every node and does not
//! cross a transaction pooler).

use crate::{CoreError, CoreResult, Hotline};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;

/// How often each node reads the newest report id.
pub const WATCH_EVERY: Duration = Duration::from_millis(500);
/// Longest a read of it may take before the store counts as away: behind a pooler that
/// accepts connections while the server is down, the read would otherwise hang.
const WATCH_TIMEOUT: Duration = Duration::from_secs(2);

/// What a node's waiting requests watch.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Arrivals {
    /// The newest report id seen in the store.
    newest: i64,
    /// The node is stopping: every waiting request answers at once.
    stopping: bool,
}

pub(crate) fn channel() -> watch::Sender<Arrivals> {
    watch::Sender::new(Arrivals::default())
}

impl Hotline {
    /// Reads the newest report id every [`WATCH_EVERY`] until the node stops; run it as a task.
    pub async fn watch_arrivals(&self) {
        let mut ticks = tokio::time::interval(WATCH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let read = tokio::time::timeout(WATCH_TIMEOUT, self.store.newest_report_id())
                .await
                .unwrap_or_else(|_| {
                    Err(hotline_store::StoreError::Unavailable(
                        "no answer within 2 s".into(),
                    ))
                });
            let was_away = self.store_away.swap(read.is_err(), Ordering::AcqRel);
            match read {
                Ok(newest) => {
                    if was_away {
                        tracing::info!("the store answers again: taking reports");
                    }
                    self.arrivals.send_if_modified(|arrivals| {
                        let newer = newest > arrivals.newest;
                        if newer {
                            arrivals.newest = newest;
                        }
                        newer
                    });
                }
                // The consoles' questions end at their time and are asked again.
                Err(e) if !was_away => {
                    tracing::error!(error = %e, "the store does not answer: refusing reports until it does");
                }
                Err(_) => {}
            }
        }
    }

    /// Whether the store answered the node's last look at it (see the module).
    pub fn store_answers(&self) -> bool {
        !self.store_away.load(Ordering::Acquire)
    }

    /// `Unavailable` while the store did not answer the last look.
    pub(crate) fn refuse_while_store_away(&self) -> CoreResult<()> {
        if self.store_away.load(Ordering::Acquire) {
            return Err(CoreError::Unavailable);
        }
        Ok(())
    }

    /// The newest report id this node has seen in the store.
    pub fn newest_arrival(&self) -> i64 {
        self.arrivals.borrow().newest
    }

    /// Waits up to `at_most` for a report with an id above `seen` to be in the store (taken by
    /// any node); the newest id then known, or `None` once the node is stopping.
    pub async fn wait_for_arrival(&self, seen: i64, at_most: Duration) -> Option<i64> {
        let mut arrivals = self.arrivals.subscribe();
        let waited = tokio::time::timeout(
            at_most,
            arrivals.wait_for(|arrivals| arrivals.newest > seen || arrivals.stopping),
        )
        .await;
        drop(waited);
        let now = *arrivals.borrow();
        (!now.stopping).then_some(now.newest)
    }

    /// Lets every waiting request answer now: the node is stopping, and a graceful stop waits
    /// for requests in flight.
    pub fn stop_waiting_for_arrivals(&self) {
        self.arrivals
            .send_modify(|arrivals| arrivals.stopping = true);
    }
}
