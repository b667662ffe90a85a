//! How a job reaches a worker: a message naming the job. In `aws` store mode an SQS queue
//! (`SNAPDEPLOY_JOB_QUEUE_URL`); embedded, a queue in this process. A message only says
//! "look at job X": the job record decides whether anything runs (a worker claims it with a
//! compare-and-set), so a message delivered twice, or late, runs nothing twice.

use crate::api::{StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// A message taken from the queue: the job it names, and what acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub job_id: String,
    pub receipt: String,
}

#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn send(&self, job_id: &str) -> StoreResult<()>;
    /// Up to `max` messages, waiting at most `wait` for the first.
    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Delivery>>;
    /// Removes a message for good (its job was claimed, or needs nothing).
    async fn ack(&self, delivery: &Delivery) -> StoreResult<()>;
    /// What `/readyz` and the logs call it.
    fn describe(&self) -> String;
}

/// A queue in this process: the embedded mode's, and tests'.
#[derive(Default)]
pub struct MemoryQueue {
    messages: Mutex<VecDeque<String>>,
    arrived: Notify,
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn send(&self, job_id: &str) -> StoreResult<()> {
        self.messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(job_id.to_owned());
        self.arrived.notify_one();
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Delivery>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so a send in between is not missed.
            let arrived = self.arrived.notified();
            {
                let mut m = self.messages.lock().unwrap_or_else(|p| p.into_inner());
                if !m.is_empty() {
                    let n = max.min(m.len());
                    let out: Vec<Delivery> = m
                        .drain(..n)
                        .map(|job_id| Delivery {
                            receipt: job_id.clone(),
                            job_id,
                        })
                        .collect();
                    if !m.is_empty() {
                        // Another receiver may take the rest.
                        self.arrived.notify_one();
                    }
                    return Ok(out);
                }
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return Ok(vec![]);
            }
        }
    }

    async fn ack(&self, _delivery: &Delivery) -> StoreResult<()> {
        // Taken off when received: a job whose worker dies is found by its lapsed heartbeat.
        Ok(())
    }

    fn describe(&self) -> String {
        "in-process queue".into()
    }
}

/// The registry as the queue, for the embedded store: a queued job's record is its message,
/// so every process sharing the registry file (`serve --no-worker` and `snapdeploy worker` on
/// one host) sees it. Sends from this process wake its own receivers at once; others' are
/// found by looking at the queued records every `poll`.
pub struct RegistryQueue {
    jobs: std::sync::Arc<dyn crate::jobs::JobStore>,
    local: MemoryQueue,
    poll: Duration,
}

impl RegistryQueue {
    pub fn new(jobs: std::sync::Arc<dyn crate::jobs::JobStore>, poll: Duration) -> Self {
        Self {
            jobs,
            local: MemoryQueue::default(),
            poll,
        }
    }
}

#[async_trait]
impl JobQueue for RegistryQueue {
    async fn send(&self, job_id: &str) -> StoreResult<()> {
        self.local.send(job_id).await
    }

    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Delivery>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let local = self.local.receive(max, Duration::ZERO).await?;
            if !local.is_empty() {
                return Ok(local);
            }
            let queued = self
                .jobs
                .list_jobs(
                    Some(crate::jobs::JobState::Queued),
                    max.max(1) * 4,
                    chrono::Utc::now(),
                )
                .await?;
            if !queued.is_empty() {
                // Oldest first.
                return Ok(queued
                    .into_iter()
                    .rev()
                    .take(max.max(1))
                    .map(|j| Delivery {
                        receipt: j.id.clone(),
                        job_id: j.id,
                    })
                    .collect());
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(vec![]);
            }
            let local = self
                .local
                .receive(max, self.poll.min(deadline - now))
                .await?;
            if !local.is_empty() {
                return Ok(local);
            }
        }
    }

    async fn ack(&self, _delivery: &Delivery) -> StoreResult<()> {
        Ok(())
    }

    fn describe(&self) -> String {
        "the registry's queued jobs".into()
    }
}

/// An SQS queue. Messages are acknowledged once their job is claimed, not when it ends: a
/// job can outlast any visibility timeout, and a dead worker's job is found by its lapsed
/// heartbeat in the registry, not by the message coming back.
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: &str) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

fn sqs_failed<E: std::error::Error + 'static>(what: &str) -> impl FnOnce(E) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{what}: {}", DisplayErrorContext(&e)))
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn send(&self, job_id: &str) -> StoreResult<()> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(serde_json::json!({ "job_id": job_id }).to_string())
            .send()
            .await
            .map_err(sqs_failed("sending a job to the queue"))?;
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Delivery>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .send()
            .await
            .map_err(sqs_failed("receiving jobs from the queue"))?;
        let mut deliveries = Vec::new();
        for m in out.messages() {
            let receipt = m.receipt_handle().unwrap_or_default().to_owned();
            let job_id = m.body().and_then(job_id_of_message);
            match job_id {
                Some(job_id) => deliveries.push(Delivery { job_id, receipt }),
                None => {
                    // Not ours: dropped rather than received for ever.
                    tracing::warn!(body = ?m.body(), "a queue message that names no job was dropped");
                    let _ = self
                        .client
                        .delete_message()
                        .queue_url(&self.url)
                        .receipt_handle(receipt)
                        .send()
                        .await;
                }
            }
        }
        Ok(deliveries)
    }

    async fn ack(&self, delivery: &Delivery) -> StoreResult<()> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&delivery.receipt)
            .send()
            .await
            .map_err(sqs_failed("deleting a queue message"))?;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("SQS queue {}", self.url)
    }
}

/// The SQS message body for a job: what a Lambda worker function is handed in its event.
pub fn job_id_of_message(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["job_id"].as_str().map(String::from))
}
