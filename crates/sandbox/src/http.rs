//! Request and response plumbing shared by the service modules.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

pub struct Req {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    /// Query parameters, percent-decoded, in order (keys may repeat).
    pub fn query(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(self.uri.query().unwrap_or("")).unwrap_or_default()
    }

    /// A Query-protocol request's parameters: the form body, then the URL's query.
    pub fn form(&self) -> std::collections::HashMap<String, String> {
        let mut params: std::collections::HashMap<String, String> =
            serde_urlencoded::from_bytes(&self.body).unwrap_or_default();
        for (k, v) in self.query() {
            params.entry(k).or_insert(v);
        }
        params
    }

    /// Every value of a query parameter that may repeat (`tagKeys=a&tagKeys=b`).
    pub fn query_all(&self, key: &str) -> Vec<String> {
        self.query()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect()
    }

    /// The path's segments, percent-decoded (empty ones dropped), for routing.
    pub fn segments(&self) -> Vec<String> {
        self.uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect()
    }

    pub fn query_one(&self, key: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The REST-JSON body as an object (`{}` when empty), or the SerializationException AWS
    /// answers for anything else.
    pub fn json_object(&self) -> Result<Value, Response> {
        if self.body.is_empty() {
            return Ok(serde_json::json!({}));
        }
        match serde_json::from_slice(&self.body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(json_error(
                400,
                "SerializationException",
                "Could not parse request body into json",
            )),
        }
    }

    pub fn host(&self) -> String {
        self.headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_owned()
    }
}

pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A REST-JSON response.
pub fn json(status: u16, body: &Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("x-amzn-requestid", hv(&request_id()));
    r
}

pub fn empty(status: u16) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    r.headers_mut()
        .insert("x-amzn-requestid", hv(&request_id()));
    r
}

/// A REST-JSON error as AWS sends it: the status of the error shape, `x-amzn-ErrorType`,
/// and a body with `message`, `__type` and (Lambda's) `Type`.
pub fn json_error(status: u16, code: &str, message: &str) -> Response {
    let mut r = json(
        status,
        &serde_json::json!({"__type": code, "Type": "User", "message": message}),
    );
    r.headers_mut().insert("x-amzn-errortype", hv(code));
    r
}

pub fn xml(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/xml"));
    r.headers_mut()
        .insert("x-amzn-requestid", hv(&request_id()));
    r
}

pub fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Escapes text for an XML element.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Decodes `%XX` escapes in a path segment.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response whose body fails after the headers: the client sees the connection drop.
pub fn dropped_connection() -> Response {
    let failing = tokio_stream::once(Err::<Bytes, _>(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "sandbox fault: connection dropped",
    )));
    let mut r = Response::new(Body::from_stream(failing));
    *r.status_mut() = StatusCode::OK;
    r
}

/// The XML namespace of STS (the AWS Query protocol) responses.
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An error in the AWS Query protocol's `ErrorResponse` shape (STS).
pub fn error_xml(status: u16, code: &str, message: &str) -> Response {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            xml_escape(code),
            xml_escape(message),
            request_id()
        ),
    )
}

/// What a REST-JSON service answers for a path it does not route; `service` names the
/// sandbox's service so nobody mistakes it for AWS.
pub fn unknown_operation(service: &str) -> Response {
    json_error(
        404,
        "UnknownOperationException",
        &format!("Unknown operation (sandbox {service})"),
    )
}
