//! User and partner strategies: built-in (`static`, `claim`, `email`,
//! `none`) and registered in code, the `AuthUser` guard, `partner_required`,
//! and failing lookups. Partners live in a real SQLite file per test, behind
//! the demo's directory.

mod partners;
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use jsonwebtoken::Algorithm::HS256;
use partners::{execute, with_partners};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{routes, Request, Route};
use rocket_warden::identity::{LookupError, PartnerStrategy, UserStrategy};
use rocket_warden::{AuthUser, Claims, Jwt, Partner, Warden};
use serde_json::{json, Value};
use support::ignite::assert_aborts;
use support::*;
use warden_demo::SqlDirectory;

/// `GET /who`: what the `Jwt` guard resolved.
#[rocket::get("/who")]
fn who(auth: Jwt) -> Json<Value> {
    Json(json!({
        "user": auth.user(),
        "partner": auth.partner(),
        "validator": auth.validator(),
    }))
}

/// `GET /user`: just the user.
#[rocket::get("/user")]
fn user(user: AuthUser) -> String {
    user.id().to_owned()
}

fn all_routes() -> Vec<Route> {
    routes![who, user]
}

/// A client for one validator `main` with `extra` settings, the demo's
/// SQLite directory behind `warden`, and partners in a fresh database.
async fn client_with(warden: Warden, extra: &str) -> Client {
    let config = validator("main", HS256, extra);
    let rocket = rocket_with(
        warden.partner_directory(SqlDirectory),
        &config,
        all_routes(),
    );
    Client::tracked(with_partners(rocket))
        .await
        .expect("launches")
}

async fn client(extra: &str) -> Client {
    client_with(Warden::fairing(), extra).await
}

/// `GET /who` with a token over `claims()` changed by `changes`: status and body.
async fn who_with(client: &Client, changes: Value) -> (Status, Value) {
    let token = mint(HS256, &claims_with(changes));
    let response = get(client, "/who", Some(&token)).await;
    let status = response.status();
    (status, response.into_json().await.unwrap_or(Value::Null))
}

// ---------------------------------------------------------------------------
// User strategies
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn default_user_is_the_sub_claim() {
    let client = client("").await;
    let (status, body) = who_with(&client, json!({})).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["user"], "alice");
    assert_eq!(body["partner"], Value::Null);
    assert_eq!(body["validator"], "main");
}

#[rocket::async_test]
async fn static_strategy_gives_every_token_the_same_user() {
    let client = client("user_strategy = \"static\"\nstatic_user = \"7\"").await;
    for sub in ["alice", "bob"] {
        let (status, body) = who_with(&client, json!({ "sub": sub })).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(body["user"], "7");
    }
}

#[rocket::async_test]
async fn static_user_alone_selects_the_static_strategy() {
    let client = client("static_user = \"admin\"").await;
    let (_, body) = who_with(&client, json!({})).await;
    assert_eq!(body["user"], "admin");
}

#[rocket::async_test]
async fn claim_strategy_reads_the_configured_claim() {
    let client = client("user_strategy = \"claim\"\nuser_claim = \"uid\"").await;
    let (_, body) = who_with(&client, json!({ "uid": 42 })).await;
    assert_eq!(body["user"], "42", "an integer id is written out");
    let (_, body) = who_with(&client, json!({ "uid": "u-9" })).await;
    assert_eq!(body["user"], "u-9");
}

#[rocket::async_test]
async fn a_token_without_the_user_claim_has_no_user() {
    let client = client("").await;
    let (status, body) = who_with(&client, json!({ "sub": null })).await;
    assert_eq!(status, Status::Ok, "Jwt does not need a user");
    assert_eq!(body["user"], Value::Null);
}

#[rocket::async_test]
async fn a_user_claim_that_is_not_an_id_names_no_user() {
    let client = client("user_claim = \"uid\"").await;
    for uid in [json!({ "nested": 1 }), json!(["a"]), json!(""), json!(1.5)] {
        let (status, body) = who_with(&client, json!({ "uid": uid })).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(body["user"], Value::Null, "uid {uid}");
    }
}

#[rocket::async_test]
async fn auth_user_guard_gives_the_user() {
    let client = client("").await;
    let token = mint(HS256, &claims());
    let response = get(&client, "/user", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some("alice"));
}

#[rocket::async_test]
async fn auth_user_guard_refuses_a_token_without_user() {
    let client = client("").await;
    let token = mint(HS256, &claims_with(json!({ "sub": null })));
    let refusal = Refusal::of(get(&client, "/user", Some(&token)).await).await;
    refusal.assert_invalid_token("main", "no user for this token");
}

#[rocket::async_test]
async fn auth_user_guard_refuses_a_missing_token_like_jwt() {
    let client = client("").await;
    let refusal = Refusal::of(get(&client, "/user", None).await).await;
    refusal.assert(Status::Unauthorized, "main", None, "bearer token required");
}

/// A user strategy registered in code: `preferred_username`, upper-cased,
/// counting its calls.
#[derive(Default, Clone)]
struct Shouting(Arc<AtomicUsize>);

#[rocket::async_trait]
impl UserStrategy for Shouting {
    async fn user(
        &self,
        _request: &Request<'_>,
        claims: &Claims,
    ) -> Result<Option<String>, LookupError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(claims
            .get("preferred_username")
            .and_then(Value::as_str)
            .map(str::to_uppercase))
    }
}

/// A user strategy whose accounts database is down.
struct Down;

#[rocket::async_trait]
impl UserStrategy for Down {
    async fn user(&self, _: &Request<'_>, _: &Claims) -> Result<Option<String>, LookupError> {
        Err(LookupError::new("accounts database is down"))
    }
}

/// Both guards of one route: `Jwt` and `AuthUser`.
#[rocket::get("/both")]
fn both(auth: Jwt, user: AuthUser) -> String {
    format!("{} {}", auth.validator(), user.id())
}

#[rocket::async_test]
async fn custom_user_strategy_is_used_by_name_once_per_request() {
    let shouting = Shouting::default();
    let config = validator("main", HS256, "user_strategy = \"shouting\"");
    let warden = Warden::fairing().user_strategy("shouting", shouting.clone());
    let client = Client::tracked(rocket_with(warden, &config, routes![both]))
        .await
        .expect("launches");
    let token = mint(HS256, &claims_with(json!({ "preferred_username": "ann" })));
    let response = get(&client, "/both", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some("main ANN"));
    assert_eq!(
        shouting.0.load(Ordering::SeqCst),
        1,
        "two guards, one resolution"
    );
}

#[rocket::async_test]
async fn failing_user_lookup_is_503_and_logged() {
    let config = validator("main", HS256, "user_strategy = \"accounts\"");
    let warden = Warden::fairing().user_strategy("accounts", Down);
    let client = Client::tracked(rocket_with(warden, &config, all_routes()))
        .await
        .expect("launches");
    let token = mint(HS256, &claims());
    let (log, refusal) =
        logged(async { Refusal::of(get(&client, "/who", Some(&token)).await).await }).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable);
    assert_eq!(
        refusal.challenge, None,
        "a server fault carries no challenge"
    );
    assert_eq!(refusal.body["error"], "temporarily_unavailable");
    assert!(
        log.contains("validator `main`: the user lookup failed: accounts database is down"),
        "log: {log}"
    );
    assert!(!refusal.body.to_string().contains("accounts database"));
}

#[rocket::async_test]
async fn unknown_user_strategy_aborts_launch() {
    let config = validator("main", HS256, "user_strategy = \"ldap\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &[
            "`jwt.validators.main.user_strategy`: unknown strategy `ldap` (known: `static`, \
           `claim`); register it with the fairing",
        ],
    )
    .await;
}

#[rocket::async_test]
async fn static_strategy_without_static_user_aborts_launch() {
    let config = validator("main", HS256, "user_strategy = \"static\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.main.static_user`: required by `user_strategy = \"static\"`"],
    )
    .await;
}

#[rocket::async_test]
async fn a_key_the_strategy_does_not_use_aborts_launch() {
    let config = validator(
        "main",
        HS256,
        "user_strategy = \"claim\"\nstatic_user = \"1\"",
    );
    assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.main.static_user`: is not used by `user_strategy = \"claim\"`"],
    )
    .await;
}

#[rocket::async_test]
async fn empty_strategy_and_claim_names_abort_launch() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "user_strategy = \"\"",
            &["`jwt.validators.main.user_strategy`: cannot be empty"],
        ),
        (
            "user_strategy = \"claim\"\nuser_claim = \"\"",
            &["`jwt.validators.main.user_claim`: a claim name cannot be empty"],
        ),
        (
            "partner_strategy = \"\"\npartner_claim = \"\"",
            &[
                "`jwt.validators.main.partner_strategy`: cannot be empty; use \"none\"",
                "`jwt.validators.main.partner_claim`: a claim name cannot be empty",
            ],
        ),
        (
            "partner_claim = \"org\"",
            &["`jwt.validators.main.partner_claim`: is not used by `partner_strategy = \"none\"`"],
        ),
    ];
    for (lines, messages) in cases {
        let config = validator("main", HS256, lines);
        assert_aborts(rocket(&config, all_routes()), messages).await;
    }
}

#[rocket::async_test]
async fn registering_a_built_in_name_aborts_launch() {
    let config = validator("main", HS256, "");
    let warden = Warden::fairing().user_strategy("static", Down);
    assert_aborts(
        rocket_with(warden, &config, all_routes()),
        &["`user_strategy`: `static` is built in: register yours under another name"],
    )
    .await;
}

#[rocket::async_test]
async fn a_nameless_or_twice_registered_strategy_aborts_launch() {
    let config = validator("main", HS256, "");
    let warden = Warden::fairing()
        .user_strategy("", Down)
        .user_strategy("accounts", Down)
        .user_strategy("accounts", Down);
    assert_aborts(
        rocket_with(warden, &config, all_routes()),
        &[
            "`user_strategy`: a registered strategy needs a name",
            "`user_strategy`: `accounts` is registered twice",
        ],
    )
    .await;
}

#[rocket::async_test]
async fn unknown_partner_strategy_aborts_launch() {
    let config = validator("main", HS256, "partner_strategy = \"crm\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.main.partner_strategy`: unknown strategy `crm`"],
    )
    .await;
}

// ---------------------------------------------------------------------------
// Partner strategies
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn email_with_one_match_is_the_partner() {
    let client = client("partner_strategy = \"email\"").await;
    let (status, body) = who_with(&client, json!({ "email": "alice@example.com" })).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        body["partner"],
        json!({ "id": 1, "name": "Alice & Co", "email": "alice@example.com" })
    );
}

#[rocket::async_test]
async fn email_matches_regardless_of_letter_case() {
    let client = client("partner_strategy = \"email\"").await;
    let (_, body) = who_with(&client, json!({ "email": "ALICE@Example.com" })).await;
    assert_eq!(body["partner"]["id"], 1);
}

#[rocket::async_test]
async fn email_with_no_match_is_no_partner() {
    let client = client("partner_strategy = \"email\"").await;
    let (status, body) = who_with(&client, json!({ "email": "nobody@example.com" })).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["partner"], Value::Null);
    let (status, body) = who_with(&client, json!({})).await;
    assert_eq!(
        (status, &body["partner"]),
        (Status::Ok, &Value::Null),
        "no email claim"
    );
}

#[rocket::async_test]
async fn email_with_several_matches_is_no_partner() {
    let client = client("partner_strategy = \"email\"").await;
    let (status, body) = who_with(&client, json!({ "email": "desk@example.com" })).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["partner"], Value::Null);
}

#[rocket::async_test]
async fn a_new_partner_row_is_seen_by_the_next_request() {
    let client = client("partner_strategy = \"email\"").await;
    execute(
        &client,
        "INSERT INTO partners (id, name, email) VALUES (10, 'Carol', 'carol@example.com')",
    )
    .await;
    let (_, body) = who_with(&client, json!({ "email": "carol@example.com" })).await;
    assert_eq!(body["partner"]["name"], "Carol");
}

#[rocket::async_test]
async fn partner_claim_names_the_email_claim() {
    let client = client("partner_strategy = \"email\"\npartner_claim = \"mail\"").await;
    let (_, body) = who_with(&client, json!({ "mail": "bob@example.com" })).await;
    assert_eq!(body["partner"]["id"], 2);
}

#[rocket::async_test]
async fn required_partner_found_is_200() {
    let client = client("partner_strategy = \"email\"\npartner_required = true").await;
    let (status, body) = who_with(&client, json!({ "email": "bob@example.com" })).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["partner"]["id"], 2);
}

#[rocket::async_test]
async fn required_partner_missing_is_401() {
    let client = client("partner_strategy = \"email\"\npartner_required = true").await;
    for email in ["nobody@example.com", "desk@example.com"] {
        let token = mint(HS256, &claims_with(json!({ "email": email })));
        let refusal = Refusal::of(get(&client, "/who", Some(&token)).await).await;
        refusal.assert_invalid_token("main", "no partner for this token");
    }
}

#[rocket::async_test]
async fn failing_directory_is_503_never_no_partner() {
    for required in [false, true] {
        let client = client(&format!(
            "partner_strategy = \"email\"\npartner_required = {required}"
        ))
        .await;
        execute(&client, "DROP TABLE partners").await;
        let token = mint(HS256, &claims_with(json!({ "email": "alice@example.com" })));
        let (log, refusal) =
            logged(async { Refusal::of(get(&client, "/who", Some(&token)).await).await }).await;
        assert_eq!(
            refusal.status,
            Status::ServiceUnavailable,
            "required = {required}"
        );
        assert_eq!(refusal.body["error"], "temporarily_unavailable");
        assert_eq!(
            refusal.body["error_description"],
            "identity lookup unavailable, try again later"
        );
        assert!(
            log.contains("validator `main`: the partner lookup failed: ")
                && log.contains("no such table: partners"),
            "log: {log}"
        );
    }
}

#[rocket::async_test]
async fn claim_partner_strategy_looks_the_id_up() {
    let client = client("partner_strategy = \"claim\"").await;
    let (_, body) = who_with(&client, json!({ "partner_id": 2 })).await;
    assert_eq!(body["partner"]["name"], "Bob Trading");
    let (_, body) = who_with(&client, json!({ "partner_id": "5" })).await;
    assert_eq!(
        body["partner"],
        json!({ "id": 5, "name": "No Email Ltd", "email": null })
    );
    let (status, body) = who_with(&client, json!({ "partner_id": 99 })).await;
    assert_eq!((status, &body["partner"]), (Status::Ok, &Value::Null));
    // No claim, or one that is no id: no partner, and the request goes on.
    for changes in [
        json!({}),
        json!({ "partner_id": "two" }),
        json!({ "partner_id": true }),
    ] {
        let (status, body) = who_with(&client, changes.clone()).await;
        assert_eq!(
            (status, &body["partner"]),
            (Status::Ok, &Value::Null),
            "{changes}"
        );
    }
}

/// A partner strategy registered in code: the partner is in the token.
struct InToken;

#[rocket::async_trait]
impl PartnerStrategy for InToken {
    async fn partner(
        &self,
        _request: &Request<'_>,
        claims: &Claims,
    ) -> Result<Option<Partner>, LookupError> {
        Ok(claims
            .get("org")
            .and_then(|org| serde_json::from_value(org.clone()).ok()))
    }
}

#[rocket::async_test]
async fn custom_partner_strategy_is_used_by_name() {
    let warden = Warden::fairing().partner_strategy("in_token", InToken);
    let client = client_with(warden, "partner_strategy = \"in_token\"").await;
    let org = json!({ "id": 77, "name": "Org", "email": null });
    let (_, body) = who_with(&client, json!({ "org": org })).await;
    assert_eq!(body["partner"], org);
}

#[rocket::async_test]
async fn email_strategy_without_a_directory_aborts_launch() {
    let config = validator("main", HS256, "partner_strategy = \"email\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &[
            "`jwt.validators.main.partner_strategy`: `email` looks partners up in the \
           application's directory, but none is registered: add `.partner_directory(...)` to \
           `Warden::fairing()`",
        ],
    )
    .await;
}

#[rocket::async_test]
async fn partner_required_without_a_strategy_aborts_launch() {
    let config = validator("main", HS256, "partner_required = true");
    assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.main.partner_required`: needs a `partner_strategy` other than `none`"],
    )
    .await;
}

#[rocket::async_test]
async fn auth_user_naming_no_validator_among_several_aborts_launch() {
    let config = format!(
        "{}{}",
        validator("alpha", HS256, ""),
        validator("beta", HS256, "")
    );
    let log = assert_sentinel_aborts(rocket(&config, routes![user]), "AuthUser").await;
    assert!(
        log.contains("`AuthUser` guard")
            && log.contains("names no validator, and several are configured (`alpha`, `beta`)"),
        "{log}"
    );
}
