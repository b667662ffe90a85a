//! Deterministic seed data: `demo` (a hub, a dev and a prod account with a small, realistic
//! set of contact-centre Lambda functions) and `large` (demo plus 500 functions in dev, for
//! benchmarks).

use crate::connect::model::Kind;
/// Seed helpers the tests use too: prompt audio and flow content.
pub use crate::connect::seed::{flow_content, wav};
use crate::connect::seed::{seed_associate, seed_create, seed_instance, set_prompt_audio};
use crate::lambda::seed::{seed_function, seed_layer, seed_permission, seed_publish, seed_update};
use crate::lex::model::Locale;
use crate::lex::seed::{seed_alias, seed_bot, seed_version};
use crate::state::RoleDef;
use crate::state::Shared;
use crate::zipfile::make_zip;
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
    /// The `large` seed at a tenth of its size: the benchmarks' short form, run by the tests.
    Small,
}

impl std::str::FromStr for Seed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accounts" | "none" => Ok(Seed::Accounts),
            "demo" => Ok(Seed::Demo),
            "large" => Ok(Seed::Large),
            "small" => Ok(Seed::Small),
            _ => Err(format!(
                "unknown seed {s:?}: use accounts, demo, large or small"
            )),
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

pub fn load(sh: &Shared, seed: Seed) {
    sh.add_account(HUB_ACCOUNT, HUB_ACCESS_KEY, HUB_SECRET_KEY);
    for a in ACCOUNTS {
        sh.add_account(a.account_id, a.access_key, a.secret_key);
        sh.add_role(RoleDef {
            arn: a.role_arn.into(),
            trusted_accounts: vec![HUB_ACCOUNT.into()],
            external_id: Some(a.external_id.into()),
            max_session_seconds: 3600,
        });
    }
    connect_instances(sh);
    if seed == Seed::Accounts {
        return;
    }
    demo_lambda(sh);
    demo_lex(sh);
    demo_connect(sh);
    match seed {
        Seed::Large => {
            large_lambda(sh, 500);
            large_connect(sh, &LARGE);
        }
        Seed::Small => {
            large_lambda(sh, 50);
            large_connect(sh, &SMALL);
        }
        _ => {}
    }
}

fn code(name: &str, body: &str) -> Value {
    let zip = make_zip(&[(name, body.as_bytes())]);
    json!({"ZipFile": base64::engine::general_purpose::STANDARD.encode(zip)})
}

const LOOKUP_V1: &str = "import os\n\ndef handler(event, context):\n    phone = event['Details']['ContactData']['CustomerEndpoint']['Address']\n    return {'customerName': 'Unknown', 'phone': phone}\n";
const LOOKUP_V2: &str = "import os\nimport boto3\n\nTABLE = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n\ndef handler(event, context):\n    phone = event['Details']['ContactData']['CustomerEndpoint']['Address']\n    item = TABLE.get_item(Key={'phone': phone}).get('Item') or {}\n    return {'customerName': item.get('name', 'Unknown'), 'tier': item.get('tier', 'standard')}\n";

fn demo_lambda(sh: &Shared) {
    let mut w = sh.world();
    let w = &mut *w;
    let r = SEED_REGION;
    for (acct, stage) in [(DEV.account_id, "dev"), (PROD.account_id, "prod")] {
        let role = format!("arn:aws:iam::{acct}:role/contact-centre-lambda");
        let instance =
            format!("arn:aws:connect:{r}:{acct}:instance/{stage}-0000-4000-8000-000000000001");
        seed_layer(w, acct, r, "cc-common", 3);
        // What the functions name in their own account: their role and queues.
        w.iam_roles
            .insert((acct.to_owned(), "contact-centre-lambda".to_owned()));
        for q in ["callbacks", "cc-lambda-dlq"] {
            w.sqs_queues
                .insert((acct.to_owned(), r.to_owned(), q.to_owned()));
        }
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

fn large_lambda(sh: &Shared, count: usize) {
    let mut w = sh.world();
    let role = format!("arn:aws:iam::{}:role/bench-lambda", DEV.account_id);
    for a in [&DEV, &PROD] {
        w.iam_roles
            .insert((a.account_id.to_owned(), "bench-lambda".to_owned()));
    }
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

fn demo_lex(sh: &Shared) {
    let mut w = sh.world();
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

pub const DEV_INSTANCE: &str = "dev-0000-4000-8000-000000000001";
pub const PROD_INSTANCE: &str = "prod-0000-4000-8000-000000000001";
pub const LARGE_INSTANCE: &str = "large-000-4000-8000-000000000001";

fn weekdays(start: u32, end: u32) -> Value {
    json!(["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"].iter().map(|d| json!({"Day": d, "StartTime": {"Hours": start, "Minutes": 0}, "EndTime": {"Hours": end, "Minutes": 0}})).collect::<Vec<_>>())
}

fn connect_instances(sh: &Shared) {
    let mut w = sh.world();
    seed_instance(
        &mut w,
        DEV.account_id,
        SEED_REGION,
        DEV_INSTANCE,
        "acme-dev",
    );
    seed_instance(
        &mut w,
        PROD.account_id,
        SEED_REGION,
        PROD_INSTANCE,
        "acme-prod",
    );
}

fn demo_connect(sh: &Shared) {
    let mut guard = sh.world();
    let w = &mut *guard;
    let (acct, r, inst) = (DEV.account_id, SEED_REGION, DEV_INSTANCE);
    let arn =
        |seg: &str, id: &str| format!("arn:aws:connect:{r}:{acct}:instance/{inst}/{seg}/{id}");
    let mk = |w: &mut crate::state::World, kind: Kind, body: Value| {
        seed_create(w, acct, r, inst, kind, body).unwrap_or_default()
    };
    let business = mk(
        w,
        Kind::Hours,
        json!({"Name": "Business Hours", "Description": "Mon-Fri 8-18", "TimeZone": "America/New_York", "Config": weekdays(8, 18)}),
    );
    let always = mk(
        w,
        Kind::Hours,
        json!({"Name": "24x7", "Description": "Always open", "TimeZone": "UTC", "Config": weekdays(0, 23)}),
    );
    let sales = mk(
        w,
        Kind::Queue,
        json!({"Name": "Sales", "Description": "New orders", "HoursOfOperationId": business, "MaxContacts": 50}),
    );
    let support = mk(
        w,
        Kind::Queue,
        json!({"Name": "Support", "Description": "Existing customers", "HoursOfOperationId": always}),
    );
    let billing = mk(
        w,
        Kind::Queue,
        json!({"Name": "Billing", "Description": "Payments", "HoursOfOperationId": business}),
    );
    let mut prompts = Vec::new();
    for (name, tenths) in [("Welcome", 12), ("Hold Music", 30), ("After Hours", 15)] {
        let id = mk(
            w,
            Kind::Prompt,
            json!({"Name": name, "Description": format!("{name} message"), "S3Uri": format!("s3://acme-dev-prompts/{}.wav", name.to_lowercase().replace(' ', "-"))}),
        );
        set_prompt_audio(w, acct, r, inst, &id, wav(tenths));
        prompts.push(id);
    }
    let lookup = format!("arn:aws:lambda:{r}:{acct}:function:cc-customer-lookup");
    let callback = format!("arn:aws:lambda:{r}:{acct}:function:cc-callback-scheduler");
    let bot_alias = format!("arn:aws:lex:{r}:{acct}:bot-alias/{ORDERS_BOT_ID}/LIVEALIAS1");
    let auth = mk(
        w,
        Kind::Module,
        json!({"Name": "Authenticate Caller", "Description": "Looks the caller up", "Content": flow_content(&[
            ("InvokeLambdaFunction", json!({"LambdaFunctionARN": lookup, "InvocationTimeLimitSeconds": "8"})),
            ("UpdateContactAttributes", json!({"Attributes": {"authenticated": "true"}})),
        ])}),
    );
    let log = mk(
        w,
        Kind::Module,
        json!({"Name": "Log Contact", "Description": "Sets logging", "Content": flow_content(&[
            ("UpdateFlowLoggingBehavior", json!({"FlowLoggingBehavior": "Enabled"})),
        ])}),
    );
    // Queue transfer flows first: quick connects need them.
    let mut flows: Vec<(String, String)> = Vec::new();
    for (name, q) in [
        ("Transfer to Sales", &sales),
        ("Transfer to Support", &support),
        ("Transfer to Billing", &billing),
    ] {
        let id = mk(
            w,
            Kind::Flow,
            json!({"Name": name, "Type": "QUEUE_TRANSFER", "Description": "Quick connect target", "Content": flow_content(&[
                ("UpdateContactTargetQueue", json!({"QueueId": arn("queue", q)})),
                ("TransferContactToQueue", json!({})),
            ])}),
        );
        flows.push((name.into(), id));
    }
    let after_hours = mk(
        w,
        Kind::Flow,
        json!({"Name": "After Hours", "Type": "CONTACT_FLOW", "Description": "Closed message", "Content": flow_content(&[
            ("MessageParticipant", json!({"PromptId": arn("prompt", &prompts[2])})),
            ("InvokeLambdaFunction", json!({"LambdaFunctionARN": callback, "InvocationTimeLimitSeconds": "3"})),
        ])}),
    );
    let orders = mk(
        w,
        Kind::Flow,
        json!({"Name": "Orders Bot", "Type": "CONTACT_FLOW", "Description": "Self-service orders", "Content": flow_content(&[
            ("ConnectParticipantWithLexBot", json!({"Text": "What would you like to order?", "LexV2Bot": {"AliasArn": bot_alias}})),
            ("UpdateContactTargetQueue", json!({"QueueId": arn("queue", &sales)})),
            ("TransferContactToQueue", json!({})),
        ])}),
    );
    // Main Menu and Support Menu reference each other: created SAVED, then published.
    let main = mk(
        w,
        Kind::Flow,
        json!({"Name": "Main Menu", "Type": "CONTACT_FLOW", "Status": "SAVED", "Description": "Entry point", "Content": flow_content(&[("MessageParticipant", json!({"Text": "placeholder"}))])}),
    );
    let support_menu = mk(
        w,
        Kind::Flow,
        json!({"Name": "Support Menu", "Type": "CONTACT_FLOW", "Description": "Support options", "Content": flow_content(&[
            ("InvokeFlowModule", json!({"FlowModuleId": auth})),
            ("UpdateContactTargetQueue", json!({"QueueId": arn("queue", &support)})),
            ("MessageParticipant", json!({"PromptId": arn("prompt", &prompts[1])})),
            ("TransferToFlow", json!({"ContactFlowId": arn("contact-flow", &main)})),
        ])}),
    );
    let main_content = flow_content(&[
        ("InvokeFlowModule", json!({"FlowModuleId": log})),
        (
            "MessageParticipant",
            json!({"PromptId": arn("prompt", &prompts[0])}),
        ),
        (
            "CheckHoursOfOperation",
            json!({"HoursOfOperationId": arn("operating-hours", &business)}),
        ),
        (
            "InvokeLambdaFunction",
            json!({"LambdaFunctionARN": lookup, "InvocationTimeLimitSeconds": "8"}),
        ),
        (
            "TransferToFlow",
            json!({"ContactFlowId": arn("contact-flow", &support_menu)}),
        ),
        (
            "TransferToFlow",
            json!({"ContactFlowId": arn("contact-flow", &orders)}),
        ),
        (
            "TransferToFlow",
            json!({"ContactFlowId": arn("contact-flow", &after_hours)}),
        ),
    ]);
    if let Some(i) = w
        .connect
        .get_mut(&(acct.into(), r.into()))
        .and_then(|x| x.instances.get_mut(inst))
    {
        if let Some(f) = i.items.get_mut(&Kind::Flow).and_then(|m| m.get_mut(&main)) {
            f.insert("Content".into(), json!(main_content));
            f.insert("Status".into(), json!("PUBLISHED"));
        }
    }
    for (name, queue) in [
        ("Billing Menu", &billing),
        ("Callback Offer", &support),
        ("VIP Routing", &sales),
        ("Outage Notice", &support),
        ("Survey", &support),
        ("Language Select", &sales),
        ("Holiday Check", &billing),
    ] {
        mk(
            w,
            Kind::Flow,
            json!({"Name": name, "Type": "CONTACT_FLOW", "Description": format!("{name} flow"), "Content": flow_content(&[
                ("MessageParticipant", json!({"PromptId": arn("prompt", &prompts[0])})),
                ("UpdateContactTargetQueue", json!({"QueueId": arn("queue", queue)})),
                ("TransferContactToQueue", json!({})),
            ])}),
        );
    }
    mk(
        w,
        Kind::Flow,
        json!({"Name": "Customer Queue", "Type": "CUSTOMER_QUEUE", "Description": "Hold experience", "Content": flow_content(&[
            ("MessageParticipant", json!({"PromptId": arn("prompt", &prompts[1])})),
        ])}),
    );
    let mut qcs = Vec::new();
    for ((name, flow), queue) in flows.iter().zip([&sales, &support, &billing]) {
        qcs.push(mk(w, Kind::QuickConnect, json!({"Name": name.replace("Transfer to ", "QC "), "Description": format!("{name} quick connect"),
            "QuickConnectConfig": {"QuickConnectType": "QUEUE", "QueueConfig": {"QueueId": queue, "ContactFlowId": flow}}})));
    }
    let front = mk(
        w,
        Kind::RoutingProfile,
        json!({"Name": "Front Desk", "Description": "All queues", "DefaultOutboundQueueId": sales,
        "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}, {"Channel": "CHAT", "Concurrency": 2}],
        "QueueConfigs": [{"QueueReference": {"QueueId": sales, "Channel": "VOICE"}, "Priority": 1, "Delay": 0}, {"QueueReference": {"QueueId": support, "Channel": "VOICE"}, "Priority": 2, "Delay": 0}]}),
    );
    mk(
        w,
        Kind::RoutingProfile,
        json!({"Name": "Billing Team", "Description": "Billing only", "DefaultOutboundQueueId": billing,
        "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}],
        "QueueConfigs": [{"QueueReference": {"QueueId": billing, "Channel": "VOICE"}, "Priority": 1, "Delay": 0}]}),
    );
    let _ = front;
    seed_associate(
        w,
        acct,
        r,
        inst,
        vec![lookup, callback],
        vec![bot_alias],
        vec![],
        vec![(support.clone(), qcs.clone()), (sales.clone(), qcs)],
    );
}

/// How many of each item the `acme-large` instance has.
pub struct InstanceSize {
    pub hours: usize,
    pub queues: usize,
    pub prompts: usize,
    pub modules: usize,
    pub flows: usize,
    /// Of the flows, how many are queue-transfer flows (the quick connects' targets).
    pub transfer_flows: usize,
    pub quick_connects: usize,
    pub routing_profiles: usize,
    /// Queues per routing profile.
    pub profile_queues: usize,
}

/// The `large` instance: 300+ flows, 50 modules, 50 queues, 20 hours, 50 prompts,
/// 30 routing profiles, 100 quick connects.
pub const LARGE: InstanceSize = InstanceSize {
    hours: 20,
    queues: 50,
    prompts: 50,
    modules: 50,
    flows: 320,
    transfer_flows: 100,
    quick_connects: 100,
    routing_profiles: 30,
    profile_queues: 12,
};

/// A tenth of it, for the benchmarks' short form.
pub const SMALL: InstanceSize = InstanceSize {
    hours: 2,
    queues: 5,
    prompts: 5,
    modules: 5,
    flows: 32,
    transfer_flows: 10,
    quick_connects: 10,
    routing_profiles: 3,
    profile_queues: 4,
};

fn large_connect(sh: &Shared, size: &InstanceSize) {
    // In both accounts: two throttle domains with the same work, for the parallelism
    // benchmark.
    large_connect_in(sh, DEV.account_id, size);
    large_connect_in(sh, PROD.account_id, size);
}

fn large_connect_in(sh: &Shared, acct: &str, n: &InstanceSize) {
    let mut guard = sh.world();
    let w = &mut *guard;
    let (r, inst) = (SEED_REGION, LARGE_INSTANCE);
    seed_instance(w, acct, r, inst, "acme-large");
    let arn =
        |seg: &str, id: &str| format!("arn:aws:connect:{r}:{acct}:instance/{inst}/{seg}/{id}");
    let mk = |w: &mut crate::state::World, kind: Kind, body: Value| {
        seed_create(w, acct, r, inst, kind, body).unwrap_or_default()
    };
    let hours: Vec<String> = (0..n.hours).map(|i| mk(w, Kind::Hours, json!({"Name": format!("Hours {i:02}"), "TimeZone": "UTC", "Config": weekdays(8, 18)}))).collect();
    let queues: Vec<String> = (0..n.queues)
        .map(|i| {
            mk(
                w,
                Kind::Queue,
                json!({"Name": format!("Queue {i:02}"), "HoursOfOperationId": hours[i % n.hours]}),
            )
        })
        .collect();
    let prompts: Vec<String> = (0..n.prompts).map(|i| mk(w, Kind::Prompt, json!({"Name": format!("Prompt {i:02}"), "S3Uri": format!("s3://acme-large/p{i}.wav")}))).collect();
    for p in &prompts {
        set_prompt_audio(w, acct, r, inst, p, wav(2));
    }
    let modules: Vec<String> = (0..n.modules).map(|i| mk(w, Kind::Module, json!({"Name": format!("Module {i:02}"), "Content": flow_content(&[("MessageParticipant", json!({"PromptId": arn("prompt", &prompts[i % n.prompts])}))])}))).collect();
    let mut flows: Vec<String> = Vec::new();
    for i in 0..n.flows {
        let mut steps = vec![
            (
                "InvokeFlowModule",
                json!({"FlowModuleId": modules[i % n.modules]}),
            ),
            (
                "MessageParticipant",
                json!({"PromptId": arn("prompt", &prompts[i % n.prompts])}),
            ),
            (
                "CheckHoursOfOperation",
                json!({"HoursOfOperationId": arn("operating-hours", &hours[i % n.hours])}),
            ),
            (
                "UpdateContactTargetQueue",
                json!({"QueueId": arn("queue", &queues[i % n.queues])}),
            ),
        ];
        if let Some(prev) = flows.last() {
            steps.push((
                "TransferToFlow",
                json!({"ContactFlowId": arn("contact-flow", prev)}),
            ));
        }
        steps.push(("TransferContactToQueue", json!({})));
        let id = mk(
            w,
            Kind::Flow,
            json!({"Name": format!("Flow {i:03}"), "Type": if i < n.transfer_flows { "QUEUE_TRANSFER" } else { "CONTACT_FLOW" }, "Content": flow_content(&steps)}),
        );
        flows.push(id);
    }
    for i in 0..n.quick_connects {
        mk(
            w,
            Kind::QuickConnect,
            json!({"Name": format!("QC {i:03}"), "QuickConnectConfig": {"QuickConnectType": "QUEUE", "QueueConfig": {"QueueId": queues[i % n.queues], "ContactFlowId": flows[i]}}}),
        );
    }
    for i in 0..n.routing_profiles {
        let configs: Vec<Value> = (0..n.profile_queues).map(|k| json!({"QueueReference": {"QueueId": queues[(i + k) % n.queues], "Channel": "VOICE"}, "Priority": 1 + k, "Delay": 0})).collect();
        let id = mk(
            w,
            Kind::RoutingProfile,
            json!({"Name": format!("Profile {i:02}"), "Description": "generated", "DefaultOutboundQueueId": queues[i % n.queues], "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}]}),
        );
        seed_associate(
            w,
            acct,
            r,
            inst,
            vec![],
            vec![],
            vec![(id, configs)],
            vec![],
        );
    }
}
