//! Remote keys through OIDC discovery (`discovery = true`): the issuer's
//! `/.well-known/openid-configuration`, served by a real HTTP server on
//! 127.0.0.1, names the key set; its `issuer` must be the configured one.

mod remote_support;
mod support;

use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use rocket_warden::clock::ManualClock;
use rocket_warden::testing::JwksServer;
use serde_json::{json, Value};

use remote_support::*;
use support::{get, jwt, logged, Refusal};

/// A client whose validator `oidc` discovers its keys from `server`, whose
/// base URL is the issuer.
async fn discovering_client(server: &JwksServer, clock: &ManualClock) -> Client {
    let config = format!(
        "[jwt.validators.oidc]\nissuer = {:?}\nalgorithms = [\"RS256\"]\ndiscovery = true\n",
        server.base_url()
    );
    client_with_clock(&config, routes![jwt], clock).await
}

/// Claims from the server's issuer.
fn claims_from(server: &JwksServer, clock: &ManualClock) -> Value {
    let mut claims = claims_at(clock);
    claims["iss"] = json!(server.base_url());
    claims
}

#[rocket::async_test]
async fn discovery_finds_the_key_set() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    let clock = clock();
    let client = discovering_client(&server, &clock).await;
    let response = get(
        &client,
        "/jwt",
        Some(&key.mint(&claims_from(&server, &clock))),
    )
    .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        server.requests(),
        ["/.well-known/openid-configuration", "/jwks"]
    );
}

#[rocket::async_test]
async fn the_discovered_key_set_is_refetched_without_discovering_again() {
    let (old, new) = (rsa("old"), rsa_other("new"));
    let server = JwksServer::start(&[&old]).await;
    let clock = clock();
    let client = discovering_client(&server, &clock).await;
    let response = get(
        &client,
        "/jwt",
        Some(&old.mint(&claims_from(&server, &clock))),
    )
    .await;
    assert_eq!(response.status(), Status::Ok);
    server.rotate(&[&new]);
    let response = get(
        &client,
        "/jwt",
        Some(&new.mint(&claims_from(&server, &clock))),
    )
    .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        server.requests(),
        ["/.well-known/openid-configuration", "/jwks", "/jwks"]
    );
}

#[rocket::async_test]
async fn discovery_naming_another_issuer_is_refused() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.set_discovery(json!({
        "issuer": "https://impostor.example.com",
        "jwks_uri": server.jwks_uri(),
    }));
    let clock = clock();
    let (logs, client) = logged(async {
        let client = discovering_client(&server, &clock).await;
        let token = key.mint(&claims_from(&server, &clock));
        let refusal = Refusal::of(get(&client, "/jwt", Some(&token)).await).await;
        assert_eq!(refusal.status, Status::ServiceUnavailable);
        assert_eq!(refusal.body["error"], "temporarily_unavailable");
        client
    })
    .await;
    assert!(
        logs.contains("names issuer \"https://impostor.example.com\", not the configured"),
        "{logs}"
    );
    assert_eq!(server.fetches(), 0, "the key set is never fetched");
    assert_eq!(stats(&client, "oidc").failures, 1);
}

#[rocket::async_test]
async fn discovery_issuer_with_a_trailing_slash_is_another_issuer() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.set_discovery(json!({
        "issuer": format!("{}/", server.base_url()),
        "jwks_uri": server.jwks_uri(),
    }));
    let clock = clock();
    let client = discovering_client(&server, &clock).await;
    let token = key.mint(&claims_from(&server, &clock));
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(server.fetches(), 0);
}

#[rocket::async_test]
async fn a_discovered_jwks_uri_over_plain_http_to_another_host_is_refused() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.set_discovery(json!({
        "issuer": server.base_url(),
        "jwks_uri": "http://keys.example.com/jwks",
    }));
    let clock = clock();
    let (logs, ()) = logged(async {
        let client = discovering_client(&server, &clock).await;
        let token = key.mint(&claims_from(&server, &clock));
        let response = get(&client, "/jwt", Some(&token)).await;
        assert_eq!(response.status(), Status::ServiceUnavailable);
    })
    .await;
    assert!(logs.contains("its `jwks_uri` must use https"), "{logs}");
}

#[rocket::async_test]
async fn a_discovery_document_that_is_not_json_is_refused() {
    let key = rsa("k");
    let server = JwksServer::start(&[&key]).await;
    server.set_discovery(json!("just a string"));
    let clock = clock();
    let client = discovering_client(&server, &clock).await;
    let token = key.mint(&claims_from(&server, &clock));
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
}

#[rocket::async_test]
async fn discovery_over_plain_http_to_another_host_aborts_launch() {
    let config = "[jwt.validators.oidc]\nissuer = \"http://id.example.com\"\n\
                  algorithms = [\"RS256\"]\ndiscovery = true\n";
    let clock = clock();
    let (logs, result) = logged(rocket_with_clock(config, routes![jwt], &clock).ignite()).await;
    match result {
        Ok(_) => panic!("launch should abort"),
        Err(error) => assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
            "{error:?}"
        ),
    }
    assert!(
        logs.contains(
            "`jwt.validators.oidc.discovery`: the issuer must use https (plain http is accepted \
             only for a loopback host)"
        ),
        "{logs}"
    );
}

#[rocket::async_test]
async fn discovery_false_is_no_key_source() {
    let config = "[jwt.validators.oidc]\nissuer = \"https://id.example.com\"\n\
                  algorithms = [\"RS256\"]\ndiscovery = false\n";
    let clock = clock();
    let (logs, result) = logged(rocket_with_clock(config, routes![jwt], &clock).ignite()).await;
    match result {
        Ok(_) => panic!("launch should abort"),
        Err(error) => assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
            "{error:?}"
        ),
    }
    assert!(
        logs.contains("`jwt.validators.oidc`: no key source"),
        "{logs}"
    );
}
