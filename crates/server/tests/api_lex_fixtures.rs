//! Lex V2 exports judged by hand-written fixtures (tests/fixtures/lex), not by SnapDeploy's
//! own `lexjson`: the fixture is zipped as it is and imported through the sandbox as a
//! console user would, then checked field by field in what the sandbox holds (read through
//! the AWS SDK), what SnapDeploy captures, what the sandbox exports, and what a promotion
//! through SnapDeploy leaves in the target account.

mod common;

use aws_sdk_lexmodelsv2::types::MergeStrategy;
use aws_sdk_lexmodelsv2::Client;
use common::oracle::export_draft;
use common::{spawn_app, TestApp};
use serde_json::{json, Value};
use snapdeploy_sandbox::seed::{DEV, PROD};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The fixture, found when the test runs (a target directory reused from a clone at another
/// path would otherwise point at that clone).
fn fixture_dir() -> std::path::PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../tests/fixtures/lex/PizzaBot")
}

/// Every file of the fixture, by its path in the archive, parsed.
fn fixture() -> BTreeMap<String, Value> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Value>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap())
                    .unwrap_or_else(|e| panic!("{rel}: {e}"));
                out.insert(rel, v);
            }
        }
    }
    let mut out = BTreeMap::new();
    let root = fixture_dir();
    walk(&root, &root, &mut out);
    out
}

/// The fixture as a zip, file for file.
fn fixture_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, v) in fixture() {
        w.start_file(path, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(serde_json::to_string_pretty(&v).unwrap().as_bytes())
            .unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Every field the fixture sets (not null, not an `identifier`, which AWS assigns on
/// import) has the same value in `actual`, recursively; `what` names the place.
fn assert_has_fields(what: &str, fixture: &Value, actual: &Value) {
    match (fixture, actual) {
        (Value::Object(f), _) => {
            for (k, v) in f {
                if v.is_null() || k == "identifier" {
                    continue;
                }
                assert_has_fields(&format!("{what}.{k}"), v, &actual[k.as_str()]);
            }
        }
        (Value::Array(f), Value::Array(a)) => {
            assert_eq!(f.len(), a.len(), "{what}: {actual}");
            for (i, (fv, av)) in f.iter().zip(a).enumerate() {
                assert_has_fields(&format!("{what}[{i}]"), fv, av);
            }
        }
        _ => assert_eq!(actual, fixture, "{what}"),
    }
}

/// An export holds every fixture file (the manifest's name in either case) with every field
/// the fixture sets.
fn assert_export_matches_fixture(what: &str, export: &BTreeMap<String, Value>) {
    for (path, f) in fixture() {
        let got = export
            .iter()
            .find(|(p, _)| {
                **p == path || (path == "manifest.json" && p.eq_ignore_ascii_case(&path))
            })
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("{what}: no {path} in {:?}", export.keys()));
        let mut f = f.clone();
        if path == "manifest.json" {
            // The schema version AWS writes is its own business; the format is not.
            f["metadata"]["schemaVersion"] = Value::Null;
        }
        assert_has_fields(&format!("{what}: {path}"), &f, got);
    }
}

async fn bot_id_of(lex: &Client, name: &str) -> Option<String> {
    let bots = lex.list_bots().send().await.unwrap();
    bots.bot_summaries()
        .iter()
        .find(|b| b.bot_name() == Some(name))
        .and_then(|b| b.bot_id().map(String::from))
}

/// The fixture imported into DEV, read back through the SDK call by call, captured by
/// SnapDeploy, exported by the sandbox, and promoted to PROD by SnapDeploy.
#[tokio::test]
async fn a_hand_written_export_survives_import_capture_export_and_promotion_field_by_field() {
    let app: TestApp = spawn_app().await;
    app.register_both().await;
    let dev = app.lex_as(&DEV);
    let files = fixture();
    let role = "arn:aws:iam::111111111111:role/lex-bot";
    let bot = common::console_import(
        &dev,
        fixture_zip(),
        "PizzaBot",
        role,
        MergeStrategy::FailOnConflict,
        Some(600),
    )
    .await;
    let path = |p: &str| files[&format!("PizzaBot/BotLocales/en_US/{p}")].clone();

    // What the sandbox holds, through the SDK's own calls and types.
    let b = dev.describe_bot().bot_id(&bot).send().await.unwrap();
    assert_eq!(
        b.description(),
        files["PizzaBot/Bot.json"]["description"].as_str()
    );
    assert_eq!(b.idle_session_ttl_in_seconds(), Some(600));
    let locale = dev
        .describe_bot_locale()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    let fl = path("BotLocale.json");
    assert_eq!(
        locale.nlu_intent_confidence_threshold(),
        fl["nluConfidenceThreshold"].as_f64()
    );
    let voice = locale.voice_settings().unwrap();
    assert_eq!(voice.voice_id(), "Joanna");
    assert_eq!(voice.engine().map(|e| e.as_str()), Some("neural"));
    assert_eq!(locale.description(), fl["description"].as_str());

    let intents = dev
        .list_intents()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = intents
        .intent_summaries()
        .iter()
        .filter_map(|i| i.intent_name())
        .collect();
    names.sort();
    assert_eq!(names, ["FallbackIntent", "OrderPizza"]);
    let order_id = intents
        .intent_summaries()
        .iter()
        .find(|i| i.intent_name() == Some("OrderPizza"))
        .and_then(|i| i.intent_id())
        .unwrap()
        .to_owned();
    let order = dev
        .describe_intent()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_id(&order_id)
        .send()
        .await
        .unwrap();
    let fi = path("Intents/OrderPizza/Intent.json");
    assert_eq!(order.description(), fi["description"].as_str());
    let utterances: Vec<&str> = order
        .sample_utterances()
        .iter()
        .map(|u| u.utterance())
        .collect();
    assert_eq!(
        utterances,
        [
            "I want a pizza",
            "order a {Size} pizza",
            "can I get a pizza please"
        ]
    );
    assert_eq!(
        order.fulfillment_code_hook().map(|h| h.enabled()),
        Some(true)
    );
    let confirm = order.intent_confirmation_setting().unwrap();
    assert_eq!(
        confirm.prompt_specification().unwrap().message_groups()[0]
            .message()
            .unwrap()
            .plain_text_message()
            .unwrap()
            .value(),
        "A {Size} pizza, is that right?"
    );
    let slots = dev
        .list_slots()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_id(&order_id)
        .send()
        .await
        .unwrap();
    let size = &slots.slot_summaries()[0];
    assert_eq!(size.slot_name(), Some("Size"));
    let priorities = order.slot_priorities();
    assert_eq!(
        (priorities[0].priority(), priorities[0].slot_id()),
        (1, size.slot_id().unwrap())
    );
    let slot = dev
        .describe_slot()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .intent_id(&order_id)
        .slot_id(size.slot_id().unwrap())
        .send()
        .await
        .unwrap();
    let elicit = slot.value_elicitation_setting().unwrap();
    assert_eq!(elicit.slot_constraint().as_str(), "Required");
    let prompt = elicit.prompt_specification().unwrap();
    assert_eq!(prompt.max_retries(), 2);
    assert_eq!(slot.description(), Some("How big the pizza is"));
    let types = dev
        .list_slot_types()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .send()
        .await
        .unwrap();
    let pizza_size = &types.slot_type_summaries()[0];
    assert_eq!(pizza_size.slot_type_name(), Some("PizzaSize"));
    assert_eq!(slot.slot_type_id(), pizza_size.slot_type_id());
    let st = dev
        .describe_slot_type()
        .bot_id(&bot)
        .bot_version("DRAFT")
        .locale_id("en_US")
        .slot_type_id(pizza_size.slot_type_id().unwrap())
        .send()
        .await
        .unwrap();
    let values: Vec<(String, Vec<String>)> = st
        .slot_type_values()
        .iter()
        .map(|v| {
            (
                v.sample_value().unwrap().value().to_owned(),
                v.synonyms().iter().map(|s| s.value().to_owned()).collect(),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("small".to_owned(), vec!["personal".to_owned()]),
            ("medium".to_owned(), vec![]),
            (
                "large".to_owned(),
                vec!["family".to_owned(), "big".to_owned()]
            )
        ]
    );
    assert_eq!(
        st.value_selection_setting()
            .unwrap()
            .resolution_strategy()
            .as_str(),
        "TopResolution"
    );

    // What SnapDeploy captures: the definition, file by file, minus AWS's ids.
    let (s, meta) = app.post("/snapshot", &json!({"account_id": DEV.account_id, "region": "us-east-1", "service": "lex", "resource_name": "PizzaBot"})).await;
    assert_eq!(s, 201, "{meta}");
    let doc = app.snapshot_doc(meta["key"].as_str().unwrap()).await;
    let def = &doc["config"]["Definition"]["locales"]["en_US"];
    assert_has_fields(
        "captured BotLocale",
        &{
            let mut l = fl.clone();
            l["name"] = Value::Null;
            l
        },
        &def["settings"],
    );
    for intent in ["OrderPizza", "FallbackIntent"] {
        let f = path(&format!("Intents/{intent}/Intent.json"));
        assert_has_fields(&format!("captured {intent}"), &f, &def["intents"][intent]);
    }
    assert_has_fields(
        "captured slot Size",
        &path("Intents/OrderPizza/Slots/Size/Slot.json"),
        &def["intents"]["OrderPizza"]["slots"]["Size"],
    );
    assert_has_fields(
        "captured slot type PizzaSize",
        &path("SlotTypes/PizzaSize/SlotType.json"),
        &def["slotTypes"]["PizzaSize"],
    );

    // What the sandbox exports.
    assert_export_matches_fixture("the sandbox's export", &export_draft(&dev, &bot).await);

    // Promoted to PROD through SnapDeploy (which builds its own archive for the import):
    // PROD's export carries the fixture's content too.
    let (s, report) = app
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": PROD.account_id, "region": "us-east-1"}, "options": {"accept_unmapped": true}}))
        .await;
    assert_eq!(s, 200, "{report}");
    let prod = app.lex_as(&PROD);
    let prod_bot = bot_id_of(&prod, "PizzaBot").await.expect("promoted");
    assert_export_matches_fixture(
        "PROD's export after the promotion",
        &export_draft(&prod, &prod_bot).await,
    );
}
