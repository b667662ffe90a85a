//! Long work as jobs: an id, a status, progress events kept for replay and streamed live.

use serde::Serialize;
use serde_json::Value;
use snapdeploy_aws::Progress;
use snapdeploy_aws::ProgressEvent;
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

    pub fn finish(&self, result: Result<Value, Value>) {
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
        let _ = self.tx.send(JobEvent::Done(v.clone()));
    }
}

#[derive(Default, Clone)]
pub struct Jobs {
    jobs: Arc<Mutex<HashMap<String, Arc<Job>>>>,
}

impl Jobs {
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
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, job.clone());
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
