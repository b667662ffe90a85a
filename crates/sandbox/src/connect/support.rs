//! What every Connect operation shares: its context, errors, lookups and paging.

use super::model::{ConnectRegion, Instance, Kind};
use crate::http::{hv, json, Req};
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub(super) type Res = Result<Response, Response>;

pub const CONNECT_RATE: f64 = 2.0;

pub const CONNECT_BURST: f64 = 5.0;

pub(super) fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Connect's error bodies carry `Message` (capital M).
pub(super) fn err(status: u16, code: &str, message: &str) -> Response {
    let mut r = json(
        status,
        &json!({"Message": message, "message": message, "__type": code}),
    );
    r.headers_mut().insert("x-amzn-errortype", hv(code));
    r
}

pub(super) fn not_found(m: &str) -> Response {
    err(404, "ResourceNotFoundException", m)
}

pub(super) fn invalid_param(m: &str) -> Response {
    err(400, "InvalidParameterException", m)
}

pub(super) fn invalid_request(m: &str) -> Response {
    err(400, "InvalidRequestException", m)
}

pub(super) struct Ctx {
    pub account: String,
    pub region: String,
    pub host: String,
}

impl Ctx {
    pub(super) fn instance_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:connect:{}:{}:instance/{id}",
            self.region, self.account
        )
    }
    pub(super) fn arn(&self, instance: &str, kind: Kind, id: &str) -> String {
        format!("{}/{}/{id}", self.instance_arn(instance), kind.paths().3)
    }
}

pub(super) fn region<'a>(w: &'a mut World, ctx: &Ctx) -> &'a mut ConnectRegion {
    w.connect
        .entry((ctx.account.clone(), ctx.region.clone()))
        .or_default()
}

pub(super) fn instance<'a>(
    w: &'a mut World,
    ctx: &Ctx,
    id: &str,
) -> Result<&'a mut Instance, Response> {
    region(w, ctx)
        .instances
        .get_mut(id)
        .ok_or_else(|| not_found(&format!("Instance {id} not found")))
}

/// Pages of at most `max` (1..=limit, default 100), with opaque tokens.
pub(super) fn page(
    items: Vec<Value>,
    max: Option<i64>,
    limit: i64,
    token: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), Response> {
    let max = match max {
        None => 100.min(limit) as usize,
        Some(n) if (1..=limit).contains(&n) => n as usize,
        Some(_) => {
            return Err(invalid_param(&format!(
                "MaxResults must be between 1 and {limit}"
            )))
        }
    };
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("sandbox-connect-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| invalid_param("The NextToken is not valid"))?,
    };
    let end = (start + max).min(items.len());
    Ok((
        items
            .get(start..end)
            .map(|s| s.to_vec())
            .unwrap_or_default(),
        (end < items.len()).then(|| format!("sandbox-connect-{end}")),
    ))
}

pub(super) fn query_num(req: &Req, key: &str) -> Result<Option<i64>, Response> {
    match req.query_one(key) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| invalid_param(&format!("{key} must be a number"))),
    }
}

pub(super) fn s<'a>(body: &'a Value, k: &str) -> Option<&'a str> {
    body.get(k).and_then(Value::as_str)
}

pub(super) fn required<'a>(body: &'a Value, k: &str) -> Result<&'a str, Response> {
    s(body, k)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_param(&format!("{k} is required")))
}

pub(super) fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub(crate) fn instance_json(ctx: &Ctx, i: &Instance) -> Value {
    json!({"Id": i.id, "Arn": ctx.instance_arn(&i.id), "IdentityManagementType": "CONNECT_MANAGED", "InstanceAlias": i.alias,
           "CreatedTime": i.created, "ServiceRole": format!("arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect", ctx.account),
           "InstanceStatus": "ACTIVE", "InboundCallsEnabled": true, "OutboundCallsEnabled": true, "InstanceAccessUrl": format!("https://{}.my.connect.aws", i.alias)})
}
