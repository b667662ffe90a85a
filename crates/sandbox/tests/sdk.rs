//! The sandbox seen from the official Rust SDK, which is strict about responses: typed
//! errors, asynchronous update status, quotas, expiring download URLs, dropped connections.

use aws_sdk_lambda::primitives::Blob;
use snapdeploy_sandbox::seed::DEV;
use snapdeploy_sandbox::{make_zip, Sandbox, SandboxConfig, Seed};
use std::time::Duration;

async fn start(config: SandboxConfig) -> String {
    start_sandbox(config).await.1
}

/// The sandbox and its URL, for tests that stop or move its clock.
async fn start_sandbox(config: SandboxConfig) -> (Sandbox, String) {
    let sb = Sandbox::seeded(config, Seed::Demo);
    let addr = sb.clone().spawn("127.0.0.1:0").await.unwrap();
    (sb, format!("http://{addr}"))
}

fn lambda(url: &str, key: &str, secret: &str, retries: bool) -> aws_sdk_lambda::Client {
    let conf = snapdeploy_testkit::sdk_config(url, key, secret, "us-east-1");
    let mut b = aws_sdk_lambda::config::Builder::from(&conf);
    if !retries {
        b = b.retry_config(aws_config::retry::RetryConfig::disabled());
    }
    aws_sdk_lambda::Client::from_conf(b.build())
}

#[tokio::test]
async fn unknown_keys_are_refused_like_aws() {
    let url = start(SandboxConfig::default()).await;
    let err = lambda(&url, "AKIANOTAKEY000000000", "x", false)
        .list_functions()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error()
            .and_then(aws_sdk_lambda::error::ProvideErrorMetadata::code),
        Some("UnrecognizedClientException")
    );
    let sts = aws_sdk_sts::Client::new(&snapdeploy_testkit::sdk_config(
        &url,
        "AKIANOTAKEY000000000",
        "x",
        "us-east-1",
    ));
    let err = sts.get_caller_identity().send().await.unwrap_err();
    assert_eq!(
        err.as_service_error()
            .and_then(aws_sdk_sts::error::ProvideErrorMetadata::code),
        Some("InvalidClientTokenId")
    );
    // A known key with the wrong secret: the signature does not match.
    let err = lambda(&url, DEV.access_key, "not-the-secret", false)
        .list_functions()
        .send()
        .await
        .unwrap_err();
    let raw = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(
        (
            err.as_service_error()
                .and_then(aws_sdk_lambda::error::ProvideErrorMetadata::code),
            raw
        ),
        (Some("InvalidSignatureException"), Some(403))
    );
    lambda(&url, DEV.access_key, DEV.secret_key, false)
        .list_functions()
        .send()
        .await
        .expect("the right secret");
}

/// A function's LastUpdateStatus, as GetFunctionConfiguration reports it.
async fn update_status(c: &aws_sdk_lambda::Client, name: &str) -> String {
    let conf = c
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    conf.last_update_status().unwrap().as_str().to_owned()
}

#[tokio::test]
async fn updates_are_asynchronous_and_typed_errors_map() {
    let (sb, url) = start_sandbox(SandboxConfig {
        lambda_update_delay: Duration::from_millis(1500),
        ..SandboxConfig::default()
    })
    .await;
    // The update stays in progress until the clock says 1.5 s have passed, however long
    // the calls below take.
    sb.stop_clock(true);
    let c = lambda(&url, DEV.access_key, DEV.secret_key, false);
    let out = c
        .update_function_code()
        .function_name("cc-survey-recorder")
        .zip_file(Blob::new(make_zip(&[("survey.py", b"x = 1\n")])))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    let err = c
        .update_function_configuration()
        .function_name("cc-survey-recorder")
        .timeout(9)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_conflict_exception());
    sb.advance_clock(Duration::from_millis(1499));
    assert_eq!(update_status(&c, "cc-survey-recorder").await, "InProgress");
    sb.advance_clock(Duration::from_millis(1));
    assert_eq!(update_status(&c, "cc-survey-recorder").await, "Successful");
    let err = c
        .get_function()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn quotas_answer_429_too_many_requests() {
    let (sb, url) = start_sandbox(SandboxConfig::default()).await;
    // With the clock stopped the bucket does not refill: exactly the burst goes through.
    sb.stop_clock(true);
    let c = lambda(&url, DEV.access_key, DEV.secret_key, false);
    let results = futures_join(&c, 40).await;
    let throttled = results.iter().filter(|r| matches!(r, Err(e) if e.as_service_error().is_some_and(|s| s.is_too_many_requests_exception()))).count();
    assert_eq!(throttled, 40 - 15, "the burst is 15");
    let counters: serde_json::Value = get_json(&format!("{url}/_sandbox/counters")).await;
    assert_eq!(
        counters["lambda:ListAliases"]["throttled"]
            .as_u64()
            .unwrap() as usize,
        throttled
    );
}

async fn futures_join(
    c: &aws_sdk_lambda::Client,
    n: usize,
) -> Vec<
    Result<
        aws_sdk_lambda::operation::list_aliases::ListAliasesOutput,
        aws_sdk_lambda::error::SdkError<aws_sdk_lambda::operation::list_aliases::ListAliasesError>,
    >,
> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            c.list_aliases()
                .function_name("cc-customer-lookup")
                .send()
                .await
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn get_json(url: &str) -> serde_json::Value {
    let body = http_get(url).await;
    serde_json::from_slice(&body.1).unwrap()
}

/// A plain HTTP GET (no SigV4), as a browser or curl follows a pre-signed URL.
async fn http_get(url: &str) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(
        format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text_end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..text_end]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = buf[text_end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[line_end + 2..line_end + 2 + size]);
        b = &b[line_end + 2 + size + 2..];
    }
}

#[tokio::test]
async fn code_urls_expire() {
    let (sb, url) = start_sandbox(SandboxConfig {
        download_ttl: Duration::from_millis(1500),
        ..SandboxConfig::default()
    })
    .await;
    sb.stop_clock(true);
    let c = lambda(&url, DEV.access_key, DEV.secret_key, false);
    let got = c
        .get_function()
        .function_name("cc-customer-lookup")
        .send()
        .await
        .unwrap();
    let location = got.code().unwrap().location().unwrap().to_owned();
    let (status, body) = http_get(&location).await;
    assert_eq!(status, 200);
    assert!(body.starts_with(b"PK"));
    sb.advance_clock(Duration::from_millis(1499));
    assert_eq!(http_get(&location).await.0, 200);
    sb.advance_clock(Duration::from_millis(1));
    let (status, body) = http_get(&location).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("Request has expired"));
}

#[tokio::test]
async fn a_dropped_connection_is_an_io_error_to_the_sdk() {
    let url = start(SandboxConfig::default()).await;
    let fault = r#"{"service": "lambda", "operation": "ListFunctions", "drop_connection": true}"#;
    let rest = url.strip_prefix("http://").unwrap();
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(rest).await.unwrap();
        s.write_all(format!("POST /_sandbox/faults HTTP/1.1\r\nHost: {rest}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{fault}", fault.len()).as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 201"));
    }
    let c = lambda(&url, DEV.access_key, DEV.secret_key, false);
    let err = c.list_functions().send().await.unwrap_err();
    assert!(err.as_service_error().is_none(), "{err:?}");
    // The next call goes through.
    assert_eq!(
        c.list_functions().send().await.unwrap().functions().len(),
        5
    );
}
