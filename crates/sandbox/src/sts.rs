//! STS in the AWS Query protocol: form-encoded requests, XML responses and `ErrorResponse`.

use crate::auth::Scope;
use crate::http::{error_xml, request_id, xml, xml_escape, Req};
use crate::ops::Op;
use crate::state::{Principal, Shared};
use axum::response::Response;
use chrono::{SecondsFormat, Utc};
use rand::Rng;
use std::collections::HashMap;

use crate::http::STS_NS as NS;

fn validation(message: &str) -> Response {
    error_xml(400, "ValidationError", message)
}

pub async fn handle(sh: &Shared, principal: &Principal, _scope: &Scope, req: Req) -> Response {
    let params = req.form();
    let action = params.get("Action").cloned().unwrap_or_default();
    let op = Op {
        service: "sts",
        name: &action,
        error: error_xml,
    };
    if let Err(r) = op.begin(sh, principal).await {
        return r;
    }
    match action.as_str() {
        "GetCallerIdentity" => xml(
            200,
            format!(
                "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                xml_escape(&principal.arn),
                xml_escape(&principal.user_id),
                principal.account_id,
                request_id()
            ),
        ),
        "AssumeRole" => assume_role(sh, principal, &params),
        "" => error_xml(400, "MissingAction", "Missing Action"),
        other => error_xml(400, "InvalidAction", &format!("Could not find operation {other} for version 2011-06-15 (the sandbox implements AssumeRole and GetCallerIdentity)")),
    }
}

fn assume_role(sh: &Shared, principal: &Principal, p: &HashMap<String, String>) -> Response {
    let Some(role_arn) = p.get("RoleArn") else {
        return validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    };
    if role_arn.len() < 20 || role_arn.len() > 2048 {
        return validation("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
    }
    let Some(session) = p.get("RoleSessionName") else {
        return validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
    };
    let session_ok = (2..=64).contains(&session.len())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !session_ok {
        return validation("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64");
    }
    let external_id = p.get("ExternalId");
    if let Some(e) = external_id {
        if !(2..=1224).contains(&e.len()) {
            return validation("1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224");
        }
    }
    let duration: u32 = match p.get("DurationSeconds").map(|d| d.parse::<u32>()) {
        None => 3600,
        Some(Ok(d)) if d >= 900 => d,
        Some(_) => return validation("1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"),
    };

    let mut world = sh.world();
    let denied = || {
        error_xml(
            403,
            "AccessDenied",
            &format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                principal.arn
            ),
        )
    };
    let Some(role) = world.roles.get(role_arn).cloned() else {
        return denied();
    };
    if !role.trusted_accounts.contains(&principal.account_id) {
        return denied();
    }
    if let Some(required) = &role.external_id {
        if external_id != Some(required) {
            return denied();
        }
    }
    if duration > role.max_session_seconds {
        return validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        );
    }

    let mut rng = rand::rng();
    let access_key = format!("ASIA{}", random_upper(&mut rng, 16));
    let secret = random_upper(&mut rng, 40);
    let token = format!("SandboxSessionToken{}", random_upper(&mut rng, 64));
    let expires = Utc::now() + chrono::Duration::seconds(duration as i64);
    let role_id = format!("AROA{}", &random_upper(&mut rand::rng(), 17));
    let assumed_arn = format!(
        "arn:aws:sts::{}:assumed-role/{}/{session}",
        role.account_id(),
        role.name()
    );
    world.keys.insert(
        access_key.clone(),
        Principal {
            account_id: role.account_id().into(),
            arn: assumed_arn.clone(),
            user_id: format!("{role_id}:{session}"),
            secret: secret.clone(),
            session_token: Some(token.clone()),
            expires: Some(expires),
        },
    );
    xml(
        200,
        format!(
            "<AssumeRoleResponse xmlns=\"{NS}\"><AssumeRoleResult><Credentials><AccessKeyId>{access_key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>{role_id}:{session}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></AssumeRoleResponse>",
            expires.to_rfc3339_opts(SecondsFormat::Secs, true),
            xml_escape(&assumed_arn),
            request_id()
        ),
    )
}

fn random_upper(rng: &mut impl Rng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
