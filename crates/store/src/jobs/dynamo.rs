//! Job records in DynamoDB (`<accounts table>-jobs`): the record under sort key `job`, each
//! event under `event#<seq>`, with the TTL attribute `expires`.

use super::{
    decode_job, encode, job_conflict, newest_first, JobEventRow, JobRecord, JobState, JobStore,
    StoredJob,
};
use crate::api::{backend, StoreError, StoreResult};
use crate::dynamo::{ddb_failed, DynamoAccountStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

const RECORD_ITEM: &str = "job";

fn event_item(seq: u64) -> String {
    format!("event#{seq:012}")
}

fn event_expiry() -> String {
    (Utc::now() + chrono::Duration::days(30))
        .timestamp()
        .to_string()
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
            let page = scan
                .send()
                .await
                .map_err(|e| ddb_failed("listing jobs", e))?;
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
            Err(e) => Err(ddb_failed("storing a job", e)),
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
            .map_err(|e| ddb_failed("reading a job", e))?;
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
            Err(e) => Err(ddb_failed("updating a job", e)),
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
                    .map_err(|e| ddb_failed("appending job events", e))?;
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
                .map_err(|e| ddb_failed("reading job events", e))?;
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
        let ids: Vec<String> = self
            .scan_jobs(None, now, true)
            .await?
            .into_iter()
            .map(|j| j.id)
            .collect();
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
                    .map_err(|e| ddb_failed("purging jobs", e))?;
            }
        }
        Ok(ids.len())
    }
}
