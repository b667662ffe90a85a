//! Lambda's control plane in REST-JSON (API version 2015-03-31), for every operation the
//! product uses, with AWS's validation, error shapes, pagination, asynchronous update status
//! and default quotas.

mod functions;
mod layers;
pub(crate) mod model;
mod policy;
pub(crate) mod seed;
mod support;
mod versions;

use crate::auth::Scope;
use crate::http::{hv, json, json_error, unknown_operation, Req};
use crate::ops::{Op, Quota};
use crate::state::{Principal, Shared, World};
use axum::http::Method;
use axum::response::Response;
use functions::{
    create_function, delete_function, get_function, list_functions, update_code,
    update_configuration,
};
use policy::{add_permission, get_policy, put_concurrency, remove_permission};
use serde_json::{json, Value};
use support::{Ctx, Res};
use versions::{create_alias, list_aliases, list_versions, publish_version, update_alias};

enum Route {
    ListFunctions,
    CreateFunction,
    GetFunction(String),
    DeleteFunction(String),
    GetFunctionConfiguration(String),
    UpdateFunctionConfiguration(String),
    UpdateFunctionCode(String),
    ListVersionsByFunction(String),
    PublishVersion(String),
    ListAliases(String),
    CreateAlias(String),
    GetAlias(String, String),
    UpdateAlias(String, String),
    DeleteAlias(String, String),
    GetPolicy(String),
    AddPermission(String),
    RemovePermission(String, String),
    ListTags(String),
    TagResource(String),
    UntagResource(String),
    PutFunctionConcurrency(String),
    GetFunctionConcurrency(String),
    DeleteFunctionConcurrency(String),
    PublishLayerVersion(String),
    GetLayerVersion(String, String),
    GetLayerVersionByArn,
    EventInvokeConfig(&'static str, String),
}

impl Route {
    fn name(&self) -> &'static str {
        use Route::*;
        match self {
            ListFunctions => "ListFunctions",
            CreateFunction => "CreateFunction",
            GetFunction(_) => "GetFunction",
            DeleteFunction(_) => "DeleteFunction",
            GetFunctionConfiguration(_) => "GetFunctionConfiguration",
            UpdateFunctionConfiguration(_) => "UpdateFunctionConfiguration",
            UpdateFunctionCode(_) => "UpdateFunctionCode",
            ListVersionsByFunction(_) => "ListVersionsByFunction",
            PublishVersion(_) => "PublishVersion",
            ListAliases(_) => "ListAliases",
            CreateAlias(_) => "CreateAlias",
            GetAlias(..) => "GetAlias",
            UpdateAlias(..) => "UpdateAlias",
            DeleteAlias(..) => "DeleteAlias",
            GetPolicy(_) => "GetPolicy",
            AddPermission(_) => "AddPermission",
            RemovePermission(..) => "RemovePermission",
            ListTags(_) => "ListTags",
            TagResource(_) => "TagResource",
            UntagResource(_) => "UntagResource",
            PutFunctionConcurrency(_) => "PutFunctionConcurrency",
            GetFunctionConcurrency(_) => "GetFunctionConcurrency",
            DeleteFunctionConcurrency(_) => "DeleteFunctionConcurrency",
            PublishLayerVersion(_) => "PublishLayerVersion",
            GetLayerVersion(..) => "GetLayerVersion",
            GetLayerVersionByArn => "GetLayerVersionByArn",
            EventInvokeConfig("GET", _) => "GetFunctionEventInvokeConfig",
            EventInvokeConfig("DELETE", _) => "DeleteFunctionEventInvokeConfig",
            EventInvokeConfig(..) => "PutFunctionEventInvokeConfig",
        }
    }

    /// Lambda's default quotas: GetFunction 100/s, GetPolicy 15/s, the rest 15/s.
    fn quota(&self) -> (&'static str, f64) {
        match self {
            Route::GetFunction(_) => ("GetFunction", 100.0),
            Route::GetPolicy(_) => ("GetPolicy", 15.0),
            _ => ("control", 15.0),
        }
    }
}

fn route(method: &Method, segs: &[String]) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |x: &str| x.to_owned();
    use Route::*;
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["2015-03-31", "functions"]) => ListFunctions,
        ("POST", ["2015-03-31", "functions"]) => CreateFunction,
        ("GET", ["2015-03-31", "functions", f]) => GetFunction(o(f)),
        ("DELETE", ["2015-03-31", "functions", f]) => DeleteFunction(o(f)),
        ("GET", ["2015-03-31", "functions", f, "configuration"]) => GetFunctionConfiguration(o(f)),
        ("PUT", ["2015-03-31", "functions", f, "configuration"]) => {
            UpdateFunctionConfiguration(o(f))
        }
        ("PUT", ["2015-03-31", "functions", f, "code"]) => UpdateFunctionCode(o(f)),
        ("GET", ["2015-03-31", "functions", f, "versions"]) => ListVersionsByFunction(o(f)),
        ("POST", ["2015-03-31", "functions", f, "versions"]) => PublishVersion(o(f)),
        ("GET", ["2015-03-31", "functions", f, "aliases"]) => ListAliases(o(f)),
        ("POST", ["2015-03-31", "functions", f, "aliases"]) => CreateAlias(o(f)),
        ("GET", ["2015-03-31", "functions", f, "aliases", a]) => GetAlias(o(f), o(a)),
        ("PUT", ["2015-03-31", "functions", f, "aliases", a]) => UpdateAlias(o(f), o(a)),
        ("DELETE", ["2015-03-31", "functions", f, "aliases", a]) => DeleteAlias(o(f), o(a)),
        ("GET", ["2015-03-31", "functions", f, "policy"]) => GetPolicy(o(f)),
        ("POST", ["2015-03-31", "functions", f, "policy"]) => AddPermission(o(f)),
        ("DELETE", ["2015-03-31", "functions", f, "policy", sid]) => RemovePermission(o(f), o(sid)),
        ("GET", ["2017-03-31", "tags", arn]) => ListTags(o(arn)),
        ("POST", ["2017-03-31", "tags", arn]) => TagResource(o(arn)),
        ("DELETE", ["2017-03-31", "tags", arn]) => UntagResource(o(arn)),
        ("PUT", ["2017-10-31", "functions", f, "concurrency"]) => PutFunctionConcurrency(o(f)),
        ("DELETE", ["2017-10-31", "functions", f, "concurrency"]) => {
            DeleteFunctionConcurrency(o(f))
        }
        ("GET", ["2019-09-30", "functions", f, "concurrency"]) => GetFunctionConcurrency(o(f)),
        ("POST", ["2018-10-31", "layers", l, "versions"]) => PublishLayerVersion(o(l)),
        ("GET", ["2018-10-31", "layers", l, "versions", v]) => GetLayerVersion(o(l), o(v)),
        ("GET", ["2018-10-31", "layers"]) => GetLayerVersionByArn,
        ("GET", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            EventInvokeConfig("GET", o(f))
        }
        ("PUT", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            EventInvokeConfig("PUT", o(f))
        }
        ("DELETE", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            EventInvokeConfig("DELETE", o(f))
        }
        _ => return None,
    })
}

pub async fn handle(sh: &Shared, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let Some(route) = route(&req.method, &req.segments()) else {
        return unknown_operation("Lambda");
    };
    let (bucket, rate) = route.quota();
    let op = Op {
        service: "lambda",
        name: route.name(),
        error: json_error,
    };
    let quota = Quota {
        bucket,
        rate,
        burst: rate,
        throttled,
        connect_operation: None,
    };
    let mut world = match op.serve(sh, principal, scope, &quota).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let ctx = Ctx {
        account: principal.account_id.clone(),
        region: scope.region.clone(),
        host: req.host(),
    };
    let body = match req.json_object() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let result = run(&mut world, &ctx, route, &req, &body);
    result.unwrap_or_else(|e| e)
}

fn run(w: &mut World, ctx: &Ctx, route: Route, req: &Req, body: &Value) -> Res {
    use Route::*;
    match route {
        ListFunctions => list_functions(w, ctx, req),
        CreateFunction => create_function(w, ctx, body),
        GetFunction(f) => get_function(w, ctx, req, &f),
        DeleteFunction(f) => delete_function(w, ctx, req, &f),
        GetFunctionConfiguration(f) => functions::get_function_configuration(w, ctx, req, f),
        UpdateFunctionConfiguration(f) => update_configuration(w, ctx, &f, body),
        UpdateFunctionCode(f) => update_code(w, ctx, &f, body),
        ListVersionsByFunction(f) => list_versions(w, ctx, req, &f),
        PublishVersion(f) => publish_version(w, ctx, &f, body),
        ListAliases(f) => list_aliases(w, ctx, req, &f),
        CreateAlias(f) => create_alias(w, ctx, &f, body),
        GetAlias(f, a) => versions::get_alias(w, ctx, f, a),
        UpdateAlias(f, a) => update_alias(w, ctx, &f, &a, body),
        DeleteAlias(f, a) => versions::delete_alias(w, ctx, f, a),
        GetPolicy(f) => get_policy(w, ctx, req, &f),
        AddPermission(f) => add_permission(w, ctx, req, &f, body),
        RemovePermission(f, sid) => remove_permission(w, ctx, req, &f, &sid),
        ListTags(arn) => policy::list_tags(w, ctx, arn),
        TagResource(arn) => policy::tag_resource(w, ctx, body, arn),
        UntagResource(arn) => policy::untag_resource(w, ctx, req, arn),
        PutFunctionConcurrency(f) => put_concurrency(w, ctx, &f, body),
        GetFunctionConcurrency(f) => policy::get_function_concurrency(w, ctx, f),
        DeleteFunctionConcurrency(f) => policy::delete_function_concurrency(w, ctx, f),
        PublishLayerVersion(l) => layers::publish_layer_version(w, ctx, &l, body),
        GetLayerVersion(l, v) => layers::get_layer_version(w, ctx, &l, &v),
        GetLayerVersionByArn => layers::get_layer_version_by_arn(w, ctx, req),
        EventInvokeConfig(m, f) => layers::event_invoke_config(w, ctx, m, &f, body),
    }
}

/// Lambda's throttling answer.
fn throttled() -> Response {
    let mut r = json(
        429,
        &json!({"Reason": "CallerRateLimitExceeded", "Type": "User", "message": "Rate exceeded", "retryAfterSeconds": "1"}),
    );
    r.headers_mut()
        .insert("x-amzn-errortype", hv("TooManyRequestsException"));
    r.headers_mut().insert("retry-after", hv("1"));
    r
}
