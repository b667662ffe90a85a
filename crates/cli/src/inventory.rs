//! Reading commands: extract, snapshot (which only reads AWS), snapshots and audit.

use crate::args::{At, AuditArgs, SnapshotArgs, SnapshotsArgs};
use crate::changes::progress_bar;
use crate::remote::Remote;
use crate::setup::engine_from_env;
use anyhow::Result;
use reqwest::Method;
use serde_json::{json, Value};
use snapdeploy_aws::SnapshotRequest;
use snapdeploy_core::{
    AccountId, AuditEntry, Note, Region, ResourceName, ServiceKind, SnapshotMeta, SnapshotReason,
    VersionSelector,
};

pub(crate) async fn extract(service: &str, at: &At, json_out: bool) -> Result<i32> {
    let service = ServiceKind::parse(service)?;
    let (account, region) = (
        AccountId::parse(&at.account_id)?,
        Region::parse(&at.region)?,
    );
    let resources: Vec<Value> = if let Some(remote) = Remote::from_env()? {
        let answer: Value = remote
            .get(
                &format!("/extract/{service}"),
                &[
                    ("account_id", account.to_string()),
                    ("region", region.to_string()),
                ],
            )
            .await?;
        serde_json::from_value(answer["resources"].clone())?
    } else {
        let (_, engine) = engine_from_env().await?;
        let bar = progress_bar(json_out);
        let resources = engine.extract(&account, &region, service, &bar.1).await;
        bar.0.finish_and_clear();
        resources?
    };
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
    if let Some(remote) = Remote::from_env()? {
        let body = json!({"account_id": at.account_id, "region": at.region, "service": service,
            "resource_name": resource_name, "note": note, "version": version, "full": full});
        let meta: SnapshotMeta = remote
            .call(Method::POST, "/snapshot", &[], Some(&body))
            .await?
            .into()?;
        return print_snapshot(&meta, json_out);
    }
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
    print_snapshot(&meta?, json_out)
}

fn print_snapshot(meta: &SnapshotMeta, json_out: bool) -> Result<i32> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(meta)?);
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
    let account = AccountId::parse(&account_id)?;
    let service = service.as_deref().map(ServiceKind::parse).transpose()?;
    let resource = resource_name
        .as_deref()
        .map(ResourceName::parse)
        .transpose()?;
    let list: Vec<SnapshotMeta> = if let Some(remote) = Remote::from_env()? {
        let mut q = vec![("account_id", account.to_string())];
        q.extend(service.map(|s| ("service", s.to_string())));
        q.extend(resource.map(|r| ("resource_name", r.to_string())));
        q.extend(limit.map(|l| ("limit", l.to_string())));
        remote.get("/snapshots", &q).await?
    } else {
        let (_, engine) = engine_from_env().await?;
        engine
            .snapshots
            .list_newest(&account, service, resource.as_ref(), limit.map(usize::from))
            .await?
    };
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
    let account = account_id.as_deref().map(AccountId::parse).transpose()?;
    let entries: Vec<AuditEntry> = if let Some(remote) = Remote::from_env()? {
        let mut q = vec![("limit", limit.to_string())];
        q.extend(account.map(|a| ("account_id", a.to_string())));
        remote.get("/audit", &q).await?
    } else {
        let (_, engine) = engine_from_env().await?;
        engine
            .audit_trail(account.as_ref(), usize::from(limit))
            .await?
    };
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
