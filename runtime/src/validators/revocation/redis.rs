//! The revocation list in Redis (feature `redis`): [`DenyList`]'s entries,
//! shared by every instance of an application that points at one server.
//!
//! [`DenyList`]: super::DenyList

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, RedisError, Script};
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

use super::DEFAULT_SUBJECT_HORIZON;
use super::{issued_before, whole_secs, Revocation, RevocationUnavailable};
use crate::clock::{Clock, SystemClock};

/// Where the keys go unless [`RedisDenyList::prefix`] says otherwise.
const DEFAULT_PREFIX: &str = "rocket_warden:revoked:";

/// How long one operation (connecting included) may take by default: a
/// dead Redis must answer 503 quickly, not hold requests.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// The latest time written to Redis, the last second of the year 9999: Redis
/// refuses an expiry past its millisecond range, and Lua compares numbers as
/// doubles, so "never" (`u64::MAX`, a token without `exp`) is capped here.
const LATEST_SECS: u64 = 253_402_300_799;

/// Sets `KEYS[1]` to `ARGV[1]` with the absolute expiry `ARGV[2]`, unless it
/// already holds a number at least as large: a revocation never moves back
/// in time, whichever instance wrote first. One round trip, and atomic (a
/// script runs alone), where a GET then a SET could lose the larger value.
const KEEP_LARGER: &str = r"
local kept = tonumber(redis.call('GET', KEYS[1]))
if kept and kept >= tonumber(ARGV[1]) then
    return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2])
return 1
";

/// The built-in revocation list kept in Redis, shared by every instance of
/// an application whose list points at the same server and prefix: a token
/// revoked through one instance is refused by all, from their next request.
///
/// It has [`DenyList`]'s methods and meaning: `revoke_token` by `jti` until
/// the token's `exp`, `revoke_subject` for a subject's tokens issued before
/// a time, remembered for the subject horizon; matched whatever the issuer.
/// Under the prefix (default `rocket_warden:revoked:`), a token is the key
/// `…jti:<jti>` and a subject `…sub:<sub>`, each with an absolute expiry
/// (`EXAT`, Redis 6.2 or later) when it can be forgotten, so Redis drops
/// them itself.
///
/// Each request costs one round trip (an `MGET` of the token's two keys).
/// The connection is made on first use and remade when lost, so an
/// application launches while Redis is down. Each operation, connecting
/// included, is bounded by a timeout (default 500 ms). When Redis cannot
/// answer, the request is refused with a 503 and `Retry-After` (fail
/// closed); [`RedisDenyList::fail_open`] lets the token through instead,
/// with a warning. The URL's password is never logged.
///
/// ```
/// use rocket_warden::revocation::RedisDenyList;
/// use rocket_warden::Warden;
///
/// let revoked = RedisDenyList::new("redis://127.0.0.1:6379/0")?;
/// let rocket = rocket::build()
///     .attach(Warden::fairing().revocation(revoked.clone()))
///     .manage(revoked);
/// # let _ = rocket;
/// # Ok::<(), rocket_warden::revocation::RedisUrlError>(())
/// ```
///
/// [`DenyList`]: super::DenyList
#[derive(Clone)]
pub struct RedisDenyList {
    redis: Arc<Connection>,
    clock: Arc<dyn Clock>,
    prefix: Arc<str>,
    horizon_secs: u64,
    leeway_secs: u64,
    timeout: Duration,
    fail_open: bool,
}

/// The server, shared by the clones of one list.
struct Connection {
    client: Client,
    /// Made on first use, inside the runtime that serves requests (it
    /// spawns its reconnecting tasks there), then shared.
    manager: OnceCell<ConnectionManager>,
    /// The URL without its password or query, for logs.
    redacted: String,
    keep_larger: Script,
}

/// A Redis URL that [`RedisDenyList::new`] cannot use. The message never
/// repeats the URL, which may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Redis URL: {0}")]
pub struct RedisUrlError(String);

/// Why an operation failed, for the log.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Redis(#[from] RedisError),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
}

impl RedisDenyList {
    /// A list in the Redis at `url` (`redis://[:password@]host[:port][/db]`
    /// or `redis+unix:///path`), not connected yet: the connection is made
    /// by the first operation. Errs only when the URL cannot be used.
    pub fn new(url: &str) -> Result<Self, RedisUrlError> {
        let client = Client::open(url).map_err(|e| RedisUrlError(e.to_string()))?;
        Ok(Self {
            redis: Arc::new(Connection {
                client,
                manager: OnceCell::new(),
                redacted: redact(url),
                keep_larger: Script::new(KEEP_LARGER),
            }),
            clock: Arc::new(SystemClock),
            prefix: Arc::from(DEFAULT_PREFIX),
            horizon_secs: whole_secs(DEFAULT_SUBJECT_HORIZON),
            leeway_secs: 0,
            timeout: DEFAULT_TIMEOUT,
            fail_open: false,
        })
    }

    /// Puts the keys under `prefix` instead of `rocket_warden:revoked:`:
    /// every instance that shares the list must use the same.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Arc::from(prefix);
        self
    }

    /// Remembers a subject's sign-out for `horizon` after its `before`
    /// (default a day): the longest lifetime of the tokens the application
    /// accepts, as `DenyList::subject_horizon`.
    pub fn subject_horizon(mut self, horizon: Duration) -> Self {
        self.horizon_secs = whole_secs(horizon);
        self
    }

    /// Keeps every entry `leeway` longer: the largest `leeway_secs` of the
    /// validators, as `DenyList::leeway`.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway_secs = whole_secs(leeway);
        self
    }

    /// Bounds each operation, connecting included, by `timeout` instead of
    /// 500 ms: how long a request waits for a Redis that does not answer
    /// before it is refused (or let through, with `fail_open`). Set before
    /// the first operation, which makes the connection with it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `true`: when Redis cannot answer, tokens are let through, with a
    /// warning each time, instead of refused with a 503. Revocation is then
    /// best effort: choose it only where availability matters more than a
    /// revoked token being refused at once. Revoking still reports the
    /// failure.
    pub fn fail_open(mut self, fail_open: bool) -> Self {
        self.fail_open = fail_open;
        self
    }

    /// Reads the time from `clock` instead of the system clock, to skip
    /// revocations already expired: for tests, with a `ManualClock`.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Revokes the token whose `jti` this is, until `expires_at` (its `exp`,
    /// seconds since the epoch): the key expires then, as the token does.
    /// An `expires_at` already past adds nothing. Revoking a `jti` again
    /// keeps the later time. Errs when Redis cannot be written (the token is
    /// then not revoked): whatever the list's `fail_open`.
    pub async fn revoke_token(
        &self,
        jti: &str,
        expires_at: u64,
    ) -> Result<(), RevocationUnavailable> {
        let key = self.key("jti:", jti);
        self.keep_larger(&key, expires_at, expires_at, "a token")
            .await
    }

    /// Signs `sub` out everywhere: its tokens issued before `before`
    /// (seconds since the epoch), or without a numeric `iat`, are revoked,
    /// as `DenyList::revoke_subject`. The key expires when the subject
    /// horizon has passed after `before`; a later `before` replaces an
    /// earlier one, never the reverse, atomically in Redis. Errs when Redis
    /// cannot be written.
    pub async fn revoke_subject(
        &self,
        sub: &str,
        before: u64,
    ) -> Result<(), RevocationUnavailable> {
        let key = self.key("sub:", sub);
        let until = before.saturating_add(self.horizon_secs);
        self.keep_larger(&key, before, until, "a subject").await
    }

    /// Sets `key` to `value` until `until` (plus the leeway) unless it holds
    /// a larger value.
    async fn keep_larger(
        &self,
        key: &str,
        value: u64,
        until: u64,
        what: &str,
    ) -> Result<(), RevocationUnavailable> {
        let value = value.min(LATEST_SECS);
        let expire_at = until.saturating_add(self.leeway_secs).min(LATEST_SECS);
        // Valid while `now <= exp + leeway` (the validators' rule); Redis
        // would drop a key whose expiry is past at once anyway.
        if expire_at < self.clock.now_secs() {
            return Ok(());
        }
        let script = &self.redis.keep_larger;
        let written = self
            .within(|mut redis| async move {
                script
                    .key(key)
                    .arg(value)
                    .arg(expire_at)
                    .invoke_async::<i64>(&mut redis)
                    .await
            })
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(failure) => {
                tracing::warn!(
                    target: "rocket_warden",
                    redis = %self.redis.redacted,
                    error = %failure,
                    "could not revoke {what} in Redis",
                );
                Err(RevocationUnavailable)
            }
        }
    }

    /// The key of `name` (a `jti` or a `sub`) of this `kind`.
    fn key(&self, kind: &str, name: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + kind.len() + name.len());
        key.push_str(&self.prefix);
        key.push_str(kind);
        key.push_str(name);
        key
    }

    /// Runs `operation` on the shared connection (made on first use),
    /// bounded by the timeout.
    async fn within<T, F>(
        &self,
        operation: impl FnOnce(ConnectionManager) -> F,
    ) -> Result<T, Failure>
    where
        F: Future<Output = Result<T, RedisError>>,
    {
        let work = async {
            let redis = self
                .redis
                .manager
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(self.timeout))
                        .set_response_timeout(Some(self.timeout))
                        // Requests are bounded by the timeout anyway: a
                        // short backoff lets a reconnect be tried again by
                        // the next request rather than after seconds.
                        .set_number_of_retries(1)
                        .set_min_delay(Duration::from_millis(50))
                        .set_max_delay(self.timeout);
                    ConnectionManager::new_lazy_with_config(self.redis.client.clone(), config)
                })
                .await?
                // A handle onto the one multiplexed connection.
                .clone();
            Ok::<_, Failure>(operation(redis).await?)
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or(Err(Failure::TimedOut(self.timeout)))
    }
}

impl fmt::Debug for RedisDenyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDenyList")
            .field("redis", &self.redis.redacted)
            .field("prefix", &self.prefix)
            .field("subject_horizon_secs", &self.horizon_secs)
            .field("leeway_secs", &self.leeway_secs)
            .field("timeout", &self.timeout)
            .field("fail_open", &self.fail_open)
            .field("clock", &self.clock)
            .finish()
    }
}

#[rocket::async_trait]
impl Revocation for RedisDenyList {
    async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
        let jti = claims.get("jti").and_then(Value::as_str);
        let sub = claims.get("sub").and_then(Value::as_str);
        let keys: Vec<String> = jti
            .map(|jti| self.key("jti:", jti))
            .into_iter()
            .chain(sub.map(|sub| self.key("sub:", sub)))
            .collect();
        if keys.is_empty() {
            return Ok(false);
        }
        let keys = &keys;
        let found = self
            .within(|mut redis| async move {
                ::redis::cmd("MGET")
                    .arg(keys)
                    .query_async::<Vec<Option<String>>>(&mut redis)
                    .await
            })
            .await;
        let found = match found {
            Ok(found) => found,
            Err(failure) if self.fail_open => {
                tracing::warn!(
                    target: "rocket_warden",
                    redis = %self.redis.redacted,
                    error = %failure,
                    "the Redis revocation list is unavailable: letting the token through (fail_open)",
                );
                return Ok(false);
            }
            Err(failure) => {
                tracing::warn!(
                    target: "rocket_warden",
                    redis = %self.redis.redacted,
                    error = %failure,
                    "the Redis revocation list is unavailable",
                );
                return Err(RevocationUnavailable);
            }
        };
        let mut found = found.into_iter();
        if jti.is_some() && found.next().flatten().is_some() {
            return Ok(true);
        }
        let before = sub.and(found.next().flatten());
        Ok(before.is_some_and(|before| {
            // A value not written by this list is read as a sign-out of
            // every token so far: fail closed.
            issued_before(claims, before.parse().unwrap_or(u64::MAX))
        }))
    }
}

/// `url` without its password (shown as `***`) or query (a Unix socket URL
/// may carry the password there), for logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        // `Client::open` parsed it, so this is not reached; say nothing of it.
        Err(_) => "<redis>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_not_shown() {
        let list = RedisDenyList::new("redis://user:s3cret@127.0.0.1:6390/2").expect("a URL");
        let shown = format!("{list:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("redis://user:***@127.0.0.1:6390/2"),
            "{shown}"
        );
        let unix = redact("redis+unix:///run/redis.sock?db=1&pass=s3cret");
        assert_eq!(unix, "redis+unix:///run/redis.sock");
    }

    #[test]
    fn a_bad_url_is_refused_without_repeating_it() {
        let error = RedisDenyList::new("http://:s3cret@nowhere").expect_err("not Redis");
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
