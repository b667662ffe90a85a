//! Reading commands: extract, snapshot (which only reads AWS), snapshots and audit.

use crate::args::{At, AuditArgs, SnapshotArgs, SnapshotsArgs};
use crate::changes::progress_bar;
use crate::setup::engine_from_env;
use anyhow::Result;
use serde_json::Value;
use snapdeploy_aws::SnapshotRequest;
use snapdeploy_core::{
    AccountId, Note, Region, ResourceName, ServiceKind, SnapshotReason, VersionSelector,
};

pub(crate) async fn extract(service: &str, at: &At, json_out: bool) -> Result<i32> {
    let (_, engine) = engine_from_env().await?;
    let service = ServiceKind::parse(service)?;
    let bar = progress_bar(json_out);
    let resources = engine
        .extract(
            &AccountId::parse(&at.account_id)?,
            &Region::parse(&at.region)?,
            service,
            &bar.1,
        )
        .await;
    bar.0.finish_and_clear();
    let resources = resources?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&resources)?);
    } else {
        for r in &resources {
            println!("{}", summary_line(r));
        }
        eprintln!("{} {service} resource(s)", resources.len());
    }
    Ok(0)
}

pub(crate) async fn snapshot(args: SnapshotArgs, json_out: bool) -> Result<i32> {
    let SnapshotArgs {
        service,
        resource_name,
        at,
        note,
        version,
        full,
    } = args;
    let (config, engine) = engine_from_env().await?;
    let req = SnapshotRequest {
        account_id: AccountId::parse(&at.account_id)?,
        region: Region::parse(&at.region)?,
        service: ServiceKind::parse(&service)?,
        resource_name: ResourceName::parse(&resource_name)?,
        reason: SnapshotReason::Manual,
        taken_by: config.cli_actor(),
        note: note.as_deref().map(Note::parse).transpose()?,
        version: version.as_deref().map(VersionSelector::parse).transpose()?,
        full,
    };
    let bar = progress_bar(json_out);
    let meta = engine.snapshot(req, &bar.1).await;
    bar.0.finish_and_clear();
    let meta = meta?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&meta)?);
    } else {
        println!("snapshot stored: {}\ndigest: {}", meta.key, meta.digest);
    }
    Ok(0)
}

pub(crate) async fn snapshots(args: SnapshotsArgs, json_out: bool) -> Result<i32> {
    let SnapshotsArgs {
        account_id,
        service,
        resource_name,
        limit,
    } = args;
    let (_, engine) = engine_from_env().await?;
    let service = service.as_deref().map(ServiceKind::parse).transpose()?;
    let resource = resource_name
        .as_deref()
        .map(ResourceName::parse)
        .transpose()?;
    let list = engine
        .snapshots
        .list_newest(
            &AccountId::parse(&account_id)?,
            service,
            resource.as_ref(),
            limit.map(usize::from),
        )
        .await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for m in &list {
            println!(
                "{}  {:<12} {:<10} {}",
                m.taken_at.format("%Y-%m-%d %H:%M:%S"),
                serde_json::to_value(m.reason)?.as_str().unwrap_or(""),
                m.taken_by,
                m.key
            );
        }
        eprintln!("{} snapshot(s)", list.len());
    }
    Ok(0)
}

pub(crate) async fn audit(args: AuditArgs, json_out: bool) -> Result<i32> {
    let AuditArgs { account_id, limit } = args;
    let (_, engine) = engine_from_env().await?;
    let account = account_id.as_deref().map(AccountId::parse).transpose()?;
    let entries = engine
        .audit_trail(account.as_ref(), usize::from(limit))
        .await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&entries)?);
    } else {
        for e in &entries {
            let what = match (&e.service, &e.resource_name) {
                (Some(s), Some(r)) => format!("{s} {r}"),
                _ => String::new(),
            };
            println!(
                "{}  {:<16} {:<16} {} {:<14} {:<20} {}",
                e.at.format("%Y-%m-%d %H:%M:%S"),
                e.actor,
                serde_json::to_value(e.action)?.as_str().unwrap_or(""),
                e.account_id,
                e.region.as_ref().map(|r| r.as_str()).unwrap_or(""),
                what,
                e.outcome
            );
        }
        eprintln!("{} entr(ies)", entries.len());
    }
    Ok(0)
}

fn summary_line(r: &Value) -> String {
    let name = r["FunctionName"]
        .as_str()
        .or(r["name"].as_str())
        .unwrap_or("?");
    let kind = r["Runtime"]
        .as_str()
        .or(r["PackageType"].as_str())
        .unwrap_or("");
    let aliases: Vec<String> = r["Aliases"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    format!(
                        "{}->{}",
                        x["Name"].as_str().unwrap_or(""),
                        x["FunctionVersion"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{name:<40} {kind:<14} {:>6} MB {:>4}s  versions {:<3} {}",
        r["MemorySize"],
        r["Timeout"],
        r["Versions"].as_array().map_or(0, Vec::len),
        aliases.join(" ")
    )
}
