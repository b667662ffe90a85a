//! Reading the SigV4 credential scope: which key, which region, which service.

use crate::http::json_error;
use axum::http::HeaderMap;
use axum::response::Response;

#[derive(Debug, Clone)]
pub struct Scope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/lambda/aws4_request, SignedHeaders=…, Signature=…`
pub fn scope(headers: &HeaderMap) -> Result<Scope, Response> {
    let missing = || {
        json_error(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token (the sandbox needs SigV4-signed requests)",
        )
    };
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(missing)?;
    let cred = auth
        .strip_prefix("AWS4-HMAC-SHA256")
        .and_then(|rest| {
            rest.split(',')
                .find_map(|p| p.trim().strip_prefix("Credential="))
        })
        .ok_or_else(|| {
            json_error(
                400,
                "IncompleteSignatureException",
                "Authorization header requires a 'Credential' parameter",
            )
        })?;
    let parts: Vec<&str> = cred.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" {
        return Err(json_error(
            400,
            "IncompleteSignatureException",
            "Credential should be scoped to a valid region, service and aws4_request",
        ));
    }
    Ok(Scope {
        access_key: parts[0].into(),
        region: parts[2].into(),
        service: parts[3].into(),
    })
}

/// The error each protocol uses for an unknown or expired key.
pub fn refused(service: &str, code: &str, message: &str) -> Response {
    if service == "sts" {
        crate::http::error_xml(403, code, message)
    } else {
        json_error(403, code, message)
    }
}
