//! Change requests through the server: list, show, approve (and follow the change), reject.

use crate::args::ChangesCmd;
use crate::changes::{follow_and_print, print_outcome};
use crate::remote::Remote;
use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use serde_json::{json, Value};
use snapdeploy_aws::engine::DeployOutcome;
use snapdeploy_core::ChangeRequest;

pub(crate) async fn run(cmd: ChangesCmd, json_out: bool) -> Result<i32> {
    // Approving is one person vouching for another's change: it needs a signed-in person,
    // which only a server knows.
    let remote = Remote::from_env()?.ok_or_else(|| {
        anyhow!("change requests live on a SnapDeploy server: set SNAPDEPLOY_SERVER and SNAPDEPLOY_TOKEN, or run `snapdeploy login`")
    })?;
    match cmd {
        ChangesCmd::List { state, limit } => {
            let mut q = vec![("limit", limit.to_string())];
            if state != "all" {
                q.push(("state", state.clone()));
            }
            let all: Vec<ChangeRequest> = remote.get("/changes", &q).await?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!(
                    "no {} change requests",
                    if state == "all" { "" } else { &state }
                );
            } else {
                for cr in &all {
                    println!(
                        "{}  {:<9} {}  requested by {} at {}{}",
                        cr.id,
                        state_name(cr),
                        cr.summary,
                        cr.requested_by,
                        cr.requested_at.format("%Y-%m-%d %H:%M"),
                        cr.decided_by
                            .as_deref()
                            .map(|d| format!("; decided by {d}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(0)
        }
        ChangesCmd::Show { id } => {
            let cr: ChangeRequest = remote
                .get(&format!("/changes/{}", path_id(&id)?), &[])
                .await?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&cr)?);
            } else {
                print_request(&cr)?;
            }
            Ok(0)
        }
        ChangesCmd::Approve { id, comment } => {
            let body = json!({ "comment": comment });
            let answer = remote
                .call(
                    Method::POST,
                    &format!("/changes/{}/approve", path_id(&id)?),
                    &[],
                    Some(&body),
                )
                .await?
                .body;
            let cr: ChangeRequest = serde_json::from_value(answer["change_request"].clone())
                .context("the server's answer has no change request")?;
            if !json_out {
                println!(
                    "approved {} ({}, requested by {}); running it",
                    cr.id, cr.summary, cr.requested_by
                );
            }
            let job = answer["job_id"]
                .as_str()
                .ok_or_else(|| anyhow!("the server's answer has no job"))?;
            follow_and_print(&remote, job, json_out).await
        }
        ChangesCmd::Reject { id, comment } => {
            if comment.trim().is_empty() {
                bail!("--comment: say why the change is rejected");
            }
            let cr: ChangeRequest = remote
                .call(
                    Method::POST,
                    &format!("/changes/{}/reject", path_id(&id)?),
                    &[],
                    Some(&json!({ "comment": comment })),
                )
                .await?
                .into()?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&cr)?);
            } else {
                println!("rejected {} ({}): {}", cr.id, cr.summary, comment.trim());
            }
            Ok(0)
        }
    }
}

/// A change request id as a path segment: nothing that would change the route.
fn path_id(id: &str) -> Result<&str> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        bail!("{id:?} is not a change request id (see `snapdeploy changes list`)");
    }
    Ok(id)
}

fn state_name(cr: &ChangeRequest) -> String {
    serde_json::to_value(cr.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn print_request(cr: &ChangeRequest) -> Result<()> {
    println!("change request {} ({})", cr.id, state_name(cr));
    println!("  {}", cr.summary);
    println!(
        "  requested by {} at {}; expires {}",
        cr.requested_by,
        cr.requested_at.format("%Y-%m-%d %H:%M UTC"),
        cr.expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(d) = &cr.decided_by {
        println!(
            "  decided by {d}{}{}",
            cr.decided_at
                .map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default(),
            cr.comment
                .as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        );
    }
    println!(
        "  plan digest {}; target digest when planned {}",
        cr.plan_digest, cr.live_digest
    );
    println!("the plan:");
    match serde_json::from_value::<DeployOutcome>(cr.plan.clone()) {
        Ok(plan) => {
            print_outcome(plan, false)?;
        }
        Err(_) => println!("{}", serde_json::to_string_pretty(&Value::clone(&cr.plan))?),
    }
    Ok(())
}
