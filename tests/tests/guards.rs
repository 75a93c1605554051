//! The guards through real requests: credentials, challenges and bodies,
//! optional routes, typed claims, one decode per request, and the log line
//! every refusal leaves.

mod support;

use jsonwebtoken::Algorithm::{HS256, RS256};
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{catch, catchers, get, routes, Request};
use rocket_warden::policy::{Policy, RoutePolicy};
use rocket_warden::Jwt;
use serde::Deserialize;
use serde_json::{json, Value};
use support::*;

fn main_validator() -> String {
    validator("main", HS256, "")
}

#[rocket::async_test]
async fn valid_token_reaches_the_handler() {
    let client = client(&main_validator(), routes![jwt]).await;
    let response = get(&client, "/jwt", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("json");
    assert_eq!(body["sub"], "alice");
    assert_eq!(body["iss"], ISSUER);
}

#[rocket::async_test]
async fn no_credentials_is_401_with_a_bare_challenge() {
    let client = client(&main_validator(), routes![jwt]).await;
    let refusal = Refusal::of(get(&client, "/jwt", None).await).await;
    refusal.assert(Status::Unauthorized, "main", None, "bearer token required");
    assert_eq!(refusal.body["error"], "missing_token");
}

#[rocket::async_test]
async fn refusal_never_echoes_the_token() {
    let client = client(&main_validator(), routes![jwt]).await;
    let token = mint(HS256, &claims_with(json!({ "exp": now() - 100 })));
    let response = get(&client, "/jwt", Some(&token)).await;
    let challenge = response
        .headers()
        .get_one("WWW-Authenticate")
        .unwrap_or("")
        .to_owned();
    let body = response.into_string().await.unwrap_or_default();
    for part in token.split('.') {
        assert!(
            !challenge.contains(part),
            "challenge {challenge:?} contains a token part"
        );
        assert!(!body.contains(part), "body {body:?} contains a token part");
    }
}

#[rocket::async_test]
async fn routes_without_guards_are_left_alone() {
    #[get("/open")]
    fn open() -> &'static str {
        "open"
    }
    let client = client(&main_validator(), routes![open]).await;
    let response = get(&client, "/open", Some("not-a-token")).await;
    assert_eq!(response.status(), Status::Ok);
    assert!(response.headers().get_one("WWW-Authenticate").is_none());
    let missing = client.get("/nowhere").dispatch().await;
    assert_eq!(missing.status(), Status::NotFound);
    assert!(missing.headers().get_one("WWW-Authenticate").is_none());
}

#[rocket::async_test]
async fn an_application_401_catcher_still_gets_the_challenge() {
    #[catch(401)]
    fn unauthorized(_: &Request<'_>) -> &'static str {
        "custom"
    }
    let rocket = rocket(&main_validator(), routes![jwt]).register("/", catchers![unauthorized]);
    let client = Client::tracked(rocket).await.expect("launches");
    let refusal = Refusal::of(get(&client, "/jwt", None).await).await;
    refusal.assert(Status::Unauthorized, "main", None, "bearer token required");
}

#[rocket::async_test]
async fn a_catcher_that_changes_the_status_keeps_its_own_answer() {
    // An application hiding its protected routes from strangers.
    #[catch(401)]
    fn hidden(_: &Request<'_>) -> (Status, &'static str) {
        (Status::NotFound, "nothing here")
    }
    let rocket = rocket(&main_validator(), routes![jwt]).register("/", catchers![hidden]);
    let client = Client::tracked(rocket).await.expect("launches");
    let response = get(&client, "/jwt", None).await;
    assert_eq!(response.status(), Status::NotFound);
    assert!(response.headers().get_one("WWW-Authenticate").is_none());
    assert_eq!(
        response.into_string().await.as_deref(),
        Some("nothing here")
    );
}

#[rocket::async_test]
async fn optional_route_without_credentials_runs_anonymous() {
    let client = client(&main_validator(), routes![optional]).await;
    let response = get(&client, "/optional", None).await;
    assert_eq!(response.status(), Status::Ok);
    assert!(response.headers().get_one("WWW-Authenticate").is_none());
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "anonymous": true }))
    );
}

#[rocket::async_test]
async fn optional_route_with_a_valid_token_is_authenticated() {
    let client = client(&main_validator(), routes![optional]).await;
    let response = get(&client, "/optional", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "anonymous": false, "sub": "alice" }))
    );
}

#[rocket::async_test]
async fn optional_route_with_a_bad_token_is_401_never_anonymous() {
    let client = client(&main_validator(), routes![optional]).await;
    let expired = mint(HS256, &claims_with(json!({ "exp": now() - 100 })));
    Refusal::of(get(&client, "/optional", Some(&expired)).await)
        .await
        .assert_invalid_token("main", "token expired");

    let response = client
        .get("/optional")
        .header(Header::new("Authorization", "Bearer"))
        .dispatch()
        .await;
    Refusal::of(response)
        .await
        .assert_invalid_token("main", "bearer token is empty");

    let response = client
        .get("/optional")
        .header(Header::new("Authorization", ""))
        .dispatch()
        .await;
    Refusal::of(response)
        .await
        .assert_invalid_token("main", "Authorization header is empty");

    // Another scheme is answered as RFC 6750 §3.1 says (no error code), but a
    // header was sent, so the request is not anonymous.
    let response = client
        .get("/optional")
        .header(Header::new("Authorization", "Basic dTpw"))
        .dispatch()
        .await;
    let refusal = Refusal::of(response).await;
    refusal.assert(
        Status::Unauthorized,
        "main",
        None,
        "authorization scheme must be Bearer",
    );
}

#[derive(Debug, Deserialize)]
struct Order {
    sub: String,
    order_id: u64,
}

#[get("/typed")]
fn typed(auth: Jwt<Order>) -> Json<Value> {
    Json(json!({ "sub": auth.sub, "order_id": auth.order_id, "validator": auth.validator() }))
}

#[rocket::async_test]
async fn typed_claims_are_deserialized() {
    let client = client(&main_validator(), routes![typed]).await;
    let token = mint(HS256, &claims_with(json!({ "order_id": 42 })));
    let response = get(&client, "/typed", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "sub": "alice", "order_id": 42, "validator": "main" }))
    );
}

#[rocket::async_test]
async fn claims_that_do_not_fit_the_type_are_401() {
    let client = client(&main_validator(), routes![typed]).await;
    for changes in [
        json!({}),
        json!({ "order_id": "forty-two" }),
        json!({ "sub": 7, "order_id": 1 }),
    ] {
        let token = mint(HS256, &claims_with(changes));
        Refusal::of(get(&client, "/typed", Some(&token)).await)
            .await
            .assert_invalid_token("main", "token claims do not have the expected shape");
    }
}

/// Two guards on one route: the second reuses the first one's decoded token.
#[get("/twice")]
fn twice(first: Jwt, second: Jwt<Order>) -> Json<Value> {
    let shared = std::ptr::eq(first.payload(), second.payload());
    Json(json!({ "shared": shared }))
}

#[rocket::async_test]
async fn the_token_is_decoded_once_per_request() {
    let client = client(&main_validator(), routes![twice]).await;
    let token = mint(HS256, &claims_with(json!({ "order_id": 1 })));
    let response = get(&client, "/twice", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "shared": true }))
    );
}

struct Partners;

impl Policy for Partners {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("partners");
}

struct Staff;

impl Policy for Staff {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("staff");
}

#[get("/partners")]
fn partners(auth: Jwt<Value, Partners>) -> String {
    auth.validator().to_owned()
}

#[get("/both")]
fn both(_partner: Jwt<Value, Partners>, _staff: Jwt<Value, Staff>) -> &'static str {
    "both"
}

fn two_validators() -> String {
    validator("partners", HS256, "") + &validator("staff", RS256, "")
}

#[rocket::async_test]
async fn a_named_validator_checks_the_route() {
    let client = client(&two_validators(), routes![partners]).await;
    let response = get(&client, "/partners", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some("partners"));

    let refusal = Refusal::of(get(&client, "/partners", Some(&mint(RS256, &claims()))).await).await;
    refusal.assert_invalid_token("partners", "algorithm not allowed");
}

#[rocket::async_test]
async fn a_second_validator_on_one_route_validates_on_its_own() {
    let client = client(&two_validators(), routes![both]).await;
    // Valid for `partners`, so the first guard passes; `staff` must not reuse that result.
    let refusal = Refusal::of(get(&client, "/both", Some(&mint(HS256, &claims()))).await).await;
    refusal.assert_invalid_token("staff", "algorithm not allowed");
}

struct AnyToken;

impl Policy for AnyToken {
    const POLICY: RoutePolicy = RoutePolicy::new();
}

struct AdminOnly;

impl Policy for AdminOnly {
    const POLICY: RoutePolicy = RoutePolicy::new().roles(&["admin"]);
}

/// Two policies on one request, the second asked for twice.
#[get("/mixed")]
fn mixed(
    _any: Jwt<Value, AnyToken>,
    _admin: Jwt<Value, AdminOnly>,
    again: Jwt<Value, AdminOnly>,
) -> String {
    again.validator().to_owned()
}

#[rocket::async_test]
async fn each_policy_on_one_request_decides_for_itself() {
    let client = client(&main_validator(), routes![mixed]).await;
    // The first policy lets this token in; the second must not take that
    // decision for its own.
    let user = mint(HS256, &claims_with(json!({ "roles": ["user"] })));
    let refusal = Refusal::of(get(&client, "/mixed", Some(&user)).await).await;
    refusal.assert_forbidden("main", "the token lacks a required role", None);
    let admin = mint(HS256, &claims_with(json!({ "roles": ["admin"] })));
    let response = get(&client, "/mixed", Some(&admin)).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some("main"));
}

#[rocket::async_test]
async fn the_header_and_payload_are_exposed() {
    #[get("/header")]
    fn header(auth: Jwt) -> Json<Value> {
        Json(json!({ "alg": format!("{:?}", auth.header().alg), "claims": auth.payload().len() }))
    }
    let client = client(&main_validator(), routes![header]).await;
    let response = get(&client, "/header", Some(&mint(HS256, &claims()))).await;
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "alg": "HS256", "claims": 4 }))
    );
}

#[rocket::async_test]
async fn each_refusal_is_logged_without_the_token() {
    let client = client(&main_validator(), routes![jwt]).await;
    let token = mint(HS256, &claims_with(json!({ "exp": now() - 100 })));
    let (log, status) = logged(async { get(&client, "/jwt", Some(&token)).await.status() }).await;
    assert_eq!(status, Status::Unauthorized);
    assert!(
        log.contains("refused GET /jwt: 401 Unauthorized, validator `main`: token expired"),
        "log: {log}"
    );
    assert!(
        token.split('.').all(|part| !log.contains(part)),
        "the log holds the token: {log}"
    );
}

/// An application guard that asks for a `Jwt` itself, where sentinels cannot see it.
struct Wrapped;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Wrapped {
    type Error = rocket_warden::AuthError;

    async fn from_request(request: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        request.guard::<Jwt>().await.map(|_| Wrapped)
    }
}

#[rocket::async_test]
async fn a_guard_reached_around_its_sentinel_answers_500_without_a_challenge() {
    #[get("/wrapped")]
    fn wrapped(_auth: Wrapped) -> &'static str {
        "unreachable without a validator"
    }
    // No validator is configured, and no sentinel sees the inner `Jwt`.
    let client = client("", routes![wrapped]).await;
    let response = get(&client, "/wrapped", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.status(), Status::InternalServerError);
    assert!(response.headers().get_one("WWW-Authenticate").is_none());
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({
            "error": "server_error",
            "error_description": "authentication is not configured for this route",
        }))
    );
}

/// What a handler reads from its guards: the typed claims taken out, the
/// scopes asked one by one, the user's id, and whether a request was anonymous.
#[rocket::async_test]
async fn guards_hand_over_claims_scopes_user_and_anonymity() {
    #[derive(Clone, Deserialize)]
    struct Subject {
        sub: String,
    }
    #[get("/owned")]
    fn owned(auth: Jwt<Subject>) -> String {
        let scoped = auth.token().has_scope("orders") && !auth.token().has_scope("admin");
        format!("{} {scoped}", auth.into_claims().sub)
    }
    #[get("/user")]
    fn user(user: rocket_warden::AuthUser) -> String {
        user.into_id()
    }
    #[get("/maybe")]
    fn maybe(auth: rocket_warden::OptionalJwt) -> &'static str {
        if auth.is_anonymous() {
            "anonymous"
        } else {
            "known"
        }
    }
    let client = client(&main_validator(), routes![owned, user, maybe]).await;
    let token = mint(HS256, &claims_with(json!({ "scope": "orders read" })));
    for (path, token, expected) in [
        ("/owned", Some(&token), "alice true"),
        ("/user", Some(&token), "alice"),
        ("/maybe", Some(&token), "known"),
        ("/maybe", None, "anonymous"),
    ] {
        let response = get(&client, path, token.map(String::as_str)).await;
        assert_eq!(response.status(), Status::Ok, "{path}");
        assert_eq!(
            response.into_string().await.as_deref(),
            Some(expected),
            "{path}"
        );
    }
}
