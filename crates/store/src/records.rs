//! Small JSON records kept with the account registry, by kind and id, each with a version
//! for compare-and-set: API tokens and change requests. A write that names the version it
//! read fails with `Conflict` when someone wrote in between, so two approvers (or two
//! replicas) can never both move a change request on.

use crate::api::{backend, StoreError, StoreResult};
use crate::dynamo::{ddb_failed, DynamoAccountStore};
use crate::sqlite::SqliteAccountStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// A record and the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub version: u64,
    pub doc: Value,
}

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Writes a record and returns its new version. `expected`: `None` writes whatever is
    /// there; `Some(0)` only when there is no such record; `Some(v)` only when the stored
    /// version is still `v`. Otherwise `Conflict`.
    async fn put_record(
        &self,
        kind: &str,
        id: &str,
        doc: &Value,
        expected: Option<u64>,
    ) -> StoreResult<u64>;
    async fn get_record(&self, kind: &str, id: &str) -> StoreResult<Option<Versioned>>;
    /// Every record of a kind, ordered by id.
    async fn list_records(&self, kind: &str) -> StoreResult<Vec<Versioned>>;
    /// Removes a record; `NotFound` when there is none.
    async fn delete_record(&self, kind: &str, id: &str) -> StoreResult<()>;
}

fn conflict(kind: &str, id: &str) -> StoreError {
    StoreError::Conflict(format!("{kind} {id} was changed meanwhile; read it again"))
}

fn missing(kind: &str, id: &str) -> StoreError {
    StoreError::NotFound(format!("there is no {kind} {id}"))
}

fn decode(kind: &str, version: u64, doc: &str) -> StoreResult<Versioned> {
    let doc = serde_json::from_str(doc)
        .map_err(|e| StoreError::Corrupt(format!("{kind} record: {e}")))?;
    Ok(Versioned { version, doc })
}

/// Records in this process only: for tests and tools that keep nothing.
#[derive(Default)]
pub struct MemoryRecords {
    all: Mutex<BTreeMap<(String, String), Versioned>>,
}

#[async_trait]
impl RecordStore for MemoryRecords {
    async fn put_record(
        &self,
        kind: &str,
        id: &str,
        doc: &Value,
        expected: Option<u64>,
    ) -> StoreResult<u64> {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        let key = (kind.to_owned(), id.to_owned());
        let current = all.get(&key).map_or(0, |r| r.version);
        if expected.is_some_and(|v| v != current) {
            return Err(conflict(kind, id));
        }
        let version = current + 1;
        all.insert(
            key,
            Versioned {
                version,
                doc: doc.clone(),
            },
        );
        Ok(version)
    }

    async fn get_record(&self, kind: &str, id: &str) -> StoreResult<Option<Versioned>> {
        let all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        Ok(all.get(&(kind.to_owned(), id.to_owned())).cloned())
    }

    async fn list_records(&self, kind: &str) -> StoreResult<Vec<Versioned>> {
        let all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        Ok(all
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn delete_record(&self, kind: &str, id: &str) -> StoreResult<()> {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        all.remove(&(kind.to_owned(), id.to_owned()))
            .map(|_| ())
            .ok_or_else(|| missing(kind, id))
    }
}

#[async_trait]
impl RecordStore for SqliteAccountStore {
    async fn put_record(
        &self,
        kind: &str,
        id: &str,
        doc: &Value,
        expected: Option<u64>,
    ) -> StoreResult<u64> {
        let text = doc.to_string();
        self.with(|c| {
            // One transaction: the version read and the write it allows are one step for
            // every process sharing the file.
            let tx = c
                .unchecked_transaction()
                .map_err(backend("writing a record"))?;
            let current: u64 = tx
                .query_row(
                    "SELECT version FROM records WHERE kind = ?1 AND id = ?2",
                    params![kind, id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend("reading a record"))?
                .unwrap_or(0);
            if expected.is_some_and(|v| v != current) {
                return Err(conflict(kind, id));
            }
            tx.execute(
                "INSERT INTO records (kind, id, version, document) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, document = excluded.document",
                params![kind, id, current + 1, text],
            )
            .map_err(backend("writing a record"))?;
            tx.commit().map_err(backend("writing a record"))?;
            Ok(current + 1)
        })
    }

    async fn get_record(&self, kind: &str, id: &str) -> StoreResult<Option<Versioned>> {
        let row: Option<(u64, String)> = self.with(|c| {
            c.query_row(
                "SELECT version, document FROM records WHERE kind = ?1 AND id = ?2",
                params![kind, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend("reading a record"))
        })?;
        row.map(|(v, d)| decode(kind, v, &d)).transpose()
    }

    async fn list_records(&self, kind: &str) -> StoreResult<Vec<Versioned>> {
        let rows: Vec<(u64, String)> = self.with(|c| {
            let mut st = c
                .prepare("SELECT version, document FROM records WHERE kind = ?1 ORDER BY id")
                .map_err(backend("listing records"))?;
            let rows = st
                .query_map(params![kind], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(backend("listing records"))?;
            rows.collect::<Result<_, _>>()
                .map_err(backend("listing records"))
        })?;
        rows.iter().map(|(v, d)| decode(kind, *v, d)).collect()
    }

    async fn delete_record(&self, kind: &str, id: &str) -> StoreResult<()> {
        let n = self.with(|c| {
            c.execute(
                "DELETE FROM records WHERE kind = ?1 AND id = ?2",
                params![kind, id],
            )
            .map_err(backend("removing a record"))
        })?;
        if n == 0 {
            return Err(missing(kind, id));
        }
        Ok(())
    }
}

fn dynamo_item(item: &HashMap<String, AttributeValue>, kind: &str) -> StoreResult<Versioned> {
    let version = item
        .get("record_version")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("{kind} record has no version")))?;
    let doc = item
        .get("record_document")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("{kind} record has no document")))?;
    decode(kind, version, doc)
}

#[async_trait]
impl RecordStore for DynamoAccountStore {
    async fn put_record(
        &self,
        kind: &str,
        id: &str,
        doc: &Value,
        expected: Option<u64>,
    ) -> StoreResult<u64> {
        let current = match expected {
            Some(v) => v,
            None => self.get_record(kind, id).await?.map_or(0, |r| r.version),
        };
        let mut put = self
            .client
            .put_item()
            .table_name(&self.records)
            .item("record_kind", AttributeValue::S(kind.into()))
            .item("record_id", AttributeValue::S(id.into()))
            .item(
                "record_version",
                AttributeValue::N((current + 1).to_string()),
            )
            .item("record_document", AttributeValue::S(doc.to_string()));
        if expected.is_some() {
            put = if current == 0 {
                put.condition_expression("attribute_not_exists(record_id)")
            } else {
                put.condition_expression("record_version = :v")
                    .expression_attribute_values(":v", AttributeValue::N(current.to_string()))
            };
        }
        match put.send().await {
            Ok(_) => Ok(current + 1),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                Err(conflict(kind, id))
            }
            Err(e) => Err(ddb_failed("writing a record", e)),
        }
    }

    async fn get_record(&self, kind: &str, id: &str) -> StoreResult<Option<Versioned>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.records)
            .key("record_kind", AttributeValue::S(kind.into()))
            .key("record_id", AttributeValue::S(id.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ddb_failed("reading a record", e))?;
        out.item().map(|i| dynamo_item(i, kind)).transpose()
    }

    async fn list_records(&self, kind: &str) -> StoreResult<Vec<Versioned>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.records)
                .key_condition_expression("record_kind = :k")
                .expression_attribute_values(":k", AttributeValue::S(kind.into()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| ddb_failed("listing records", e))?;
            for item in page.items() {
                out.push(dynamo_item(item, kind)?);
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }

    async fn delete_record(&self, kind: &str, id: &str) -> StoreResult<()> {
        match self
            .client
            .delete_item()
            .table_name(&self.records)
            .key("record_kind", AttributeValue::S(kind.into()))
            .key("record_id", AttributeValue::S(id.into()))
            .condition_expression("attribute_exists(record_id)")
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Err(missing(kind, id)),
            Err(e) => Err(ddb_failed("removing a record", e)),
        }
    }
}
