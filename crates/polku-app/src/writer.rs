//! The group-commit writer: the one path by which responses reach the database.
//!
//! Requests hand their validated response to a single task and wait. The task takes everything that has
//! queued up while the previous transaction was committing, writes it as one transaction, and only then
//! answers each waiting request. Under load this turns thousands of tiny commits (each an fsync) into a few
//! large ones; with one request in flight it adds no delay. A request is acknowledged only after its commit,
//! so an acknowledged response is never lost. If a batch fails, its members are retried one by one so that
//! one bad response cannot fail its neighbours.

use crate::telemetry::Telemetry;
use polku_domain::response::NewResponse;
use polku_store::{InsertOutcome, Store};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<InsertOutcome, String>>;

/// Queue depth before submitters wait: back-pressure instead of unbounded memory.
const QUEUE: usize = 16_384;

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<(NewResponse, Reply)>,
}

impl Writer {
    /// Starts the writer on a thread of its own. Each batch is several round trips to the database; were
    /// the writer one task among thousands of request tasks, it would wait its turn in the scheduler after
    /// every one of them, and every waiting request would wait with it. The returned handle completes when
    /// the writer has drained its queue and stopped (after the last `Writer` is dropped).
    pub fn spawn(store: Store, max_batch: usize, telemetry: Arc<Telemetry>) -> (Writer, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (done, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("polku-writer".into()).spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            match rt {
                Ok(rt) => rt.block_on(run(store, rx, max_batch.max(1), telemetry)),
                Err(e) => tracing::error!(error = %e, "the response writer could not start"),
            }
            let _ = done.send(());
        });
        if let Err(e) = thread {
            tracing::error!(error = %e, "the response writer thread could not start");
        }
        (Writer { tx }, tokio::spawn(async move { _ = stopped.await }))
    }

    /// Queues one response and waits until it is committed.
    pub async fn write(&self, response: NewResponse) -> anyhow::Result<InsertOutcome> {
        let (reply, wait) = oneshot::channel();
        self.tx.send((response, reply)).await.map_err(|_| anyhow::anyhow!("the response writer has stopped"))?;
        wait.await
            .map_err(|_| anyhow::anyhow!("the response writer stopped before committing"))?
            .map_err(|e| anyhow::anyhow!(e).context("storing the response"))
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<(NewResponse, Reply)>, max_batch: usize, telemetry: Arc<Telemetry>) {
    let mut batch = Vec::with_capacity(max_batch);
    let mut replies = Vec::with_capacity(max_batch);
    while let Some((first, reply)) = rx.recv().await {
        batch.push(first);
        replies.push(reply);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok((r, reply)) => {
                    batch.push(r);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        telemetry.batch_size.observe(batch.len() as f64);
        match store.insert_responses(&batch).await {
            Ok(outcomes) => {
                let inserted = outcomes.iter().filter(|o| matches!(o, InsertOutcome::Inserted(_))).count();
                telemetry.responses_ingested.fetch_add(inserted as u64, Relaxed);
                for (reply, outcome) in replies.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, size = batch.len(), "batch failed; retrying its responses one by one");
                for (r, reply) in batch.iter().zip(replies.drain(..)) {
                    let result = store.insert_responses(std::slice::from_ref(r)).await;
                    if let Ok([InsertOutcome::Inserted(_)]) = result.as_deref() {
                        telemetry.responses_ingested.fetch_add(1, Relaxed);
                    }
                    let _ = reply.send(result.map(|o| o[0]).map_err(|e| e.to_string()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "storing a response failed");
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
        batch.clear();
    }
    tracing::debug!("response writer drained and stopped");
}
