//! Revocation lists (`Warden::revocation`): asked about every verified
//! token, the validated-token cache's included; a list that cannot answer
//! refuses the request (fail closed).

mod support;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use jsonwebtoken::Algorithm;
use rocket::http::Status;
use rocket_warden::revocation::{Revocation, RevocationUnavailable};
use rocket_warden::Warden;
use serde_json::{json, Map, Value};

use support::{bearer, claims_with, get, mint, validator, Refusal};

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

#[tokio::test]
async fn a_revoked_token_is_refused_even_from_the_cache_and_an_unavailable_list_fails_closed() {
    let switch = Switch::default();
    let config = validator("api", Algorithm::HS256, "");
    let rocket = support::rocket_with(
        Warden::fairing().revocation(switch.clone()),
        &config,
        rocket::routes![support::jwt],
    );
    let client = rocket::local::asynchronous::Client::tracked(rocket)
        .await
        .expect("launch");
    let revoked = mint(
        Algorithm::HS256,
        &claims_with(json!({"jti": "revoked-one"})),
    );
    let other = mint(Algorithm::HS256, &claims_with(json!({"jti": "another"})));
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
