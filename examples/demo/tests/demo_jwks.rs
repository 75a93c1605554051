//! The demo's `GET /jwks/whoami` (validator `demo_jwks`, DESIGN.md's
//! contract) and the JWK set the demo serves itself, through a real key set
//! server on 127.0.0.1.

mod support;

use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_warden::testing::JwksServer;
use serde_json::{json, Value};
use support::{get, Refusal};

/// The demo with `demo_jwks` fetching from `server` (the demo's own URL is
/// not reachable through a local client), quiet, with its partners in a
/// database file of its own.
async fn demo_with_keys_from(server: &JwksServer) -> Client {
    let (db, url) = support::temp_db();
    let figment = support::with_db(warden_demo::figment(), &url)
        .merge(("log_level", "off"))
        .merge(("jwt.validators.demo_jwks.jwks_uri", server.jwks_uri()));
    Client::tracked(warden_demo::rocket_from(figment).manage(db))
        .await
        .expect("the demo launches")
}

/// A demo whose key set server serves what the demo itself serves at
/// `/.well-known/jwks.json`.
///
/// A first demo tells what that is, so the server already serves it when
/// the demo returned makes its liftoff fetch. Setting it after launching the
/// demo returned raced with that fetch: a request waits for a fetch in
/// flight instead of starting its own, and the fetch could still bring back
/// the empty set (a 401 about once in 30 runs under load).
async fn demo_serving_its_own_keys() -> (JwksServer, Client) {
    let server = JwksServer::start_with(json!({ "keys": [] })).await;
    let first = demo_with_keys_from(&server).await;
    let response = get(&first, warden_demo::JWKS_PATH, None).await;
    assert_eq!(response.status(), Status::Ok);
    let own_keys: Value = response.into_json().await.expect("a JWK set");
    drop(first);
    server.set_jwks(own_keys);
    let client = demo_with_keys_from(&server).await;
    (server, client)
}

#[rocket::async_test]
async fn the_demo_serves_the_public_half_of_its_development_key() {
    let server = JwksServer::start_with(json!({ "keys": [] })).await;
    let client = demo_with_keys_from(&server).await;
    let keys: Value = get(&client, warden_demo::JWKS_PATH, None)
        .await
        .into_json()
        .await
        .expect("a JWK set");
    let key = &keys["keys"][0];
    assert_eq!(key["kid"], warden_demo::DEV_KID);
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig")
        )
    );
    assert!(key.get("d").is_none(), "no private part");
}

#[rocket::async_test]
async fn jwks_whoami_answers_the_contract_shape_for_the_printed_token() {
    let (_server, client) = demo_serving_its_own_keys().await;
    let token = warden_demo::mint_dev_jwks_token(&warden_demo::figment())
        .expect("the demo mints a demo_jwks token");
    let response = get(&client, "/jwks/whoami", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("JSON");
    assert_eq!(body["user"], "demo-jwks-user");
    assert_eq!(body["partner"], Value::Null, "the token has no email");
    assert_eq!(body["roles"], json!([]));
    assert_eq!(body["claims"]["sub"], "demo-jwks-user");
    assert_eq!(body["claims"]["iss"], "http://the.issuer");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(4),
        "exactly user, partner, claims, roles: {body}"
    );
}

#[rocket::async_test]
async fn jwks_whoami_without_a_token_is_401() {
    let (_server, client) = demo_serving_its_own_keys().await;
    Refusal::of(get(&client, "/jwks/whoami", None).await)
        .await
        .assert(
            Status::Unauthorized,
            "demo_jwks",
            None,
            "bearer token required",
        );
}

#[rocket::async_test]
async fn a_token_of_the_hs256_demo_validator_is_refused_on_jwks_whoami() {
    let (_server, client) = demo_serving_its_own_keys().await;
    let token =
        warden_demo::mint_dev_token(&warden_demo::figment()).expect("the demo mints a token");
    Refusal::of(get(&client, "/jwks/whoami", Some(&token)).await)
        .await
        .assert_invalid_token("demo_jwks", "algorithm not allowed");
}

#[rocket::async_test]
async fn jwks_whoami_answers_503_while_the_key_set_is_unreachable() {
    let server = JwksServer::start_with(json!({ "keys": [] })).await;
    server.take_down().await;
    let client = demo_with_keys_from(&server).await;
    let token = warden_demo::mint_dev_jwks_token(&warden_demo::figment()).expect("a token");
    let refusal = Refusal::of(get(&client, "/jwks/whoami", Some(&token)).await).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable);
    assert_eq!(refusal.body["error"], "temporarily_unavailable");
    // The HS256 validator keeps serving.
    let token = warden_demo::mint_dev_token(&warden_demo::figment()).expect("a token");
    assert_eq!(
        get(&client, "/whoami", Some(&token)).await.status(),
        Status::Ok
    );
}

#[rocket::async_test]
async fn demo_jwks_fetches_the_demos_own_key_set_by_default() {
    let figment = warden_demo::figment();
    let port: u16 = figment.extract_inner("port").expect("a port");
    let uri: String = figment
        .extract_inner("jwt.validators.demo_jwks.jwks_uri")
        .expect("a jwks_uri");
    assert_eq!(
        uri,
        format!("http://127.0.0.1:{port}/.well-known/jwks.json")
    );
}
