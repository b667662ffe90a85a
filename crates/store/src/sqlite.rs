use crate::{backend, AccountStore, StoreError, StoreResult};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use snapdeploy_core::{Account, AccountId};
use std::path::Path;
use std::sync::Mutex;

/// The embedded account registry: one SQLite file.
pub struct SqliteAccountStore {
    conn: Mutex<Connection>,
}

impl SqliteAccountStore {
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(backend("creating the registry folder"))?;
        }
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
             );",
        )
        .map_err(backend("creating the accounts table"))?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
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
