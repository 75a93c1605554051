//! Cookie mode: a private cookie issued after a bearer success, accepted
//! without a header and re-issued (sliding), refused when tampered with or
//! expired, never set on failure or for anonymous requests, and always
//! second to a header.

mod support;

use base64::Engine as _;
use jsonwebtoken::Algorithm::{HS256, RS256};
use rocket::http::{Cookie, SameSite, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::Json;
use rocket::time::Duration;
use rocket::{routes, Route};
use rocket_warden::clock::ManualClock;
use rocket_warden::policy::{Policy, RoutePolicy};
use rocket_warden::{Jwt, OptionalJwt, Warden};
use serde::Deserialize;
use serde_json::{json, Value};
use support::ignite::assert_aborts;
use support::*;

const COOKIE: &str = "auth";
const SETTINGS: &str = "cookie_enabled = true\ncookie_name = \"auth\"\ncookie_max_age_secs = 600";

/// Claims a token without `age` does not fit.
#[derive(Deserialize)]
struct WithAge {
    #[allow(dead_code)]
    age: u32,
}

#[rocket::get("/aged")]
fn aged(_auth: Jwt<WithAge>) -> &'static str {
    "ok"
}

fn all_routes() -> Vec<Route> {
    routes![jwt, optional, aged]
}

/// The application's `secret_key` in these tests, so they can read what
/// Rocket encrypts.
const SECRET_KEY: [u8; 64] = [7; 64];

async fn client_with(extra: &str) -> Client {
    let secret_key = base64::engine::general_purpose::STANDARD.encode(SECRET_KEY);
    let config = format!(
        "secret_key = \"{secret_key}\"\n{}",
        validator("main", HS256, extra)
    );
    Client::untracked(rocket(&config, all_routes()))
        .await
        .expect("launches")
}

/// What an issued cookie holds, decrypted as Rocket does.
fn opened(issued: &Cookie<'static>) -> Value {
    let mut jar = cookie::CookieJar::new();
    jar.add_original(issued.clone());
    let key = cookie::Key::from(&SECRET_KEY);
    let plain = jar
        .private(&key)
        .get(issued.name())
        .expect("the cookie decrypts");
    serde_json::from_str(plain.value()).expect("the cookie holds JSON")
}

/// The `auth` cookie a response sets, if any.
fn issued(response: &LocalResponse<'_>) -> Option<Cookie<'static>> {
    response.cookies().get(COOKIE).cloned()
}

/// A bearer request for `sub`'s token and the cookie it earned.
async fn cookie_for(client: &Client, sub: &str) -> Cookie<'static> {
    let token = mint(HS256, &claims_with(json!({ "sub": sub })));
    let response = get(client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    issued(&response).expect("a cookie is issued")
}

/// What a forged (but correctly encrypted) cookie of validator `main` holds.
fn stored(validator: &str, exp: u64) -> String {
    json!({
        "validator": validator,
        "header": { "alg": "HS256", "typ": "JWT" },
        "payload": claims(),
        "exp": exp,
    })
    .to_string()
}

async fn sub_of(response: LocalResponse<'_>) -> Value {
    let body: Value = response.into_json().await.expect("json");
    body["sub"].clone()
}

#[rocket::async_test]
async fn a_bearer_success_sets_a_private_httponly_strict_cookie() {
    let client = client_with(SETTINGS).await;
    let token = mint(HS256, &claims());
    let response = get(&client, "/jwt", Some(&token)).await;
    let cookie = issued(&response).expect("a cookie is issued");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.path(), Some("/"));
    assert_eq!(cookie.max_age(), Some(Duration::seconds(600)));
    assert!(cookie.expires_datetime().is_some());
    // Encrypted: neither the token nor the claims can be read in it.
    assert!(!cookie.value().contains("alice"));
    assert!(token.split('.').all(|part| !cookie.value().contains(part)));
    // It holds the accepting validator, the token's header and payload, and
    // its own expiry.
    let held = opened(&cookie);
    assert_eq!(held["validator"], "main");
    assert_eq!(held["header"]["alg"], "HS256");
    assert_eq!(held["payload"]["sub"], "alice");
    let exp = held["exp"].as_u64().expect("a number");
    assert!((now() + 599..=now() + 600).contains(&exp), "exp {exp}");
}

#[rocket::async_test]
async fn a_cached_token_issues_the_cookie_again_on_each_bearer_request() {
    let client = client_with(SETTINGS).await;
    let token = mint(HS256, &claims());
    // The second request is a validated-token cache hit, which finishes
    // without waiting on anything: it issues the cookie all the same.
    for request in ["first", "second"] {
        let response = get(&client, "/jwt", Some(&token)).await;
        assert_eq!(response.status(), Status::Ok, "{request}");
        let cookie = issued(&response).expect("a cookie is issued");
        assert_eq!(opened(&cookie)["payload"]["sub"], "alice", "{request}");
    }
}

#[rocket::async_test]
async fn cookie_secure_and_path_are_configurable() {
    let client = client_with(&format!(
        "{SETTINGS}\ncookie_secure = false\ncookie_path = \"/api\""
    ))
    .await;
    let cookie = cookie_for(&client, "alice").await;
    assert_ne!(cookie.secure(), Some(true));
    assert_eq!(cookie.path(), Some("/api"));
}

#[rocket::async_test]
async fn the_cookie_name_defaults_to_the_validator_name() {
    let client = client_with("cookie_enabled = true").await;
    let response = get(&client, "/jwt", Some(&mint(HS256, &claims()))).await;
    let cookie = response
        .cookies()
        .get("main_auth")
        .expect("main_auth is set");
    assert_eq!(cookie.max_age(), Some(Duration::seconds(31_536_000)));
}

#[rocket::async_test]
async fn the_cookie_authenticates_without_a_header() {
    let client = client_with(SETTINGS).await;
    let cookie = cookie_for(&client, "alice").await;
    let response = client.get("/jwt").cookie(cookie.clone()).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(sub_of(response).await, "alice");
    let response = client.get("/optional").cookie(cookie).dispatch().await;
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "anonymous": false, "sub": "alice" }))
    );
}

#[rocket::async_test]
async fn each_cookie_request_issues_it_again_with_a_full_max_age() {
    let client = client_with(SETTINGS).await;
    // A cookie with five seconds left…
    let response = client
        .get("/jwt")
        .private_cookie((COOKIE, stored("main", now() + 5)))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    // …comes back with its full lifetime, and that one works too.
    let renewed = issued(&response).expect("the cookie is issued again");
    assert_eq!(renewed.max_age(), Some(Duration::seconds(600)));
    let exp = opened(&renewed)["exp"].as_u64().expect("a number");
    assert!(exp >= now() + 599, "the expiry slid: {exp}");
    let response = client.get("/jwt").cookie(renewed.clone()).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let again = issued(&response).expect("and again");
    assert_ne!(
        again.value(),
        renewed.value(),
        "freshly encrypted each time"
    );
}

#[rocket::async_test]
async fn a_tampered_cookie_is_401_never_anonymous() {
    let client = client_with(SETTINGS).await;
    let cookie = cookie_for(&client, "alice").await;
    let mut value = cookie.value().to_owned();
    let last = value.pop().expect("not empty");
    value.push(if last == 'A' { 'B' } else { 'A' });
    for path in ["/jwt", "/optional"] {
        for forged in [value.clone(), stored("main", now() + 60)] {
            let response = client.get(path).cookie((COOKIE, forged)).dispatch().await;
            assert!(issued(&response).is_none());
            Refusal::of(response)
                .await
                .assert_invalid_token("main", "authentication cookie is invalid");
        }
    }
}

/// A cookie Rocket cannot decode (its percent-encoding is not UTF-8) is
/// left out of Rocket's jar; it is still a cookie the client sent, and a
/// tampered one: 401, never anonymous (a finding of the `request` fuzz
/// target). Sent through a real server, since only hyper's path parses the
/// `Cookie` header into the jar.
#[rocket::async_test]
async fn an_undecodable_cookie_is_401_never_anonymous() {
    let base = served(SETTINGS).await;
    let http = reqwest::Client::new();
    for value in ["%C3%28", "%FF", "ok%C3"] {
        for path in ["/jwt", "/optional"] {
            let response = http
                .get(format!("{base}{path}"))
                .header("Cookie", format!("{COOKIE}={value}"))
                .send()
                .await
                .expect("answered");
            assert_eq!(response.status().as_u16(), 401, "{path} {value}");
            let body: Value =
                serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
            assert_eq!(
                body["error_description"],
                "authentication cookie is invalid"
            );
        }
    }
    // A cookie of another name that does not decode is no credential.
    let response = http
        .get(format!("{base}/optional"))
        .header("Cookie", "other=%C3%28")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
}

/// A session cookie is refused on a token route even when Rocket cannot
/// decode its value, or its name is percent-encoded.
#[rocket::async_test]
async fn an_undecodable_session_cookie_is_still_refused() {
    let base = served("reject_session_cookies = [\"session_id\"]").await;
    let http = reqwest::Client::new();
    for cookie in ["session_id=%C3%28", "session%5Fid=1", "a=1; session_id=%FF"] {
        let response = http
            .get(format!("{base}/optional"))
            .header("Cookie", cookie)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status().as_u16(), 401, "{cookie}");
        let body: Value =
            serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
        assert_eq!(body["error"], "session_cookie_refused", "{cookie}");
    }
}

/// The cookie tests' application, launched on 127.0.0.1.
async fn served(extra: &str) -> String {
    let secret_key = base64::engine::general_purpose::STANDARD.encode(SECRET_KEY);
    let config = format!(
        "secret_key = \"{secret_key}\"\n{}",
        validator("main", HS256, extra)
    );
    serve(rocket(&config, all_routes())).await
}

#[rocket::async_test]
async fn an_expired_cookie_is_401_never_anonymous() {
    let client = client_with(SETTINGS).await;
    for path in ["/jwt", "/optional"] {
        let response = client
            .get(path)
            .private_cookie((COOKIE, stored("main", now() - 1)))
            .dispatch()
            .await;
        assert!(issued(&response).is_none());
        Refusal::of(response)
            .await
            .assert_invalid_token("main", "authentication cookie expired");
    }
}

#[rocket::async_test]
async fn a_cookie_naming_another_validator_is_401() {
    let client = client_with(SETTINGS).await;
    let response = client
        .get("/jwt")
        .private_cookie((COOKIE, stored("other", now() + 60)))
        .dispatch()
        .await;
    Refusal::of(response)
        .await
        .assert_invalid_token("main", "authentication cookie is invalid");
}

#[rocket::async_test]
async fn the_header_wins_over_the_cookie() {
    let client = client_with(SETTINGS).await;
    let alice = cookie_for(&client, "alice").await;
    let bob = mint(HS256, &claims_with(json!({ "sub": "bob" })));
    let response = client
        .get("/jwt")
        .header(bearer(&bob))
        .cookie(alice.clone())
        .dispatch()
        .await;
    let renewed = issued(&response).expect("the header's identity is kept");
    assert_eq!(sub_of(response).await, "bob");
    let response = client.get("/jwt").cookie(renewed).dispatch().await;
    assert_eq!(sub_of(response).await, "bob");

    // A bad header is refused even with a good cookie.
    let expired = mint(HS256, &claims_with(json!({ "exp": now() - 10 })));
    let response = client
        .get("/optional")
        .header(bearer(&expired))
        .cookie(alice)
        .dispatch()
        .await;
    assert!(issued(&response).is_none());
    Refusal::of(response)
        .await
        .assert_invalid_token("main", "token expired");
}

#[rocket::async_test]
async fn no_cookie_is_set_on_failure_or_for_anonymous_requests() {
    let client = client_with(SETTINGS).await;
    let expired = mint(HS256, &claims_with(json!({ "exp": now() - 10 })));
    let response = get(&client, "/jwt", Some(&expired)).await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert!(issued(&response).is_none());

    let response = get(&client, "/optional", None).await;
    assert_eq!(response.status(), Status::Ok);
    assert!(issued(&response).is_none());

    // A valid token whose claims do not fit the handler is still a failure.
    let response = get(&client, "/aged", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert!(issued(&response).is_none());
}

#[rocket::async_test]
async fn without_cookie_mode_no_cookie_is_set_or_read() {
    let client = client_with("").await;
    let response = get(&client, "/jwt", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.cookies().iter().count(), 0);
    let response = client
        .get("/optional")
        .private_cookie(("main_auth", stored("main", now() + 60)))
        .dispatch()
        .await;
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "anonymous": true }))
    );
}

/// Routes naming validator `a`, which chains to `b`.
enum ViaA {}

impl Policy for ViaA {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("a");
}

#[rocket::get("/a")]
fn via_a(auth: Jwt<Value, ViaA>) -> Json<Value> {
    Json(json!({ "validator": auth.validator(), "sub": auth["sub"] }))
}

#[rocket::get("/a/optional")]
fn via_a_optional(auth: OptionalJwt<Value, ViaA>) -> Json<Value> {
    Json(json!({ "validator": auth.as_ref().map(|jwt| jwt.validator()) }))
}

#[rocket::async_test]
async fn in_a_chain_the_accepting_validators_cookie_is_used() {
    let config = format!(
        "{}{}",
        validator("a", HS256, "next = \"b\""),
        validator(
            "b",
            RS256,
            "cookie_enabled = true\ncookie_name = \"b_auth\""
        )
    );
    let client = Client::untracked(rocket(&config, routes![via_a, via_a_optional]))
        .await
        .expect("launches");
    // `a` has no cookie mode: its tokens earn no cookie.
    let response = get(&client, "/a", Some(&mint(HS256, &claims()))).await;
    assert_eq!(response.cookies().iter().count(), 0);
    // `b` has: its tokens do, on `a`'s routes too, and the cookie works there.
    let response = get(&client, "/a", Some(&mint(RS256, &claims()))).await;
    let cookie = response
        .cookies()
        .get("b_auth")
        .cloned()
        .expect("b's cookie");
    let response = client.get("/a").cookie(cookie.clone()).dispatch().await;
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "validator": "b", "sub": "alice" }))
    );
    let response = client.get("/a/optional").cookie(cookie).dispatch().await;
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "validator": "b" }))
    );
}

#[rocket::async_test]
async fn cookie_settings_without_cookie_mode_abort_launch() {
    let config = validator("main", HS256, "cookie_name = \"auth\"");
    assert_aborts(
        rocket(&config, all_routes()),
        &["`jwt.validators.main.cookie_name`: is not used unless `cookie_enabled = true`"],
    )
    .await;
}

#[rocket::async_test]
async fn bad_cookie_settings_abort_launch() {
    let config = validator(
        "main",
        HS256,
        "cookie_enabled = true\ncookie_name = \"a b\"\ncookie_max_age_secs = 0\ncookie_path = \"api\"",
    );
    assert_aborts(
        rocket(&config, all_routes()),
        &[
            "`jwt.validators.main.cookie_name`: a cookie name: letters, digits, `-`, `_`, `.`",
            "`jwt.validators.main.cookie_max_age_secs`: from 1 to 315360000 seconds",
            "`jwt.validators.main.cookie_path`: a path starting with `/`, printable ASCII \
             without `;`",
        ],
    )
    .await;
}

#[rocket::async_test]
async fn a_token_too_large_for_a_cookie_authenticates_but_sets_none() {
    let client = client_with(SETTINGS).await;
    let token = mint(HS256, &claims_with(json!({ "note": "x".repeat(3000) })));
    let (log, response) = logged(get(&client, "/jwt", Some(&token))).await;
    assert_eq!(response.status(), Status::Ok);
    assert!(issued(&response).is_none());
    assert!(
        log.contains("validator `main`: the token is too large to keep in cookie `auth`"),
        "log: {log}"
    );
}

#[rocket::async_test]
async fn refusing_the_validators_own_cookie_aborts_launch() {
    let config = validator(
        "main",
        HS256,
        &format!("{SETTINGS}\nreject_session_cookies = [\"auth\"]"),
    );
    assert_aborts(
        rocket(&config, all_routes()),
        &[
            "`jwt.validators.main.reject_session_cookies`: names `auth`, this validator's own \
           cookie",
        ],
    )
    .await;
}

#[rocket::async_test]
async fn the_cookie_slides_on_the_applications_clock() {
    // A little ahead of the system clock the tokens are minted by, so that
    // a token minted a second later is not issued in the future.
    let clock = ManualClock::at_secs(now() + 5);
    let config = validator("main", HS256, SETTINGS);
    let warden = Warden::fairing().clock(clock.clone());
    let client = Client::untracked(rocket_with(warden, &config, all_routes()))
        .await
        .expect("launches");
    let mut cookie = cookie_for(&client, "alice").await;
    // Each use within the lifetime (600 s) issues it again for 600 s more:
    // three uses 599 s apart keep it alive for 1797 s.
    for _ in 0..3 {
        clock.advance(std::time::Duration::from_secs(599));
        let response = client.get("/jwt").cookie(cookie.clone()).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        cookie = issued(&response).expect("issued again");
    }
    // Unused for its whole lifetime, it expires.
    clock.advance(std::time::Duration::from_secs(600));
    let response = client.get("/optional").cookie(cookie).dispatch().await;
    Refusal::of(response)
        .await
        .assert_invalid_token("main", "authentication cookie expired");
}
