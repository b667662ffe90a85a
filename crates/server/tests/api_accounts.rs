//! Accounts CRUD and every class of bad input, over real HTTP.

mod common;

use common::{assert_error, spawn_app};
use serde_json::json;

fn account() -> serde_json::Value {
    json!({"account_id": "111111111111", "name": "dev", "role_arn": "arn:aws:iam::111111111111:role/SnapDeployAccess",
           "external_id": "snapdeploy-demo-dev", "regions": ["us-east-1", "eu-west-2", "us-east-1"]})
}

#[tokio::test]
async fn accounts_crud() {
    let app = spawn_app().await;
    let (s, body) = app.get("/accounts").await;
    assert_eq!((s, body), (200, json!([])));

    let (s, created) = app.post("/accounts", &account()).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["regions"], json!(["eu-west-2", "us-east-1"]));
    assert_eq!(created["protected"], false);
    // The ExternalId is never sent back, only whether one is set.
    assert_eq!(created["external_id_set"], true);
    assert!(!created.to_string().contains("snapdeploy-demo-dev"));

    let (s, body) = app.post("/accounts", &account()).await;
    assert_error(s, &body, 409, "conflict");

    let (s, list) = app.get("/accounts").await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("snapdeploy-demo-dev"));

    let r = app
        .http
        .delete(format!("{}/accounts/111111111111", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let r = app
        .http
        .delete(format!("{}/accounts/111111111111", app.base))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_error(s, &r.json().await.unwrap(), 404, "not_found");
}

#[tokio::test]
async fn every_class_of_bad_input_gets_a_4xx_in_the_error_shape() {
    let app = spawn_app().await;
    let with = |k: &str, v: serde_json::Value| {
        let mut a = account();
        a[k] = v;
        a
    };
    for (body, field) in [
        (with("account_id", json!("11111111111")), "account_id"),
        (with("account_id", json!("11111111111a")), "account_id"),
        (with("regions", json!(["us-east1"])), "region"),
        (with("regions", json!([])), "regions"),
        (
            with("role_arn", json!("arn:aws:iam::111111111111:user/x")),
            "role_arn",
        ),
        (
            with(
                "role_arn",
                json!("arn:aws:iam::222222222222:role/SnapDeployAccess"),
            ),
            "role_arn",
        ),
        (with("external_id", json!("x")), "external_id"),
        (with("name", json!("")), "name"),
    ] {
        let (s, b) = app.post("/accounts", &body).await;
        assert_error(s, &b, 400, "invalid_field");
        assert_eq!(b["error"]["details"]["field"], field, "{b}");
    }
    // Wrong types, missing and unknown fields.
    for body in [
        with("regions", json!("us-east-1")),
        json!({"account_id": "111111111111"}),
        with("secret_key", json!("x")),
    ] {
        let (s, b) = app.post("/accounts", &body).await;
        assert_error(s, &b, 400, "invalid_body");
    }
    // Malformed JSON and a missing content type.
    let r = app
        .http
        .post(format!("{}/accounts", app.base))
        .header("content-type", "application/json")
        .body("{\"account_id\": ")
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_error(s, &r.json().await.unwrap(), 400, "malformed_json");
    let r = app
        .http
        .post(format!("{}/accounts", app.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_error(s, &r.json().await.unwrap(), 415, "unsupported_media_type");
    // A body over the limit.
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(17 * 1024 * 1024));
    let r = app
        .http
        .post(format!("{}/accounts", app.base))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_error(s, &r.json().await.unwrap(), 413, "payload_too_large");

    // Paths and queries.
    let r = app
        .http
        .delete(format!("{}/accounts/not-an-id", app.base))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_error(s, &r.json().await.unwrap(), 400, "invalid_field");
    let (s, b) = app
        .get("/extract/s3?account_id=111111111111&region=us-east-1")
        .await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app.get("/extract/lambda").await;
    assert_error(s, &b, 400, "invalid_query");
    let (s, b) = app
        .get("/extract/lambda?account_id=111111111111&region=xx-nowhere-9")
        .await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app
        .get("/extract/lambda?account_id=111111111111&region=us-east-1")
        .await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app
        .get("/snapshots?account_id=111111111111&service=lambda&resource_name=../../etc")
        .await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app
        .get("/snapshots/111111111111/lambda/x/..%2F..%2Fpasswd")
        .await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app.post("/snapshot", &json!({"account_id": "111111111111", "region": "us-east-1", "service": "lambda", "resource_name": "a/b"})).await;
    assert_error(s, &b, 400, "invalid_field");
    let (s, b) = app
        .post(
            "/deploy",
            &json!({"source": {}, "target": {"account_id": "111111111111", "region": "us-east-1"}}),
        )
        .await;
    assert_error(s, &b, 400, "invalid_body");
    let (s, b) = app.get("/no/such/route").await;
    assert_error(s, &b, 404, "not_found");
    let r = app
        .http
        .put(format!("{}/accounts", app.base))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_error(s, &r.json().await.unwrap(), 405, "method_not_allowed");

    // An inline document that claims to be a Connect capture but is not one.
    app.register(&snapdeploy_sandbox::seed::DEV).await;
    let doc = json!({"format": "snapdeploy.snapshot/v1", "service": "connect", "resource_name": "acme-dev", "account_id": "111111111111",
        "region": "us-east-1", "taken_at": "2026-11-27T00:00:00Z", "taken_by": "t", "reason": "manual", "source": {"arn": "", "id": ""},
        "config": {}, "blobs": [], "digest": snapdeploy_core::digest_of(&json!({}))});
    let (s, b) = app.post("/deploy", &json!({"source": {"snapshot": doc}, "target": {"account_id": "111111111111", "region": "us-east-1"}, "dry_run": true})).await;
    assert_error(s, &b, 422, "invalid_operation");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a Connect instance capture"));
    // A region the account was not registered for.
    let (s, b) = app
        .get("/extract/lambda?account_id=111111111111&region=eu-west-1")
        .await;
    assert_error(s, &b, 422, "invalid_operation");
}

#[tokio::test]
async fn health_and_openapi() {
    let app = spawn_app().await;
    let (s, b) = app.get("/healthz").await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ok")));
    let (s, b) = app.get("/readyz").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b,
        json!({"status": "ready", "checks": {"accounts": "ok", "snapshots": "ok"}})
    );
    app.register(&snapdeploy_sandbox::seed::DEV).await;
    let (s, b) = app.get("/readyz").await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ready")), "{b}");
    let (s, doc) = app.get("/openapi.json").await;
    assert_eq!(s, 200);
    for path in [
        "/readyz",
        "/accounts",
        "/accounts/{id}",
        "/extract/{service}",
        "/snapshot",
        "/snapshots",
        "/snapshots/{key}",
        "/diff",
        "/deploy",
        "/rollback",
        "/jobs/{id}",
        "/jobs/{id}/events",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["AccountView"].is_object());
}

#[tokio::test]
async fn a_refused_deploy_option_is_named_by_its_path() {
    let app = spawn_app().await;
    app.register_both().await;
    let body = |options: serde_json::Value| {
        json!({"source": {"snapshot_key": "111111111111/lambda/f/lambda_f_snapshot_20261201T000000.000Z.json"},
               "target": {"account_id": "222222222222", "region": "us-east-1"}, "options": options})
    };
    for (options, field) in [
        (json!({"alias": "12"}), "options.alias"),
        (json!({"alias": "has space"}), "options.alias"),
        (json!({"note": "tab\there"}), "options.note"),
    ] {
        let (s, b) = app.post("/deploy", &body(options)).await;
        assert_error(s, &b, 400, "invalid_field");
        assert_eq!(b["error"]["details"]["field"], field, "{b}");
        let message = b["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}: ")), "{message}");
        assert!(!message.contains(" at line "), "{message}");
    }
    // A wrong type is still a body that does not match the expected shape.
    let (s, b) = app.post("/deploy", &body(json!({"alias": 12}))).await;
    assert_error(s, &b, 400, "invalid_body");
}
