//! Job records, kept with the account registry so that every replica answers for every job:
//! what was asked, by whom, its state, its progress events, its result, and a heartbeat that
//! tells a dead worker from a slow one. A version on each record makes every state move a
//! compare-and-set, so two workers can never both claim, finish or take over one job.
//!
//! SQLite keeps them in `jobs` and `job_events`; DynamoDB in `<accounts table>-jobs`, the
//! record under sort key `job` and each event under `event#<seq>`, all with the TTL
//! attribute `expires` once the job has finished.

use crate::api::{backend, StoreError, StoreResult};
use crate::dynamo::DynamoAccountStore;
use crate::sqlite::SqliteAccountStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
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

fn job_conflict(id: &str) -> StoreError {
    StoreError::Conflict(format!("job {id} was changed meanwhile; read it again"))
}

fn encode(job: &JobRecord) -> StoreResult<String> {
    serde_json::to_string(job).map_err(backend("encoding a job"))
}

fn decode_job(doc: &str) -> StoreResult<JobRecord> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("job record: {e}")))
}

fn newest_first(jobs: &mut [JobRecord]) {
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

pub(crate) const SQLITE_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS jobs (
         id         TEXT PRIMARY KEY,
         version    INTEGER NOT NULL,
         state      TEXT NOT NULL,
         created_ms INTEGER NOT NULL,
         expires_ms INTEGER,
         document   TEXT NOT NULL
     );
     CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_ms);
     CREATE INDEX IF NOT EXISTS jobs_by_age ON jobs (created_ms);
     CREATE TABLE IF NOT EXISTS job_events (
         job_id TEXT NOT NULL,
         seq    INTEGER NOT NULL,
         event  TEXT NOT NULL,
         PRIMARY KEY (job_id, seq)
     );";

fn millis(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

#[async_trait]
impl JobStore for SqliteAccountStore {
    async fn create_job(&self, job: &JobRecord) -> StoreResult<()> {
        let doc = encode(job)?;
        self.with(|c| {
            match c.execute(
                "INSERT INTO jobs (id, version, state, created_ms, expires_ms, document)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5)",
                params![
                    job.id,
                    job.state.as_str(),
                    job.created_at.timestamp_millis(),
                    millis(job.expires_at),
                    doc
                ],
            ) {
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Err(StoreError::Conflict(format!("job {} exists", job.id)))
                }
                Err(e) => Err(backend("storing a job")(e)),
            }
        })
    }

    async fn get_job(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<StoredJob>> {
        let row: Option<(u64, String)> = self.with(|c| {
            c.query_row(
                "SELECT version, document FROM jobs WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend("reading a job"))
        })?;
        let Some((version, doc)) = row else {
            return Ok(None);
        };
        let job = decode_job(&doc)?;
        Ok((!job.expired(now)).then_some(StoredJob { version, job }))
    }

    async fn update_job(&self, job: &JobRecord, version: u64) -> StoreResult<u64> {
        let doc = encode(job)?;
        self.with(|c| {
            let n = c
                .execute(
                    "UPDATE jobs SET version = version + 1, state = ?1, expires_ms = ?2, document = ?3
                     WHERE id = ?4 AND version = ?5",
                    params![job.state.as_str(), millis(job.expires_at), doc, job.id, version],
                )
                .map_err(backend("updating a job"))?;
            if n == 1 {
                Ok(version + 1)
            } else {
                Err(job_conflict(&job.id))
            }
        })
    }

    async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<JobRecord>> {
        let docs: Vec<String> = self.with(|c| {
            let mut stmt = c
                .prepare(
                    "SELECT document FROM jobs
                     WHERE (?1 IS NULL OR state = ?1) AND (expires_ms IS NULL OR expires_ms > ?2)
                     ORDER BY created_ms DESC, id DESC LIMIT ?3",
                )
                .map_err(backend("listing jobs"))?;
            let rows = stmt
                .query_map(
                    params![
                        state.map(JobState::as_str),
                        now.timestamp_millis(),
                        i64::try_from(limit).unwrap_or(i64::MAX)
                    ],
                    |r| r.get(0),
                )
                .map_err(backend("listing jobs"))?;
            rows.collect::<Result<_, _>>()
                .map_err(backend("listing jobs"))
        })?;
        docs.iter().map(|d| decode_job(d)).collect()
    }

    async fn append_job_events(&self, id: &str, events: &[JobEventRow]) -> StoreResult<()> {
        self.with(|c| {
            let tx = c
                .unchecked_transaction()
                .map_err(backend("appending job events"))?;
            for (seq, e) in events {
                tx.execute(
                    "INSERT OR IGNORE INTO job_events (job_id, seq, event) VALUES (?1, ?2, ?3)",
                    params![id, seq, e.to_string()],
                )
                .map_err(backend("appending job events"))?;
            }
            tx.commit().map_err(backend("appending job events"))
        })
    }

    async fn job_events(&self, id: &str, after: u64) -> StoreResult<Vec<JobEventRow>> {
        let rows: Vec<(u64, String)> = self.with(|c| {
            let mut stmt = c
                .prepare(
                    "SELECT seq, event FROM job_events WHERE job_id = ?1 AND seq > ?2 ORDER BY seq",
                )
                .map_err(backend("reading job events"))?;
            let rows = stmt
                .query_map(params![id, after], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(backend("reading job events"))?;
            rows.collect::<Result<_, _>>()
                .map_err(backend("reading job events"))
        })?;
        rows.into_iter()
            .map(|(s, e)| {
                serde_json::from_str(&e)
                    .map(|v| (s, v))
                    .map_err(|e| StoreError::Corrupt(format!("job event: {e}")))
            })
            .collect()
    }

    async fn purge_jobs(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        self.with(|c| {
            let tx = c.unchecked_transaction().map_err(backend("purging jobs"))?;
            let now = now.timestamp_millis();
            tx.execute(
                "DELETE FROM job_events WHERE job_id IN (SELECT id FROM jobs WHERE expires_ms <= ?1)",
                params![now],
            )
            .map_err(backend("purging jobs"))?;
            let n = tx
                .execute("DELETE FROM jobs WHERE expires_ms <= ?1", params![now])
                .map_err(backend("purging jobs"))?;
            tx.commit().map_err(backend("purging jobs"))?;
            Ok(n)
        })
    }
}

const RECORD_ITEM: &str = "job";

fn event_item(seq: u64) -> String {
    format!("event#{seq:012}")
}

fn event_expiry() -> String {
    (Utc::now() + chrono::Duration::days(30))
        .timestamp()
        .to_string()
}

fn ddb<E: std::error::Error + 'static>(context: &str) -> impl FnOnce(E) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{context}: {}", DisplayErrorContext(&e)))
}

fn item_str<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> StoreResult<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Corrupt(format!("job item has no {name}")))
}

fn stored_of(item: &HashMap<String, AttributeValue>) -> StoreResult<StoredJob> {
    let version = item
        .get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::Corrupt("job item has no version".into()))?;
    Ok(StoredJob {
        version,
        job: decode_job(item_str(item, "document")?)?,
    })
}

impl DynamoAccountStore {
    fn job_item(
        &self,
        job: &JobRecord,
        version: u64,
    ) -> StoreResult<HashMap<String, AttributeValue>> {
        let mut item = HashMap::from([
            ("job_id".to_owned(), AttributeValue::S(job.id.clone())),
            ("item".to_owned(), AttributeValue::S(RECORD_ITEM.into())),
            ("version".to_owned(), AttributeValue::N(version.to_string())),
            (
                "state".to_owned(),
                AttributeValue::S(job.state.as_str().into()),
            ),
            (
                "created_at".to_owned(),
                AttributeValue::S(job.created_at.to_rfc3339()),
            ),
            ("document".to_owned(), AttributeValue::S(encode(job)?)),
        ]);
        if let Some(e) = job.expires_at {
            item.insert(
                "expires".into(),
                AttributeValue::N(e.timestamp().to_string()),
            );
        }
        Ok(item)
    }

    async fn job_ids_expired(&self, now: DateTime<Utc>) -> StoreResult<Vec<String>> {
        Ok(self
            .scan_jobs(None, now, true)
            .await?
            .into_iter()
            .map(|j| j.id)
            .collect())
    }

    /// Every job record (a scan: the table holds jobs until they expire, a few thousand).
    async fn scan_jobs(
        &self,
        state: Option<JobState>,
        now: DateTime<Utc>,
        expired: bool,
    ) -> StoreResult<Vec<JobRecord>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let mut scan = self
                .client
                .scan()
                .table_name(&self.jobs)
                .consistent_read(true)
                .filter_expression(if state.is_some() {
                    "#i = :record AND #s = :state"
                } else {
                    "#i = :record"
                })
                .expression_attribute_names("#i", "item")
                .expression_attribute_values(":record", AttributeValue::S(RECORD_ITEM.into()))
                .set_exclusive_start_key(start.take());
            if let Some(s) = state {
                scan = scan
                    .expression_attribute_names("#s", "state")
                    .expression_attribute_values(":state", AttributeValue::S(s.as_str().into()));
            }
            let page = scan.send().await.map_err(ddb("listing jobs"))?;
            for item in page.items() {
                let job = stored_of(item)?.job;
                if job.expired(now) == expired {
                    out.push(job);
                }
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl JobStore for DynamoAccountStore {
    async fn create_job(&self, job: &JobRecord) -> StoreResult<()> {
        let res = self
            .client
            .put_item()
            .table_name(&self.jobs)
            .set_item(Some(self.job_item(job, 1)?))
            .condition_expression("attribute_not_exists(job_id)")
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                Err(StoreError::Conflict(format!("job {} exists", job.id)))
            }
            Err(e) => Err(ddb("storing a job")(e)),
        }
    }

    async fn get_job(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<StoredJob>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.jobs)
            .key("job_id", AttributeValue::S(id.into()))
            .key("item", AttributeValue::S(RECORD_ITEM.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(ddb("reading a job"))?;
        match out.item() {
            None => Ok(None),
            Some(item) => {
                let stored = stored_of(item)?;
                Ok((!stored.job.expired(now)).then_some(stored))
            }
        }
    }

    async fn update_job(&self, job: &JobRecord, version: u64) -> StoreResult<u64> {
        let res = self
            .client
            .put_item()
            .table_name(&self.jobs)
            .set_item(Some(self.job_item(job, version + 1)?))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(version + 1),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                Err(job_conflict(&job.id))
            }
            Err(e) => Err(ddb("updating a job")(e)),
        }
    }

    async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<JobRecord>> {
        let mut jobs = self.scan_jobs(state, now, false).await?;
        newest_first(&mut jobs);
        jobs.truncate(limit);
        Ok(jobs)
    }

    async fn append_job_events(&self, id: &str, events: &[JobEventRow]) -> StoreResult<()> {
        // BatchWriteItem takes 25 puts at a time; a put of the same key writes the same event.
        for chunk in events.chunks(25) {
            let mut requests = Vec::new();
            for (seq, e) in chunk {
                let put = aws_sdk_dynamodb::types::PutRequest::builder()
                    .item("job_id", AttributeValue::S(id.into()))
                    .item("item", AttributeValue::S(event_item(*seq)))
                    .item("event", AttributeValue::S(e.to_string()))
                    // Finished jobs' events go with them (`purge_jobs`); this bounds the
                    // events of a job whose record was never purged.
                    .item("expires", AttributeValue::N(event_expiry()))
                    .build()
                    .map_err(backend("a job event"))?;
                requests.push(
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(put)
                        .build(),
                );
            }
            let mut pending = HashMap::from([(self.jobs.clone(), requests)]);
            for _ in 0..8 {
                let out = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(pending))
                    .send()
                    .await
                    .map_err(ddb("appending job events"))?;
                pending = out.unprocessed_items().cloned().unwrap_or_default();
                if pending.values().all(Vec::is_empty) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            if !pending.values().all(Vec::is_empty) {
                return Err(StoreError::Backend(
                    "appending job events: DynamoDB left some unprocessed".into(),
                ));
            }
        }
        Ok(())
    }

    async fn job_events(&self, id: &str, after: u64) -> StoreResult<Vec<JobEventRow>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.jobs)
                .consistent_read(true)
                .key_condition_expression("job_id = :id AND #i BETWEEN :from AND :to")
                .expression_attribute_names("#i", "item")
                .expression_attribute_values(":id", AttributeValue::S(id.into()))
                .expression_attribute_values(":from", AttributeValue::S(event_item(after + 1)))
                .expression_attribute_values(":to", AttributeValue::S(event_item(999_999_999_999)))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(ddb("reading job events"))?;
            for item in page.items() {
                let seq = item_str(item, "item")?
                    .strip_prefix("event#")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| StoreError::Corrupt("job event item key".into()))?;
                let event = serde_json::from_str(item_str(item, "event")?)
                    .map_err(|e| StoreError::Corrupt(format!("job event: {e}")))?;
                out.push((seq, event));
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn purge_jobs(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        // DynamoDB's TTL deletes expired items on its own (within days); this removes them
        // at once where TTL is off (moto, DynamoDB Local).
        let ids = self.job_ids_expired(now).await?;
        for id in &ids {
            let mut keys = vec![RECORD_ITEM.to_owned()];
            keys.extend(
                self.job_events(id, 0)
                    .await?
                    .into_iter()
                    .map(|(s, _)| event_item(s)),
            );
            for key in keys {
                self.client
                    .delete_item()
                    .table_name(&self.jobs)
                    .key("job_id", AttributeValue::S(id.clone()))
                    .key("item", AttributeValue::S(key))
                    .send()
                    .await
                    .map_err(ddb("purging jobs"))?;
            }
        }
        Ok(ids.len())
    }
}
