//! Lambda: extract, capture (configuration + code zip as a blob), plan, apply, restore.

use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{
    download, is_not_found, paged, reapply, str_of, string_list, string_map, svc, Applied,
    ApplyInput, Captured, Ctx, Provider, Steps,
};
use crate::tags::retag;
use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AliasRoutingConfiguration, Architecture, DeadLetterConfig, Environment, EphemeralStorage,
    FunctionCode, FunctionConfiguration, LastUpdateStatus, PackageType, Runtime, State,
    TracingConfig, TracingMode, VpcConfig,
};
use aws_sdk_lambda::Client;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use snapdeploy_core::{
    diff, remap_arns, ArnRemapper, Plan, PlanAction, ResourceName, ServiceKind, SnapshotEnvelope,
    SourceRef,
};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

pub struct LambdaProvider;

/// Fields that belong to the function's identity or history, not to what a deploy writes.
const NOT_APPLIED: &[&str] = &[
    "FunctionName",
    "Versions",
    "Aliases",
    "CodeSize",
    "ConnectInstances",
];

/// The canonical, writable configuration of $LATEST, in AWS's field names.
fn config_json(c: &FunctionConfiguration) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("FunctionName".into(), json!(c.function_name()));
    let package = c.package_type().map(|p| p.as_str()).unwrap_or("Zip");
    m.insert("PackageType".into(), json!(package));
    if package == "Zip" {
        m.insert("Runtime".into(), json!(c.runtime().map(|r| r.as_str())));
        m.insert("Handler".into(), json!(c.handler()));
    }
    m.insert("Role".into(), json!(c.role()));
    m.insert("Description".into(), json!(c.description().unwrap_or("")));
    m.insert("Timeout".into(), json!(c.timeout()));
    m.insert("MemorySize".into(), json!(c.memory_size()));
    let vars: BTreeMap<&String, &String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    m.insert("Environment".into(), json!({"Variables": vars}));
    let layers: Vec<&str> = c.layers().iter().filter_map(|l| l.arn()).collect();
    m.insert("Layers".into(), json!(layers));
    let (subnets, sgs) = c
        .vpc_config()
        .map(|v| (v.subnet_ids().to_vec(), v.security_group_ids().to_vec()))
        .unwrap_or_default();
    m.insert(
        "VpcConfig".into(),
        json!({"SubnetIds": subnets, "SecurityGroupIds": sgs}),
    );
    let dlq = c
        .dead_letter_config()
        .and_then(|d| d.target_arn())
        .filter(|s| !s.is_empty());
    m.insert("DeadLetterConfig".into(), json!({"TargetArn": dlq}));
    m.insert(
        "TracingConfig".into(),
        json!({"Mode": c.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str()).unwrap_or("PassThrough")}),
    );
    m.insert(
        "EphemeralStorage".into(),
        json!({"Size": c.ephemeral_storage().map(|e| e.size()).unwrap_or(512)}),
    );
    let arch: Vec<&str> = c.architectures().iter().map(|a| a.as_str()).collect();
    m.insert(
        "Architectures".into(),
        json!(if arch.is_empty() {
            vec!["x86_64"]
        } else {
            arch
        }),
    );
    if let Some(k) = c.kms_key_arn().filter(|k| !k.is_empty()) {
        m.insert("KMSKeyArn".into(), json!(k));
    }
    m.insert("CodeSha256".into(), json!(c.code_sha256()));
    m.insert("CodeSize".into(), json!(c.code_size()));
    m
}

/// Turns a policy statement back into AddPermission's parameters.
fn statement_to_permission(st: &Value) -> Value {
    let mut p = Map::new();
    p.insert("StatementId".into(), st["Sid"].clone());
    p.insert("Action".into(), st["Action"].clone());
    let principal = match &st["Principal"] {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            if let Some(s) = o.get("Service").and_then(Value::as_str) {
                s.to_owned()
            } else if let Some(a) = o.get("AWS").and_then(Value::as_str) {
                // `arn:aws:iam::123456789012:root` is how AWS records a bare account id.
                a.strip_prefix("arn:aws:iam::")
                    .and_then(|r| r.strip_suffix(":root"))
                    .map(String::from)
                    .unwrap_or_else(|| a.to_owned())
            } else {
                "*".into()
            }
        }
        _ => "*".into(),
    };
    p.insert("Principal".into(), json!(principal));
    let cond = &st["Condition"];
    let pick = |op: &str, key: &str| cond.get(op).and_then(|o| o.get(key)).cloned();
    for (name, op, key) in [
        ("SourceArn", "ArnLike", "AWS:SourceArn"),
        ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
        ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
        (
            "EventSourceToken",
            "StringEquals",
            "lambda:EventSourceToken",
        ),
        (
            "FunctionUrlAuthType",
            "StringEquals",
            "lambda:FunctionUrlAuthType",
        ),
    ] {
        if let Some(v) = pick(op, key) {
            p.insert(name.into(), v);
        }
    }
    Value::Object(p)
}

async fn wait_until_ready(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<()> {
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

fn code_sha_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// The subset of a configuration that a deploy compares and writes.
fn applied_subset(config: &Value, with_aliases: bool) -> Value {
    let mut m = config.as_object().cloned().unwrap_or_default();
    for k in NOT_APPLIED {
        if *k == "Aliases" && with_aliases {
            continue;
        }
        m.remove(*k);
    }
    Value::Object(m)
}

#[async_trait]
impl Provider for LambdaProvider {
    fn service(&self) -> ServiceKind {
        ServiceKind::Lambda
    }

    async fn list(&self, ctx: &Ctx, progress: &Progress) -> AwsResult<Vec<Value>> {
        let client = ctx.lambda().await?;
        // FunctionVersion=ALL returns the published versions in the same pages as the
        // functions, which saves one ListVersionsByFunction call per function.
        let all = paged(ctx, Quota::LambdaControl, |marker| {
            let client = &client;
            async move {
                let page = client
                    .list_functions()
                    .function_version(aws_sdk_lambda::types::FunctionVersion::All)
                    .set_marker(marker)
                    .max_items(50)
                    .send()
                    .await
                    .map_err(svc("listing functions"))?;
                Ok((
                    page.functions().to_vec(),
                    page.next_marker().map(String::from),
                ))
            }
        })
        .await?;
        let mut functions: Vec<FunctionConfiguration> = Vec::new();
        let mut versions: HashMap<String, Vec<String>> = HashMap::new();
        for f in all {
            match f.version() {
                Some("$LATEST") | None => functions.push(f),
                Some(v) => versions
                    .entry(f.function_name().unwrap_or_default().to_owned())
                    .or_default()
                    .push(v.to_owned()),
            }
        }
        let total = functions.len() as u64;
        progress.report("listing aliases", 0, total);
        // Aliases need one call per function; the limiter paces them, so they run
        // concurrently up to what the quota allows.
        let done = std::sync::atomic::AtomicU64::new(0);
        let summaries = futures::future::try_join_all(functions.iter().map(|f| {
            let client = client.clone();
            let done = &done;
            let versions = &versions;
            async move {
                let name = f.function_name().unwrap_or_default().to_owned();
                let aliases = list_aliases(ctx, &client, &name).await?;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress.report(&name, n, total);
                let mut published = versions.get(&name).cloned().unwrap_or_default();
                published.sort_by_key(|v| v.parse::<u64>().unwrap_or(u64::MAX));
                Ok::<Value, AwsError>(json!({
                    "FunctionName": name,
                    "FunctionArn": f.function_arn(),
                    "PackageType": f.package_type().map(|p| p.as_str()).unwrap_or("Zip"),
                    "Runtime": f.runtime().map(|r| r.as_str()),
                    "MemorySize": f.memory_size(),
                    "Timeout": f.timeout(),
                    "LastModified": f.last_modified(),
                    "CodeSize": f.code_size(),
                    "Description": f.description(),
                    "Versions": published,
                    "Aliases": aliases.iter().map(|a| json!({"Name": a["Name"], "FunctionVersion": a["FunctionVersion"]})).collect::<Vec<_>>(),
                }))
            }
        }))
        .await?;
        Ok(summaries)
    }

    fn reuses_reads(&self) -> bool {
        true
    }

    /// The code is downloaded only when its `CodeSha256` (AWS's hash of the package) differs
    /// from the previous snapshot's: the same hash is the same bytes, already stored.
    async fn capture_since(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        store: Option<&dyn SnapshotStore>,
        previous: Option<&SnapshotEnvelope>,
        _for_change: bool,
    ) -> AwsResult<Option<Captured>> {
        let client = ctx.lambda().await?;
        ctx.pace(Quota::LambdaGetFunction).await;
        let got = match client
            .get_function()
            .function_name(name.as_str())
            .send()
            .await
        {
            Ok(g) => g,
            Err(e) if e.as_service_error().is_some_and(is_not_found) => return Ok(None),
            Err(e) => return Err(AwsError::service("reading the function", e)),
        };
        let conf = got
            .configuration()
            .ok_or_else(|| AwsError::Service("GetFunction returned no configuration".into()))?;
        let mut config = config_json(conf);
        let tags: BTreeMap<&String, &String> =
            got.tags().map(|t| t.iter().collect()).unwrap_or_default();
        config.insert("Tags".into(), json!(tags));
        config.insert(
            "ReservedConcurrentExecutions".into(),
            json!(got
                .concurrency()
                .and_then(|c| c.reserved_concurrent_executions())),
        );
        let code = got.code();
        if let Some(uri) = code.and_then(|c| c.image_uri()) {
            config.insert("ImageUri".into(), json!(uri));
        }
        let (versions, aliases, policy) = tokio::try_join!(
            list_versions(ctx, &client, name.as_str()),
            list_aliases(ctx, &client, name.as_str()),
            get_policy(ctx, &client, name.as_str())
        )?;
        config.insert("Versions".into(), json!(versions));
        config.insert("Aliases".into(), json!(aliases));
        // A Connect instance allowed to invoke the function is named by an id that differs
        // between accounts: its alias is recorded so a promotion can find the target's.
        let prefix = format!(
            "arn:aws:connect:{}:{}:instance/",
            ctx.region, ctx.account.account_id
        );
        let instances: Vec<&str> = policy
            .iter()
            .filter_map(|st| str_of(st, "SourceArn"))
            .filter(|a| a.starts_with(&prefix) && !a[prefix.len()..].contains('/'))
            .collect();
        if !instances.is_empty() {
            let aliases = crate::connect::instance_aliases(ctx).await?;
            let named: BTreeMap<&str, &String> = instances
                .iter()
                .filter_map(|a| aliases.get(*a).map(|n| (*a, n)))
                .collect();
            if !named.is_empty() {
                config.insert("ConnectInstances".into(), json!(named));
            }
        }
        config.insert("Policy".into(), json!(policy));

        let mut blobs = Vec::new();
        let stored_code = previous
            .filter(|p| {
                p.source.arn == conf.function_arn().unwrap_or_default()
                    && conf.code_sha256().is_some()
                    && str_of(&p.config, "CodeSha256") == conf.code_sha256()
            })
            .and_then(|p| p.blob("code"));
        if let (Some(_), Some(code)) = (store, stored_code) {
            blobs.push(code.clone());
        } else if let (Some(store), Some(url)) = (store, code.and_then(|c| c.location())) {
            let bytes = download(ctx, url, "function code").await?;
            let expected = conf.code_sha256().unwrap_or_default();
            if code_sha_of(&bytes) != expected {
                return Err(AwsError::Service(format!(
                    "the downloaded code of {name} does not match its CodeSha256 {expected}"
                )));
            }
            blobs.push(
                store
                    .put_blob(&ctx.account.account_id, &bytes, "application/zip", "code")
                    .await?,
            );
        }
        Ok(Some(Captured {
            config: Value::Object(config),
            blobs,
            source: SourceRef {
                arn: conf.function_arn().unwrap_or_default().to_owned(),
                id: conf.revision_id().unwrap_or_default().to_owned(),
            },
            observed: Value::Null,
        }))
    }

    async fn plan(
        &self,
        ctx: &Ctx,
        source: &SnapshotEnvelope,
        target: &ResourceName,
        live: Option<&Captured>,
        options: &DeployOptions,
    ) -> AwsResult<Plan> {
        let same_place = source.account_id == ctx.account.account_id && source.region == ctx.region;
        // Alias → version pairs only mean something where those versions live.
        let with_aliases = options.restore_aliases && same_place;
        let mut desired = applied_subset(&source.config, with_aliases);
        let mut remapper = ArnRemapper::new(
            source.account_id.as_str(),
            source.region.as_str(),
            ctx.account.account_id.as_str(),
            ctx.region.as_str(),
        );
        // Connect instances keep their alias, not their id: found by alias in the target,
        // or, where the target has a single instance (dev `acme-dev`, prod `acme-prod`),
        // that one; the plan shows which.
        let mut missing_instances = BTreeMap::new();
        if !same_place {
            remapper.explicit_only.push(format!(
                "arn:aws:connect:{}:{}:instance/",
                source.region, source.account_id
            ));
            let named = string_map(&source.config["ConnectInstances"]);
            if !named.is_empty() {
                let target: HashMap<String, String> = crate::connect::instance_aliases(ctx)
                    .await?
                    .into_iter()
                    .map(|(arn, alias)| (alias, arn))
                    .collect();
                let only = (target.len() == 1)
                    .then(|| target.values().next())
                    .flatten();
                for (arn, alias) in named {
                    match target.get(&alias).or(only) {
                        Some(t) => {
                            remapper.explicit.insert(arn, t.clone());
                        }
                        None => {
                            missing_instances.insert(arn, alias);
                        }
                    }
                }
            }
        }
        let mut result = remap_arns(&mut desired, &remapper);
        for u in result.unmapped.iter_mut() {
            if let Some(alias) = missing_instances.get(&u.value) {
                u.reason = format!(
                    "no Connect instance {alias} (nor a single instance) in account {} region {}",
                    ctx.account.account_id, ctx.region
                );
            }
        }
        // Bare account ids are not ARNs: remap the resource policy's SourceAccount and
        // account principals by hand.
        if let Some(statements) = desired.get_mut("Policy").and_then(Value::as_array_mut) {
            for (i, st) in statements.iter_mut().enumerate() {
                for field in ["SourceAccount", "Principal"] {
                    if st.get(field).and_then(Value::as_str) == Some(source.account_id.as_str())
                        && !same_place
                    {
                        st[field] = json!(ctx.account.account_id.as_str());
                        result.remapped.push(snapdeploy_core::Remapped {
                            path: format!("/Policy/{i}/{field}"),
                            from: source.account_id.to_string(),
                            to: ctx.account.account_id.to_string(),
                        });
                    }
                }
            }
        }
        let mut warnings = Vec::new();
        if source.config.get("PackageType").and_then(Value::as_str) == Some("Zip")
            && source.blob("code").is_none()
        {
            warnings
                .push("the snapshot has no code blob; only configuration can be applied".into());
        }
        if str_of(&desired, "ImageUri")
            .is_some_and(|u| u.contains(&format!("{}.dkr.ecr.", source.account_id)))
            && !same_place
        {
            warnings.push("the image URI points at the source account's ECR repository: the target account needs pull access to it".into());
        }
        let (action, changes) = match live {
            None => (PlanAction::Create, diff(&json!({}), &desired)),
            Some(l) => {
                let current = applied_subset(&l.config, with_aliases);
                let changes = diff(&current, &desired);
                let action = if changes.is_empty() {
                    PlanAction::Unchanged
                } else {
                    PlanAction::Update
                };
                (action, changes)
            }
        };
        Ok(Plan {
            service: ServiceKind::Lambda,
            resource_name: target.to_string(),
            target_account_id: ctx.account.account_id.to_string(),
            target_region: ctx.region.to_string(),
            action,
            changes,
            remapped: result.remapped,
            unmapped: result.unmapped,
            warnings,
            blockers: Vec::new(),
            summary: Value::Null,
            desired,
        })
    }

    async fn apply(
        &self,
        ctx: &Ctx,
        input: &ApplyInput<'_>,
        run: &mut Steps<'_>,
        applied: &mut Applied,
    ) -> AwsResult<()> {
        let ApplyInput {
            plan,
            source,
            live,
            store,
            options,
        } = *input;
        let client = ctx.lambda().await?;
        let name = plan.resource_name.as_str();
        let desired = &plan.desired;
        let code = load_code(desired, source, store).await?;

        let live = if plan.action == PlanAction::Create {
            run.step("create_function", async {
                create_function(ctx, &client, name, desired, code.as_deref()).await?;
                applied.created = true;
                wait_until_ready(ctx, &client, name).await
            })
            .await?;
            json!({})
        } else {
            live.ok_or_else(|| AwsError::Conflict(format!("{name} disappeared during the deploy")))?
                .config
                .clone()
        };

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
                    wait_until_ready(ctx, &client, name).await
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
                    update_configuration(&client, name, desired)
                        .send()
                        .await
                        .map_err(svc("updating function configuration"))?;
                    wait_until_ready(ctx, &client, name).await
                })
                .await?;
            }
        }

        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            ctx.region, ctx.account.account_id
        );
        let tags = (&desired["Tags"], &live["Tags"]);
        let created = plan.action == PlanAction::Create;
        retag(ctx, &client, run, &arn, tags, created).await?;

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
                if !known.contains(&v) {
                    applied.new_versions.push(v.clone());
                }
                applied.published_version = Some(v);
                Ok(())
            })
            .await?;
        }

        if let (Some(alias), Some(version)) = (&options.alias, applied.published_version.clone()) {
            run.step("move_alias", async {
                point_alias(ctx, &client, name, alias, &version, None).await
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
                            &client,
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

    async fn restore(
        &self,
        ctx: &Ctx,
        name: &ResourceName,
        safety: Option<&SnapshotEnvelope>,
        store: &dyn SnapshotStore,
        applied: &Applied,
    ) -> AwsResult<Vec<String>> {
        let client = ctx.lambda().await?;
        if applied.created || safety.is_none() {
            ctx.pace(Quota::LambdaControl).await;
            return match client
                .delete_function()
                .function_name(name.as_str())
                .send()
                .await
            {
                Ok(_) => Ok(vec![]),
                Err(e) if e.as_service_error().is_some_and(is_not_found) => Ok(vec![]),
                Err(e) => Err(AwsError::service("removing the half-created function", e)),
            };
        }
        let safety = safety.expect("checked above");
        // Wait out any update the failed step may have started.
        wait_until_ready(ctx, &client, name.as_str()).await?;
        reapply(self, ctx, name, safety, store).await?;
        for v in &applied.new_versions {
            ctx.pace(Quota::LambdaControl).await;
            let res = client
                .delete_function()
                .function_name(name.as_str())
                .qualifier(v)
                .send()
                .await;
            if let Err(e) = res {
                if !e.as_service_error().is_some_and(is_not_found) {
                    return Err(AwsError::service(
                        "deleting the version the failed deploy published",
                        e,
                    ));
                }
            }
        }
        Ok(vec![])
    }
}

async fn load_code(
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

async fn point_alias(
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

fn environment(desired: &Value) -> Environment {
    Environment::builder()
        .set_variables(Some(string_map(&desired["Environment"]["Variables"])))
        .build()
}

fn vpc(desired: &Value) -> VpcConfig {
    VpcConfig::builder()
        .set_subnet_ids(Some(string_list(&desired["VpcConfig"]["SubnetIds"])))
        .set_security_group_ids(Some(string_list(&desired["VpcConfig"]["SecurityGroupIds"])))
        .build()
}

fn update_configuration(
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

async fn create_function(
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

async fn list_versions(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Vec<Value>> {
    paged(ctx, Quota::LambdaControl, |marker| async move {
        let page = client
            .list_versions_by_function()
            .function_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(svc("listing versions"))?;
        let versions = page
            .versions()
            .iter()
            .filter(|v| v.version() != Some("$LATEST"))
            .map(|v| {
                json!({
                    "Version": v.version(),
                    "Description": v.description().unwrap_or(""),
                    "CodeSha256": v.code_sha256(),
                })
            })
            .collect();
        Ok((versions, page.next_marker().map(String::from)))
    })
    .await
}

async fn list_aliases(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Vec<Value>> {
    paged(ctx, Quota::LambdaControl, |marker| async move {
        let page = client
            .list_aliases()
            .function_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(svc("listing aliases"))?;
        let aliases = page
            .aliases()
            .iter()
            .map(|a| {
                let routing = a
                    .routing_config()
                    .and_then(|r| r.additional_version_weights())
                    .map(|w| {
                        let sorted: BTreeMap<&String, &f64> = w.iter().collect();
                        json!({"AdditionalVersionWeights": sorted})
                    });
                json!({
                    "Name": a.name(),
                    "FunctionVersion": a.function_version(),
                    "Description": a.description().unwrap_or(""),
                    "RoutingConfig": routing,
                })
            })
            .collect();
        Ok((aliases, page.next_marker().map(String::from)))
    })
    .await
}

async fn get_policy(ctx: &Ctx, client: &Client, name: &str) -> AwsResult<Vec<Value>> {
    ctx.pace(Quota::LambdaControl).await;
    let out = match client.get_policy().function_name(name).send().await {
        Ok(o) => o,
        Err(e) if e.as_service_error().is_some_and(is_not_found) => return Ok(Vec::new()),
        Err(e) => return Err(AwsError::service("reading the resource policy", e)),
    };
    let doc: Value = serde_json::from_str(out.policy().unwrap_or("{}"))
        .map_err(|e| AwsError::Service(format!("the resource policy is not JSON: {e}")))?;
    let mut statements: Vec<Value> = doc["Statement"]
        .as_array()
        .map(|s| s.iter().map(statement_to_permission).collect())
        .unwrap_or_default();
    statements.sort_by(|a, b| str_of(a, "StatementId").cmp(&str_of(b, "StatementId")));
    Ok(statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_statements_become_add_permission_parameters() {
        let st = json!({"Sid": "connect", "Effect": "Allow", "Principal": {"Service": "connect.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:connect:us-east-1:111111111111:instance/x"},
                          "StringEquals": {"AWS:SourceAccount": "111111111111"}}});
        assert_eq!(
            statement_to_permission(&st),
            json!({"StatementId": "connect", "Action": "lambda:InvokeFunction", "Principal": "connect.amazonaws.com",
                   "SourceArn": "arn:aws:connect:us-east-1:111111111111:instance/x", "SourceAccount": "111111111111"})
        );
        let acct = json!({"Sid": "x", "Action": "lambda:InvokeFunction", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}});
        assert_eq!(statement_to_permission(&acct)["Principal"], "333333333333");
    }
}
