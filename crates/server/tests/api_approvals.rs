//! Two people for a protected account: an operator's deploy or rollback into prod waits as
//! a change request; another person approves it and exactly the approved plan runs, or it
//! is refused (stale, expired, rejected, decided, self-approved). Judged through the SDK.

mod common;

use common::{assert_error, fast_sandbox, job_end, spawn_app_with, TestApp};
use serde_json::{json, Value};
use snapdeploy_core::{Clock, Role};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_server::{AuthConfig, AuthMode, ServerConfig};
use std::time::Duration;

struct Team {
    app: TestApp,
    admin: TestApp,
    operator: TestApp,
    approver: TestApp,
    other_approver: TestApp,
    viewer: TestApp,
}

async fn team(clock: Clock) -> Team {
    let config = ServerConfig {
        auth: AuthConfig {
            mode: AuthMode::Tokens,
            approval_ttl: Duration::from_secs(24 * 3600),
            oidc: None,
        },
        clock,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(fast_sandbox(), config, None).await;
    let mut users = vec![];
    for (name, role) in [
        ("ada-admin", Role::Admin),
        ("oscar-operator", Role::Operator),
        ("april-approver", Role::Approver),
        ("arthur-approver", Role::Approver),
        ("vera-viewer", Role::Viewer),
    ] {
        let (_, t) =
            snapdeploy_server::auth::issue_token(&app.state, "test", name, role, vec![], None)
                .await
                .unwrap();
        users.push(app.as_user(&t));
    }
    let mut u = users.into_iter();
    let team = Team {
        admin: u.next().unwrap(),
        operator: u.next().unwrap(),
        approver: u.next().unwrap(),
        other_approver: u.next().unwrap(),
        viewer: u.next().unwrap(),
        app,
    };
    team.admin.register_both().await;
    team
}

async fn timeout_in(app: &TestApp, acct: &snapdeploy_sandbox::SeedAccount, name: &str) -> i32 {
    app.lambda_as(acct)
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap()
        .timeout()
        .unwrap()
}

/// An operator's deploy of dev's function into prod: a change request.
async fn request_deploy(t: &Team, name: &str, timeout: i32) -> Value {
    t.app
        .lambda_as(&DEV)
        .update_function_configuration()
        .function_name(name)
        .timeout(timeout)
        .send()
        .await
        .unwrap();
    common::wait_ready(&t.app.lambda_as(&DEV), name).await;
    let meta = t.operator.snapshot(&DEV, name).await;
    let (s, b) = t
        .operator
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": PROD.account_id, "region": "us-east-1"}}))
        .await;
    assert_eq!(s, 202, "{b}");
    b["change_request"].clone()
}

#[tokio::test]
async fn a_protected_deploy_runs_only_once_another_person_approves_it() {
    let t = team(Clock::system()).await;
    let name = "cc-customer-lookup";
    let before = timeout_in(&t.app, &PROD, name).await;
    let cr = request_deploy(&t, name, 77).await;
    let id = cr["id"].as_str().unwrap();
    assert_eq!(cr["state"], "pending");
    assert_eq!(cr["requested_by"], "oscar-operator");
    assert_eq!(cr["kind"], "deploy");
    assert!(cr["plan_digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(cr["live_digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(cr["plan"]["action"], "update");
    assert!(cr["summary"].as_str().unwrap().contains(name), "{cr}");
    // Nothing changed yet.
    assert_eq!(timeout_in(&t.app, &PROD, name).await, before);

    // Everyone with a viewer role sees it; nobody decides their own, nor without the role.
    let (_, pending) = t.viewer.get("/changes?state=pending").await;
    assert!(pending.as_array().unwrap().iter().any(|c| c["id"] == id));
    let (s, b) = t
        .viewer
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 403, "forbidden");
    let (s, b) = t
        .operator
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 403, "forbidden");
    let (s, b) = t
        .approver
        .post(&format!("/changes/{id}/reject"), &json!({}))
        .await;
    assert_error(s, &b, 400, "invalid_field");

    let (s, b) = t
        .approver
        .post(
            &format!("/changes/{id}/approve"),
            &json!({"comment": "looks right"}),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["change_request"]["decided_by"], "april-approver");
    let job = job_end(&t.viewer, b["status_url"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(timeout_in(&t.app, &PROD, name).await, 77);
    common::eventually("the request says it ran", || async {
        t.viewer.get(&format!("/changes/{id}")).await.1["state"] == "executed"
    })
    .await;
    let (_, done) = t.viewer.get(&format!("/changes/{id}")).await;
    assert_eq!(done["result"]["status"], "succeeded", "{done}");
    assert_eq!(done["job_id"], b["job_id"]);

    // Approved once only.
    let (s, b) = t
        .other_approver
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 409, "already_decided");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("executed (decided by april-approver)"),
        "{b}"
    );

    // The trail has both people at every step; the safety snapshot names the requester.
    let (_, trail) = t.viewer.get("/audit?account_id=222222222222").await;
    let entries = trail.as_array().unwrap();
    let find = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["change_id"] == id)
            .unwrap_or_else(|| panic!("no {action} in {trail}"))
    };
    assert_eq!(find("change-requested")["actor"], "oscar-operator");
    assert_eq!(find("change-approved")["actor"], "april-approver");
    let deploy = find("deploy");
    assert_eq!(deploy["actor"], "oscar-operator");
    assert_eq!(deploy["approved_by"], "april-approver");
    assert_eq!(deploy["outcome"], "succeeded");
    let safety = app_doc(&t.admin, deploy["safety_snapshot"].as_str().unwrap()).await;
    assert_eq!(safety["taken_by"], "oscar-operator");

    // An unprotected account needs nobody else.
    let meta = t.operator.snapshot(&DEV, name).await;
    let (s, b) = t
        .operator
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": DEV.account_id, "region": "us-east-1"}}))
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn app_doc(app: &TestApp, key: &str) -> Value {
    let (s, b) = app.get(&format!("/snapshots/{key}")).await;
    assert_eq!(s, 200, "{b}");
    b
}

#[tokio::test]
async fn a_target_edited_after_the_plan_is_refused_and_stays_as_edited() {
    let t = team(Clock::system()).await;
    let name = "cc-customer-lookup";
    let cr = request_deploy(&t, name, 61).await;
    let id = cr["id"].as_str().unwrap();
    // Someone edits prod in the console meanwhile.
    t.app
        .lambda_as(&PROD)
        .update_function_configuration()
        .function_name(name)
        .memory_size(640)
        .send()
        .await
        .unwrap();
    common::wait_ready(&t.app.lambda_as(&PROD), name).await;
    let (s, b) = t
        .approver
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 409, "change_stale");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the target changed since the plan was made"),
        "{b}"
    );
    assert_ne!(
        b["error"]["details"]["now"]["live_digest"],
        cr["live_digest"]
    );
    let (_, after) = t.viewer.get(&format!("/changes/{id}")).await;
    assert_eq!(after["state"], "stale");
    // Not applied: prod keeps the console's edit and its old timeout.
    let c = t
        .app
        .lambda_as(&PROD)
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    assert_eq!(c.memory_size(), Some(640));
    assert_ne!(c.timeout(), Some(61));
    let (s, b) = t
        .other_approver
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 409, "already_decided");
    let (_, trail) = t.viewer.get("/audit?account_id=222222222222").await;
    assert!(trail
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "change-stale"
            && e["change_id"] == id
            && e["outcome"] == "refused"));
}

#[tokio::test]
async fn expired_and_rejected_requests_cannot_be_approved() {
    let clock = Clock::manual();
    let t = team(clock.clone()).await;
    let name = "cc-customer-lookup";
    let first = request_deploy(&t, name, 33).await;
    clock.advance(Duration::from_secs(24 * 3600 + 1));
    let id = first["id"].as_str().unwrap();
    let (_, got) = t.viewer.get(&format!("/changes/{id}")).await;
    assert_eq!(got["state"], "expired");
    let (s, b) = t
        .approver
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 409, "change_expired");

    let second = request_deploy(&t, name, 34).await;
    let id = second["id"].as_str().unwrap();
    let (s, b) = t
        .approver
        .post(
            &format!("/changes/{id}/reject"),
            &json!({"comment": "not during the sale"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["state"], "rejected");
    assert_eq!(b["comment"], "not during the sale");
    let (s, b) = t
        .other_approver
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 409, "already_decided");
    assert_ne!(timeout_in(&t.app, &PROD, name).await, 34);
    let (s, b) = t.viewer.get("/changes?state=sideways").await;
    assert_error(s, &b, 400, "invalid_request");

    // A rollback into prod waits the same way.
    let meta = t.operator.snapshot(&PROD, name).await;
    let (s, b) = t
        .operator
        .post("/rollback", &json!({"account_id": PROD.account_id, "region": "us-east-1", "service": "lambda", "resource_name": name, "snapshot_key": meta["key"]}))
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["change_request"]["kind"], "rollback");
    assert_eq!(b["change_request"]["plan"]["action"], "unchanged");
}
