//! Revocation lists (`Warden::revocation`): asked about every verified
//! token, the validated-token cache's included; a list that cannot answer
//! refuses the request (fail closed).

mod support;

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use jsonwebtoken::Algorithm;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_warden::revocation::{Revocation, RevocationUnavailable};
use rocket_warden::Warden;
use serde_json::{json, Map, Value};

use support::{bearer, claims_with, get, mint, one_guard, validator, Refusal};

/// What the test list answers: 0 not revoked, 1 revoked, 2 unavailable.
#[derive(Debug, Clone, Default)]
struct Switch(Arc<AtomicU8>);

#[rocket::async_trait]
impl Revocation for Switch {
    async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
        match self.0.load(Ordering::SeqCst) {
            0 => Ok(false),
            1 => Ok(claims.get("jti").and_then(Value::as_str) == Some("revoked-one")),
            _ => Err(RevocationUnavailable),
        }
    }
}

/// An instance whose one validator, `api`, asks `list`.
async fn instance(list: impl Revocation) -> Client {
    let config = validator("api", Algorithm::HS256, "");
    let rocket = support::rocket_with(
        Warden::fairing().revocation(list),
        &config,
        rocket::routes![support::jwt],
    );
    Client::tracked(rocket).await.expect("launch")
}

/// Two tokens: the one the lists revoke (`jti` `revoked-one`), and another.
fn tokens() -> (String, String) {
    let revoked = mint(
        Algorithm::HS256,
        &claims_with(json!({"jti": "revoked-one"})),
    );
    let other = mint(Algorithm::HS256, &claims_with(json!({"jti": "another"})));
    (revoked, other)
}

#[tokio::test]
async fn a_revoked_token_is_refused_even_from_the_cache_and_an_unavailable_list_fails_closed() {
    let switch = Switch::default();
    let client = instance(switch.clone()).await;
    let (revoked, other) = tokens();
    for token in [&revoked, &other] {
        let response = client.get("/jwt").header(bearer(token)).dispatch().await;
        assert_eq!(response.status(), Status::Ok, "cached now");
    }
    switch.0.store(1, Ordering::SeqCst);
    let refusal = Refusal::of(get(&client, "/jwt", Some(&revoked)).await).await;
    assert_eq!(refusal.status, Status::Unauthorized);
    assert!(refusal
        .challenge
        .as_deref()
        .is_some_and(|c| c.contains("error=\"invalid_token\"")));
    assert_eq!(refusal.body["error_description"], "token revoked");
    let response = client.get("/jwt").header(bearer(&other)).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    switch.0.store(2, Ordering::SeqCst);
    let response = client.get("/jwt").header(bearer(&other)).dispatch().await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
}

/// A list that answers at once (in memory) lets a route's one guard answer
/// a cached token before Rocket polls its future, revoked or not: the
/// future Rocket gets holds the outcome alone.
#[tokio::test]
async fn a_list_that_answers_at_once_leaves_a_cache_hit_nothing_to_wait_for() {
    let switch = Switch::default();
    let client = instance(switch.clone()).await;
    let (revoked, _) = tokens();
    let outcome = support::settled_size();
    let guard = |state: u8| {
        switch.0.store(state, Ordering::SeqCst);
        one_guard(&client, &revoked)
    };
    let (miss, accepted) = guard(0).await;
    assert!(accepted.is_success());
    let (hit, accepted) = guard(0).await;
    assert!(accepted.is_success());
    let (revoked_hit, refused) = guard(1).await;
    let (status, error) = refused.failed().expect("refused");
    assert_eq!(status, Status::Unauthorized);
    assert_eq!(error.to_string(), "token revoked");
    let (unavailable_hit, refused) = guard(2).await;
    assert_eq!(
        refused.failed().map(|(status, _)| status),
        Some(Status::ServiceUnavailable)
    );
    assert!(
        miss > outcome,
        "the miss's future: {miss}, outcome {outcome}"
    );
    for (what, size) in [
        ("hit", hit),
        ("revoked", revoked_hit),
        ("unavailable", unavailable_hit),
    ] {
        assert!(
            size <= outcome,
            "the {what} future: {size}, outcome {outcome}"
        );
    }
}

/// Answers as its [`Switch`] says, after waiting once, as a list that asks
/// a store does; counts how often it is asked.
#[derive(Debug, Clone, Default)]
struct Waiting {
    switch: Switch,
    asked: Arc<AtomicUsize>,
}

#[rocket::async_trait]
impl Revocation for Waiting {
    async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.switch.is_revoked(claims).await
    }
}

/// A list that has to wait is awaited, with the same answers, and is asked
/// once per request: after its first wait, cache hits no longer try it
/// without waiting first.
#[tokio::test]
async fn a_list_that_waits_is_awaited_and_asked_once_per_request() {
    let list = Waiting::default();
    let client = instance(list.clone()).await;
    let (revoked, other) = tokens();
    let asked = || list.asked.load(Ordering::SeqCst);
    // A miss, then the first hit, which finds that the list waits.
    for token in [&revoked, &revoked] {
        assert_eq!(get(&client, "/jwt", Some(token)).await.status(), Status::Ok);
    }
    for (state, token, status) in [
        (0, &revoked, Status::Ok),
        (0, &other, Status::Ok),
        (0, &other, Status::Ok),
        (1, &revoked, Status::Unauthorized),
        (1, &other, Status::Ok),
        (2, &other, Status::ServiceUnavailable),
    ] {
        list.switch.0.store(state, Ordering::SeqCst);
        let before = asked();
        assert_eq!(get(&client, "/jwt", Some(token)).await.status(), status);
        assert_eq!(asked() - before, 1, "list state {state}, expected {status}");
    }
}
