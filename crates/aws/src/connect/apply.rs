//! The writes of a Connect deploy, one item (or one kind of association) each; `order.rs`
//! decides when each runs, `mod.rs` describes the whole.

use super::items::{body, Ident, Kind, STUB};
use super::plan::tags_of;
use super::prepare::Prepared;
use crate::change::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::provider::{string_list, tag_changes, Applied, Association};
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::types::{
    Channel, ContactFlowModuleState, ContactFlowState, ContactFlowStatus, ContactFlowType,
    HoursOfOperationConfig, HoursOfOperationDays, HoursOfOperationTimeSlice, LexV2Bot,
    MediaConcurrency, OutboundCallerConfig,
};
use aws_sdk_connect::Client;
use serde_json::{json, Value};
use snapdeploy_core::SnapshotEnvelope;
use snapdeploy_store::SnapshotStore;
use std::sync::Mutex;

pub(super) type Sdk<E> =
    aws_sdk_connect::error::SdkError<E, aws_sdk_connect::config::http::HttpResponse>;

pub(super) fn err<E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static>(
    what: String,
) -> impl FnOnce(Sdk<E>) -> AwsError {
    move |e| AwsError::service(&what, e)
}

pub(super) fn hours_config(v: &Value) -> AwsResult<Vec<HoursOfOperationConfig>> {
    let slice = |t: &Value| {
        HoursOfOperationTimeSlice::builder()
            .hours(t["Hours"].as_i64().unwrap_or(0) as i32)
            .minutes(t["Minutes"].as_i64().unwrap_or(0) as i32)
            .build()
    };
    v.as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            HoursOfOperationConfig::builder()
                .day(HoursOfOperationDays::from(c["Day"].as_str().unwrap_or("")))
                .start_time(slice(&c["StartTime"])?)
                .end_time(slice(&c["EndTime"])?)
                .build()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| AwsError::Invalid(format!("hours of operation config: {e}")))
}

pub(super) fn media(v: &Value) -> AwsResult<Vec<MediaConcurrency>> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            MediaConcurrency::builder()
                .channel(Channel::from(m["Channel"].as_str().unwrap_or("VOICE")))
                .concurrency(m["Concurrency"].as_i64().unwrap_or(1) as i32)
                .build()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| AwsError::Invalid(format!("routing profile concurrency: {e}")))
}

/// A module or flow as its create call left it, with `content` (its final content, or the
/// stub's).
fn as_created(content: Value, published: bool, want: &Value) -> Value {
    let status = if published { "PUBLISHED" } else { "SAVED" };
    json!({"Content": content, "Status": status, "State": "ACTIVE", "Description": want["Description"]})
}

/// The apply: `p` is prepared from the freshest capture of the target.
pub(crate) struct Run<'a> {
    pub client: Client,
    pub store: &'a dyn SnapshotStore,
    pub source: &'a SnapshotEnvelope,
    pub options: &'a DeployOptions,
    /// What the writes created and associated, recorded as each is made (writes run in
    /// parallel), handed to the caller's `Applied` when they are done or one failed.
    pub applied: Mutex<Applied>,
}

impl Run<'_> {
    pub(super) fn inst(&self, p: &Prepared) -> String {
        p.tgt_instance_id.clone()
    }

    pub(super) fn id_of(&self, p: &Prepared, kind: Kind, name: &str) -> AwsResult<String> {
        p.resolve(kind, name).map(|i| i.id).ok_or_else(|| {
            AwsError::Invalid(format!(
                "{} {name} is neither in the snapshot nor in the target instance",
                kind.label()
            ))
        })
    }

    /// The live item a selected source item updates, by its live name.
    pub(super) fn live_name(&self, p: &Prepared, kind: Kind, name: &str) -> Option<String> {
        p.matched.get(&(kind, name.to_owned())).cloned()
    }

    pub(super) fn created(
        &self,
        p: &Prepared,
        kind: Kind,
        name: &str,
        id: Option<&str>,
        arn: Option<&str>,
    ) {
        let i = Ident {
            id: id.unwrap_or_default().to_owned(),
            arn: arn.unwrap_or_default().to_owned(),
        };
        self.ledger().created_items.push((kind, i.id.clone()));
        p.insert_target(kind, name, i);
    }

    pub(super) fn ledger(&self) -> std::sync::MutexGuard<'_, Applied> {
        self.applied.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn hours(&self, p: &Prepared, name: &str) -> AwsResult<()> {
        let live = self.live_name(p, Kind::Hours, name);
        let (want, _, _) = p.desired(Kind::Hours, name);
        let config = hours_config(&want["Config"])?;
        match live {
            None => {
                let out = self
                    .client
                    .create_hours_of_operation()
                    .instance_id(self.inst(p))
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .time_zone(want["TimeZone"].as_str().unwrap_or("UTC"))
                    .set_config(Some(config))
                    .set_tags(tags_of(&want["Tags"]))
                    .send()
                    .await
                    .map_err(err(format!("creating hours of operation {name}")))?;
                self.created(
                    p,
                    Kind::Hours,
                    name,
                    out.hours_of_operation_id(),
                    out.hours_of_operation_arn(),
                );
            }
            Some(ln) => {
                let have = p.live_body(Kind::Hours, &ln);
                let fields = ["Description", "TimeZone", "Config"];
                if ln != name || fields.iter().any(|f| have[f] != want[f]) {
                    self.client
                        .update_hours_of_operation()
                        .instance_id(self.inst(p))
                        .hours_of_operation_id(self.id_of(p, Kind::Hours, name)?)
                        .name(name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .time_zone(want["TimeZone"].as_str().unwrap_or("UTC"))
                        .set_config(Some(config))
                        .send()
                        .await
                        .map_err(err(format!("updating hours of operation {name}")))?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn prompt(&self, p: &Prepared, name: &str) -> AwsResult<()> {
        let live = self.live_name(p, Kind::Prompt, name);
        let (want, _, _) = p.desired(Kind::Prompt, name);
        let audio = want["Audio"].as_str().ok_or_else(|| {
            AwsError::Invalid(format!("prompt {name} has no audio in the snapshot"))
        })?;
        match live {
            None => {
                let url = self.store.blob_url(&self.source.account_id, audio).await?;
                let out = self
                    .client
                    .create_prompt()
                    .instance_id(self.inst(p))
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .s3_uri(url)
                    .set_tags(tags_of(&want["Tags"]))
                    .send()
                    .await
                    .map_err(err(format!("creating prompt {name}")))?;
                self.created(p, Kind::Prompt, name, out.prompt_id(), out.prompt_arn());
            }
            Some(ln) => {
                let have = p.live_body(Kind::Prompt, &ln);
                let new_audio = have["Audio"] != want["Audio"];
                if ln != name || new_audio || have["Description"] != want["Description"] {
                    let url = match new_audio {
                        true => Some(self.store.blob_url(&self.source.account_id, audio).await?),
                        false => None,
                    };
                    self.client
                        .update_prompt()
                        .instance_id(self.inst(p))
                        .prompt_id(self.id_of(p, Kind::Prompt, name)?)
                        .name(name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .set_s3_uri(url)
                        .send()
                        .await
                        .map_err(err(format!("updating prompt {name}")))?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn associations(&self, p: &Prepared) -> AwsResult<()> {
        let live_lambdas = string_list(&p.live["LambdaFunctions"]);
        // What the target lacks is left out (the plan lists it; a deploy only gets here
        // with it accepted).
        for arn in p.associated_lambdas().filter(|a| !live_lambdas.contains(a)) {
            self.client
                .associate_lambda_function()
                .instance_id(self.inst(p))
                .function_arn(arn)
                .send()
                .await
                .map_err(err(format!("associating Lambda function {arn}")))?;
            self.ledger()
                .associated
                .push(Association::LambdaFunction(arn.clone()));
        }
        let live_lex = string_list(&p.live["LexBots"]);
        for arn in p.associated_lex().filter(|a| !live_lex.contains(a)) {
            self.client
                .associate_bot()
                .instance_id(self.inst(p))
                .lex_v2_bot(LexV2Bot::builder().alias_arn(arn).build())
                .send()
                .await
                .map_err(err(format!("associating Lex bot alias {arn}")))?;
            self.ledger()
                .associated
                .push(Association::LexBotAlias(arn.clone()));
        }
        Ok(())
    }

    /// A missing module or flow: with its final content (everything it refers to exists by
    /// now), published where the snapshot has it published; or, to break a cycle, as a
    /// stub (a flow SAVED, never published) whose content a `Content` task writes later.
    pub(super) async fn create(
        &self,
        p: &Prepared,
        kind: Kind,
        name: &str,
        stub: bool,
    ) -> AwsResult<()> {
        let want = match stub {
            true => body(&p.src[kind.key()][name]),
            false => p.desired(kind, name).0,
        };
        let content = match stub {
            true => STUB.to_owned(),
            false => serde_json::to_string(&want["Content"]).unwrap_or_default(),
        };
        let publish = !stub && (kind == Kind::Module || want["Status"] == "PUBLISHED");
        if kind == Kind::Module {
            let out = self
                .client
                .create_contact_flow_module()
                .instance_id(self.inst(p))
                .name(name)
                .description(want["Description"].as_str().unwrap_or(""))
                .content(content)
                .set_tags(tags_of(&want["Tags"]))
                .send()
                .await
                .map_err(err(format!("creating flow module {name}")))?;
            self.created(p, kind, name, out.id(), out.arn());
        } else {
            let out = self
                .client
                .create_contact_flow()
                .instance_id(self.inst(p))
                .name(name)
                .r#type(ContactFlowType::from(
                    want["Type"].as_str().unwrap_or("CONTACT_FLOW"),
                ))
                .description(want["Description"].as_str().unwrap_or(""))
                .content(content)
                .status(match publish {
                    true => ContactFlowStatus::Published,
                    false => ContactFlowStatus::Saved,
                })
                .set_tags(tags_of(&want["Tags"]))
                .send()
                .await
                .map_err(err(format!("creating flow {name}")))?;
            self.created(p, kind, name, out.contact_flow_id(), out.contact_flow_arn());
        }
        if stub {
            return Ok(());
        }
        // Only the state (an archived flow) is left to write.
        let have = as_created(want["Content"].clone(), publish, &want);
        self.write_content(p, kind, name, None, &want, &have).await
    }

    pub(super) fn outbound(
        &self,
        p: &Prepared,
        want: &Value,
    ) -> AwsResult<Option<OutboundCallerConfig>> {
        let o = &want["OutboundCallerConfig"];
        if o.is_null() {
            return Ok(None);
        }
        let flow = match o["OutboundFlow"].as_str() {
            Some(f) => Some(self.id_of(p, Kind::Flow, f)?),
            None => None,
        };
        Ok(Some(
            OutboundCallerConfig::builder()
                .set_outbound_caller_id_name(o["OutboundCallerIdName"].as_str().map(String::from))
                .set_outbound_caller_id_number_id(
                    o["OutboundCallerIdNumberId"].as_str().map(String::from),
                )
                .set_outbound_flow_id(flow)
                .build(),
        ))
    }

    /// The content and metadata of an existing module or flow, or of a stubbed one.
    /// Everything content can name exists by now, so content is published directly where
    /// the snapshot had it published, and only saved where it was saved.
    pub(super) async fn content(&self, p: &Prepared, kind: Kind, name: &str) -> AwsResult<()> {
        let (want, _, _) = p.desired(kind, name);
        let live = self.live_name(p, kind, name);
        let have = match &live {
            Some(ln) => p.live_body(kind, ln),
            None => as_created(serde_json::from_str(STUB).unwrap_or_default(), false, &want),
        };
        self.write_content(p, kind, name, live, &want, &have).await
    }

    /// Content and metadata from `have` to `want`.
    async fn write_content(
        &self,
        p: &Prepared,
        kind: Kind,
        name: &str,
        live: Option<String>,
        want: &Value,
        have: &Value,
    ) -> AwsResult<()> {
        let id = self.id_of(p, kind, name)?;
        let text = serde_json::to_string(&want["Content"]).unwrap_or_default();
        let publish = kind == Kind::Module || want["Status"] == "PUBLISHED";
        if have["Content"] != want["Content"]
            || (publish && have["Status"] != json!("PUBLISHED") && kind == Kind::Flow)
        {
            let target_id = if publish {
                id.clone()
            } else {
                format!("{id}:$SAVED")
            };
            let r = match kind {
                Kind::Module => self
                    .client
                    .update_contact_flow_module_content()
                    .instance_id(self.inst(p))
                    .contact_flow_module_id(target_id)
                    .content(text)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err(format!("writing the content of flow module {name}"))),
                _ => self
                    .client
                    .update_contact_flow_content()
                    .instance_id(self.inst(p))
                    .contact_flow_id(target_id)
                    .content(text)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err(format!(
                        "{} the content of flow {name}",
                        if publish { "publishing" } else { "saving" }
                    ))),
            };
            r?;
        }
        let renamed = live.as_ref().is_some_and(|ln| *ln != name);
        if renamed || have["Description"] != want["Description"] || have["State"] != want["State"] {
            match kind {
                Kind::Module => self
                    .client
                    .update_contact_flow_module_metadata()
                    .instance_id(self.inst(p))
                    .contact_flow_module_id(&id)
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .state(ContactFlowModuleState::from(
                        want["State"].as_str().unwrap_or("ACTIVE"),
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err(format!("updating flow module {name}")))?,
                _ => self
                    .client
                    .update_contact_flow_metadata()
                    .instance_id(self.inst(p))
                    .contact_flow_id(&id)
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .contact_flow_state(ContactFlowState::from(
                        want["State"].as_str().unwrap_or("ACTIVE"),
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(err(format!("updating flow {name}")))?,
            }
        }
        Ok(())
    }

    /// Tags of items that existed (created ones got theirs when created).
    pub(super) async fn tags(&self, p: &Prepared) -> AwsResult<()> {
        for (k, name) in &p.selected {
            let Some(ln) = p.matched.get(&(*k, name.clone())) else {
                continue;
            };
            let want = &p.src[k.key()][name]["Tags"];
            let have = &p.live[k.key()][ln]["Tags"];
            let (add, remove) = tag_changes(want, have);
            let arn = p.resolve(*k, name).map(|i| i.arn).unwrap_or_default();
            if !add.is_empty() {
                self.client
                    .tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(add))
                    .send()
                    .await
                    .map_err(err(format!("tagging {} {name}", k.label())))?;
            }
            if !remove.is_empty() {
                self.client
                    .untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .map_err(err(format!("untagging {} {name}", k.label())))?;
            }
        }
        Ok(())
    }
}
