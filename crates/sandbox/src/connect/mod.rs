//! Amazon Connect (REST-JSON, API 2017-08-08): instances and, per instance, contact flows and
//! flow modules (SAVED / PUBLISHED, content checked as flow language), queues, hours of
//! operation, prompts with audio (GetPromptFile pre-signed URL; CreatePrompt takes one),
//! routing profiles (queue associations at most 10 per call), quick connects (at most 50 per
//! queue association call), Lambda and Lex V2 associations, the List* and Search* calls, and
//! Connect's default quotas: 2 requests/s with a burst of 5 per account, region and operation
//! (the metric-data reads 5/8), or one shared bucket (`/_sandbox/quotas`, see quota.rs).

mod associations;
mod flows;
mod items;
pub(crate) mod model;
mod routing;
pub(crate) mod seed;
mod support;

use crate::auth::Scope;
use crate::http::{unknown_operation, Req};
use crate::ops::{Op, Quota};
use crate::state::{Principal, Shared, World};
use axum::http::Method;
use axum::response::Response;
use items::{create, update};
use model::Kind;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use support::{err, invalid_param, s, Ctx, Res, CONNECT_BURST, CONNECT_RATE};

enum Route {
    ListInstances,
    DescribeInstance(String),
    Create(Kind, String),
    Describe(Kind, String, String),
    List(Kind, String),
    Search(Kind),
    Delete(Kind, String, String),
    UpdateContent(Kind, String, String),
    UpdateMetadata(Kind, String, String),
    GetPromptFile(String, String),
    AssociateRoutingProfileQueues(String, String),
    ListRoutingProfileQueues(String, String),
    AssociateQueueQuickConnects(String, String),
    ListQueueQuickConnects(String, String),
    AssociateLambdaFunction(String),
    ListLambdaFunctions(String),
    AssociateBot(String),
    ListBots(String),
    /// Update* calls: (kind, instance, id, aspect) — `aspect` is the last path segment of
    /// UpdateQueueName (`name`), UpdateRoutingProfileQueues (`queues`), … or none.
    Update(Kind, String, String, Option<String>),
    TagResource(String),
    UntagResource(String),
    DisassociateLambdaFunction(String),
    DisassociateBot(String),
}

impl Route {
    fn name(&self) -> String {
        use Route::*;
        let k = |k: &Kind| k.label();
        match self {
            ListInstances => "ListInstances".into(),
            DescribeInstance(_) => "DescribeInstance".into(),
            Create(kd, _) => format!("Create{}", k(kd)),
            Describe(kd, ..) => format!("Describe{}", k(kd)),
            List(Kind::Flow, _) => "ListContactFlows".into(),
            List(Kind::Module, _) => "ListContactFlowModules".into(),
            List(Kind::Hours, _) => "ListHoursOfOperations".into(),
            List(kd, _) => format!("List{}s", k(kd)),
            Search(Kind::Hours) => "SearchHoursOfOperations".into(),
            Search(Kind::Flow) => "SearchContactFlows".into(),
            Search(Kind::Module) => "SearchContactFlowModules".into(),
            Search(kd) => format!("Search{}s", k(kd)),
            Delete(kd, ..) => format!("Delete{}", k(kd)),
            UpdateContent(kd, ..) => format!("Update{}Content", k(kd)),
            UpdateMetadata(kd, ..) => format!("Update{}Metadata", k(kd)),
            GetPromptFile(..) => "GetPromptFile".into(),
            AssociateRoutingProfileQueues(..) => "AssociateRoutingProfileQueues".into(),
            ListRoutingProfileQueues(..) => "ListRoutingProfileQueues".into(),
            AssociateQueueQuickConnects(..) => "AssociateQueueQuickConnects".into(),
            ListQueueQuickConnects(..) => "ListQueueQuickConnects".into(),
            AssociateLambdaFunction(_) => "AssociateLambdaFunction".into(),
            ListLambdaFunctions(_) => "ListLambdaFunctions".into(),
            AssociateBot(_) => "AssociateBot".into(),
            ListBots(_) => "ListBots".into(),
            Update(kd, _, _, aspect) => match (kd, aspect.as_deref()) {
                (Kind::Queue, Some("disassociate-quick-connects")) => {
                    "DisassociateQueueQuickConnects".into()
                }
                (Kind::RoutingProfile, Some("disassociate-queues")) => {
                    "DisassociateRoutingProfileQueues".into()
                }
                (_, None) => format!("Update{}", k(kd)),
                (_, Some(a)) => {
                    let camel: String = a
                        .split('-')
                        .map(|w| {
                            let mut c = w.chars();
                            c.next()
                                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                                .unwrap_or_default()
                        })
                        .collect();
                    format!("Update{}{}", k(kd), camel)
                }
            },
            TagResource(_) => "TagResource".into(),
            UntagResource(_) => "UntagResource".into(),
            DisassociateLambdaFunction(_) => "DisassociateLambdaFunction".into(),
            DisassociateBot(_) => "DisassociateBot".into(),
        }
    }
}

fn route(method: &Method, segs: &[String]) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |x: &str| x.to_owned();
    use Route::*;
    let by_path = |p: &str| Kind::all().into_iter().find(|k| k.paths().0 == p);
    let by_summary = |p: &str| Kind::all().into_iter().find(|k| k.paths().1 == p);
    let by_search = |p: &str| Kind::all().into_iter().find(|k| k.paths().2 == p);
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["instance"]) => ListInstances,
        ("GET", ["instance", i]) => DescribeInstance(o(i)),
        ("PUT", ["instance", i, "lambda-function"]) => AssociateLambdaFunction(o(i)),
        ("GET", ["instance", i, "lambda-functions"]) => ListLambdaFunctions(o(i)),
        ("PUT", ["instance", i, "bot"]) => AssociateBot(o(i)),
        ("POST", ["instance", i, "bot"]) => DisassociateBot(o(i)),
        ("DELETE", ["instance", i, "lambda-function"]) => DisassociateLambdaFunction(o(i)),
        ("POST", ["tags", arn]) => TagResource(o(arn)),
        ("DELETE", ["tags", arn]) => UntagResource(o(arn)),
        ("GET", ["instance", i, "bots"]) => ListBots(o(i)),
        ("GET", ["prompts", i, p, "file"]) => GetPromptFile(o(i), o(p)),
        ("POST", ["routing-profiles", i, r, "associate-queues"]) => {
            AssociateRoutingProfileQueues(o(i), o(r))
        }
        ("GET", ["routing-profiles", i, r, "queues"]) => ListRoutingProfileQueues(o(i), o(r)),
        ("POST", ["queues", i, q, "associate-quick-connects"]) => {
            AssociateQueueQuickConnects(o(i), o(q))
        }
        ("GET", ["queues", i, q, "quick-connects"]) => ListQueueQuickConnects(o(i), o(q)),
        ("POST", [p, i, id, "content"]) if by_path(p).is_some() => {
            UpdateContent(by_path(p)?, o(i), o(id))
        }
        ("POST", [p, i, id, "metadata"]) if by_path(p).is_some() => {
            UpdateMetadata(by_path(p)?, o(i), o(id))
        }
        ("POST", [p, i, id, aspect]) if by_path(p).is_some() => {
            Update(by_path(p)?, o(i), o(id), Some(o(aspect)))
        }
        ("POST", [p, i, id]) if by_path(p).is_some() => Update(by_path(p)?, o(i), o(id), None),
        // ListQuickConnects shares its path with the resource path.
        ("GET", ["quick-connects", i]) => List(Kind::QuickConnect, o(i)),
        ("PUT", [p, i]) if by_path(p).is_some() => Create(by_path(p)?, o(i)),
        ("GET", [p, i, id]) if by_path(p).is_some() => Describe(by_path(p)?, o(i), o(id)),
        ("DELETE", [p, i, id]) if by_path(p).is_some() => Delete(by_path(p)?, o(i), o(id)),
        ("GET", [p, i]) if by_summary(p).is_some() => List(by_summary(p)?, o(i)),
        ("POST", [p]) if by_search(p).is_some() => Search(by_search(p)?),
        _ => return None,
    })
}

pub async fn handle(sh: &Shared, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let Some(route) = route(&req.method, &req.segments()) else {
        return unknown_operation("Connect");
    };
    let name = route.name();
    let op = Op {
        service: "connect",
        name: &name,
        error: err,
    };
    if let Err(r) = op.begin(sh, principal).await {
        return r;
    }
    let mut body = match req.json_object() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let local_audio = match local_prompt_audio(&body).await {
        Ok(a) => a,
        Err(e) => return e,
    };
    let quota = Quota {
        bucket: "connect",
        rate: CONNECT_RATE,
        burst: CONNECT_BURST,
        throttled: || err(429, "ThrottlingException", "Rate exceeded"),
        // Per operation by default, as Connect's API reference states (see quota.rs).
        connect_operation: Some(&name),
    };
    let mut world = match op.admit(sh, principal, scope, &quota) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Some(bytes) = local_audio {
        // From here on the audio is what any other S3Uri the sandbox serves would be.
        body["S3Uri"] = json!(world.add_download(Arc::new(bytes), "audio/wav"));
    }
    let ctx = Ctx {
        account: principal.account_id.clone(),
        region: scope.region.clone(),
        host: req.host(),
    };
    run(&mut world, &ctx, route, &req, &body).unwrap_or_else(|e| e)
}

/// Prompt audio given as a `file://` URL of a SnapDeploy blob (what its folder store hands
/// out in demo mode, where the real service would get a pre-signed S3 URL). Only files laid
/// out as blobs (`.../blobs/sha256/<hex>`) whose bytes hash to their name are read, so the
/// sandbox cannot be used to read other files.
async fn local_prompt_audio(body: &Value) -> Result<Option<Vec<u8>>, Response> {
    let Some(path) = s(body, "S3Uri").and_then(|u| u.strip_prefix("file://")) else {
        return Ok(None);
    };
    let refused = || invalid_param("S3Uri: a file:// URL must name a SnapDeploy blob");
    let digest = path
        .rsplit_once("/blobs/sha256/")
        .map(|(_, d)| d)
        .filter(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(refused)?;
    let bytes = tokio::fs::read(path).await.map_err(|_| refused())?;
    if hex::encode(Sha256::digest(&bytes)) != digest {
        return Err(refused());
    }
    Ok(Some(bytes))
}

fn run(w: &mut World, ctx: &Ctx, route: Route, req: &Req, body: &Value) -> Res {
    use Route::*;
    match route {
        ListInstances => items::list_instances(w, ctx, req),
        DescribeInstance(i) => items::describe_instance(w, ctx, i),
        Create(kind, i) => create(w, ctx, kind, &i, body),
        Describe(kind, i, id) => items::describe(w, ctx, kind, i, id),
        List(kind, i) => items::list(w, ctx, req, kind, i),
        Search(kind) => items::search(w, ctx, body, kind),
        Delete(kind, i, id) => items::delete(w, ctx, kind, i, id),
        UpdateContent(kind, i, id) => items::update_content(w, ctx, body, kind, i, id),
        UpdateMetadata(kind, i, id) => items::update_metadata(w, ctx, body, kind, i, id),
        GetPromptFile(i, p) => items::get_prompt_file(w, ctx, i, p),
        AssociateRoutingProfileQueues(i, r) => {
            routing::associate_routing_profile_queues(w, ctx, body, i, r)
        }
        ListRoutingProfileQueues(i, r) => routing::list_routing_profile_queues(w, ctx, req, i, r),
        AssociateQueueQuickConnects(i, q) => {
            routing::associate_queue_quick_connects(w, ctx, body, i, q)
        }
        ListQueueQuickConnects(i, q) => routing::list_queue_quick_connects(w, ctx, req, i, q),
        AssociateLambdaFunction(i) => associations::associate_lambda_function(w, ctx, body, i),
        ListLambdaFunctions(i) => associations::list_lambda_functions(w, ctx, req, i),
        AssociateBot(i) => associations::associate_bot(w, ctx, body, i),
        Update(kind, i, id, aspect) => update(w, ctx, kind, &i, &id, aspect.as_deref(), body),
        TagResource(arn) => items::tag_resource(w, ctx, body, arn),
        UntagResource(arn) => items::untag_resource(w, ctx, req, arn),
        DisassociateLambdaFunction(i) => associations::disassociate_lambda_function(w, ctx, req, i),
        DisassociateBot(i) => associations::disassociate_bot(w, ctx, body, i),
        ListBots(i) => associations::list_bots(w, ctx, req, i),
    }
}
