//! What a function names in its own account besides layers: its execution role and its
//! dead-letter queue or topic. Remapped to the target account by name, each must exist
//! there, or the promotion lists it as unmapped.

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
    if let Some(dlq) = str_of(&desired["DeadLetterConfig"], "TargetArn") {
        if let Some(queue) = dlq.strip_prefix(&format!("arn:aws:sqs:{region}:{account}:")) {
            let found = ctx
                .sqs()
                .await?
                .get_queue_url()
                .queue_name(queue)
                .queue_owner_aws_account_id(account)
                .send()
                .await;
            match found {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_queue_does_not_exist()) =>
                {
                    out.push(missing(
                        "/DeadLetterConfig/TargetArn",
                        dlq,
                        "dead-letter queue",
                    ));
                }
                Err(e) => return Err(AwsError::service("checking the dead-letter queue", e)),
            }
        } else if dlq.starts_with(&format!("arn:aws:sns:{region}:{account}:")) {
            match ctx
                .sns()
                .await?
                .get_topic_attributes()
                .topic_arn(dlq)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if e.code() == Some("NotFound") => {
                    out.push(missing(
                        "/DeadLetterConfig/TargetArn",
                        dlq,
                        "dead-letter topic",
                    ));
                }
                Err(e) => return Err(AwsError::service("checking the dead-letter topic", e)),
            }
        }
    }
    Ok(out)
}
