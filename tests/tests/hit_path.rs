//! What a validated-token cache hit does less than a miss, and that doing
//! less changes no answer: the handler's typed claims are shared between the
//! requests that carry a cached token (and made afresh with the cache off),
//! a route's validator is remembered per policy yet never confused between
//! two applications in one process, and a header token's syntax is still
//! refused on a miss.

mod support;

use std::sync::{Arc, Mutex};

use jsonwebtoken::Algorithm::HS256;
use jsonwebtoken::EncodingKey;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::{routes, State};
use rocket_warden::{jwt_auth, Jwt};
use serde::Deserialize;
use serde_json::{json, Value};
use support::*;

#[derive(Debug, Clone, Deserialize)]
struct Subject {
    sub: String,
}

/// The claims every request to `/kept` handed its handler, kept alive so
/// that no allocation can be reused between requests.
#[derive(Default)]
struct Kept(Mutex<Vec<Arc<Subject>>>);

#[jwt_auth(validator = "main")]
#[rocket::get("/kept")]
fn kept(auth: Jwt<Subject>, kept: &State<Kept>) -> String {
    let claims = auth.shared_claims();
    kept.0.lock().expect("not poisoned").push(claims);
    auth.sub.clone()
}

/// `/kept` on validator `main` (HS256) with `extra` settings.
async fn kept_client(extra: &str) -> Client {
    let config = validator("main", HS256, extra);
    Client::tracked(rocket(&config, routes![kept]).manage(Kept::default()))
        .await
        .expect("the test rocket launches")
}

/// The claims the handler was handed, in request order.
fn handed(client: &Client) -> Vec<Arc<Subject>> {
    let kept = client.rocket().state::<Kept>().expect("managed");
    kept.0.lock().expect("not poisoned").clone()
}

#[rocket::async_test]
async fn a_cached_token_hands_every_request_the_same_claims() {
    let client = kept_client("").await;
    let token = mint(HS256, &claims());
    for _ in 0..3 {
        let response = get(&client, "/kept", Some(&token)).await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.into_string().await.as_deref(), Some("alice"));
    }
    let handed = handed(&client);
    assert_eq!(handed.len(), 3);
    assert!(Arc::ptr_eq(&handed[0], &handed[1]));
    assert!(Arc::ptr_eq(&handed[0], &handed[2]));
    // Another token's claims are its own.
    let other = mint(HS256, &claims_with(json!({ "sub": "bob" })));
    let response = get(&client, "/kept", Some(&other)).await;
    assert_eq!(response.into_string().await.as_deref(), Some("bob"));
    let handed = self::handed(&client);
    assert!(!Arc::ptr_eq(&handed[0], &handed[3]));
    assert_eq!(handed[3].sub, "bob");
}

#[rocket::async_test]
async fn with_the_cache_off_each_request_deserializes_its_own_claims() {
    let client = kept_client("token_cache_size = 0").await;
    let token = mint(HS256, &claims());
    for _ in 0..2 {
        assert_eq!(
            get(&client, "/kept", Some(&token)).await.status(),
            Status::Ok
        );
    }
    let handed = handed(&client);
    assert_eq!(handed.len(), 2);
    assert!(!Arc::ptr_eq(&handed[0], &handed[1]));
    assert_eq!(handed[1].sub, "alice");
}

#[jwt_auth(validator = "main")]
#[rocket::get("/main")]
fn main_route(auth: Jwt<Value>) -> String {
    auth["sub"].as_str().unwrap_or_default().to_owned()
}

/// Two applications in one process, whose route policy (one type, one
/// slot) names validator `main`: in the first, `main` is the second
/// validator by name and takes the test secret; in the second, it is the
/// first, takes another secret, and the second place holds `z_other` (the
/// test secret). Requests alternate between them, so the place each
/// application leaves in the slot would send the other to the wrong
/// validator, were it not checked against the application's validators.
#[rocket::async_test]
async fn a_policy_remembers_its_validator_per_application() {
    const OTHER_SECRET: &str = "another-application-secret-0123456789";
    let first = format!(
        "{}{}",
        validator("a_first", HS256, ""),
        validator("main", HS256, "")
    );
    let second = format!(
        "[jwt.validators.main]\nissuer = {ISSUER:?}\nalgorithms = [\"HS256\"]\nsecret = {OTHER_SECRET:?}\n{}",
        validator("z_other", HS256, "")
    );
    let first = client(&first, routes![main_route]).await;
    let second = client(&second, routes![main_route]).await;
    let ours = mint(HS256, &claims());
    let theirs = mint_with(
        &jsonwebtoken::Header::new(HS256),
        &claims_with(json!({ "sub": "carol" })),
        &EncodingKey::from_secret(OTHER_SECRET.as_bytes()).expect("an HMAC secret"),
    );
    for _ in 0..2 {
        let response = get(&first, "/main", Some(&ours)).await;
        assert_eq!(response.into_string().await.as_deref(), Some("alice"));
        let response = get(&second, "/main", Some(&theirs)).await;
        assert_eq!(response.into_string().await.as_deref(), Some("carol"));
        // Each refuses the other's token: its own `main` checked it.
        let refused = Refusal::of(get(&first, "/main", Some(&theirs)).await).await;
        refused.assert(
            Status::Unauthorized,
            "main",
            Some("invalid_token"),
            "invalid signature",
        );
        let refused = Refusal::of(get(&second, "/main", Some(&ours)).await).await;
        refused.assert(
            Status::Unauthorized,
            "main",
            Some("invalid_token"),
            "invalid signature",
        );
    }
}

#[rocket::async_test]
async fn a_header_token_with_bad_characters_is_refused_before_verifying() {
    let client = kept_client("").await;
    let token = mint(HS256, &claims());
    // Valid first, so a cache entry exists for these very signature bytes.
    assert_eq!(
        get(&client, "/kept", Some(&token)).await.status(),
        Status::Ok
    );
    // The same token with a character outside `b64token` in its payload:
    // not the cached bytes, so its syntax is checked, and refused.
    let (header, rest) = token.split_once('.').expect("three parts");
    let tampered = format!("{header}.!{rest}");
    let refused = Refusal::of(get(&client, "/kept", Some(&tampered)).await).await;
    refused.assert(
        Status::Unauthorized,
        "main",
        Some("invalid_token"),
        "bearer token has invalid characters",
    );
    assert_eq!(handed(&client).len(), 1);
}
