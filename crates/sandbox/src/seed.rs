//! Deterministic seed data: `demo` (a hub, a dev and a prod account with a small, realistic
//! set of contact-centre Lambda functions) and `large` (demo plus 500 functions in dev, for
//! benchmarks).

use crate::lambda::{seed_function, seed_permission, seed_publish, seed_update};
use crate::lex::{seed_alias, seed_bot, seed_version, Locale};
use crate::state::RoleDef;
use crate::zipfile::make_zip;
use crate::Sandbox;
use base64::Engine;
use serde_json::{json, Value};
use snapdeploy_core::lexjson::LexLocale;

pub const HUB_ACCOUNT: &str = "100000000000";
pub const HUB_ACCESS_KEY: &str = "AKIASANDBOXHUBKEY001";
/// Not a secret: the sandbox's fixed demo key, printed in its banner.
pub const HUB_SECRET_KEY: &str = "sandbox-hub-secret-not-a-real-key-000000";
pub const SEED_REGION: &str = "us-east-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// The hub and the two accounts with their roles, and no resources.
    Accounts,
    Demo,
    Large,
}

impl std::str::FromStr for Seed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accounts" | "none" => Ok(Seed::Accounts),
            "demo" => Ok(Seed::Demo),
            "large" => Ok(Seed::Large),
            _ => Err(format!("unknown seed {s:?}: use accounts, demo or large")),
        }
    }
}

/// A seeded account as the product registers it.
pub struct SeedAccount {
    pub account_id: &'static str,
    pub name: &'static str,
    pub role_arn: &'static str,
    pub external_id: &'static str,
    pub access_key: &'static str,
    pub secret_key: &'static str,
    pub protected: bool,
}

pub const DEV: SeedAccount = SeedAccount {
    account_id: "111111111111",
    name: "contact-centre-dev",
    role_arn: "arn:aws:iam::111111111111:role/SnapDeployAccess",
    external_id: "snapdeploy-demo-dev",
    access_key: "AKIASANDBOXDEV000001",
    secret_key: "sandbox-dev-secret-not-a-real-key-000000",
    protected: false,
};

pub const PROD: SeedAccount = SeedAccount {
    account_id: "222222222222",
    name: "contact-centre-prod",
    role_arn: "arn:aws:iam::222222222222:role/SnapDeployAccess",
    external_id: "snapdeploy-demo-prod",
    access_key: "AKIASANDBOXPROD00001",
    secret_key: "sandbox-prod-secret-not-a-real-key-00000",
    protected: true,
};

pub const ACCOUNTS: [SeedAccount; 2] = [DEV, PROD];

pub fn load(sb: &Sandbox, seed: Seed) {
    sb.add_account(HUB_ACCOUNT, HUB_ACCESS_KEY, HUB_SECRET_KEY);
    for a in ACCOUNTS {
        sb.add_account(a.account_id, a.access_key, a.secret_key);
        sb.add_role(RoleDef {
            arn: a.role_arn.into(),
            trusted_accounts: vec![HUB_ACCOUNT.into()],
            external_id: Some(a.external_id.into()),
            max_session_seconds: 3600,
        });
    }
    if seed == Seed::Accounts {
        return;
    }
    demo_lambda(sb);
    demo_lex(sb);
    if seed == Seed::Large {
        large_lambda(sb, 500);
    }
}

fn code(name: &str, body: &str) -> Value {
    let zip = make_zip(&[(name, body.as_bytes())]);
    json!({"ZipFile": base64::engine::general_purpose::STANDARD.encode(zip)})
}

const LOOKUP_V1: &str = "import os\n\ndef handler(event, context):\n    phone = event['Details']['ContactData']['CustomerEndpoint']['Address']\n    return {'customerName': 'Unknown', 'phone': phone}\n";
const LOOKUP_V2: &str = "import os\nimport boto3\n\nTABLE = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n\ndef handler(event, context):\n    phone = event['Details']['ContactData']['CustomerEndpoint']['Address']\n    item = TABLE.get_item(Key={'phone': phone}).get('Item') or {}\n    return {'customerName': item.get('name', 'Unknown'), 'tier': item.get('tier', 'standard')}\n";

fn demo_lambda(sb: &Sandbox) {
    let mut w = sb.inner.world();
    let w = &mut *w;
    let r = SEED_REGION;
    for (acct, stage) in [(DEV.account_id, "dev"), (PROD.account_id, "prod")] {
        let role = format!("arn:aws:iam::{acct}:role/contact-centre-lambda");
        let instance =
            format!("arn:aws:connect:{r}:{acct}:instance/{stage}-0000-4000-8000-000000000001");
        // prod runs the older lookup code; dev has moved on, so a promotion is an update.
        let lookup = if stage == "dev" { LOOKUP_V2 } else { LOOKUP_V1 };
        let _ = seed_function(
            w,
            acct,
            r,
            "cc-customer-lookup",
            json!({
                "Runtime": "python3.12", "Role": role, "Handler": "app.handler",
                "Code": code("app.py", LOOKUP_V1),
                "Description": "Looks up the caller in the customer table for the IVR",
                "Timeout": 8, "MemorySize": 256,
                "Environment": {"Variables": {"TABLE": format!("customers-{stage}"), "STAGE": stage}},
                "Layers": [format!("arn:aws:lambda:{r}:{acct}:layer:cc-common:3")],
                "DeadLetterConfig": {"TargetArn": format!("arn:aws:sqs:{r}:{acct}:cc-lambda-dlq")},
                "TracingConfig": {"Mode": "Active"},
                "Tags": {"team": "contact-centre", "stage": stage},
            }),
        );
        seed_publish(w, acct, r, "cc-customer-lookup", None);
        seed_update(w, acct, r, "cc-customer-lookup", |f| {
            let zip = make_zip(&[("app.py", lookup.as_bytes())]);
            f.code.sha256_b64 = base64::engine::general_purpose::STANDARD
                .encode(<sha2::Sha256 as sha2::Digest>::digest(&zip));
            f.code.size = zip.len() as u64;
            f.code.zip = Some(std::sync::Arc::new(zip));
            f.reserved = Some(10);
        });
        seed_publish(w, acct, r, "cc-customer-lookup", Some("live"));
        seed_permission(
            w,
            acct,
            r,
            "cc-customer-lookup",
            json!({
                "StatementId": "connect-invoke", "Action": "lambda:InvokeFunction",
                "Principal": "connect.amazonaws.com", "SourceArn": instance, "SourceAccount": acct,
            }),
        );
        if stage == "prod" {
            continue;
        }
        let _ = seed_function(
            w,
            acct,
            r,
            "cc-callback-scheduler",
            json!({
                "Runtime": "nodejs20.x", "Role": role, "Handler": "index.handler",
                "Code": code("index.mjs", "export const handler = async (event) => ({ scheduled: true, at: event.Details?.Parameters?.slot ?? null });\n"),
                "Description": "Schedules a callback when the queue is long",
                "Timeout": 15, "MemorySize": 512, "Architectures": ["arm64"],
                "EphemeralStorage": {"Size": 1024},
                "Environment": {"Variables": {"CALLBACK_QUEUE": format!("https://sqs.{r}.amazonaws.com/{acct}/callbacks")}},
                "Tags": {"team": "contact-centre"},
            }),
        );
        seed_publish(w, acct, r, "cc-callback-scheduler", Some("live"));
        let _ = seed_function(
            w,
            acct,
            r,
            "cc-survey-recorder",
            json!({
                "Runtime": "python3.12", "Role": role, "Handler": "survey.handler",
                "Code": code("survey.py", "def handler(event, context):\n    return {'recorded': True}\n"),
                "Description": "Stores post-call survey answers",
                "VpcConfig": {"SubnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"], "SecurityGroupIds": ["sg-0a1b2c3d4e5f60001"]},
            }),
        );
        let _ = seed_function(
            w,
            acct,
            r,
            "cc-holiday-check",
            json!({
                "PackageType": "Image", "Role": role,
                "Code": {"ImageUri": format!("{acct}.dkr.ecr.{r}.amazonaws.com/holiday-check:1.4")},
                "Description": "Answers whether today is a public holiday", "MemorySize": 1024,
            }),
        );
        let _ = seed_function(
            w,
            acct,
            r,
            "lex-orders-fulfillment",
            json!({
                "Runtime": "python3.12", "Role": role, "Handler": "fulfil.handler",
                "Code": code("fulfil.py", "def handler(event, context):\n    return {'sessionState': {'dialogAction': {'type': 'Close'}, 'intent': {'name': event['sessionState']['intent']['name'], 'state': 'Fulfilled'}}}\n"),
                "Description": "Lex V2 code hook for the orders bot", "Timeout": 5,
            }),
        );
        seed_publish(w, acct, r, "lex-orders-fulfillment", Some("live"));
        seed_permission(
            w,
            acct,
            r,
            "lex-orders-fulfillment",
            json!({
                "StatementId": "lex-invoke", "Action": "lambda:InvokeFunction", "Principal": "lexv2.amazonaws.com",
                "SourceArn": format!("arn:aws:lex:{r}:{acct}:bot-alias/{ORDERS_BOT_ID}/*"),
            }),
        );
    }
}

fn large_lambda(sb: &Sandbox, count: usize) {
    let mut w = sb.inner.world();
    let role = format!("arn:aws:iam::{}:role/bench-lambda", DEV.account_id);
    let zip = code(
        "main.py",
        "def handler(event, context):\n    return event\n",
    );
    for i in 0..count {
        let name = format!("bench-fn-{i:04}");
        let _ = seed_function(
            &mut w,
            DEV.account_id,
            SEED_REGION,
            &name,
            json!({
                "Runtime": "python3.12", "Role": role, "Handler": "main.handler", "Code": zip.clone(),
                "Environment": {"Variables": {"INDEX": i.to_string()}},
            }),
        );
        if i % 5 == 0 {
            seed_publish(&mut w, DEV.account_id, SEED_REGION, &name, Some("live"));
        }
    }
}

pub const ORDERS_BOT: &str = "OrdersBot";
pub const ORDERS_BOT_ID: &str = "ORDERSBOT1";

fn utterances(list: &[&str]) -> Value {
    json!(list
        .iter()
        .map(|u| json!({"utterance": u}))
        .collect::<Vec<_>>())
}

fn orders_locale(lang: &str) -> LexLocale {
    let (order, status, flavours, greeting, voice) = match lang {
        "es_US" => (
            [
                "quiero pedir una {Size} {Pizza}",
                "pedir pizza",
                "me gustaría ordenar",
            ],
            ["dónde está mi pedido", "estado del pedido {OrderNumber}"],
            [
                ("margarita", vec!["margherita"]),
                ("pepperoni", vec!["salami"]),
                ("vegetariana", vec!["verduras"]),
            ],
            "¿Qué pizza quieres?",
            "Lupe",
        ),
        _ => (
            [
                "I want to order a {Size} {Pizza}",
                "order a pizza",
                "I'd like to place an order",
            ],
            ["where is my order", "status of order {OrderNumber}"],
            [
                ("margherita", vec!["margarita", "cheese"]),
                ("pepperoni", vec!["salami"]),
                ("veggie", vec!["vegetarian"]),
            ],
            "Which pizza would you like?",
            "Danielle",
        ),
    };
    let slot = |name: &str, ty: &str, prompt: &str| {
        json!({"name": name, "identifier": name.to_uppercase(), "slotTypeName": ty, "description": "",
               "valueElicitationSetting": {"slotConstraint": "Required",
                   "promptSpecification": {"maxRetries": 2, "allowInterrupt": true,
                       "messageGroupsList": [{"message": {"plainTextMessage": {"value": prompt}}}]}}})
    };
    let mut l = LexLocale {
        meta: json!({"description": format!("Orders in {lang}"), "nluConfidenceThreshold": 0.4, "voiceSettings": {"voiceId": voice, "engine": "neural"}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..LexLocale::default()
    };
    l.intents.insert("OrderPizza".into(), json!({
        "name": "OrderPizza", "identifier": "ORDERPIZZA", "description": "Order a pizza",
        "sampleUtterances": utterances(&order), "fulfillmentCodeHook": {"enabled": true},
        "slotPriorities": [{"priority": 1, "slotName": "Pizza"}, {"priority": 2, "slotName": "Size"}],
        "slots": {"Pizza": slot("Pizza", "PizzaType", greeting), "Size": slot("Size", "PizzaSize", "Small, medium or large?")},
    }));
    l.intents.insert("CheckOrderStatus".into(), json!({
        "name": "CheckOrderStatus", "identifier": "CHECKORDER", "description": "Where is my order",
        "sampleUtterances": utterances(&status), "fulfillmentCodeHook": {"enabled": true},
        "slotPriorities": [{"priority": 1, "slotName": "OrderNumber"}],
        "slots": {"OrderNumber": slot("OrderNumber", "AMAZON.Number", "What is your order number?")},
    }));
    l.intents.insert("FallbackIntent".into(), json!({
        "name": "FallbackIntent", "identifier": "FALLBCKINT", "description": "Default intent when no other intent matches",
        "parentIntentSignature": "AMAZON.FallbackIntent", "sampleUtterances": [], "slots": {},
    }));
    let values = |pairs: &[(&str, Vec<&str>)]| {
        json!(pairs.iter().map(|(v, syn)| json!({"sampleValue": {"value": v}, "synonyms": syn.iter().map(|s| json!({"value": s})).collect::<Vec<_>>()})).collect::<Vec<_>>())
    };
    l.slot_types.insert("PizzaType".into(), json!({"name": "PizzaType", "identifier": "PIZZATYPE1", "description": "Pizzas on the menu",
        "slotTypeValues": values(&flavours), "valueSelectionSetting": {"resolutionStrategy": "TopResolution"}}));
    l.slot_types.insert("PizzaSize".into(), json!({"name": "PizzaSize", "identifier": "PIZZASIZE1", "description": "Sizes",
        "slotTypeValues": values(&[("small", vec![]), ("medium", vec!["regular"]), ("large", vec!["big"])]), "valueSelectionSetting": {"resolutionStrategy": "OriginalValue"}}));
    l
}

fn demo_lex(sb: &Sandbox) {
    let mut w = sb.inner.world();
    let w = &mut *w;
    let (acct, r) = (DEV.account_id, SEED_REGION);
    let mut locales = std::collections::BTreeMap::new();
    locales.insert("en_US".to_owned(), Locale::new(orders_locale("en_US")));
    let id = seed_bot(w, acct, r, ORDERS_BOT_ID, ORDERS_BOT, &format!("arn:aws:iam::{acct}:role/aws-service-role/lexv2.amazonaws.com/AWSServiceRoleForLexV2Bots_Orders"), locales);
    let v1 = seed_version(w, acct, r, &id, "English only").unwrap_or_default();
    // Version 2 adds Spanish.
    if let Some(b) = w
        .lex
        .get_mut(&(acct.into(), r.into()))
        .and_then(|x| x.bots.get_mut(&id))
    {
        if let Some(d) = b.versions.get_mut("DRAFT") {
            let mut es = Locale::new(orders_locale("es_US"));
            es.status = "Built".into();
            d.locales.insert("es_US".into(), es);
        }
    }
    let v2 = seed_version(w, acct, r, &id, "English and Spanish").unwrap_or_default();
    let hook = json!({"lambdaCodeHook": {"lambdaARN": format!("arn:aws:lambda:{r}:{acct}:function:lex-orders-fulfillment"), "codeHookInterfaceVersion": "1.0"}});
    let settings = json!({"en_US": {"enabled": true, "codeHookSpecification": hook}, "es_US": {"enabled": true, "codeHookSpecification": hook}});
    seed_alias(w, acct, r, &id, "LIVEALIAS1", "live", &v2, settings.clone());
    seed_alias(
        w,
        acct,
        r,
        &id,
        "TESTALIAS1",
        "test",
        &v1,
        json!({"en_US": settings["en_US"]}),
    );
}
