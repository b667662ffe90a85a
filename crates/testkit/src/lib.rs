//! Helpers shared by the integration tests of several crates.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// moto's server (PyPI `moto[server]`), started for one test and killed when dropped.
pub struct Moto {
    pub endpoint: String,
    child: Child,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now (for a server a test starts).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts moto on a free loopback port and waits until it answers.
///
/// Panics with an install hint when moto is missing: these tests are part of the suite
/// and must not pass by being skipped.
pub async fn start_moto() -> Moto {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    for _attempt in 0..3 {
        let port = free_port();
        let child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("starting moto with {python}: {e}; run: pip install 'moto[server]'")
            });
        let mut moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto exited early ({status}); run: pip install 'moto[server]'");
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = moto.child.kill();
    }
    panic!("moto did not start listening within 30 s");
}

/// An SDK config that sends every call to `endpoint` with fixed test credentials.
pub fn sdk_config(endpoint: &str, access_key: &str, secret: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                access_key, secret, None, None, "test",
            )),
        )
        .build()
}

/// Creates the SQS queue `name` (on moto's server): its client and URL.
pub async fn sqs_queue(conf: &SdkConfig, name: &str) -> (aws_sdk_sqs::Client, String) {
    let sqs = aws_sdk_sqs::Client::new(conf);
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("the queue is created")
        .queue_url()
        .expect("a new queue has a URL")
        .to_owned();
    (sqs, url)
}

/// One server-sent event: its id, its type and its data (JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: Option<u64>,
    pub event: String,
    pub data: serde_json::Value,
}

/// Reads a job's event stream to its `done` event (resuming after `last_event_id` when
/// given, as a reconnecting browser does); every event seen. Fails after two minutes.
pub async fn follow_events(url: &str, last_event_id: Option<u64>) -> Vec<SseEvent> {
    let mut req = reqwest::Client::new().get(url);
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let mut r = req.send().await.expect("the event stream answers");
    assert_eq!(r.status().as_u16(), 200, "{url}");
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let (mut id, mut event, mut data) = (None, String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if event.is_empty() {
                continue; // a keep-alive comment
            }
            let done = event == "done";
            events.push(SseEvent {
                id,
                event,
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
            });
            if done {
                return events;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("the stream reached its end within two minutes")
            .expect("the stream reads")
            .expect("the stream stays open until the job ends");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}
