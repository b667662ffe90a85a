//! Queued jobs across workers: `count` snapshot jobs asked of an API replica that runs none
//! itself, taken from one shared queue (standing in for SQS) by `workers` worker replicas,
//! each its own engine (its own AWS clients and pacing) over one SQLite registry. Measures
//! the wall time from the first request to the last job's end, and what keeping the job
//! records costs: registry reads and writes per job.

use crate::common::engine;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use snapdeploy_aws::HubConfig;
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_sandbox::{Sandbox, SandboxConfig, Seed};
use snapdeploy_server::{AppState, JobsConfig, ServerConfig};
use snapdeploy_store::{
    JobEventRow, JobQueue, JobRecord, JobState, JobStore, MemoryQueue, SqliteAccountStore,
    StoreResult, StoredJob,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Registry calls made for jobs, by kind.
#[derive(Default)]
struct Counts {
    reads: AtomicU64,
    writes: AtomicU64,
}

/// A job store that counts what it is asked.
struct Counting {
    inner: Arc<SqliteAccountStore>,
    counts: Arc<Counts>,
}

impl Counting {
    fn read(&self) {
        self.counts.reads.fetch_add(1, Ordering::Relaxed);
    }
    fn write(&self) {
        self.counts.writes.fetch_add(1, Ordering::Relaxed);
    }
}

#[async_trait]
impl JobStore for Counting {
    async fn create_job(&self, job: &JobRecord) -> StoreResult<()> {
        self.write();
        self.inner.create_job(job).await
    }
    async fn get_job(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<StoredJob>> {
        self.read();
        self.inner.get_job(id, now).await
    }
    async fn update_job(&self, job: &JobRecord, version: u64) -> StoreResult<u64> {
        self.write();
        self.inner.update_job(job, version).await
    }
    async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<JobRecord>> {
        self.read();
        self.inner.list_jobs(state, limit, now).await
    }
    async fn append_job_events(&self, id: &str, events: &[JobEventRow]) -> StoreResult<()> {
        self.write();
        self.inner.append_job_events(id, events).await
    }
    async fn job_events(&self, id: &str, after: u64) -> StoreResult<Vec<JobEventRow>> {
        self.read();
        self.inner.job_events(id, after).await
    }
    async fn purge_jobs(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        self.write();
        self.inner.purge_jobs(now).await
    }
}

pub struct JobsRun {
    pub jobs: usize,
    pub workers: usize,
    pub wall: f64,
    pub succeeded: usize,
    /// Jobs run more than once (must be 0).
    pub rerun: usize,
    pub reads_per_job: f64,
    pub writes_per_job: f64,
    pub throttled: u64,
}

impl JobsRun {
    pub fn describe(&self) -> String {
        format!(
            "{} jobs, {} worker(s): wall {:.1} s, {} succeeded, {} run twice, {:.1} registry reads + {:.1} writes per job, {} calls throttled",
            self.jobs, self.workers, self.wall, self.succeeded, self.rerun, self.reads_per_job, self.writes_per_job, self.throttled
        )
    }
}

/// How the AWS side behaves: at Lambda's quotas (paced by each worker), or unthrottled with
/// `latency_ms` on every GetFunction (a far-away region, a slow service).
#[derive(Debug, Clone, Copy)]
pub enum Aws {
    Quotas,
    Latency(u64),
}

pub async fn run(count: usize, workers: usize, aws: Aws) -> JobsRun {
    let sandbox = Sandbox::seeded(
        SandboxConfig {
            quotas_enabled: matches!(aws, Aws::Quotas),
            ..SandboxConfig::default()
        },
        Seed::Demo,
    );
    let addr = sandbox.clone().spawn("127.0.0.1:0").await.unwrap();
    let url = format!("http://{addr}");
    if let Aws::Latency(ms) = aws {
        let r = reqwest::Client::new()
            .post(format!("{url}/_sandbox/faults"))
            .json(&json!({"service": "lambda", "operation": "GetFunction", "latency_ms": ms, "latency_only": true, "times": u32::MAX}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    let dir = tempfile::tempdir().unwrap();
    let registry = Arc::new(SqliteAccountStore::open(&dir.path().join("registry.db")).unwrap());
    let counts = Arc::new(Counts::default());
    let queue: Arc<dyn JobQueue> = Arc::new(MemoryQueue::default());
    let hub = match aws {
        Aws::Quotas => HubConfig::default(),
        Aws::Latency(_) => HubConfig {
            lambda_rate: 10_000.0,
            ..HubConfig::default()
        },
    };
    // One replica's state: its own engine over the shared registry and queue.
    let replica = |worker: bool, first: bool| {
        let (registry, counts, queue, url, hub) = (
            registry.clone(),
            counts.clone(),
            queue.clone(),
            url.clone(),
            hub.clone(),
        );
        let dir = dir.path().to_owned();
        async move {
            let accounts: &[&snapdeploy_sandbox::SeedAccount] = if first { &[&DEV] } else { &[] };
            let e = engine(&url, &dir, accounts, hub).await;
            let e = Arc::try_unwrap(e)
                .ok()
                .expect("a fresh engine")
                .with_jobs(Arc::new(Counting {
                    inner: registry,
                    counts,
                }));
            AppState::new(
                Arc::new(e),
                ServerConfig {
                    jobs: JobsConfig {
                        worker,
                        concurrency: 4,
                        ..JobsConfig::default()
                    },
                    ..ServerConfig::default()
                },
            )
            .with_queue(queue)
        }
    };
    let api = replica(false, true).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(snapdeploy_server::serve(
        listener,
        api.clone(),
        std::future::pending(),
    ));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    for _ in 0..workers {
        let state = replica(true, false).await;
        let mut stopped = stopped.clone();
        tokio::spawn(snapdeploy_server::work(state, async move {
            let _ = stopped.changed().await;
        }));
    }

    let functions = [
        "cc-customer-lookup",
        "cc-callback-scheduler",
        "cc-survey-recorder",
    ];
    let http = reqwest::Client::new();
    let start = Instant::now();
    let before = (
        counts.reads.load(Ordering::Relaxed),
        counts.writes.load(Ordering::Relaxed),
    );
    let mut ids = Vec::new();
    for n in 0..count {
        let r: Value = http
            .post(format!("{base}/snapshot?background=true"))
            .json(&json!({"account_id": DEV.account_id, "region": "us-east-1", "service": "lambda", "resource_name": functions[n % functions.len()]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(r["job_id"].as_str().expect("a job").to_owned());
    }
    // Every job's end, read from the registry as any replica would (uncounted: this stands
    // for the client, not the jobs).
    let store = registry.clone();
    loop {
        let open = store
            .list_jobs(Some(JobState::Queued), 1, Utc::now())
            .await
            .unwrap()
            .len()
            + store
                .list_jobs(Some(JobState::Running), 1, Utc::now())
                .await
                .unwrap()
                .len();
        if open == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let wall = start.elapsed().as_secs_f64();
    let after = (
        counts.reads.load(Ordering::Relaxed),
        counts.writes.load(Ordering::Relaxed),
    );
    let _ = stop.send(true);
    let finished = store.list_jobs(None, 10_000, Utc::now()).await.unwrap();
    let succeeded = finished
        .iter()
        .filter(|j| j.state == JobState::Succeeded)
        .count();
    let rerun = finished.iter().filter(|j| j.attempts > 1).count();
    let (_, throttled) = crate::common::counted(&sandbox, "lambda:");
    JobsRun {
        jobs: count,
        workers,
        wall,
        succeeded,
        rerun,
        reads_per_job: (after.0 - before.0) as f64 / count as f64,
        writes_per_job: (after.1 - before.1) as f64 / count as f64,
        throttled,
    }
}
