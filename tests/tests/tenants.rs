//! Tenants validators: several issuers, each with its own key set served by a
//! real HTTP server on 127.0.0.1, selected by the token's `iss` in one
//! lookup. Configured tenants, the issuer template (with a key set that
//! names each key's issuer, as Entra ID's does), and a trust hook.

mod remote_support;
mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rocket::futures::future::join_all;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use rocket_warden::clock::ManualClock;
use rocket_warden::tenants::{TenantTrust, TrustUnavailable, TrustedIssuer};
use rocket_warden::testing::{JwksServer, TestKey};
use rocket_warden::Warden;
use serde_json::{json, Value};
use tokio::sync::{Notify, Semaphore};

use remote_support::{clock, rocket_with_clock, rsa, rsa_other};
use support::ignite::assert_aborts;
use support::{get, jwt, Refusal};

const ACME: &str = "https://acme.id.test";
const GLOBEX: &str = "https://globex.id.test";

/// Claims from `iss`, timed by `clock`, with `extra` members.
fn claims(clock: &ManualClock, iss: &str, extra: Value) -> Value {
    use rocket_warden::clock::Clock as _;
    let now = clock.now_secs();
    let mut claims = json!({ "iss": iss, "sub": "alice", "iat": now, "exp": now + 3600 });
    if let (Some(claims), Value::Object(extra)) = (claims.as_object_mut(), extra) {
        claims.extend(extra);
    }
    claims
}

/// A tenants validator `tenants` taking RS256, with `body` as its tenant keys.
fn tenants_validator(body: &str) -> String {
    format!("[jwt.validators.tenants]\nalgorithms = [\"RS256\"]\n{body}\n")
}

/// A tracked client for `config` with `warden`'s hooks and `clock`.
async fn client(config: &str, warden: Warden, clock: &ManualClock) -> Client {
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(
            <rocket::figment::providers::Toml as rocket::figment::providers::Format>::string(
                config,
            ),
        );
    let rocket = rocket::custom(figment)
        .attach(warden.clock(clock.clone()))
        .mount("/", routes![jwt]);
    Client::tracked(rocket).await.expect("launch")
}

async fn assert_status(client: &Client, token: &str, status: Status) {
    let response = get(client, "/jwt", Some(token)).await;
    assert_eq!(response.status(), status);
}

async fn assert_refused(client: &Client, token: &str, description: &str) {
    Refusal::of(get(client, "/jwt", Some(token)).await)
        .await
        .assert_invalid_token("tenants", description);
}

#[tokio::test]
async fn each_issuer_is_verified_with_its_own_keys_only() {
    let clock = clock();
    let acme_key = rsa("acme-1");
    let globex_key = rsa_other("globex-1");
    let acme = JwksServer::start(&[&acme_key]).await;
    let globex = JwksServer::start(&[&globex_key]).await;
    let config = tenants_validator(&format!(
        "[jwt.validators.tenants.tenants.acme]\nissuer = {ACME:?}\njwks_uri = {:?}\n\
         [jwt.validators.tenants.tenants.globex]\nissuer = {GLOBEX:?}\njwks_uri = {:?}\n",
        acme.jwks_uri(),
        globex.jwks_uri()
    ));
    let client = client(&config, Warden::fairing(), &clock).await;
    assert_status(
        &client,
        &acme_key.mint(&claims(&clock, ACME, json!({}))),
        Status::Ok,
    )
    .await;
    let globex_token = globex_key.mint(&claims(&clock, GLOBEX, json!({})));
    assert_status(&client, &globex_token, Status::Ok).await;
    // Globex's key (and kid) on a token that says it is Acme's: Acme's set
    // has no such key, and Globex's set is never tried.
    let forged = globex_key.mint(&claims(&clock, ACME, json!({})));
    assert_refused(&client, &forged, "no key matches the token").await;
    // Globex's key under Acme's kid: the signature fails with Acme's key.
    let renamed = TestKey::from_pem(
        rocket_warden::jsonwebtoken::Algorithm::RS256,
        Some("acme-1"),
        support::keys::RSA_OTHER_PRIVATE,
    )
    .expect("a key");
    let forged = renamed.mint(&claims(&clock, ACME, json!({})));
    assert_refused(&client, &forged, "invalid signature").await;
    let globex_fetches = globex.fetches();
    assert_refused(&client, &forged, "invalid signature").await;
    assert_eq!(
        globex.fetches(),
        globex_fetches,
        "Acme's token never reaches Globex's keys"
    );
}

#[tokio::test]
async fn an_unknown_issuer_is_refused_without_fetching_from_it() {
    let clock = clock();
    let key = rsa("k");
    let known = JwksServer::start(&[&key]).await;
    let stranger = JwksServer::start(&[&key]).await;
    let config = tenants_validator(&format!(
        "[jwt.validators.tenants.tenants.acme]\nissuer = {ACME:?}\njwks_uri = {:?}\n",
        known.jwks_uri()
    ));
    let client = client(&config, Warden::fairing(), &clock).await;
    known.wait_for_fetches(1).await;
    let before = known.fetches();
    // The token names the stranger's own URL as its issuer.
    let token = key.mint(&claims(&clock, &stranger.base_url(), json!({})));
    assert_refused(&client, &token, "unknown issuer").await;
    let no_iss = key.mint(&json!({"sub": "alice", "exp": 4_000_000_000u64}));
    assert_refused(&client, &no_iss, "missing required claim `iss`").await;
    let odd_iss = key.mint(&json!({"iss": 5, "sub": "alice", "exp": 4_000_000_000u64}));
    assert_refused(&client, &odd_iss, "wrong issuer").await;
    assert_eq!(
        stranger.fetches(),
        0,
        "nothing was fetched from the token's issuer"
    );
    assert_eq!(known.fetches(), before, "nor from a configured tenant");
}

#[tokio::test]
async fn the_issuer_template_checks_the_tenant_claim_and_the_keys_own_issuer() {
    let clock = clock();
    let key = rsa("common-1");
    let pinned = rsa_other("pinned-1");
    let mut templated = key.jwk();
    templated["issuer"] = json!("https://login.id.test/{tenantid}/v2.0");
    let mut fixed = pinned.jwk();
    fixed["issuer"] = json!("https://login.id.test/contoso/v2.0");
    let server = JwksServer::start_with(json!({ "keys": [templated, fixed] })).await;
    let config = tenants_validator(&format!(
        "issuer_template = \"https://login.id.test/{{tenant}}/v2.0\"\njwks_uri = {:?}\n",
        server.jwks_uri()
    ));
    let client = client(&config, Warden::fairing(), &clock).await;
    let fabrikam = "https://login.id.test/fabrikam/v2.0";
    let token = key.mint(&claims(&clock, fabrikam, json!({"tid": "fabrikam"})));
    assert_status(&client, &token, Status::Ok).await;
    // The issuer names one tenant, the claim another.
    let token = key.mint(&claims(&clock, fabrikam, json!({"tid": "contoso"})));
    assert_refused(&client, &token, "wrong issuer").await;
    let token = key.mint(&claims(&clock, fabrikam, json!({})));
    assert_refused(&client, &token, "wrong issuer").await;
    // The key set pins `pinned-1` to contoso: fabrikam cannot use it.
    let token = pinned.mint(&claims(&clock, fabrikam, json!({"tid": "fabrikam"})));
    assert_refused(&client, &token, "wrong issuer").await;
    let contoso = "https://login.id.test/contoso/v2.0";
    let token = pinned.mint(&claims(&clock, contoso, json!({"tid": "contoso"})));
    assert_status(&client, &token, Status::Ok).await;
    // Outside the template: unknown.
    let token = key.mint(&claims(
        &clock,
        "https://login.id.test/a/b/v2.0",
        json!({"tid": "a/b"}),
    ));
    assert_refused(&client, &token, "unknown issuer").await;
}

/// A trust hook over a table of issuers → key set URLs, counting its calls;
/// `down` makes it unable to answer, `held` holds each call until released.
#[derive(Clone, Default)]
struct Directory {
    issuers: Arc<Mutex<HashMap<String, String>>>,
    calls: Arc<AtomicUsize>,
    down: Arc<AtomicUsize>,
    held: Option<Arc<Held>>,
}

/// Calls to a [`Directory`] wait for a permit; `entered` says one is waiting.
struct Held {
    entered: Notify,
    release: Semaphore,
}

impl Held {
    /// Once a call has come, lets it and every later one go (so that a
    /// second call fails the count, not hangs the test).
    async fn release(&self) {
        self.entered.notified().await;
        self.release.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    /// Holds calls again.
    fn hold(&self) {
        self.release
            .forget_permits(self.release.available_permits());
    }
}

#[rocket::async_trait]
impl TenantTrust for Directory {
    async fn trust(&self, issuer: &str) -> Result<Option<TrustedIssuer>, TrustUnavailable> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(held) = &self.held {
            held.entered.notify_one();
            drop(held.release.acquire().await.expect("open"));
        }
        if self.down.load(Ordering::SeqCst) == 1 {
            return Err(TrustUnavailable);
        }
        let uri = self.issuers.lock().expect("lock").get(issuer).cloned();
        Ok(uri.map(|uri| TrustedIssuer::jwks_uri(&uri).expect("a loopback URL")))
    }
}

/// A client of a tenants validator whose trust hook is `directory`, which
/// trusts Acme, its keys served by `server`.
async fn trusting(directory: &Directory, server: &JwksServer, clock: &ManualClock) -> Client {
    directory
        .issuers
        .lock()
        .expect("lock")
        .insert(ACME.to_owned(), server.jwks_uri());
    let config = tenants_validator("trust = \"directory\"\n");
    let warden = Warden::fairing().tenant_trust("directory", directory.clone());
    client(&config, warden, clock).await
}

#[tokio::test]
async fn a_trust_hook_is_asked_once_per_issuer_and_fails_closed() {
    let clock = clock();
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let directory = Directory::default();
    let client = trusting(&directory, &server, &clock).await;
    for sub in ["alice", "bob", "carol"] {
        let token = key.mint(&claims(&clock, ACME, json!({ "sub": sub })));
        assert_status(&client, &token, Status::Ok).await;
    }
    assert_eq!(
        directory.calls.load(Ordering::SeqCst),
        1,
        "one call for Acme"
    );
    let stranger = key.mint(&claims(&clock, GLOBEX, json!({})));
    assert_refused(&client, &stranger, "unknown issuer").await;
    assert_refused(&client, &stranger, "unknown issuer").await;
    assert_eq!(
        directory.calls.load(Ordering::SeqCst),
        2,
        "a refusal is remembered"
    );
    // A minute later the hook is asked again, and now it cannot answer.
    clock.advance(std::time::Duration::from_secs(61));
    directory.down.store(1, Ordering::SeqCst);
    let response = get(&client, "/jwt", Some(&stranger)).await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
    // Acme stays trusted without asking.
    let token = key.mint(&claims(&clock, ACME, json!({ "sub": "dave" })));
    assert_status(&client, &token, Status::Ok).await;
    assert_eq!(directory.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn concurrent_first_requests_for_an_issuer_share_one_trust_call() {
    let clock = clock();
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let held = Arc::new(Held {
        entered: Notify::new(),
        release: Semaphore::new(0),
    });
    let directory = Directory {
        held: Some(held.clone()),
        ..Directory::default()
    };
    let client = trusting(&directory, &server, &clock).await;
    // An issuer the hook refuses, then one it trusts: either way the
    // requests that came while it was asked wait for its one answer.
    for (iss, status) in [(GLOBEX, Status::Unauthorized), (ACME, Status::Ok)] {
        held.hold();
        let before = directory.calls.load(Ordering::SeqCst);
        let token = key.mint(&claims(&clock, iss, json!({})));
        let requests = join_all((0..4).map(|_| get(&client, "/jwt", Some(&token))));
        // `join!` polls the requests first: each is waiting before the release.
        let (responses, ()) = tokio::join!(requests, held.release());
        for response in responses {
            assert_eq!(response.status(), status, "{iss}");
        }
        let calls = directory.calls.load(Ordering::SeqCst) - before;
        assert_eq!(calls, 1, "one trust call for {iss}");
    }
}

#[tokio::test]
async fn tenants_misconfigured_abort_launch_naming_the_key() {
    let clock = clock();
    let cases: [(&str, &[&str]); 16] = [
        (
            "issuer = \"https://x.test\"\n[jwt.validators.tenants.tenants.a]\n\
             issuer = \"https://a.test\"\nsecret_env = \"NOPE_NOT_SET\"\n",
            &[
                "`jwt.validators.tenants.issuer`: a tenants validator takes its issuers",
                "`jwt.validators.tenants.tenants.a.secret_env`: environment variable",
            ],
        ),
        (
            "[jwt.validators.tenants.tenants.a]\njwks_uri = \"http://127.0.0.1:9/jwks\"\n",
            &["`jwt.validators.tenants.tenants.a.issuer`: required"],
        ),
        (
            "[jwt.validators.tenants.tenants.a]\nissuer = \"https://a.test\"\n",
            &["`jwt.validators.tenants.tenants.a`: no key source"],
        ),
        (
            "issuer_template = \"https://login.test/v2.0\"\njwks_uri = \"http://127.0.0.1:9/k\"\n",
            &["`jwt.validators.tenants.issuer_template`: must hold `{tenant}`"],
        ),
        (
            "issuer_template = \"https://login.test/{tenant}/v2.0\"\n",
            &["`jwt.validators.tenants.issuer_template`: needs the validator's own key source"],
        ),
        (
            "trust = \"nobody\"\n",
            &["`jwt.validators.tenants.trust`: names the trust hook `nobody`, which is not registered"],
        ),
        (
            "issuer_template = \"https://login.test/{tenant}/{tenant}\"\njwks_uri = \"http://127.0.0.1:9/k\"\n",
            &["`jwt.validators.tenants.issuer_template`: must hold `{tenant}` once"],
        ),
        (
            "issuer_template = \"{tenant}.login.test\"\njwks_uri = \"http://127.0.0.1:9/k\"\n",
            &["`jwt.validators.tenants.issuer_template`: must start with the issuer's scheme and host"],
        ),
        (
            "issuer_template = \"https://login.test/{tenant}\"\njwks_uri = \"http://127.0.0.1:9/k\"\n\
             tenant_claim = \"\"\n",
            &["`jwt.validators.tenants.tenant_claim`: cannot be empty"],
        ),
        (
            "jwks_uri = \"http://127.0.0.1:9/k\"\ntenant_claim = \"tid\"\ntenant_cache_size = 5\n\
             [jwt.validators.tenants.tenants.a]\nissuer = \"https://a.test\"\njwks_uri = \"http://127.0.0.1:9/a\"\n",
            &[
                "`jwt.validators.tenants.jwks_uri`: a tenants validator takes each issuer's key from its table",
                "`jwt.validators.tenants.tenant_claim`: applies only with `issuer_template`",
                "`jwt.validators.tenants.tenant_cache_size`: applies only with `trust`",
            ],
        ),
        (
            "trust = \"\"\n",
            &["`jwt.validators.tenants.trust`: names the hook registered with `Warden::tenant_trust`"],
        ),
        (
            "trust = \"directory\"\ntenant_cache_size = 0\n",
            &["`jwt.validators.tenants.tenant_cache_size`: between 1 and 1000000"],
        ),
        (
            "tenants = { a = 1 }\n",
            &["`jwt.validators.tenants.tenants.a`: expected a table, found a number"],
        ),
        (
            "[jwt.validators.tenants.tenants.\"a.b\"]\nissuer = \"https://a.test\"\njwks_uri = \"http://127.0.0.1:9/a\"\n",
            &["`jwt.validators.tenants.tenants.a.b`: a tenant's name cannot be empty or hold `.`"],
        ),
        (
            "tenants = {}\n",
            &["`jwt.validators.tenants.tenants`: names no issuer: add a table per issuer, `issuer_template` or `trust`"],
        ),
        (
            "issuer = \"https://x.test\"\nsecret = \"a shared secret of enough length here\"\n\
             tenant_claim = \"tid\"\ntenant_cache_size = 5\n",
            &[
                "`jwt.validators.tenants.tenant_claim`: applies only with `issuer_template`",
                "`jwt.validators.tenants.tenant_cache_size`: applies only with `trust`",
            ],
        ),
    ];
    for (body, messages) in cases {
        let config = tenants_validator(body);
        assert_aborts(rocket_with_clock(&config, routes![jwt], &clock), messages).await;
    }
    let config = tenants_validator(
        "[jwt.validators.tenants.tenants.a]\nissuer = \"https://a.test\"\njwks_uri = \"http://127.0.0.1:9/a\"\n\
         [jwt.validators.tenants.tenants.b]\nissuer = \"https://a.test\"\njwks_uri = \"http://127.0.0.1:9/b\"\n\
         [jwt.validators.tenants.tenants.c]\nissuer = \"https://c.test\"\njwks_uri = \"http://127.0.0.1:9/c\"\nisuer = 1\n",
    );
    assert_aborts(
        rocket_with_clock(&config, routes![jwt], &clock),
        &[
            "`jwt.validators.tenants.tenants.b.issuer`: another tenant has this issuer",
            "`jwt.validators.tenants.tenants.c.isuer`: unknown key `isuer`, did you mean `issuer`?",
        ],
    )
    .await;
}
