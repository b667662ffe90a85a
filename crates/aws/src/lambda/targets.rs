//! What a function names in its own account besides layers: its execution role, its
//! dead-letter queue or topic, and its asynchronous-invocation destinations. Remapped to the
//! target account by name, each must exist there, or the promotion lists it as unmapped.

use crate::error::{AwsError, AwsResult};
use crate::provider::{str_of, Ctx};
use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::Value;
use snapdeploy_core::{ArnRemapper, Unmapped};

pub(super) async fn missing_targets(
    ctx: &Ctx,
    desired: &Value,
    remapper: &ArnRemapper,
) -> AwsResult<Vec<Unmapped>> {
    let (account, region) = (ctx.account.account_id.as_str(), ctx.region.as_str());
    let mut out = Vec::new();
    let missing = |path: &str, arn: &str, what: &str| {
        Unmapped::missing(
            path.to_owned(),
            remapper,
            arn,
            format!("no such {what} in account {account} region {region}; create it there first, or add a promotion rule naming the target's"),
        )
    };
    if let Some(role) = str_of(desired, "Role") {
        if let Some(name) = role
            .strip_prefix(&format!("arn:aws:iam::{account}:role/"))
            .map(|p| p.rsplit('/').next().unwrap_or(p))
        {
            match ctx.iam().await?.get_role().role_name(name).send().await {
                Ok(_) => {}
                Err(e) if e.code() == Some("NoSuchEntity") => {
                    out.push(missing("/Role", role, "execution role"));
                }
                Err(e) => return Err(AwsError::service("checking the execution role", e)),
            }
        }
    }
    let targets = [
        (
            "/DeadLetterConfig/TargetArn",
            &desired["DeadLetterConfig"]["TargetArn"],
        ),
        (
            "/EventInvokeConfig/DestinationConfig/OnSuccess/Destination",
            &desired["EventInvokeConfig"]["DestinationConfig"]["OnSuccess"]["Destination"],
        ),
        (
            "/EventInvokeConfig/DestinationConfig/OnFailure/Destination",
            &desired["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"],
        ),
    ];
    for (path, arn) in targets {
        if let Some(arn) = arn.as_str() {
            if let Some(what) = target_missing(ctx, arn).await? {
                out.push(missing(path, arn, what));
            }
        }
    }
    Ok(out)
}

/// Whether a queue, topic or function of the target account and region that `arn` names is
/// missing there (`Some(what it is)`). Other ARNs (another account's, an event bus) are not
/// checked.
async fn target_missing(ctx: &Ctx, arn: &str) -> AwsResult<Option<&'static str>> {
    let (account, region) = (ctx.account.account_id.as_str(), ctx.region.as_str());
    if let Some(queue) = arn.strip_prefix(&format!("arn:aws:sqs:{region}:{account}:")) {
        let found = ctx
            .sqs()
            .await?
            .get_queue_url()
            .queue_name(queue)
            .queue_owner_aws_account_id(account)
            .send()
            .await;
        return match found {
            Ok(_) => Ok(None),
            // The code is the JSON error's, or the Query-compatible one real SQS adds.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_queue_does_not_exist())
                    || matches!(
                        e.code(),
                        Some("QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue")
                    ) =>
            {
                Ok(Some("queue"))
            }
            Err(e) => Err(AwsError::service("checking a queue", e)),
        };
    }
    if arn.starts_with(&format!("arn:aws:sns:{region}:{account}:")) {
        return match ctx
            .sns()
            .await?
            .get_topic_attributes()
            .topic_arn(arn)
            .send()
            .await
        {
            Ok(_) => Ok(None),
            Err(e) if e.code() == Some("NotFound") => Ok(Some("topic")),
            Err(e) => Err(AwsError::service("checking a topic", e)),
        };
    }
    if arn.starts_with(&format!("arn:aws:lambda:{region}:{account}:function:")) {
        let one = std::collections::BTreeSet::from([arn.to_owned()]);
        let missing = crate::provider::missing_lambdas(ctx, &one).await?;
        return Ok((!missing.is_empty()).then_some("function"));
    }
    Ok(None)
}

/// Subnet and security group ids are per account and never name it, so no remapping can
/// find the target's: across accounts, each one no promotion rule rewrote or kept is
/// unmapped (left out, the whole VpcConfig goes: the target keeps its own or has none).
pub(super) fn vpc_ids(
    desired: &Value,
    ruled: &std::collections::BTreeSet<String>,
    target: &str,
) -> Vec<Unmapped> {
    let mut out = Vec::new();
    if ruled.iter().any(|p| p == "/VpcConfig") {
        return out;
    }
    for (list, what) in [
        ("SubnetIds", "subnet"),
        ("SecurityGroupIds", "security group"),
    ] {
        for (i, id) in desired["VpcConfig"][list]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let path = format!("/VpcConfig/{list}/{i}");
            if let (Some(id), false) = (id.as_str(), ruled.contains(&path)) {
                out.push(Unmapped {
                    path,
                    value: id.to_owned(),
                    reason: format!("{what} ids belong to one account: add a promotion rule naming account {target}'s (or keep_target lambda:/VpcConfig)"),
                    would_be: None,
                    also_at: vec![],
                });
            }
        }
    }
    out
}
