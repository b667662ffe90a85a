use crate::api::{backend, AccountStore, StoreError, StoreResult};
use crate::audit::AuditLog;
use crate::locks::{Lease, LockStore};
use crate::releases::{decode_release, newest_releases, ReleaseStore};
use crate::rules::{no_rules, RuleStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus,
};
use aws_sdk_dynamodb::Client;
use snapdeploy_core::{Account, AccountId, Release, RuleSet};
use std::collections::HashMap;
use std::time::Duration;

/// The account registry in DynamoDB: one item per account, keyed by `account_id`. The item
/// holds the account document as JSON plus the key, so the schema can grow without a
/// migration. Change leases live beside it in `<table>-locks`, keyed by `lock_key`, and the
/// audit trail in `<table>-audit`, keyed by account and time, and promotion rules in
/// `<table>-rules`, keyed by source and target account, and releases in `<table>-releases`, and tokens and change requests in `<table>-records`,
/// keyed by kind and id.
pub struct DynamoAccountStore {
    pub(crate) client: Client,
    table: String,
    locks: String,
    audit: String,
    rules: String,
    releases: String,
    pub(crate) records: String,
    pub(crate) jobs: String,
}

impl DynamoAccountStore {
    /// Connects to `table` and its `-locks`, `-audit`, `-rules` and `-releases` tables, creating them (on-demand
    /// billing) when they do not exist.
    pub async fn connect(client: Client, table: &str) -> StoreResult<Self> {
        let store = Self {
            client,
            table: table.into(),
            locks: format!("{table}-locks"),
            audit: format!("{table}-audit"),
            rules: format!("{table}-rules"),
            releases: format!("{table}-releases"),
            records: format!("{table}-records"),
            jobs: format!("{table}-jobs"),
        };
        ensure_table(&store.client, &store.table, "account_id", None).await?;
        ensure_table(&store.client, &store.locks, "lock_key", None).await?;
        ensure_table(&store.client, &store.audit, "account_id", Some("entry_key")).await?;
        let pair = Some("target_account_id");
        ensure_table(&store.client, &store.rules, "source_account_id", pair).await?;
        ensure_table(&store.client, &store.releases, "release_id", None).await?;
        let id = Some("record_id");
        ensure_table(&store.client, &store.records, "record_kind", id).await?;
        ensure_table(&store.client, &store.jobs, "job_id", Some("item")).await?;
        ensure_ttl(&store.client, &store.jobs, "expires").await?;
        Ok(store)
    }
}

/// A DynamoDB call that failed, with the SDK's whole error chain for the logs.
pub(crate) fn ddb_failed(what: &str, e: impl std::error::Error + 'static) -> StoreError {
    StoreError::Backend(format!("{what}: {}", DisplayErrorContext(e)))
}

/// Turns on DynamoDB's expiry by `attribute` (epoch seconds) unless it is on already.
async fn ensure_ttl(client: &Client, table: &str, attribute: &str) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::{TimeToLiveSpecification, TimeToLiveStatus};
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| {
            StoreError::Backend(format!(
                "describing the expiry of {table}: {}",
                DisplayErrorContext(&e)
            ))
        })?;
    let on = current
        .time_to_live_description()
        .and_then(|d| d.time_to_live_status())
        .is_some_and(|s| matches!(s, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
    if on {
        return Ok(());
    }
    let spec = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(attribute)
        .build()
        .map_err(backend("expiry settings"))?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| {
            StoreError::Backend(format!(
                "turning on the expiry of {table}: {}",
                DisplayErrorContext(&e)
            ))
        })?;
    Ok(())
}

async fn ensure_table(
    client: &Client,
    table: &str,
    key: &str,
    sort: Option<&str>,
) -> StoreResult<()> {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceNotFoundException") => {
            let mut attributes = vec![AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(backend("table definition"))?];
            let mut schema = vec![KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(backend("table definition"))?];
            if let Some(sort) = sort {
                attributes.push(
                    AttributeDefinition::builder()
                        .attribute_name(sort)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(backend("table definition"))?,
                );
                schema.push(
                    KeySchemaElement::builder()
                        .attribute_name(sort)
                        .key_type(KeyType::Range)
                        .build()
                        .map_err(backend("table definition"))?,
                );
            }
            let created = client
                .create_table()
                .table_name(table)
                .billing_mode(BillingMode::PayPerRequest)
                .set_attribute_definitions(Some(attributes))
                .set_key_schema(Some(schema))
                .send()
                .await;
            if let Err(e) = created {
                if e.code() != Some("ResourceInUseException") {
                    return Err(StoreError::Backend(format!(
                        "creating table {table}: {}",
                        DisplayErrorContext(&e)
                    )));
                }
            }
        }
        Err(e) => {
            return Err(StoreError::Backend(format!(
                "describing table {table}: {}",
                DisplayErrorContext(&e)
            )))
        }
    }
    // A new table is CREATING for a few seconds in AWS; wait until it takes writes.
    for _ in 0..120 {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(format!("describing table: {}", DisplayErrorContext(&e)))
            })?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::Backend(format!(
        "table {table} did not become ACTIVE"
    )))
}

fn decode(item: &HashMap<String, AttributeValue>) -> StoreResult<Account> {
    let doc = item
        .get("document")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::Corrupt("account item has no document".into()))?;
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("account record: {e}")))
}

#[async_trait]
impl AccountStore for DynamoAccountStore {
    async fn insert(&self, account: &Account) -> StoreResult<()> {
        let doc = serde_json::to_string(account).map_err(backend("encoding account"))?;
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(
                "account_id",
                AttributeValue::S(account.account_id.to_string()),
            )
            .item("document", AttributeValue::S(doc))
            .condition_expression("attribute_not_exists(account_id)")
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                Err(StoreError::Conflict(format!(
                    "account {} is already registered",
                    account.account_id
                )))
            }
            Err(e) => Err(StoreError::Backend(format!(
                "putting account: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }

    async fn get(&self, id: &AccountId) -> StoreResult<Option<Account>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("account_id", AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(format!("getting account: {}", DisplayErrorContext(&e)))
            })?;
        out.item().map(decode).transpose()
    }

    async fn list(&self) -> StoreResult<Vec<Account>> {
        let mut accounts = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    StoreError::Backend(format!("scanning accounts: {}", DisplayErrorContext(&e)))
                })?;
            for item in out.items() {
                accounts.push(decode(item)?);
            }
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        Ok(accounts)
    }

    async fn remove(&self, id: &AccountId) -> StoreResult<()> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("account_id", AttributeValue::S(id.to_string()))
            .condition_expression("attribute_exists(account_id)")
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Err(
                StoreError::NotFound(format!("account {id} is not registered")),
            ),
            Err(e) => Err(StoreError::Backend(format!(
                "deleting account: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }
}

fn lease_of(key: &str, item: &HashMap<String, AttributeValue>) -> Lease {
    let s = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let at = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .and_then(chrono::DateTime::from_timestamp_millis)
            .unwrap_or_default()
    };
    Lease {
        key: key.into(),
        token: s("token"),
        holder: s("holder"),
        acquired_at: at("acquired_ms"),
        expires_at: at("expires_ms"),
    }
}

#[async_trait]
impl LockStore for DynamoAccountStore {
    async fn acquire(
        &self,
        key: &str,
        holder: &str,
        ttl: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Lease> {
        let lease = Lease::new(key, holder, ttl, now)?;
        let n =
            |t: chrono::DateTime<chrono::Utc>| AttributeValue::N(t.timestamp_millis().to_string());
        let res = self
            .client
            .put_item()
            .table_name(&self.locks)
            .item("lock_key", AttributeValue::S(key.into()))
            .item("token", AttributeValue::S(lease.token.clone()))
            .item("holder", AttributeValue::S(holder.into()))
            .item("acquired_ms", n(lease.acquired_at))
            .item("expires_ms", n(lease.expires_at))
            // A new lock, or a lapsed lease taken over.
            .condition_expression("attribute_not_exists(lock_key) OR expires_ms <= :now")
            .expression_attribute_values(":now", n(lease.acquired_at))
            .send()
            .await;
        match res {
            Ok(_) => Ok(lease),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                Err(self.holder(key).await?.unwrap_or(lease).busy())
            }
            Err(e) => Err(StoreError::Backend(format!(
                "taking a lease: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }

    async fn renew(
        &self,
        lease: &Lease,
        ttl: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Lease> {
        let renewed = lease.extended(ttl, now)?;
        let res = self
            .client
            .update_item()
            .table_name(&self.locks)
            .key("lock_key", AttributeValue::S(lease.key.clone()))
            .update_expression("SET expires_ms = :until")
            .condition_expression("#t = :token")
            .expression_attribute_names("#t", "token")
            .expression_attribute_values(":token", AttributeValue::S(lease.token.clone()))
            .expression_attribute_values(
                ":until",
                AttributeValue::N(renewed.expires_at.timestamp_millis().to_string()),
            )
            .send()
            .await;
        match res {
            Ok(_) => Ok(renewed),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Err(lease.lost()),
            Err(e) => Err(StoreError::Backend(format!(
                "renewing a lease: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }

    async fn release(&self, lease: &Lease) -> StoreResult<()> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.locks)
            .key("lock_key", AttributeValue::S(lease.key.clone()))
            .condition_expression("#t = :token")
            .expression_attribute_names("#t", "token")
            .expression_attribute_values(":token", AttributeValue::S(lease.token.clone()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            // Lapsed and taken by another since: theirs now.
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(()),
            Err(e) => Err(StoreError::Backend(format!(
                "ending a lease: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }

    async fn holder(&self, key: &str) -> StoreResult<Option<Lease>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.locks)
            .key("lock_key", AttributeValue::S(key.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(format!("reading a lease: {}", DisplayErrorContext(&e)))
            })?;
        Ok(out.item().map(|i| lease_of(key, i)))
    }
}

fn decode_entry(
    item: &HashMap<String, AttributeValue>,
) -> StoreResult<snapdeploy_core::AuditEntry> {
    let doc = item
        .get("document")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::Corrupt("audit item has no document".into()))?;
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("audit entry: {e}")))
}

#[async_trait]
impl AuditLog for DynamoAccountStore {
    async fn append(&self, entry: &snapdeploy_core::AuditEntry) -> StoreResult<()> {
        let doc = serde_json::to_string(entry).map_err(backend("encoding an audit entry"))?;
        // Sorts by time within the account; a unique suffix keeps two entries of the same
        // millisecond apart.
        let entry_key = format!(
            "{}#{}",
            entry
                .at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            crate::locks::token()
        );
        self.client
            .put_item()
            .table_name(&self.audit)
            .item(
                "account_id",
                AttributeValue::S(entry.account_id.to_string()),
            )
            .item("entry_key", AttributeValue::S(entry_key))
            .item("document", AttributeValue::S(doc))
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(format!(
                    "appending to the audit trail: {}",
                    DisplayErrorContext(&e)
                ))
            })?;
        Ok(())
    }

    async fn recent(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<snapdeploy_core::AuditEntry>> {
        let fail = |e: &dyn std::fmt::Display| {
            StoreError::Backend(format!("reading the audit trail: {e}"))
        };
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let (items, last) = match account {
                // One account: its partition, newest first, stopping at `limit`.
                Some(a) => {
                    let page = self
                        .client
                        .query()
                        .table_name(&self.audit)
                        .key_condition_expression("account_id = :a")
                        .expression_attribute_values(":a", AttributeValue::S(a.to_string()))
                        .scan_index_forward(false)
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .map_err(|e| fail(&DisplayErrorContext(&e)))?;
                    (page.items().to_vec(), page.last_evaluated_key().cloned())
                }
                // Every account: the whole table, ordered here.
                None => {
                    let page = self
                        .client
                        .scan()
                        .table_name(&self.audit)
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .map_err(|e| fail(&DisplayErrorContext(&e)))?;
                    (page.items().to_vec(), page.last_evaluated_key().cloned())
                }
            };
            for item in &items {
                out.push(decode_entry(item)?);
            }
            if account.is_some() && out.len() >= limit {
                break;
            }
            match last {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.at));
        out.truncate(limit);
        Ok(out)
    }
}

fn decode_rules(item: &HashMap<String, AttributeValue>) -> StoreResult<RuleSet> {
    let doc = item
        .get("document")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::Corrupt("promotion rules item has no document".into()))?;
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("promotion rules: {e}")))
}

fn dynamo_failed<E: std::error::Error + 'static>(what: &str, e: E) -> StoreError {
    StoreError::Backend(format!("{what}: {}", DisplayErrorContext(&e)))
}

#[async_trait]
impl RuleStore for DynamoAccountStore {
    async fn get_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
    ) -> StoreResult<Option<RuleSet>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.rules)
            .key("source_account_id", AttributeValue::S(source.to_string()))
            .key("target_account_id", AttributeValue::S(target.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_failed("getting promotion rules", e))?;
        out.item().map(decode_rules).transpose()
    }

    async fn put_rules(&self, rules: &RuleSet) -> StoreResult<()> {
        let doc = serde_json::to_string(rules).map_err(backend("encoding promotion rules"))?;
        self.client
            .put_item()
            .table_name(&self.rules)
            .item(
                "source_account_id",
                AttributeValue::S(rules.source_account_id.to_string()),
            )
            .item(
                "target_account_id",
                AttributeValue::S(rules.target_account_id.to_string()),
            )
            .item("document", AttributeValue::S(doc))
            .send()
            .await
            .map_err(|e| dynamo_failed("putting promotion rules", e))?;
        Ok(())
    }

    async fn delete_rules(&self, source: &AccountId, target: &AccountId) -> StoreResult<()> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.rules)
            .key("source_account_id", AttributeValue::S(source.to_string()))
            .key("target_account_id", AttributeValue::S(target.to_string()))
            .condition_expression("attribute_exists(source_account_id)")
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                Err(no_rules(source, target))
            }
            Err(e) => Err(dynamo_failed("deleting promotion rules", e)),
        }
    }

    async fn list_rules(&self) -> StoreResult<Vec<RuleSet>> {
        let mut sets = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.rules)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| dynamo_failed("scanning promotion rules", e))?;
            for item in out.items() {
                sets.push(decode_rules(item)?);
            }
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        sets.sort_by(|a, b| {
            (&a.source_account_id, &a.target_account_id)
                .cmp(&(&b.source_account_id, &b.target_account_id))
        });
        Ok(sets)
    }
}

#[async_trait]
impl ReleaseStore for DynamoAccountStore {
    async fn put_release(&self, release: &Release) -> StoreResult<()> {
        let doc = serde_json::to_string(release).map_err(backend("encoding a release"))?;
        self.client
            .put_item()
            .table_name(&self.releases)
            .item("release_id", AttributeValue::S(release.release_id.clone()))
            .item("document", AttributeValue::S(doc))
            .send()
            .await
            .map_err(|e| dynamo_failed("putting a release", e))?;
        Ok(())
    }

    async fn get_release(&self, id: &str) -> StoreResult<Option<Release>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.releases)
            .key("release_id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_failed("getting a release", e))?;
        out.item()
            .and_then(|i| i.get("document"))
            .and_then(|d| d.as_s().ok())
            .map(|d| decode_release(d))
            .transpose()
    }

    async fn list_releases(&self, limit: usize) -> StoreResult<Vec<Release>> {
        let mut all = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.releases)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| dynamo_failed("scanning releases", e))?;
            for item in out.items() {
                if let Some(doc) = item.get("document").and_then(|d| d.as_s().ok()) {
                    all.push(decode_release(doc)?);
                }
            }
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(newest_releases(all, limit))
    }
}
