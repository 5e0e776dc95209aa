//! The delivery journal's writer: like intake, one task commits whatever deliveries are
//! waiting in one transaction (group commit), so that thousands of webhook deliveries a second
//! cost a handful of fsyncs, and each is answered only once its transaction is durable.

use crate::{CoreError, CoreResult};
use hotline_store::{NewDelivery, Store, StoreResult};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Most deliveries written in one transaction.
const MAX_BATCH: usize = 256;
/// Deliveries that may wait for the writer before the webhooks wait for room.
const QUEUE: usize = 8192;
/// Longest a webhook waits for its delivery to be written before answering 503 (the platform
/// then delivers it again).
const WRITE_TIMEOUT: Duration = Duration::from_secs(20);

struct Job {
    delivery: NewDelivery,
    reply: oneshot::Sender<StoreResult<i64>>,
}

#[derive(Clone)]
pub(crate) struct JournalHandle {
    queue: mpsc::Sender<Job>,
}

impl JournalHandle {
    pub(crate) async fn write(&self, delivery: NewDelivery) -> CoreResult<i64> {
        let (reply, answer) = oneshot::channel();
        let written = async {
            self.queue
                .send(Job { delivery, reply })
                .await
                .map_err(|_| CoreError::Unavailable)?;
            match answer.await {
                Ok(result) => result.map_err(CoreError::from),
                Err(_) => Err(CoreError::Unavailable),
            }
        };
        tokio::time::timeout(WRITE_TIMEOUT, written)
            .await
            .unwrap_or(Err(CoreError::Unavailable))
    }
}

pub(crate) fn spawn_writer(store: Arc<dyn Store>) -> (JournalHandle, JoinHandle<()>) {
    let (queue, mut jobs) = mpsc::channel::<Job>(QUEUE);
    let task = tokio::spawn(async move {
        while let Some(first) = jobs.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let (deliveries, replies): (Vec<NewDelivery>, Vec<_>) =
                batch.into_iter().map(|j| (j.delivery, j.reply)).unzip();
            metrics::histogram!("hotline_journal_batch_size").record(deliveries.len() as f64);
            match store.journal_deliveries(&deliveries).await {
                Ok(ids) => {
                    for (reply, id) in replies.into_iter().zip(ids) {
                        let _ = reply.send(Ok(id));
                    }
                }
                // Nothing was written: every webhook of the batch answers 503 and the
                // platforms deliver again.
                Err(e) => {
                    tracing::error!(error = %e, deliveries = deliveries.len(), "journal batch failed");
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    });
    (JournalHandle { queue }, task)
}
