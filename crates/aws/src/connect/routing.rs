//! Queues, routing profiles (queue configs 10 per call), quick connects and queue quick
//! connects (50 per call).

use super::apply::{err, media, Run};
use super::items::Kind;
use super::plan::tags_of;
use super::prepare::Prepared;
use crate::error::{AwsError, AwsResult};
use crate::provider::string_list;
use aws_sdk_connect::types::{
    Channel, OutboundCallerConfig, PhoneNumberQuickConnectConfig, QueueQuickConnectConfig,
    QuickConnectConfig, QuickConnectType, RoutingProfileQueueConfig, RoutingProfileQueueReference,
    UserQuickConnectConfig,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Connect takes at most 10 routing-profile queue configs per call.
const PROFILE_QUEUES_PER_CALL: usize = 10;

impl Run<'_> {
    pub(super) async fn queue(&self, p: &Prepared, name: &str) -> AwsResult<()> {
        let live = self.live_name(p, Kind::Queue, name);
        let (want, _, _) = p.desired(Kind::Queue, name);
        let hours = self.id_of(
            p,
            Kind::Hours,
            want["HoursOfOperation"].as_str().unwrap_or(""),
        )?;
        let max = want["MaxContacts"].as_i64().map(|m| m as i32);
        match live {
            None => {
                let out = self
                    .client
                    .create_queue()
                    .instance_id(self.inst(p))
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .hours_of_operation_id(hours)
                    .set_max_contacts(max)
                    .set_outbound_caller_config(self.outbound(p, &want)?)
                    .set_tags(tags_of(&want["Tags"]))
                    .send()
                    .await
                    .map_err(err(format!("creating queue {name}")))?;
                self.created(p, Kind::Queue, name, out.queue_id(), out.queue_arn());
            }
            Some(ln) => {
                let have = p.live_body(Kind::Queue, &ln);
                let id = self.id_of(p, Kind::Queue, name)?;
                if ln != name || have["Description"] != want["Description"] {
                    self.client
                        .update_queue_name()
                        .instance_id(self.inst(p))
                        .queue_id(&id)
                        .name(name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .send()
                        .await
                        .map_err(err(format!("renaming queue {name}")))?;
                }
                if have["HoursOfOperation"] != want["HoursOfOperation"] {
                    self.client
                        .update_queue_hours_of_operation()
                        .instance_id(self.inst(p))
                        .queue_id(&id)
                        .hours_of_operation_id(hours)
                        .send()
                        .await
                        .map_err(err(format!("updating the hours of queue {name}")))?;
                }
                if have["MaxContacts"] != want["MaxContacts"] {
                    self.client
                        .update_queue_max_contacts()
                        .instance_id(self.inst(p))
                        .queue_id(&id)
                        .set_max_contacts(max)
                        .send()
                        .await
                        .map_err(err(format!("updating max contacts of queue {name}")))?;
                }
                if have["OutboundCallerConfig"] != want["OutboundCallerConfig"] {
                    let config = self
                        .outbound(p, &want)?
                        .unwrap_or_else(|| OutboundCallerConfig::builder().build());
                    self.client
                        .update_queue_outbound_caller_config()
                        .instance_id(self.inst(p))
                        .queue_id(&id)
                        .outbound_caller_config(config)
                        .send()
                        .await
                        .map_err(err(format!(
                            "updating outbound caller config of queue {name}"
                        )))?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn queue_config(
        &self,
        p: &Prepared,
        c: &Value,
    ) -> AwsResult<RoutingProfileQueueConfig> {
        let queue = self.id_of(p, Kind::Queue, c["Queue"].as_str().unwrap_or(""))?;
        RoutingProfileQueueConfig::builder()
            .queue_reference(self.queue_ref(&queue, c)?)
            .priority(c["Priority"].as_i64().unwrap_or(1) as i32)
            .delay(c["Delay"].as_i64().unwrap_or(0) as i32)
            .build()
            .map_err(|e| AwsError::Invalid(format!("routing profile queue: {e}")))
    }

    pub(super) fn queue_ref(
        &self,
        queue_id: &str,
        c: &Value,
    ) -> AwsResult<RoutingProfileQueueReference> {
        RoutingProfileQueueReference::builder()
            .queue_id(queue_id)
            .channel(Channel::from(c["Channel"].as_str().unwrap_or("VOICE")))
            .build()
            .map_err(|e| AwsError::Invalid(format!("routing profile queue: {e}")))
    }

    pub(super) async fn routing_profile(&self, p: &Prepared, name: &str) -> AwsResult<()> {
        let live = self.live_name(p, Kind::RoutingProfile, name);
        let (want, _, _) = p.desired(Kind::RoutingProfile, name);
        let want_queues: Vec<Value> = want["Queues"].as_array().cloned().unwrap_or_default();
        let default_q = self.id_of(
            p,
            Kind::Queue,
            want["DefaultOutboundQueue"].as_str().unwrap_or(""),
        )?;
        let (id, have_queues) = match live {
            None => {
                let first: Vec<RoutingProfileQueueConfig> = want_queues
                    .iter()
                    .take(PROFILE_QUEUES_PER_CALL)
                    .map(|c| self.queue_config(p, c))
                    .collect::<AwsResult<_>>()?;
                let out = self
                    .client
                    .create_routing_profile()
                    .instance_id(self.inst(p))
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .default_outbound_queue_id(&default_q)
                    .set_media_concurrencies(Some(media(&want["MediaConcurrencies"])?))
                    .set_queue_configs((!first.is_empty()).then_some(first))
                    .set_tags(tags_of(&want["Tags"]))
                    .send()
                    .await
                    .map_err(err(format!("creating routing profile {name}")))?;
                self.created(
                    p,
                    Kind::RoutingProfile,
                    name,
                    out.routing_profile_id(),
                    out.routing_profile_arn(),
                );
                let done: Vec<Value> = want_queues
                    .iter()
                    .take(PROFILE_QUEUES_PER_CALL)
                    .cloned()
                    .collect();
                (
                    out.routing_profile_id().unwrap_or_default().to_owned(),
                    done,
                )
            }
            Some(ln) => self.update_profile(p, &ln, name, &want, &default_q).await?,
        };
        self.sync_profile_queues(p, &id, name, &want_queues, &have_queues)
            .await?;
        Ok(())
    }

    /// An existing profile's name, description, concurrency and default queue, where they
    /// differ; returns its id and its queue configs as they are.
    async fn update_profile(
        &self,
        p: &Prepared,
        ln: &str,
        name: &str,
        want: &Value,
        default_q: &str,
    ) -> AwsResult<(String, Vec<Value>)> {
        let have = p.live_body(Kind::RoutingProfile, ln);
        let id = self.id_of(p, Kind::RoutingProfile, name)?;
        if ln != name || have["Description"] != want["Description"] {
            self.client
                .update_routing_profile_name()
                .instance_id(self.inst(p))
                .routing_profile_id(&id)
                .name(name)
                .description(want["Description"].as_str().unwrap_or(""))
                .send()
                .await
                .map_err(err(format!("renaming routing profile {name}")))?;
        }
        if have["MediaConcurrencies"] != want["MediaConcurrencies"] {
            self.client
                .update_routing_profile_concurrency()
                .instance_id(self.inst(p))
                .routing_profile_id(&id)
                .set_media_concurrencies(Some(media(&want["MediaConcurrencies"])?))
                .send()
                .await
                .map_err(err(format!(
                    "updating concurrency of routing profile {name}"
                )))?;
        }
        if have["DefaultOutboundQueue"] != want["DefaultOutboundQueue"] {
            self.client
                .update_routing_profile_default_outbound_queue()
                .instance_id(self.inst(p))
                .routing_profile_id(&id)
                .default_outbound_queue_id(default_q)
                .send()
                .await
                .map_err(err(format!(
                    "updating default queue of routing profile {name}"
                )))?;
        }
        Ok((id, have["Queues"].as_array().cloned().unwrap_or_default()))
    }

    /// A profile's queue configs from `have` to `want`: removed, added and changed, at most
    /// ten per call.
    async fn sync_profile_queues(
        &self,
        p: &Prepared,
        id: &str,
        name: &str,
        want_queues: &[Value],
        have_queues: &[Value],
    ) -> AwsResult<()> {
        let key = |c: &Value| {
            (
                c["Queue"].as_str().unwrap_or("").to_owned(),
                c["Channel"].as_str().unwrap_or("").to_owned(),
            )
        };
        let have_keys: HashMap<_, _> = have_queues.iter().map(|c| (key(c), c)).collect();
        let want_keys: BTreeSet<_> = want_queues.iter().map(key).collect();
        let remove: Vec<RoutingProfileQueueReference> = have_queues
            .iter()
            .filter(|c| !want_keys.contains(&key(c)))
            .map(|c| {
                // A queue no longer named in the target cannot be in its profile either.
                let q = p
                    .resolve(Kind::Queue, c["Queue"].as_str().unwrap_or(""))
                    .map(|i| i.id)
                    .unwrap_or_default();
                self.queue_ref(&q, c)
            })
            .collect::<AwsResult<_>>()?;
        for chunk in remove.chunks(PROFILE_QUEUES_PER_CALL) {
            self.client
                .disassociate_routing_profile_queues()
                .instance_id(self.inst(p))
                .routing_profile_id(id)
                .set_queue_references(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err(format!("removing queues from routing profile {name}")))?;
        }
        let mut add = Vec::new();
        let mut change = Vec::new();
        for c in want_queues {
            match have_keys.get(&key(c)) {
                None => add.push(self.queue_config(p, c)?),
                Some(h) if h["Priority"] != c["Priority"] || h["Delay"] != c["Delay"] => {
                    change.push(self.queue_config(p, c)?)
                }
                Some(_) => {}
            }
        }
        for chunk in add.chunks(PROFILE_QUEUES_PER_CALL) {
            self.client
                .associate_routing_profile_queues()
                .instance_id(self.inst(p))
                .routing_profile_id(id)
                .set_queue_configs(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err(format!("adding queues to routing profile {name}")))?;
        }
        for chunk in change.chunks(PROFILE_QUEUES_PER_CALL) {
            self.client
                .update_routing_profile_queues()
                .instance_id(self.inst(p))
                .routing_profile_id(id)
                .set_queue_configs(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err(format!("updating queues of routing profile {name}")))?;
        }
        Ok(())
    }

    pub(super) fn qc_config(&self, p: &Prepared, want: &Value) -> AwsResult<QuickConnectConfig> {
        let c = &want["Config"];
        let bad = |e: aws_sdk_connect::error::BuildError| {
            AwsError::Invalid(format!("quick connect config: {e}"))
        };
        let flow = |v: &Value| self.id_of(p, Kind::Flow, v.as_str().unwrap_or(""));
        let mut b = QuickConnectConfig::builder().quick_connect_type(QuickConnectType::from(
            c["QuickConnectType"].as_str().unwrap_or("QUEUE"),
        ));
        if c["Queue"].is_object() {
            b = b.queue_config(
                QueueQuickConnectConfig::builder()
                    .queue_id(self.id_of(
                        p,
                        Kind::Queue,
                        c["Queue"]["Queue"].as_str().unwrap_or(""),
                    )?)
                    .contact_flow_id(flow(&c["Queue"]["Flow"])?)
                    .build()
                    .map_err(bad)?,
            );
        }
        if c["Phone"].is_object() {
            b = b.phone_config(
                PhoneNumberQuickConnectConfig::builder()
                    .phone_number(c["Phone"]["PhoneNumber"].as_str().unwrap_or(""))
                    .build()
                    .map_err(bad)?,
            );
        }
        if c["User"].is_object() {
            b = b.user_config(
                UserQuickConnectConfig::builder()
                    .user_id(c["User"]["UserId"].as_str().unwrap_or(""))
                    .contact_flow_id(flow(&c["User"]["Flow"])?)
                    .build()
                    .map_err(bad)?,
            );
        }
        b.build().map_err(bad)
    }

    pub(super) async fn quick_connect(&self, p: &Prepared, name: &str) -> AwsResult<()> {
        let live = self.live_name(p, Kind::QuickConnect, name);
        let (want, _, _) = p.desired(Kind::QuickConnect, name);
        let config = self.qc_config(p, &want)?;
        match live {
            None => {
                let out = self
                    .client
                    .create_quick_connect()
                    .instance_id(self.inst(p))
                    .name(name)
                    .description(want["Description"].as_str().unwrap_or(""))
                    .quick_connect_config(config)
                    .set_tags(tags_of(&want["Tags"]))
                    .send()
                    .await
                    .map_err(err(format!("creating quick connect {name}")))?;
                self.created(
                    p,
                    Kind::QuickConnect,
                    name,
                    out.quick_connect_id(),
                    out.quick_connect_arn(),
                );
            }
            Some(ln) => {
                let have = p.live_body(Kind::QuickConnect, &ln);
                let id = self.id_of(p, Kind::QuickConnect, name)?;
                if ln != name || have["Description"] != want["Description"] {
                    self.client
                        .update_quick_connect_name()
                        .instance_id(self.inst(p))
                        .quick_connect_id(&id)
                        .name(name)
                        .description(want["Description"].as_str().unwrap_or(""))
                        .send()
                        .await
                        .map_err(err(format!("renaming quick connect {name}")))?;
                }
                if have["Config"] != want["Config"] {
                    self.client
                        .update_quick_connect_config()
                        .instance_id(self.inst(p))
                        .quick_connect_id(&id)
                        .quick_connect_config(config)
                        .send()
                        .await
                        .map_err(err(format!("updating quick connect {name}")))?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn queue_quick_connects(&self, p: &Prepared, name: &str) -> AwsResult<()> {
        // Connect takes at most 50 quick connects per call.
        const CHUNK: usize = 50;
        let live = self.live_name(p, Kind::Queue, name);
        let (want, _, _) = p.desired(Kind::Queue, name);
        let want_names: BTreeSet<String> =
            string_list(&want["QuickConnects"]).into_iter().collect();
        let have_names: BTreeSet<String> = match &live {
            Some(ln) => string_list(&p.live_body(Kind::Queue, ln)["QuickConnects"])
                .into_iter()
                .collect(),
            None => BTreeSet::new(),
        };
        let queue = self.id_of(p, Kind::Queue, name)?;
        let remove: Vec<String> = have_names
            .difference(&want_names)
            .filter_map(|n| p.resolve(Kind::QuickConnect, n).map(|i| i.id))
            .collect();
        let add: Vec<String> = want_names
            .difference(&have_names)
            .map(|n| self.id_of(p, Kind::QuickConnect, n))
            .collect::<AwsResult<_>>()?;
        for chunk in remove.chunks(CHUNK) {
            self.client
                .disassociate_queue_quick_connects()
                .instance_id(self.inst(p))
                .queue_id(&queue)
                .set_quick_connect_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err(format!("removing quick connects from queue {name}")))?;
        }
        for chunk in add.chunks(CHUNK) {
            self.client
                .associate_queue_quick_connects()
                .instance_id(self.inst(p))
                .queue_id(&queue)
                .set_quick_connect_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(err(format!("adding quick connects to queue {name}")))?;
        }
        Ok(())
    }
}
