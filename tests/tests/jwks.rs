//! Remote keys from a `jwks_uri` served by a real HTTP server on 127.0.0.1:
//! rotation, single flight, cooldown, outages, broken answers, cache
//! lifetime, key selection. Time moves only through the manual clock.

mod remote_support;
mod support;

use rocket::futures::future::join_all;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use rocket_warden::clock::ManualClock;
use rocket_warden::jsonwebtoken::Algorithm;
use rocket_warden::testing::{JwksServer, TestKey};
use rocket_warden::Jwt;
use serde_json::{json, Value};

use remote_support::*;
use support::{get, jwt, logged, Refusal};

/// The `remote` validator's name and realm.
const REMOTE: &str = "remote";

/// A client whose only validator, `remote`, takes RS256 and ES256 from
/// `server` with `extra` settings; the server's first fetch has finished.
async fn remote_client(server: &JwksServer, clock: &ManualClock, extra: &str) -> Client {
    let config = remote_validator(REMOTE, &server.jwks_uri(), r#"["RS256", "ES256"]"#, extra);
    client_with_clock(&config, routes![jwt], clock).await
}

/// Asserts that `token` reaches the handler.
async fn assert_accepted(client: &Client, token: &str) {
    let response = get(client, "/jwt", Some(token)).await;
    assert_eq!(response.status(), Status::Ok);
}

/// Asserts a 401 `invalid_token` refusal with `description`.
async fn assert_refused(client: &Client, token: &str, description: &str) {
    Refusal::of(get(client, "/jwt", Some(token)).await)
        .await
        .assert_invalid_token(REMOTE, description);
}

/// Asserts the 503 of missing keys: no challenge, a JSON body, and a
/// `Retry-After` within the default 30 s cooldown.
async fn assert_unavailable(client: &Client, token: &str) {
    let response = get(client, "/jwt", Some(token)).await;
    let retry_after: Option<u64> = response
        .headers()
        .get_one("Retry-After")
        .and_then(|secs| secs.parse().ok());
    assert!(
        retry_after.is_some_and(|secs| (1..=30).contains(&secs)),
        "Retry-After {retry_after:?}"
    );
    let refusal = Refusal::of(response).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable, "{refusal:?}");
    assert_eq!(refusal.challenge, None, "no bearer challenge on a 503");
    assert_eq!(refusal.body["error"], "temporarily_unavailable");
    assert_eq!(
        refusal.body["error_description"],
        "the keys to verify the token are unavailable; try again later"
    );
}

/// A token from `key` naming another `kid`.
fn with_kid(key: &TestKey, kid: &str, clock: &ManualClock) -> String {
    let mut header = key.header();
    header.kid = Some(kid.to_owned());
    key.mint_with(&header, &claims_at(clock))
}

#[rocket::async_test]
async fn token_signed_with_a_published_key_is_accepted() {
    let (a, b) = (rsa("a"), ec("b"));
    let server = JwksServer::start(&[&a, &b]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_accepted(&client, &a.mint(&claims_at(&clock))).await;
    assert_accepted(&client, &b.mint(&claims_at(&clock))).await;
    assert_eq!(server.fetches(), 1, "one fetch, at launch");
    let stats = stats(&client, REMOTE);
    assert_eq!((stats.fetches, stats.failures, stats.keys), (1, 0, 2));
}

#[rocket::async_test]
async fn a_rotated_key_is_accepted_on_its_first_request() {
    let (old, new) = (rsa("old"), rsa_other("new"));
    let server = JwksServer::start(&[&old]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_accepted(&client, &old.mint(&claims_at(&clock))).await;

    server.rotate(&[&new]);
    assert_accepted(&client, &new.mint(&claims_at(&clock))).await;
    assert_eq!(server.fetches(), 2);
    // The old key left the set with the refetch.
    assert_refused(
        &client,
        &old.mint(&claims_at(&clock)),
        "no key matches the token",
    )
    .await;
}

#[rocket::async_test]
async fn a_flood_of_unknown_kids_fetches_once_per_cooldown() {
    let key = rsa("known");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "jwks_cooldown_secs = 30").await;
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;

    for n in 0..25 {
        let token = with_kid(&key, &format!("made-up-{n}"), &clock);
        assert_refused(&client, &token, "no key matches the token").await;
    }
    assert_eq!(server.fetches(), 2, "launch, then one refetch");
    assert_eq!(stats(&client, REMOTE).cooldown_hits, 24);

    advance(&clock, 29);
    assert_refused(
        &client,
        &with_kid(&key, "x", &clock),
        "no key matches the token",
    )
    .await;
    assert_eq!(server.fetches(), 2, "still cooling down");

    advance(&clock, 2);
    assert_refused(
        &client,
        &with_kid(&key, "y", &clock),
        "no key matches the token",
    )
    .await;
    assert_eq!(
        server.fetches(),
        3,
        "one more fetch once the cooldown is over"
    );
    // A known key never waits for the cooldown.
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;
}

#[rocket::async_test]
async fn concurrent_first_requests_share_one_fetch() {
    let key = ec("k");
    let server = JwksServer::start(&[&key]).await;
    server.hang();
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let token = key.mint(&claims_at(&clock));
    let requests = join_all((0..8).map(|_| get(&client, "/jwt", Some(&token))));
    let release = async {
        server.wait_for_fetches(1).await;
        server.release();
    };
    // `join!` polls the requests first: each is waiting before the release.
    let (responses, ()) = rocket::tokio::join!(requests, release);
    for response in responses {
        assert_eq!(response.status(), Status::Ok);
    }
    assert_eq!(server.fetches(), 1);
    assert_eq!(stats(&client, REMOTE).fetches, 1);
}

#[rocket::async_test]
async fn provider_down_at_launch_answers_503_and_other_validators_keep_serving() {
    #[rocket::get("/static")]
    fn static_route(_auth: Jwt<Value, StaticPolicy>) -> &'static str {
        "ok"
    }
    struct StaticPolicy;
    impl rocket_warden::policy::Policy for StaticPolicy {
        const POLICY: rocket_warden::policy::RoutePolicy =
            rocket_warden::policy::RoutePolicy::new().validator("main");
    }

    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.take_down().await;
    let clock = clock();
    let config = format!(
        "{}{}",
        remote_validator(REMOTE, &server.jwks_uri(), r#"["RS256"]"#, ""),
        support::validator("main", Algorithm::HS256, "")
    );
    let token = key.mint(&claims_at(&clock));
    let (logs, client) = logged(async {
        let client = client_with_clock(&config, routes![remote_route, static_route], &clock).await;
        let response = client
            .get("/remote")
            .header(support::bearer(&token))
            .dispatch();
        let refusal = Refusal::of(response.await).await;
        assert_eq!(refusal.status, Status::ServiceUnavailable);
        assert_eq!(refusal.body["error"], "temporarily_unavailable");
        client
    })
    .await;
    assert!(logs.contains("cannot connect to"), "{logs}");
    assert!(
        logs.contains("no keys yet, its routes answer 503"),
        "{logs}"
    );
    let static_token = support::mint(Algorithm::HS256, &claims_at(&clock));
    let response = client
        .get("/static")
        .header(support::bearer(&static_token))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);

    server.bring_up().await;
    advance(&clock, 31);
    let response = client
        .get("/remote")
        .header(support::bearer(&token))
        .dispatch()
        .await;
    assert_eq!(
        response.status(),
        Status::Ok,
        "keys are fetched once it is back"
    );
}

/// `GET /remote`, for validator `remote` beside another.
#[rocket::get("/remote")]
fn remote_route(_auth: Jwt<Value, RemotePolicy>) -> &'static str {
    "ok"
}

struct RemotePolicy;
impl rocket_warden::policy::Policy for RemotePolicy {
    const POLICY: rocket_warden::policy::RoutePolicy =
        rocket_warden::policy::RoutePolicy::new().validator(REMOTE);
}

#[rocket::async_test]
async fn without_keys_requests_are_refused_at_once_during_the_cooldown() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.take_down().await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let token = key.mint(&claims_at(&clock));
    // The first request waits for the launch fetch, or finds it failed.
    assert_unavailable(&client, &token).await;
    for _ in 0..10 {
        assert_unavailable(&client, &token).await;
    }
    let stats = stats(&client, REMOTE);
    assert_eq!(stats.fetches, 1, "no fetch during the cooldown");
    assert_eq!(stats.failures, 1);
    assert!(stats.cooldown_hits >= 10, "{stats:?}");
}

#[rocket::async_test]
async fn retry_after_counts_down_the_cooldown() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.take_down().await;
    let clock = clock();
    let client = remote_client(&server, &clock, "jwks_cooldown_secs = 40").await;
    let token = key.mint(&claims_at(&clock));
    let retry_after = |response: &rocket::local::asynchronous::LocalResponse<'_>| {
        response.headers().get_one("Retry-After").map(str::to_owned)
    };
    // The launch fetch failed on the clock's second: the cooldown runs 40 s.
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(retry_after(&response).as_deref(), Some("40"));
    advance(&clock, 25);
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(retry_after(&response).as_deref(), Some("15"));
}

#[rocket::async_test]
async fn cached_keys_keep_serving_through_an_outage() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.cache_control(Some("max-age=600"));
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;

    server.take_down().await;
    advance(&clock, 7200);
    // Past its lifetime: this request starts a refresh, which fails.
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;
    // An unknown kid waits for that refresh; the set cannot be confirmed: 503.
    assert_unavailable(&client, &with_kid(&key, "new", &clock)).await;
    let stats = stats(&client, REMOTE);
    assert!(stats.failures >= 1, "{stats:?}");
    // The stale key still verifies.
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;
}

#[rocket::async_test]
async fn a_slow_provider_times_out_and_no_request_is_stuck() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.hang();
    let clock = clock();
    let (logs, client) = logged(async {
        let client = remote_client(&server, &clock, "jwks_timeout_ms = 200").await;
        let token = key.mint(&claims_at(&clock));
        let responses = join_all((0..4).map(|_| get(&client, "/jwt", Some(&token)))).await;
        for response in responses {
            assert_eq!(response.status(), Status::ServiceUnavailable);
        }
        client
    })
    .await;
    assert!(logs.contains("did not answer in time"), "{logs}");
    assert_eq!(
        stats(&client, REMOTE).fetches,
        1,
        "the requests shared the one fetch"
    );
    server.release();
}

#[rocket::async_test]
async fn garbage_json_is_a_failed_fetch_that_keeps_the_cached_keys() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;

    server.serve_body("{\"keys\": [ this is not json");
    let (logs, ()) = logged(assert_unavailable(
        &client,
        &with_kid(&key, "other", &clock),
    ))
    .await;
    assert!(logs.contains("the key set is not valid JSON"), "{logs}");
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;
}

#[rocket::async_test]
async fn garbage_json_at_launch_answers_503() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.serve_body("<html>not a key set</html>");
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_unavailable(&client, &key.mint(&claims_at(&clock))).await;
}

#[rocket::async_test]
async fn an_oversized_key_set_is_refused() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.serve_oversized(20_000);
    let clock = clock();
    let (logs, client) = logged(async {
        let client = remote_client(&server, &clock, "jwks_max_bytes = 8192").await;
        assert_unavailable(&client, &key.mint(&claims_at(&clock))).await;
        client
    })
    .await;
    assert!(logs.contains("sent more than 8192 bytes"), "{logs}");
    assert_eq!(stats(&client, REMOTE).keys, 0);
}

#[rocket::async_test]
async fn an_oversized_key_set_without_a_length_is_cut_off() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.serve_oversized_chunked(20_000);
    let answer = reqwest_client()
        .get(server.jwks_uri())
        .send()
        .await
        .expect("the server answers");
    assert_eq!(answer.content_length(), None, "the size is not announced");
    let clock = clock();
    let (logs, _) = logged(async {
        let client = remote_client(&server, &clock, "jwks_max_bytes = 8192").await;
        assert_unavailable(&client, &key.mint(&claims_at(&clock))).await;
    })
    .await;
    assert!(logs.contains("sent more than 8192 bytes"), "{logs}");
}

#[rocket::async_test]
async fn a_404_is_a_failed_fetch() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.serve_status(404);
    let clock = clock();
    let (logs, _) = logged(async {
        let client = remote_client(&server, &clock, "").await;
        assert_unavailable(&client, &key.mint(&claims_at(&clock))).await;
    })
    .await;
    assert!(logs.contains("answered HTTP 404"), "{logs}");
}

#[rocket::async_test]
async fn cache_control_max_age_sets_when_keys_are_refreshed() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.cache_control(Some("public, max-age=100"));
    let clock = clock();
    let client = remote_client(&server, &clock, "jwks_min_cache_secs = 10").await;
    let token = key.mint(&claims_at(&clock));
    assert_accepted(&client, &token).await;

    // A refresh starts at four fifths of the lifetime: 80 s.
    advance(&clock, 79);
    assert_accepted(&client, &token).await;
    assert_eq!(
        stats(&client, REMOTE).background_refreshes,
        1,
        "only launch's"
    );
    assert_eq!(server.fetches(), 1);

    advance(&clock, 2);
    assert_accepted(&client, &token).await;
    assert_eq!(stats(&client, REMOTE).background_refreshes, 2);
    server.wait_for_fetches(2).await;
}

#[rocket::async_test]
async fn max_age_is_clamped_to_the_minimum_cache_lifetime() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.cache_control(Some("max-age=1"));
    let clock = clock();
    let client = remote_client(&server, &clock, "jwks_min_cache_secs = 60").await;
    let token = key.mint(&claims_at(&clock));
    assert_accepted(&client, &token).await;
    advance(&clock, 47);
    assert_accepted(&client, &token).await;
    assert_eq!(stats(&client, REMOTE).background_refreshes, 1);
    advance(&clock, 2);
    assert_accepted(&client, &token).await;
    assert_eq!(stats(&client, REMOTE).background_refreshes, 2);
}

#[rocket::async_test]
async fn without_cache_control_keys_live_for_jwks_cache_secs() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "jwks_cache_secs = 1000").await;
    let token = key.mint(&claims_at(&clock));
    assert_accepted(&client, &token).await;
    advance(&clock, 799);
    assert_accepted(&client, &token).await;
    assert_eq!(stats(&client, REMOTE).background_refreshes, 1);
    advance(&clock, 2);
    assert_accepted(&client, &token).await;
    assert_eq!(stats(&client, REMOTE).background_refreshes, 2);
}

#[rocket::async_test]
async fn the_tokens_kid_is_never_sent_upstream() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;
    assert_refused(
        &client,
        &with_kid(&key, "secret-kid", &clock),
        "no key matches the token",
    )
    .await;
    let requests = server.requests();
    assert_eq!(requests, ["/jwks", "/jwks"]);
}

#[rocket::async_test]
async fn unusable_keys_are_skipped_one_by_one() {
    let good = ec("good");
    let server = JwksServer::start_with(json!({ "keys": [
        // RFC 7520 §3.5: a symmetric key.
        { "kty": "oct", "kid": "018c0ae5-4d9b-471b-bfd6-eef314bc7037", "use": "sig",
          "alg": "HS256", "k": "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg" },
        // RFC 7520 §3.1: a P-521 key.
        { "kty": "EC", "kid": "bilbo.baggins@hobbiton.example", "use": "sig", "crv": "P-521",
          "x": "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
          "y": "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1" },
        // An encryption key, a private key, a key for other operations.
        json_with(&good.jwk(), json!({ "kid": "enc", "use": "enc" })),
        json_with(&good.jwk(), json!({ "kid": "private", "d": "AAAA" })),
        json_with(&good.jwk(), json!({ "kid": "ops", "key_ops": ["encrypt"] })),
        // A 1024-bit RSA key.
        { "kty": "RSA", "kid": "small", "e": "AQAB", "n": "ALZ9uYxr".repeat(21) },
        // Not even a key.
        "nonsense",
        good.jwk(),
    ]}))
    .await;
    let clock = clock();
    let (logs, client) = logged(async {
        let client = remote_client(&server, &clock, "").await;
        // The first request waits for the launch fetch, whose log this captures.
        assert_accepted(&client, &good.mint(&claims_at(&clock))).await;
        client
    })
    .await;
    assert_eq!(stats(&client, REMOTE).keys, 1);
    for reason in [
        "a symmetric key has no place in a public key set",
        "unsupported curve \"P-521\"",
        "`use` is \"enc\", not \"sig\"",
        "a private key has no place in a public key set",
        "`key_ops` does not include \"verify\"",
        "at least 2048 are required",
        "not a JSON object",
    ] {
        assert!(logs.contains(reason), "{reason:?} in {logs}");
    }
    // A token naming a skipped key is refused like any unknown kid.
    assert_refused(
        &client,
        &with_kid(&good, "enc", &clock),
        "no key matches the token",
    )
    .await;
}

/// `base` with `changes` merged in.
fn json_with(base: &Value, changes: Value) -> Value {
    let mut merged = base.clone();
    for (name, value) in changes.as_object().into_iter().flatten() {
        merged[name] = value.clone();
    }
    merged
}

#[rocket::async_test]
async fn a_token_without_kid_uses_the_only_key_fitting_its_algorithm() {
    let (rsa_key, ec_key) = (rsa("r"), ec("e"));
    let server = JwksServer::start(&[&rsa_key, &ec_key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let mut header = rsa_key.header();
    header.kid = None;
    assert_accepted(&client, &rsa_key.mint_with(&header, &claims_at(&clock))).await;
}

#[rocket::async_test]
async fn a_token_without_kid_is_refused_when_several_keys_fit() {
    let (a, b) = (rsa("a"), rsa_other("b"));
    let server = JwksServer::start(&[&a, &b]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let mut header = a.header();
    header.kid = None;
    let token = a.mint_with(&header, &claims_at(&clock));
    assert_refused(
        &client,
        &token,
        "the token has no `kid` and several keys fit",
    )
    .await;
    assert_eq!(server.fetches(), 1, "no refetch for an ambiguous token");
}

#[rocket::async_test]
async fn a_kid_whose_key_does_not_fit_the_algorithm_is_refused() {
    // The EC key's kid on an RS256 token: never verified with the wrong key type.
    let (rsa_key, ec_key) = (rsa("r"), ec("e"));
    let server = JwksServer::start(&[&ec_key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    let token = with_kid(&rsa_key, "e", &clock);
    assert_refused(&client, &token, "no key matches the token").await;
}

#[rocket::async_test]
async fn an_algorithm_off_the_allow_list_is_refused_before_any_fetch() {
    let key = ed("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let client = remote_client(&server, &clock, "").await;
    assert_refused(
        &client,
        &key.mint(&claims_at(&clock)),
        "algorithm not allowed",
    )
    .await;
    let stats = stats(&client, REMOTE);
    assert_eq!((stats.unknown_key_fetches, stats.cooldown_hits), (0, 0));
}

#[rocket::async_test]
async fn time_claims_are_checked_against_the_fairings_clock() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = ManualClock::at_secs(1_000_000_000);
    let client = remote_client(&server, &clock, "").await;
    let token = key.mint(&claims_at(&clock));
    assert_accepted(&client, &token).await;
    advance(&clock, 3601);
    assert_refused(&client, &token, "token expired").await;
}

#[rocket::async_test]
async fn a_replaced_http_client_fetches_the_keys() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let config = remote_validator(REMOTE, &server.jwks_uri(), r#"["RS256"]"#, "");
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(
            <rocket::figment::providers::Toml as rocket::figment::providers::Format>::string(
                &config,
            ),
        );
    let http = reqwest_client();
    let rocket = rocket::custom(figment)
        .attach(
            rocket_warden::Warden::fairing()
                .clock(clock.clone())
                .http_client(http),
        )
        .mount("/", routes![jwt]);
    let client = Client::tracked(rocket).await.expect("launches");
    assert_accepted(&client, &key.mint(&claims_at(&clock))).await;
}

/// A client as an application would build its own.
fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("my-app")
        .build()
        .expect("a client")
}

// Launch checks

async fn assert_launch_refused(config: &str, expected: &str) {
    let clock = clock();
    let (logs, result) = logged(rocket_with_clock(config, routes![jwt], &clock).ignite()).await;
    match result {
        Ok(_) => panic!("launch should abort for config:\n{config}"),
        // Inspecting the kind also defuses `rocket::Error`'s panic on drop.
        Err(error) => assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
            "{error:?}"
        ),
    }
    let expected = format!("invalid configuration: {expected}");
    assert!(logs.contains(&expected), "{expected:?} in {logs}");
}

#[rocket::async_test]
async fn hmac_algorithms_are_refused_with_remote_keys() {
    let config = remote_validator(REMOTE, "https://id.example.com/jwks", r#"["HS256"]"#, "");
    assert_launch_refused(
        &config,
        "`jwt.validators.remote.algorithms`: `HS256` needs a shared secret; a key set holds only public keys",
    )
    .await;
}

#[rocket::async_test]
async fn plain_http_to_another_host_is_refused() {
    let config = remote_validator(REMOTE, "http://id.example.com/jwks", r#"["RS256"]"#, "");
    assert_launch_refused(
        &config,
        "`jwt.validators.remote.jwks_uri`: must use https (plain http is accepted only for a loopback host)",
    )
    .await;
}

#[rocket::async_test]
async fn a_jwks_uri_that_is_not_a_url_is_refused() {
    let config = remote_validator(REMOTE, "not a url", r#"["RS256"]"#, "");
    assert_launch_refused(&config, "`jwt.validators.remote.jwks_uri`: not a URL").await;
}

#[rocket::async_test]
async fn jwks_uri_beside_another_key_source_is_refused() {
    let config = remote_validator(
        REMOTE,
        "https://id.example.com/jwks",
        r#"["RS256"]"#,
        "public_key_file = \"x.pem\"",
    );
    assert_launch_refused(
        &config,
        "`jwt.validators.remote.jwks_uri`: conflicts with `public_key_file`",
    )
    .await;
}

#[rocket::async_test]
async fn tuning_keys_without_remote_keys_are_refused() {
    let config = support::validator("main", Algorithm::HS256, "jwks_cooldown_secs = 5");
    assert_launch_refused(
        &config,
        "`jwt.validators.main.jwks_cooldown_secs`: applies only with `jwks_uri` or `discovery = true`",
    )
    .await;
}

#[rocket::async_test]
async fn out_of_range_tuning_keys_are_refused() {
    let config = remote_validator(
        REMOTE,
        "https://id.example.com/jwks",
        r#"["RS256"]"#,
        "jwks_timeout_ms = 0\njwks_min_cache_secs = 100\njwks_max_cache_secs = 10",
    );
    assert_launch_refused(
        &config,
        "`jwt.validators.remote.jwks_timeout_ms`: between 1 and 60000 milliseconds",
    )
    .await;
    assert_launch_refused(
        &config,
        "`jwt.validators.remote.jwks_min_cache_secs`: is more than `jwks_max_cache_secs` (10)",
    )
    .await;
    let config = remote_validator(
        REMOTE,
        "https://id.example.com/jwks",
        r#"["RS256"]"#,
        "jwks_max_cache_secs = 604801\njwks_cooldown_secs = 86401\njwks_max_bytes = 0",
    );
    for refused in [
        "`jwt.validators.remote.jwks_max_cache_secs`: at most 604800 seconds (a week)",
        "`jwt.validators.remote.jwks_cooldown_secs`: at most 86400 seconds",
        "`jwt.validators.remote.jwks_max_bytes`: between 1 and 16777216 bytes",
    ] {
        assert_launch_refused(&config, refused).await;
    }
}

#[rocket::async_test]
async fn every_key_type_of_a_set_verifies_its_algorithms() {
    let keys = [
        rsa("rsa"),
        ec("p256"),
        ec384("p384"),
        ed("ed25519"),
        TestKey::from_pem(
            Algorithm::PS256,
            Some("pss"),
            support::keys::RSA_OTHER_PRIVATE,
        )
        .expect("a PSS key"),
    ];
    let server = JwksServer::start(&keys.iter().collect::<Vec<_>>()).await;
    let clock = clock();
    let config = remote_validator(
        REMOTE,
        &server.jwks_uri(),
        r#"["RS256", "PS256", "ES256", "ES384", "EdDSA"]"#,
        "",
    );
    let client = client_with_clock(&config, routes![jwt], &clock).await;
    for key in &keys {
        let response = get(&client, "/jwt", Some(&key.mint(&claims_at(&clock)))).await;
        assert_eq!(response.status(), Status::Ok, "{key:?}");
    }
    assert_eq!(stats(&client, REMOTE).keys, 5);
}
