//! LexJson export and import.

use super::bots::{new_bot, validate_bot_fields};
use super::model::{now, Bot, Export, Import, Locale};
use super::support::{bot, new_id, not_found, region, str_field, validation, Ctx, Res};
use crate::http::json;
use crate::state::World;
use serde_json::{json, Value};
use snapdeploy_core::lexjson::{self, LexExport};
use std::sync::Arc;

/// The LexJson zip of one bot version.
pub(super) fn export_zip(b: &Bot, version: &str) -> Option<Vec<u8>> {
    let ver = b.versions.get(version)?;
    let export = LexExport {
        bot: json!({"name": b.name, "version": version, "description": b.description, "identifier": b.id,
                    "dataPrivacy": b.data_privacy, "idleSessionTTLInSeconds": b.idle_ttl}),
        locales: ver
            .locales
            .iter()
            .map(|(id, l)| (id.clone(), l.def.clone()))
            .collect(),
    };
    Some(lexjson::build(&b.name, &export))
}

pub(super) fn create_export(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    if str_field(body, "fileFormat") != Some("LexJson") {
        return Err(validation(
            "The sandbox exports bots in the LexJson file format only",
        ));
    }
    let spec = &body["resourceSpecification"]["botExportSpecification"];
    let (Some(id), Some(version)) = (str_field(spec, "botId"), str_field(spec, "botVersion"))
    else {
        return Err(validation("1 validation error detected: Value null at 'resourceSpecification.botExportSpecification' failed to satisfy constraint: Member must not be null"));
    };
    let ready_at = w.clock.now() + w.config.lambda_update_delay;
    let b = bot(w, ctx, id)?;
    let zip = export_zip(b, version)
        .ok_or_else(|| not_found(&format!("bot {id} version {version} does not exist")))?;
    let export_id = new_id();
    let created = now();
    w.lex_exports.insert(
        export_id.clone(),
        Export {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            bot_id: id.into(),
            version: version.into(),
            created,
            zip: Arc::new(zip),
            ready_at,
        },
    );
    Ok(json(
        202,
        &json!({"exportId": export_id, "resourceSpecification": body["resourceSpecification"], "fileFormat": "LexJson", "exportStatus": "InProgress", "creationDateTime": created}),
    ))
}

pub(super) fn start_import(w: &mut World, ctx: &Ctx, body: &Value) -> Res {
    let id = str_field(body, "importId").unwrap_or("").to_owned();
    let merge = str_field(body, "mergeStrategy").unwrap_or("");
    if !["Overwrite", "FailOnConflict", "Append"].contains(&merge) {
        return Err(validation("1 validation error detected: Value at 'mergeStrategy' failed to satisfy constraint: Member must satisfy enum value set: [Overwrite, FailOnConflict, Append]"));
    }
    let spec = body["resourceSpecification"]["botImportSpecification"].clone();
    validate_bot_fields(
        &json!({"botName": spec["botName"], "roleArn": spec["roleArn"], "dataPrivacy": spec["dataPrivacy"], "idleSessionTTLInSeconds": spec.get("idleSessionTTLInSeconds").cloned().unwrap_or(json!(300))}),
        true,
    )?;
    let bytes = w.lex_uploads.remove(&id).ok_or_else(|| {
        not_found(&format!(
            "no upload for import {id}: PUT the zip to the upload URL first"
        ))
    })?;
    let delay = w.config.lambda_update_delay;
    let bot_name = str_field(&spec, "botName").unwrap_or_default().to_owned();
    let created = now();
    let mut import = Import {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        spec: body["resourceSpecification"].clone(),
        merge: merge.into(),
        status: "InProgress".into(),
        failure: vec![],
        bot_id: None,
        bot_name: bot_name.clone(),
        created,
        ready_at: w.clock.now() + delay,
    };
    // The work happens now; DescribeImport reports it once the delay has passed.
    match lexjson::parse(&bytes) {
        Err(e) => {
            import.failure = vec![format!(
                "The import file is not a valid LexJson export: {e}"
            )]
        }
        Ok(parsed) => {
            let existing = region(w, ctx)
                .bots
                .values()
                .find(|b| b.name == bot_name)
                .map(|b| b.id.clone());
            let at = w.clock.now();
            let busy = existing
                .as_ref()
                .and_then(|id| region(w, ctx).bots.get(id))
                .map(|b| b.life.status(at, "Creating"))
                .filter(|s| *s != "Available");
            if let Some(status) = busy {
                import.failure = vec![format!(
                    "bot {bot_name} is in {status} status; wait until it is Available"
                )];
            } else if existing.is_some() && merge == "FailOnConflict" {
                import.failure = vec![format!("bot {bot_name} already exists")];
            } else {
                let bot_id = match existing {
                    Some(id) => id,
                    None => {
                        let b = new_bot(
                            new_id(),
                            &json!({"roleArn": spec["roleArn"], "dataPrivacy": spec["dataPrivacy"], "idleSessionTTLInSeconds": spec["idleSessionTTLInSeconds"], "botTags": spec["botTags"], "description": parsed.bot["description"]}),
                            &bot_name,
                        );
                        let id = b.id.clone();
                        region(w, ctx).bots.insert(id.clone(), b);
                        id
                    }
                };
                let b = region(w, ctx)
                    .bots
                    .get_mut(&bot_id)
                    .expect("inserted above");
                b.role_arn = str_field(&spec, "roleArn")
                    .unwrap_or(&b.role_arn)
                    .to_owned();
                b.description = parsed.bot["description"].as_str().unwrap_or("").to_owned();
                if let Some(t) = parsed.bot["idleSessionTTLInSeconds"].as_i64() {
                    b.idle_ttl = t;
                }
                b.updated = now();
                let draft = b.versions.get_mut("DRAFT").expect("every bot has a DRAFT");
                // Overwrite replaces the draft's locales with the imported ones; all need a build.
                draft.locales = parsed
                    .locales
                    .into_iter()
                    .map(|(id, def)| (id, Locale::new(def)))
                    .collect();
                import.bot_id = Some(bot_id);
            }
        }
    }
    let out = json!({"importId": id, "resourceSpecification": import.spec, "mergeStrategy": merge, "importStatus": "InProgress", "creationDateTime": created});
    w.lex_imports.insert(id, import);
    Ok(json(202, &out))
}

pub(super) fn settle_import(w: &mut World, id: &str) {
    let now = w.clock.now();
    if let Some(im) = w.lex_imports.get_mut(id) {
        if im.status == "InProgress" && now >= im.ready_at {
            im.status = if im.failure.is_empty() {
                "Completed"
            } else {
                "Failed"
            }
            .into();
        }
    }
}

/// DescribeExport.
pub(super) fn describe_export(w: &mut World, ctx: &Ctx, e: String) -> Res {
    let ex = w
        .lex_exports
        .get(&e)
        .filter(|x| x.account == ctx.account && x.region == ctx.region)
        .ok_or_else(|| not_found(&format!("export {e} does not exist")))?;
    let (zip, bot_id, version, created, ready_at) = (
        ex.zip.clone(),
        ex.bot_id.clone(),
        ex.version.clone(),
        ex.created,
        ex.ready_at,
    );
    let spec = json!({"botExportSpecification": {"botId": bot_id, "botVersion": version}});
    if w.clock.now() < ready_at {
        return Ok(json(
            200,
            &json!({"exportId": e, "resourceSpecification": spec, "fileFormat": "LexJson",
                    "exportStatus": "InProgress", "creationDateTime": created, "lastUpdatedDateTime": created}),
        ));
    }
    let path = w.add_download(zip, "application/zip");
    Ok(json(
        200,
        &json!({"exportId": e, "resourceSpecification": spec,
        "fileFormat": "LexJson", "exportStatus": "Completed", "downloadUrl": format!("http://{}{path}", ctx.host), "creationDateTime": created, "lastUpdatedDateTime": created}),
    ))
}

/// CreateUploadUrl.
pub(super) fn create_upload_url(w: &mut World, ctx: &Ctx) -> Res {
    let id = new_id();
    let path = w.add_upload(&id);
    Ok(json(
        200,
        &json!({"importId": id, "uploadUrl": format!("http://{}{path}", ctx.host)}),
    ))
}

/// DescribeImport.
pub(super) fn describe_import(w: &mut World, ctx: &Ctx, i: String) -> Res {
    settle_import(w, &i);
    let im = w
        .lex_imports
        .get(&i)
        .filter(|x| x.account == ctx.account && x.region == ctx.region)
        .ok_or_else(|| not_found(&format!("import {i} does not exist")))?;
    Ok(json(
        200,
        &json!({"importId": i, "resourceSpecification": im.spec, "importedResourceId": im.bot_id, "importedResourceName": im.bot_name,
        "mergeStrategy": im.merge, "importStatus": im.status, "failureReasons": im.failure, "creationDateTime": im.created, "lastUpdatedDateTime": im.created}),
    ))
}
