//! Changing commands: deploy and rollback, which run to their end even when interrupted.

use crate::args::{DeployArgs, RollbackArgs};
use crate::remote::{ApiFailure, Remote};
use crate::setup::engine_from_env;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde_json::{json, Value};
use snapdeploy_aws::engine::{DeployOutcome, DeploySource};
use snapdeploy_aws::{DeployOptions, DeployRequest, Progress, RollbackRequest};
use snapdeploy_core::ChangeRequest;
use snapdeploy_core::{AccountId, AliasName, Note, Region, ResourceName, ServiceKind, SnapshotKey};
use snapdeploy_server::jobs::JobView;
use std::time::Duration;

pub(crate) async fn deploy(args: DeployArgs, json_out: bool) -> Result<i32> {
    let DeployArgs {
        snapshot_key,
        file,
        at,
        resource_name,
        dry_run,
        alias,
        no_publish,
        accept_unmapped,
        keep_versions,
        note,
        flows,
        remove_extra,
        with_dependencies,
    } = args;
    let source = match (snapshot_key, file) {
        (Some(k), _) => DeploySource::Key(SnapshotKey::parse(&k)?),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            DeploySource::Inline(Box::new(
                serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a snapshot document", path.display()))?,
            ))
        }
        (None, None) => bail!("give --snapshot-key or --file"),
    };
    let account_id = AccountId::parse(&at.account_id)?;
    let region = Region::parse(&at.region)?;
    let resource_name = resource_name
        .as_deref()
        .map(ResourceName::parse)
        .transpose()?;
    let options = DeployOptions {
        publish: !no_publish,
        alias: alias.as_deref().map(AliasName::parse).transpose()?,
        accept_unmapped,
        keep_versions,
        note: note.as_deref().map(Note::parse).transpose()?,
        flows: flows.map(|f| {
            f.into_iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect()
        }),
        remove_extra,
        with_dependencies,
        ..DeployOptions::default()
    };
    if let Some(remote) = Remote::from_env()? {
        let source = match &source {
            DeploySource::Key(k) => json!({"snapshot_key": k.to_string()}),
            DeploySource::Inline(doc) => json!({"snapshot": doc}),
        };
        let body = json!({
            "source": source,
            "target": {"account_id": account_id, "region": region, "resource_name": resource_name},
            "dry_run": dry_run,
            "options": options,
        });
        return remote_change(&remote, "/deploy", &body, dry_run, json_out).await;
    }
    let (config, engine) = engine_from_env().await?;
    let req = DeployRequest {
        source,
        account_id,
        region,
        resource_name,
        dry_run,
        options,
        taken_by: config.cli_actor(),
    };
    let bar = progress_bar(json_out);
    let outcome = through_interrupts(engine.deploy(req, &bar.1)).await;
    bar.0.finish_and_clear();
    print_outcome(outcome?, json_out)
}

pub(crate) async fn rollback(args: RollbackArgs, json_out: bool) -> Result<i32> {
    let RollbackArgs {
        service,
        resource_name,
        at,
        snapshot_key,
        dry_run,
        remove_created,
    } = args;
    let req = RollbackRequest {
        account_id: AccountId::parse(&at.account_id)?,
        region: Region::parse(&at.region)?,
        service: ServiceKind::parse(&service)?,
        resource_name: ResourceName::parse(&resource_name)?,
        snapshot_key: SnapshotKey::parse(&snapshot_key)?,
        dry_run,
        taken_by: String::new(),
        remove_created,
    };
    if let Some(remote) = Remote::from_env()? {
        let body = json!({
            "account_id": req.account_id, "region": req.region, "service": req.service,
            "resource_name": req.resource_name, "snapshot_key": req.snapshot_key.to_string(),
            "dry_run": dry_run, "remove_created": remove_created,
        });
        return remote_change(&remote, "/rollback", &body, dry_run, json_out).await;
    }
    let (config, engine) = engine_from_env().await?;
    let req = RollbackRequest {
        taken_by: config.cli_actor(),
        ..req
    };
    let bar = progress_bar(json_out);
    let outcome = through_interrupts(engine.rollback(req, &bar.1)).await;
    bar.0.finish_and_clear();
    print_outcome(outcome?, json_out)
}

pub(crate) async fn releases(limit: usize, json_out: bool) -> Result<i32> {
    let all: Vec<snapdeploy_core::Release> = if let Some(remote) = Remote::from_env()? {
        remote
            .get("/releases", &[("limit", limit.clamp(1, 1000).to_string())])
            .await?
    } else {
        let (_, engine) = engine_from_env().await?;
        engine.recent_releases(limit).await?
    };
    if json_out {
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else if all.is_empty() {
        println!("no releases");
    } else {
        for r in &all {
            print_release(r);
        }
    }
    Ok(0)
}

/// `snapdeploy jobs`: the job records, from the server or the registry.
pub(crate) async fn jobs(
    state: Option<String>,
    limit: usize,
    id: Option<String>,
    json_out: bool,
) -> Result<i32> {
    let parsed = state
        .as_deref()
        .map(|s| {
            snapdeploy_store::JobState::parse(s).ok_or_else(|| {
                anyhow::anyhow!("--state must be one of queued, running, succeeded, failed, failed_restored, interrupted")
            })
        })
        .transpose()?;
    let remote = Remote::from_env()?;
    if let Some(id) = id {
        let job: Value = match &remote {
            Some(r) => r.get(&format!("/jobs/{id}"), &[]).await?,
            None => {
                let (_, engine) = engine_from_env().await?;
                let job = engine
                    .jobs
                    .get_job(&id, chrono::Utc::now())
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("there is no job {id} (finished jobs are kept for SNAPDEPLOY_JOB_TTL_MINUTES)"))?;
                let events = engine.jobs.job_events(&id, 0).await?;
                let events = events
                    .into_iter()
                    .filter_map(|(_, e)| serde_json::from_value(e).ok())
                    .collect();
                // What the server's /jobs/{id} answers, so both modes print alike.
                serde_json::to_value(JobView::of(&job.job, Some(events)))?
            }
        };
        if json_out {
            println!("{}", serde_json::to_string_pretty(&job)?);
        } else {
            print_job(&job);
            for e in job["events"].as_array().into_iter().flatten() {
                println!("  {}", e["message"].as_str().unwrap_or_default());
            }
            if let Some(e) = job.get("error").filter(|e| !e.is_null()) {
                println!("error: {}", e["message"].as_str().unwrap_or_default());
            }
        }
        return Ok(0);
    }
    let all: Vec<Value> = match &remote {
        Some(r) => {
            let mut q = vec![("limit", limit.clamp(1, 1000).to_string())];
            if let Some(s) = &state {
                q.push(("state", s.clone()));
            }
            r.get("/jobs", &q).await?
        }
        None => {
            let (_, engine) = engine_from_env().await?;
            engine
                .jobs
                .list_jobs(parsed, limit.clamp(1, 1000), chrono::Utc::now())
                .await?
                .iter()
                .map(|j| serde_json::to_value(JobView::of(j, None)))
                .collect::<Result<_, _>>()?
        }
    };
    if json_out {
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else if all.is_empty() {
        println!("no jobs");
    } else {
        all.iter().for_each(print_job);
    }
    Ok(0)
}

fn print_job(j: &Value) {
    let s = |k: &str| j[k].as_str().unwrap_or("-").to_owned();
    println!(
        "{}  {:<8} {:<15} by {}  created {}  worker {}",
        s("id"),
        s("kind"),
        s("state"),
        s("requester"),
        s("created_at"),
        s("worker")
    );
}

pub(crate) async fn rollback_release(
    id: &str,
    remove_created: bool,
    dry_run: bool,
    json_out: bool,
) -> Result<i32> {
    if let Some(remote) = Remote::from_env()? {
        let body = json!({"release_id": id, "remove_created": remove_created, "dry_run": dry_run});
        return remote_change(&remote, "/rollback", &body, dry_run, json_out).await;
    }
    let (config, engine) = engine_from_env().await?;
    let bar = progress_bar(json_out);
    let actor = config.cli_actor();
    let outcome =
        through_interrupts(engine.rollback_release(id, remove_created, dry_run, &actor, &bar.1))
            .await;
    bar.0.finish_and_clear();
    print_outcome(outcome?, json_out)
}

/// Exit status of a change that waits for a second person's approval: not a failure, not done.
pub(crate) const AWAITING_APPROVAL: i32 = 3;

/// A deploy or rollback through the server: a dry run is answered at once; a change runs as a
/// job that is followed to its end (the server finishes it even if this process is stopped);
/// into a protected account it becomes a change request for another person to approve.
async fn remote_change(
    remote: &Remote,
    path: &str,
    body: &Value,
    dry_run: bool,
    json_out: bool,
) -> Result<i32> {
    let query = if dry_run {
        vec![]
    } else {
        vec![("background", "true".to_owned())]
    };
    let answer = remote.call(Method::POST, path, &query, Some(body)).await?;
    if let Some(cr) = answer.body.get("change_request") {
        let cr: ChangeRequest = serde_json::from_value(cr.clone())?;
        if json_out {
            println!("{}", serde_json::to_string_pretty(&answer.body)?);
        } else {
            println!(
                "{} is protected: change request {} waits for another person's approval (until {})",
                cr.account_id,
                cr.id,
                cr.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            println!("  {}", cr.summary);
            println!(
                "  an approver runs: snapdeploy changes approve {}   (see it: snapdeploy changes show {})",
                cr.id, cr.id
            );
        }
        return Ok(AWAITING_APPROVAL);
    }
    match answer.body.get("job_id").and_then(Value::as_str) {
        Some(job) => follow_and_print(remote, job, json_out).await,
        None => print_ended(Ok(answer.body), json_out),
    }
}

/// Follows a change's job to its end, showing its progress, and prints how it ended.
pub(crate) async fn follow_and_print(remote: &Remote, job: &str, json_out: bool) -> Result<i32> {
    let bar = progress_bar(json_out);
    let ended = remote.follow_job(job, &bar.1).await;
    bar.0.finish_and_clear();
    print_ended(ended?, json_out)
}

/// A change's answer through the server: its plan, report or release, or its failure.
fn print_ended(ended: std::result::Result<Value, ApiFailure>, json_out: bool) -> Result<i32> {
    match ended {
        Ok(v) => print_outcome(
            serde_json::from_value(v)
                .context("the server's answer is not a plan, report or release")?,
            json_out,
        ),
        Err(failure) => {
            // A change that failed carries its report (what was done and put back).
            if let Ok(outcome) = serde_json::from_value::<DeployOutcome>(failure.details.clone()) {
                print_outcome(outcome, json_out)?;
            }
            Err(failure.into())
        }
    }
}

fn print_release(r: &snapdeploy_core::Release) {
    println!(
        "{} {:?}: {} {} -> {} {} ({}, by {} at {})",
        r.release_id,
        r.status,
        r.source_account_id,
        r.source_region,
        r.target_account_id,
        r.target_region,
        r.instance,
        r.created_by,
        r.created_at.format("%Y-%m-%dT%H:%M:%SZ")
    );
    for m in &r.members {
        println!(
            "  {} {:<28} {:?}{}{}",
            m.service,
            m.resource_name,
            m.status,
            m.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default(),
            m.rollback
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
}

/// Runs a deploy or rollback to its end even when interrupted: Ctrl-C (or a pipeline's
/// SIGINT/SIGTERM) half-way through would leave the resource half-changed, with no restore.
/// The change finishes (or fails and is put back), then its outcome is printed as usual.
async fn through_interrupts<T>(change: impl std::future::Future<Output = T>) -> T {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::pin!(change);
    loop {
        #[cfg(unix)]
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<()>();
        tokio::select! {
            out = &mut change => return out,
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
        eprintln!(
            "snapdeploy: a change is under way; it runs to its end (a failed step is put back) before snapdeploy exits"
        );
    }
}

/// A progress bar on stderr (hidden with --json or when stderr is not a terminal).
pub(crate) fn progress_bar(json_out: bool) -> (ProgressBar, Progress) {
    let bar = if json_out {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let b = bar.clone();
    let progress = Progress::new(move |e| {
        if e.total > 0 {
            b.set_length(e.total);
            b.set_position(e.done);
        }
        b.set_message(e.message);
    });
    (bar, progress)
}

pub(crate) fn print_outcome(outcome: DeployOutcome, json_out: bool) -> Result<i32> {
    let failed = match &outcome {
        DeployOutcome::Report(r) => r.status.failed(),
        DeployOutcome::Release(r) => r.release.status.failed(),
        DeployOutcome::Plan(_) => false,
    };
    if json_out {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(if failed { 2 } else { 0 });
    }
    let plan = match &outcome {
        DeployOutcome::Plan(p) => p.as_ref(),
        DeployOutcome::Report(r) => &r.plan,
        DeployOutcome::Release(r) => {
            print_release(&r.release);
            for (i, p) in r.plans.iter().enumerate() {
                println!(
                    "plan of {}:",
                    r.order.get(i).map(String::as_str).unwrap_or("")
                );
                print_plan(p);
            }
            return Ok(if failed { 2 } else { 0 });
        }
    };
    print_plan(plan);
    if let DeployOutcome::Report(r) = &outcome {
        if let Some(s) = &r.safety_snapshot {
            println!("safety snapshot: {}", s.key);
        }
        for s in &r.steps {
            println!(
                "  step {:<22} {} {}",
                s.step,
                s.status,
                s.message.clone().unwrap_or_default()
            );
        }
        if let Some(v) = &r.published_version {
            println!("published version {v}");
        }
        println!("status: {}", r.status);
        if let Some(e) = &r.error {
            eprintln!("error: {e}");
        }
    }
    Ok(if failed { 2 } else { 0 })
}

fn print_plan(plan: &snapdeploy_core::Plan) {
    println!(
        "{} {} in {} {}: {:?}",
        plan.service, plan.resource_name, plan.target_account_id, plan.target_region, plan.action
    );
    for c in &plan.changes {
        println!(
            "  {:?} {} {} -> {}",
            c.op,
            c.path,
            c.from.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            c.to.as_ref().map(|v| v.to_string()).unwrap_or_default()
        );
    }
    for s in &plan.substitutions {
        println!(
            "  rule {} substituted {}: {} -> {}",
            s.rule, s.path, s.before, s.after
        );
    }
    for k in &plan.kept {
        match &k.target_value {
            serde_json::Value::Null => println!(
                "  kept {} ({}): the target has none, so {} is not written",
                k.path, k.rule, k.source_value
            ),
            v => println!(
                "  kept {} ({}): the target's {v}, not {}",
                k.path, k.rule, k.source_value
            ),
        }
    }
    for r in &plan.remapped {
        println!("  remapped {}: {} -> {}", r.path, r.from, r.to);
    }
    for u in &plan.unmapped {
        println!("  UNMAPPED {}: {} ({})", u.path, u.value, u.reason);
    }
    for w in &plan.warnings {
        println!("  warning: {w}");
    }
}
