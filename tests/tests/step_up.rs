//! Step-up authentication (RFC 9470) through real requests: routes that
//! accept only some authentication context classes (`acr`) or a recent
//! enough authentication (`max_age` against `auth_time`), each demand met,
//! missed and absent, with the challenge that tells the client what to ask
//! its provider for.

mod support;

use std::time::Duration;

use jsonwebtoken::Algorithm::RS256;
use rocket::http::{Method, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_warden::clock::ManualClock;
use rocket_warden::state::RoutePolicies;
use rocket_warden::{jwt_auth, Jwt, OptionalJwt, Warden};
use serde_json::{json, Value};
use support::*;

const MFA: &str = "urn:example:mfa";
const HARDWARE: &str = "urn:example:hwk";
const STRONGER: &str = "a different authentication level is required";
const FRESHER: &str = "a more recent authentication is required";

#[jwt_auth(acr = ["urn:example:mfa", "urn:example:hwk"])]
#[get("/acr")]
fn acr(auth: Jwt) -> String {
    auth["acr"].as_str().unwrap_or_default().to_owned()
}

#[jwt_auth(max_age = 300)]
#[get("/recent")]
fn recent() -> &'static str {
    "recent"
}

#[jwt_auth(acr = ["urn:example:mfa"], max_age = 300)]
#[get("/both")]
fn both() -> &'static str {
    "both"
}

#[jwt_auth(acr = ["urn:example:mfa"], roles = ["admin"])]
#[get("/admin")]
fn admin() -> &'static str {
    "admin"
}

#[jwt_auth(acr = ["urn:example:mfa"], optional)]
#[get("/optional")]
fn optional_step_up(auth: OptionalJwt) -> String {
    auth.as_ref()
        .map_or("anonymous".into(), |auth| auth["sub"].to_string())
}

/// The clock the application reads; tokens are minted against it.
const NOW: u64 = 1_900_000_000;

async fn client_at(clock: &ManualClock) -> Client {
    let config = validator("main", RS256, "leeway_secs = 5");
    let warden = Warden::fairing().clock(clock.clone());
    let routes = routes![acr, recent, both, admin, optional_step_up];
    Client::untracked(rocket_with(warden, &config, routes))
        .await
        .expect("launches")
}

async fn client() -> Client {
    client_at(&ManualClock::at_secs(NOW)).await
}

/// A token valid at [`NOW`] with `changes` applied.
fn token(changes: Value) -> String {
    let mut claims = claims_with(changes);
    claims["iat"] = json!(NOW);
    claims["exp"] = json!(NOW + 3600);
    mint(RS256, &claims)
}

/// Asserts a 401 `insufficient_user_authentication` with `description`,
/// whose challenge carries exactly `params` after the description.
fn assert_step_up(refusal: &Refusal, description: &str, params: &str) {
    assert_eq!(
        refusal.status,
        Status::Unauthorized,
        "status of {refusal:?}"
    );
    let expected = format!(
        "Bearer realm=\"main\", error=\"insufficient_user_authentication\", \
         error_description=\"{description}\"{params}"
    );
    assert_eq!(
        refusal.challenge.as_deref(),
        Some(&*expected),
        "{refusal:?}"
    );
    assert_eq!(
        refusal.body,
        json!({ "error": "insufficient_user_authentication", "error_description": description }),
    );
}

async fn refused(client: &Client, path: &str, token: &str) -> Refusal {
    Refusal::of(get(client, path, Some(token)).await).await
}

async fn body(client: &Client, path: &str, token: Option<&str>) -> String {
    let response = get(client, path, token).await;
    assert_eq!(response.status(), Status::Ok, "GET {path}");
    response.into_string().await.unwrap_or_default()
}

const ACR_PARAMS: &str = ", acr_values=\"urn:example:mfa urn:example:hwk\"";

#[rocket::async_test]
async fn an_acr_route_accepts_each_of_its_values() {
    let client = client().await;
    for value in [MFA, HARDWARE] {
        assert_eq!(
            body(&client, "/acr", Some(&token(json!({ "acr": value })))).await,
            value
        );
    }
}

#[rocket::async_test]
async fn another_acr_is_a_step_up_challenge_naming_the_routes_values() {
    let client = client().await;
    let refusal = refused(
        &client,
        "/acr",
        &token(json!({ "acr": "urn:example:password" })),
    )
    .await;
    assert_step_up(&refusal, STRONGER, ACR_PARAMS);
}

#[rocket::async_test]
async fn an_acr_is_compared_exactly() {
    let client = client().await;
    for near in ["URN:EXAMPLE:MFA", "urn:example:mfa ", "urn:example:mf"] {
        let refusal = refused(&client, "/acr", &token(json!({ "acr": near }))).await;
        assert_step_up(&refusal, STRONGER, ACR_PARAMS);
    }
}

#[rocket::async_test]
async fn a_token_without_acr_fails_closed() {
    let client = client().await;
    for missing in [json!({}), json!({ "acr": null })] {
        let refusal = refused(&client, "/acr", &token(missing)).await;
        assert_step_up(&refusal, STRONGER, ACR_PARAMS);
    }
}

#[rocket::async_test]
async fn an_acr_that_is_not_a_string_fails_closed() {
    let client = client().await;
    for odd in [json!([MFA]), json!({ "value": MFA }), json!(1)] {
        let refusal = refused(&client, "/acr", &token(json!({ "acr": odd }))).await;
        assert_step_up(&refusal, STRONGER, ACR_PARAMS);
    }
}

#[rocket::async_test]
async fn a_recent_authentication_passes_max_age_up_to_its_edge_and_leeway() {
    let client = client().await;
    // 300 s ago is within `max_age = 300`, and 5 s more within the leeway.
    for ago in [0, 299, 300, 305] {
        let token = token(json!({ "auth_time": NOW - ago }));
        assert_eq!(
            body(&client, "/recent", Some(&token)).await,
            "recent",
            "{ago} s ago"
        );
    }
}

#[rocket::async_test]
async fn an_old_authentication_is_a_step_up_challenge_with_max_age() {
    let client = client().await;
    let refusal = refused(
        &client,
        "/recent",
        &token(json!({ "auth_time": NOW - 306 })),
    )
    .await;
    assert_step_up(&refusal, FRESHER, ", max_age=\"300\"");
}

#[rocket::async_test]
async fn max_age_without_auth_time_fails_closed() {
    let client = client().await;
    let refusal = refused(&client, "/recent", &token(json!({}))).await;
    assert_step_up(&refusal, FRESHER, ", max_age=\"300\"");
}

#[rocket::async_test]
async fn an_authentication_in_the_future_fails_closed() {
    let client = client().await;
    assert_eq!(
        body(
            &client,
            "/recent",
            Some(&token(json!({ "auth_time": NOW + 5 })))
        )
        .await,
        "recent",
        "within the leeway"
    );
    let refusal = refused(&client, "/recent", &token(json!({ "auth_time": NOW + 6 }))).await;
    assert_step_up(&refusal, FRESHER, ", max_age=\"300\"");
}

#[rocket::async_test]
async fn an_auth_time_that_is_not_a_number_is_an_invalid_token() {
    let client = client().await;
    for odd in [json!("1900000000"), json!(-1), json!([NOW])] {
        let refusal = refused(&client, "/recent", &token(json!({ "auth_time": odd }))).await;
        refusal.assert_invalid_token("main", "claim `auth_time` is malformed");
    }
}

#[rocket::async_test]
async fn a_cached_token_grows_too_old_on_the_applications_clock() {
    let clock = ManualClock::at_secs(NOW);
    let client = client_at(&clock).await;
    let token = token(json!({ "auth_time": NOW }));
    assert_eq!(body(&client, "/recent", Some(&token)).await, "recent");
    // The same bytes again come from the validated-token cache; the
    // authentication is now 306 s old.
    clock.advance(Duration::from_secs(306));
    let refusal = refused(&client, "/recent", &token).await;
    assert_step_up(&refusal, FRESHER, ", max_age=\"300\"");
}

#[rocket::async_test]
async fn a_route_with_both_demands_names_both_whichever_is_missed() {
    let client = client().await;
    let params = ", acr_values=\"urn:example:mfa\", max_age=\"300\"";
    let good = token(json!({ "acr": MFA, "auth_time": NOW - 10 }));
    assert_eq!(body(&client, "/both", Some(&good)).await, "both");
    let weak = token(json!({ "acr": HARDWARE, "auth_time": NOW - 10 }));
    assert_step_up(&refused(&client, "/both", &weak).await, STRONGER, params);
    let stale = token(json!({ "acr": MFA, "auth_time": NOW - 3600 }));
    assert_step_up(&refused(&client, "/both", &stale).await, FRESHER, params);
}

#[rocket::async_test]
async fn step_up_is_asked_before_a_missing_role_is_refused() {
    let client = client().await;
    // Re-authenticating may well bring the role (a provider that grants
    // `admin` only after MFA): the 401 comes first.
    let refusal = refused(&client, "/admin", &token(json!({ "acr": "pwd" }))).await;
    assert_step_up(&refusal, STRONGER, ", acr_values=\"urn:example:mfa\"");
    let strong = token(json!({ "acr": MFA }));
    let refusal = refused(&client, "/admin", &strong).await;
    refusal.assert_forbidden("main", "the token lacks a required role", None);
    let admin = token(json!({ "acr": MFA, "roles": ["admin"] }));
    assert_eq!(body(&client, "/admin", Some(&admin)).await, "admin");
}

#[rocket::async_test]
async fn an_optional_step_up_route_runs_anonymous_without_credentials_only() {
    let client = client().await;
    assert_eq!(body(&client, "/optional", None).await, "anonymous");
    let weak = token(json!({ "acr": "pwd" }));
    let refusal = refused(&client, "/optional", &weak).await;
    assert_step_up(&refusal, STRONGER, ", acr_values=\"urn:example:mfa\"");
    let strong = token(json!({ "acr": MFA }));
    assert_eq!(body(&client, "/optional", Some(&strong)).await, "\"alice\"");
}

#[rocket::async_test]
async fn the_route_inventory_shows_step_up_demands() {
    let client = client().await;
    let policies = client
        .rocket()
        .state::<RoutePolicies>()
        .expect("the fairing's state");
    let policy = policies
        .get(Method::Get, "/both")
        .and_then(|route| route.policy())
        .expect("GET /both has a policy");
    assert_eq!(policy.required_acr(), [MFA]);
    assert_eq!(policy.authentication_max_age(), Some(300));
    assert_eq!(
        policy.to_string(),
        "the only validator, acr any of [urn:example:mfa], max_age 300 s"
    );
}
