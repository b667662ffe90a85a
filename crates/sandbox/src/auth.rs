//! SigV4: reading the credential scope (which key, which region, which service), and checking
//! the signature with the key's secret as AWS does.

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
    refused_as(service, 403, code, message)
}

/// The error AWS answers a request signed with the wrong secret with.
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// Checks `req`'s SigV4 signature with `secret`: the request is signed again the way the
/// client said it signed it (the headers it names, its date, its body) with the SDK's own
/// signer, and the two signatures must be equal.
pub fn verify(req: &crate::http::Req, scope: &Scope, secret: &str) -> Result<(), Response> {
    use aws_sigv4::http_request::{
        sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
    };
    let incomplete = |m: &str| refused_as(&scope.service, 400, "IncompleteSignatureException", m);
    // As AWS names it: the query-protocol services (STS, IAM, SNS) SignatureDoesNotMatch,
    // the JSON ones (Lambda, Lex, Connect, SQS) InvalidSignatureException.
    let code = if is_query(&scope.service) {
        "SignatureDoesNotMatch"
    } else {
        "InvalidSignatureException"
    };
    let mismatch = || refused_as(&scope.service, 403, code, MISMATCH);
    let auth = header(&req.headers, "authorization").unwrap_or_default();
    let part = |name: &str| {
        auth.split(',')
            .map(|p| p.trim().trim_start_matches("AWS4-HMAC-SHA256").trim())
            .find_map(|p| p.strip_prefix(name))
    };
    let (Some(signed), Some(signature)) = (part("SignedHeaders="), part("Signature=")) else {
        return Err(incomplete(
            "Authorization header requires 'SignedHeaders' and 'Signature' parameters",
        ));
    };
    let date = header(&req.headers, "x-amz-date").unwrap_or_default();
    let Ok(time) = chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ") else {
        return Err(incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header",
        ));
    };
    let time: std::time::SystemTime = time.and_utc().into();
    let signed: Vec<&str> = signed.split(';').collect();
    if !signed.contains(&"host") {
        return Err(incomplete("'Host' must be a signed header"));
    }
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(name, _)| signed.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let body = match header(&req.headers, "x-amz-content-sha256") {
        Some(hash) => SignableBody::Precomputed(hash.to_owned()),
        None => SignableBody::Bytes(&req.body),
    };
    let mut settings = SigningSettings::default();
    // Sign exactly what the client named; the token is among them when it signed it.
    settings.excluded_headers = None;
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    let identity =
        aws_credential_types::Credentials::new(&scope.access_key, secret, None, None, "sandbox")
            .into();
    let uri = req
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let ours = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&scope.region)
        .name(&scope.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|_| mismatch())
        .and_then(|params| {
            let request = SignableRequest::new(req.method.as_str(), uri, headers.into_iter(), body)
                .map_err(|_| mismatch())?;
            sign(request, &params.into()).map_err(|_| mismatch())
        })?;
    if ours.signature() != signature {
        return Err(mismatch());
    }
    Ok(())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An error in the service's protocol (the query protocol of STS, IAM and SNS answers XML).
fn refused_as(service: &str, status: u16, code: &str, message: &str) -> Response {
    if is_query(service) {
        crate::http::error_xml(status, code, message)
    } else {
        json_error(status, code, message)
    }
}

fn is_query(service: &str) -> bool {
    matches!(service, "sts" | "iam" | "sns")
}
