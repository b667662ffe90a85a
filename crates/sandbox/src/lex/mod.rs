//! Lex V2 model building (signing name `lex`, REST-JSON, API 2020-08-07): bots, locales with
//! intents, slots and slot types, asynchronous builds, numbered versions (at most 100 per
//! bot), aliases with locale settings and Lambda code hooks, and LexJson export/import
//! through expiring URLs served by the sandbox.
//!
//! A bot version's definition is kept in the shape of the LexJson export, so export and
//! import are a faithful round trip.

mod bots;
mod definitions;
pub(crate) mod model;
pub(crate) mod seed;
mod support;
mod transfer;
mod versions;

use crate::auth::Scope;
use crate::http::{hv, json_error, unknown_operation, Req};
use crate::ops::{Op, Quota};
use crate::state::{Principal, Shared, World};
use axum::http::Method;
use axum::response::Response;
use serde_json::Value;
use support::{Ctx, Res, LEX_RATE};
use transfer::{create_export, start_import};

enum Route {
    CreateBot,
    ListBots,
    DescribeBot(String),
    UpdateBot(String),
    DeleteBot(String),
    ListBotLocales(String, String),
    DescribeBotLocale(String, String, String),
    BuildBotLocale(String, String, String),
    CreateBotVersion(String),
    ListBotVersions(String),
    DescribeBotVersion(String, String),
    DeleteBotVersion(String, String),
    CreateBotAlias(String),
    ListBotAliases(String),
    DescribeBotAlias(String, String),
    UpdateBotAlias(String, String),
    DeleteBotAlias(String, String),
    CreateExport,
    DescribeExport(String),
    CreateUploadUrl,
    StartImport,
    DescribeImport(String),
    ListTagsForResource(String),
    TagResource(String),
    UntagResource(String),
    ListIntents(String, String, String),
    DescribeIntent(String, String, String, String),
    ListSlots(String, String, String, String),
    DescribeSlot(String, String, String, String, String),
    ListSlotTypes(String, String, String),
    DescribeSlotType(String, String, String, String),
}

impl Route {
    fn name(&self) -> &'static str {
        use Route::*;
        match self {
            CreateBot => "CreateBot",
            ListBots => "ListBots",
            DescribeBot(_) => "DescribeBot",
            UpdateBot(_) => "UpdateBot",
            DeleteBot(_) => "DeleteBot",
            ListBotLocales(..) => "ListBotLocales",
            DescribeBotLocale(..) => "DescribeBotLocale",
            BuildBotLocale(..) => "BuildBotLocale",
            CreateBotVersion(_) => "CreateBotVersion",
            ListBotVersions(_) => "ListBotVersions",
            DescribeBotVersion(..) => "DescribeBotVersion",
            DeleteBotVersion(..) => "DeleteBotVersion",
            CreateBotAlias(_) => "CreateBotAlias",
            ListBotAliases(_) => "ListBotAliases",
            DescribeBotAlias(..) => "DescribeBotAlias",
            UpdateBotAlias(..) => "UpdateBotAlias",
            DeleteBotAlias(..) => "DeleteBotAlias",
            CreateExport => "CreateExport",
            DescribeExport(_) => "DescribeExport",
            CreateUploadUrl => "CreateUploadUrl",
            StartImport => "StartImport",
            DescribeImport(_) => "DescribeImport",
            ListTagsForResource(_) => "ListTagsForResource",
            TagResource(_) => "TagResource",
            UntagResource(_) => "UntagResource",
            ListIntents(..) => "ListIntents",
            DescribeIntent(..) => "DescribeIntent",
            ListSlots(..) => "ListSlots",
            DescribeSlot(..) => "DescribeSlot",
            ListSlotTypes(..) => "ListSlotTypes",
            DescribeSlotType(..) => "DescribeSlotType",
        }
    }
}

fn route(method: &Method, segs: &[String]) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |x: &str| x.to_owned();
    use Route::*;
    Some(match (method.as_str(), s.as_slice()) {
        ("PUT", ["bots"]) => CreateBot,
        ("POST", ["bots"]) => ListBots,
        ("GET", ["bots", b]) => DescribeBot(o(b)),
        ("PUT", ["bots", b]) => UpdateBot(o(b)),
        ("DELETE", ["bots", b]) => DeleteBot(o(b)),
        ("POST", ["bots", b, "botversions", v, "botlocales"]) => ListBotLocales(o(b), o(v)),
        ("GET", ["bots", b, "botversions", v, "botlocales", l]) => {
            DescribeBotLocale(o(b), o(v), o(l))
        }
        ("POST", ["bots", b, "botversions", v, "botlocales", l]) => {
            BuildBotLocale(o(b), o(v), o(l))
        }
        ("PUT", ["bots", b, "botversions"]) => CreateBotVersion(o(b)),
        ("POST", ["bots", b, "botversions"]) => ListBotVersions(o(b)),
        ("GET", ["bots", b, "botversions", v]) => DescribeBotVersion(o(b), o(v)),
        ("DELETE", ["bots", b, "botversions", v]) => DeleteBotVersion(o(b), o(v)),
        ("PUT", ["bots", b, "botaliases"]) => CreateBotAlias(o(b)),
        ("POST", ["bots", b, "botaliases"]) => ListBotAliases(o(b)),
        ("GET", ["bots", b, "botaliases", a]) => DescribeBotAlias(o(b), o(a)),
        ("PUT", ["bots", b, "botaliases", a]) => UpdateBotAlias(o(b), o(a)),
        ("DELETE", ["bots", b, "botaliases", a]) => DeleteBotAlias(o(b), o(a)),
        ("PUT", ["exports"]) => CreateExport,
        ("GET", ["exports", e]) => DescribeExport(o(e)),
        ("POST", ["createuploadurl"]) => CreateUploadUrl,
        ("PUT", ["imports"]) => StartImport,
        ("GET", ["imports", i]) => DescribeImport(o(i)),
        ("POST", ["bots", b, "botversions", v, "botlocales", l, "intents"]) => {
            ListIntents(o(b), o(v), o(l))
        }
        ("GET", ["bots", b, "botversions", v, "botlocales", l, "intents", i]) => {
            DescribeIntent(o(b), o(v), o(l), o(i))
        }
        ("POST", ["bots", b, "botversions", v, "botlocales", l, "intents", i, "slots"]) => {
            ListSlots(o(b), o(v), o(l), o(i))
        }
        ("GET", ["bots", b, "botversions", v, "botlocales", l, "intents", i, "slots", sl]) => {
            DescribeSlot(o(b), o(v), o(l), o(i), o(sl))
        }
        ("POST", ["bots", b, "botversions", v, "botlocales", l, "slottypes"]) => {
            ListSlotTypes(o(b), o(v), o(l))
        }
        ("GET", ["bots", b, "botversions", v, "botlocales", l, "slottypes", t]) => {
            DescribeSlotType(o(b), o(v), o(l), o(t))
        }
        ("GET", ["tags", arn]) => ListTagsForResource(o(arn)),
        ("POST", ["tags", arn]) => TagResource(o(arn)),
        ("DELETE", ["tags", arn]) => UntagResource(o(arn)),
        _ => return None,
    })
}

pub async fn handle(sh: &Shared, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let Some(route) = route(&req.method, &req.segments()) else {
        return unknown_operation("Lex V2 models");
    };
    let op = Op {
        service: "lex",
        name: route.name(),
        error: json_error,
    };
    let quota = Quota {
        bucket: "lex",
        rate: LEX_RATE,
        burst: LEX_RATE,
        throttled,
        connect_operation: None,
    };
    let mut world = match op.serve(sh, principal, scope, &quota).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let body = match req.json_object() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let ctx = Ctx {
        account: principal.account_id.clone(),
        region: scope.region.clone(),
        host: req.host(),
    };
    run(&mut world, &ctx, route, &req, &body).unwrap_or_else(|e| e)
}

fn run(w: &mut World, ctx: &Ctx, route: Route, req: &Req, body: &Value) -> Res {
    use Route::*;
    match route {
        CreateBot => bots::create_bot(w, ctx, body),
        ListBots => bots::list_bots(w, ctx, body),
        DescribeBot(id) => bots::describe_bot(w, ctx, id),
        UpdateBot(id) => bots::update_bot(w, ctx, body, id),
        DeleteBot(id) => bots::delete_bot(w, ctx, id),
        ListBotLocales(id, v) => bots::list_bot_locales(w, ctx, body, id, v),
        DescribeBotLocale(id, v, lid) => bots::describe_bot_locale(w, ctx, id, v, lid),
        BuildBotLocale(id, v, lid) => bots::build_bot_locale(w, ctx, id, v, lid),
        CreateBotVersion(id) => versions::create_bot_version(w, ctx, body, id),
        ListBotVersions(id) => versions::list_bot_versions(w, ctx, body, id),
        DescribeBotVersion(id, v) => versions::describe_bot_version(w, ctx, id, v),
        DeleteBotVersion(id, v) => versions::delete_bot_version(w, ctx, id, v),
        CreateBotAlias(id) => versions::create_bot_alias(w, ctx, body, id),
        ListBotAliases(id) => versions::list_bot_aliases(w, ctx, body, id),
        DescribeBotAlias(id, a) => versions::describe_bot_alias(w, ctx, id, a),
        UpdateBotAlias(id, a) => versions::update_bot_alias(w, ctx, body, id, a),
        DeleteBotAlias(id, a) => versions::delete_bot_alias(w, ctx, id, a),
        ListIntents(b, v, l) => definitions::list_intents(w, ctx, body, b, v, l),
        DescribeIntent(b, v, l, i) => definitions::describe_intent(w, ctx, b, v, l, i),
        ListSlots(b, v, l, i) => definitions::list_slots(w, ctx, body, b, v, l, i),
        DescribeSlot(b, v, l, i, sid) => definitions::describe_slot(w, ctx, b, v, l, i, sid),
        ListSlotTypes(b, v, l) => definitions::list_slot_types(w, ctx, body, b, v, l),
        DescribeSlotType(b, v, l, t) => definitions::describe_slot_type(w, ctx, b, v, l, t),
        CreateExport => create_export(w, ctx, body),
        DescribeExport(e) => transfer::describe_export(w, ctx, e),
        CreateUploadUrl => transfer::create_upload_url(w, ctx),
        StartImport => start_import(w, ctx, body),
        DescribeImport(i) => transfer::describe_import(w, ctx, i),
        ListTagsForResource(arn) => bots::list_tags_for_resource(w, ctx, arn),
        TagResource(arn) => bots::tag_resource(w, ctx, body, arn),
        UntagResource(arn) => bots::untag_resource(w, ctx, req, arn),
    }
}

/// Lex's throttling answer.
fn throttled() -> Response {
    let mut r = json_error(429, "ThrottlingException", "Rate exceeded");
    r.headers_mut().insert("retry-after", hv("1"));
    r
}
