//! Long work as jobs: an id, a status, progress events kept for replay and streamed live.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use snapdeploy_aws::Progress;
use snapdeploy_aws::ProgressEvent;
use snapdeploy_core::Clock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub status: JobStatus,
    pub events: Vec<ProgressEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
}

/// What subscribers receive: progress, then one final event.
#[derive(Debug, Clone)]
pub enum JobEvent {
    Progress(ProgressEvent),
    Done(JobView),
}

pub struct Job {
    view: Mutex<JobView>,
    tx: broadcast::Sender<JobEvent>,
    /// When the job ended: finished jobs are evicted by age and count.
    finished_at: Mutex<Option<DateTime<Utc>>>,
}

impl Job {
    pub fn view(&self) -> JobView {
        self.view.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The events so far and a receiver for the rest, taken under one lock so none is lost.
    pub fn subscribe(&self) -> (JobView, broadcast::Receiver<JobEvent>) {
        let view = self.view.lock().unwrap_or_else(|p| p.into_inner());
        (view.clone(), self.tx.subscribe())
    }

    pub fn progress(self: &Arc<Self>) -> Progress {
        let job = self.clone();
        Progress::new(move |e| {
            let mut v = job.view.lock().unwrap_or_else(|p| p.into_inner());
            v.events.push(e.clone());
            let _ = job.tx.send(JobEvent::Progress(e));
        })
    }

    fn finish_at(&self, result: Result<Value, Value>, at: DateTime<Utc>) {
        let mut v = self.view.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(r) => {
                v.status = JobStatus::Succeeded;
                v.result = Some(r);
            }
            Err(e) => {
                v.status = JobStatus::Failed;
                v.error = Some(e);
            }
        }
        *self.finished_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(at);
        let _ = self.tx.send(JobEvent::Done(v.clone()));
    }

    fn finished_at(&self) -> Option<DateTime<Utc>> {
        *self.finished_at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Finished jobs are kept in memory for their callers to read, then evicted.
#[derive(Debug, Clone, Copy)]
pub struct JobsConfig {
    /// How long a finished job stays readable.
    pub ttl: std::time::Duration,
    /// How many finished jobs are kept at most; the oldest go first.
    pub max_finished: usize,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            ttl: std::time::Duration::from_secs(3600),
            max_finished: 500,
        }
    }
}

/// The server's jobs. A running job is kept until it ends; a finished one until it is older
/// than the TTL or more than `max_finished` newer ones have finished, whichever comes first
/// (each job's events can be hundreds of kilobytes, so keeping them all would grow without
/// bound). Eviction happens as jobs start and end, so an idle server does no work for it.
#[derive(Clone)]
pub struct Jobs {
    jobs: Arc<Mutex<HashMap<String, Arc<Job>>>>,
    config: JobsConfig,
    /// What ages are judged by (tests move a manual one on).
    clock: Clock,
}

impl Default for Jobs {
    fn default() -> Self {
        Self::new(JobsConfig::default(), Clock::system())
    }
}

impl Jobs {
    pub fn new(config: JobsConfig, clock: Clock) -> Self {
        Self {
            jobs: Default::default(),
            config,
            clock,
        }
    }

    /// Ends `job` with `result`, stamped by this registry's clock.
    pub fn finish(&self, job: &Job, result: Result<Value, Value>) {
        job.finish_at(result, self.clock.now());
        self.sweep();
    }

    /// What a caller is told about a job id the server does not know.
    pub fn not_found_message(&self, id: &str) -> String {
        format!(
            "job {id} not found: finished jobs are kept for {} minutes, the latest {} of them",
            self.config.ttl.as_secs() / 60,
            self.config.max_finished
        )
    }

    /// How many jobs are held (running and finished).
    pub fn len(&self) -> usize {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Evicts what has outlived its keep; called as jobs end and start.
    pub fn sweep(&self) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        self.evict(&mut jobs);
    }

    fn evict(&self, jobs: &mut HashMap<String, Arc<Job>>) {
        let now = self.clock.now();
        let ttl = chrono::Duration::from_std(self.config.ttl).unwrap_or(chrono::Duration::MAX);
        let mut finished: Vec<(DateTime<Utc>, String)> = jobs
            .iter()
            .filter_map(|(id, j)| j.finished_at().map(|t| (t, id.clone())))
            .collect();
        // Newest first: the first `max_finished` young enough stay.
        finished.sort_by_key(|f| std::cmp::Reverse(f.0));
        for (n, (at, id)) in finished.into_iter().enumerate() {
            if n >= self.config.max_finished || now - at > ttl {
                jobs.remove(&id);
            }
        }
    }

    pub fn create(&self, kind: &str) -> Arc<Job> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, _) = broadcast::channel(1024);
        let job = Arc::new(Job {
            view: Mutex::new(JobView {
                id: id.clone(),
                kind: kind.into(),
                status: JobStatus::Running,
                events: vec![],
                result: None,
                error: None,
            }),
            tx,
            finished_at: Mutex::new(None),
        });
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        self.evict(&mut jobs);
        jobs.insert(id, job.clone());
        job
    }

    /// How many jobs are still running.
    pub fn running(&self) -> usize {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|j| j.view().status == JobStatus::Running)
            .count()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }
}
