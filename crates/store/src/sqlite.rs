use crate::api::{backend, AccountStore, StoreError, StoreResult};
use crate::audit::AuditLog;
use crate::locks::{Lease, LockStore};
use crate::releases::{decode_release, ReleaseStore};
use crate::rules::{no_rules, RuleStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use snapdeploy_core::{Account, AccountId, Release, RuleSet};
use std::path::Path;
use std::sync::Mutex;

/// The embedded account registry, change leases and audit trail: one SQLite file, which every process
/// working on the same data folder (server, CLI) shares.
pub struct SqliteAccountStore {
    conn: Mutex<Connection>,
}

impl SqliteAccountStore {
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_private_dir_all(dir)
                .map_err(backend("creating the registry folder"))?;
        }
        crate::private::make_private_file(path)
            .map_err(backend("making the registry file owner-only"))?;
        let conn = Connection::open(path).map_err(backend("opening the SQLite registry"))?;
        Self::init(conn)
    }

    pub fn in_memory() -> StoreResult<Self> {
        Self::init(Connection::open_in_memory().map_err(backend("opening SQLite"))?)
    }

    fn init(conn: Connection) -> StoreResult<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS accounts (
                 account_id TEXT PRIMARY KEY,
                 document   TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS locks (
                 lock_key    TEXT PRIMARY KEY,
                 token       TEXT NOT NULL,
                 holder      TEXT NOT NULL,
                 acquired_ms INTEGER NOT NULL,
                 expires_ms  INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS audit (
                 seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                 account_id TEXT NOT NULL,
                 document   TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS audit_by_account ON audit (account_id, seq);
             CREATE TABLE IF NOT EXISTS promotion_rules (
                 source_account_id TEXT NOT NULL,
                 target_account_id TEXT NOT NULL,
                 document          TEXT NOT NULL,
                 PRIMARY KEY (source_account_id, target_account_id)
             );
             CREATE TABLE IF NOT EXISTS releases (
                 release_id TEXT PRIMARY KEY,
                 created_ms INTEGER NOT NULL,
                 document   TEXT NOT NULL
             );",
        )
        .map_err(backend("creating the accounts table"))?;
        // Tokens and change requests (`RecordStore`), by kind and id, versioned.
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS records (
                 kind     TEXT NOT NULL,
                 id       TEXT NOT NULL,
                 version  INTEGER NOT NULL,
                 document TEXT NOT NULL,
                 PRIMARY KEY (kind, id)
             );",
        )
        .map_err(backend("creating the records table"))?;
        conn.execute_batch(JOBS_SCHEMA)
            .map_err(backend("creating the jobs tables"))?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        // SQLite calls here take microseconds; a poisoned lock only means another call
        // panicked, and the connection itself is still consistent.
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }
}

fn decode(doc: String) -> StoreResult<Account> {
    serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt(format!("account record: {e}")))
}

#[async_trait]
impl AccountStore for SqliteAccountStore {
    async fn insert(&self, account: &Account) -> StoreResult<()> {
        let doc = serde_json::to_string(account).map_err(backend("encoding account"))?;
        self.with(|c| {
            match c.execute(
                "INSERT INTO accounts (account_id, document) VALUES (?1, ?2)",
                params![account.account_id.as_str(), doc],
            ) {
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Err(StoreError::Conflict(format!(
                        "account {} is already registered",
                        account.account_id
                    )))
                }
                Err(e) => Err(backend("inserting account")(e)),
            }
        })
    }

    async fn get(&self, id: &AccountId) -> StoreResult<Option<Account>> {
        let doc: Option<String> = self.with(|c| {
            c.query_row(
                "SELECT document FROM accounts WHERE account_id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend("reading account"))
        })?;
        doc.map(decode).transpose()
    }

    async fn list(&self) -> StoreResult<Vec<Account>> {
        let docs: Vec<String> = self.with(|c| {
            let mut stmt = c
                .prepare("SELECT document FROM accounts ORDER BY account_id")
                .map_err(backend("listing accounts"))?;
            let rows = stmt
                .query_map([], |r| r.get(0))
                .map_err(backend("listing accounts"))?;
            rows.collect::<Result<_, _>>()
                .map_err(backend("listing accounts"))
        })?;
        docs.into_iter().map(decode).collect()
    }

    async fn remove(&self, id: &AccountId) -> StoreResult<()> {
        let n = self.with(|c| {
            c.execute("DELETE FROM accounts WHERE account_id = ?1", [id.as_str()])
                .map_err(backend("removing account"))
        })?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "account {id} is not registered"
            )));
        }
        Ok(())
    }
}

fn at_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[async_trait]
impl LockStore for SqliteAccountStore {
    async fn acquire(
        &self,
        key: &str,
        holder: &str,
        ttl: std::time::Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Lease> {
        let lease = Lease::new(key, holder, ttl, now)?;
        self.with(|c| {
            // One statement: a new row, or the row of a lapsed lease taken over.
            let taken = c
                .execute(
                    "INSERT INTO locks (lock_key, token, holder, acquired_ms, expires_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(lock_key) DO UPDATE SET token = excluded.token,
                         holder = excluded.holder, acquired_ms = excluded.acquired_ms,
                         expires_ms = excluded.expires_ms
                     WHERE locks.expires_ms <= excluded.acquired_ms",
                    params![
                        key,
                        lease.token,
                        holder,
                        lease.acquired_at.timestamp_millis(),
                        lease.expires_at.timestamp_millis()
                    ],
                )
                .map_err(backend("taking a lease"))?;
            if taken == 1 {
                return Ok(lease.clone());
            }
            match lease_row(c, key)? {
                Some(other) => Err(other.busy()),
                // Released between the two statements: the caller may simply try again.
                None => Err(lease.busy()),
            }
        })
    }

    async fn renew(
        &self,
        lease: &Lease,
        ttl: std::time::Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Lease> {
        let renewed = lease.extended(ttl, now)?;
        let n = self.with(|c| {
            c.execute(
                "UPDATE locks SET expires_ms = ?3 WHERE lock_key = ?1 AND token = ?2",
                params![
                    lease.key,
                    lease.token,
                    renewed.expires_at.timestamp_millis()
                ],
            )
            .map_err(backend("renewing a lease"))
        })?;
        if n == 1 {
            Ok(renewed)
        } else {
            Err(lease.lost())
        }
    }

    async fn release(&self, lease: &Lease) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "DELETE FROM locks WHERE lock_key = ?1 AND token = ?2",
                params![lease.key, lease.token],
            )
            .map(|_| ())
            .map_err(backend("ending a lease"))
        })
    }

    async fn holder(&self, key: &str) -> StoreResult<Option<Lease>> {
        self.with(|c| lease_row(c, key))
    }
}

fn lease_row(c: &rusqlite::Connection, key: &str) -> StoreResult<Option<Lease>> {
    use rusqlite::OptionalExtension;
    c.query_row(
        "SELECT token, holder, acquired_ms, expires_ms FROM locks WHERE lock_key = ?1",
        [key],
        |r| {
            Ok(Lease {
                key: key.into(),
                token: r.get(0)?,
                holder: r.get(1)?,
                acquired_at: at_ms(r.get(2)?),
                expires_at: at_ms(r.get(3)?),
            })
        },
    )
    .optional()
    .map_err(backend("reading a lease"))
}

#[async_trait]
impl AuditLog for SqliteAccountStore {
    async fn append(&self, entry: &snapdeploy_core::AuditEntry) -> StoreResult<()> {
        let doc = serde_json::to_string(entry).map_err(backend("encoding an audit entry"))?;
        self.with(|c| {
            c.execute(
                "INSERT INTO audit (account_id, document) VALUES (?1, ?2)",
                params![entry.account_id.as_str(), doc],
            )
            .map(|_| ())
            .map_err(backend("appending to the audit trail"))
        })
    }

    async fn recent(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<snapdeploy_core::AuditEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let docs: Vec<String> = self.with(|c| {
            let read = |sql: &str, args: &[&dyn rusqlite::ToSql]| {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map(args, |r| r.get(0))?;
                rows.collect::<Result<Vec<String>, _>>()
            };
            match account {
                Some(a) => read(
                    "SELECT document FROM audit WHERE account_id = ?1 ORDER BY seq DESC LIMIT ?2",
                    &[&a.as_str(), &limit],
                ),
                None => read(
                    "SELECT document FROM audit ORDER BY seq DESC LIMIT ?1",
                    &[&limit],
                ),
            }
            .map_err(backend("reading the audit trail"))
        })?;
        docs.iter()
            .map(|d| {
                serde_json::from_str(d)
                    .map_err(|e| StoreError::Corrupt(format!("audit entry: {e}")))
            })
            .collect()
    }
}

fn decode_rules(doc: &str) -> StoreResult<RuleSet> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("promotion rules: {e}")))
}

#[async_trait]
impl RuleStore for SqliteAccountStore {
    async fn get_rules(
        &self,
        source: &AccountId,
        target: &AccountId,
    ) -> StoreResult<Option<RuleSet>> {
        let doc: Option<String> = self.with(|c| {
            c.query_row(
                "SELECT document FROM promotion_rules
                 WHERE source_account_id = ?1 AND target_account_id = ?2",
                [source.as_str(), target.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend("reading promotion rules"))
        })?;
        doc.as_deref().map(decode_rules).transpose()
    }

    async fn put_rules(&self, rules: &RuleSet) -> StoreResult<()> {
        let doc = serde_json::to_string(rules).map_err(backend("encoding promotion rules"))?;
        self.with(|c| {
            c.execute(
                "INSERT INTO promotion_rules (source_account_id, target_account_id, document)
                 VALUES (?1, ?2, ?3)
                 ON CONFLICT(source_account_id, target_account_id)
                 DO UPDATE SET document = excluded.document",
                params![
                    rules.source_account_id.as_str(),
                    rules.target_account_id.as_str(),
                    doc
                ],
            )
            .map(|_| ())
            .map_err(backend("writing promotion rules"))
        })
    }

    async fn delete_rules(&self, source: &AccountId, target: &AccountId) -> StoreResult<()> {
        let n = self.with(|c| {
            c.execute(
                "DELETE FROM promotion_rules WHERE source_account_id = ?1 AND target_account_id = ?2",
                [source.as_str(), target.as_str()],
            )
            .map_err(backend("removing promotion rules"))
        })?;
        if n == 0 {
            return Err(no_rules(source, target));
        }
        Ok(())
    }

    async fn list_rules(&self) -> StoreResult<Vec<RuleSet>> {
        let docs: Vec<String> = self.with(|c| {
            let mut stmt = c
                .prepare(
                    "SELECT document FROM promotion_rules
                     ORDER BY source_account_id, target_account_id",
                )
                .map_err(backend("listing promotion rules"))?;
            let rows = stmt
                .query_map([], |r| r.get(0))
                .map_err(backend("listing promotion rules"))?;
            rows.collect::<Result<_, _>>()
                .map_err(backend("listing promotion rules"))
        })?;
        docs.iter().map(|d| decode_rules(d)).collect()
    }
}

#[async_trait]
impl ReleaseStore for SqliteAccountStore {
    async fn put_release(&self, release: &Release) -> StoreResult<()> {
        let doc = serde_json::to_string(release).map_err(backend("encoding a release"))?;
        self.with(|c| {
            c.execute(
                "INSERT INTO releases (release_id, created_ms, document) VALUES (?1, ?2, ?3)
                 ON CONFLICT(release_id) DO UPDATE SET document = excluded.document",
                params![
                    release.release_id,
                    release.created_at.timestamp_millis(),
                    doc
                ],
            )
            .map(|_| ())
            .map_err(backend("writing a release"))
        })
    }

    async fn get_release(&self, id: &str) -> StoreResult<Option<Release>> {
        let doc: Option<String> = self.with(|c| {
            c.query_row(
                "SELECT document FROM releases WHERE release_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend("reading a release"))
        })?;
        doc.as_deref().map(decode_release).transpose()
    }

    async fn list_releases(&self, limit: usize) -> StoreResult<Vec<Release>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let docs: Vec<String> = self.with(|c| {
            let mut stmt = c
                .prepare(
                    "SELECT document FROM releases ORDER BY created_ms DESC, release_id DESC LIMIT ?1",
                )
                .map_err(backend("listing releases"))?;
            let rows = stmt
                .query_map([limit], |r| r.get(0))
                .map_err(backend("listing releases"))?;
            rows.collect::<Result<_, _>>()
                .map_err(backend("listing releases"))
        })?;
        docs.iter().map(|d| decode_release(d)).collect()
    }
}

/// Job records (`JobStore`): one row per job, its progress events beside it.
const JOBS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS jobs (
         id         TEXT PRIMARY KEY,
         version    INTEGER NOT NULL,
         state      TEXT NOT NULL,
         created_ms INTEGER NOT NULL,
         expires_ms INTEGER,
         document   TEXT NOT NULL
     );
     CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_ms);
     CREATE INDEX IF NOT EXISTS jobs_by_age ON jobs (created_ms);
     CREATE TABLE IF NOT EXISTS job_events (
         job_id TEXT NOT NULL,
         seq    INTEGER NOT NULL,
         event  TEXT NOT NULL,
         PRIMARY KEY (job_id, seq)
     );";
