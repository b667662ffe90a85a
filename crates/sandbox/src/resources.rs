//! What a Lambda function names in its account besides layers: IAM roles (GetRole, Query
//! protocol), SQS queues (GetQueueUrl and CreateQueue, JSON 1.0 protocol) and SNS topics
//! (GetTopicAttributes and CreateTopic, Query protocol). Enough for a promotion to check
//! that an execution role or a dead-letter target exists; nothing is delivered.

use crate::auth::Scope;
use crate::http::{error_xml, json, json_error, request_id, xml, xml_escape, Req};
use crate::ops::Op;
use crate::state::{Principal, Shared};
use axum::response::Response;
use serde_json::{json, Value};

const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
const SNS_NS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

pub async fn iam(sh: &Shared, principal: &Principal, req: Req) -> Response {
    let p = req.form();
    let action = p.get("Action").cloned().unwrap_or_default();
    let op = Op {
        service: "iam",
        name: &action,
        error: error_xml,
    };
    if let Err(r) = op.begin(sh, principal).await {
        return r;
    }
    let account = &principal.account_id;
    match action.as_str() {
        "GetRole" | "CreateRole" => {
            let Some(name) = p.get("RoleName").filter(|n| !n.is_empty()) else {
                return error_xml(400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null");
            };
            let mut w = sh.world();
            let key = (account.clone(), name.clone());
            if action == "CreateRole" {
                if !w.iam_roles.insert(key) {
                    return error_xml(
                        409,
                        "EntityAlreadyExists",
                        &format!("Role with name {name} already exists."),
                    );
                }
            } else if !w.iam_roles.contains(&key) {
                return error_xml(
                    404,
                    "NoSuchEntity",
                    &format!("The role with name {name} cannot be found."),
                );
            }
            xml(
                200,
                format!(
                    "<{action}Response xmlns=\"{IAM_NS}\"><{action}Result><Role><Path>/</Path><RoleName>{n}</RoleName><RoleId>AROASANDBOX{id}</RoleId><Arn>arn:aws:iam::{account}:role/{n}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></Role></{action}Result><ResponseMetadata><RequestId>{r}</RequestId></ResponseMetadata></{action}Response>",
                    n = xml_escape(name),
                    id = name.len(),
                    r = request_id()
                ),
            )
        }
        other => error_xml(
            400,
            "InvalidAction",
            &format!(
                "Could not find operation {other} (the sandbox implements GetRole and CreateRole)"
            ),
        ),
    }
}

/// SQS's JSON errors, with the Query-compatible code real SQS sends beside them.
fn sqs_error(code: &str, message: &str) -> Response {
    let query_code = match code {
        "QueueDoesNotExist" => "AWS.SimpleQueueService.NonExistentQueue",
        other => other,
    };
    let mut r = json_error(400, &format!("com.amazonaws.sqs#{code}"), message);
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("{query_code};Sender")) {
        r.headers_mut().insert("x-amzn-query-error", v);
    }
    r
}

pub async fn sqs(sh: &Shared, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let target = req
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim_start_matches("AmazonSQS.")
        .to_owned();
    let op = Op {
        service: "sqs",
        name: &target,
        error: |s, c, m| json_error(s, c, m),
    };
    if let Err(r) = op.begin(sh, principal).await {
        return r;
    }
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let Some(name) = body["QueueName"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(String::from)
    else {
        return sqs_error(
            "MissingParameter",
            "The request must contain the parameter QueueName.",
        );
    };
    let owner = body["QueueOwnerAWSAccountId"]
        .as_str()
        .unwrap_or(&principal.account_id)
        .to_owned();
    let key = (owner.clone(), scope.region.clone(), name.clone());
    let mut w = sh.world();
    match target.as_str() {
        "CreateQueue" if owner == principal.account_id => {
            w.sqs_queues.insert(key);
        }
        "GetQueueUrl" if w.sqs_queues.contains(&key) => {}
        "GetQueueUrl" | "CreateQueue" => {
            return sqs_error("QueueDoesNotExist", "The specified queue does not exist.")
        }
        other => {
            return json_error(
                400,
                "UnknownOperationException",
                &format!("Unknown operation {other} (sandbox sqs)"),
            )
        }
    }
    json(
        200,
        &json!({"QueueUrl": format!("https://sqs.{}.amazonaws.com/{owner}/{name}", scope.region)}),
    )
}

pub async fn sns(sh: &Shared, principal: &Principal, scope: &Scope, req: Req) -> Response {
    let p = req.form();
    let action = p.get("Action").cloned().unwrap_or_default();
    let op = Op {
        service: "sns",
        name: &action,
        error: error_xml,
    };
    if let Err(r) = op.begin(sh, principal).await {
        return r;
    }
    let mut w = sh.world();
    let (account, region) = (principal.account_id.clone(), scope.region.clone());
    match action.as_str() {
        "CreateTopic" => {
            let Some(name) = p.get("Name").filter(|n| !n.is_empty()) else {
                return error_xml(400, "InvalidParameter", "Invalid parameter: Name");
            };
            w.sns_topics.insert((account.clone(), region.clone(), name.clone()));
            xml(
                200,
                format!(
                    "<CreateTopicResponse xmlns=\"{SNS_NS}\"><CreateTopicResult><TopicArn>arn:aws:sns:{region}:{account}:{}</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></CreateTopicResponse>",
                    xml_escape(name),
                    request_id()
                ),
            )
        }
        "GetTopicAttributes" => {
            let arn = p.get("TopicArn").cloned().unwrap_or_default();
            let found = arn
                .strip_prefix(&format!("arn:aws:sns:{region}:{account}:"))
                .is_some_and(|n| w.sns_topics.contains(&(account.clone(), region.clone(), n.to_owned())));
            if !found {
                return error_xml(404, "NotFound", "Topic does not exist");
            }
            xml(
                200,
                format!(
                    "<GetTopicAttributesResponse xmlns=\"{SNS_NS}\"><GetTopicAttributesResult><Attributes><entry><key>TopicArn</key><value>{}</value></entry></Attributes></GetTopicAttributesResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetTopicAttributesResponse>",
                    xml_escape(&arn),
                    request_id()
                ),
            )
        }
        other => error_xml(400, "InvalidAction", &format!("Could not find operation {other} (the sandbox implements CreateTopic and GetTopicAttributes)")),
    }
}
