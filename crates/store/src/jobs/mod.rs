//! Job records, kept with the account registry so that every replica answers for every job:
//! what was asked, by whom, its state, its progress events, its result, and a heartbeat that
//! tells a dead worker from a slow one. A version on each record makes every state move a
//! compare-and-set, so two workers can never both claim, finish or take over one job.
//!
//! SQLite keeps them in `jobs` and `job_events`; DynamoDB in `<accounts table>-jobs`, the
//! record under sort key `job` and each event under `event#<seq>`, all with the TTL
//! attribute `expires` once the job has finished.

use crate::api::{backend, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

mod dynamo;
mod sqlite;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    Running,
    Succeeded,
    Failed,
    /// A change failed and what it had written was put back.
    FailedRestored,
    /// Its worker died; another worker put back what it had written (see `result`).
    Interrupted,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::FailedRestored,
        Self::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::FailedRestored => "failed_restored",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

/// One job as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    /// What to do, as the worker reads it (the API's request, checked when it was made).
    pub request: Value,
    /// Who asked: the job acts as them.
    pub requester: String,
    pub state: JobState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// The worker running it (or that last ran it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Moved on by the running worker every third of the timeout; a running job whose
    /// heartbeat is older than the timeout has lost its worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// When a finished job is forgotten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// How many workers have started it (more than one after a takeover).
    #[serde(default)]
    pub attempts: u32,
    /// What the job had started writing, recorded before the first write: each change's
    /// target and safety snapshot, so a worker taking over can put them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<Value>,
    /// Progress events not kept (a job keeps its first `MAX_JOB_EVENTS`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub events_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How many progress events a job keeps: enough for a `large` promotion's every step.
pub const MAX_JOB_EVENTS: u64 = 5000;

impl JobRecord {
    pub fn new(id: &str, kind: &str, request: Value, requester: &str, now: DateTime<Utc>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            request,
            requester: requester.into(),
            state: JobState::Queued,
            result: None,
            error: None,
            worker: None,
            heartbeat_at: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            expires_at: None,
            attempts: 0,
            writes: vec![],
            events_dropped: 0,
        }
    }

    /// Whether the job is to be treated as gone at `now` (DynamoDB's TTL deletes late).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// A record and the version it was read at (for the next compare-and-set).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    pub version: u64,
    pub job: JobRecord,
}

/// A progress event of a job: its number (from 1, the SSE event id) and its content.
pub type JobEventRow = (u64, Value);

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Stores a new job at version 1; `Conflict` when the id is taken.
    async fn create_job(&self, job: &JobRecord) -> StoreResult<()>;
    /// The job, unless there is none or it has expired at `now`.
    async fn get_job(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<StoredJob>>;
    /// Writes `job` over the stored one if that is still at `version`; the new version, or
    /// `Conflict` when another write came in between.
    async fn update_job(&self, job: &JobRecord, version: u64) -> StoreResult<u64>;
    /// Jobs newest first, in `state` if given, at most `limit`, none expired at `now`.
    async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<JobRecord>>;
    /// Appends events; writing an event number again changes nothing.
    async fn append_job_events(&self, id: &str, events: &[JobEventRow]) -> StoreResult<()>;
    /// Events numbered above `after`, in order.
    async fn job_events(&self, id: &str, after: u64) -> StoreResult<Vec<JobEventRow>>;
    /// Deletes the jobs (and their events) that expired by `now`; how many.
    async fn purge_jobs(&self, now: DateTime<Utc>) -> StoreResult<usize>;
}

pub(crate) fn job_conflict(id: &str) -> StoreError {
    StoreError::Conflict(format!("job {id} was changed meanwhile; read it again"))
}

pub(crate) fn encode(job: &JobRecord) -> StoreResult<String> {
    serde_json::to_string(job).map_err(backend("encoding a job"))
}

pub(crate) fn decode_job(doc: &str) -> StoreResult<JobRecord> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("job record: {e}")))
}

pub(crate) fn newest_first(jobs: &mut [JobRecord]) {
    jobs.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.id.cmp(&a.id))
    });
}

/// Jobs in this process only: for tests and one-process tools.
#[derive(Default)]
pub struct MemoryJobs {
    jobs: Mutex<HashMap<String, StoredJob>>,
    events: Mutex<HashMap<String, BTreeMap<u64, Value>>>,
}

#[async_trait]
impl JobStore for MemoryJobs {
    async fn create_job(&self, job: &JobRecord) -> StoreResult<()> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if jobs.contains_key(&job.id) {
            return Err(StoreError::Conflict(format!("job {} exists", job.id)));
        }
        jobs.insert(
            job.id.clone(),
            StoredJob {
                version: 1,
                job: job.clone(),
            },
        );
        Ok(())
    }

    async fn get_job(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<StoredJob>> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        Ok(jobs.get(id).filter(|j| !j.job.expired(now)).cloned())
    }

    async fn update_job(&self, job: &JobRecord, version: u64) -> StoreResult<u64> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        match jobs.get_mut(&job.id) {
            Some(s) if s.version == version => {
                s.version += 1;
                s.job = job.clone();
                Ok(s.version)
            }
            _ => Err(job_conflict(&job.id)),
        }
    }

    async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<JobRecord>> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<JobRecord> = jobs
            .values()
            .map(|s| &s.job)
            .filter(|j| state.is_none_or(|s| j.state == s) && !j.expired(now))
            .cloned()
            .collect();
        newest_first(&mut out);
        out.truncate(limit);
        Ok(out)
    }

    async fn append_job_events(&self, id: &str, events: &[JobEventRow]) -> StoreResult<()> {
        let mut all = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let of = all.entry(id.to_owned()).or_default();
        for (seq, e) in events {
            of.insert(*seq, e.clone());
        }
        Ok(())
    }

    async fn job_events(&self, id: &str, after: u64) -> StoreResult<Vec<JobEventRow>> {
        let all = self.events.lock().unwrap_or_else(|p| p.into_inner());
        Ok(all
            .get(id)
            .map(|of| {
                of.range(after + 1..)
                    .map(|(s, e)| (*s, e.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn purge_jobs(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let gone: Vec<String> = jobs
            .values()
            .filter(|s| s.job.expired(now))
            .map(|s| s.job.id.clone())
            .collect();
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        for id in &gone {
            jobs.remove(id);
            events.remove(id);
        }
        Ok(gone.len())
    }
}
