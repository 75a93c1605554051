//! Validator chains (`next`): fall-through in order, the accepting
//! validator's settings, a final partner failure, one 401 listing every
//! reason, and chains refused at launch (cycles, unknown names).

mod partners;
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use jsonwebtoken::Algorithm::{EdDSA, HS256, RS256};
use jsonwebtoken::{EncodingKey, Header};
use partners::{execute, with_partners};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::request::{FromRequest, Outcome};
use rocket::serde::json::Json;
use rocket::{routes, Request, Route};
use rocket_warden::identity::{LookupError, UserStrategy};
use rocket_warden::policy::{Policy, RoutePolicy};
use rocket_warden::{jwt_auth, AuthUser, Claims, Jwt, OptionalJwt, Warden};
use serde_json::{json, Value};
use support::ignite::assert_aborts;
use support::*;
use warden_demo::SqlDirectory;

/// Routes naming validator `a`, the head of the chains below.
enum ViaA {}

impl Policy for ViaA {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("a");
}

/// Routes naming validator `b` directly.
enum ViaB {}

impl Policy for ViaB {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("b");
}

fn identity<P>(auth: &Jwt<Value, P>) -> Json<Value> {
    Json(json!({
        "validator": auth.validator(),
        "user": auth.user(),
        "partner": auth.partner(),
    }))
}

#[rocket::get("/a")]
fn via_a(auth: Jwt<Value, ViaA>) -> Json<Value> {
    identity(&auth)
}

#[rocket::get("/b")]
fn via_b(auth: Jwt<Value, ViaB>) -> Json<Value> {
    identity(&auth)
}

#[rocket::get("/a/optional")]
fn via_a_optional(auth: OptionalJwt<Value, ViaA>) -> Json<Value> {
    auth.as_ref()
        .map_or_else(|| Json(json!({ "anonymous": true })), identity)
}

fn all_routes() -> Vec<Route> {
    routes![via_a, via_b, via_a_optional]
}

/// `a` takes HS256 tokens and chains to `b`, which takes RS256 ones.
fn a_then_b(a_extra: &str, b_extra: &str) -> String {
    format!(
        "{}{}",
        validator("a", HS256, &format!("next = \"b\"\n{a_extra}")),
        validator("b", RS256, b_extra)
    )
}

async fn client(config: &str) -> Client {
    let warden = Warden::fairing().partner_directory(SqlDirectory);
    Client::tracked(with_partners(rocket_with(warden, config, all_routes())))
        .await
        .expect("launches")
}

async fn json_of(client: &Client, path: &str, token: &str) -> (Status, Value) {
    let response = get(client, path, Some(token)).await;
    let status = response.status();
    (status, response.into_json().await.unwrap_or(Value::Null))
}

#[rocket::async_test]
async fn the_route_validator_accepts_its_own_tokens_first() {
    let client = client(&a_then_b("", "")).await;
    let (status, body) = json_of(&client, "/a", &mint(HS256, &claims())).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["validator"], "a");
}

#[rocket::async_test]
async fn a_token_the_first_refuses_is_tried_with_the_next() {
    let client = client(&a_then_b("", "")).await;
    let (status, body) = json_of(&client, "/a", &mint(RS256, &claims())).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["validator"], "b");
}

#[rocket::async_test]
async fn a_chain_is_followed_to_its_end_in_order() {
    let config = format!(
        "{}{}",
        a_then_b("", "next = \"c\""),
        validator("c", EdDSA, "")
    );
    let client = client(&config).await;
    let (status, body) = json_of(&client, "/a", &mint(EdDSA, &claims())).await;
    assert_eq!((status, &body["validator"]), (Status::Ok, &json!("c")));
    // `b` chains to `c` as well, but not back to `a`.
    let (status, body) = json_of(&client, "/b", &mint(EdDSA, &claims())).await;
    assert_eq!((status, &body["validator"]), (Status::Ok, &json!("c")));
    let refusal = Refusal::of(get(&client, "/b", Some(&mint(HS256, &claims()))).await).await;
    refusal.assert_invalid_token("b", "algorithm not allowed");
}

#[rocket::async_test]
async fn the_accepting_validators_user_and_partner_settings_apply() {
    let config = a_then_b(
        "static_user = \"from-a\"",
        "user_claim = \"preferred_username\"\npartner_strategy = \"email\"",
    );
    let client = client(&config).await;
    let token_claims = claims_with(json!({
        "preferred_username": "ann", "email": "alice@example.com"
    }));

    let (_, body) = json_of(&client, "/a", &mint(HS256, &token_claims)).await;
    assert_eq!(
        body,
        json!({ "validator": "a", "user": "from-a", "partner": null })
    );

    let (_, body) = json_of(&client, "/a", &mint(RS256, &token_claims)).await;
    assert_eq!(body["validator"], "b");
    assert_eq!(body["user"], "ann");
    assert_eq!(body["partner"]["id"], 1);
}

#[rocket::async_test]
async fn when_every_validator_refuses_one_401_lists_each_reason() {
    let client = client(&a_then_b("", "")).await;
    let other = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("key");
    let token = mint_with(&Header::new(RS256), &claims(), &other);
    let (log, refusal) =
        logged(async { Refusal::of(get(&client, "/a", Some(&token)).await).await }).await;
    refusal.assert_invalid_token("a", "algorithm not allowed");
    assert!(
        log.contains(
            "GET /a: every validator of the chain refused the token: \
             `a`: algorithm not allowed; `b`: invalid signature"
        ),
        "log: {log}"
    );
    assert!(
        token.split('.').all(|part| !log.contains(part)),
        "log: {log}"
    );
}

#[rocket::async_test]
async fn a_partner_failure_is_final_not_retried_with_the_next() {
    // Both validators accept the same tokens; only `a` requires a partner.
    let config = format!(
        "{}{}",
        validator(
            "a",
            HS256,
            "next = \"b\"\npartner_strategy = \"email\"\npartner_required = true"
        ),
        validator("b", HS256, "")
    );
    let client = client(&config).await;
    let token = mint(
        HS256,
        &claims_with(json!({ "email": "nobody@example.com" })),
    );
    let refusal = Refusal::of(get(&client, "/a", Some(&token)).await).await;
    refusal.assert_invalid_token("a", "no partner for this token");

    execute(&client, "DROP TABLE partners").await;
    let token = mint(HS256, &claims_with(json!({ "email": "alice@example.com" })));
    let refusal = Refusal::of(get(&client, "/a", Some(&token)).await).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable);
}

#[rocket::async_test]
async fn an_optional_route_with_a_chain_is_anonymous_without_credentials() {
    let client = client(&a_then_b("", "")).await;
    let response = get(&client, "/a/optional", None).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "anonymous": true }))
    );
    let (status, body) = json_of(&client, "/a/optional", &mint(RS256, &claims())).await;
    assert_eq!((status, &body["validator"]), (Status::Ok, &json!("b")));
}

/// Counts the users it resolves.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

#[rocket::async_trait]
impl UserStrategy for Counting {
    async fn user(&self, _: &Request<'_>, claims: &Claims) -> Result<Option<String>, LookupError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(claims.get("sub").and_then(Value::as_str).map(str::to_owned))
    }
}

/// `routes` with `b`'s users resolved by a [`Counting`] strategy.
async fn counting_client(routes: Vec<Route>) -> (Counting, Client) {
    let counting = Counting::default();
    let config = a_then_b("", "user_strategy = \"counting\"");
    let warden = Warden::fairing().user_strategy("counting", counting.clone());
    let client = Client::tracked(rocket_with(warden, &config, routes))
        .await
        .expect("launches");
    (counting, client)
}

#[rocket::get("/a/both")]
fn both(auth: Jwt<Value, ViaA>, user: AuthUser<ViaA>) -> String {
    format!("{} {}", auth.validator(), user.id())
}

#[rocket::async_test]
async fn several_guards_share_one_pass_through_the_chain() {
    let (counting, client) = counting_client(routes![both]).await;
    let response = get(&client, "/a/both", Some(&mint(RS256, &claims()))).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some("b alice"));
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
}

/// A guard of the application's own that asks for the user through policy
/// `ViaA`, beside a `#[jwt_auth]` route's one guard.
struct UserViaA(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for UserViaA {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        match request.guard::<AuthUser<ViaA>>().await {
            Outcome::Success(user) => Outcome::Success(UserViaA(user.id().to_owned())),
            _ => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

#[jwt_auth(validator = "a")]
#[rocket::get("/a/mixed")]
fn mixed(auth: Jwt, user: UserViaA) -> String {
    format!("{} {}", auth.validator(), user.0)
}

/// A `#[jwt_auth]` route's one guard keeps a plain cache hit to itself, but
/// an authentication that had to wait (here, for the user strategy) is
/// shared with the application's own guards, as between two of ours.
#[rocket::async_test]
async fn a_routes_one_guard_shares_what_waited_with_a_guard_of_the_application() {
    let (counting, client) = counting_client(routes![mixed]).await;
    let token = mint(RS256, &claims());
    for (round, resolved) in [(1, 1), (2, 2)] {
        let response = get(&client, "/a/mixed", Some(&token)).await;
        assert_eq!(response.status(), Status::Ok, "request {round}");
        let body = response.into_string().await;
        assert_eq!(body.as_deref(), Some("b alice"), "request {round}");
        assert_eq!(
            counting.0.load(Ordering::SeqCst),
            resolved,
            "request {round}"
        );
    }
    // A plain hit, which the route's guard keeps to itself: the
    // application's guard finds the same answer on its own.
    let client = Client::tracked(rocket(&a_then_b("", ""), routes![mixed]))
        .await
        .expect("launches");
    let token = mint(HS256, &claims());
    for round in 1..=2 {
        let response = get(&client, "/a/mixed", Some(&token)).await;
        assert_eq!(response.status(), Status::Ok, "request {round}");
        let body = response.into_string().await;
        assert_eq!(body.as_deref(), Some("a alice"), "request {round}");
    }
}

#[rocket::async_test]
async fn a_cycle_aborts_launch_naming_it() {
    let config = a_then_b("", "next = \"a\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.a.next`: the chain is a cycle: `a` -> `b` -> `a`"],
    )
    .await;
}

#[rocket::async_test]
async fn a_validator_naming_itself_aborts_launch() {
    let config = validator("a", HS256, "next = \"a\"");
    let log = assert_aborts(
        rocket(&config, routes![via_a]),
        &["`jwt.validators.a.next`: the chain is a cycle: `a` -> `a`"],
    )
    .await;
    assert_eq!(log.matches("cycle").count(), 1, "reported once: {log}");
}

#[rocket::async_test]
async fn a_chain_into_a_cycle_reports_the_cycle_once() {
    let config = format!(
        "{}{}",
        a_then_b("", "next = \"c\""),
        validator("c", HS256, "next = \"b\"")
    );
    let log = assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.b.next`: the chain is a cycle: `b` -> `c` -> `b`"],
    )
    .await;
    assert_eq!(log.matches("cycle").count(), 1, "reported once: {log}");
}

#[rocket::async_test]
async fn next_naming_an_unknown_validator_aborts_launch() {
    let config = a_then_b("", "next = \"zz\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &[
            "`jwt.validators.b.next`: names validator `zz`, which is not configured \
           (configured: `a`, `b`)",
        ],
    )
    .await;
}
