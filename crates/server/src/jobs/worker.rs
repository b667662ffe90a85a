//! This process's worker: jobs taken from the queue (or handed over by a Lambda event), and
//! the sweep that takes over the jobs of a worker that died and puts back what they wrote.

use super::{Decrement, EventBuffer, Jobs, SharedRunner};
use crate::error::ApiResult;
use serde_json::json;
use snapdeploy_aws::WriteIntent;
use snapdeploy_store::{JobState, StoredJob};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

impl Jobs {
    /// This process's worker: takes jobs from the queue and looks for lost ones, until the
    /// process stops. Returns when it has stopped taking jobs (running ones go on).
    pub async fn work(&self, runner: SharedRunner) {
        let permits = Arc::new(tokio::sync::Semaphore::new(self.config.concurrency.max(1)));
        let mut stopping = self.stopping.subscribe();
        let sweeper = tokio::spawn({
            let (jobs, runner, permits) = (self.clone(), runner.clone(), permits.clone());
            async move { jobs.sweep_forever(&runner, &permits).await }
        });
        tracing::info!(worker = %self.worker_id, queue = %self.queue.describe(), "taking jobs");
        loop {
            if *stopping.borrow() {
                break;
            }
            let free = permits.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = permits.clone().acquire_owned() => continue,
                    _ = stopping.changed() => break,
                }
            }
            let received = tokio::select! {
                r = self.queue.receive(free, Duration::from_secs(5)) => r,
                _ = stopping.changed() => break,
            };
            let deliveries = match received {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!("taking jobs from the queue: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            for d in deliveries {
                let claimed = match self.claim(&d.job_id).await {
                    Ok(c) => c,
                    Err(e) => {
                        // Not acknowledged: SQS hands it out again; a lost in-process message
                        // is found by the sweep.
                        tracing::warn!(job = %d.job_id, "claiming the job: {}", e.message);
                        continue;
                    }
                };
                if let Err(e) = self.queue.ack(&d).await {
                    tracing::warn!(job = %d.job_id, "acknowledging the job's message: {e}");
                }
                if let Some(stored) = claimed {
                    self.spawn_claimed(&runner, stored, &permits).await;
                }
            }
        }
        sweeper.abort();
        tracing::info!(worker = %self.worker_id, "no longer taking jobs");
    }

    async fn spawn_claimed(
        &self,
        runner: &SharedRunner,
        stored: StoredJob,
        permits: &Arc<tokio::sync::Semaphore>,
    ) {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let (jobs, runner) = (self.clone(), runner.clone());
        tokio::spawn(async move {
            let _permit = permit;
            jobs.run_claimed(&runner, stored).await;
        });
    }

    async fn sweep_forever(&self, runner: &SharedRunner, permits: &Arc<tokio::sync::Semaphore>) {
        let mut last_purge = None::<tokio::time::Instant>;
        let mut purges = 0u64;
        loop {
            match self.sweep(runner).await {
                Ok(unclaimed) => {
                    for stored in unclaimed {
                        self.spawn_claimed(runner, stored, permits).await;
                    }
                }
                Err(e) => tracing::warn!("looking for lost jobs: {}", e.message),
            }
            if last_purge.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                last_purge = Some(tokio::time::Instant::now());
                if let Err(e) = self.store.purge_jobs(self.clock.now()).await {
                    tracing::warn!("forgetting expired jobs: {e}");
                }
                // Idempotency keys live a day: looked at every ten minutes.
                if purges.is_multiple_of(10) {
                    runner.housekeeping().await;
                }
                purges += 1;
            }
            tokio::time::sleep(self.timeout / 3).await;
        }
    }

    /// Runs the job a queue message names, here and to its end: for a worker that is handed
    /// messages rather than taking them (a Lambda function's SQS event). `Ok` when the
    /// message needs nothing more (its job ran, or is or was someone else's); `Err` when it
    /// should be delivered again.
    pub async fn run_delivered(&self, runner: &SharedRunner, job_id: &str) -> Result<(), String> {
        match self.claim(job_id).await {
            Ok(Some(stored)) => {
                self.run_claimed(runner, stored).await;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.message),
        }
    }

    async fn run_claimed(&self, runner: &SharedRunner, stored: StoredJob) {
        let _ = self.execute(runner, stored).await;
    }

    /// One look for lost jobs, run to their end here (a Lambda worker's invocation, or a
    /// scheduled one when no message comes).
    pub async fn sweep_once(&self, runner: &SharedRunner) -> ApiResult<()> {
        for stored in self.sweep(runner).await? {
            self.run_claimed(runner, stored).await;
        }
        Ok(())
    }

    /// Takes over running jobs whose worker died, and claims queued jobs nobody claimed
    /// (returned, for the caller to run). A job is taken over when two sweeps in a row find
    /// the same lapsed heartbeat: a live worker moves it on between them, even when the clock
    /// jumped past it.
    async fn sweep(&self, runner: &SharedRunner) -> ApiResult<Vec<StoredJob>> {
        let timeout = chrono::Duration::from_std(self.timeout).unwrap_or(chrono::Duration::MAX);
        let now = self.lease_clock.now();
        let mut lapsed_now = HashMap::new();
        let mut take = Vec::new();
        {
            let suspects = self.suspects.lock().await;
            for job in self.list(Some(JobState::Running), 1000).await? {
                if job.heartbeat_at.is_none_or(|h| now - h > timeout) {
                    if suspects.get(&job.id) == Some(&job.heartbeat_at) {
                        take.push(job.id);
                    } else {
                        lapsed_now.insert(job.id, job.heartbeat_at);
                    }
                }
            }
        }
        *self.suspects.lock().await = lapsed_now;
        for id in take {
            self.take_over(runner, &id).await;
        }
        let created_before = self.clock.now() - timeout;
        let mut unclaimed = Vec::new();
        for job in self.list(Some(JobState::Queued), 1000).await? {
            if job.created_at < created_before {
                if let Some(stored) = self.claim(&job.id).await? {
                    tracing::warn!(job = %job.id, "running a queued job nobody took");
                    unclaimed.push(stored);
                }
            }
        }
        Ok(unclaimed)
    }

    /// Takes over a job whose worker died: puts back what it had started writing, last
    /// first, and ends it `interrupted` with what was restored.
    async fn take_over(&self, runner: &SharedRunner, id: &str) {
        let Ok(Some(stored)) = self.get(id).await else {
            return;
        };
        let timeout = chrono::Duration::from_std(self.timeout).unwrap_or(chrono::Duration::MAX);
        let now = self.lease_clock.now();
        if stored.job.state != JobState::Running
            || stored.job.heartbeat_at.is_some_and(|h| now - h <= timeout)
        {
            return;
        }
        let dead = stored.job.worker.clone().unwrap_or_default();
        let mut job = stored.job;
        self.claim_fields(&mut job);
        let Ok(version) = self.store.update_job(&job, stored.version).await else {
            // Another worker took it over first.
            return;
        };
        tracing::warn!(job = %id, dead_worker = %dead, "taking over a job whose worker stopped answering");
        self.running.fetch_add(1, Ordering::SeqCst);
        let _running = Decrement(self.running.clone());
        let record = Arc::new(tokio::sync::Mutex::new(StoredJob {
            version,
            job: job.clone(),
        }));
        let events = Arc::new(Mutex::new(EventBuffer::resuming(
            self.store
                .job_events(id, 0)
                .await
                .map_or(0, |e| e.last().map_or(0, |l| l.0)),
        )));
        let keeper = tokio::spawn(self.clone().keep(id.into(), record.clone(), events.clone()));
        let say = |m: String| {
            events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(json!({"message": m, "done": 0, "total": 0}));
        };
        say(format!(
            "worker {dead} stopped answering; {} takes over",
            self.worker_id
        ));
        let mut restored = Vec::new();
        let mut failures = Vec::new();
        for w in job.writes.iter().rev() {
            let Ok(intent) = serde_json::from_value::<WriteIntent>(w.clone()) else {
                failures.push(json!({"write": w, "error": "unreadable write intent"}));
                continue;
            };
            let what = format!(
                "{} {} in account {} region {}",
                intent.service, intent.resource_name, intent.account_id, intent.region
            );
            say(format!("restoring {what}"));
            match runner.restore(&intent, id, self.timeout).await {
                Ok(done) => restored.push(json!({"resource": what, "restored": done})),
                Err(e) => failures.push(json!({"resource": what, "error": e})),
            }
        }
        keeper.abort();
        let message = if job.writes.is_empty() {
            format!(
                "worker {dead} stopped before this job wrote anything; nothing needed restoring"
            )
        } else if failures.is_empty() {
            format!("worker {dead} stopped half-way; what the job had written was restored")
        } else {
            format!("worker {dead} stopped half-way and restoring failed for {} resource(s): see details", failures.len())
        };
        let result = json!({"message": message, "restored": restored, "failed": failures});
        let (end, value, error) = if failures.is_empty() {
            (JobState::Interrupted, Some(result), None)
        } else {
            (
                JobState::Interrupted,
                None,
                Some(
                    json!({"code": "interrupted_not_restored", "message": message, "details": result}),
                ),
            )
        };
        say(message.clone());
        self.end(id, &record, &events, end, value, error).await;
    }
}
