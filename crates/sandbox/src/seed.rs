//! Deterministic seed data: `demo` (a hub, a dev and a prod account with a small, realistic
//! set of contact-centre Lambda functions) and `large` (demo plus 500 functions in dev, for
//! benchmarks).

use crate::lambda::{seed_function, seed_permission, seed_publish, seed_update};
use crate::state::RoleDef;
use crate::zipfile::make_zip;
use crate::Sandbox;
use base64::Engine;
use serde_json::{json, Value};

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
                "SourceArn": format!("arn:aws:lex:{r}:{acct}:bot-alias/ORDERSBOT1/TSTALIASID"),
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
