//! Writing a function: create, update, publish, aliases, and waiting for it to settle.

use super::read::code_sha_of;
use crate::change::DeployOptions;
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{is_not_found, str_of, string_list, string_map, svc, Applied, Ctx, Steps};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AliasRoutingConfiguration, Architecture, DeadLetterConfig, Environment, EphemeralStorage,
    FunctionCode, LastUpdateStatus, PackageType, Runtime, State, TracingConfig, TracingMode,
    VpcConfig,
};
use aws_sdk_lambda::Client;
use serde_json::Value;
use snapdeploy_core::SnapshotEnvelope;
use snapdeploy_store::SnapshotStore;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub(super) async fn wait_until_ready(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut delay = Duration::from_millis(50);
    loop {
        ctx.pace(Quota::LambdaControl).await;
        let c = client
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(svc("waiting for the function update"))?;
        let pending = c.state() == Some(&State::Pending);
        match c.last_update_status() {
            Some(LastUpdateStatus::Failed) => {
                return Err(AwsError::Service(format!(
                    "the update of {name} failed: {}",
                    c.last_update_status_reason().unwrap_or("no reason given")
                )))
            }
            Some(LastUpdateStatus::InProgress) => {}
            _ if !pending => return Ok(()),
            _ => {}
        }
        if c.state() == Some(&State::Failed) {
            return Err(AwsError::Service(format!(
                "{name} is in state Failed: {}",
                c.state_reason().unwrap_or("no reason given")
            )));
        }
        if Instant::now() > deadline {
            return Err(AwsError::Service(format!(
                "{name} did not finish updating within 5 minutes"
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

pub(super) async fn load_code(
    desired: &Value,
    source: &SnapshotEnvelope,
    store: &dyn SnapshotStore,
) -> AwsResult<Option<Vec<u8>>> {
    if str_of(desired, "ImageUri").is_some() {
        return Ok(None);
    }
    let Some(blob) = source.blob("code") else {
        return Ok(None);
    };
    let bytes = store.get_blob(&source.account_id, &blob.sha256).await?;
    if Some(code_sha_of(&bytes).as_str()) != str_of(desired, "CodeSha256") {
        return Err(AwsError::Invalid(
            "the snapshot's code blob does not match its CodeSha256".into(),
        ));
    }
    Ok(Some(bytes))
}

pub(super) async fn point_alias(
    ctx: &Ctx,
    client: &Client,
    name: &str,
    alias: &str,
    version: &str,
    spec: Option<&Value>,
) -> AwsResult<()> {
    let description = spec
        .and_then(|s| str_of(s, "Description"))
        .map(String::from);
    let routing = spec
        .and_then(|s| s.get("RoutingConfig"))
        .filter(|r| !r.is_null())
        .map(|r| {
            let weights: HashMap<String, f64> = r["AdditionalVersionWeights"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_f64().map(|f| (k.clone(), f)))
                        .collect()
                })
                .unwrap_or_default();
            AliasRoutingConfiguration::builder()
                .set_additional_version_weights(Some(weights))
                .build()
        });
    ctx.pace(Quota::LambdaControl).await;
    let exists = match client
        .get_alias()
        .function_name(name)
        .name(alias)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) if e.as_service_error().is_some_and(is_not_found) => false,
        Err(e) => return Err(AwsError::service("reading the alias", e)),
    };
    ctx.pace(Quota::LambdaControl).await;
    if exists {
        client
            .update_alias()
            .function_name(name)
            .name(alias)
            .function_version(version)
            .set_description(description)
            .set_routing_config(routing)
            .send()
            .await
            .map_err(svc("moving the alias"))?;
    } else {
        client
            .create_alias()
            .function_name(name)
            .name(alias)
            .function_version(version)
            .set_description(description)
            .set_routing_config(routing)
            .send()
            .await
            .map_err(svc("creating the alias"))?;
    }
    Ok(())
}

pub(super) fn environment(desired: &Value) -> Environment {
    Environment::builder()
        .set_variables(Some(string_map(&desired["Environment"]["Variables"])))
        .build()
}

pub(super) fn vpc(desired: &Value) -> VpcConfig {
    VpcConfig::builder()
        .set_subnet_ids(Some(string_list(&desired["VpcConfig"]["SubnetIds"])))
        .set_security_group_ids(Some(string_list(&desired["VpcConfig"]["SecurityGroupIds"])))
        .build()
}

pub(super) fn update_configuration(
    client: &Client,
    name: &str,
    d: &Value,
) -> aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder{
    let mut req = client
        .update_function_configuration()
        .function_name(name)
        .set_role(str_of(d, "Role").map(String::from))
        .description(str_of(d, "Description").unwrap_or(""))
        .set_timeout(d["Timeout"].as_i64().map(|n| n as i32))
        .set_memory_size(d["MemorySize"].as_i64().map(|n| n as i32))
        .environment(environment(d))
        .set_layers(Some(string_list(&d["Layers"])))
        .vpc_config(vpc(d))
        .dead_letter_config(
            DeadLetterConfig::builder()
                .target_arn(str_of(&d["DeadLetterConfig"], "TargetArn").unwrap_or(""))
                .build(),
        )
        .tracing_config(
            TracingConfig::builder()
                .mode(TracingMode::from(
                    str_of(&d["TracingConfig"], "Mode").unwrap_or("PassThrough"),
                ))
                .build(),
        )
        .kms_key_arn(str_of(d, "KMSKeyArn").unwrap_or(""));
    if let Some(size) = d["EphemeralStorage"]["Size"].as_i64() {
        if let Ok(e) = EphemeralStorage::builder().size(size as i32).build() {
            req = req.ephemeral_storage(e);
        }
    }
    if str_of(d, "PackageType") != Some("Image") {
        req = req
            .set_runtime(str_of(d, "Runtime").map(Runtime::from))
            .set_handler(str_of(d, "Handler").map(String::from));
    }
    req
}

pub(super) async fn create_function(
    ctx: &Ctx,
    client: &Client,
    name: &str,
    d: &Value,
    code: Option<&[u8]>,
) -> AwsResult<()> {
    let package = str_of(d, "PackageType").unwrap_or("Zip");
    let code = match (package, code) {
        ("Image", _) => FunctionCode::builder()
            .set_image_uri(str_of(d, "ImageUri").map(String::from))
            .build(),
        (_, Some(bytes)) => FunctionCode::builder()
            .zip_file(Blob::new(bytes.to_vec()))
            .build(),
        (_, None) => {
            return Err(AwsError::Invalid(
                "the snapshot has no code blob, so the function cannot be created".into(),
            ))
        }
    };
    let mut req = client
        .create_function()
        .function_name(name)
        .package_type(PackageType::from(package))
        .code(code)
        .set_role(str_of(d, "Role").map(String::from))
        .description(str_of(d, "Description").unwrap_or(""))
        .set_timeout(d["Timeout"].as_i64().map(|n| n as i32))
        .set_memory_size(d["MemorySize"].as_i64().map(|n| n as i32))
        .environment(environment(d))
        .set_layers(Some(string_list(&d["Layers"])))
        .tracing_config(
            TracingConfig::builder()
                .mode(TracingMode::from(
                    str_of(&d["TracingConfig"], "Mode").unwrap_or("PassThrough"),
                ))
                .build(),
        )
        .set_architectures(Some(
            string_list(&d["Architectures"])
                .iter()
                .map(|a| Architecture::from(a.as_str()))
                .collect(),
        ))
        .set_tags(Some(string_map(&d["Tags"])))
        .set_kms_key_arn(str_of(d, "KMSKeyArn").map(String::from));
    if !string_list(&d["VpcConfig"]["SubnetIds"]).is_empty() {
        req = req.vpc_config(vpc(d));
    }
    if let Some(t) = str_of(&d["DeadLetterConfig"], "TargetArn") {
        req = req.dead_letter_config(DeadLetterConfig::builder().target_arn(t).build());
    }
    if let Some(size) = d["EphemeralStorage"]["Size"].as_i64() {
        if let Ok(e) = EphemeralStorage::builder().size(size as i32).build() {
            req = req.ephemeral_storage(e);
        }
    }
    if package != "Image" {
        req = req
            .set_runtime(str_of(d, "Runtime").map(Runtime::from))
            .set_handler(str_of(d, "Handler").map(String::from));
    }
    ctx.pace(Quota::LambdaControl).await;
    req.send().await.map_err(svc("creating the function"))?;
    Ok(())
}

/// The writes of one apply to one function.
pub(super) struct Writer<'a> {
    pub(super) ctx: &'a Ctx,
    pub(super) client: Client,
    pub(super) name: &'a str,
}

impl Writer<'_> {
    /// An existing function's code, then its configuration, where they differ.
    pub(super) async fn code_and_configuration(
        &self,
        run: &mut Steps<'_>,
        live: &Value,
        desired: &Value,
        code: &Option<Vec<u8>>,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        if let Some(current) = live.as_object().filter(|m| !m.is_empty()) {
            let code_differs = current.get("CodeSha256") != desired.get("CodeSha256")
                || current.get("ImageUri") != desired.get("ImageUri");
            if code_differs {
                run.step("update_code", async {
                    ctx.pace(Quota::LambdaControl).await;
                    let mut req = client.update_function_code().function_name(name);
                    req = match (str_of(desired, "ImageUri"), &code) {
                        (Some(uri), _) => req.image_uri(uri),
                        (None, Some(bytes)) => req.zip_file(Blob::new(bytes.clone())),
                        (None, None) => {
                            return Err(AwsError::Invalid(
                                "the snapshot has no code to deploy".into(),
                            ))
                        }
                    };
                    req.send().await.map_err(svc("updating function code"))?;
                    wait_until_ready(ctx, client, name).await
                })
                .await?;
            }
            let config_keys = [
                "Runtime",
                "Handler",
                "Role",
                "Description",
                "Timeout",
                "MemorySize",
                "Environment",
                "Layers",
                "VpcConfig",
                "DeadLetterConfig",
                "TracingConfig",
                "EphemeralStorage",
                "KMSKeyArn",
            ];
            if config_keys
                .iter()
                .any(|k| current.get(*k) != desired.get(*k))
            {
                run.step("update_configuration", async {
                    ctx.pace(Quota::LambdaControl).await;
                    update_configuration(client, name, desired)
                        .send()
                        .await
                        .map_err(svc("updating function configuration"))?;
                    wait_until_ready(ctx, client, name).await
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Reserved concurrency, set or removed.
    pub(super) async fn concurrency(
        &self,
        run: &mut Steps<'_>,
        live: &Value,
        desired: &Value,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        let want_rc = desired["ReservedConcurrentExecutions"].as_i64();
        let have_rc = live["ReservedConcurrentExecutions"].as_i64();
        if want_rc != have_rc {
            run.step("concurrency", async {
                ctx.pace(Quota::LambdaControl).await;
                match want_rc {
                    Some(n) => {
                        client
                            .put_function_concurrency()
                            .function_name(name)
                            .reserved_concurrent_executions(n as i32)
                            .send()
                            .await
                            .map_err(svc("setting reserved concurrency"))?;
                    }
                    None => {
                        client
                            .delete_function_concurrency()
                            .function_name(name)
                            .send()
                            .await
                            .map_err(svc("removing reserved concurrency"))?;
                    }
                }
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    /// Asynchronous invocation settings and destinations: set as the snapshot has them, or
    /// removed when it has none.
    pub(super) async fn event_invoke(
        &self,
        run: &mut Steps<'_>,
        live: &Value,
        desired: &Value,
    ) -> AwsResult<()> {
        let (want, have) = (&desired["EventInvokeConfig"], &live["EventInvokeConfig"]);
        if want == have {
            return Ok(());
        }
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        run.step("event_invoke_config", async {
            ctx.pace(Quota::LambdaControl).await;
            if want.is_null() {
                client
                    .delete_function_event_invoke_config()
                    .function_name(name)
                    .send()
                    .await
                    .map_err(svc("removing the asynchronous invocation settings"))?;
                return Ok(());
            }
            let dest = |key: &str| {
                want["DestinationConfig"][key]["Destination"]
                    .as_str()
                    .map(|d| {
                        aws_sdk_lambda::types::OnSuccess::builder()
                            .destination(d)
                            .build()
                    })
            };
            let fail = want["DestinationConfig"]["OnFailure"]["Destination"]
                .as_str()
                .map(|d| {
                    aws_sdk_lambda::types::OnFailure::builder()
                        .destination(d)
                        .build()
                });
            client
                .put_function_event_invoke_config()
                .function_name(name)
                .set_maximum_retry_attempts(want["MaximumRetryAttempts"].as_i64().map(|n| n as i32))
                .set_maximum_event_age_in_seconds(
                    want["MaximumEventAgeInSeconds"].as_i64().map(|n| n as i32),
                )
                .destination_config(
                    aws_sdk_lambda::types::DestinationConfig::builder()
                        .set_on_success(dest("OnSuccess"))
                        .set_on_failure(fail)
                        .build(),
                )
                .send()
                .await
                .map_err(svc("setting the asynchronous invocation settings"))?;
            Ok(())
        })
        .await
    }

    /// The resource policy: stale statements removed, missing ones added.
    pub(super) async fn resource_policy(
        &self,
        run: &mut Steps<'_>,
        live: &Value,
        desired: &Value,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        let want_policy: Vec<Value> = desired["Policy"].as_array().cloned().unwrap_or_default();
        let have_policy: Vec<Value> = live["Policy"].as_array().cloned().unwrap_or_default();
        let stale: Vec<&Value> = have_policy
            .iter()
            .filter(|s| !want_policy.contains(s))
            .collect();
        let missing: Vec<&Value> = want_policy
            .iter()
            .filter(|s| !have_policy.contains(s))
            .collect();
        if !stale.is_empty() || !missing.is_empty() {
            run.step("resource_policy", async {
                for st in stale {
                    ctx.pace(Quota::LambdaControl).await;
                    client
                        .remove_permission()
                        .function_name(name)
                        .statement_id(str_of(st, "StatementId").unwrap_or_default())
                        .send()
                        .await
                        .map_err(svc("removing a permission"))?;
                }
                for st in missing {
                    ctx.pace(Quota::LambdaControl).await;
                    client
                        .add_permission()
                        .function_name(name)
                        .statement_id(str_of(st, "StatementId").unwrap_or_default())
                        .action(str_of(st, "Action").unwrap_or_default())
                        .principal(str_of(st, "Principal").unwrap_or_default())
                        .set_source_arn(str_of(st, "SourceArn").map(String::from))
                        .set_source_account(str_of(st, "SourceAccount").map(String::from))
                        .set_principal_org_id(str_of(st, "PrincipalOrgID").map(String::from))
                        .set_event_source_token(str_of(st, "EventSourceToken").map(String::from))
                        .set_function_url_auth_type(
                            str_of(st, "FunctionUrlAuthType")
                                .map(aws_sdk_lambda::types::FunctionUrlAuthType::from),
                        )
                        .send()
                        .await
                        .map_err(svc("adding a permission"))?;
                }
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    /// A new version, when asked to publish.
    pub(super) async fn publish(
        &self,
        run: &mut Steps<'_>,
        live: &Value,
        options: &DeployOptions,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        if options.publish {
            let known: Vec<String> = live["Versions"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|x| str_of(x, "Version").map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            run.step("publish_version", async {
                ctx.pace(Quota::LambdaControl).await;
                let out = client
                    .publish_version()
                    .function_name(name)
                    .set_description(options.note.as_deref().map(String::from))
                    .send()
                    .await
                    .map_err(svc("publishing a version"))?;
                let v = out.version().unwrap_or_default().to_owned();
                let new = !known.contains(&v);
                applied.published(v, new);
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    /// The alias the deploy moves, and the aliases a rollback restores.
    pub(super) async fn aliases(
        &self,
        run: &mut Steps<'_>,
        live: &Value,
        desired: &Value,
        options: &DeployOptions,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        if let (Some(alias), Some(version)) = (&options.alias, applied.published_version.clone()) {
            run.step("move_alias", async {
                point_alias(ctx, client, name, alias, &version, None).await
            })
            .await?;
        }

        if let Some(aliases) = desired.get("Aliases").and_then(Value::as_array) {
            let existing: Vec<String> = live["Versions"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|x| str_of(x, "Version").map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let have: Vec<Value> = live["Aliases"].as_array().cloned().unwrap_or_default();
            let todo: Vec<&Value> = aliases
                .iter()
                .filter(|a| !have.contains(a))
                .filter(|a| {
                    let v = str_of(a, "FunctionVersion").unwrap_or("");
                    v == "$LATEST" || existing.iter().any(|e| e == v)
                })
                .collect();
            if !todo.is_empty() {
                run.step("restore_aliases", async {
                    for a in todo {
                        point_alias(
                            ctx,
                            client,
                            name,
                            str_of(a, "Name").unwrap_or_default(),
                            str_of(a, "FunctionVersion").unwrap_or_default(),
                            Some(a),
                        )
                        .await?;
                    }
                    Ok(())
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Deletes the aliases, then the versions, the snapshot does not have (listed in the
    /// plan's `summary.not_in_source`).
    pub(super) async fn remove_not_in_source(
        &self,
        run: &mut Steps<'_>,
        summary: &Value,
    ) -> AwsResult<()> {
        let extra: Vec<Value> = summary["not_in_source"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if extra.is_empty() {
            return Ok(());
        }
        let (ctx, client, name) = (self.ctx, &self.client, self.name);
        run.step("remove versions and aliases not in the snapshot", async {
            for e in &extra {
                let n = e["name"].as_str().unwrap_or_default();
                ctx.pace(Quota::LambdaControl).await;
                if e["kind"] == "alias" {
                    client
                        .delete_alias()
                        .function_name(name)
                        .name(n)
                        .send()
                        .await
                        .map_err(svc("deleting an alias"))?;
                } else {
                    client
                        .delete_function()
                        .function_name(name)
                        .qualifier(n)
                        .send()
                        .await
                        .map_err(svc("deleting a version"))?;
                }
            }
            Ok(())
        })
        .await
    }
}
