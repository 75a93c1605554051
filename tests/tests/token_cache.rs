//! The validated-token cache: a token verifies once per validator, later
//! requests are served from the cache with their time claims and their key
//! checked again, and `token_cache_size` and `token_cache_max_bytes` bound
//! it (`token_cache_size = 0` turns it off).

mod remote_support;
mod support;

use rocket::error::ErrorKind;
use rocket::futures::FutureExt as _;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use rocket_warden::clock::{Clock as _, ManualClock};
use rocket_warden::jsonwebtoken::Algorithm;
use rocket_warden::limits::{
    DEFAULT_TOKEN_CACHE_MAX_BYTES, DEFAULT_TOKEN_CACHE_SIZE, MAX_TOKEN_BYTES,
};
use rocket_warden::state::{TokenCacheStats, Validators};
use rocket_warden::testing::{JwksServer, TestKey};
use rocket_warden::{jwt_auth, Jwt};
use serde_json::{json, Value};

use remote_support::*;
use support::{claims, claims_with, get, jwt, keys, mint, validator, Refusal, ISSUER};

const MAIN: &str = "main";

/// The cache counters of validator `name`; `None` when its cache is off.
fn cache_stats(client: &Client, name: &str) -> Option<TokenCacheStats> {
    client
        .rocket()
        .state::<Validators>()
        .and_then(|validators| validators.get(name))
        .expect("a configured validator")
        .token_cache_stats()
}

async fn status(client: &Client, path: &str, token: &str) -> Status {
    get(client, path, Some(token)).await.status()
}

/// Claims valid for `secs` seconds by `clock`.
fn claims_for(clock: &ManualClock, secs: u64) -> Value {
    let now = clock.now_secs();
    json!({ "iss": ISSUER, "sub": "alice", "iat": now, "exp": now + secs })
}

#[rocket::async_test]
async fn a_token_verifies_once_and_is_then_served_from_the_cache() {
    let client = support::client(&validator(MAIN, Algorithm::HS256, ""), routes![jwt]).await;
    let token = mint(Algorithm::HS256, &claims());
    for _ in 0..3 {
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    }
    let stats = cache_stats(&client, MAIN).expect("on by default");
    assert_eq!((stats.misses, stats.hits, stats.entries), (1, 2, 1));
    assert!(stats.capacity >= DEFAULT_TOKEN_CACHE_SIZE as u64);
}

/// Rocket boxes every guard's future; for a cache hit the guard's work is
/// done before that, and the future it hands back holds the outcome alone,
/// where a miss's holds the work still to do.
#[rocket::async_test]
async fn a_cache_hit_hands_rocket_a_future_holding_only_its_outcome() {
    let client = support::client(&validator(MAIN, Algorithm::HS256, ""), routes![jwt]).await;
    let token = mint(Algorithm::HS256, &claims());
    let outcome = support::settled_size();
    let mut sizes = Vec::new();
    for _ in 0..2 {
        let (size, accepted) = support::one_guard(&client, &token).await;
        sizes.push(size);
        let jwt = accepted.succeeded().expect("accepted");
        assert_eq!(jwt["sub"], "alice");
    }
    let stats = cache_stats(&client, MAIN).expect("on by default");
    assert_eq!((stats.misses, stats.hits), (1, 1));
    assert!(
        sizes[0] > outcome,
        "the miss's future: {sizes:?}, outcome {outcome}"
    );
    assert!(
        sizes[1] <= outcome,
        "the hit's future: {sizes:?}, outcome {outcome}"
    );
}

#[rocket::async_test]
async fn a_cached_tokens_signature_on_other_claims_is_refused() {
    let client = support::client(&validator(MAIN, Algorithm::HS256, ""), routes![jwt]).await;
    let token = mint(Algorithm::HS256, &claims());
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);

    // Mallory's claims, under the signature the cache knows.
    let mallory = mint(Algorithm::HS256, &claims_with(json!({"sub": "mallory"})));
    let (signed, _) = mallory.rsplit_once('.').expect("three parts");
    let (_, signature) = token.rsplit_once('.').expect("three parts");
    Refusal::of(get(&client, "/jwt", Some(&format!("{signed}.{signature}"))).await)
        .await
        .assert_invalid_token(MAIN, "invalid signature");
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
}

#[rocket::async_test]
async fn refused_tokens_are_never_cached() {
    let client = support::client(&validator(MAIN, Algorithm::HS256, ""), routes![jwt]).await;
    let expired = mint(Algorithm::HS256, &claims_with(json!({"exp": 1})));
    let forged = format!("{}x", mint(Algorithm::HS256, &claims()));
    for token in [&expired, &forged, &expired] {
        assert_eq!(status(&client, "/jwt", token).await, Status::Unauthorized);
    }
    let stats = cache_stats(&client, MAIN).expect("on by default");
    assert_eq!((stats.hits, stats.entries), (0, 0));
}

#[rocket::async_test]
async fn a_cached_token_is_refused_once_it_expires() {
    let clock = ManualClock::now();
    let config = validator(MAIN, Algorithm::HS256, "leeway_secs = 5");
    let client = client_with_clock(&config, routes![jwt], &clock).await;
    let token = mint(Algorithm::HS256, &claims_for(&clock, 60));
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);

    // Still inside the leeway: served from the cache.
    advance(&clock, 65);
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    assert_eq!(cache_stats(&client, MAIN).map(|s| s.hits), Some(1));

    advance(&clock, 1);
    Refusal::of(get(&client, "/jwt", Some(&token)).await)
        .await
        .assert_invalid_token(MAIN, "token expired");
    let stats = cache_stats(&client, MAIN).expect("on by default");
    assert_eq!(stats.entries, 0, "the expired entry is dropped");
}

#[rocket::async_test]
async fn a_cached_token_is_refused_when_the_clock_is_before_its_nbf() {
    let clock = ManualClock::now();
    let config = validator(MAIN, Algorithm::HS256, "");
    let client = client_with_clock(&config, routes![jwt], &clock).await;
    let mut claims = claims_for(&clock, 3600);
    claims["nbf"] = json!(clock.now_secs());
    claims["iat"] = Value::Null;
    let token = mint(Algorithm::HS256, &claims);
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);

    clock.set_secs(clock.now_secs() - 60);
    Refusal::of(get(&client, "/jwt", Some(&token)).await)
        .await
        .assert_invalid_token(MAIN, "token not yet valid");
}

#[rocket::async_test]
async fn each_validator_checks_a_token_for_itself() {
    // Same secret and issuer; `strict` also wants an `email` claim.
    let config = format!(
        "{}{}",
        validator(MAIN, Algorithm::HS256, ""),
        validator("strict", Algorithm::HS256, "required_claims = [\"email\"]"),
    );
    let client = support::client(&config, routes![any_token, strict_token]).await;
    let token = mint(Algorithm::HS256, &claims());
    assert_eq!(status(&client, "/any", &token).await, Status::Ok);
    Refusal::of(get(&client, "/strict", Some(&token)).await)
        .await
        .assert_invalid_token("strict", "missing required claim `email`");
    assert_eq!(cache_stats(&client, "strict").map(|s| s.entries), Some(0));
}

#[jwt_auth(validator = "main")]
#[rocket::get("/any")]
fn any_token(auth: Jwt) -> String {
    auth.validator().to_owned()
}

#[jwt_auth(validator = "strict")]
#[rocket::get("/strict")]
fn strict_token(auth: Jwt) -> String {
    auth.validator().to_owned()
}

#[rocket::async_test]
async fn token_cache_size_zero_turns_the_cache_off() {
    let config = validator(MAIN, Algorithm::HS256, "token_cache_size = 0");
    let client = support::client(&config, routes![jwt]).await;
    let token = mint(Algorithm::HS256, &claims());
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    assert_eq!(cache_stats(&client, MAIN), None);
}

#[rocket::async_test]
async fn token_cache_size_bounds_the_entries() {
    let config = validator(MAIN, Algorithm::HS256, "token_cache_size = 4");
    let client = support::client(&config, routes![jwt]).await;
    for n in 0..40 {
        let token = mint(Algorithm::HS256, &claims_with(json!({ "n": n })));
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    }
    let stats = cache_stats(&client, MAIN).expect("on");
    assert_eq!(stats.misses, 40);
    assert!(
        stats.entries as u64 <= stats.capacity && stats.capacity < 40,
        "{stats:?}"
    );
}

/// Claims padded with `pad` bytes of text (a token of about 4/3 of that).
fn padded(n: usize, pad: usize) -> Value {
    claims_with(json!({ "n": n, "pad": "x".repeat(pad) }))
}

#[rocket::async_test]
async fn large_tokens_never_make_the_cache_exceed_its_byte_bound() {
    let config = validator(MAIN, Algorithm::HS256, "token_cache_max_bytes = 1048576");
    let client = support::client(&config, routes![jwt]).await;
    let tokens = 200;
    for n in 0..tokens {
        // About 7 KiB: near `MAX_TOKEN_BYTES`, so 200 of them hold well over 1 MiB.
        let token = mint(Algorithm::HS256, &padded(n, 5000));
        assert!(token.len() > 6 * 1024 && token.len() <= MAX_TOKEN_BYTES);
        // The second request is served from the cache: large tokens are cached.
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
        let stats = cache_stats(&client, MAIN).expect("on");
        assert!(stats.weight <= stats.max_bytes, "{stats:?}");
    }
    let stats = cache_stats(&client, MAIN).expect("on");
    assert_eq!((stats.misses, stats.hits), (tokens as u64, tokens as u64));
    assert_eq!(stats.max_bytes, 1_048_576);
    assert_eq!(stats.capacity, DEFAULT_TOKEN_CACHE_SIZE as u64);
    // Each entry weighs at least its token: the byte bound evicted most of them.
    assert!(
        stats.entries > 0 && stats.entries < 1_048_576 / (6 * 1024),
        "{stats:?}"
    );
    assert!(stats.weight >= stats.entries as u64 * 6 * 1024, "{stats:?}");
}

#[rocket::async_test]
async fn small_tokens_are_bounded_by_count_as_before() {
    let client = support::client(&validator(MAIN, Algorithm::HS256, ""), routes![jwt]).await;
    let tokens = 300;
    for n in 0..tokens {
        let token = mint(Algorithm::HS256, &claims_with(json!({ "n": n })));
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    }
    let stats = cache_stats(&client, MAIN).expect("on by default");
    // Far under both bounds: every token is kept, each charged one slot of
    // the count bound (its bytes are fewer).
    assert_eq!(stats.entries, tokens);
    assert_eq!(stats.max_bytes, DEFAULT_TOKEN_CACHE_MAX_BYTES);
    let slot = DEFAULT_TOKEN_CACHE_MAX_BYTES.div_ceil(DEFAULT_TOKEN_CACHE_SIZE as u64);
    assert_eq!(stats.weight, slot * tokens as u64, "{stats:?}");
}

#[rocket::async_test]
async fn token_cache_size_still_bounds_the_entries_under_the_byte_bound() {
    let config = validator(
        MAIN,
        Algorithm::HS256,
        "token_cache_size = 3
token_cache_max_bytes = 1073741824",
    );
    let client = support::client(&config, routes![jwt]).await;
    for n in 0..30 {
        let token = mint(Algorithm::HS256, &claims_with(json!({ "n": n })));
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
        let stats = cache_stats(&client, MAIN).expect("on");
        assert!(stats.entries <= 3, "{stats:?}");
    }
}

#[rocket::async_test]
async fn a_single_slot_cache_still_keeps_one_token() {
    let config = validator(MAIN, Algorithm::HS256, "token_cache_size = 1");
    let client = support::client(&config, routes![jwt]).await;
    let token = mint(Algorithm::HS256, &claims());
    for _ in 0..2 {
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    }
    let stats = cache_stats(&client, MAIN).expect("on");
    assert_eq!((stats.entries, stats.hits), (1, 1), "{stats:?}");
}

#[rocket::async_test]
async fn a_negative_token_cache_size_aborts_launch() {
    let config = validator(MAIN, Algorithm::HS256, "token_cache_size = -1");
    let (log, result) = support::logged(support::rocket(&config, routes![jwt]).ignite()).await;
    let error = result.expect_err("launch must abort");
    assert!(matches!(error.kind(), ErrorKind::FailedFairings(_)));
    assert!(
        log.contains("`jwt.validators.main.token_cache_size`"),
        "the log names the validator and key: {log}"
    );
}

/// A client whose `remote` validator takes RS256 from `server`.
async fn remote_client(server: &JwksServer, clock: &ManualClock, extra: &str) -> Client {
    let config = remote_validator("remote", &server.jwks_uri(), r#"["RS256"]"#, extra);
    client_with_clock(&config, routes![jwt], clock).await
}

#[rocket::async_test]
async fn a_token_whose_key_left_the_key_set_is_no_longer_served() {
    let (old, new) = (rsa("old"), rsa_other("new"));
    let server = JwksServer::start(&[&old]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let old_token = old.mint(&claims_at(&clock));
    assert_eq!(status(&client, "/jwt", &old_token).await, Status::Ok);
    assert_eq!(status(&client, "/jwt", &old_token).await, Status::Ok);
    assert_eq!(cache_stats(&client, "remote").map(|s| s.hits), Some(1));

    // The provider rotates; a token of the new key makes the set refetch.
    server.rotate(&[&new]);
    assert_eq!(
        status(&client, "/jwt", &new.mint(&claims_at(&clock))).await,
        Status::Ok
    );
    Refusal::of(get(&client, "/jwt", Some(&old_token)).await)
        .await
        .assert_invalid_token("remote", "no key matches the token");
    let stats = cache_stats(&client, "remote").expect("on");
    assert_eq!(stats.entries, 1, "only the new key's token is left");
}

#[rocket::async_test]
async fn a_refetched_set_that_kept_the_key_keeps_its_tokens_cached() {
    let (kept, added) = (rsa("kept"), rsa_other("added"));
    let server = JwksServer::start(&[&kept]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let token = kept.mint(&claims_at(&clock));
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);

    server.rotate(&[&kept, &added]);
    assert_eq!(
        status(&client, "/jwt", &added.mint(&claims_at(&clock))).await,
        Status::Ok
    );
    assert_eq!(server.fetches(), 2);
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    let stats = cache_stats(&client, "remote").expect("on");
    assert_eq!((stats.hits, stats.misses), (1, 2), "{stats:?}");
}

/// The cache keeps a token but for the end of its signature (its last 43
/// characters, hashed into the key). With an RSA public exponent under
/// 65537 (here 3), the rest of a signature could give that end away
/// (Coppersmith's method), so such a key's tokens are verified on every
/// request and never kept, whether the key is configured or fetched; the
/// usual exponent's tokens, from the same key set, are kept.
#[rocket::async_test]
async fn tokens_of_an_rsa_key_with_a_small_exponent_are_never_kept() {
    let small = TestKey::from_pem(Algorithm::RS256, Some("e3"), keys::RSA_E3_PRIVATE)
        .expect("the exponent-3 key signs");
    let usual = rsa("usual");
    let clock = clock();
    let assert_kept = |client: &Client, name: &str, expected: (u64, u64, usize)| {
        let stats = cache_stats(client, name).expect("on by default");
        assert_eq!(
            (stats.misses, stats.hits, stats.entries),
            expected,
            "{name}"
        );
    };

    let configured = format!(
        "[jwt.validators.{MAIN}]\nissuer = {ISSUER:?}\nalgorithms = [\"RS256\"]\n\
         public_key_pem = '''\n{}'''\n",
        keys::RSA_E3_PUBLIC
    );
    let client = support::client(&configured, routes![jwt]).await;
    let token = small.mint(&claims_at(&clock));
    for _ in 0..3 {
        assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);
    }
    assert_kept(&client, MAIN, (3, 0, 0));

    let server = JwksServer::start(&[&small, &usual]).await;
    let client = remote_client(&server, &clock, "").await;
    let (small_token, usual_token) = (
        small.mint(&claims_at(&clock)),
        usual.mint(&claims_at(&clock)),
    );
    for _ in 0..3 {
        assert_eq!(status(&client, "/jwt", &small_token).await, Status::Ok);
    }
    assert_kept(&client, "remote", (3, 0, 0));
    for _ in 0..3 {
        assert_eq!(status(&client, "/jwt", &usual_token).await, Status::Ok);
    }
    assert_kept(&client, "remote", (4, 2, 1));
}

/// With the keys due for a refresh and the provider hanging, a request for
/// `token` is answered 200 in its first poll: it did not wait for the
/// refresh it started, which cannot finish while the server hangs.
async fn assert_refresh_does_not_delay(extra: &str) {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.cache_control(Some("max-age=100"));
    let clock = clock();
    let extra = format!("jwks_min_cache_secs = 10\n{extra}");
    let client = remote_client(&server, &clock, &extra).await;
    let token = key.mint(&claims_for(&clock, 3600));
    assert_eq!(status(&client, "/jwt", &token).await, Status::Ok);

    server.hang();
    advance(&clock, 90);
    let response = get(&client, "/jwt", Some(&token))
        .now_or_never()
        .expect("answered without waiting");
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(stats(&client, "remote").background_refreshes, 2);
    server.wait_for_fetches(2).await;
    server.release();
}

#[rocket::async_test]
async fn a_due_key_refresh_never_delays_a_cached_token() {
    assert_refresh_does_not_delay("").await;
}

#[rocket::async_test]
async fn a_due_key_refresh_never_delays_a_token_whose_key_is_cached() {
    assert_refresh_does_not_delay("token_cache_size = 0").await;
}
