//! Sign-in through an independent OpenID Connect provider (PyPI `oidc-provider-mock`, its
//! own process): its real signed ID tokens are accepted and mapped to roles; expired, wrong
//! audience, wrong issuer, unknown key, `alg: none` and HS256 tokens are refused; a key
//! rotation is followed; API tokens keep working; and an operator's prod deploy waits for
//! an approver, both signed in through the provider.

mod common;

use base64::Engine as _;
use common::idp::Provider;
use common::{assert_error, fast_sandbox, job_end, spawn_app_with, TestApp};
use serde_json::{json, Value};
use snapdeploy_core::{Clock, Role};
use snapdeploy_sandbox::seed::{DEV, PROD};
use snapdeploy_server::{AuthConfig, AuthMode, OidcConfig, ServerConfig};
use std::time::Duration;

const CLIENT: &str = "snapdeploy-web";

async fn oidc_app(provider: &Provider, clock: Clock) -> TestApp {
    let config = ServerConfig {
        auth: AuthConfig {
            mode: AuthMode::Oidc,
            oidc: Some(OidcConfig {
                issuer: provider.issuer(),
                audience: CLIENT.into(),
                client_id: CLIENT.into(),
                roles_claim: "groups".into(),
                role_map: OidcConfig::parse_role_map(
                    "cc-admins=admin,cc-approvers=approver,cc-operators=operator,cc-dev-operators=operator:111111111111,cc-readers=viewer",
                )
                .unwrap(),
                leeway: Duration::from_secs(60),
            }),
            ..AuthConfig::default()
        },
        clock,
        ..ServerConfig::default()
    };
    spawn_app_with(fast_sandbox(), config, None).await
}

async fn person(p: &Provider, sub: &str, groups: &[&str]) -> String {
    p.id_token(
        sub,
        json!({"email": format!("{sub}@example.com"), "groups": groups}),
        CLIENT,
    )
    .await
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_providers_tokens_sign_people_in_and_forged_or_stale_ones_are_refused() {
    let mut provider = Provider::start().await;
    let clock = Clock::manual();
    let app = oidc_app(&provider, clock.clone()).await;

    // /healthz tells the web app where to sign in.
    let (_, health) = app.get("/healthz").await;
    assert_eq!(health["auth"], "oidc");
    assert_eq!(health["oidc"]["issuer"], provider.issuer());
    assert_eq!(health["oidc"]["client_id"], CLIENT);

    let olga = person(&provider, "olga", &["cc-operators", "staff"]).await;
    let (s, me) = app.as_user(&olga).get("/me").await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["subject"], "olga@example.com");
    assert_eq!(me["role"], "operator");
    assert_eq!(me["via"], "oidc");
    // The role decides, as with tokens.
    let (s, b) = app
        .as_user(&olga)
        .post("/tokens", &json!({"name": "x", "role": "viewer"}))
        .await;
    assert_error(s, &b, 403, "forbidden");
    // The highest of one's groups counts; a group can be limited to accounts.
    let ada = person(&provider, "ada", &["cc-readers", "cc-admins"]).await;
    assert_eq!(app.as_user(&ada).get("/me").await.1["role"], "admin");
    let dev_only = person(&provider, "dora", &["cc-dev-operators"]).await;
    let (_, me) = app.as_user(&dev_only).get("/me").await;
    assert_eq!(me["accounts"], json!(["111111111111"]));

    // Signed in, but no group maps to a role.
    let nobody = person(&provider, "nemo", &["marketing"]).await;
    let (s, b) = app.as_user(&nobody).get("/accounts").await;
    assert_error(s, &b, 403, "no_role");
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("marketing"));

    // For another application.
    let other_aud = provider
        .id_token("olga", json!({"groups": ["cc-admins"]}), "someone-else")
        .await;
    let (s, b) = app.as_user(&other_aud).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("audience"),
        "{b}"
    );

    // Issued under another name (the same provider asked as localhost: iss differs).
    let other_iss = provider
        .id_token_at(
            &format!("http://localhost:{}", provider.port),
            "olga",
            json!({"groups": ["cc-admins"]}),
            CLIENT,
        )
        .await;
    assert_ne!(claims_of(&other_iss)["iss"], provider.issuer());
    let (s, b) = app.as_user(&other_iss).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("issued by"),
        "{b}"
    );

    // alg none: the claims of a good token, unsigned.
    let claims = claims_of(&ada);
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    let (s, b) = app.as_user(&none).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");
    // HS256, "signed" with a secret anyone could pick (or the public key).
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"the public key, say").unwrap(),
    )
    .unwrap();
    let (s, b) = app.as_user(&hs).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("HS256"),
        "{b}"
    );
    // A good token with its claims altered: the signature no longer holds.
    let mut parts: Vec<String> = ada.split('.').map(String::from).collect();
    let mut forged = claims_of(&ada);
    forged["groups"] = json!(["cc-admins"]);
    forged["email"] = json!("mallory@example.com");
    parts[1] = b64(&forged);
    let (s, b) = app.as_user(&parts.join(".")).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");

    // A key the issuer does not publish: another provider's token.
    let stranger = Provider::start().await;
    let foreign = stranger
        .id_token("olga", json!({"groups": ["cc-admins"]}), CLIENT)
        .await;
    let (s, b) = app.as_user(&foreign).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");

    // The provider rotates its key: new tokens verify once the keys are fetched again
    // (beyond the refetch interval), and the old key's tokens no longer do.
    let before = person(&provider, "olga", &["cc-operators"]).await;
    assert_eq!(app.as_user(&before).get("/me").await.0, 200);
    provider.rotate_keys().await;
    clock.advance(Duration::from_secs(31));
    let after = person(&provider, "olga", &["cc-operators"]).await;
    let (s, me) = app.as_user(&after).get("/me").await;
    assert_eq!(s, 200, "{me}");
    let (s, b) = app.as_user(&before).get("/me").await;
    assert_error(s, &b, 401, "invalid_token");

    // API tokens (pipelines) work beside the provider.
    let (_, pipeline) =
        snapdeploy_server::auth::issue_token(&app.state, "test", "ci", Role::Viewer, vec![], None)
            .await
            .unwrap();
    let (s, me) = app.as_user(&pipeline).get("/me").await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["via"], "token");

    // Expired: the server's clock moves past the token's hour (and the leeway).
    clock.advance(Duration::from_secs(3600 + 61));
    let olga = after;
    let (s, b) = app.as_user(&olga).get("/me").await;
    assert_error(s, &b, 401, "token_expired");
    let (s, _) = app.get("/me").await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn an_operator_signed_in_through_the_provider_needs_an_approver_for_prod() {
    let provider = Provider::start().await;
    let app = oidc_app(&provider, Clock::system()).await;
    let admin = app.as_user(&person(&provider, "ada", &["cc-admins"]).await);
    let operator = app.as_user(&person(&provider, "olga", &["cc-operators"]).await);
    let approver = app.as_user(&person(&provider, "april", &["cc-approvers"]).await);
    admin.register_both().await;
    let name = "cc-customer-lookup";
    app.lambda_as(&DEV)
        .update_function_configuration()
        .function_name(name)
        .timeout(71)
        .send()
        .await
        .unwrap();
    common::wait_ready(&app.lambda_as(&DEV), name).await;
    let meta = operator.snapshot(&DEV, name).await;
    assert_eq!(meta["taken_by"], "olga@example.com", "{meta}");
    let (s, b) = operator
        .post("/deploy", &json!({"source": {"snapshot_key": meta["key"]}, "target": {"account_id": PROD.account_id, "region": "us-east-1"}}))
        .await;
    assert_eq!(s, 202, "{b}");
    let cr = &b["change_request"];
    assert_eq!(cr["requested_by"], "olga@example.com");
    let id = cr["id"].as_str().unwrap();
    let (s, b) = operator
        .post(&format!("/changes/{id}/approve"), &json!({}))
        .await;
    assert_error(s, &b, 403, "forbidden");
    let (s, b) = approver
        .post(&format!("/changes/{id}/approve"), &json!({"comment": "ok"}))
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["change_request"]["decided_by"], "april@example.com");
    let job = job_end(&approver, b["status_url"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let timeout = app
        .lambda_as(&PROD)
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap()
        .timeout();
    assert_eq!(timeout, Some(71));
    let (_, audit) = admin.get("/audit?limit=50").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "olga@example.com" && e["approved_by"] == "april@example.com"),
        "{audit}"
    );
}
