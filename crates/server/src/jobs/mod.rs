//! Long work as jobs whose records live in the registry, so that any replica answers for any
//! job and a job outlives the process that ran it.
//!
//! A job is asked for by a request (`Work`, plain data) and goes one of two ways:
//! - **queued** (`?background=true`): recorded `queued`, its id sent to the job queue (SQS,
//!   or in-process); a worker claims it with a compare-and-set (`queued` → `running`), so a
//!   message delivered twice runs it once;
//! - **here** (a plain request that changes something): recorded already claimed by this
//!   process, run at once, answered when it ends.
//!
//! The running worker moves the record's heartbeat on every third of the timeout (the
//! change lease's length, judged by the lease's clock: one clock and one timeout for both).
//! Every worker looks, as often, for running jobs whose heartbeat lapsed: their worker died.
//! It takes such a job over, puts back what it had started writing (from the write intents
//! the job recorded before each first write), and ends it `interrupted`. A queued job
//! nobody claimed within the timeout (its message lost with an in-process queue) is
//! claimed and run.

use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use snapdeploy_aws::{Progress, ProgressEvent, WriteIntent};
use snapdeploy_core::Clock;
use snapdeploy_store::{
    JobQueue, JobRecord, JobState, JobStore, StoreError, StoredJob, MAX_JOB_EVENTS,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod worker;

/// What carries out a job's request (the routes' `Work`), and what else workers ask of the
/// application; kept behind a trait so the job machinery does not depend on the routes.
#[async_trait::async_trait]
pub trait Runner: Send + Sync + 'static {
    /// Carries out a recorded request as `requester`; the answer a plain request gets.
    async fn run(
        &self,
        request: Value,
        requester: &str,
        progress: &Progress,
    ) -> ApiResult<(StatusCode, Value)>;
    /// Puts back one resource an interrupted job had started writing; what was done, or why
    /// not.
    async fn restore(
        &self,
        intent: &WriteIntent,
        job_id: &str,
        timeout: Duration,
    ) -> Result<String, String>;
    /// Periodic clean-up beside the jobs' (expired idempotency keys).
    async fn housekeeping(&self);
}

/// A shared runner.
pub type SharedRunner = Arc<dyn Runner>;

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    /// The job's state; `status` says the same, for clients written before `state`.
    #[schema(value_type = String, example = "running")]
    pub state: JobState,
    #[schema(value_type = String, example = "running")]
    pub status: JobState,
    pub requester: String,
    /// Progress so far (left out of listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<ProgressEvent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// How many workers started it (2 after a takeover).
    pub attempts: u32,
    /// Progress events not kept beyond the first few thousand.
    #[serde(skip_serializing_if = "is_zero")]
    pub events_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl JobView {
    pub fn of(job: &JobRecord, events: Option<Vec<ProgressEvent>>) -> Self {
        Self {
            id: job.id.clone(),
            kind: job.kind.clone(),
            state: job.state,
            status: job.state,
            requester: job.requester.clone(),
            events,
            result: job.result.clone(),
            error: job.error.clone(),
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
            heartbeat_at: job.heartbeat_at,
            worker: job.worker.clone(),
            attempts: job.attempts,
            events_dropped: job.events_dropped,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct JobsConfig {
    /// How long a finished job stays readable.
    pub ttl: Duration,
    /// Whether this process runs queued jobs (`serve --no-worker`: it does not).
    pub worker: bool,
    /// How many jobs this process's worker runs at once.
    pub concurrency: usize,
    /// How long a worker may run a job (AWS Lambda: 15 minutes): a change estimated longer
    /// is refused before it is queued. `None`: long-lived workers, no limit.
    pub time_limit: Option<Duration>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(3600),
            worker: true,
            concurrency: 4,
            time_limit: None,
        }
    }
}

/// The server's side of jobs: the registry's records, the queue, and this process's worker.
#[derive(Clone)]
pub struct Jobs {
    store: Arc<dyn JobStore>,
    queue: Arc<dyn JobQueue>,
    config: JobsConfig,
    /// Created, finished and expiry times.
    clock: Clock,
    /// Heartbeats: the change lease's clock and length.
    lease_clock: Clock,
    timeout: Duration,
    /// This process, as job records name it.
    worker_id: Arc<str>,
    /// Jobs running in this process (a shutdown waits for them).
    running: Arc<AtomicUsize>,
    /// Bumped when this process stores events or ends a job, so event streams here look at
    /// once instead of at their next poll.
    changed: Arc<tokio::sync::watch::Sender<u64>>,
    /// Set when the process is stopping: its worker takes no more jobs.
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Running jobs the last sweep found with a lapsed heartbeat, and that heartbeat.
    suspects: Arc<tokio::sync::Mutex<HashMap<String, Option<DateTime<Utc>>>>>,
}

fn worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into());
    format!(
        "{host}/{}/{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// How a job ended, from what its work answered.
fn outcome(result: ApiResult<(StatusCode, Value)>) -> (JobState, Option<Value>, Option<Value>) {
    match result {
        Ok((status, body)) if status.is_success() => (JobState::Succeeded, Some(body), None),
        Ok((_, body)) => (JobState::Failed, None, Some(body)),
        Err(e) => {
            let restored = e.details["report"]["status"] == "failed_restored"
                || e.details["release"]["status"] == "failed_restored";
            let state = if restored {
                JobState::FailedRestored
            } else {
                JobState::Failed
            };
            (
                state,
                None,
                Some(json!({"code": e.code, "message": e.message, "details": e.details})),
            )
        }
    }
}

impl Jobs {
    pub fn new(
        store: Arc<dyn JobStore>,
        queue: Arc<dyn JobQueue>,
        config: JobsConfig,
        clock: Clock,
        lease_clock: Clock,
        timeout: Duration,
    ) -> Self {
        Self {
            store,
            queue,
            config,
            clock,
            lease_clock,
            timeout,
            worker_id: worker_name().into(),
            running: Default::default(),
            changed: Arc::new(tokio::sync::watch::channel(0).0),
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            suspects: Default::default(),
        }
    }

    pub fn config(&self) -> &JobsConfig {
        &self.config
    }

    pub fn queue(&self) -> &Arc<dyn JobQueue> {
        &self.queue
    }

    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// How many jobs are running in this process.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// The worker takes no more jobs (those running finish).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// What a caller is told about a job id the registry does not know.
    pub fn not_found_message(&self, id: &str) -> String {
        format!(
            "job {id} not found: finished jobs are kept for {} minutes",
            self.config.ttl.as_secs() / 60
        )
    }

    pub async fn get(&self, id: &str) -> ApiResult<Option<StoredJob>> {
        Ok(self.store.get_job(id, self.clock.now()).await?)
    }

    /// The job with every progress event kept.
    pub async fn view(&self, id: &str) -> ApiResult<Option<JobView>> {
        let Some(stored) = self.get(id).await? else {
            return Ok(None);
        };
        let events = self.events(id, 0).await?;
        Ok(Some(JobView::of(
            &stored.job,
            Some(events.into_iter().map(|(_, e)| e).collect()),
        )))
    }

    /// Progress events numbered above `after`.
    pub async fn events(&self, id: &str, after: u64) -> ApiResult<Vec<(u64, ProgressEvent)>> {
        Ok(self
            .store
            .job_events(id, after)
            .await?
            .into_iter()
            .filter_map(|(n, v)| serde_json::from_value(v).ok().map(|e| (n, e)))
            .collect())
    }

    pub async fn list(&self, state: Option<JobState>, limit: usize) -> ApiResult<Vec<JobRecord>> {
        Ok(self.store.list_jobs(state, limit, self.clock.now()).await?)
    }

    /// Records `work` as a queued job and sends it to the queue; its id.
    pub async fn submit(&self, kind: &str, request: Value, requester: &str) -> ApiResult<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let job = JobRecord::new(&id, kind, request, requester, self.clock.now());
        self.store.create_job(&job).await?;
        if let Err(e) = self.queue.send(&id).await {
            // Recorded but never sent: ended now rather than found by a sweep later.
            tracing::error!(job = %id, "queueing the job failed: {e}");
            if let Ok(Some(s)) = self.get(&id).await {
                let mut job = s.job;
                job.state = JobState::Failed;
                job.error = Some(
                    json!({"code": "queue_unavailable", "message": format!("the job could not be queued: {e}"), "details": {}}),
                );
                self.finish_record(&mut job);
                let _ = self.store.update_job(&job, s.version).await;
            }
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_unavailable",
                "the job could not be queued; try again",
            ));
        }
        Ok(id)
    }

    /// Runs `work` in this process as a job recorded already claimed; its answer. The
    /// work runs in a task of its own: a client that hangs up must not cancel a change
    /// half-way (its restore would never run); it finishes and only the answer is lost.
    pub async fn run_here(
        &self,
        runner: &SharedRunner,
        kind: &str,
        request: Value,
        requester: &str,
    ) -> ApiResult<(StatusCode, Value)> {
        let now = self.clock.now();
        let mut job = JobRecord::new(
            &uuid::Uuid::new_v4().to_string(),
            kind,
            request,
            requester,
            now,
        );
        self.claim_fields(&mut job);
        self.store.create_job(&job).await?;
        let (jobs, runner) = (self.clone(), runner.clone());
        let stored = StoredJob { version: 1, job };
        tokio::spawn(async move { jobs.execute(&runner, stored).await })
            .await
            .map_err(|e| {
                tracing::error!("a job's task failed: {e}");
                ApiError::internal()
            })?
    }

    pub(super) fn claim_fields(&self, job: &mut JobRecord) {
        let now = self.lease_clock.now();
        job.state = JobState::Running;
        job.worker = Some(self.worker_id.to_string());
        job.heartbeat_at = Some(now);
        job.started_at.get_or_insert(self.clock.now());
        job.attempts += 1;
    }

    pub(super) fn finish_record(&self, job: &mut JobRecord) {
        let now = self.clock.now();
        job.finished_at = Some(now);
        job.expires_at = Some(
            now + chrono::Duration::from_std(self.config.ttl).unwrap_or(chrono::Duration::MAX),
        );
    }

    /// Claims a queued job for this process; `None` when another has it (or it ended).
    pub(super) async fn claim(&self, id: &str) -> ApiResult<Option<StoredJob>> {
        let Some(stored) = self.get(id).await? else {
            return Ok(None);
        };
        if stored.job.state != JobState::Queued {
            return Ok(None);
        }
        let mut job = stored.job;
        self.claim_fields(&mut job);
        match self.store.update_job(&job, stored.version).await {
            Ok(version) => Ok(Some(StoredJob { version, job })),
            Err(StoreError::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs a claimed job to its end, with heartbeats and its events kept; its answer.
    pub(super) async fn execute(
        &self,
        runner: &SharedRunner,
        stored: StoredJob,
    ) -> ApiResult<(StatusCode, Value)> {
        let request = stored.job.request.clone();
        self.running.fetch_add(1, Ordering::SeqCst);
        let _running = Decrement(self.running.clone());
        let id = stored.job.id.clone();
        let requester = stored.job.requester.clone();
        let record = Arc::new(tokio::sync::Mutex::new(stored));
        let events = Arc::new(Mutex::new(EventBuffer::default()));
        let progress = {
            let events = events.clone();
            Progress::new(move |e| {
                events
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(serde_json::to_value(e).unwrap_or_default())
            })
        }
        .with_intents({
            let (jobs, record) = (self.clone(), record.clone());
            move |intent: WriteIntent| {
                let (jobs, record) = (jobs.clone(), record.clone());
                Box::pin(async move {
                    let mut r = record.lock().await;
                    let mut job = r.job.clone();
                    job.writes
                        .push(serde_json::to_value(&intent).map_err(|e| e.to_string())?);
                    job.heartbeat_at = Some(jobs.lease_clock.now());
                    r.version = jobs
                        .store
                        .update_job(&job, r.version)
                        .await
                        .map_err(|e| e.to_string())?;
                    r.job = job;
                    Ok(())
                })
            }
        });
        let keeper = tokio::spawn(
            self.clone()
                .keep(id.clone(), record.clone(), events.clone()),
        );
        let result = match tokio::spawn({
            let runner = runner.clone();
            async move { runner.run(request, &requester, &progress).await }
        })
        .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(job = %id, "a job stopped: {e}");
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the job stopped unexpectedly; see the server log",
                ))
            }
        };
        keeper.abort();
        let answer = match &result {
            Ok((s, v)) => Ok((*s, v.clone())),
            Err(e) => Err(e.clone()),
        };
        let (end, value, error) = outcome(result);
        self.end(&id, &record, &events, end, value, error).await;
        answer
    }

    /// While a job runs: its events stored every quarter second, its heartbeat moved on every
    /// third of the timeout.
    async fn keep(
        self,
        id: String,
        record: Arc<tokio::sync::Mutex<StoredJob>>,
        events: Arc<Mutex<EventBuffer>>,
    ) {
        // A quarter of the timeout: a sweep (every third) always sees a live job's heartbeat
        // move between two looks.
        let beat = self.timeout / 4;
        let mut last_beat = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(beat.min(Duration::from_millis(250))).await;
            self.flush(&id, &events).await;
            if last_beat.elapsed() >= beat {
                last_beat = tokio::time::Instant::now();
                let mut r = record.lock().await;
                let mut job = r.job.clone();
                job.heartbeat_at = Some(self.lease_clock.now());
                match self.store.update_job(&job, r.version).await {
                    Ok(v) => {
                        r.version = v;
                        r.job = job;
                    }
                    Err(e) => tracing::warn!(job = %id, "moving the job's heartbeat on: {e}"),
                }
            }
        }
    }

    pub(super) async fn flush(&self, id: &str, events: &Mutex<EventBuffer>) {
        let pending = events.lock().unwrap_or_else(|p| p.into_inner()).take();
        if pending.is_empty() {
            return;
        }
        if let Err(e) = self.store.append_job_events(id, &pending).await {
            tracing::warn!(job = %id, "storing the job's progress: {e}");
            events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .put_back(pending);
            return;
        }
        self.bump();
    }

    pub(super) async fn end(
        &self,
        id: &str,
        record: &tokio::sync::Mutex<StoredJob>,
        events: &Mutex<EventBuffer>,
        state: JobState,
        result: Option<Value>,
        error: Option<Value>,
    ) {
        // The events before the end, so a stream that sees the end has seen them all.
        for _ in 0..3 {
            self.flush(id, events).await;
            if events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pending
                .is_empty()
            {
                break;
            }
        }
        let dropped = events.lock().unwrap_or_else(|p| p.into_inner()).dropped;
        let mut r = record.lock().await;
        for attempt in 0..5 {
            let mut job = r.job.clone();
            job.state = state;
            job.result = result.clone();
            job.error = error.clone();
            job.events_dropped = dropped;
            self.finish_record(&mut job);
            match self.store.update_job(&job, r.version).await {
                Ok(v) => {
                    r.version = v;
                    r.job = job;
                    break;
                }
                Err(StoreError::Conflict(_)) => {
                    // Taken over by another worker (our heartbeat lapsed): theirs to end.
                    tracing::error!(job = %id, "the job was taken over by another worker before it ended here; its end here is not recorded");
                    break;
                }
                Err(e) => {
                    tracing::warn!(job = %id, attempt, "recording the job's end: {e}");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
            }
        }
        self.bump();
    }
}

pub(super) struct Decrement(pub(super) Arc<AtomicUsize>);

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Events waiting to be stored, numbered as they come; beyond `MAX_JOB_EVENTS` counted only.
#[derive(Default)]
pub(super) struct EventBuffer {
    next: u64,
    pending: Vec<(u64, Value)>,
    dropped: u64,
}

impl EventBuffer {
    pub(super) fn resuming(last: u64) -> Self {
        Self {
            next: last,
            ..Self::default()
        }
    }

    pub(super) fn push(&mut self, e: Value) {
        if self.next >= MAX_JOB_EVENTS {
            self.dropped += 1;
            return;
        }
        self.next += 1;
        self.pending.push((self.next, e));
    }

    fn take(&mut self) -> Vec<(u64, Value)> {
        std::mem::take(&mut self.pending)
    }

    fn put_back(&mut self, mut events: Vec<(u64, Value)>) {
        events.append(&mut self.pending);
        self.pending = events;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_keeps_its_first_events_and_counts_the_rest() {
        let mut b = EventBuffer::default();
        for n in 0..MAX_JOB_EVENTS + 7 {
            b.push(json!({"message": n}));
        }
        let kept = b.take();
        assert_eq!(kept.len() as u64, MAX_JOB_EVENTS);
        assert_eq!(kept.first().unwrap().0, 1);
        assert_eq!(kept.last().unwrap().0, MAX_JOB_EVENTS);
        assert_eq!(b.dropped, 7);
        // A worker taking over numbers on from the events already stored.
        let mut resumed = EventBuffer::resuming(12);
        resumed.push(json!({"message": "restoring"}));
        assert_eq!(resumed.take()[0].0, 13);
    }
}
