//! Lambda: extract, capture (configuration + code zip as a blob), plan, apply, restore.

mod apply;
mod lex_refs;
mod read;
mod targets;

use crate::change::{DeployOptions, Progress};
use crate::error::{AwsError, AwsResult};
use crate::limiter::Quota;
use crate::provider::{
    download, extra_versions, is_not_found, not_in_source, paged, reapply, settle_unmapped, str_of,
    string_map, svc, Applied, ApplyInput, Captured, Ctx, Provider, Steps,
};
use crate::tags::retag;
use apply::{create_function, load_code, wait_until_ready, Writer};
use async_trait::async_trait;
use aws_sdk_lambda::types::FunctionConfiguration;
use read::{
    applied_subset, code_sha_of, config_json, get_event_invoke, get_policy, list_aliases,
    list_versions, missing_layers,
};
use serde_json::{json, Value};
use snapdeploy_core::{
    diff, remap_arns, ArnRemapper, Plan, PlanAction, ResourceName, ServiceKind, SnapshotEnvelope,
    SourceRef,
};
use snapdeploy_store::SnapshotStore;
use std::collections::{BTreeMap, HashMap};

pub struct LambdaProvider;

#[async_trait]
impl Provider for LambdaProvider {
    fn service(&self) -> ServiceKind {
        ServiceKind::Lambda
    }

    fn name_field(&self) -> &'static str {
        "FunctionName"
    }

    fn document_fields(&self) -> &'static [&'static str] {
        &[
            "FunctionName",
            "PackageType",
            "Runtime",
            "Handler",
            "ImageUri",
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
            "Architectures",
            "KMSKeyArn",
            "CodeSha256",
            "CodeSize",
            "ReservedConcurrentExecutions",
            "Policy",
            "Tags",
            "Versions",
            "Aliases",
            "ConnectInstances",
            "LexBots",
            "EventInvokeConfig",
        ]
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
        let (versions, aliases, policy, event_invoke) = tokio::try_join!(
            list_versions(ctx, &client, name.as_str()),
            list_aliases(ctx, &client, name.as_str()),
            get_policy(ctx, &client, name.as_str()),
            get_event_invoke(ctx, &client, name.as_str())
        )?;
        // Only when set, so snapshots of functions without it read as before.
        if let Some(e) = event_invoke {
            config.insert("EventInvokeConfig".into(), e);
        }
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
        // So are the Lex bots allowed to invoke it: their names are recorded too.
        let bots = lex_refs::capture(ctx, &policy).await?;
        if !bots.is_empty() {
            config.insert("LexBots".into(), Value::Object(bots));
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
        let missing_instances = if same_place {
            BTreeMap::new()
        } else {
            instance_remaps(ctx, source, &mut remapper).await?
        };
        let missing_bots = if same_place {
            BTreeMap::new()
        } else {
            lex_refs::remap(ctx, source, &mut remapper).await?
        };
        let mut result = remap_arns(&mut desired, &remapper);
        if !same_place {
            result
                .unmapped
                .extend(missing_layers(ctx, &desired, &remapper).await?);
            result
                .unmapped
                .extend(targets::missing_targets(ctx, &desired, &remapper).await?);
            if source.account_id != ctx.account.account_id {
                let target = ctx.account.account_id.as_str();
                let ruled = &options.ruled_paths;
                result
                    .unmapped
                    .extend(targets::vpc_ids(&desired, ruled, target));
            }
        }
        for u in result.unmapped.iter_mut() {
            if let Some(why) = missing_bots.get(&u.value) {
                u.reason = why.clone();
            }
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
        let current = live.map(|l| applied_subset(&l.config, with_aliases));
        let unmapped = settle_unmapped(
            &mut desired,
            current.as_ref(),
            result.unmapped,
            &remapper,
            options.accept_unmapped,
            |path| match path.strip_prefix("/Policy/") {
                // A statement without its condition would grant more: it goes whole.
                Some(rest) => format!("/Policy/{}", rest.split('/').next().unwrap_or_default()),
                // Part of a VPC configuration is no configuration: it goes whole.
                None if path.starts_with("/VpcConfig/") => "/VpcConfig".to_owned(),
                None => path.to_owned(),
            },
        );
        let mut blockers = Vec::new();
        if desired.get("PackageType").and_then(Value::as_str) == Some("Image")
            && desired.get("ImageUri").is_none()
        {
            // An image is the function's code: it cannot be left out of a new function.
            blockers.push("the image URI cannot be left out of a new function: add a promotion rule that maps it to an image the target account can pull (for example its own ECR registry)".to_owned());
        }
        let (mut action, mut changes) = match &current {
            None => (PlanAction::Create, diff(&json!({}), &desired)),
            Some(current) => {
                let changes = diff(current, &desired);
                let action = if changes.is_empty() {
                    PlanAction::Unchanged
                } else {
                    PlanAction::Update
                };
                (action, changes)
            }
        };
        // Back where the snapshot was taken: the versions and aliases made since are listed,
        // and removed when asked (a rollback's remove_created).
        let summary = match live {
            Some(l) if same_place => {
                let extra = not_in_source(&source.config, &l.config);
                extra_versions(extra, options.remove_extra, &mut action, &mut changes)
            }
            _ => Value::Null,
        };
        Ok(Plan {
            service: ServiceKind::Lambda,
            resource_name: target.to_string(),
            target_account_id: ctx.account.account_id.to_string(),
            target_region: ctx.region.to_string(),
            action,
            changes,
            remapped: result.remapped,
            unmapped,
            warnings,
            substitutions: vec![],
            kept: vec![],
            blockers,
            summary,
            desired,
            live_digest: None,
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

        let w = Writer {
            ctx,
            client: client.clone(),
            name,
        };
        w.code_and_configuration(run, &live, desired, &code).await?;
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            ctx.region, ctx.account.account_id
        );
        let tags = (&desired["Tags"], &live["Tags"]);
        let created = plan.action == PlanAction::Create;
        retag(ctx, &client, run, &arn, tags, created).await?;
        w.concurrency(run, &live, desired).await?;
        w.resource_policy(run, &live, desired).await?;
        w.event_invoke(run, &live, desired).await?;
        w.publish(run, &live, options, applied).await?;
        w.aliases(run, &live, desired, options, applied).await?;
        if options.remove_extra {
            w.remove_not_in_source(run, &plan.summary).await?;
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

/// Connect instances keep their alias, not their id: each the function names is found by
/// alias in the target, or, where the target has a single instance (dev `acme-dev`, prod
/// `acme-prod`), that one. Returns those found nowhere (ARN -> alias).
async fn instance_remaps(
    ctx: &Ctx,
    source: &SnapshotEnvelope,
    remapper: &mut ArnRemapper,
) -> AwsResult<BTreeMap<String, String>> {
    let mut missing_instances = BTreeMap::new();
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
    Ok(missing_instances)
}

#[cfg(test)]
mod tests {
    use super::read::statement_to_permission;
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
