//! The delivery journal's writers. Like intake, one task commits whatever deliveries are
//! waiting in one transaction (group commit), so that thousands of webhook deliveries a second
//! cost a handful of fsyncs, and each is answered only once its transaction is durable. A
//! second does the same for what taking deliveries apart writes: the messages onto their
//! reports and how each delivery went.

use crate::{CoreError, CoreResult};
use hotline_domain::MessageId;
use hotline_store::{NewDelivery, Store, StoreError, StoreResult, TakeApartWrite};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;
/// Writes that may wait for their writer before those who write wait for room.
const QUEUE: usize = 8192;
/// Longest a write waits to be committed. A webhook then answers 503 (the platform delivers
/// again); taking a delivery apart fails and is tried again, finding what was taken in before.
const WRITE_TIMEOUT: Duration = Duration::from_secs(20);

/// A write waiting for its writer, and where its outcome goes.
type Job<W, R> = (W, oneshot::Sender<StoreResult<R>>);

/// Where writes of `W` are sent to be committed together; each gets its own `R` back.
pub(crate) struct GroupCommit<W, R> {
    queue: mpsc::Sender<Job<W, R>>,
}

impl<W, R> Clone for GroupCommit<W, R> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<W, R> GroupCommit<W, R> {
    /// Whether its writer is still taking writes.
    pub(crate) fn running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// Commits `write` with whatever else is waiting; returns once it is durable.
    pub(crate) async fn write(&self, write: W) -> CoreResult<R> {
        let (reply, answer) = oneshot::channel();
        let written = async {
            self.queue
                .send((write, reply))
                .await
                .map_err(|_| CoreError::Unavailable)?;
            match answer.await {
                Ok(result) => result.map_err(CoreError::from),
                // The writer dropped the write: it stopped, or its commit panicked.
                Err(_) => Err(CoreError::Unavailable),
            }
        };
        // Timed out, the write may still land; whoever wrote it tries again and finds it.
        tokio::time::timeout(WRITE_TIMEOUT, written)
            .await
            .unwrap_or(Err(CoreError::Unavailable))
    }
}

/// Starts a writer task that takes every write waiting (up to [`MAX_BATCH`]) and hands them to
/// `commit`, which commits them in one transaction and answers each. It ends once every
/// [`GroupCommit`] is gone and its queue is drained.
fn spawn_group_commit<W, R, F, Fut>(
    name: &'static str,
    batch_size_metric: &'static str,
    commit: F,
) -> (GroupCommit<W, R>, JoinHandle<()>)
where
    W: Send + 'static,
    R: Send + 'static,
    F: Fn(Vec<Job<W, R>>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (queue, mut jobs) = mpsc::channel::<Job<W, R>>(QUEUE);
    let task = on_own_thread(name, async move {
        while let Some(first) = jobs.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            metrics::histogram!(batch_size_metric).record(batch.len() as f64);
            // A panic inside one commit drops that batch's replies (their callers are told to
            // try again) but must not stop the writer for everyone after them.
            if let Err(e) = tokio::spawn(commit(batch)).await {
                tracing::error!(error = %e, writer = name, "a commit failed abnormally");
            }
        }
    });
    (GroupCommit { queue }, task)
}

/// Runs a writer loop on a thread of its own, so that its round trips to the database are not
/// queued behind the requests that keep the executor's workers busy: a batch's statements go
/// one after another, and each wait for a worker would lengthen every commit. Should that
/// thread's runtime not start, the loop runs on the executor instead, slower but never absent.
pub(crate) fn on_own_thread<F>(name: &'static str, writer: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => tokio::task::spawn_blocking(move || runtime.block_on(writer)),
        Err(e) => {
            tracing::error!(error = %e, writer = name, "no thread of its own for a writer; it shares the executor");
            tokio::spawn(writer)
        }
    }
}

/// Logs a batch that failed; a full disk only once until writes succeed again.
fn say_failed(error: &StoreError, what: &'static str, writes: usize) {
    match error {
        StoreError::Full(detail) => crate::say_store_full(detail),
        _ => tracing::error!(error = %error, writes, "{what}"),
    }
}

/// Where webhooks journal their deliveries; each gets its id.
pub(crate) type JournalHandle = GroupCommit<NewDelivery, i64>;

pub(crate) fn spawn_writer(store: Arc<dyn Store>) -> (JournalHandle, JoinHandle<()>) {
    spawn_group_commit(
        "hotline-journal-writer",
        "hotline_journal_batch_size",
        move |batch: Vec<Job<NewDelivery, i64>>| {
            let store = store.clone();
            async move {
                let (deliveries, replies): (Vec<NewDelivery>, Vec<_>) = batch.into_iter().unzip();
                match store.journal_deliveries(&deliveries).await {
                    Ok(ids) => {
                        crate::say_store_writable();
                        for (reply, id) in replies.into_iter().zip(ids) {
                            let _ = reply.send(Ok(id));
                        }
                    }
                    // Nothing was written: every webhook of the batch answers 503 and the
                    // platforms deliver again.
                    Err(e) => {
                        say_failed(&e, "journal batch failed", deliveries.len());
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        },
    )
}

/// Where taking deliveries apart sends its writes: a message's id, `None` when it was taken in
/// before (and for a finished delivery).
pub(crate) type TakeApartHandle = GroupCommit<TakeApartWrite, Option<MessageId>>;

pub(crate) fn spawn_take_apart_writer(store: Arc<dyn Store>) -> (TakeApartHandle, JoinHandle<()>) {
    spawn_group_commit(
        "hotline-take-apart-writer",
        "hotline_take_apart_batch_size",
        move |batch: Vec<Job<TakeApartWrite, Option<MessageId>>>| {
            let store = store.clone();
            async move {
                let (writes, replies): (Vec<TakeApartWrite>, Vec<_>) = batch.into_iter().unzip();
                match store.take_apart_writes(&writes).await {
                    Ok(ids) => {
                        crate::say_store_writable();
                        for (reply, id) in replies.into_iter().zip(ids) {
                            let _ = reply.send(Ok(id));
                        }
                    }
                    // One write's data must not sink the others: each alone, in order, for
                    // those still waiting; once the database itself fails, the rest fail too.
                    Err(StoreError::Other(_) | StoreError::Conflict(_) | StoreError::NotFound)
                        if writes.len() > 1 =>
                    {
                        let mut unavailable: Option<StoreError> = None;
                        for (write, reply) in writes.iter().zip(replies) {
                            if reply.is_closed() {
                                continue;
                            }
                            let outcome = match &unavailable {
                                Some(e) => Err(e.clone()),
                                None => store
                                    .take_apart_writes(std::slice::from_ref(write))
                                    .await
                                    .and_then(|mut ids| ids.pop().ok_or(StoreError::NotFound)),
                            };
                            if let Err(
                                e @ (StoreError::Unavailable(_)
                                | StoreError::Indeterminate(_)
                                | StoreError::Full(_)),
                            ) = &outcome
                            {
                                unavailable = Some(e.clone());
                            }
                            let _ = reply.send(outcome);
                        }
                    }
                    // Unreachable database or an unknown commit outcome: nothing is answered as
                    // written; each delivery is taken apart again later.
                    Err(e) => {
                        say_failed(&e, "take-apart batch failed", writes.len());
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        },
    )
}
