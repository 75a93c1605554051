//! `#[jwt_auth]` through real requests: every form of the attribute, each
//! allowed and denied, with the status, the challenge and the body of every
//! refusal; roles and scopes read from tokens as the validator's settings say;
//! custom checks in their four shapes; and one policy decision per request.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use jsonwebtoken::Algorithm::RS256;
use jsonwebtoken::{EncodingKey, Header};
use rocket::futures::future::BoxFuture;
use rocket::http::{Header as HttpHeader, Method, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{get, head, options, post, put, routes, Orbit, Rocket};
use rocket_warden::policy::{Policy, RoutePolicy};
use rocket_warden::{jwt_auth, AccessToken, Jwt, OptionalJwt};
use serde::Deserialize;
use serde_json::{json, Value};
use support::*;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The only validator, `main`, with `extra` lines.
fn main_with(extra: &str) -> String {
    validator("main", RS256, extra)
}

/// A token from the test issuer signed with the test RSA key: `claims()` with
/// `changes` applied.
fn token(changes: Value) -> String {
    mint(RS256, &claims_with(changes))
}

/// `method path` with the token, if any.
async fn send(
    client: &Client,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> (Status, Option<String>, String) {
    let mut request = client.req(method, path.to_owned());
    if let Some(token) = token {
        request.add_header(bearer(token));
    }
    let response = request.dispatch().await;
    let status = response.status();
    let challenge = response
        .headers()
        .get_one("WWW-Authenticate")
        .map(str::to_owned);
    let body = response.into_string().await.unwrap_or_default();
    (status, challenge, body)
}

/// `GET path` with the token: asserts a 200 without a challenge, and returns the body as JSON.
async fn ok_json(client: &Client, path: &str, token: Option<&str>) -> Value {
    let response = get(client, path, token).await;
    assert_eq!(response.status(), Status::Ok, "GET {path}");
    assert!(
        response.headers().get_one("WWW-Authenticate").is_none(),
        "GET {path} answered 200 with a challenge"
    );
    response.into_json().await.expect("a JSON body")
}

/// `GET path` with the token: asserts a 200 without a challenge, and returns the body.
async fn ok_text(client: &Client, path: &str, token: Option<&str>) -> String {
    let response = get(client, path, token).await;
    assert_eq!(response.status(), Status::Ok, "GET {path}");
    assert!(
        response.headers().get_one("WWW-Authenticate").is_none(),
        "GET {path} answered 200 with a challenge"
    );
    response.into_string().await.unwrap_or_default()
}

/// `GET path` with the token, refused.
async fn refused(client: &Client, path: &str, token: Option<&str>) -> Refusal {
    Refusal::of(get(client, path, token).await).await
}

const MISSING_ROLE: &str = "the token lacks a required role";
const MISSING_SCOPE: &str = "the token lacks a required scope";
const READ_ONLY: &str = "a read-only token cannot make this request";
const CHECK_FAILED: &str = "the token is not allowed on this route";

/// The assertions only this file's tests make of a refusal.
trait PolicyAssertions {
    fn assert_missing_scopes(&self, realm: &str, missing: &str);
    fn assert_denied(&self, realm: &str, description: &str);
    fn assert_json_body(&self, error: &str, description: &str);
    fn assert_no_credentials(&self, realm: &str);
}

impl PolicyAssertions for Refusal {
    /// Asserts a 403 `insufficient_scope` for missing scopes, the challenge's
    /// `scope` naming exactly `missing`, and the exact JSON body.
    fn assert_missing_scopes(&self, realm: &str, missing: &str) {
        self.assert_forbidden(realm, MISSING_SCOPE, Some(missing));
        self.assert_json_body("insufficient_scope", MISSING_SCOPE);
    }

    /// Asserts a 403 `insufficient_scope` whose challenge names no scope,
    /// and the exact JSON body.
    fn assert_denied(&self, realm: &str, description: &str) {
        self.assert_forbidden(realm, description, None);
        self.assert_json_body("insufficient_scope", description);
    }

    /// Asserts the body is exactly `{"error", "error_description"}`, as JSON.
    fn assert_json_body(&self, error: &str, description: &str) {
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "type of {self:?}"
        );
        assert_eq!(
            self.body,
            json!({ "error": error, "error_description": description }),
            "body of {self:?}"
        );
    }

    /// Asserts a 401 with a bare challenge: no credentials.
    fn assert_no_credentials(&self, realm: &str) {
        self.assert(Status::Unauthorized, realm, None, "bearer token required");
        assert_eq!(self.body["error"], "missing_token", "body of {self:?}");
    }
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct MyClaims {
    sub: String,
    #[serde(default)]
    name: Option<String>,
}

/// Plain `#[jwt_auth]`: the only validator, typed claims.
#[jwt_auth]
#[get("/plain")]
fn plain(auth: Jwt<MyClaims>) -> Json<Value> {
    Json(json!({
        "sub": auth.sub,
        "name": auth.name,
        "validator": auth.validator(),
    }))
}

/// No `Jwt` parameter: a hidden guard enforces the policy.
#[jwt_auth]
#[get("/hidden")]
fn hidden() -> &'static str {
    "hidden"
}

#[jwt_auth(validator = "alpha")]
#[get("/alpha")]
fn alpha(auth: Jwt) -> String {
    auth.validator().to_owned()
}

#[jwt_auth(validator = "beta")]
#[get("/beta")]
fn beta(auth: Jwt) -> String {
    auth.validator().to_owned()
}

/// `validator = ..` on a handler without a `Jwt`.
#[jwt_auth(validator = "beta")]
#[get("/beta-hidden")]
fn beta_hidden() -> &'static str {
    "beta hidden"
}

/// What a token grants: its roles and scopes, as `Jwt` exposes them.
fn grants<P>(auth: &Jwt<Value, P>) -> Json<Value> {
    Json(json!({
        "roles": auth.roles().collect::<Vec<_>>(),
        "scopes": auth.scopes().collect::<Vec<_>>(),
    }))
}

#[jwt_auth(roles = ["admin", "ops"])]
#[get("/staff")]
fn staff(auth: Jwt) -> Json<Value> {
    grants(&auth)
}

#[jwt_auth(roles = ["admin", "ops"])]
#[get("/staff-hidden")]
fn staff_hidden() -> &'static str {
    "staff"
}

#[jwt_auth(roles = ["scope:user"])]
#[get("/scope-user")]
fn scope_user(auth: Jwt) -> Json<Value> {
    grants(&auth)
}

#[jwt_auth(roles = ["scp_user"])]
#[get("/scp-user")]
fn scp_user(auth: Jwt) -> Json<Value> {
    grants(&auth)
}

/// Any valid token: shows what it grants.
#[jwt_auth]
#[get("/grants")]
fn any_grants(auth: Jwt) -> Json<Value> {
    grants(&auth)
}

#[jwt_auth(scopes = ["orders:read", "orders:write", "audit"])]
#[get("/scoped")]
fn scoped(auth: Jwt) -> Json<Value> {
    grants(&auth)
}

#[jwt_auth(roles = ["admin"], scopes = ["orders:read"])]
#[get("/admin-orders")]
fn admin_orders(auth: Jwt) -> Json<Value> {
    grants(&auth)
}

#[jwt_auth(scopes = ["orders"])]
#[get("/orders")]
fn list_orders(_auth: Jwt) -> &'static str {
    "list"
}

#[jwt_auth(scopes = ["orders"])]
#[head("/orders/explicit")]
fn head_orders(_auth: Jwt) -> &'static str {
    ""
}

#[jwt_auth(scopes = ["orders"])]
#[options("/orders")]
fn options_orders(_auth: Jwt) -> &'static str {
    "options"
}

#[jwt_auth(scopes = ["orders"])]
#[post("/orders")]
fn create_order(_auth: Jwt) -> &'static str {
    "created"
}

/// A write with a hidden guard and no scope required.
#[jwt_auth]
#[put("/orders")]
fn replace_orders() -> &'static str {
    "replaced"
}

#[jwt_auth(audiences = ["aud2", "aud3"])]
#[get("/aud-override")]
fn aud_override(auth: Jwt) -> Json<Value> {
    Json(json!({ "aud": auth["aud"] }))
}

#[jwt_auth(audiences = ["aud2"])]
#[get("/aud-override-hidden")]
fn aud_override_hidden() -> &'static str {
    "aud2"
}

#[jwt_auth(optional, roles = ["admin"])]
#[get("/maybe")]
fn maybe(auth: OptionalJwt<MyClaims>) -> Json<Value> {
    match auth.as_ref() {
        Some(jwt) => Json(json!({ "anonymous": false, "sub": jwt.sub })),
        None => Json(json!({ "anonymous": true })),
    }
}

/// `optional` with a hidden guard.
#[jwt_auth(optional)]
#[get("/maybe-hidden")]
fn maybe_hidden() -> &'static str {
    "maybe"
}

#[jwt_auth(public)]
#[get("/public")]
fn public() -> &'static str {
    "public"
}

/// Subjects the `check` functions that read managed state let in.
struct Allowed(Vec<&'static str>);

/// How many times the counting checks ran.
#[derive(Default)]
struct Counter(AtomicUsize);

mod checks {
    use super::*;

    fn sub(token: &AccessToken) -> Option<&str> {
        token.claim("sub").and_then(Value::as_str)
    }

    /// `fn(&AccessToken) -> bool`
    pub(super) fn is_alice(token: &AccessToken) -> bool {
        sub(token) == Some("alice")
    }

    /// `async fn(&AccessToken) -> bool`
    pub(super) async fn is_alice_later(token: &AccessToken) -> bool {
        rocket::tokio::task::yield_now().await;
        sub(token) == Some("alice")
    }

    /// `fn(&AccessToken, &Rocket<Orbit>) -> bool`
    pub(super) fn is_allowed(token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
        let allowed = rocket.state::<Allowed>().map_or(&[][..], |a| &a.0[..]);
        sub(token).is_some_and(|sub| allowed.contains(&sub))
    }

    /// `async fn(&AccessToken, &Rocket<Orbit>) -> bool`
    pub(super) async fn is_allowed_later(token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
        rocket::tokio::task::yield_now().await;
        is_allowed(token, rocket)
    }

    /// Counts its runs; passes unless the token says `"deny": true`.
    pub(super) fn counted(token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
        if let Some(counter) = rocket.state::<Counter>() {
            counter.0.fetch_add(1, Ordering::SeqCst);
        }
        token.claim("deny") != Some(&Value::Bool(true))
    }
}

#[jwt_auth(check = checks::is_alice)]
#[get("/check/plain")]
fn check_plain(_auth: Jwt) -> &'static str {
    "plain"
}

#[jwt_auth(check = checks::is_alice_later)]
#[get("/check/async")]
fn check_async() -> &'static str {
    "async"
}

#[jwt_auth(check = checks::is_allowed)]
#[get("/check/rocket")]
fn check_rocket(_auth: Jwt) -> &'static str {
    "rocket"
}

#[jwt_auth(check = checks::is_allowed_later)]
#[get("/check/async-rocket")]
async fn check_async_rocket(_auth: Jwt) -> &'static str {
    "async rocket"
}

/// Two guards sharing one policy: its check must run once per request.
#[jwt_auth(check = checks::counted)]
#[get("/twice")]
fn twice(first: Jwt, second: Jwt<MyClaims>) -> String {
    format!("{} {}", first["sub"], second.sub)
}

/// A guard inside `Option` is a guard of the route too.
#[jwt_auth(check = checks::counted)]
#[get("/twice-nested")]
fn twice_nested(first: Jwt, second: Option<Jwt<MyClaims>>) -> String {
    let second = second.map_or_else(|| "none".to_owned(), |second| second.sub.clone());
    format!("{} {second}", first["sub"])
}

/// No guard of its own but one inside `Option`: with the hidden guard, two.
#[jwt_auth(check = checks::counted)]
#[get("/hidden-and-nested")]
fn hidden_and_nested(only: Option<Jwt<MyClaims>>) -> String {
    only.map_or_else(|| "none".to_owned(), |only| only.sub.clone())
}

/// The check runs only after roles passed.
#[jwt_auth(roles = ["admin"], check = checks::counted)]
#[get("/admin-counted")]
fn admin_counted() -> &'static str {
    "admin"
}

#[jwt_auth(roles = ["admin"])]
#[get("/sync")]
fn sync_handler(auth: Jwt<MyClaims>) -> String {
    format!("sync {}", auth.sub)
}

#[jwt_auth(roles = ["admin"])]
#[get("/async")]
async fn async_handler(auth: Jwt<MyClaims>) -> String {
    rocket::tokio::task::yield_now().await;
    format!("async {}", auth.sub)
}

#[jwt_auth(roles = ["admin"])]
#[get("/async-hidden")]
async fn async_hidden() -> &'static str {
    rocket::tokio::task::yield_now().await;
    "async hidden"
}

// ---------------------------------------------------------------------------
// Plain `#[jwt_auth]`
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn plain_attribute_hands_typed_claims_to_the_handler() {
    let client = client(&main_with(""), routes![plain]).await;
    let body = ok_json(&client, "/plain", Some(&token(json!({ "name": "Alice" })))).await;
    assert_eq!(
        body,
        json!({ "sub": "alice", "name": "Alice", "validator": "main" })
    );
}

#[rocket::async_test]
async fn plain_attribute_without_a_token_is_401() {
    let client = client(&main_with(""), routes![plain]).await;
    refused(&client, "/plain", None)
        .await
        .assert_no_credentials("main");
}

#[rocket::async_test]
async fn plain_attribute_with_an_expired_token_is_401() {
    let client = client(&main_with(""), routes![plain]).await;
    let expired = token(json!({ "exp": now() - 100 }));
    refused(&client, "/plain", Some(&expired))
        .await
        .assert_invalid_token("main", "token expired");
}

#[rocket::async_test]
async fn plain_attribute_with_claims_not_fitting_the_type_is_401() {
    let client = client(&main_with(""), routes![plain]).await;
    let numeric_sub = token(json!({ "sub": 42 }));
    refused(&client, "/plain", Some(&numeric_sub))
        .await
        .assert_invalid_token("main", "token claims do not have the expected shape");
}

// ---------------------------------------------------------------------------
// `validator = ".."`
// ---------------------------------------------------------------------------

/// `alpha` verifies with the test RSA key, `beta` with the other RSA key.
fn alpha_and_beta() -> String {
    format!(
        "{}[jwt.validators.beta]\nissuer = {ISSUER:?}\nalgorithms = [\"RS256\"]\n\
         public_key_pem = '''\n{}'''\n",
        validator("alpha", RS256, ""),
        keys::RSA_OTHER_PUBLIC
    )
}

/// A token signed with the other RSA key, which only `beta` trusts.
fn beta_token() -> String {
    let key = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("key");
    mint_with(&Header::new(RS256), &claims(), &key)
}

#[rocket::async_test]
async fn named_validator_accepts_its_own_tokens() {
    let client = client(&alpha_and_beta(), routes![alpha, beta, beta_hidden]).await;
    assert_eq!(
        ok_text(&client, "/alpha", Some(&token(json!({})))).await,
        "alpha"
    );
    assert_eq!(ok_text(&client, "/beta", Some(&beta_token())).await, "beta");
    assert_eq!(
        ok_text(&client, "/beta-hidden", Some(&beta_token())).await,
        "beta hidden"
    );
}

#[rocket::async_test]
async fn named_validator_refuses_a_token_signed_for_the_other_one() {
    let client = client(&alpha_and_beta(), routes![alpha, beta, beta_hidden]).await;
    refused(&client, "/beta", Some(&token(json!({}))))
        .await
        .assert_invalid_token("beta", "invalid signature");
    refused(&client, "/beta-hidden", Some(&token(json!({}))))
        .await
        .assert_invalid_token("beta", "invalid signature");
    refused(&client, "/alpha", Some(&beta_token()))
        .await
        .assert_invalid_token("alpha", "invalid signature");
}

#[rocket::async_test]
async fn named_validator_without_a_token_is_401_in_its_realm() {
    let client = client(&alpha_and_beta(), routes![alpha, beta]).await;
    refused(&client, "/alpha", None)
        .await
        .assert_no_credentials("alpha");
    refused(&client, "/beta", None)
        .await
        .assert_no_credentials("beta");
}

// ---------------------------------------------------------------------------
// Hidden guard
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn hidden_guard_lets_a_valid_token_through() {
    let client = client(&main_with(""), routes![hidden]).await;
    assert_eq!(
        ok_text(&client, "/hidden", Some(&token(json!({})))).await,
        "hidden"
    );
}

#[rocket::async_test]
async fn hidden_guard_without_a_token_is_401() {
    let client = client(&main_with(""), routes![hidden]).await;
    refused(&client, "/hidden", None)
        .await
        .assert_no_credentials("main");
    refused(&client, "/hidden", Some("not-a-jwt"))
        .await
        .assert_invalid_token("main", "a token has three parts");
}

// ---------------------------------------------------------------------------
// Roles: any of
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn one_matching_role_is_enough() {
    let client = client(&main_with(""), routes![staff, staff_hidden]).await;
    let ops = token(json!({ "roles": ["user", "ops"] }));
    let body = ok_json(&client, "/staff", Some(&ops)).await;
    assert_eq!(body["roles"], json!(["user", "ops"]));
    assert_eq!(ok_text(&client, "/staff-hidden", Some(&ops)).await, "staff");
}

#[rocket::async_test]
async fn no_matching_role_is_403() {
    let client = client(&main_with(""), routes![staff, staff_hidden]).await;
    let user = token(json!({ "roles": ["user", "Admin"] }));
    refused(&client, "/staff", Some(&user))
        .await
        .assert_denied("main", MISSING_ROLE);
    refused(&client, "/staff-hidden", Some(&user))
        .await
        .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn a_token_without_a_roles_claim_is_403_never_let_through() {
    let client = client(&main_with(""), routes![staff, staff_hidden]).await;
    let bare = token(json!({}));
    refused(&client, "/staff", Some(&bare))
        .await
        .assert_denied("main", MISSING_ROLE);
    refused(&client, "/staff-hidden", Some(&bare))
        .await
        .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn a_malformed_roles_claim_grants_nothing() {
    let client = client(&main_with(""), routes![staff]).await;
    for roles in [
        json!(42),
        json!(true),
        json!({ "admin": true }),
        json!(["admin", 1]),
        json!([["admin"]]),
    ] {
        let malformed = token(json!({ "roles": roles }));
        let refusal = refused(&client, "/staff", Some(&malformed)).await;
        assert_eq!(refusal.status, Status::Forbidden, "roles {roles}");
        refusal.assert_denied("main", MISSING_ROLE);
    }
}

#[rocket::async_test]
async fn a_role_granted_only_by_a_scope_needs_the_prefix() {
    // A scope `admin` is the role `scope:admin`, not `admin`.
    let client = client(&main_with(""), routes![staff]).await;
    let scoped = token(json!({ "scope": "admin ops" }));
    refused(&client, "/staff", Some(&scoped))
        .await
        .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn roles_claim_as_a_space_separated_string() {
    let client = client(&main_with(""), routes![staff]).await;
    let body = ok_json(
        &client,
        "/staff",
        Some(&token(json!({ "roles": "user  admin" }))),
    )
    .await;
    assert_eq!(body["roles"], json!(["user", "admin"]));
    refused(
        &client,
        "/staff",
        Some(&token(json!({ "roles": "user guest" }))),
    )
    .await
    .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn dotted_roles_claim_reads_nested_roles() {
    let config = main_with("roles_claim = \"realm_access.roles\"");
    let client = client(&config, routes![staff]).await;
    let nested = token(json!({ "realm_access": { "roles": ["admin"] } }));
    let body = ok_json(&client, "/staff", Some(&nested)).await;
    assert_eq!(body["roles"], json!(["admin"]));

    // The top-level `roles` is not where this validator looks.
    let top_level = token(json!({ "roles": ["admin"] }));
    refused(&client, "/staff", Some(&top_level))
        .await
        .assert_denied("main", MISSING_ROLE);
    // Nor does a path that stops short of the roles.
    let short = token(json!({ "realm_access": ["admin"] }));
    refused(&client, "/staff", Some(&short))
        .await
        .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn dotted_roles_claim_tries_the_exact_top_level_name_first() {
    let config = main_with("roles_claim = \"https://example.com/roles\"");
    let client = client(&config, routes![staff]).await;
    let namespaced = token(json!({ "https://example.com/roles": ["ops"] }));
    let body = ok_json(&client, "/staff", Some(&namespaced)).await;
    assert_eq!(body["roles"], json!(["ops"]));

    let config = main_with("roles_claim = \"realm_access.roles\"");
    let client = self::client(&config, routes![staff]).await;
    // The exact name wins over the nested path, even when it grants less.
    let both = token(json!({
        "realm_access.roles": ["user"],
        "realm_access": { "roles": ["admin"] },
    }));
    refused(&client, "/staff", Some(&both))
        .await
        .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn scope_prefixed_role_comes_from_the_scope_claim() {
    let client = client(&main_with(""), routes![scope_user]).await;
    let body = ok_json(
        &client,
        "/scope-user",
        Some(&token(json!({ "scope": "read user" }))),
    )
    .await;
    assert_eq!(body["roles"], json!(["scope:read", "scope:user"]));
    assert_eq!(body["scopes"], json!(["read", "user"]));
    refused(
        &client,
        "/scope-user",
        Some(&token(json!({ "scope": "read" }))),
    )
    .await
    .assert_denied("main", MISSING_ROLE);
    // A role named `user` is not the scope `user`.
    refused(
        &client,
        "/scope-user",
        Some(&token(json!({ "roles": ["user"] }))),
    )
    .await
    .assert_denied("main", MISSING_ROLE);
}

#[rocket::async_test]
async fn custom_scope_role_prefix_makes_other_roles() {
    let config = main_with("scope_role_prefix = \"scp_\"");
    let client = client(&config, routes![scope_user, scp_user]).await;
    let user = token(json!({ "scope": "user" }));
    let body = ok_json(&client, "/scp-user", Some(&user)).await;
    assert_eq!(body["roles"], json!(["scp_user"]));
    refused(&client, "/scope-user", Some(&user))
        .await
        .assert_denied("main", MISSING_ROLE);
}

// ---------------------------------------------------------------------------
// Scopes: all of
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn all_scopes_present_is_200() {
    let client = client(&main_with(""), routes![scoped]).await;
    let all = token(json!({ "scope": "audit orders:write extra orders:read" }));
    let body = ok_json(&client, "/scoped", Some(&all)).await;
    assert_eq!(
        body["scopes"],
        json!(["audit", "orders:write", "extra", "orders:read"])
    );
    let as_array = token(json!({ "scope": ["orders:read", "orders:write", "audit"] }));
    ok_json(&client, "/scoped", Some(&as_array)).await;
}

#[rocket::async_test]
async fn one_missing_scope_is_403_naming_it() {
    let client = client(&main_with(""), routes![scoped]).await;
    let partial = token(json!({ "scope": "orders:read audit" }));
    refused(&client, "/scoped", Some(&partial))
        .await
        .assert_missing_scopes("main", "orders:write");
}

#[rocket::async_test]
async fn missing_scopes_are_named_exactly_in_the_routes_order() {
    let client = client(&main_with(""), routes![scoped]).await;
    let one = token(json!({ "scope": "orders:write" }));
    refused(&client, "/scoped", Some(&one))
        .await
        .assert_missing_scopes("main", "orders:read audit");
    let none = token(json!({}));
    refused(&client, "/scoped", Some(&none))
        .await
        .assert_missing_scopes("main", "orders:read orders:write audit");
    // Scopes in the roles claim are not scopes.
    let roles = token(json!({ "roles": ["orders:read", "orders:write", "audit"] }));
    refused(&client, "/scoped", Some(&roles))
        .await
        .assert_missing_scopes("main", "orders:read orders:write audit");
}

#[rocket::async_test]
async fn a_malformed_scope_claim_grants_nothing() {
    let client = client(&main_with(""), routes![scoped]).await;
    let malformed = token(json!({ "scope": ["orders:read", "orders:write", "audit", 7] }));
    refused(&client, "/scoped", Some(&malformed))
        .await
        .assert_missing_scopes("main", "orders:read orders:write audit");
}

#[rocket::async_test]
async fn scope_claim_scp_reads_an_array() {
    let config = main_with("scope_claim = \"scp\"");
    let client = client(&config, routes![scoped]).await;
    let scp = token(json!({ "scp": ["orders:read", "orders:write", "audit"] }));
    let body = ok_json(&client, "/scoped", Some(&scp)).await;
    assert_eq!(
        body["scopes"],
        json!(["orders:read", "orders:write", "audit"])
    );
    assert_eq!(
        body["roles"],
        json!(["scope:orders:read", "scope:orders:write", "scope:audit"])
    );
    // `scope` is not where this validator looks.
    let scope = token(json!({ "scope": "orders:read orders:write audit", "scp": ["audit"] }));
    refused(&client, "/scoped", Some(&scope))
        .await
        .assert_missing_scopes("main", "orders:read orders:write");
}

#[rocket::async_test]
async fn dotted_scope_claim_reads_nested_scopes() {
    let config = main_with("scope_claim = \"ext.scope\"");
    let client = client(&config, routes![scoped]).await;
    let nested = token(json!({ "ext": { "scope": "orders:read orders:write audit" } }));
    ok_json(&client, "/scoped", Some(&nested)).await;
    let partial = token(json!({ "ext": { "scope": "audit" } }));
    refused(&client, "/scoped", Some(&partial))
        .await
        .assert_missing_scopes("main", "orders:read orders:write");
}

#[rocket::async_test]
async fn roles_are_checked_before_scopes() {
    let client = client(&main_with(""), routes![admin_orders]).await;
    let neither = token(json!({}));
    refused(&client, "/admin-orders", Some(&neither))
        .await
        .assert_denied("main", MISSING_ROLE);
    let admin = token(json!({ "roles": ["admin"] }));
    refused(&client, "/admin-orders", Some(&admin))
        .await
        .assert_missing_scopes("main", "orders:read");
    let both = token(json!({ "roles": ["admin"], "scope": "orders:read" }));
    ok_json(&client, "/admin-orders", Some(&both)).await;
}

// ---------------------------------------------------------------------------
// Read-only scopes
// ---------------------------------------------------------------------------

fn order_routes() -> Vec<rocket::Route> {
    routes![
        list_orders,
        head_orders,
        options_orders,
        create_order,
        replace_orders
    ]
}

fn read_only_config() -> String {
    main_with("read_only_scopes = [\"viewer\"]")
}

#[rocket::async_test]
async fn read_only_token_may_get_head_and_options() {
    let client = client(&read_only_config(), order_routes()).await;
    let viewer = token(json!({ "scope": "orders viewer" }));
    let (status, challenge, body) = send(&client, Method::Get, "/orders", Some(&viewer)).await;
    assert_eq!(
        (status, challenge, body.as_str()),
        (Status::Ok, None, "list")
    );
    // HEAD answered by the GET route, and by a HEAD route of its own.
    let (status, challenge, _) = send(&client, Method::Head, "/orders", Some(&viewer)).await;
    assert_eq!((status, challenge), (Status::Ok, None));
    let (status, challenge, _) =
        send(&client, Method::Head, "/orders/explicit", Some(&viewer)).await;
    assert_eq!((status, challenge), (Status::Ok, None));
    let (status, challenge, body) = send(&client, Method::Options, "/orders", Some(&viewer)).await;
    assert_eq!(
        (status, challenge, body.as_str()),
        (Status::Ok, None, "options")
    );
}

#[rocket::async_test]
async fn read_only_token_may_not_write() {
    let client = client(&read_only_config(), order_routes()).await;
    let viewer = token(json!({ "scope": "orders viewer" }));
    for (method, path) in [(Method::Post, "/orders"), (Method::Put, "/orders")] {
        let mut request = client.req(method, path);
        request.add_header(bearer(&viewer));
        Refusal::of(request.dispatch().await)
            .await
            .assert_denied("main", READ_ONLY);
    }
}

#[rocket::async_test]
async fn read_only_scope_wins_over_the_tokens_other_scopes() {
    let client = client(&read_only_config(), order_routes()).await;
    let mixed = token(json!({ "scope": ["orders", "orders:write", "viewer"] }));
    let mut request = client.post("/orders");
    request.add_header(bearer(&mixed));
    Refusal::of(request.dispatch().await)
        .await
        .assert_denied("main", READ_ONLY);
}

#[rocket::async_test]
async fn token_without_a_read_only_scope_may_write() {
    let client = client(&read_only_config(), order_routes()).await;
    let writer = token(json!({ "scope": "orders" }));
    let (status, challenge, body) = send(&client, Method::Post, "/orders", Some(&writer)).await;
    assert_eq!(
        (status, challenge, body.as_str()),
        (Status::Ok, None, "created")
    );
    let (status, _, body) = send(&client, Method::Put, "/orders", Some(&writer)).await;
    assert_eq!((status, body.as_str()), (Status::Ok, "replaced"));
}

#[rocket::async_test]
async fn read_only_scopes_apply_only_where_configured() {
    let client = client(&main_with(""), order_routes()).await;
    let viewer = token(json!({ "scope": "orders viewer" }));
    let (status, _, body) = send(&client, Method::Post, "/orders", Some(&viewer)).await;
    assert_eq!((status, body.as_str()), (Status::Ok, "created"));
}

// ---------------------------------------------------------------------------
// Audiences
// ---------------------------------------------------------------------------

fn audience_routes() -> Vec<rocket::Route> {
    routes![aud_override, aud_override_hidden, plain]
}

fn audience_config() -> String {
    main_with("audiences = [\"me\"]")
}

#[rocket::async_test]
async fn the_validators_audience_is_refused_on_an_override_route() {
    let client = client(&audience_config(), audience_routes()).await;
    let me = token(json!({ "aud": "me" }));
    ok_json(&client, "/plain", Some(&me)).await;
    refused(&client, "/aud-override", Some(&me))
        .await
        .assert_invalid_token("main", "wrong audience");
    refused(&client, "/aud-override-hidden", Some(&me))
        .await
        .assert_invalid_token("main", "wrong audience");
}

#[rocket::async_test]
async fn the_routes_audience_is_accepted_on_an_override_route_only() {
    let client = client(&audience_config(), audience_routes()).await;
    let aud3 = token(json!({ "aud": "aud3" }));
    let body = ok_json(&client, "/aud-override", Some(&aud3)).await;
    assert_eq!(body["aud"], "aud3");
    let aud2 = token(json!({ "aud": "aud2" }));
    assert_eq!(
        ok_text(&client, "/aud-override-hidden", Some(&aud2)).await,
        "aud2"
    );
    refused(&client, "/plain", Some(&aud2))
        .await
        .assert_invalid_token("main", "wrong audience");
}

#[rocket::async_test]
async fn a_token_without_aud_is_401_on_an_override_route() {
    let client = client(&audience_config(), audience_routes()).await;
    let no_aud = token(json!({}));
    refused(&client, "/aud-override", Some(&no_aud))
        .await
        .assert_invalid_token("main", "missing required claim `aud`");
    let null_aud = token(json!({ "aud": Value::Null }));
    refused(&client, "/aud-override", Some(&null_aud))
        .await
        .assert_invalid_token("main", "missing required claim `aud`");
}

#[rocket::async_test]
async fn an_override_route_needs_aud_even_when_the_validator_has_no_audiences() {
    let client = client(&main_with(""), audience_routes()).await;
    refused(&client, "/aud-override", Some(&token(json!({}))))
        .await
        .assert_invalid_token("main", "missing required claim `aud`");
    ok_json(
        &client,
        "/aud-override",
        Some(&token(json!({ "aud": "aud2" }))),
    )
    .await;
    // And the validator's own routes still refuse any `aud`.
    refused(&client, "/plain", Some(&token(json!({ "aud": "aud2" }))))
        .await
        .assert_invalid_token("main", "wrong audience");
}

#[rocket::async_test]
async fn an_aud_array_naming_the_route_audience_is_accepted() {
    let client = client(&audience_config(), audience_routes()).await;
    let array = token(json!({ "aud": ["me", "aud2"] }));
    let body = ok_json(&client, "/aud-override", Some(&array)).await;
    assert_eq!(body["aud"], json!(["me", "aud2"]));
    let others = token(json!({ "aud": ["me", "other"] }));
    refused(&client, "/aud-override", Some(&others))
        .await
        .assert_invalid_token("main", "wrong audience");
    let mixed = token(json!({ "aud": ["aud2", 5] }));
    refused(&client, "/aud-override", Some(&mixed))
        .await
        .assert_invalid_token("main", "wrong audience");
}

// ---------------------------------------------------------------------------
// `optional`
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn optional_route_without_credentials_runs_anonymous() {
    let client = client(&main_with(""), routes![maybe, maybe_hidden]).await;
    let body = ok_json(&client, "/maybe", None).await;
    assert_eq!(body, json!({ "anonymous": true }));
    assert_eq!(ok_text(&client, "/maybe-hidden", None).await, "maybe");
}

#[rocket::async_test]
async fn optional_route_with_a_token_that_meets_the_policy() {
    let client = client(&main_with(""), routes![maybe, maybe_hidden]).await;
    let admin = token(json!({ "roles": ["admin"] }));
    let body = ok_json(&client, "/maybe", Some(&admin)).await;
    assert_eq!(body, json!({ "anonymous": false, "sub": "alice" }));
    assert_eq!(
        ok_text(&client, "/maybe-hidden", Some(&admin)).await,
        "maybe"
    );
}

#[rocket::async_test]
async fn optional_route_with_a_bad_token_is_401_never_anonymous() {
    let client = client(&main_with(""), routes![maybe, maybe_hidden]).await;
    let expired = token(json!({ "exp": now() - 100, "roles": ["admin"] }));
    for path in ["/maybe", "/maybe-hidden"] {
        refused(&client, path, Some(&expired))
            .await
            .assert_invalid_token("main", "token expired");
        refused(&client, path, Some("garbage"))
            .await
            .assert_invalid_token("main", "a token has three parts");
    }
}

#[rocket::async_test]
async fn optional_route_with_a_valid_token_missing_the_role_is_403() {
    let client = client(&main_with(""), routes![maybe]).await;
    refused(
        &client,
        "/maybe",
        Some(&token(json!({ "roles": ["user"] }))),
    )
    .await
    .assert_denied("main", MISSING_ROLE);
}

// ---------------------------------------------------------------------------
// `public`
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn public_route_ignores_any_authorization_header() {
    let client = client(&main_with(""), routes![public]).await;
    assert_eq!(ok_text(&client, "/public", None).await, "public");
    assert_eq!(ok_text(&client, "/public", Some("garbage")).await, "public");
    let expired = token(json!({ "exp": now() - 100 }));
    assert_eq!(ok_text(&client, "/public", Some(&expired)).await, "public");
    let response = client
        .get("/public")
        .header(HttpHeader::new("Authorization", "Basic dTpw"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert!(response.headers().get_one("WWW-Authenticate").is_none());
}

#[rocket::async_test]
async fn public_route_needs_no_validator() {
    let client = client("", routes![public]).await;
    assert_eq!(ok_text(&client, "/public", Some("garbage")).await, "public");
}

// ---------------------------------------------------------------------------
// `check`
// ---------------------------------------------------------------------------

fn check_routes() -> Vec<rocket::Route> {
    routes![check_plain, check_async, check_rocket, check_async_rocket]
}

async fn check_client() -> Client {
    let rocket = support::rocket(&main_with(""), check_routes()).manage(Allowed(vec!["alice"]));
    Client::tracked(rocket).await.expect("launches")
}

#[rocket::async_test]
async fn every_shape_of_check_lets_a_passing_token_through() {
    let client = check_client().await;
    let alice = token(json!({}));
    for (path, body) in [
        ("/check/plain", "plain"),
        ("/check/async", "async"),
        ("/check/rocket", "rocket"),
        ("/check/async-rocket", "async rocket"),
    ] {
        assert_eq!(ok_text(&client, path, Some(&alice)).await, body, "{path}");
    }
}

#[rocket::async_test]
async fn every_shape_of_check_refuses_a_failing_token_with_403() {
    let client = check_client().await;
    let bob = token(json!({ "sub": "bob" }));
    for path in [
        "/check/plain",
        "/check/async",
        "/check/rocket",
        "/check/async-rocket",
    ] {
        refused(&client, path, Some(&bob))
            .await
            .assert_denied("main", CHECK_FAILED);
    }
}

/// A hand-written policy that sets `ONE_GUARD` (which `#[jwt_auth]` sets
/// for a route's one guard) and has a check that its `POLICY` does not
/// name, where `#[jwt_auth]` names the checks it generates: the guard must
/// find the check by asking.
struct UnnamedCheck;

impl Policy for UnnamedCheck {
    const POLICY: RoutePolicy = RoutePolicy::new();
    const ONE_GUARD: bool = true;

    fn check<'a>(token: &'a AccessToken, _: &'a Rocket<Orbit>) -> Option<BoxFuture<'a, bool>> {
        let alice = checks::is_alice(token);
        Some(Box::pin(async move { alice }))
    }
}

#[get("/check/unnamed")]
fn check_unnamed(_auth: Jwt<Value, UnnamedCheck>) -> &'static str {
    "checked"
}

#[rocket::async_test]
async fn a_check_its_policy_does_not_name_runs_for_a_routes_one_guard() {
    let client = client(&main_with(""), routes![check_unnamed]).await;
    let cached = token(json!({ "sub": "bob" }));
    // Twice each: the second time from the validated-token cache, a hit
    // that the one guard settles without waiting.
    for _ in 0..2 {
        assert_eq!(
            ok_text(&client, "/check/unnamed", Some(&token(json!({})))).await,
            "checked"
        );
        refused(&client, "/check/unnamed", Some(&cached))
            .await
            .assert_denied("main", CHECK_FAILED);
    }
}

#[rocket::async_test]
async fn checks_with_rocket_read_managed_state() {
    let rocket = support::rocket(&main_with(""), check_routes()).manage(Allowed(vec!["bob"]));
    let client = Client::tracked(rocket).await.expect("launches");
    let bob = token(json!({ "sub": "bob" }));
    let alice = token(json!({}));
    ok_text(&client, "/check/rocket", Some(&bob)).await;
    ok_text(&client, "/check/async-rocket", Some(&bob)).await;
    refused(&client, "/check/async-rocket", Some(&alice))
        .await
        .assert_denied("main", CHECK_FAILED);
    // The checks without state still want alice.
    refused(&client, "/check/plain", Some(&bob))
        .await
        .assert_denied("main", CHECK_FAILED);
}

#[rocket::async_test]
async fn a_check_never_runs_without_a_valid_token() {
    let client = check_client().await;
    refused(&client, "/check/async-rocket", None)
        .await
        .assert_no_credentials("main");
}

// ---------------------------------------------------------------------------
// Handlers, exposure, one decision per request
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn sync_and_async_handlers_are_guarded_alike() {
    let client = client(
        &main_with(""),
        routes![sync_handler, async_handler, async_hidden],
    )
    .await;
    let admin = token(json!({ "roles": ["admin"] }));
    assert_eq!(ok_text(&client, "/sync", Some(&admin)).await, "sync alice");
    assert_eq!(
        ok_text(&client, "/async", Some(&admin)).await,
        "async alice"
    );
    assert_eq!(
        ok_text(&client, "/async-hidden", Some(&admin)).await,
        "async hidden"
    );
    let user = token(json!({ "roles": ["user"] }));
    for path in ["/sync", "/async", "/async-hidden"] {
        refused(&client, path, Some(&user))
            .await
            .assert_denied("main", MISSING_ROLE);
        refused(&client, path, None)
            .await
            .assert_no_credentials("main");
    }
}

#[rocket::async_test]
async fn jwt_exposes_roles_then_prefixed_scopes() {
    let client = client(&main_with(""), routes![any_grants]).await;
    let both = token(json!({ "roles": ["admin", "ops"], "scope": "read write" }));
    let body = ok_json(&client, "/grants", Some(&both)).await;
    assert_eq!(
        body,
        json!({
            "roles": ["admin", "ops", "scope:read", "scope:write"],
            "scopes": ["read", "write"],
        })
    );
    let none = ok_json(&client, "/grants", Some(&token(json!({})))).await;
    assert_eq!(none, json!({ "roles": [], "scopes": [] }));
}

async fn counting_client() -> Client {
    let rocket = support::rocket(
        &main_with(""),
        routes![twice, twice_nested, hidden_and_nested, admin_counted],
    )
    .manage(Counter::default());
    Client::tracked(rocket).await.expect("launches")
}

fn runs(client: &Client) -> usize {
    client
        .rocket()
        .state::<Counter>()
        .map_or(usize::MAX, |counter| counter.0.load(Ordering::SeqCst))
}

#[rocket::async_test]
async fn two_guards_sharing_a_policy_run_its_check_once_per_request() {
    let client = counting_client().await;
    assert_eq!(
        ok_text(&client, "/twice", Some(&token(json!({})))).await,
        "\"alice\" alice"
    );
    assert_eq!(runs(&client), 1);
    ok_text(&client, "/twice", Some(&token(json!({})))).await;
    assert_eq!(runs(&client), 2, "each request decides afresh");
    refused(&client, "/twice", Some(&token(json!({ "deny": true }))))
        .await
        .assert_denied("main", CHECK_FAILED);
    assert_eq!(runs(&client), 3);
}

/// Guards nested in `Option`, and the hidden guard, count among a route's
/// guards: a route with two of them shares their decision, as with two
/// plain ones (a route with one keeps its decision to its guard).
#[rocket::async_test]
async fn guards_nested_in_options_share_the_policy_decision_too() {
    let client = counting_client().await;
    assert_eq!(
        ok_text(&client, "/twice-nested", Some(&token(json!({})))).await,
        "\"alice\" alice"
    );
    assert_eq!(runs(&client), 1);
    assert_eq!(
        ok_text(&client, "/hidden-and-nested", Some(&token(json!({})))).await,
        "alice"
    );
    assert_eq!(runs(&client), 2);
}

#[rocket::async_test]
async fn a_check_runs_only_after_roles_passed() {
    let client = counting_client().await;
    refused(
        &client,
        "/admin-counted",
        Some(&token(json!({ "roles": ["user"] }))),
    )
    .await
    .assert_denied("main", MISSING_ROLE);
    assert_eq!(runs(&client), 0);
    ok_text(
        &client,
        "/admin-counted",
        Some(&token(json!({ "roles": ["admin"] }))),
    )
    .await;
    assert_eq!(runs(&client), 1);
}

#[rocket::async_test]
async fn a_403_is_logged_with_the_routes_policy() {
    let client = client(&main_with(""), routes![staff]).await;
    let user = token(json!({ "roles": ["user"] }));
    let (log, status) = logged(async { get(&client, "/staff", Some(&user)).await.status() }).await;
    assert_eq!(status, Status::Forbidden);
    assert!(
        log.contains(
            "refused GET /staff: 403 Forbidden, validator `main`: \
             the token lacks a required role (policy: the only validator, roles any of [admin, ops])"
        ),
        "log: {log}"
    );
    assert!(
        user.split('.').all(|part| !log.contains(part)),
        "the log holds the token: {log}"
    );
}
