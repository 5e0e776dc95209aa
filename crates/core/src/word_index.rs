//! The search index's indexer. A write that adds words to a report (intake, a follow-up, a
//! note, a message taken from a platform) queues them as one entry in the same transaction (see
//! the store's `index_pending_words`), so that intake's transaction stays small; this moves them
//! into the index in batches sorted by digest. A search moves whatever was queued before it
//! began, first, so it never misses a word: the indexer only bounds what a search may have to
//! move.
//!
//! Moving words costs the database more than writing the reports did, and a pass holds the
//! write lock meanwhile, so while citizens' reports come in fast the indexer waits: a burst is
//! taken in at full speed and indexed right after. Should the queue reach `BACKLOG_BOUND`
//! meanwhile, intake's own commits carry queued words along until it is back under, which
//! costs no commit of its own.

use crate::Hotline;
use hotline_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often the indexer looks at intake and at the queue (also for what other nodes wrote).
const POLL: Duration = Duration::from_millis(50);
/// Reports submitted within one poll from which intake counts as busy (400 a second): below
/// that, the few entries each poll finds are moved at once, in passes of a few milliseconds.
const BUSY_REPORTS: u64 = 20;
/// Queued entries (one a report, mostly) moved in one transaction while intake is not busy: a
/// few tens of milliseconds of the write lock.
const PASS: u32 = 500;
/// Queued entries allowed to wait while intake is busy: about a second of indexing, the most
/// a search then spends moving them first.
const BACKLOG_BOUND: u32 = 10_000;
/// How long the indexer rests after the store failed it.
const AFTER_FAILURE: Duration = Duration::from_secs(2);

/// The running indexer.
pub struct WordIndexer {
    stopping: Arc<AtomicBool>,
    stop: Arc<Notify>,
    task: Option<JoinHandle<()>>,
}

impl WordIndexer {
    /// Stops the indexer after its current pass; what is still queued stays queued, durable.
    pub async fn stop(mut self) {
        self.signal_stop();
        let Some(task) = self.task.take() else {
            return;
        };
        if let Err(e) = task.await {
            tracing::error!(error = %e, "the word indexer ended abnormally");
        }
    }

    fn signal_stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.stop.notify_one();
    }
}

/// Dropped without [`WordIndexer::stop`] (its server's task cancelled, a test that panicked),
/// the indexer still ends its thread: a runtime waits for that thread before it can close.
impl Drop for WordIndexer {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

impl Hotline {
    /// Starts the indexer on a thread of its own: it holds the database's write lock while it
    /// writes, and must not keep intake waiting behind busy executor workers.
    pub fn start_word_indexer(&self) -> WordIndexer {
        let store = self.store.clone();
        let intake = Intake {
            submitted: self.intake.submitted(),
            index_on_commit: self.intake.index_on_commit(),
        };
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(Notify::new());
        let (until, stopped) = (stopping.clone(), stop.clone());
        let task = crate::journal::on_own_thread("hotline-word-indexer", async move {
            let mut ticks = tokio::time::interval(POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut seen = intake.submitted.load(Ordering::Relaxed);
            loop {
                tokio::select! {
                    () = stopped.notified() => break,
                    _ = ticks.tick() => {}
                }
                let outcome = if intake.busy(&mut seen) {
                    keep_under_bound(store.as_ref(), &intake.index_on_commit).await
                } else {
                    intake.index_on_commit.store(false, Ordering::Relaxed);
                    drain(store.as_ref(), &intake, &mut seen, &until).await
                };
                if let Err(e) = outcome {
                    tracing::warn!(error = %e, "indexing queued words failed; resting");
                    intake.index_on_commit.store(false, Ordering::Relaxed);
                    tokio::select! {
                        () = stopped.notified() => break,
                        () = tokio::time::sleep(AFTER_FAILURE) => {}
                    }
                }
            }
        });
        WordIndexer {
            stopping,
            stop,
            task: Some(task),
        }
    }
}

/// What the indexer reads of intake and sets for it.
struct Intake {
    submitted: Arc<AtomicU64>,
    index_on_commit: Arc<AtomicBool>,
}

impl Intake {
    /// Whether at least [`BUSY_REPORTS`] reports were submitted since `seen`, which it moves on.
    fn busy(&self, seen: &mut u64) -> bool {
        let now = self.submitted.load(Ordering::Relaxed);
        now.saturating_sub(std::mem::replace(seen, now)) >= BUSY_REPORTS
    }
}

/// While intake is busy: from [`BACKLOG_BOUND`] queued entries on, intake's own commits move
/// queued words too, twice as many entries as they hold reports, with no commit or wait for
/// the write lock of their own; under it, the words wait.
async fn keep_under_bound(
    store: &dyn Store,
    index_on_commit: &AtomicBool,
) -> hotline_store::StoreResult<()> {
    let queued = store.pending_word_entries(BACKLOG_BOUND).await?;
    index_on_commit.store(queued >= BACKLOG_BOUND, Ordering::Relaxed);
    Ok(())
}

/// While intake is not busy: passes until nothing is queued, intake turns busy or the indexer
/// is stopping.
async fn drain(
    store: &dyn Store,
    intake: &Intake,
    seen: &mut u64,
    stopping: &AtomicBool,
) -> hotline_store::StoreResult<()> {
    loop {
        let moved = store.index_pending_words(PASS).await?;
        metrics::counter!("hotline_word_entries_indexed_total").increment(u64::from(moved));
        if moved < PASS || stopping.load(Ordering::Relaxed) || intake.busy(seen) {
            return Ok(());
        }
    }
}

/// Reports re-indexed per pass of [`Hotline::reindex_personal_items`].
const REINDEX_BATCH: u32 = 100;

impl Hotline {
    /// Indexes again every report whose index was written before personal items were indexed
    /// apart from words (migration 0043): from all its texts (its text and address, every
    /// message, every note), so that no number stays searchable by its pieces. Runs once
    /// after start, in the background: until a report's turn, its number's pieces still find
    /// it. Returns how many reports it indexed.
    pub async fn reindex_personal_items(&self) -> crate::CoreResult<usize> {
        let everything = hotline_store::Visibility::Subtree(String::new());
        let (mut done, mut failed) = (0, 0);
        let mut after = hotline_domain::ReportId(0);
        loop {
            let batch = self.store.reports_to_reindex(after, REINDEX_BATCH).await?;
            let Some((last, _)) = batch.last() else {
                if done + failed > 0 {
                    tracing::info!(
                        reports = done,
                        failed,
                        "reports indexed again, numbers apart"
                    );
                }
                return Ok(done);
            };
            after = *last;
            for (report, case) in batch {
                // One report that cannot be read does not hold up the others: it stays listed,
                // for the next start, and is named in the log by its number only.
                match self.reindex_report(&everything, report, &case).await {
                    Ok(()) => done += 1,
                    Err(e) => {
                        failed += 1;
                        tracing::error!(case = %case, error = %e, "a report cannot be indexed again");
                    }
                }
            }
        }
    }

    /// Indexes one report again from all its texts.
    async fn reindex_report(
        &self,
        everything: &hotline_store::Visibility,
        report: hotline_domain::ReportId,
        case: &hotline_domain::CaseNumber,
    ) -> crate::CoreResult<()> {
        let covered = self.store.queued_word_entries(report).await?;
        let detail = self.store.report(everything, case).await?;
        let texts = self.texts_of(&detail).await?;
        // Opening and hashing a report's texts takes a while: not on the executor.
        let keys = self.keys.clone();
        let words = tokio::task::spawn_blocking(move || {
            let mut words: Vec<Vec<u8>> = texts
                .iter()
                .flat_map(|text| keys.term_digests(&hotline_domain::text::index_terms(text)))
                .collect();
            words.sort_unstable();
            words.dedup();
            words
        })
        .await
        .map_err(|e| crate::CoreError::Internal(e.to_string()))?;
        self.store
            .replace_word_index(report, &words, &covered)
            .await?;
        Ok(())
    }

    /// Every text of a report its index is made of, opened.
    async fn texts_of(
        &self,
        detail: &hotline_store::ReportDetail,
    ) -> crate::CoreResult<Vec<String>> {
        let key = self.data_key(&detail.summary)?;
        let mut texts = Vec::new();
        if let Some(key) = &key
            && let Some(address) = crate::reports::open_text(
                key,
                detail.sealed_address.as_deref(),
                crate::intake::ADDRESS,
            )?
        {
            texts.push(address);
        }
        for message in self.store.messages(detail.summary.id).await? {
            texts.push(crate::reports::message_text(key.as_ref(), &message)?);
        }
        for note in self.store.notes(detail.summary.id).await? {
            let opened = match &key {
                Some(key) => crate::reports::open_text(
                    key,
                    note.sealed_body.as_deref(),
                    crate::intake::NOTE_TEXT,
                )?,
                None => None,
            };
            texts.push(opened.unwrap_or(note.body));
        }
        Ok(texts)
    }
}
