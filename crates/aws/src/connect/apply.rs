//! Amazon Connect: deploy, rollback and restore of an instance's contents.
//!
//! The target instance must exist: SnapDeploy copies what is inside an instance, not the
//! instance itself (creating one involves identity, telephony and storage choices that a
//! snapshot does not carry). Items are matched by name — by id first when the snapshot is
//! of the target instance itself, so a rename is undone rather than duplicated — missing
//! ones are created, changed ones updated, unchanged ones left alone.
//!
//! Order: hours, prompts, Lambda and Lex associations, then every missing module and flow
//! as a stub (flows SAVED, never published), so that queues, quick connects and all content
//! can name them whatever the cycles between flows; then queues, routing profiles (queue
//! configs 10 per call), quick connects, queue quick connects (50 per call), module content,
//! flow content (published once everything it references exists: that is, now), metadata
//! and tags. Every ARN and id inside content is remapped to the target: queues, prompts,
//! hours, flows and modules through the items matched or created, Lambda functions by
//! name in the target account and region (checked to exist), Lex V2 bot aliases by bot
//! and alias name (recorded in the snapshot, looked up in the target).

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
use std::sync::OnceLock;

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

/// The apply: `p` is prepared from the freshest capture of the target.
pub(crate) struct Run<'a> {
    pub client: Client,
    pub store: &'a dyn SnapshotStore,
    pub source: &'a SnapshotEnvelope,
    pub options: &'a DeployOptions,
}

impl Run<'_> {
    pub(super) fn inst(&self, p: &Prepared) -> String {
        p.tgt_instance_id.clone()
    }

    pub(super) fn id_of(&self, p: &Prepared, kind: Kind, name: &str) -> AwsResult<String> {
        p.resolve(kind, name).map(|i| i.id.clone()).ok_or_else(|| {
            AwsError::Invalid(format!(
                "{} {name} is neither in the snapshot nor in the target instance",
                kind.label()
            ))
        })
    }

    pub(super) fn todo(&self, p: &Prepared, kind: Kind) -> Vec<(String, Option<String>)> {
        p.selected
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| (n.clone(), p.matched.get(&(kind, n.clone())).cloned()))
            .collect()
    }

    pub(super) fn created(
        &self,
        p: &mut Prepared,
        applied: &mut Applied,
        kind: Kind,
        name: &str,
        id: Option<&str>,
        arn: Option<&str>,
    ) {
        let i = Ident {
            id: id.unwrap_or_default().to_owned(),
            arn: arn.unwrap_or_default().to_owned(),
        };
        applied.created_items.push((kind, i.id.clone()));
        p.target.insert((kind, name.to_owned()), i);
        p.derived = OnceLock::new();
    }

    pub(super) async fn hours(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Hours) {
            let (want, _, _) = p.desired(Kind::Hours, &name);
            let config = hours_config(&want["Config"])?;
            match live {
                None => {
                    let out = self
                        .client
                        .create_hours_of_operation()
                        .instance_id(self.inst(p))
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .time_zone(want["TimeZone"].as_str().unwrap_or("UTC"))
                        .set_config(Some(config))
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating hours of operation {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::Hours,
                        &name,
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
                            .hours_of_operation_id(self.id_of(p, Kind::Hours, &name)?)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .time_zone(want["TimeZone"].as_str().unwrap_or("UTC"))
                            .set_config(Some(config))
                            .send()
                            .await
                            .map_err(err(format!("updating hours of operation {name}")))?;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) async fn prompts(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Prompt) {
            let (want, _, _) = p.desired(Kind::Prompt, &name);
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
                        .name(&name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .s3_uri(url)
                        .set_tags(tags_of(&want["Tags"]))
                        .send()
                        .await
                        .map_err(err(format!("creating prompt {name}")))?;
                    self.created(
                        p,
                        applied,
                        Kind::Prompt,
                        &name,
                        out.prompt_id(),
                        out.prompt_arn(),
                    );
                }
                Some(ln) => {
                    let have = p.live_body(Kind::Prompt, &ln);
                    let new_audio = have["Audio"] != want["Audio"];
                    if ln != name || new_audio || have["Description"] != want["Description"] {
                        let url = match new_audio {
                            true => {
                                Some(self.store.blob_url(&self.source.account_id, audio).await?)
                            }
                            false => None,
                        };
                        self.client
                            .update_prompt()
                            .instance_id(self.inst(p))
                            .prompt_id(self.id_of(p, Kind::Prompt, &name)?)
                            .name(&name)
                            .description(want["Description"].as_str().unwrap_or(""))
                            .set_s3_uri(url)
                            .send()
                            .await
                            .map_err(err(format!("updating prompt {name}")))?;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) async fn associations(&self, p: &Prepared, applied: &mut Applied) -> AwsResult<()> {
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
            applied
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
            applied
                .associated
                .push(Association::LexBotAlias(arn.clone()));
        }
        Ok(())
    }

    /// Missing modules and flows, with stub content, so everything can refer to them.
    pub(super) async fn stubs(&self, p: &mut Prepared, applied: &mut Applied) -> AwsResult<()> {
        for (name, live) in self.todo(p, Kind::Module) {
            if live.is_some() {
                continue;
            }
            let want = body(&p.src["Modules"][&name]);
            let out = self
                .client
                .create_contact_flow_module()
                .instance_id(self.inst(p))
                .name(&name)
                .description(want["Description"].as_str().unwrap_or(""))
                .content(STUB)
                .set_tags(tags_of(&want["Tags"]))
                .send()
                .await
                .map_err(err(format!("creating flow module {name}")))?;
            self.created(p, applied, Kind::Module, &name, out.id(), out.arn());
        }
        for (name, live) in self.todo(p, Kind::Flow) {
            if live.is_some() {
                continue;
            }
            let want = body(&p.src["Flows"][&name]);
            let out = self
                .client
                .create_contact_flow()
                .instance_id(self.inst(p))
                .name(&name)
                .r#type(ContactFlowType::from(
                    want["Type"].as_str().unwrap_or("CONTACT_FLOW"),
                ))
                .description(want["Description"].as_str().unwrap_or(""))
                .content(STUB)
                .status(ContactFlowStatus::Saved)
                .set_tags(tags_of(&want["Tags"]))
                .send()
                .await
                .map_err(err(format!("creating flow {name}")))?;
            self.created(
                p,
                applied,
                Kind::Flow,
                &name,
                out.contact_flow_id(),
                out.contact_flow_arn(),
            );
        }
        Ok(())
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

    /// Module and flow content and metadata. Everything content can name exists by now
    /// (stubs included), so content is published directly where the snapshot had it
    /// published, and only saved where it was saved.
    pub(super) async fn content(&self, p: &Prepared, kind: Kind) -> AwsResult<()> {
        for (name, live) in self.todo(p, kind) {
            let (want, _, _) = p.desired(kind, &name);
            let id = self.id_of(p, kind, &name)?;
            let have = match &live {
                Some(ln) => p.live_body(kind, ln),
                None => {
                    json!({"Content": serde_json::from_str::<Value>(STUB).unwrap_or_default(), "Status": "SAVED", "State": "ACTIVE", "Description": want["Description"]})
                }
            };
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
            if renamed
                || have["Description"] != want["Description"]
                || have["State"] != want["State"]
            {
                match kind {
                    Kind::Module => self
                        .client
                        .update_contact_flow_module_metadata()
                        .instance_id(self.inst(p))
                        .contact_flow_module_id(&id)
                        .name(&name)
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
                        .name(&name)
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
            let arn = p
                .resolve(*k, name)
                .map(|i| i.arn.clone())
                .unwrap_or_default();
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
