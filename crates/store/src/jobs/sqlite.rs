//! Job records in the embedded registry's SQLite file (tables `jobs` and `job_events`).

use super::{
    decode_job, encode, job_conflict, JobEventRow, JobRecord, JobState, JobStore, StoredJob,
};
use crate::api::{backend, StoreError, StoreResult};
use crate::sqlite::SqliteAccountStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

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
