//! The search index's indexer. Writes queue each report's words in their own transaction, one
//! entry per report (see the store's `index_pending_words`); this moves them into the index in
//! large batches sorted by digest, soon after, so that intake's transaction stays small. A
//! search moves whatever is still queued before it reads, so it never misses a word.

use crate::Hotline;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often the indexer looks for queued words: also those other nodes wrote.
const POLL: Duration = Duration::from_millis(200);
/// Queued entries (one a report, mostly) moved in one transaction: large enough that each
/// index page is written once for many words, small enough not to hold up intake's next batch
/// for long.
const PASS: u32 = 2_000;

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
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let task = crate::journal::on_own_thread("hotline-word-indexer", async move {
            let mut ticks = tokio::time::interval(POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = stopped.notified() => break,
                    _ = ticks.tick() => {}
                }
                loop {
                    match store.index_pending_words(PASS).await {
                        Ok(moved) => {
                            metrics::counter!("hotline_word_entries_indexed_total")
                                .increment(u64::from(moved));
                            if moved < PASS {
                                break;
                            }
                        }
                        // Still queued: the next round, or the next search, takes them.
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
