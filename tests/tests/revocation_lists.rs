//! The built-in revocation lists on real Rocket instances: `DenyList` in
//! memory, and `RedisDenyList` shared by two instances through a real
//! `redis-server` that each test starts on a free port of 127.0.0.1 (Debian's
//! package, installed by `tests/redis/install-redis` when missing).

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_warden::clock::ManualClock;
use rocket_warden::revocation::{DenyList, RedisDenyList, Revocation, RevocationUnavailable};
use rocket_warden::Warden;
use serde_json::{json, Value};

use support::{claims_with, get, mint, now, validator, Refusal};

/// The realm of the test validator.
const REALM: &str = "api";

/// A Rocket with the test validator, `list` registered with `warden`, and
/// `GET /jwt`.
async fn instance_with(warden: Warden, list: impl Revocation) -> Client {
    let config = validator(REALM, Algorithm::HS256, "");
    let rocket = support::rocket_with(
        warden.revocation(list),
        &config,
        rocket::routes![support::jwt],
    );
    Client::tracked(rocket)
        .await
        .expect("the test rocket launches")
}

async fn instance(list: impl Revocation) -> Client {
    instance_with(Warden::fairing(), list).await
}

/// A token with the test claims and these changes.
fn token(changes: Value) -> String {
    mint(Algorithm::HS256, &claims_with(changes))
}

/// What `GET /jwt` answers to `token`.
async fn status(client: &Client, token: &str) -> Status {
    get(client, "/jwt", Some(token)).await.status()
}

/// Asserts that `client` refuses `token` as revoked.
async fn assert_revoked(client: &Client, token: &str) {
    Refusal::of(get(client, "/jwt", Some(token)).await)
        .await
        .assert_invalid_token(REALM, "token revoked");
}

// ---------------------------------------------------------------- DenyList

#[tokio::test]
async fn deny_list_refuses_a_revoked_jti_whether_cached_or_not_yet_seen() {
    let list = DenyList::new();
    let client = instance(list.clone()).await;
    let exp = now() + 300;
    let cached = token(json!({"jti": "cached-1", "exp": exp}));
    let unseen = token(json!({"jti": "unseen-1", "exp": exp}));
    let other = token(json!({"jti": "other-1", "exp": exp}));
    assert_eq!(status(&client, &cached).await, Status::Ok, "cached now");
    assert_eq!(status(&client, &other).await, Status::Ok);

    list.revoke_token("cached-1", exp).await.expect("in memory");
    list.revoke_token("unseen-1", exp).await.expect("in memory");

    assert_revoked(&client, &cached).await;
    assert_revoked(&client, &unseen).await;
    assert_eq!(status(&client, &other).await, Status::Ok);
    assert_eq!(list.len(), 2);
}

#[tokio::test]
async fn deny_list_signs_a_subject_out_of_the_tokens_issued_before_t() {
    let list = DenyList::new();
    let client = instance(list.clone()).await;
    let now = now();
    let t = now - 5;
    let before_t = token(json!({"sub": "alice", "iat": now - 10}));
    let after_t = token(json!({"sub": "alice", "iat": now - 2}));
    let at_t = token(json!({"sub": "alice", "iat": t}));
    let no_iat = token(json!({"sub": "alice", "iat": null}));
    let bob = token(json!({"sub": "bob", "iat": now - 10}));
    assert_eq!(status(&client, &before_t).await, Status::Ok, "cached now");

    list.revoke_subject("alice", t).await.expect("in memory");

    assert_revoked(&client, &before_t).await;
    // When a token was issued cannot be told without `iat`: fail closed.
    assert_revoked(&client, &no_iat).await;
    assert_eq!(status(&client, &after_t).await, Status::Ok);
    assert_eq!(status(&client, &at_t).await, Status::Ok, "not before T");
    assert_eq!(status(&client, &bob).await, Status::Ok);
}

#[tokio::test]
async fn deny_list_forgets_a_token_after_its_exp_and_a_subject_after_the_horizon() {
    let t0 = 1_900_000_000;
    let clock = ManualClock::at_secs(t0);
    let list = DenyList::new()
        .subject_horizon(Duration::from_secs(3_600))
        .with_clock(clock.clone());
    let client = instance_with(Warden::fairing().clock(clock.clone()), list.clone()).await;
    let revoked = token(json!({"jti": "t1", "iat": t0 - 10, "exp": t0 + 300}));
    // Lives longer than the horizon: let through again once alice's entry is
    // forgotten, which is why the horizon must cover the longest lifetime.
    let alice = token(json!({"sub": "alice", "iat": t0 - 10, "exp": t0 + 7_200}));

    list.revoke_token("t1", t0 + 300).await.expect("in memory");
    list.revoke_subject("alice", t0).await.expect("in memory");
    assert_eq!(list.len(), 2);
    assert_revoked(&client, &revoked).await;
    assert_revoked(&client, &alice).await;

    // Past t1's exp: refused for expiry, and forgotten at the next revocation.
    clock.set_secs(t0 + 301);
    Refusal::of(get(&client, "/jwt", Some(&revoked)).await)
        .await
        .assert_invalid_token(REALM, "token expired");
    list.revoke_token("t2", t0 + 5_000)
        .await
        .expect("in memory");
    assert_eq!(list.len(), 2, "t1 is forgotten: alice and t2 are left");
    assert_revoked(&client, &alice).await;

    // An expiry already past adds nothing.
    list.revoke_token("late", t0 + 300)
        .await
        .expect("in memory");
    assert_eq!(list.len(), 2);

    // Past alice's horizon: forgotten, and her long-lived token accepted.
    clock.set_secs(t0 + 3_601);
    list.revoke_token("t3", t0 + 5_000)
        .await
        .expect("in memory");
    assert_eq!(list.len(), 2, "alice is forgotten: t2 and t3 are left");
    assert_eq!(status(&client, &alice).await, Status::Ok);
}

// ------------------------------------------------------------ RedisDenyList

/// Installs redis-server once for the whole test binary: its tests run in
/// parallel, and apt must run once.
fn install_redis() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("redis/install-redis");
        let status = Command::new(&script)
            .status()
            .expect("the install script runs");
        assert!(
            status.success(),
            "redis-server could not be installed by {}",
            script.display()
        );
    });
}

/// A free port on 127.0.0.1, as the OS hands one out.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A `redis-server` of this test's own, killed when dropped.
struct RedisServer {
    child: Option<Child>,
    port: u16,
    password: Option<&'static str>,
    /// Its working directory; it saves nothing there (`--save ""`).
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// A server on a free port, answering PING.
    async fn start() -> Self {
        Self::start_on(free_port(), None).await
    }

    /// A server on `port`, requiring `password` if given, answering PING.
    async fn start_on(port: u16, password: Option<&'static str>) -> Self {
        install_redis();
        let dir = tempfile::tempdir().expect("a working directory");
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(password) = password {
            command.args(["--requirepass", password]);
        }
        let child = command.spawn().expect("redis-server starts");
        let mut server = Self {
            child: Some(child),
            port,
            password,
            _dir: dir,
        };
        server.wait_until_it_answers().await;
        server
    }

    fn url(&self) -> String {
        match self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/0", self.port),
            None => format!("redis://127.0.0.1:{}/0", self.port),
        }
    }

    /// Waits, a bounded number of times, for a PING to be answered: the
    /// server listens some time after it was spawned.
    async fn wait_until_it_answers(&mut self) {
        let client = redis::Client::open(self.url()).expect("a Redis URL");
        for _ in 0..200 {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(exit)) = child.try_wait() {
                    panic!(
                        "redis-server exited at start ({exit}): port {} taken?",
                        self.port
                    );
                }
            }
            if let Ok(mut connection) = client.get_multiplexed_async_connection().await {
                let pong: redis::RedisResult<String> =
                    redis::cmd("PING").query_async(&mut connection).await;
                if pong.is_ok_and(|pong| pong == "PONG") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("redis-server did not answer PING on port {}", self.port);
    }

    /// A connection of the test's own, to read what the lists wrote.
    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("a connection to the test's redis-server")
    }

    /// Kills the server: Redis is down from now on.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The absolute expiry Redis holds for `key` (`EXPIRETIME`, Redis 7).
async fn expire_time(server: &RedisServer, key: &str) -> i64 {
    redis::cmd("EXPIRETIME")
        .arg(key)
        .query_async(&mut server.connection().await)
        .await
        .expect("EXPIRETIME answers")
}

#[tokio::test]
async fn a_jti_revoked_through_one_instance_is_refused_by_another_through_redis() {
    let server = RedisServer::start().await;
    let list_a = RedisDenyList::new(&server.url()).expect("a Redis URL");
    let list_b = RedisDenyList::new(&server.url()).expect("a Redis URL");
    let a = instance(list_a.clone()).await;
    let b = instance(list_b).await;
    let exp = now() + 300;
    let revoked = token(json!({"jti": "shared-1", "exp": exp}));
    let other = token(json!({"jti": "shared-2", "exp": exp}));
    assert_eq!(status(&b, &revoked).await, Status::Ok, "cached at B");
    assert_eq!(status(&b, &other).await, Status::Ok);

    list_a.revoke_token("shared-1", exp).await.expect("written");

    assert_revoked(&b, &revoked).await;
    assert_revoked(&a, &revoked).await;
    assert_eq!(status(&b, &other).await, Status::Ok);
    // Redis forgets the entry at the token's exp by itself.
    let key = "rocket_warden:revoked:jti:shared-1";
    assert_eq!(expire_time(&server, key).await, exp as i64);
    // "Never expires" is written too, its expiry capped where Redis takes it.
    let forever = token(json!({"jti": "forever", "exp": exp}));
    list_a
        .revoke_token("forever", u64::MAX)
        .await
        .expect("written");
    assert_revoked(&b, &forever).await;
    // A revocation already expired writes nothing.
    list_a
        .revoke_token("old", now() - 1)
        .await
        .expect("nothing to write");
    assert_eq!(
        expire_time(&server, "rocket_warden:revoked:jti:old").await,
        -2,
        "no such key"
    );
}

#[tokio::test]
async fn a_subject_signed_out_through_one_instance_is_refused_by_another_through_redis() {
    let server = RedisServer::start().await;
    let horizon = Duration::from_secs(7_200);
    let list_a = RedisDenyList::new(&server.url())
        .expect("a Redis URL")
        .prefix("app:")
        .subject_horizon(horizon);
    let list_b = RedisDenyList::new(&server.url())
        .expect("a Redis URL")
        .prefix("app:")
        .subject_horizon(horizon);
    let a = instance(list_a.clone()).await;
    let b = instance(list_b.clone()).await;
    let now = now();
    let t = now - 5;
    let before_t = token(json!({"sub": "alice", "iat": now - 10}));
    let after_t = token(json!({"sub": "alice", "iat": now - 2}));
    let no_iat = token(json!({"sub": "alice", "iat": null}));
    let bob = token(json!({"sub": "bob", "iat": now - 10}));
    assert_eq!(status(&b, &before_t).await, Status::Ok, "cached at B");

    list_a.revoke_subject("alice", t).await.expect("written");

    assert_revoked(&b, &before_t).await;
    assert_revoked(&a, &before_t).await;
    assert_revoked(&b, &no_iat).await;
    assert_eq!(status(&b, &after_t).await, Status::Ok);
    assert_eq!(status(&b, &bob).await, Status::Ok);
    // Kept for the horizon after T, under the chosen prefix.
    let key = "app:sub:alice";
    assert_eq!(expire_time(&server, key).await, (t + 7_200) as i64);
    // An earlier sign-out through B does not move T back.
    list_b
        .revoke_subject("alice", t - 100)
        .await
        .expect("written");
    let kept: u64 = redis::cmd("GET")
        .arg(key)
        .query_async(&mut server.connection().await)
        .await
        .expect("GET answers");
    assert_eq!(kept, t);
    assert_revoked(&b, &before_t).await;
}

#[tokio::test]
async fn a_dead_redis_fails_closed_with_503_and_fail_open_lets_the_token_through() {
    let password = "s3cret-redis-password";
    let mut server = RedisServer::start_on(free_port(), Some(password)).await;
    let closed = RedisDenyList::new(&server.url()).expect("a Redis URL");
    let open = RedisDenyList::new(&server.url())
        .expect("a Redis URL")
        .fail_open(true);
    let closed_client = instance(closed.clone()).await;
    let open_client = instance(open).await;
    let token = token(json!({"jti": "while-down"}));
    assert_eq!(status(&closed_client, &token).await, Status::Ok);
    assert_eq!(status(&open_client, &token).await, Status::Ok);

    server.stop();

    let (log, response) = support::logged(get(&closed_client, "/jwt", Some(&token))).await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
    assert!(
        log.contains("Redis revocation list is unavailable"),
        "{log}"
    );
    assert!(
        !log.contains(password),
        "the password is never logged: {log}"
    );
    let (log, response) = support::logged(get(&open_client, "/jwt", Some(&token))).await;
    assert_eq!(response.status(), Status::Ok, "fail_open");
    assert!(log.contains("fail_open"), "{log}");
    assert_eq!(
        closed.revoke_token("while-down", now() + 300).await,
        Err(RevocationUnavailable),
        "a revocation that could not be written is reported"
    );
}

#[tokio::test]
async fn an_application_launches_while_redis_is_down_and_recovers_when_it_is_up() {
    let port = free_port();
    let list = RedisDenyList::new(&format!("redis://127.0.0.1:{port}/0")).expect("a Redis URL");
    let client = instance(list).await;
    let token = token(json!({"jti": "before-redis"}));
    assert_eq!(status(&client, &token).await, Status::ServiceUnavailable);

    let _server = RedisServer::start_on(port, None).await;

    // The request that finds the old connection attempt failed starts a new
    // one and is refused; the next one has it. Never a pass before that.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let answer = status(&client, &token).await;
        answers.push(answer);
        if answer == Status::Ok {
            break;
        }
        assert_eq!(answer, Status::ServiceUnavailable);
    }
    assert_eq!(answers.last(), Some(&Status::Ok), "{answers:?}");
}
