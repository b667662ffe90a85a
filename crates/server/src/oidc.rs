//! Sign-in through an OpenID Connect issuer (Cognito, Entra ID, Okta, Keycloak, Google): a
//! bearer JWT is checked against the issuer's published keys with `jsonwebtoken`, and a
//! claim listing the person's groups decides their role.
//!
//! The keys come from the discovery document's `jwks_uri`, cached; a token signed by a key
//! not in the cache (the issuer rotated its keys) fetches them again, at most once per
//! `REFETCH_EVERY`, so a flood of forged key ids cannot turn into a flood of requests to
//! the issuer. Only asymmetric algorithms are accepted: `none` does not parse, and HS*
//! (whose "key" would be the public key, the classic confusion) is refused by name.

use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use snapdeploy_core::{AccountId, Clock, Role};
use std::time::Duration;

/// How a server trusts an OIDC issuer.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL, exactly as its tokens' `iss` says (`https://cognito-idp.<region>.amazonaws.com/<pool>`).
    pub issuer: String,
    /// What a token's `aud` must contain (or, for Cognito access tokens, its `client_id`).
    pub audience: String,
    /// The web app's client id for the authorization-code + PKCE sign-in (usually the
    /// audience).
    pub client_id: String,
    /// The claim listing the person's groups or roles: `groups`, `cognito:groups`, `roles`.
    pub roles_claim: String,
    /// Group → role (and the accounts it is limited to; empty: every account). A person
    /// gets the highest role of their groups.
    pub role_map: Vec<RoleGrant>,
    /// How far a token's `exp`/`nbf` may be off the server's clock.
    pub leeway: Duration,
}

/// Who a verified token names, and what their groups grant.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub role: Role,
    /// The accounts they may touch; empty: every account.
    pub accounts: Vec<AccountId>,
}

/// One line of the group mapping.
#[derive(Debug, Clone)]
pub struct RoleGrant {
    pub group: String,
    pub role: Role,
    pub accounts: Vec<AccountId>,
}

impl OidcConfig {
    /// `group=role[:account+account]`, comma-separated; empty: each role's own name is a
    /// group (`admin`, `approver`, `operator`, `viewer`).
    pub fn parse_role_map(raw: &str) -> Result<Vec<RoleGrant>, String> {
        if raw.trim().is_empty() {
            return Ok(Role::ALL
                .iter()
                .map(|r| RoleGrant {
                    group: r.as_str().into(),
                    role: *r,
                    accounts: vec![],
                })
                .collect());
        }
        raw.split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let (group, grant) = line
                    .rsplit_once('=')
                    .ok_or_else(|| format!("{line:?} must read group=role[:account+account]"))?;
                let (role, accounts) = grant.split_once(':').unwrap_or((grant, ""));
                let role = Role::parse(role).map_err(|e| format!("{line:?}: {e}"))?;
                let accounts = accounts
                    .split('+')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(|a| AccountId::parse(a).map_err(|e| format!("{line:?}: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(RoleGrant {
                    group: group.trim().into(),
                    role,
                    accounts,
                })
            })
            .collect()
    }

    /// An issuer must be `https://`, or `http://` on a loopback host (a local provider).
    pub fn check_issuer(issuer: &str) -> Result<(), String> {
        let local = ["http://localhost", "http://127.0.0.1", "http://[::1]"];
        let host_end =
            |rest: &str| rest.is_empty() || rest.starts_with(':') || rest.starts_with('/');
        let ok = issuer.starts_with("https://")
            || local
                .iter()
                .any(|l| issuer.strip_prefix(l).is_some_and(host_end));
        if !ok {
            return Err(format!(
                "{issuer:?} must be an https:// URL (http:// only for a provider on this machine)"
            ));
        }
        Ok(())
    }
}

/// Keys are fetched again when a token names one the cache lacks, at most this often.
const REFETCH_EVERY: Duration = Duration::from_secs(30);
/// Keys older than this are fetched again on the next sign-in anyway.
const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);

/// The issuer's keys as last fetched.
#[derive(Default)]
struct KeyCache {
    keys: Option<JwkSet>,
    fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    jwks_uri: Option<String>,
}

/// Verifies bearer JWTs from one issuer.
pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    cache: tokio::sync::Mutex<KeyCache>,
    clock: Clock,
}

fn unauthenticated(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

/// The issuer could not be asked for its keys: the server's problem, not the caller's.
fn issuer_unavailable(why: impl std::fmt::Display) -> ApiError {
    tracing::warn!("the OIDC issuer is unavailable: {why}");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "issuer_unavailable",
        "the identity provider's keys could not be fetched; try again shortly",
    )
}

impl OidcVerifier {
    pub fn new(config: OidcConfig, clock: Clock) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            cache: Default::default(),
            clock,
        }
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Who a bearer JWT belongs to, or why it is refused.
    pub async fn verify(&self, token: &str) -> ApiResult<Identity> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| {
            unauthenticated(
                "invalid_token",
                format!("the bearer token is not a JWT this server accepts ({e}); algorithm none is never accepted"),
            )
        })?;
        let alg = header.alg;
        if !is_asymmetric(alg) {
            return Err(unauthenticated(
                "invalid_token",
                format!("tokens signed with {alg:?} are refused: only the issuer's public-key algorithms (RS*, PS*, ES*, EdDSA) are accepted"),
            ));
        }
        let kid = header.kid.as_deref();
        let mut validation = Validation::new(alg);
        // Time is judged against the server's clock (`principal`); the audience too, since
        // Cognito's access tokens carry the client in `client_id` rather than `aud`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        let cached = self.keys_for(kid, alg, false).await?;
        let outcome = match check_with(token, &cached, &validation) {
            // No cached key signed it: the issuer may have rotated its keys (a token without
            // a key id is tried against every key, so this is seen as a bad signature).
            Checked::NoKey | Checked::BadSignature => {
                let fresh = self.keys_for(kid, alg, true).await?;
                check_with(token, &fresh, &validation)
            }
            other => other,
        };
        use jsonwebtoken::errors::ErrorKind;
        match outcome {
            Checked::Valid(claims) => self.principal(&claims),
            Checked::NoKey => Err(unauthenticated(
                "invalid_token",
                format!(
                    "the token is signed with a key ({}) that {} does not publish",
                    kid.unwrap_or("no key id"),
                    self.config.issuer
                ),
            )),
            Checked::BadSignature => Err(unauthenticated(
                "invalid_token",
                "the token's signature does not verify with the issuer's keys",
            )),
            Checked::Refused(e) => Err(match e.kind() {
                ErrorKind::InvalidIssuer => unauthenticated(
                    "invalid_token",
                    format!(
                        "the token was issued by someone other than {}",
                        self.config.issuer
                    ),
                ),
                ErrorKind::MissingRequiredClaim(c) => {
                    unauthenticated("invalid_token", format!("the token has no {c} claim"))
                }
                _ => unauthenticated("invalid_token", format!("the token is refused: {e}")),
            }),
        }
    }

    /// Checks the claims beyond the signature and maps them to a person and a role.
    fn principal(&self, claims: &Value) -> ApiResult<Identity> {
        let now = self.clock.now().timestamp();
        let leeway = i64::try_from(self.config.leeway.as_secs()).unwrap_or(60);
        let exp = claims["exp"].as_i64().unwrap_or(0);
        if exp + leeway <= now {
            return Err(unauthenticated(
                "token_expired",
                "the token has expired; sign in again",
            ));
        }
        if let Some(nbf) = claims["nbf"].as_i64() {
            if nbf - leeway > now {
                return Err(unauthenticated(
                    "invalid_token",
                    "the token is not valid yet (nbf is in the future); check the clocks",
                ));
            }
        }
        let audience = &self.config.audience;
        let aud_ok = match &claims["aud"] {
            Value::String(a) => a == audience,
            Value::Array(all) => all.iter().any(|a| a.as_str() == Some(audience)),
            _ => false,
        } || claims["client_id"].as_str() == Some(audience.as_str());
        if !aud_ok {
            return Err(unauthenticated(
                "invalid_token",
                format!(
                    "the token is for another audience ({}); this server is {audience}",
                    claims["aud"]
                ),
            ));
        }
        let subject = ["email", "preferred_username", "upn", "sub"]
            .iter()
            .find_map(|c| claims[*c].as_str().filter(|s| !s.is_empty()))
            .ok_or_else(|| unauthenticated("invalid_token", "the token names nobody (no sub)"))?
            .to_owned();
        let groups: Vec<String> = match &claims[self.config.roles_claim.as_str()] {
            Value::Array(all) => all
                .iter()
                .filter_map(|g| g.as_str().map(String::from))
                .collect(),
            Value::String(s) => s
                .split([' ', ','])
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            _ => vec![],
        };
        let grants: Vec<&RoleGrant> = self
            .config
            .role_map
            .iter()
            .filter(|g| groups.contains(&g.group))
            .collect();
        let Some(role) = grants.iter().map(|g| g.role).max() else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "no_role",
                format!(
                    "{subject} signed in, but none of their groups in the {} claim ({}) maps to a SnapDeploy role; ask an admin to add them to one of: {}",
                    self.config.roles_claim,
                    if groups.is_empty() { "none".into() } else { groups.join(", ") },
                    self.config.role_map.iter().map(|g| g.group.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_details(json!({ "subject": subject, "groups": groups })));
        };
        // The grants at that role: one for every account makes the scope every account.
        let top: Vec<&&RoleGrant> = grants.iter().filter(|g| g.role == role).collect();
        let accounts = if top.iter().any(|g| g.accounts.is_empty()) {
            vec![]
        } else {
            let mut all: Vec<AccountId> = top.iter().flat_map(|g| g.accounts.clone()).collect();
            all.sort_by_key(|a| a.to_string());
            all.dedup();
            all
        };
        Ok(Identity {
            subject,
            role,
            accounts,
        })
    }

    /// The cached keys that could have signed a token with `kid` and `alg`; `refresh`
    /// fetches them again first (unless that was done within `REFETCH_EVERY`).
    async fn keys_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        refresh: bool,
    ) -> ApiResult<Vec<Jwk>> {
        let mut cache = self.cache.lock().await;
        // The server's clock, so tests move it on rather than wait out the rate limit.
        let now = self.clock.now();
        let age = cache
            .fetched_at
            .map(|t| (now - t).to_std().unwrap_or_default());
        let stale = age.is_none_or(|a| a > KEYS_MAX_AGE);
        let may_refetch = age.is_none_or(|a| a > REFETCH_EVERY);
        if stale || (refresh && may_refetch) {
            match self.fetch(&mut cache).await {
                Ok(keys) => {
                    cache.keys = Some(keys);
                    cache.fetched_at = Some(now);
                }
                // Old keys are better than none while the issuer is briefly away.
                Err(e) if cache.keys.is_some() => {
                    tracing::warn!(
                        "refreshing the OIDC keys failed, keeping the old ones: {}",
                        e.message
                    );
                }
                Err(e) => return Err(e),
            }
        }
        let Some(keys) = &cache.keys else {
            return Ok(vec![]);
        };
        Ok(keys
            .keys
            .iter()
            .filter(|k| match kid {
                Some(kid) => k.common.key_id.as_deref() == Some(kid),
                // No key id: every key of the algorithm's kind is tried.
                None => fits(k, alg),
            })
            .cloned()
            .collect())
    }

    async fn fetch(&self, cache: &mut KeyCache) -> ApiResult<JwkSet> {
        let jwks_uri = match &cache.jwks_uri {
            Some(u) => u.clone(),
            None => {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.config.issuer.trim_end_matches('/')
                );
                let doc: Value = self.get_json(&url).await?;
                let issuer = doc["issuer"].as_str().unwrap_or_default();
                if issuer != self.config.issuer {
                    return Err(issuer_unavailable(format!(
                        "the discovery document at {url} names the issuer {issuer:?}, not {:?}",
                        self.config.issuer
                    )));
                }
                let uri = doc["jwks_uri"]
                    .as_str()
                    .ok_or_else(|| issuer_unavailable(format!("{url} has no jwks_uri")))?
                    .to_owned();
                cache.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let keys: Value = self.get_json(&jwks_uri).await?;
        serde_json::from_value(keys).map_err(|e| issuer_unavailable(format!("{jwks_uri}: {e}")))
    }

    async fn get_json(&self, url: &str) -> ApiResult<Value> {
        let res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| issuer_unavailable(format!("{url}: {e}")))?;
        if !res.status().is_success() {
            return Err(issuer_unavailable(format!(
                "{url} answered {}",
                res.status()
            )));
        }
        res.json()
            .await
            .map_err(|e| issuer_unavailable(format!("{url}: {e}")))
    }
}

/// What checking a token against some keys found.
enum Checked {
    Valid(Value),
    /// None of the keys could have signed it.
    NoKey,
    /// Signed, but by none of these keys (or altered since).
    BadSignature,
    /// Signed by one of them, but refused for what it says (issuer, missing claims).
    Refused(jsonwebtoken::errors::Error),
}

fn check_with(token: &str, keys: &[Jwk], validation: &Validation) -> Checked {
    use jsonwebtoken::errors::ErrorKind;
    let mut outcome = Checked::NoKey;
    for jwk in keys {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Value>(token, &key, validation) {
            Ok(data) => return Checked::Valid(data.claims),
            Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {
                if matches!(outcome, Checked::NoKey) {
                    outcome = Checked::BadSignature;
                }
            }
            Err(e) => outcome = Checked::Refused(e),
        }
    }
    outcome
}

fn is_asymmetric(alg: Algorithm) -> bool {
    use Algorithm::*;
    matches!(
        alg,
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 | ES256 | ES384 | EdDSA
    )
}

/// Whether a key is of the kind `alg` signs with.
fn fits(k: &Jwk, alg: Algorithm) -> bool {
    use Algorithm::*;
    match &k.algorithm {
        AlgorithmParameters::RSA(_) => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
        AlgorithmParameters::EllipticCurve(_) => matches!(alg, ES256 | ES384),
        AlgorithmParameters::OctetKeyPair(_) => alg == EdDSA,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_map_reads_groups_roles_and_accounts() {
        let map = OidcConfig::parse_role_map(
            "cc-admins=admin, cc-ops=operator:111111111111+222222222222,Viewers=viewer",
        )
        .unwrap();
        assert_eq!(map.len(), 3);
        assert_eq!(map[1].role, Role::Operator);
        assert_eq!(map[1].accounts.len(), 2);
        assert!(OidcConfig::parse_role_map("cc-admins=root").is_err());
        assert!(OidcConfig::parse_role_map("cc-admins").is_err());
        assert!(OidcConfig::parse_role_map("x=viewer:12").is_err());
        assert_eq!(OidcConfig::parse_role_map("").unwrap().len(), 4);
    }

    #[test]
    fn an_issuer_is_https_or_local() {
        assert!(OidcConfig::check_issuer("https://login.example.com/tenant").is_ok());
        assert!(OidcConfig::check_issuer("http://127.0.0.1:9400").is_ok());
        assert!(OidcConfig::check_issuer("http://localhost").is_ok());
        assert!(OidcConfig::check_issuer("http://localhost.evil.test").is_err());
        assert!(OidcConfig::check_issuer("http://idp.example.com").is_err());
    }
}
