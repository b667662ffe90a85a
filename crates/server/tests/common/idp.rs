//! An independent OpenID Connect provider for the tests: PyPI `oidc-provider-mock`
//! (tests/requirements.txt), started on a free loopback port and killed when dropped. It
//! signs ID tokens with an RSA key it makes at start-up, so restarting it on the same port
//! is a key rotation.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Provider {
    pub port: u16,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(port: u16) -> Child {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    Command::new(&python)
        .args(["-m", "oidc_provider_mock", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("starting oidc-provider-mock with {python}: {e}; run: pip install -r tests/requirements.txt")
        })
}

impl Provider {
    pub async fn start() -> Provider {
        let port = snapdeploy_testkit::free_port();
        let mut p = Provider {
            port,
            child: spawn(port),
        };
        p.wait_ready().await;
        p
    }

    /// The issuer as its tokens name it when asked through 127.0.0.1.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the provider and starts it again on the same port: a new signing key.
    pub async fn rotate_keys(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let url = format!("{}/jwks", self.issuer());
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("oidc-provider-mock exited early ({status}); run: pip install -r tests/requirements.txt");
            }
            if let Ok(r) = reqwest::get(&url).await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("oidc-provider-mock did not answer within 60 s");
    }

    /// An ID token for `sub` with `claims`, through the provider's own authorization-code
    /// flow with PKCE, as `client_id`, asking the provider at `base` (its issuer URL
    /// follows the address it is asked at).
    pub async fn id_token_at(
        &self,
        base: &str,
        sub: &str,
        claims: Value,
        client_id: &str,
    ) -> String {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = http
            .put(format!("{base}/users/{sub}"))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        // RFC 7636's example verifier and its S256 challenge.
        let verifier = "dBjftJeZ4CVP-mJ0PXZjtWs4hYTRUBmD2Z1XNXHQY6Q";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t3URWbuGrSFrvpxA";
        let redirect = "http://127.0.0.1:1/callback";
        let r = http
            .post(format!("{base}/oauth2/authorize"))
            .query(&[
                ("client_id", client_id),
                ("redirect_uri", redirect),
                ("response_type", "code"),
                ("scope", "openid email profile"),
                ("state", "s"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("sub", sub)]))
            .send()
            .await
            .unwrap();
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let code = url_param(&location, "code").unwrap_or_else(|| panic!("no code in {location}"));
        let r = http
            .post(format!("{base}/oauth2/token"))
            .basic_auth(client_id, Some("any-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
            ]))
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        body["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no id_token: {body}"))
            .to_owned()
    }

    pub async fn id_token(&self, sub: &str, claims: Value, client_id: &str) -> String {
        self.id_token_at(&self.issuer(), sub, claims, client_id)
            .await
    }
}

fn url_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// An `application/x-www-form-urlencoded` body.
fn form(fields: &[(&str, &str)]) -> String {
    let enc = |v: &str| {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
