//! The search index's indexer. Writes queue each report's words in their own transaction, one
//! entry per report (see the store's `index_pending_words`), so that intake's transaction
//! stays small; this moves them into the index in batches sorted by digest. A search moves
//! whatever is still queued before it reads, so it never misses a word: the indexer only
//! bounds what a search may have to move first.
//!
//! Moving words costs the database more than writing the reports did, and a pass holds the
//! write lock meanwhile, so while citizens' reports keep coming the indexer waits: a burst is
//! taken in at full speed and indexed right after. Should the queue grow past
//! [`BACKLOG_BOUND`] meanwhile, intake's own commits carry queued words along until it is back
//! under, which costs no commit of its own.

use crate::Hotline;
use hotline_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often the indexer looks at intake and at the queue (also for what other nodes wrote).
const POLL: Duration = Duration::from_millis(50);
/// Queued entries (one a report, mostly) moved in one transaction while intake is idle: a
/// few tens of milliseconds of the write lock.
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
        let index_on_commit = self.intake.index_on_commit();
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
                if intake_moved(&submitted, &mut seen) {
                    keep_under_bound(store.as_ref(), &index_on_commit).await;
                } else {
                    index_on_commit.store(false, Ordering::Relaxed);
                    drain_while_idle(store.as_ref(), &submitted, &mut seen).await;
                }
            }
        });
        WordIndexer { stop, task }
    }
}

/// While intake is busy: over [`BACKLOG_BOUND`], intake's own commits move queued words too,
/// twice as many entries as they hold reports, with no commit or wait for the write lock of
/// their own; under it, the words wait.
async fn keep_under_bound(store: &dyn Store, index_on_commit: &AtomicBool) {
    let over = match store.pending_word_entries(BACKLOG_BOUND).await {
        Ok(queued) => queued >= BACKLOG_BOUND,
        Err(e) => {
            tracing::warn!(error = %e, "counting queued words failed");
            false
        }
    };
    index_on_commit.store(over, Ordering::Relaxed);
}

/// While intake is idle: passes until nothing is queued or reports come in again.
async fn drain_while_idle(store: &dyn Store, submitted: &AtomicU64, seen: &mut u64) {
    while index_pass(store, PASS).await && !intake_moved(submitted, seen) {}
}

/// One pass of up to `entries`; whether it was full (more may wait).
async fn index_pass(store: &dyn Store, entries: u32) -> bool {
    match store.index_pending_words(entries).await {
        Ok(moved) => {
            metrics::counter!("hotline_word_entries_indexed_total").increment(u64::from(moved));
            moved == entries
        }
        // Still queued: a later pass, or the next search, moves them.
        Err(e) => {
            tracing::warn!(error = %e, "indexing queued words failed");
            false
        }
    }
}

/// Whether reports were submitted since `seen`, which it moves on.
fn intake_moved(submitted: &AtomicU64, seen: &mut u64) -> bool {
    let now = submitted.load(Ordering::Relaxed);
    std::mem::replace(seen, now) != now
}
