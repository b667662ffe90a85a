//! Tagging, the same two steps for every service whose resources take tags by ARN.

use crate::error::AwsResult;
use crate::limiter::Quota;
use crate::provider::{svc, tag_changes, Ctx, Steps};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::HashMap;

/// An SDK client that tags and untags a resource by ARN.
#[async_trait]
pub(crate) trait Tagging: Sync {
    const QUOTA: Quota;
    async fn tag(&self, arn: &str, tags: HashMap<String, String>) -> AwsResult<()>;
    async fn untag(&self, arn: &str, keys: Vec<String>) -> AwsResult<()>;
}

#[async_trait]
impl Tagging for aws_sdk_lambda::Client {
    const QUOTA: Quota = Quota::LambdaControl;
    async fn tag(&self, arn: &str, tags: HashMap<String, String>) -> AwsResult<()> {
        let req = self.tag_resource().resource(arn).set_tags(Some(tags));
        req.send().await.map_err(svc("tagging"))?;
        Ok(())
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> AwsResult<()> {
        let req = self.untag_resource().resource(arn).set_tag_keys(Some(keys));
        req.send().await.map_err(svc("untagging"))?;
        Ok(())
    }
}

#[async_trait]
impl Tagging for aws_sdk_lexmodelsv2::Client {
    const QUOTA: Quota = Quota::Lex;
    async fn tag(&self, arn: &str, tags: HashMap<String, String>) -> AwsResult<()> {
        let req = self.tag_resource().resource_arn(arn).set_tags(Some(tags));
        req.send().await.map_err(svc("tagging the bot"))?;
        Ok(())
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> AwsResult<()> {
        let req = self
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys));
        req.send().await.map_err(svc("untagging the bot"))?;
        Ok(())
    }
}

/// The `tag` and `untag` steps that take the tags of `arn` from `have` to `want`. A resource
/// just `created` got its tags with the create call, so only removals can remain.
pub(crate) async fn retag<C: Tagging>(
    ctx: &Ctx,
    client: &C,
    run: &mut Steps<'_>,
    arn: &str,
    (want, have): (&Value, &Value),
    created: bool,
) -> AwsResult<()> {
    let (add, remove) = tag_changes(want, have);
    if !add.is_empty() && !created {
        run.step("tag", async {
            ctx.pace(C::QUOTA).await;
            client.tag(arn, add).await
        })
        .await?;
    }
    if !remove.is_empty() {
        run.step("untag", async {
            ctx.pace(C::QUOTA).await;
            client.untag(arn, remove).await
        })
        .await?;
    }
    Ok(())
}
