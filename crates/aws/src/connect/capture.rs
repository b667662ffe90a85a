//! Capture of an instance.
//!
//! Capture reads every sub-resource through the Search* APIs (full objects, 100 per call)
//! and falls back to per-item calls only where Search leaves something out: routing-profile
//! queues, queue quick connects and prompt audio. References between items are recorded by
//! name, so the same instance in another account compares equal; each item keeps its source
//! Id and Arn as the identity a promotion remaps from.

use crate::error::AwsResult;
use crate::provider::{pages, svc, Ctx};
use aws_sdk_connect::Client;
use serde_json::Value;
use snapdeploy_core::SnapshotEnvelope;
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, HashMap};

pub(crate) struct Instance {
    pub(super) id: String,
    pub(super) arn: String,
    pub(super) alias: String,
}

pub(super) async fn instances(client: &Client) -> AwsResult<Vec<Instance>> {
    pages(|next| async move {
        let page = client
            .list_instances()
            .set_next_token(next)
            .send()
            .await
            .map_err(svc("listing instances"))?;
        let found = page
            .instance_summary_list()
            .iter()
            .map(|i| Instance {
                id: i.id().unwrap_or_default().to_owned(),
                arn: i.arn().unwrap_or_default().to_owned(),
                alias: i.instance_alias().unwrap_or_default().to_owned(),
            })
            .collect();
        Ok((found, page.next_token().map(String::from)))
    })
    .await
}

/// Instance ARN -> alias of every Connect instance of the account and region.
pub(crate) async fn instance_aliases(ctx: &Ctx) -> AwsResult<BTreeMap<String, String>> {
    let client = ctx.connect().await?;
    Ok(instances(&client)
        .await?
        .into_iter()
        .map(|i| (i.arn, i.alias))
        .collect())
}

/// Id -> name of Search results, for recording references by name.
pub(super) fn names_by_id<T>(
    items: &[T],
    id_and_name: impl Fn(&T) -> (Option<&str>, Option<&str>),
) -> HashMap<String, String> {
    items
        .iter()
        .map(|i| {
            let (id, name) = id_and_name(i);
            (
                id.unwrap_or_default().to_owned(),
                name.unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The instance with this alias, if the account and region have one.
pub(super) async fn find_instance(client: &Client, alias: &str) -> AwsResult<Option<Instance>> {
    Ok(instances(client)
        .await?
        .into_iter()
        .find(|i| i.alias == alias))
}

/// How a read treats what is beyond the Search results: prompt audio and the names behind
/// Lex bot alias ARNs.
#[derive(Clone, Copy)]
pub(crate) enum Depth<'a> {
    /// Extract: neither.
    Summary,
    /// Plan: audio digests (downloaded, not stored) and Lex names.
    Compare,
    /// Snapshot: audio saved as blobs, and Lex names.
    Store(&'a dyn SnapshotStore),
}

/// `LastModifiedTime` as recorded in `observed`.
pub(super) fn stamp(t: &aws_smithy_types::DateTime) -> String {
    format!("{}.{:09}", t.secs(), t.subsec_nanos())
}

/// Per-item reads an earlier snapshot of the same instance made, to be reused for items
/// whose `LastModifiedTime` has not moved since:
/// - prompt audio: only UpdatePrompt changes it, and that moves the prompt's time;
/// - routing-profile queue configs: the Search result's `AssociatedQueueIds` must also be
///   the same set, so a queue added or removed is always seen; a priority or delay change
///   is seen through the profile's time, which AWS does not document as moving on
///   UpdateRoutingProfileQueues. So `reuse_max_age` bounds how long such a change could go
///   unseen in snapshots, and the read behind a change (its plan and the safety snapshot a
///   restore writes back) reads every profile's queues.
///
/// Queue quick connects are always read: nothing in the Search result would reveal an
/// association change if the queue's time did not move.
pub(crate) struct Reuse<'a> {
    pub(super) observed: &'a Value,
    pub(super) blobs: &'a [snapdeploy_core::BlobRef],
    pub(super) full_read_at: String,
    /// Only what is provably unchanged (prompt audio), for the read behind a change.
    pub(super) proven_only: bool,
}

impl<'a> Reuse<'a> {
    /// Reuse from `previous` when it is a snapshot of this very instance (same id) whose
    /// reads go back to a full read no older than `max_age`.
    pub(crate) fn from(
        previous: Option<&'a SnapshotEnvelope>,
        instance_id: &str,
        max_age: std::time::Duration,
        proven_only: bool,
    ) -> Option<Self> {
        let prev = previous?;
        if prev.source.id != instance_id || max_age.is_zero() {
            return None;
        }
        let full_read_at = prev.observed["FullReadAt"].as_str()?;
        let at = chrono::DateTime::parse_from_rfc3339(full_read_at).ok()?;
        let age = chrono::Utc::now().signed_duration_since(at).to_std().ok()?;
        (age < max_age).then(|| Self {
            observed: &prev.observed,
            blobs: &prev.blobs,
            full_read_at: full_read_at.to_owned(),
            proven_only,
        })
    }

    /// The earlier read of this item when its time is the one recorded with it.
    pub(super) fn item(&self, kind: &str, id: &str, modified: Option<&str>) -> Option<&'a Value> {
        if self.proven_only && kind != "Prompts" {
            return None;
        }
        let item = self.observed.get(kind)?.get(id)?;
        (modified.is_some() && item["Modified"].as_str() == modified).then_some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use snapdeploy_core::{
        AccountId, Region, ResourceName, ResourceRef, ServiceKind, SnapshotReason, SourceRef,
    };
    use std::time::Duration;

    fn previous(instance_id: &str, full_read: chrono::Duration) -> SnapshotEnvelope {
        let mut env = SnapshotEnvelope::new(
            ResourceRef {
                service: ServiceKind::Connect,
                resource_name: ResourceName::parse("acme-dev").unwrap(),
                account_id: AccountId::parse("111111111111").unwrap(),
                region: Region::parse("us-east-1").unwrap(),
            },
            "tester".into(),
            SnapshotReason::Manual,
            SourceRef {
                arn: format!("arn:aws:connect:us-east-1:111111111111:instance/{instance_id}"),
                id: instance_id.into(),
            },
            json!({}),
            vec![],
        );
        let at = chrono::Utc::now() - full_read;
        env.observed = json!({"FullReadAt": at.to_rfc3339(),
            "Prompts": {"p1": {"Modified": "10.000000000", "Audio": "ab"}},
            "RoutingProfiles": {"r1": {"Modified": "10.000000000", "Queues": []}}});
        env
    }

    #[test]
    fn reads_are_reused_only_from_the_same_instance_within_the_age_limit() {
        let day = Duration::from_secs(24 * 3600);
        let recent = previous("i-1", chrono::Duration::hours(1));
        let reuse = Reuse::from(Some(&recent), "i-1", day, false).expect("same instance, recent");
        assert!(reuse.item("Prompts", "p1", Some("10.000000000")).is_some());
        assert!(
            reuse.item("Prompts", "p1", Some("11.000000000")).is_none(),
            "the item changed since"
        );
        assert!(
            reuse.item("Prompts", "p1", None).is_none(),
            "no time, no reuse"
        );
        assert!(
            Reuse::from(Some(&recent), "i-2", day, false).is_none(),
            "another instance"
        );
        assert!(
            Reuse::from(Some(&recent), "i-1", Duration::ZERO, false).is_none(),
            "reuse off"
        );
        let old = previous("i-1", chrono::Duration::hours(25));
        assert!(
            Reuse::from(Some(&old), "i-1", day, false).is_none(),
            "full read too old"
        );
        let mut legacy = previous("i-1", chrono::Duration::hours(1));
        legacy.observed = Value::Null;
        assert!(
            Reuse::from(Some(&legacy), "i-1", day, false).is_none(),
            "nothing observed"
        );
        assert!(Reuse::from(None, "i-1", day, false).is_none());
    }
}
