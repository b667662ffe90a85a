//! The control API under `/_sandbox/`, a path no AWS service uses: downloads behind expiring
//! URLs, fault injection, call counters, quotas, accounts and roles.

use crate::http::{empty, json, json_error, Req};
use crate::state::Shared;
use crate::state::{Fault, RoleDef};
use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct NewAccount {
    account_id: String,
    access_key_id: String,
    secret_access_key: String,
}

/// Stops or restarts the sandbox's clock, and moves it on.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    stopped: Option<bool>,
    #[serde(default)]
    advance_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaSwitch {
    /// Quotas on or off (unchanged when absent).
    enabled: Option<bool>,
    /// Connect's buckets: `{"mode": "per_operation"|"shared", "rates": {op: {rate, burst}}}`
    /// (replaces the current settings when present).
    connect: Option<crate::quota::ConnectQuotas>,
}

fn parse<T: for<'de> Deserialize<'de>>(req: &Req) -> Result<T, Response> {
    serde_json::from_slice(&req.body).map_err(|e| {
        json_error(
            400,
            "ValidationException",
            &format!("bad control request: {e}"),
        )
    })
}

pub async fn handle(sh: &Shared, req: Req) -> Response {
    let path = req.uri.path().trim_start_matches("/_sandbox").to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (&req.method, segments.as_slice()) {
        (&Method::GET, ["health"]) => json(200, &json!({"sandbox": true, "status": "ok"})),
        (&Method::GET, ["download", token]) => download(sh, token),
        (&Method::PUT, ["upload", id]) => upload(sh, id, &req),
        (&Method::GET, ["counters"]) => json(200, &sh.counters_json()),
        // Everything an account holds, as text: what a test greps for values that must not
        // be there (a source account id in a target account), read past every API.
        (&Method::GET, ["dump", account]) => {
            let w = sh.world();
            let mut text = String::new();
            for ((a, r), l) in &w.lambda {
                if a == account {
                    text.push_str(&format!("lambda {r}: {l:?}\n"));
                }
            }
            for ((a, r), l) in &w.lex {
                if a == account {
                    text.push_str(&format!("lex {r}: {l:?}\n"));
                }
            }
            for ((a, r), c) in &w.connect {
                if a == account {
                    text.push_str(&format!("connect {r}: {c:?}\n"));
                }
            }
            let mut r = Response::new(Body::from(text));
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/plain"));
            r
        }
        (&Method::DELETE, ["counters"]) => {
            sh.reset_counters();
            empty(204)
        }
        (&Method::GET, ["faults"]) => json(200, &json!(sh.world().faults)),
        (&Method::POST, ["faults"]) => match parse::<Fault>(&req) {
            Ok(mut f) => {
                f.seen = 0;
                f.fired = 0;
                sh.world().faults.push(f.clone());
                json(201, &json!(f))
            }
            Err(e) => e,
        },
        (&Method::DELETE, ["faults"]) => {
            sh.clear_faults();
            empty(204)
        }
        (&Method::GET, ["clock"]) => json(200, &json!(sh.world().clock.view())),
        (&Method::PUT, ["clock"]) => match parse::<ClockChange>(&req) {
            Ok(c) => {
                let mut w = sh.world();
                if let Some(stop) = c.stopped {
                    w.clock.set_stopped(stop);
                }
                w.clock
                    .advance(std::time::Duration::from_millis(c.advance_ms));
                json(200, &json!(w.clock.view()))
            }
            Err(e) => e,
        },
        (&Method::GET, ["quotas"]) => {
            let w = sh.world();
            json(
                200,
                &json!({"enabled": w.config.quotas_enabled, "connect": w.quotas.connect}),
            )
        }
        (&Method::PUT, ["quotas"]) => match parse::<QuotaSwitch>(&req) {
            Ok(q) => {
                if let Some(Err(e)) = q.connect.as_ref().map(|c| c.check()) {
                    return json_error(400, "ValidationException", &e);
                }
                let mut w = sh.world();
                if let Some(on) = q.enabled {
                    w.config.quotas_enabled = on;
                }
                if let Some(c) = q.connect {
                    w.quotas.connect = c;
                }
                // Buckets start full under the new settings.
                w.quotas.clear();
                json(
                    200,
                    &json!({"enabled": w.config.quotas_enabled, "connect": w.quotas.connect}),
                )
            }
            Err(e) => e,
        },
        (&Method::POST, ["accounts"]) => match parse::<NewAccount>(&req) {
            Ok(a) => {
                sh.add_account(&a.account_id, &a.access_key_id, &a.secret_access_key);
                empty(204)
            }
            Err(e) => e,
        },
        (&Method::POST, ["roles"]) => match parse::<RoleDef>(&req) {
            Ok(r) => {
                sh.add_role(r);
                empty(204)
            }
            Err(e) => e,
        },
        _ => json_error(404, "NotFound", "unknown sandbox control route"),
    }
}

/// Serves bytes registered behind an expiring URL, refusing it after expiry as S3 refuses
/// an expired pre-signed URL.
fn download(sh: &Shared, token: &str) -> Response {
    // Counted like an API call, so tests can see which reads a client skipped.
    sh.count("sandbox:download", |c| c.calls += 1);
    let world = sh.world();
    let Some(d) = world
        .downloads
        .get(token)
        .filter(|d| d.expires > world.clock.now())
    else {
        let mut r = Response::new(Body::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        ));
        *r.status_mut() = StatusCode::FORBIDDEN;
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/xml"));
        return r;
    };
    let mut r = Response::new(Body::from(d.bytes.as_ref().clone()));
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_str(&d.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    r
}

/// Takes the bytes PUT to an upload URL (CreateUploadUrl), as S3 takes a pre-signed PUT.
fn upload(sh: &Shared, id: &str, req: &Req) -> Response {
    let mut world = sh.world();
    let live = world
        .upload_slots
        .get(id)
        .is_some_and(|exp| *exp > world.clock.now());
    if !live {
        let mut r = Response::new(Body::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        ));
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    world.upload_slots.remove(id);
    world.lex_uploads.insert(id.to_owned(), req.body.to_vec());
    empty(200)
}
