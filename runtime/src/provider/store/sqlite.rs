//! The SQLite store (feature `sqlite`), on the pool `rocket_db_pools`
//! gives the application. Its tables (`warden_*`) are created at ignite when
//! missing. Every change that must be atomic is one conditional statement
//! or one transaction, so instances sharing the database file cannot both
//! redeem a code or both rotate a refresh token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rocket_db_pools::sqlx::sqlite::SqliteConnectOptions;
use rocket_db_pools::sqlx::{self, ConnectOptions as _, Row, SqliteConnection, SqlitePool};
use tokio::sync::Mutex;

use super::{
    CodeEntry, CodeGrant, Family, Issued, ProviderStore, StoreError, StoreResult, StoredKey,
};

/// The tables, created when missing.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS warden_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL,
        pkcs8 BLOB NOT NULL, created_at INTEGER NOT NULL, first INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS warden_codes (digest TEXT PRIMARY KEY, grant_json TEXT NOT NULL,
        expires_at INTEGER NOT NULL, redeemed_json TEXT)",
    "CREATE TABLE IF NOT EXISTS warden_families (id TEXT PRIMARY KEY, family_json TEXT NOT NULL,
        current TEXT NOT NULL, expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS warden_refresh (digest TEXT PRIMARY KEY, family TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS warden_family_access (family TEXT NOT NULL, jti TEXT NOT NULL,
        exp INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS warden_revoked (jti TEXT PRIMARY KEY, exp INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS warden_consents (sub TEXT NOT NULL, client_id TEXT NOT NULL,
        scope TEXT NOT NULL, PRIMARY KEY (sub, client_id))",
];

/// The provider's state in SQLite: survives restarts, and is shared by
/// every instance that opens the same database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    lookups: Arc<Lookups>,
}

impl SqliteStore {
    /// A store on `pool`, its tables created if missing.
    pub async fn new(pool: SqlitePool) -> StoreResult<Self> {
        for statement in SCHEMA {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .map_err(failed)?;
        }
        let lookups = Arc::new(Lookups::new(&pool));
        Ok(Self { pool, lookups })
    }
}

/// The most connections [`Lookups`] keeps: one lookup is one short trip to
/// a connection's thread, so a few serve many requests at once.
const MAX_LOOKUP_CONNECTIONS: usize = 4;

/// Connections of the store's own for the revocation lookup, which every
/// request carrying one of the provider's access tokens makes.
///
/// A query through the pool is three trips to the connection's SQLite
/// thread: sqlx pings an idle connection before lending it
/// (`test_before_acquire`, on in the pool `rocket_db_pools` makes) and again
/// in a task of its own when it comes back. A held connection makes the
/// query alone. They are opened with the pool's options (the same database,
/// an in-memory one included), when first needed: one per core, so lookups
/// on different threads need not queue for one, and no more than
/// [`MAX_LOOKUP_CONNECTIONS`] (each is a thread and a page cache of SQLite's).
struct Lookups {
    options: Arc<SqliteConnectOptions>,
    connections: Box<[Mutex<Option<SqliteConnection>>]>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Lookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookups")
            .field("connections", &self.connections.len())
            .finish_non_exhaustive()
    }
}

impl Lookups {
    fn new(pool: &SqlitePool) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let cores = cores.min(MAX_LOOKUP_CONNECTIONS);
        Self {
            options: pool.connect_options(),
            connections: (0..cores).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// Whether `jti` is in `warden_revoked`, asked on one of the held
    /// connections (opened now if it is not).
    async fn is_revoked(&self, jti: &str) -> StoreResult<bool> {
        let at = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
        let mut slot = self.connections[at].lock().await;
        // Taken out while in use: should this future be dropped half-way
        // (the client went away), the connection goes with it rather than
        // serve the next lookup in whatever state the query left it. The
        // same goes for one whose query failed.
        let mut connection = match slot.take() {
            Some(connection) => connection,
            None => self.options.connect().await.map_err(failed)?,
        };
        let row = sqlx::query("SELECT 1 FROM warden_revoked WHERE jti = ?")
            .bind(jti)
            .fetch_optional(&mut connection)
            .await
            .map_err(failed)?;
        *slot = Some(connection);
        Ok(row.is_some())
    }
}

fn failed(error: sqlx::Error) -> StoreError {
    StoreError(format!("SQLite: {error}"))
}

fn json_failed(error: serde_json::Error) -> StoreError {
    StoreError(format!("a stored record does not read: {error}"))
}

/// SQLite integers are signed; times and expiries fit.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[rocket::async_trait]
impl ProviderStore for SqliteStore {
    async fn keys(&self) -> StoreResult<Vec<StoredKey>> {
        let rows = sqlx::query(
            "SELECT kid, alg, pkcs8, created_at, first FROM warden_keys ORDER BY created_at, kid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| {
                Ok(StoredKey {
                    kid: row.try_get("kid").map_err(failed)?,
                    alg: row.try_get("alg").map_err(failed)?,
                    pkcs8: row.try_get("pkcs8").map_err(failed)?,
                    created_at: row.try_get::<i64, _>("created_at").map_err(failed)?.max(0) as u64,
                    first: row.try_get("first").map_err(failed)?,
                })
            })
            .collect()
    }

    async fn add_key(&self, key: StoredKey) -> StoreResult<()> {
        sqlx::query(
            "INSERT OR IGNORE INTO warden_keys (kid, alg, pkcs8, created_at, first)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(&key.pkcs8)
        .bind(int(key.created_at))
        .bind(key.first)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn remove_key(&self, kid: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM warden_keys WHERE kid = ?")
            .bind(kid)
            .execute(&self.pool)
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn put_code(&self, digest: &str, grant: CodeGrant, now: u64) -> StoreResult<()> {
        sqlx::query("DELETE FROM warden_codes WHERE expires_at <= ?")
            .bind(int(now))
            .execute(&self.pool)
            .await
            .map_err(failed)?;
        let json = serde_json::to_string(&grant).map_err(json_failed)?;
        sqlx::query("INSERT INTO warden_codes (digest, grant_json, expires_at) VALUES (?, ?, ?)")
            .bind(digest)
            .bind(json)
            .bind(int(grant.expires_at))
            .execute(&self.pool)
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn code(&self, digest: &str, now: u64) -> StoreResult<Option<CodeEntry>> {
        let row = sqlx::query(
            "SELECT grant_json, redeemed_json FROM warden_codes WHERE digest = ? AND expires_at > ?",
        )
        .bind(digest)
        .bind(int(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        let Some(row) = row else { return Ok(None) };
        let grant: String = row.try_get("grant_json").map_err(failed)?;
        let redeemed: Option<String> = row.try_get("redeemed_json").map_err(failed)?;
        Ok(Some(CodeEntry {
            grant: serde_json::from_str(&grant).map_err(json_failed)?,
            redeemed: redeemed
                .map(|json| serde_json::from_str(&json))
                .transpose()
                .map_err(json_failed)?,
        }))
    }

    async fn redeem_code(&self, digest: &str, issued: Issued) -> StoreResult<bool> {
        let json = serde_json::to_string(&issued).map_err(json_failed)?;
        let done = sqlx::query(
            "UPDATE warden_codes SET redeemed_json = ? WHERE digest = ? AND redeemed_json IS NULL",
        )
        .bind(json)
        .bind(digest)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_family(&self, family: Family, now: u64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        for statement in [
            "DELETE FROM warden_refresh WHERE family IN
                (SELECT id FROM warden_families WHERE expires_at <= ?)",
            "DELETE FROM warden_family_access WHERE family IN
                (SELECT id FROM warden_families WHERE expires_at <= ?)",
            "DELETE FROM warden_families WHERE expires_at <= ?",
        ] {
            sqlx::query(statement)
                .bind(int(now))
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
        }
        let json = serde_json::to_string(&family).map_err(json_failed)?;
        sqlx::query(
            "INSERT INTO warden_families (id, family_json, current, expires_at, revoked)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&family.id)
        .bind(json)
        .bind(&family.current)
        .bind(int(family.expires_at))
        .bind(family.revoked)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        sqlx::query("INSERT INTO warden_refresh (digest, family) VALUES (?, ?)")
            .bind(&family.current)
            .bind(&family.id)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        for (jti, exp) in &family.access {
            sqlx::query("INSERT INTO warden_family_access (family, jti, exp) VALUES (?, ?, ?)")
                .bind(&family.id)
                .bind(jti)
                .bind(int(*exp))
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)
    }

    async fn family_of(&self, digest: &str) -> StoreResult<Option<Family>> {
        let row = sqlx::query(
            "SELECT f.id, f.family_json, f.current, f.revoked FROM warden_refresh r
             JOIN warden_families f ON f.id = r.family WHERE r.digest = ?",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get("id").map_err(failed)?;
        let json: String = row.try_get("family_json").map_err(failed)?;
        let mut family: Family = serde_json::from_str(&json).map_err(json_failed)?;
        family.current = row.try_get("current").map_err(failed)?;
        family.revoked = row.try_get("revoked").map_err(failed)?;
        let access = sqlx::query("SELECT jti, exp FROM warden_family_access WHERE family = ?")
            .bind(&id)
            .fetch_all(&self.pool)
            .await
            .map_err(failed)?;
        family.access = access
            .iter()
            .map(|row| {
                let exp: i64 = row.try_get("exp").map_err(failed)?;
                Ok((row.try_get("jti").map_err(failed)?, exp.max(0) as u64))
            })
            .collect::<StoreResult<_>>()?;
        Ok(Some(family))
    }

    async fn rotate(
        &self,
        family: &str,
        old: &str,
        new: &str,
        access: (String, u64),
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let done = sqlx::query(
            "UPDATE warden_families SET current = ? WHERE id = ? AND current = ? AND revoked = 0",
        )
        .bind(new)
        .bind(family)
        .bind(old)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO warden_refresh (digest, family) VALUES (?, ?)")
            .bind(new)
            .bind(family)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query("INSERT INTO warden_family_access (family, jti, exp) VALUES (?, ?, ?)")
            .bind(family)
            .bind(&access.0)
            .bind(int(access.1))
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(true)
    }

    async fn revoke_family(&self, family: &str) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        for statement in [
            "UPDATE warden_families SET revoked = 1 WHERE id = ?",
            "INSERT OR IGNORE INTO warden_revoked (jti, exp)
                SELECT jti, exp FROM warden_family_access WHERE family = ?",
            "DELETE FROM warden_family_access WHERE family = ?",
        ] {
            sqlx::query(statement)
                .bind(family)
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)
    }

    async fn revoke_access(&self, jti: &str, exp: u64, now: u64) -> StoreResult<()> {
        sqlx::query("DELETE FROM warden_revoked WHERE exp <= ?")
            .bind(int(now))
            .execute(&self.pool)
            .await
            .map_err(failed)?;
        sqlx::query("INSERT OR REPLACE INTO warden_revoked (jti, exp) VALUES (?, ?)")
            .bind(jti)
            .bind(int(exp))
            .execute(&self.pool)
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn is_revoked(&self, jti: &str) -> StoreResult<bool> {
        self.lookups.is_revoked(jti).await
    }

    async fn consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT scope FROM warden_consents WHERE sub = ? AND client_id = ?")
            .bind(sub)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(failed)?;
        row.map(|row| row.try_get("scope").map_err(failed))
            .transpose()
    }

    async fn put_consent(&self, sub: &str, client_id: &str, scope: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT OR REPLACE INTO warden_consents (sub, client_id, scope) VALUES (?, ?, ?)",
        )
        .bind(sub)
        .bind(client_id)
        .bind(scope)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }
}
