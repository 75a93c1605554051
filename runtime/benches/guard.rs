//! The cost of authentication per request: the whole guard path (the
//! `Authorization` header to the policy decision and the handler's claims),
//! beside a bare `jsonwebtoken::decode` of the same token with the same key,
//! for HS256, RS256, ES256 and EdDSA, with the validated-token cache off
//! (cold: every request verifies) and warm (the token verified before).
//!
//! A row adds a DPoP proof (RFC 9449) to the warm RS256 guard: the
//! token bound to the client's ES256 key, an ES256 proof checked per call.
//! Rows for tenants validators (HS256, cache off, so every call looks the
//! issuer up) among 1, 10 and 1,000 issuers sit beside the plain HS256 cold
//! guard, and an introspection validator's cache hit beside the warm HS256
//! guard (its endpoint, a Rocket on 127.0.0.1, is asked once).
//!
//! The bare decode is measured twice: into a `Map` of every claim (the
//! baseline of the earlier figures) and into the handler's claims struct,
//! which is what an application's own guard decodes, and is faster.
//!
//! `cargo bench -p rocket_warden --bench guard` runs it; after criterion's
//! own report it prints a table of the ratios, from the same samples. With
//! `--features metrics` every row also records its metrics, into the
//! Prometheus exporter's recorder, installed first as an application would;
//! with `--features cookies` a row of cookie mode joins them (a request that
//! carries only the authentication cookie), and with `--features sqlite` a
//! row of a token of the application's own provider, whose revocation list
//! asks its SQLite store on every call.
//! Each guard runs on a fresh request (Rocket caches a decision per request);
//! the cost of making and dropping one is measured alone and taken off.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use criterion::{criterion_group, Criterion};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rocket::figment::providers::{Format as _, Toml};
use rocket::figment::Figment;
use rocket::futures::future::{self, BoxFuture};
use rocket::http::Header as HttpHeader;
use rocket::local::asynchronous::{Client, LocalRequest};
use rocket::request::FromRequest;
use rocket::tokio::runtime::Runtime;
// What `#[jwt_auth]` expands to (not a public API): the policies below mirror it.
use rocket_warden::__private_v0_1_0::ValidatorSlot;
use rocket_warden::dpop::{ReplayStore, StoreUnavailable};
use rocket_warden::policy::{Policy, RoutePolicy};
use rocket_warden::revocation::DenyList;
use rocket_warden::{Jwt, Warden};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

const ISSUER: &str = "https://id.example.com";
const AUDIENCE: &str = "orders";
const SECRET: &str = "a-benchmark-secret-of-thirty-two-bytes!";

/// The test suite's keys (development only).
mod pem {
    pub(crate) const RSA_PRIVATE: &str = include_str!("../../tests/keys/rsa.key");
    pub(crate) const RSA_PUBLIC: &str = include_str!("../../tests/keys/rsa.pub");
    pub(crate) const EC_PRIVATE: &str = include_str!("../../tests/keys/ec-p256.key");
    pub(crate) const EC_PUBLIC: &str = include_str!("../../tests/keys/ec-p256.pub");
    pub(crate) const ED_PRIVATE: &str = include_str!("../../tests/keys/ed25519.key");
    pub(crate) const ED_PUBLIC: &str = include_str!("../../tests/keys/ed25519.pub");
}

/// What a handler would take from the token.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Claims {
    sub: String,
    scope: String,
}

/// One algorithm under test: its validators (cache off and on), keys and token.
struct Case {
    alg: Algorithm,
    name: &'static str,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The validator's key setting in `Rocket.toml`.
    setting: String,
}

fn cases() -> Vec<Case> {
    let setting = |pem: &str| format!("public_key_pem = '''\n{pem}'''");
    let parse = "the test keys parse";
    vec![
        Case {
            alg: Algorithm::HS256,
            name: "hs",
            encoding: EncodingKey::from_secret(SECRET.as_bytes()).expect("a usable HMAC secret"),
            decoding: DecodingKey::from_secret(SECRET.as_bytes()).expect("a usable HMAC secret"),
            setting: format!("secret = {SECRET:?}"),
        },
        Case {
            alg: Algorithm::RS256,
            name: "rs",
            encoding: EncodingKey::from_rsa_pem(pem::RSA_PRIVATE.as_bytes()).expect(parse),
            decoding: DecodingKey::from_rsa_pem(pem::RSA_PUBLIC.as_bytes()).expect(parse),
            setting: setting(pem::RSA_PUBLIC),
        },
        Case {
            alg: Algorithm::ES256,
            name: "es",
            encoding: EncodingKey::from_ec_pem(pem::EC_PRIVATE.as_bytes()).expect(parse),
            decoding: DecodingKey::from_ec_pem(pem::EC_PUBLIC.as_bytes()).expect(parse),
            setting: setting(pem::EC_PUBLIC),
        },
        Case {
            alg: Algorithm::EdDSA,
            name: "ed",
            encoding: EncodingKey::from_ed_pem(pem::ED_PRIVATE.as_bytes()).expect(parse),
            decoding: DecodingKey::from_ed_pem(pem::ED_PUBLIC.as_bytes()).expect(parse),
            setting: setting(pem::ED_PUBLIC),
        },
    ]
}

/// A token shaped like an OIDC provider's access token.
fn token(case: &Case) -> String {
    token_with(case, None)
}

/// [`token`], bound to a DPoP key's thumbprint when given (`cnf.jkt`).
fn token_with(case: &Case, jkt: Option<&str>) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "iss": ISSUER,
        "sub": "248289761001",
        "aud": AUDIENCE,
        "azp": "orders-web",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "c3a5a1d2-9b7e-4f7a-8e51-2f0d6b9c4e11",
        "scope": "openid profile email orders:read orders:write",
        "roles": ["customer", "beta"],
        "email": "jane.doe@example.com",
        "email_verified": true,
        "name": "Jane Doe",
        "tenant": "acme-eu-west",
    });
    let mut claims = claims;
    if let Some(jkt) = jkt {
        claims["cnf"] = json!({ "jkt": jkt });
    }
    let mut header = Header::new(case.alg);
    header.kid = Some("2024-rotation-a".to_owned());
    jsonwebtoken::encode(&header, &claims, &case.encoding).expect("the benchmark token signs")
}

/// Every validator: `<name>_cold` with the cache off, `<name>_warm` with it on.
fn config(cases: &[Case]) -> String {
    let mut config = String::new();
    for case in cases {
        for (suffix, cache) in [("cold", 0), ("warm", 1000)] {
            config.push_str(&format!(
                "[jwt.validators.{}_{suffix}]\nissuer = {ISSUER:?}\naudiences = [{AUDIENCE:?}]\n\
                 algorithms = [\"{:?}\"]\ntoken_cache_size = {cache}\n{}\n",
                case.name, case.alg, case.setting
            ));
        }
    }
    // The warm RS256 validator again, taking DPoP proofs (good for an hour,
    // so one proof signed at the start lasts the run).
    let rs = &cases[1];
    config.push_str(&format!(
        "[jwt.validators.rs_dpop]\nissuer = {ISSUER:?}\naudiences = [{AUDIENCE:?}]\n\
         algorithms = [\"RS256\"]\n{}\ndpop = \"allowed\"\ndpop_origin = {ORIGIN:?}\n\
         dpop_proof_max_age_secs = 3600\n",
        rs.setting
    ));
    config
}

/// The origin DPoP proofs name.
const ORIGIN: &str = "https://api.example.com";

/// A replay store that takes every proof as new, so that one proof can be
/// sent on every call: the figure is the proof's verification and the
/// binding, without the in-memory store's insert.
#[derive(Debug)]
struct AcceptEveryProof;

impl ReplayStore for AcceptEveryProof {
    fn first_use(
        &self,
        _: [u8; 32],
        _: u64,
        _: u64,
    ) -> BoxFuture<'_, Result<bool, StoreUnavailable>> {
        Box::pin(future::ready(Ok(true)))
    }
}

/// A token bound to the ES256 test key, and a DPoP proof by that key for
/// `GET /` with it.
fn dpop_token_and_proof(cases: &[Case]) -> (String, String) {
    let (rs, es) = (&cases[1], &cases[2]);
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&es.encoding, Algorithm::ES256)
        .expect("a public JWK");
    let jkt = jwk
        .thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
        .expect("a thumbprint");
    let token = token_with(rs, Some(&jkt));
    let mut jwk = serde_json::to_value(&jwk).expect("JWKs serialize");
    if let Value::Object(members) = &mut jwk {
        members.retain(|name, _| matches!(name.as_str(), "kty" | "crv" | "x" | "y"));
    }
    let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": jwk });
    let claims = json!({
        "jti": "e1j3V_bKic8-LAEB",
        "htm": "GET",
        "htu": format!("{ORIGIN}/"),
        "iat": jsonwebtoken::get_current_timestamp(),
        "ath": URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())),
    });
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let signed = format!("{}.{}", encode(&header), encode(&claims));
    let signature = jsonwebtoken::crypto::sign(signed.as_bytes(), &es.encoding, Algorithm::ES256)
        .expect("the proof signs");
    (token, format!("{signed}.{signature}"))
}

/// A route policy per validator, as `#[jwt_auth(validator = "…")]` makes
/// for a handler with one guard: with a slot of its own, so a request finds
/// its validator without looking its name up.
macro_rules! policies {
    ($($policy:ident => $validator:literal),* $(,)?) => {$(
        struct $policy;
        impl Policy for $policy {
            const POLICY: RoutePolicy = RoutePolicy::new().validator($validator);
            const ONE_GUARD: bool = true;

            fn validator_slot() -> Option<&'static ValidatorSlot> {
                static SLOT: ValidatorSlot = ValidatorSlot::new();
                Some(&SLOT)
            }
        }
    )*};
}

policies! {
    HsCold => "hs_cold", HsWarm => "hs_warm",
    RsCold => "rs_cold", RsWarm => "rs_warm",
    EsCold => "es_cold", EsWarm => "es_warm",
    EdCold => "ed_cold", EdWarm => "ed_warm",
    RsDpop => "rs_dpop",
    Tenants1 => "tenants_1", Tenants10 => "tenants_10", Tenants1000 => "tenants_1000",
    Introspected => "introspected",
}

/// The cookie-mode row (feature `cookies`): the warm HS256 validator again,
/// in cookie mode, on a request that carries only its authentication
/// cookie, which the guard decrypts, reads and issues again.
#[cfg(feature = "cookies")]
mod cookie_mode {
    use rocket::http::Cookie;

    use super::*;

    /// The row's id.
    pub(crate) const ID: &str = "hs/guard_cookie";

    /// The cookie's name.
    const NAME: &str = "bench_auth";

    policies! { HsCookie => "hs_cookie" }

    /// The validator.
    pub(crate) fn config(hs: &Case) -> String {
        format!(
            "[jwt.validators.hs_cookie]\nissuer = {ISSUER:?}\naudiences = [{AUDIENCE:?}]\n\
             algorithms = [\"HS256\"]\n{}\ncookie_enabled = true\ncookie_name = {NAME:?}\n\
             cookie_secure = false\n",
            hs.setting
        )
    }

    /// The cookie a browser would send back, as its value: issued by a
    /// request with `token`, encrypted as Rocket sends it.
    async fn issued(client: &Client, token: &str) -> String {
        let request = client
            .get("/")
            .header(HttpHeader::new("Authorization", format!("Bearer {token}")));
        let outcome = Jwt::<Claims, HsCookie>::from_request(&request).await;
        assert!(outcome.is_success(), "the benchmark token is accepted");
        let plain = request
            .inner()
            .cookies()
            .get_pending(NAME)
            .expect("cookie mode issues its cookie");
        let sealed = client.get("/").private_cookie(plain);
        let value = sealed.inner().cookies().get(NAME).expect("sealed").value();
        value.to_owned()
    }

    /// Benchmarks the cookie-mode row, each run on a fresh request.
    pub(crate) fn bench(c: &mut Criterion, runtime: &Runtime, client: &Client, token: &str) {
        let value = runtime.block_on(issued(client, token));
        bench_guard_on::<HsCookie>(c, runtime, ID, || {
            client.get("/").cookie(Cookie::new(NAME, value.clone()))
        });
    }
}

/// The row of an application that is its own provider (feature `sqlite`):
/// the warm RS256 guard, where the token's issuer is the provider's, so its
/// revocation list asks the SQLite store about the token's `jti` on every
/// call (`provider::store::sqlite`, one trip to SQLite's thread).
#[cfg(feature = "sqlite")]
mod provider_row {
    use rocket_db_pools::sqlx::SqlitePool;
    use rocket_db_pools::Database;
    use rocket_warden::provider::{Login, Provider, Users};

    use super::*;

    /// The row's id.
    pub(crate) const ID: &str = "rs/guard_warm_provider_sqlite";

    #[derive(Database)]
    #[database("bench_provider")]
    struct BenchDb(SqlitePool);

    /// No one signs in: the row's token comes from the benchmark's key.
    struct NoUsers;

    #[rocket::async_trait]
    impl Users for NoUsers {
        async fn signed_in(&self, _: &rocket::Request<'_>) -> Option<Login> {
            None
        }

        async fn claims(
            &self,
            _: &rocket::Request<'_>,
            _: &str,
            _: &[&str],
        ) -> Option<Map<String, Value>> {
            None
        }
    }

    /// Benchmarks the row on an application whose provider's issuer is the
    /// benchmark tokens' and whose store is a SQLite file in a directory
    /// of its own, removed afterwards.
    pub(crate) fn bench(c: &mut Criterion, runtime: &Runtime, cases: &[Case]) {
        let dir = std::env::temp_dir().join(format!("warden-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the database");
        let url = format!("sqlite://{}?mode=rwc", dir.join("provider.db").display());
        let settings = format!(
            "databases.bench_provider.url = {url:?}\n[jwt.provider]\nissuer = {ISSUER:?}\n{}",
            config(cases)
        );
        let rocket = rocket::custom(quiet_figment().merge(Toml::string(&settings)))
            .attach(BenchDb::init())
            .attach(Warden::fairing().replay_store(AcceptEveryProof))
            .attach(Provider::fairing(NoUsers).sqlite::<BenchDb>());
        let client = runtime
            .block_on(Client::untracked(rocket))
            .expect("the benchmark rocket launches");
        bench_guard::<RsWarm>(c, runtime, &client, ID, &token_of(cases, Algorithm::RS256));
        drop(client);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The tenant counts of the tenants rows.
const TENANT_COUNTS: [usize; 3] = [1, 10, 1000];

/// The id of the tenants row with `count` issuers.
fn tenants_id(count: usize) -> String {
    format!("tenants/guard_cold_{count}")
}

/// The id of the introspection row: a cache hit.
const INTROSPECTION: &str = "introspection/guard_hit";

/// Validators `tenants_<n>`: HS256 with the cache off, `n` issuers each with
/// its own secret, [`ISSUER`] the last of them.
fn tenants_config() -> String {
    let mut config = String::new();
    for count in TENANT_COUNTS {
        config.push_str(&format!(
            "[jwt.validators.tenants_{count}]\naudiences = [{AUDIENCE:?}]\n\
             algorithms = [\"HS256\"]\ntoken_cache_size = 0\n"
        ));
        for n in 1..count {
            config.push_str(&format!(
                "[jwt.validators.tenants_{count}.tenants.t{n}]\n\
                 issuer = \"https://tenant-{n}.example.com\"\n\
                 secret = \"another-benchmark-secret-number-{n:04}\"\n"
            ));
        }
        config.push_str(&format!(
            "[jwt.validators.tenants_{count}.tenants.bench]\nissuer = {ISSUER:?}\n\
             secret = {SECRET:?}\n"
        ));
    }
    config
}

/// Validator `introspected`, asking the endpoint at `url`.
fn introspection_config(url: &str) -> String {
    format!(
        "[jwt.validators.introspected]\nissuer = {ISSUER:?}\naudiences = [{AUDIENCE:?}]\n\
         algorithms = [\"RS256\"]\nintrospection = true\nintrospection_endpoint = {url:?}\n\
         client_id = \"bench\"\nclient_secret = \"bench-secret\"\n"
    )
}

/// The introspection endpoint: every token is active, with the benchmark
/// token's claims.
#[rocket::post("/introspect")]
fn introspect() -> rocket::serde::json::Json<Value> {
    let now = jsonwebtoken::get_current_timestamp();
    rocket::serde::json::Json(json!({
        "active": true, "iss": ISSUER, "sub": "248289761001", "aud": AUDIENCE,
        "scope": "openid profile email orders:read orders:write",
        "iat": now, "exp": now + 3600, "client_id": "orders-web",
    }))
}

/// Rocket's defaults, without logs; with feature `cookies` (whose private
/// cookies a release build refuses to run without), a secret key.
fn quiet_figment() -> Figment {
    let figment = Figment::from(rocket::Config::default()).merge(("log_level", "off"));
    #[cfg(feature = "cookies")]
    let figment = figment.merge(("secret_key", "07".repeat(32)));
    figment
}

/// [`introspect`] served on a free port of 127.0.0.1; its URL.
fn serve_introspection(runtime: &Runtime) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let figment = quiet_figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port));
    let (tx, rx) = std::sync::mpsc::channel();
    let lifted = rocket::fairing::AdHoc::on_liftoff("lifted", move |_| {
        let _ = tx.send(());
        Box::pin(async {})
    });
    let server = rocket::custom(figment)
        .attach(lifted)
        .mount("/", rocket::routes![introspect]);
    runtime.spawn(server.launch());
    rx.recv().expect("the endpoint lifts off");
    format!("http://127.0.0.1:{port}/introspect")
}

/// Mean time per iteration of each benchmark, over all criterion's samples.
static MEANS: Mutex<BTreeMap<String, (Duration, u64)>> = Mutex::new(BTreeMap::new());

fn record(id: &str, elapsed: Duration, iters: u64) {
    let mut means = MEANS.lock().unwrap_or_else(|e| e.into_inner());
    let entry = means.entry(id.to_owned()).or_default();
    entry.0 += elapsed;
    entry.1 += iters;
}

fn mean_nanos(id: &str) -> Option<f64> {
    let means = MEANS.lock().unwrap_or_else(|e| e.into_inner());
    let (total, iters) = means.get(id)?;
    Some(total.as_nanos() as f64 / (*iters).max(1) as f64)
}

/// Benchmarks guard `P` (validator `<case>_<mode>`) with `token` as a
/// bearer token; [`bench_request`] measures making and dropping the request alone.
fn bench_guard<P: Policy>(
    c: &mut Criterion,
    runtime: &Runtime,
    client: &Client,
    id: &str,
    token: &str,
) {
    let headers = [("Authorization", format!("Bearer {token}"))];
    bench_guard_with::<P>(c, runtime, client, id, &headers);
}

/// Benchmarks guard `P` on requests with `headers`, each run on a fresh
/// request.
fn bench_guard_with<P: Policy>(
    c: &mut Criterion,
    runtime: &Runtime,
    client: &Client,
    id: &str,
    headers: &[(&'static str, String)],
) {
    bench_guard_on::<P>(c, runtime, id, || {
        let mut request = client.get("/");
        for (name, value) in headers {
            request.add_header(HttpHeader::new(*name, value.clone()));
        }
        request
    });
}

/// Benchmarks guard `P` on the requests `make` makes, a fresh one each run.
fn bench_guard_on<'c, P: Policy>(
    c: &mut Criterion,
    runtime: &Runtime,
    id: &str,
    make: impl Fn() -> LocalRequest<'c>,
) {
    c.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let elapsed = runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let request = make();
                    let outcome = Jwt::<Claims, P>::from_request(&request).await;
                    assert!(
                        outcome.is_success(),
                        "the benchmark's credentials are accepted"
                    );
                    let _ = black_box(outcome);
                }
                start.elapsed()
            });
            record(id, elapsed, iters);
            elapsed
        })
    });
}

/// The id of the DPoP row: the warm RS256 guard with an ES256 proof.
const DPOP: &str = "rs/guard_warm_dpop_es256";

/// The id of the revocation row: the warm RS256 guard on an application
/// with one revocation list, the built-in in-memory [`DenyList`] holding a
/// thousand revoked `jti`s, asked about every request.
const REVOCATION: &str = "rs/guard_warm_revocation_list";

/// The baseline of [`bench_guard`]: the same request, made and dropped.
fn bench_request(c: &mut Criterion, client: &Client, token: &str) {
    let bearer = format!("Bearer {token}");
    c.bench_function(REQUEST, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let request = client
                    .get("/")
                    .header(HttpHeader::new("Authorization", bearer.clone()));
                black_box(&request);
            }
            let elapsed = start.elapsed();
            record(REQUEST, elapsed, iters);
            elapsed
        })
    });
}

/// The id of [`bench_request`].
const REQUEST: &str = "request/new_and_drop";

/// A bare `jsonwebtoken::decode` of `token` into `T`, with the issuer and
/// audience checked as the guard's validator checks them.
fn bench_bare<T: serde::de::DeserializeOwned>(
    c: &mut Criterion,
    id: &str,
    case: &Case,
    token: &str,
) {
    let mut validation = Validation::new(case.alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    c.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let decoded = jsonwebtoken::decode::<T>(token, &case.decoding, &validation);
                black_box(decoded.expect("the benchmark token decodes"));
            }
            let elapsed = start.elapsed();
            record(id, elapsed, iters);
            elapsed
        })
    });
}

fn guards(c: &mut Criterion) {
    #[cfg(feature = "metrics")]
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("the benchmark's only recorder");
    let runtime = Runtime::new().expect("a tokio runtime");
    let cases = cases();
    let url = serve_introspection(&runtime);
    #[allow(unused_mut)]
    let mut all = format!(
        "{}{}{}",
        config(&cases),
        tenants_config(),
        introspection_config(&url)
    );
    #[cfg(feature = "cookies")]
    all.push_str(&cookie_mode::config(&cases[0]));
    let figment = quiet_figment().merge(Toml::string(&all));
    let rocket = rocket::custom(figment).attach(Warden::fairing().replay_store(AcceptEveryProof));
    let client = runtime
        .block_on(Client::untracked(rocket))
        .expect("the benchmark rocket launches");
    bench_request(c, &client, &token(&cases[1]));
    for case in &cases {
        let token = token(case);
        let id = |what: &str| format!("{}/{what}", case.name);
        bench_bare::<Map<String, Value>>(c, &id("bare_decode"), case, &token);
        bench_bare::<Claims>(c, &id("bare_claims"), case, &token);
        match case.alg {
            Algorithm::HS256 => {
                bench_guard::<HsCold>(c, &runtime, &client, &id("guard_cold"), &token);
                bench_guard::<HsWarm>(c, &runtime, &client, &id("guard_warm"), &token);
            }
            Algorithm::RS256 => {
                bench_guard::<RsCold>(c, &runtime, &client, &id("guard_cold"), &token);
                bench_guard::<RsWarm>(c, &runtime, &client, &id("guard_warm"), &token);
            }
            Algorithm::ES256 => {
                bench_guard::<EsCold>(c, &runtime, &client, &id("guard_cold"), &token);
                bench_guard::<EsWarm>(c, &runtime, &client, &id("guard_warm"), &token);
            }
            _ => {
                bench_guard::<EdCold>(c, &runtime, &client, &id("guard_cold"), &token);
                bench_guard::<EdWarm>(c, &runtime, &client, &id("guard_warm"), &token);
            }
        }
    }
    let hs = token_of(&cases, Algorithm::HS256);
    bench_guard::<Tenants1>(c, &runtime, &client, &tenants_id(1), &hs);
    bench_guard::<Tenants10>(c, &runtime, &client, &tenants_id(10), &hs);
    bench_guard::<Tenants1000>(c, &runtime, &client, &tenants_id(1000), &hs);
    bench_guard::<Introspected>(c, &runtime, &client, INTROSPECTION, "an-opaque-token");

    #[cfg(feature = "cookies")]
    cookie_mode::bench(c, &runtime, &client, &hs);

    #[cfg(feature = "sqlite")]
    provider_row::bench(c, &runtime, &cases);

    let (token, proof) = dpop_token_and_proof(&cases);
    let headers = [("Authorization", format!("DPoP {token}")), ("DPoP", proof)];
    bench_guard_with::<RsDpop>(c, &runtime, &client, DPOP, &headers);

    let denied = DenyList::new();
    for n in 0..1000 {
        runtime
            .block_on(denied.revoke_token(&format!("revoked-{n}"), u64::MAX))
            .expect("an in-memory list takes every entry");
    }
    let figment = quiet_figment().merge(Toml::string(&config(&cases)));
    let warden = Warden::fairing()
        .replay_store(AcceptEveryProof)
        .revocation(denied);
    let revoking = runtime
        .block_on(Client::untracked(rocket::custom(figment).attach(warden)))
        .expect("the benchmark rocket launches");
    bench_guard::<RsWarm>(
        c,
        &runtime,
        &revoking,
        REVOCATION,
        &token_of(&cases, Algorithm::RS256),
    );
}

/// The benchmark token of the case with `alg`.
fn token_of(cases: &[Case], alg: Algorithm) -> String {
    token(cases.iter().find(|case| case.alg == alg).expect("a case"))
}

/// The table of ratios, from the means of the samples criterion took. A
/// guard's cost is its measurement less making and dropping the request.
#[allow(clippy::print_stdout)]
fn print_ratios() {
    let Some(request) = mean_nanos(REQUEST) else {
        return; // filtered out on the command line
    };
    let micros = |nanos: f64| format!("{:.2} µs", nanos / 1000.0);
    println!("\nguard path against bare jsonwebtoken::decode (means of all samples;");
    println!(
        "a Rocket request made and dropped, {}, taken off each guard)",
        micros(request)
    );
    println!("bare decode: into a Map of every claim; into the handler's claims struct (what a");
    println!("hand-written guard decodes); the guard's ratios are to each");
    println!(
        "{:<6} {:>6} {:>10} {:>10} {:>10} {:>13} {:>10} {:>13}",
        "alg",
        "bytes",
        "into Map",
        "into C",
        "cache off",
        "ratio Map/C",
        "cache warm",
        "ratio Map/C"
    );
    for case in cases() {
        let mean = |what: &str| mean_nanos(&format!("{}/{what}", case.name));
        let (Some(map), Some(claims), Some(cold), Some(warm)) = (
            mean("bare_decode"),
            mean("bare_claims"),
            mean("guard_cold"),
            mean("guard_warm"),
        ) else {
            continue;
        };
        let (cold, warm) = (cold - request, warm - request);
        let ratios = |guard: f64| format!("{:.2}× {:.2}×", guard / map, guard / claims);
        println!(
            "{:<6} {:>6} {:>10} {:>10} {:>10} {:>13} {:>10} {:>13}",
            format!("{:?}", case.alg),
            token(&case).len(),
            micros(map),
            micros(claims),
            micros(cold),
            ratios(cold),
            micros(warm),
            ratios(warm),
        );
    }
    if let (Some(listed), Some(warm)) = (mean_nanos(REVOCATION), mean_nanos("rs/guard_warm")) {
        let (listed, warm) = (listed - request, warm - request);
        println!(
            "RS256 warm with a revocation list: {} ({:.2}× the warm RS256 guard, {} more)",
            micros(listed),
            listed / warm,
            micros(listed - warm),
        );
    }
    #[cfg(feature = "sqlite")]
    if let (Some(own), Some(warm)) = (mean_nanos(provider_row::ID), mean_nanos("rs/guard_warm")) {
        let (own, warm) = (own - request, warm - request);
        println!(
            "RS256 warm, a token of the application's own provider (SQLite revocation lookup): {} \
             ({:.1}× the warm RS256 guard, {} more)",
            micros(own),
            own / warm,
            micros(own - warm),
        );
    }
    if let Some(plain) = mean_nanos("hs/guard_cold") {
        for count in TENANT_COUNTS {
            if let Some(tenants) = mean_nanos(&tenants_id(count)) {
                let (tenants, plain) = (tenants - request, plain - request);
                println!(
                    "HS256 cold, tenants validator among {count:>4} issuers: {} ({:.2}× the \
                     plain HS256 cold guard)",
                    micros(tenants),
                    tenants / plain,
                );
            }
        }
    }
    if let (Some(hit), Some(warm)) = (mean_nanos(INTROSPECTION), mean_nanos("hs/guard_warm")) {
        let (hit, warm) = (hit - request, warm - request);
        println!(
            "introspection cache hit: {} ({:.2}× the warm HS256 guard)",
            micros(hit),
            hit / warm,
        );
    }
    #[cfg(feature = "cookies")]
    if let (Some(cookie), Some(warm)) = (mean_nanos(cookie_mode::ID), mean_nanos("hs/guard_warm")) {
        let (cookie, warm) = (cookie - request, warm - request);
        println!(
            "HS256 cookie mode, the cookie restored and issued again: {} ({:.1}× the warm HS256 \
             guard)",
            micros(cookie),
            cookie / warm,
        );
    }
    if let (Some(dpop), Some(warm)) = (mean_nanos(DPOP), mean_nanos("rs/guard_warm")) {
        let (dpop, warm) = (dpop - request, warm - request);
        println!(
            "RS256 warm + an ES256 DPoP proof: {} ({:.1}× the warm RS256 guard, {} more)",
            micros(dpop),
            dpop / warm,
            micros(dpop - warm),
        );
    }
}

criterion_group!(benches, guards);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
