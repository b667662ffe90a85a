//! What the server does to every request and response before any route sees it: security
//! headers, the `Host` check (DNS rebinding), CORS for configured origins only; and the
//! listener's limits (header and body timeouts, a cap on open connections).

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;
use std::time::Duration;

/// The HTTP edge's settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Origins (`https://snapdeploy.example.com`) whose pages may call the API from a
    /// browser: the web app on another origin (CloudFront, say). Empty: same origin only.
    pub allowed_origins: Vec<String>,
    /// Host names requests may be addressed to (the `Host` header, port ignored). A page on
    /// a hostile domain that re-resolves to this server's address (DNS rebinding) sends
    /// its own name and is refused. Empty: any name.
    pub allowed_hosts: Vec<String>,
    /// How long a client has to send a request's headers; also how long an idle kept-alive
    /// connection stays open waiting for the next request.
    pub header_timeout: Duration,
    /// How long a request's body may stall (no bytes arriving) before it is refused (408).
    pub body_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            allowed_origins: vec![],
            allowed_hosts: vec![],
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// The names a server bound to a loopback address answers to, when none are configured.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The web app's policy: its own scripts and styles only (no inline script or style, no
/// eval; React's `style` props go through the CSSOM, which CSP allows), nothing framed. The
/// page may call its own origin, and `connect` (the OIDC issuer, whose discovery document
/// and token endpoint the sign-in fetches).
pub fn content_security_policy(connect: &[String]) -> HeaderValue {
    let mut connect_src = String::from("'self'");
    for origin in connect {
        connect_src.push(' ');
        connect_src.push_str(origin);
    }
    let csp = format!("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src {connect_src}; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
    HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

/// The origin (`scheme://host[:port]`) of a URL.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// Adds the security headers to every response (a route that set its own keeps it).
pub async fn security_headers(
    axum::extract::State(csp): axum::extract::State<HeaderValue>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    let set = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in set {
        h.entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    res
}

/// Refuses a request addressed to a name not in `allowed_hosts` (421, in the API's error
/// shape). The health checks answer any name: probes call them by address.
pub async fn check_host(
    axum::extract::State(allowed): axum::extract::State<std::sync::Arc<Vec<String>>>,
    req: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    if allowed.is_empty() || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let host = request_host(&req);
    match host.as_deref() {
        Some(h) if host_allowed(&allowed, h) => next.run(req).await,
        _ => ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            format!(
                "this server does not answer to the host name {}; allowed: {} (SNAPDEPLOY_ALLOWED_HOSTS)",
                host.as_deref().map_or("(none)".into(), |h| format!("{h:?}")),
                allowed.join(", ")
            ),
        )
        .with_details(json!({ "host": host }))
        .into_response(),
    }
}

/// The name a request is addressed to, without its port: HTTP/2's `:authority`, else `Host`.
fn request_host(req: &Request) -> Option<String> {
    let authority = match req.uri().authority() {
        Some(a) => a.as_str().to_owned(),
        None => req.headers().get(header::HOST)?.to_str().ok()?.to_owned(),
    };
    Some(strip_port(&authority).to_ascii_lowercase())
}

fn strip_port(authority: &str) -> &str {
    // `[::1]:5050` keeps its brackets; `host:5050` loses its port.
    if let Some(end) = authority.find(']') {
        return &authority[..=end];
    }
    authority.split(':').next().unwrap_or(authority)
}

fn host_allowed(allowed: &[String], host: &str) -> bool {
    allowed.iter().any(|a| {
        a == "*"
            || a.eq_ignore_ascii_case(host)
            // `.example.com` allows every name under example.com.
            || (a.starts_with('.') && host.ends_with(&a.to_ascii_lowercase()))
    })
}

/// CORS for the configured origins alone; `None` when there are none (same origin only,
/// and a browser refuses every cross-origin read).
pub fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::Method;
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("last-event-id"),
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([
                header::WWW_AUTHENTICATE,
                header::LOCATION,
                HeaderName::from_static("idempotent-replayed"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// Checks an origin as CORS compares it: `scheme://host[:port]`, nothing after.
pub fn validate_origin(origin: &str) -> Result<(), String> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("{origin:?} must start with https:// or http://"))?;
    if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') {
        return Err(format!(
            "{origin:?} must be an origin (scheme://host[:port]) with no path or trailing slash"
        ));
    }
    HeaderValue::from_str(origin).map_err(|_| format!("{origin:?} is not a valid header value"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_compared_without_its_port_and_case() {
        let allowed: Vec<String> = ["localhost", "[::1]", ".example.com"]
            .map(String::from)
            .to_vec();
        assert!(host_allowed(&allowed, strip_port("localhost:5050")));
        assert!(host_allowed(&allowed, strip_port("[::1]:5050")));
        assert!(host_allowed(&allowed, "api.example.com"));
        assert!(!host_allowed(&allowed, "example.com.evil.test"));
        assert!(!host_allowed(&allowed, strip_port("evil.test:5050")));
    }

    #[test]
    fn an_origin_has_no_path() {
        assert!(validate_origin("https://ui.example.com").is_ok());
        assert!(validate_origin("http://localhost:3000").is_ok());
        assert!(validate_origin("https://ui.example.com/").is_err());
        assert!(validate_origin("ui.example.com").is_err());
    }
}
