//! Sign-in and roles over real HTTP: API tokens (made once, kept as a hash, revoked,
//! expired), the role every route needs walked for every role, and per-account scope.

mod common;

use common::{assert_error, fast_sandbox, spawn_app_with, TestApp};
use serde_json::{json, Value};
use snapdeploy_core::{AccountId, Clock, Role};
use snapdeploy_server::{AuthConfig, AuthMode, ServerConfig};
use std::time::Duration;

pub async fn tokens_app(clock: Clock) -> TestApp {
    let config = ServerConfig {
        auth: AuthConfig {
            mode: AuthMode::Tokens,
            ..AuthConfig::default()
        },
        clock,
        ..ServerConfig::default()
    };
    spawn_app_with(fast_sandbox(), config, None).await
}

async fn token(app: &TestApp, name: &str, role: Role, accounts: &[&str]) -> String {
    let accounts = accounts
        .iter()
        .map(|a| AccountId::parse(a).unwrap())
        .collect();
    snapdeploy_server::auth::issue_token(&app.state, "test", name, role, accounts, None)
        .await
        .unwrap()
        .1
}

async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

/// Every route of the API: method, the path as documented, a concrete path, a body, and
/// the role it needs. Mutations carry bodies that fail validation, so a role that may
/// call them gets a 4xx other than 401/403 and nothing changes.
/// method, documented path, concrete path, body, role needed (`None`: public).
type Route = (
    &'static str,
    &'static str,
    String,
    Option<Value>,
    Option<Role>,
);

fn routes() -> Vec<Route> {
    use Role::*;
    let key = "111111111111/lambda/cc-survey-recorder/2026-01-01T00-00-00.000Z.json";
    vec![
        ("GET", "/healthz", "/healthz".into(), None, None),
        ("GET", "/readyz", "/readyz".into(), None, None),
        (
            "GET",
            "/openapi.json",
            "/openapi.json".into(),
            None,
            Some(Viewer),
        ),
        ("GET", "/me", "/me".into(), None, Some(Viewer)),
        ("GET", "/accounts", "/accounts".into(), None, Some(Viewer)),
        (
            "POST",
            "/accounts",
            "/accounts".into(),
            Some(json!({})),
            Some(Admin),
        ),
        (
            "DELETE",
            "/accounts/{id}",
            "/accounts/999999999999".into(),
            None,
            Some(Admin),
        ),
        (
            "GET",
            "/extract/{service}",
            "/extract/nope?account_id=111111111111&region=us-east-1".into(),
            None,
            Some(Viewer),
        ),
        (
            "POST",
            "/extract/{service}",
            "/extract/lambda".into(),
            Some(json!({"targets": []})),
            Some(Viewer),
        ),
        (
            "GET",
            "/extract/{service}/{name}",
            "/extract/nope/x?account_id=111111111111&region=us-east-1".into(),
            None,
            Some(Viewer),
        ),
        (
            "POST",
            "/snapshot",
            "/snapshot".into(),
            Some(json!({})),
            Some(Operator),
        ),
        (
            "GET",
            "/snapshots",
            "/snapshots?account_id=111111111111".into(),
            None,
            Some(Viewer),
        ),
        (
            "GET",
            "/snapshots/{key}",
            format!("/snapshots/{key}"),
            None,
            Some(Viewer),
        ),
        (
            "GET",
            "/diff",
            format!("/diff?from={key}&to=live"),
            None,
            Some(Viewer),
        ),
        (
            "POST",
            "/deploy",
            "/deploy".into(),
            Some(json!({})),
            Some(Operator),
        ),
        (
            "POST",
            "/rollback",
            "/rollback".into(),
            Some(json!({})),
            Some(Operator),
        ),
        ("GET", "/jobs", "/jobs".into(), None, Some(Viewer)),
        ("GET", "/jobs/{id}", "/jobs/nope".into(), None, Some(Viewer)),
        (
            "GET",
            "/jobs/{id}/events",
            "/jobs/nope/events".into(),
            None,
            Some(Viewer),
        ),
        ("GET", "/audit", "/audit".into(), None, Some(Viewer)),
        ("GET", "/releases", "/releases".into(), None, Some(Viewer)),
        (
            "GET",
            "/releases/{id}",
            "/releases/nope".into(),
            None,
            Some(Viewer),
        ),
        (
            "GET",
            "/promotion-rules",
            "/promotion-rules".into(),
            None,
            Some(Viewer),
        ),
        (
            "GET",
            "/promotion-rules/{source_account_id}/{target_account_id}",
            "/promotion-rules/111111111111/222222222222".into(),
            None,
            Some(Viewer),
        ),
        (
            "PUT",
            "/promotion-rules/{source_account_id}/{target_account_id}",
            "/promotion-rules/111111111111/222222222222".into(),
            Some(json!({"nope": 1})),
            Some(Admin),
        ),
        (
            "DELETE",
            "/promotion-rules/{source_account_id}/{target_account_id}",
            "/promotion-rules/111111111111/999999999999".into(),
            None,
            Some(Admin),
        ),
        ("GET", "/tokens", "/tokens".into(), None, Some(Admin)),
        (
            "POST",
            "/tokens",
            "/tokens".into(),
            Some(json!({})),
            Some(Admin),
        ),
        (
            "DELETE",
            "/tokens/{id}",
            "/tokens/0000000000000000".into(),
            None,
            Some(Admin),
        ),
        ("GET", "/changes", "/changes".into(), None, Some(Viewer)),
        (
            "GET",
            "/changes/{id}",
            "/changes/nope".into(),
            None,
            Some(Viewer),
        ),
        (
            "POST",
            "/changes/{id}/approve",
            "/changes/nope/approve".into(),
            None,
            Some(Approver),
        ),
        (
            "POST",
            "/changes/{id}/reject",
            "/changes/nope/reject".into(),
            Some(json!({"comment": "no"})),
            Some(Approver),
        ),
        ("GET", "/demo/users", "/demo/users".into(), None, None),
    ]
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_matrix_says() {
    let app = tokens_app(Clock::system()).await;
    let mut tokens = vec![];
    for role in Role::ALL {
        tokens.push((role, token(&app, role.as_str(), role, &[]).await));
    }
    let table = routes();
    // The table is every documented route, so nothing is left unchecked.
    let doc = snapdeploy_server::openapi_document();
    // Every status the matrix sees is one the document says the route can answer.
    let documented_status = |method: &str, doc_path: &str, status: u16| {
        let Some(op) = doc["paths"][doc_path].get(method.to_lowercase()) else {
            return; // /openapi.json itself is not among the documented paths
        };
        let responses = &op["responses"];
        assert!(
            responses.get(status.to_string()).is_some(),
            "{method} {doc_path} answered {status}, which /openapi.json does not document"
        );
    };
    let mut documented = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let walked: Vec<String> = table.iter().map(|(m, p, ..)| format!("{m} {p}")).collect();
    for d in &documented {
        assert!(walked.contains(d), "route {d} is not in the role matrix");
    }

    for (method, doc_path, path, body, needed) in &table {
        let (s, headers, b) = raw(&app, method, path, None, body.clone()).await;
        documented_status(method, doc_path, s);
        match needed {
            None => assert!(
                s != 401 && s != 403,
                "{method} {path} is public, got {s}: {b}"
            ),
            Some(_) => {
                assert_error(s, &b, 401, "unauthenticated");
                assert_eq!(
                    headers["www-authenticate"], "Bearer realm=\"snapdeploy\"",
                    "{method} {path}"
                );
            }
        }
        // A malformed or unknown token is no better than none.
        if needed.is_some() {
            for bad in ["nonsense", "sdt_0123456789abcdef_AAAA"] {
                let (s, _, b) = raw(&app, method, path, Some(bad), body.clone()).await;
                assert_error(s, &b, 401, "unauthenticated");
            }
        }
        for (role, t) in &tokens {
            let (s, _, b) = raw(&app, method, path, Some(t), body.clone()).await;
            documented_status(method, doc_path, s);
            match needed {
                Some(n) if !role.allows(*n) => {
                    assert_error(s, &b, 403, "forbidden");
                    assert!(
                        b["error"]["message"]
                            .as_str()
                            .unwrap()
                            .contains(&format!("needs the {n} role")),
                        "{b}"
                    );
                }
                _ => assert!(
                    s != 401 && s != 403 && s < 500,
                    "{method} {doc_path} as {role}: {s} {b}"
                ),
            }
        }
    }
}

#[tokio::test]
async fn tokens_are_shown_once_kept_as_a_hash_revoked_and_expire() {
    let clock = Clock::manual();
    let app = tokens_app(clock.clone()).await;
    let admin = app.as_user(&token(&app, "root-admin", Role::Admin, &[]).await);

    let (s, made) = admin
        .post("/tokens", &json!({"name": "ci-pipeline", "role": "operator", "accounts": ["111111111111"], "expires_in_days": 30}))
        .await;
    assert_eq!(s, 201, "{made}");
    let secret = made["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(&format!("sdt_{}_", made["id"].as_str().unwrap())));
    assert_eq!(made["role"], "operator");
    // Listed without the token; the registry holds only its hash.
    let (_, list) = admin.get("/tokens").await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ci-pipeline")
        .unwrap()
        .clone();
    assert!(
        listed.get("token").is_none() && listed.get("hash").is_none(),
        "{listed}"
    );
    assert_eq!(listed["last_used_at"], Value::Null);
    let registry = std::fs::read(app.data.path().join("registry.db")).unwrap();
    let wal = std::fs::read(app.data.path().join("registry.db-wal")).unwrap_or_default();
    for bytes in [&registry, &wal] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the token itself is stored"
        );
    }

    // It signs in as its name and role, within its accounts.
    let ci = app.as_user(&secret);
    let (s, me) = ci.get("/me").await;
    assert_eq!(s, 200);
    assert_eq!(me["subject"], "ci-pipeline");
    assert_eq!(me["role"], "operator");
    assert_eq!(me["accounts"], json!(["111111111111"]));
    let (s, b) = ci.get("/snapshots?account_id=222222222222").await;
    assert_error(s, &b, 403, "forbidden");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("may not use account 222222222222"));
    common::eventually("the last-used time is recorded", || async {
        let (_, list) = admin.get("/tokens").await;
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "ci-pipeline" && t["last_used_at"].is_string())
    })
    .await;

    // Names are unique; bad input is named.
    let (s, b) = admin
        .post("/tokens", &json!({"name": "ci-pipeline", "role": "viewer"}))
        .await;
    assert_error(s, &b, 409, "conflict");
    let (s, b) = admin
        .post("/tokens", &json!({"name": "bad name!", "role": "viewer"}))
        .await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = admin
        .post("/tokens", &json!({"name": "x", "role": "root"}))
        .await;
    assert_eq!(s, 400, "{b}");

    // Expiry, on the server's clock.
    clock.advance(Duration::from_secs(31 * 24 * 3600));
    let (s, b) = ci.get("/me").await;
    assert_error(s, &b, 401, "token_expired");
    let (_, list) = admin.get("/tokens").await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "ci-pipeline" && t["expired"] == true));

    // Revoked: refused at once.
    let (_, v) = admin
        .post("/tokens", &json!({"name": "laptop", "role": "viewer"}))
        .await;
    let laptop = app.as_user(v["token"].as_str().unwrap());
    assert_eq!(laptop.get("/me").await.0, 200);
    let (s, _) = admin
        .delete(&format!("/tokens/{}", v["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, 204);
    let (s, b) = laptop.get("/me").await;
    assert_error(s, &b, 401, "unauthenticated");
    let (s, b) = admin
        .delete(&format!("/tokens/{}", v["id"].as_str().unwrap()))
        .await;
    assert_error(s, &b, 404, "not_found");

    // Creating and revoking are in the audit trail, by who did it.
    let (_, trail) = admin.get("/audit").await;
    let actions: Vec<(&str, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(
        actions.contains(&("token-created", "root-admin")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("token-revoked", "root-admin")),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_actor_is_the_signed_in_person_and_scope_narrows_what_they_see() {
    let app = tokens_app(Clock::system()).await;
    let admin = app.as_user(&token(&app, "alice", Role::Admin, &[]).await);
    admin.register_both().await;
    let dev_only = app.as_user(&token(&app, "bob", Role::Operator, &["111111111111"]).await);
    let meta = dev_only
        .snapshot(&snapdeploy_sandbox::seed::DEV, "cc-survey-recorder")
        .await;
    assert_eq!(meta["taken_by"], "bob");
    let (_, accounts) = dev_only.get("/accounts").await;
    assert_eq!(accounts.as_array().unwrap().len(), 1, "{accounts}");
    let (s, b) = dev_only
        .post("/snapshot", &json!({"account_id": "222222222222", "region": "us-east-1", "service": "lambda", "resource_name": "cc-survey-recorder"}))
        .await;
    assert_error(s, &b, 403, "forbidden");
    let (_, trail) = admin.get("/audit").await;
    let entries = trail.as_array().unwrap();
    assert!(entries
        .iter()
        .any(|e| e["action"] == "snapshot" && e["actor"] == "bob"));
    assert!(entries
        .iter()
        .any(|e| e["action"] == "account-added" && e["actor"] == "alice"));
    assert!(
        !entries.iter().any(|e| e["actor"] == "snapdeploy-api"),
        "{trail}"
    );
    let (_, dev_trail) = dev_only.get("/audit").await;
    assert!(dev_trail
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["account_id"] == "111111111111"));

    // An inline document is an admin's alone, and must carry its own digest.
    let doc = admin.snapshot_doc(meta["key"].as_str().unwrap()).await;
    let body = json!({"source": {"snapshot": doc}, "target": {"account_id": "111111111111", "region": "us-east-1"}, "dry_run": true});
    let (s, b) = dev_only.post("/deploy", &body).await;
    assert_error(s, &b, 403, "forbidden");
    let (s, b) = admin.post("/deploy", &body).await;
    assert_eq!(s, 200, "{b}");
    let mut tampered = doc.clone();
    tampered["config"]["Configuration"]["Timeout"] = json!(900);
    let body = json!({"source": {"snapshot": tampered}, "target": {"account_id": "111111111111", "region": "us-east-1"}, "dry_run": true});
    let (s, b) = admin.post("/deploy", &body).await;
    assert_error(s, &b, 422, "invalid_operation");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not match its config"),
        "{b}"
    );
}
