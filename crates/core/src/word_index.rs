//! The search index's indexer. Writes queue each report's words in their own transaction, one
//! entry per report (see the store's `index_pending_words`), so that intake's transaction
//! stays small; this moves them into the index in batches sorted by digest. A search moves
//! whatever is still queued before it reads, so it never misses a word: the indexer only
//! bounds what a search may have to move first.
//!
//! Moving words costs the database more than writing the reports did, and it holds the write
//! lock meanwhile, so while citizens' reports keep coming it waits, unless the queue grows past
//! [`BACKLOG_BOUND`]: a burst of reports is taken in at full speed and indexed right after.

use crate::Hotline;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often the indexer looks at intake and at the queue (also for what other nodes wrote).
const POLL: Duration = Duration::from_millis(50);
/// Queued entries (one a report, mostly) moved in one transaction: a few tens of
/// milliseconds of the write lock.
const PASS: u32 = 500;
/// Queued entries allowed to wait while intake is busy: about a second of indexing, the most
/// a search then spends moving them first.
const BACKLOG_BOUND: u32 = 10_000;

/// The running indexer.
pub struct WordIndexer {
    stop: Arc<Notify>,
    task: JoinHandle<()>,
}

impl WordIndexer {
    /// Stops the indexer after its current pass; what is still queued stays queued, durable.
    pub async fn stop(self) {
        self.stop.notify_one();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the word indexer ended abnormally");
        }
    }
}

impl Hotline {
    /// Starts the indexer on a thread of its own: it holds the database's write lock while it
    /// writes, and must not keep intake waiting behind busy executor workers.
    pub fn start_word_indexer(&self) -> WordIndexer {
        let store = self.store.clone();
        let submitted = self.intake.submitted();
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let task = crate::journal::on_own_thread("hotline-word-indexer", async move {
            let mut ticks = tokio::time::interval(POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut seen = submitted.load(Ordering::Relaxed);
            loop {
                tokio::select! {
                    () = stopped.notified() => break,
                    _ = ticks.tick() => {}
                }
                let busy = intake_moved(&submitted, &mut seen);
                if busy {
                    match store.pending_word_entries(BACKLOG_BOUND).await {
                        Ok(queued) if queued < BACKLOG_BOUND => continue,
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "counting queued words failed");
                            continue;
                        }
                    }
                }
                // Busy and over the bound: one pass a poll. Idle: until the queue is empty or
                // reports come in again.
                loop {
                    match store.index_pending_words(PASS).await {
                        Ok(moved) => {
                            metrics::counter!("hotline_word_entries_indexed_total")
                                .increment(u64::from(moved));
                            if moved < PASS || busy || intake_moved(&submitted, &mut seen) {
                                break;
                            }
                        }
                        // Still queued: a later pass, or the next search, moves them.
                        Err(e) => {
                            tracing::warn!(error = %e, "indexing queued words failed");
                            break;
                        }
                    }
                }
            }
        });
        WordIndexer { stop, task }
    }
}

/// Whether reports were submitted since `seen`, which it moves on.
fn intake_moved(submitted: &AtomicU64, seen: &mut u64) -> bool {
    let now = submitted.load(Ordering::Relaxed);
    std::mem::replace(seen, now) != now
}
