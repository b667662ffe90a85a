//! Deleting items: what the snapshot does not have (`remove_extra`) and what a failed
//! change created.

use super::apply::{Run, Sdk};
use super::items::Kind;
use super::prepare::Prepared;
use crate::error::{AwsError, AwsResult};
use crate::provider::{Applied, Association, Ctx};
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::types::LexV2Bot;
use aws_sdk_connect::Client;

impl Run<'_> {
    pub(super) async fn remove_extra(&self, p: &Prepared) -> AwsResult<()> {
        let mut extra = p.extra.clone();
        extra.sort_by_key(|(k, _, _)| std::cmp::Reverse(delete_rank(*k)));
        for (k, name, i) in extra {
            delete(&self.client, &p.tgt_instance_id, k, &i.id)
                .await
                .map_err(|e| AwsError::Service(format!("deleting {} {name}: {e}", k.label())))?;
        }
        Ok(())
    }
}

/// Items are deleted in the reverse of the order they can be created in: what refers to
/// others first.
pub(super) fn delete_rank(k: Kind) -> u8 {
    match k {
        Kind::Hours => 0,
        Kind::Prompt => 1,
        Kind::Queue => 2,
        Kind::RoutingProfile => 3,
        Kind::QuickConnect => 4,
        Kind::Module => 5,
        Kind::Flow => 6,
    }
}

/// Deletes one item; one that is already gone counts as deleted.
pub(super) async fn delete(
    client: &Client,
    instance: &str,
    kind: Kind,
    id: &str,
) -> Result<(), String> {
    fn gone<E: ProvideErrorMetadata + std::error::Error + 'static>(
        r: Result<impl Sized, Sdk<E>>,
    ) -> Result<(), String> {
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.code() == Some("ResourceNotFoundException")) =>
            {
                Ok(())
            }
            Err(e) => Err(crate::error::describe(
                &e,
                aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
            )),
        }
    }
    match kind {
        Kind::Flow => gone(
            client
                .delete_contact_flow()
                .instance_id(instance)
                .contact_flow_id(id)
                .send()
                .await,
        ),
        Kind::Module => gone(
            client
                .delete_contact_flow_module()
                .instance_id(instance)
                .contact_flow_module_id(id)
                .send()
                .await,
        ),
        Kind::QuickConnect => gone(
            client
                .delete_quick_connect()
                .instance_id(instance)
                .quick_connect_id(id)
                .send()
                .await,
        ),
        Kind::RoutingProfile => gone(
            client
                .delete_routing_profile()
                .instance_id(instance)
                .routing_profile_id(id)
                .send()
                .await,
        ),
        Kind::Queue => gone(
            client
                .delete_queue()
                .instance_id(instance)
                .queue_id(id)
                .send()
                .await,
        ),
        Kind::Prompt => gone(
            client
                .delete_prompt()
                .instance_id(instance)
                .prompt_id(id)
                .send()
                .await,
        ),
        Kind::Hours => gone(
            client
                .delete_hours_of_operation()
                .instance_id(instance)
                .hours_of_operation_id(id)
                .send()
                .await,
        ),
    }
}

/// Undoes what a failed apply created and associated (after its updates were put back).
pub(crate) async fn undo_created(ctx: &Ctx, instance_id: &str, applied: &Applied) -> AwsResult<()> {
    let client = ctx.connect().await?;
    let mut created: Vec<&(Kind, String)> = applied.created_items.iter().collect();
    created.sort_by_key(|(k, _)| std::cmp::Reverse(delete_rank(*k)));
    for &(k, ref id) in created {
        delete(&client, instance_id, k, id).await.map_err(|e| {
            AwsError::Service(format!(
                "deleting the {} this deploy created: {e}",
                k.label()
            ))
        })?;
    }
    dissociate(&client, instance_id, &applied.associated).await?;
    Ok(())
}

/// Drops the instance's associations with these Lambda functions and Lex bot aliases.
pub(super) async fn dissociate(
    client: &Client,
    instance_id: &str,
    associations: &[Association],
) -> AwsResult<()> {
    for association in associations {
        let r = match association {
            Association::LambdaFunction(arn) => client
                .disassociate_lambda_function()
                .instance_id(instance_id)
                .function_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::service("dropping a Lambda association", e)),
            Association::LexBotAlias(arn) => client
                .disassociate_bot()
                .instance_id(instance_id)
                .lex_v2_bot(LexV2Bot::builder().alias_arn(arn).build())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::service("dropping a Lex association", e)),
        };
        r?;
    }
    Ok(())
}
