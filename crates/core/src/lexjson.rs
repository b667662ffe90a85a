//! The LexJson export format of Lex V2 (what CreateExport produces and StartImport takes):
//!
//! ```text
//! Manifest.json
//! <BotName>/Bot.json
//! <BotName>/BotLocales/<locale>/BotLocale.json
//! <BotName>/BotLocales/<locale>/Intents/<intent>/Intent.json
//! <BotName>/BotLocales/<locale>/Intents/<intent>/Slots/<slot>/Slot.json
//! <BotName>/BotLocales/<locale>/SlotTypes/<slot type>/SlotType.json
//! ```
//!
//! One reader and one writer, used by the product and by the sandbox alike.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LexLocale {
    /// BotLocale.json without its `identifier` and `name`, which follow from the locale id.
    pub meta: Map<String, Value>,
    /// Intent.json by intent name, each with a `slots` object of Slot.json by slot name.
    pub intents: BTreeMap<String, Value>,
    /// SlotType.json by slot type name.
    pub slot_types: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LexExport {
    /// Bot.json
    pub bot: Value,
    pub locales: BTreeMap<String, LexLocale>,
}

pub fn locale_name(id: &str) -> &'static str {
    match id {
        "en_US" => "English (US)",
        "en_GB" => "English (GB)",
        "en_AU" => "English (AU)",
        "es_US" => "Spanish (US)",
        "es_ES" => "Spanish (Spain)",
        "fr_FR" => "French (France)",
        "fr_CA" => "French (Canada)",
        "de_DE" => "German (Germany)",
        "it_IT" => "Italian (Italy)",
        "ja_JP" => "Japanese (Japan)",
        "pt_BR" => "Portuguese (Brazil)",
        _ => "Unknown",
    }
}

/// Reads a LexJson archive, or says why it is not one.
pub fn parse(bytes: &[u8]) -> Result<LexExport, String> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a zip archive ({e})"))?;
    let mut files: BTreeMap<String, Value> = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive
            .by_index(i)
            .map_err(|e| format!("unreadable zip entry: {e}"))?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_owned();
        let mut text = String::new();
        f.read_to_string(&mut text)
            .map_err(|e| format!("{name}: {e}"))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{name} is not JSON: {e}"))?;
        files.insert(name, v);
    }
    let manifest = files
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("manifest.json"))
        .map(|(_, v)| v)
        .ok_or("the archive has no Manifest.json")?;
    if manifest["metadata"]["fileFormat"] != "LexJson"
        || manifest["metadata"]["resourceType"] != "Bot"
    {
        return Err("Manifest.json does not describe a LexJson bot export".into());
    }
    let (bot_path, bot) = files
        .iter()
        .find(|(k, _)| k.ends_with("/Bot.json") && k.matches('/').count() == 1)
        .ok_or("the archive has no <bot>/Bot.json")?;
    let root = bot_path.trim_end_matches("Bot.json").to_owned();
    let mut locales: BTreeMap<String, LexLocale> = BTreeMap::new();
    for (path, v) in &files {
        if path.eq_ignore_ascii_case("manifest.json") || path == bot_path {
            continue;
        }
        let Some(rest) = path.strip_prefix(&format!("{root}BotLocales/")) else {
            return Err(format!("unexpected file {path} in a LexJson export"));
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let locale = locales.entry(parts[0].to_owned()).or_default();
        match parts.as_slice() {
            [_, "BotLocale.json"] => {
                let mut meta = v
                    .as_object()
                    .cloned()
                    .ok_or(format!("{path} is not an object"))?;
                meta.remove("identifier");
                meta.remove("name");
                locale.meta = meta;
            }
            [_, "Intents", intent, "Intent.json"] => {
                let slots = locale
                    .intents
                    .get(*intent)
                    .and_then(|i| i.get("slots"))
                    .cloned()
                    .unwrap_or(json!({}));
                let mut i = v.clone();
                i["slots"] = slots;
                locale.intents.insert(intent.to_string(), i);
            }
            [_, "Intents", intent, "Slots", slot, "Slot.json"] => {
                let i = locale
                    .intents
                    .entry(intent.to_string())
                    .or_insert_with(|| json!({"name": intent, "slots": {}}));
                i["slots"][*slot] = v.clone();
            }
            [_, "SlotTypes", slot_type, "SlotType.json"] => {
                locale.slot_types.insert(slot_type.to_string(), v.clone());
            }
            _ => return Err(format!("unexpected file {path} in a LexJson export")),
        }
    }
    if let Some((id, _)) = locales.iter().find(|(_, l)| l.meta.is_empty()) {
        return Err(format!("locale {id} has no BotLocale.json"));
    }
    Ok(LexExport {
        bot: bot.clone(),
        locales,
    })
}

/// Writes a LexJson archive with fixed timestamps, so the same definition gives the same bytes.
pub fn build(bot_name: &str, export: &LexExport) -> Vec<u8> {
    let mut files: Vec<(String, &Value)> = Vec::new();
    let manifest =
        json!({"metadata": {"schemaVersion": "1", "fileFormat": "LexJson", "resourceType": "Bot"}});
    let mut owned: Vec<(String, Value)> = vec![("Manifest.json".into(), manifest)];
    for (id, l) in &export.locales {
        let mut meta = l.meta.clone();
        meta.insert("identifier".into(), json!(id));
        meta.insert("name".into(), json!(locale_name(id)));
        owned.push((
            format!("{bot_name}/BotLocales/{id}/BotLocale.json"),
            Value::Object(meta),
        ));
        for (name, intent) in &l.intents {
            let mut i = intent.clone();
            let slots = i
                .as_object_mut()
                .and_then(|m| m.remove("slots"))
                .unwrap_or(json!({}));
            owned.push((
                format!("{bot_name}/BotLocales/{id}/Intents/{name}/Intent.json"),
                i,
            ));
            for (slot, s) in slots.as_object().into_iter().flatten() {
                owned.push((
                    format!("{bot_name}/BotLocales/{id}/Intents/{name}/Slots/{slot}/Slot.json"),
                    s.clone(),
                ));
            }
        }
    }
    files.push((format!("{bot_name}/Bot.json"), &export.bot));
    for (id, l) in &export.locales {
        for (name, t) in &l.slot_types {
            files.push((
                format!("{bot_name}/BotLocales/{id}/SlotTypes/{name}/SlotType.json"),
                t,
            ));
        }
    }
    for (p, v) in &owned {
        files.push((p.clone(), v));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, v) in files {
        // Writing to memory cannot fail short of running out of it.
        w.start_file(name, opts).expect("in-memory zip");
        w.write_all(
            serde_json::to_string_pretty(v)
                .unwrap_or_default()
                .as_bytes(),
        )
        .expect("in-memory zip");
    }
    w.finish().expect("in-memory zip").into_inner()
}

/// The definition as canonical configuration: ids that differ between accounts
/// (`identifier`) are left out, so the same bot in two accounts compares equal.
pub fn to_config(export: &LexExport) -> Value {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "identifier")
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    let mut bot = strip(&export.bot);
    if let Some(m) = bot.as_object_mut() {
        m.remove("version");
        m.remove("name");
    }
    let locales: Map<String, Value> = export
        .locales
        .iter()
        .map(|(id, l)| {
            (
                id.clone(),
                json!({
                    "settings": strip(&Value::Object(l.meta.clone())),
                    "intents": strip(&json!(l.intents)),
                    "slotTypes": strip(&json!(l.slot_types)),
                }),
            )
        })
        .collect();
    crate::canonicalize(&json!({"bot": bot, "locales": locales}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LexExport {
        let mut l = LexLocale::default();
        l.meta.insert("nluConfidenceThreshold".into(), json!(0.4));
        l.intents.insert("Greet".into(), json!({"name": "Greet", "identifier": "ABC", "sampleUtterances": [{"utterance": "hi"}], "slots": {"Name": {"name": "Name", "slotTypeName": "AMAZON.FirstName"}}}));
        l.slot_types.insert(
            "Size".into(),
            json!({"name": "Size", "slotTypeValues": [{"sampleValue": {"value": "large"}}]}),
        );
        let mut locales = BTreeMap::new();
        locales.insert("en_US".into(), l);
        LexExport {
            bot: json!({"name": "Bot", "version": "DRAFT", "identifier": "BOTID00001", "idleSessionTTLInSeconds": 300}),
            locales,
        }
    }

    #[test]
    fn build_then_parse_round_trips_and_is_deterministic() {
        let e = sample();
        let zip = build("Bot", &e);
        assert_eq!(zip, build("Bot", &e));
        assert_eq!(parse(&zip).unwrap(), e);
    }

    #[test]
    fn config_leaves_out_account_specific_ids() {
        let c = to_config(&sample());
        assert!(!c.to_string().contains("ABC") && !c.to_string().contains("BOTID00001"));
        assert_eq!(
            c["locales"]["en_US"]["intents"]["Greet"]["slots"]["Name"]["slotTypeName"],
            "AMAZON.FirstName"
        );
    }

    #[test]
    fn what_is_not_an_export_is_refused_with_a_reason() {
        assert!(parse(b"not a zip").unwrap_err().contains("not a zip"));
        let mut e = sample();
        e.locales.get_mut("en_US").unwrap().meta.clear();
        assert!(parse(&build("Bot", &e))
            .unwrap_err()
            .contains("BotLocale.json"));
    }
}
