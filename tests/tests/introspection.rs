//! Introspection validators (RFC 7662) against a real endpoint on 127.0.0.1:
//! a small Rocket server that answers active, inactive, slow, dead, lying
//! and JWT (RFC 9701) answers, and records what it was sent. Time moves
//! only through the manual clock.

mod remote_support;
mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rocket::form::Form;
use rocket::futures::future::join_all;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::Redirect;
use rocket::{post, routes, State};
use rocket_warden::clock::{Clock as _, ManualClock};
use serde_json::{json, Value};

use remote_support::{client_with_clock, clock};
use support::{get, jwt, keys, mint, one_guard, validator, Refusal, ISSUER};

const CLIENT_ID: &str = "api-client";
const CLIENT_SECRET: &str = "an introspection secret: with colon";

/// What the endpoint answers next.
#[derive(Clone)]
enum Reply {
    Json(Value),
    /// JSON text as written (a member may be named twice).
    Text(String),
    Jwt(String),
    Status(u16),
    /// This JSON, after a delay.
    Slow(Duration, Value),
}

/// What the endpoint was last sent: the `Authorization` header and the form.
type Asked = (Option<String>, HashMap<String, String>);

/// The endpoint's state: its answer, and what it was asked.
#[derive(Clone)]
struct Endpoint {
    reply: Arc<Mutex<Reply>>,
    calls: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<Asked>>>,
}

impl Endpoint {
    fn new(reply: Reply) -> Self {
        Self {
            reply: Arc::new(Mutex::new(reply)),
            calls: Arc::default(),
            last: Arc::default(),
        }
    }

    fn answer(&self, reply: Reply) {
        *self.reply.lock().expect("lock") = reply;
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn last(&self) -> Asked {
        self.last.lock().expect("lock").clone().expect("a request")
    }
}

/// The request's `Authorization` header, if any.
struct Authorization(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Authorization {
    type Error = ();
    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let header = request
            .headers()
            .get_one("Authorization")
            .map(str::to_owned);
        Outcome::Success(Self(header))
    }
}

#[post("/introspect", data = "<form>")]
async fn introspect(
    endpoint: &State<Endpoint>,
    authorization: Authorization,
    form: Form<HashMap<String, String>>,
) -> (Status, (ContentType, String)) {
    endpoint.calls.fetch_add(1, Ordering::SeqCst);
    *endpoint.last.lock().expect("lock") = Some((authorization.0, form.into_inner()));
    let reply = endpoint.reply.lock().expect("lock").clone();
    match reply {
        Reply::Json(value) => (Status::Ok, (ContentType::JSON, value.to_string())),
        Reply::Text(text) => (Status::Ok, (ContentType::JSON, text)),
        Reply::Jwt(jwt) => {
            let media = ContentType::new("application", "token-introspection+jwt");
            (Status::Ok, (media, jwt))
        }
        Reply::Status(code) => (Status::new(code), (ContentType::JSON, "{}".to_owned())),
        Reply::Slow(delay, value) => {
            tokio::time::sleep(delay).await;
            (Status::Ok, (ContentType::JSON, value.to_string()))
        }
    }
}

/// An endpoint that has moved: a 307 to the real one, which keeps the
/// method and the form, token included, wherever it points.
#[post("/moved")]
fn moved() -> Redirect {
    Redirect::temporary("/introspect")
}

/// The endpoint served on 127.0.0.1 (and `/moved`, redirecting to it); its
/// URL.
async fn serve(endpoint: &Endpoint) -> String {
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let rocket = rocket::custom(figment)
        .manage(endpoint.clone())
        .mount("/", routes![introspect, moved]);
    format!("{}/introspect", support::serve(rocket).await)
}

/// An active answer for `sub`, expiring an hour after `clock`'s now.
fn active(clock: &ManualClock, extra: Value) -> Value {
    let now = clock.now_secs();
    let mut answer = json!({
        "active": true, "iss": ISSUER, "sub": "alice", "aud": "api",
        "scope": "orders read", "iat": now, "exp": now + 3600,
    });
    if let (Some(answer), Value::Object(extra)) = (answer.as_object_mut(), extra) {
        answer.extend(extra);
    }
    answer
}

/// The `opaque` validator introspecting at `url`, with `extra` lines.
fn opaque_validator(url: &str, extra: &str) -> String {
    format!(
        "[jwt.validators.opaque]\nissuer = {ISSUER:?}\nalgorithms = [\"RS256\"]\n\
         audiences = [\"api\"]\nintrospection = true\nintrospection_endpoint = {url:?}\n\
         client_id = {CLIENT_ID:?}\n{extra}\n"
    )
}

fn secret_line() -> String {
    format!("client_secret = {CLIENT_SECRET:?}")
}

async fn opaque_client(url: &str, extra: &str, clock: &ManualClock) -> Client {
    client_with_clock(&opaque_validator(url, extra), routes![jwt], clock).await
}

async fn assert_refused(client: &Client, token: &str, description: &str) {
    Refusal::of(get(client, "/jwt", Some(token)).await)
        .await
        .assert_invalid_token("opaque", description);
}

async fn assert_unavailable(client: &Client, token: &str) {
    let response = get(client, "/jwt", Some(token)).await;
    assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
    let refusal = Refusal::of(response).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable);
    assert_eq!(refusal.challenge, None);
    assert_eq!(refusal.body["error"], "temporarily_unavailable");
}

#[tokio::test]
async fn an_active_answer_feeds_the_claims_and_is_cached_until_exp() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(active(
        &clock,
        json!({"exp": clock.now_secs() + 60}),
    )));
    let url = serve(&endpoint).await;
    let client = opaque_client(&url, &secret_line(), &clock).await;
    let response = get(&client, "/jwt", Some("opaque-token-1")).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("JSON");
    assert_eq!(body["sub"], "alice");
    assert_eq!(body["scope"], "orders read");
    assert_eq!(body["active"], true, "the answer's members are the claims");
    // Basic, both parts form-urlencoded first (RFC 6749 §2.3.1).
    let (authorization, form) = endpoint.last();
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "api-client:an+introspection+secret%3A+with+colon"
        )
    );
    assert_eq!(authorization.as_deref(), Some(expected.as_str()));
    assert_eq!(
        form.get("token").map(String::as_str),
        Some("opaque-token-1")
    );
    assert_eq!(
        form.get("token_type_hint").map(String::as_str),
        Some("access_token")
    );
    assert!(!form.contains_key("client_secret"));
    for _ in 0..3 {
        let response = get(&client, "/jwt", Some("opaque-token-1")).await;
        assert_eq!(response.status(), Status::Ok);
    }
    assert_eq!(endpoint.calls(), 1, "answered from the cache");
    // Never past `exp`: the cached answer expires with the token.
    clock.advance(Duration::from_secs(61));
    assert_refused(&client, "opaque-token-1", "token expired").await;
    assert_eq!(endpoint.calls(), 1);
}

/// A remembered active answer is read without waiting: a route's one
/// guard hands Rocket a future holding only its outcome, where the first
/// request's future holds the asking.
#[tokio::test]
async fn a_remembered_answer_leaves_a_request_nothing_to_wait_for() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(active(&clock, json!({}))));
    let url = serve(&endpoint).await;
    let client = opaque_client(&url, &secret_line(), &clock).await;
    let outcome = support::settled_size();
    let (asked, accepted) = one_guard(&client, "opaque-token-3").await;
    assert!(accepted.is_success());
    assert!(
        asked > outcome,
        "the first request's future: {asked}, outcome {outcome}"
    );
    let (remembered, accepted) = one_guard(&client, "opaque-token-3").await;
    let jwt = accepted.succeeded().expect("accepted");
    assert_eq!(jwt["sub"], "alice");
    assert!(
        remembered <= outcome,
        "the hit's future: {remembered}, outcome {outcome}"
    );
    assert_eq!(endpoint.calls(), 1);
}

/// The default HTTP client follows no redirect, for an introspection
/// validator alone too (no remote key set in the application): a redirect
/// would hand the token, and the client's credentials, to wherever it
/// points. The endpoint is unavailable, and nothing else is asked.
#[tokio::test]
async fn a_redirecting_endpoint_is_not_followed() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(active(&clock, json!({}))));
    let url = serve(&endpoint).await.replace("/introspect", "/moved");
    let client = opaque_client(&url, &secret_line(), &clock).await;
    assert_unavailable(&client, "opaque-token-4").await;
    assert_eq!(endpoint.calls(), 0, "the redirect was followed");
}

#[tokio::test]
async fn concurrent_first_requests_ask_once() {
    let clock = clock();
    let answer = active(&clock, json!({}));
    let endpoint = Endpoint::new(Reply::Slow(Duration::from_millis(300), answer));
    let url = serve(&endpoint).await;
    let client = opaque_client(&url, &secret_line(), &clock).await;
    let requests = (0..8).map(|_| get(&client, "/jwt", Some("opaque-token-2")));
    for response in join_all(requests).await {
        assert_eq!(response.status(), Status::Ok);
    }
    assert_eq!(endpoint.calls(), 1, "one request for eight");
}

#[tokio::test]
async fn an_inactive_answer_is_kept_a_few_seconds_only() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(json!({"active": false})));
    let url = serve(&endpoint).await;
    let client = opaque_client(&url, &secret_line(), &clock).await;
    assert_refused(&client, "revoked-token", "token inactive").await;
    assert_refused(&client, "revoked-token", "token inactive").await;
    assert_eq!(endpoint.calls(), 1);
    clock.advance(Duration::from_secs(6));
    endpoint.answer(Reply::Json(active(&clock, json!({}))));
    let response = get(&client, "/jwt", Some("revoked-token")).await;
    assert_eq!(response.status(), Status::Ok, "asked again after 5 s");
    assert_eq!(endpoint.calls(), 2);
}

#[tokio::test]
async fn answers_that_lie_or_cannot_be_read_are_refused() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(active(&clock, json!({"aud": "another-api"}))));
    let url = serve(&endpoint).await;
    let client = opaque_client(&url, &secret_line(), &clock).await;
    // Active, but for another audience: refused like such a JWT.
    assert_refused(&client, "token-a", "wrong audience").await;
    endpoint.answer(Reply::Json(active(
        &clock,
        json!({"iss": "https://other.test"}),
    )));
    assert_refused(&client, "token-b", "wrong issuer").await;
    endpoint.answer(Reply::Json(active(
        &clock,
        json!({"exp": clock.now_secs() - 10}),
    )));
    assert_refused(&client, "token-c", "token expired").await;
    let refresh = active(&clock, json!({"token_type": "refresh_token"}));
    endpoint.answer(Reply::Json(refresh));
    assert_refused(&client, "token-r", "wrong token type").await;
    endpoint.answer(Reply::Json(json!({"active": "yes"})));
    assert_refused(&client, "token-d", "token not confirmed by its issuer").await;
    endpoint.answer(Reply::Json(json!(["active", true])));
    assert_refused(&client, "token-e", "token not confirmed by its issuer").await;
    // A member named twice, at the top or deeper, has two readings: refused
    // as a token's claims are (found by the `introspection` fuzz target).
    let answer = active(&clock, json!({"realm": {"roles": ["user"]}})).to_string();
    for twice in [
        answer.replacen('{', r#"{"sub":"mallory","#, 1),
        answer.replacen(r#""roles":"#, r#""roles":["admin"],"roles":"#, 1),
    ] {
        assert_ne!(twice, answer);
        endpoint.answer(Reply::Text(twice));
        assert_refused(&client, "token-f", "token not confirmed by its issuer").await;
    }
    endpoint.answer(Reply::Text(answer));
    let response = get(&client, "/jwt", Some("token-g")).await;
    assert_eq!(
        response.status(),
        Status::Ok,
        "the same answer, each member once"
    );
}

#[tokio::test]
async fn a_dead_slow_or_refusing_endpoint_is_a_503_never_cached() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Status(500));
    let url = serve(&endpoint).await;
    let extra = format!("{}\nintrospection_timeout_ms = 200", secret_line());
    let client = opaque_client(&url, &extra, &clock).await;
    assert_unavailable(&client, "token-1").await;
    endpoint.answer(Reply::Status(401));
    assert_unavailable(&client, "token-1").await;
    endpoint.answer(Reply::Slow(
        Duration::from_secs(2),
        active(&clock, json!({})),
    ));
    assert_unavailable(&client, "token-1").await;
    endpoint.answer(Reply::Json(active(&clock, json!({}))));
    let response = get(&client, "/jwt", Some("token-1")).await;
    assert_eq!(response.status(), Status::Ok, "no failure was remembered");
    // Nothing listens there.
    let dead = opaque_client("http://127.0.0.1:9/introspect", &secret_line(), &clock).await;
    assert_unavailable(&dead, "token-1").await;
}

#[tokio::test]
async fn client_secret_post_and_private_key_jwt_authenticate_in_the_form() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(active(&clock, json!({}))));
    let url = serve(&endpoint).await;
    let extra = format!("{}\nclient_auth = \"client_secret_post\"", secret_line());
    let client = opaque_client(&url, &extra, &clock).await;
    assert_eq!(get(&client, "/jwt", Some("t1")).await.status(), Status::Ok);
    let (authorization, form) = endpoint.last();
    assert_eq!(authorization, None);
    assert_eq!(form.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(
        form.get("client_secret").map(String::as_str),
        Some(CLIENT_SECRET)
    );

    let dir = tempfile::tempdir().expect("a directory");
    let key_file = dir.path().join("client.key");
    std::fs::write(&key_file, keys::RSA_PRIVATE).expect("written");
    let extra = format!(
        "client_private_key_file = {:?}",
        key_file.display().to_string()
    );
    let client = opaque_client(&url, &extra, &clock).await;
    assert_eq!(get(&client, "/jwt", Some("t2")).await.status(), Status::Ok);
    let (authorization, form) = endpoint.last();
    assert_eq!(authorization, None);
    assert_eq!(
        form.get("client_assertion_type").map(String::as_str),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let assertion = form.get("client_assertion").expect("an assertion");
    let key = DecodingKey::from_rsa_pem(keys::RSA_PUBLIC.as_bytes()).expect("the public key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[url.as_str()]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.leeway = 5;
    let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .expect("a valid assertion")
        .claims;
    assert_eq!(claims["sub"], CLIENT_ID);
    assert!(claims["jti"].as_str().is_some_and(|jti| jti.len() >= 16));
}

/// A JWT answer (RFC 9701) signed with the RSA test key.
fn jwt_answer(clock: &ManualClock, aud: &str, members: Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("token-introspection+jwt".to_owned());
    let claims = json!({
        "iss": ISSUER, "aud": aud, "iat": clock.now_secs(),
        "token_introspection": members,
    });
    let key = EncodingKey::from_rsa_pem(keys::RSA_PRIVATE.as_bytes()).expect("the key");
    jsonwebtoken::encode(&header, &claims, &key).expect("encoded")
}

#[tokio::test]
async fn jwt_answers_are_verified_before_they_are_believed() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Jwt(jwt_answer(
        &clock,
        CLIENT_ID,
        active(&clock, json!({})),
    )));
    let url = serve(&endpoint).await;
    let extra = format!(
        "{}\npublic_key_pem = '''\n{}'''",
        secret_line(),
        keys::RSA_PUBLIC
    );
    let client = opaque_client(&url, &extra, &clock).await;
    assert_eq!(get(&client, "/jwt", Some("t1")).await.status(), Status::Ok);
    // Meant for another client.
    endpoint.answer(Reply::Jwt(jwt_answer(
        &clock,
        "someone-else",
        active(&clock, json!({})),
    )));
    assert_refused(&client, "t2", "token not confirmed by its issuer").await;
    // Signed with another key.
    let forged = jwt_answer(&clock, CLIENT_ID, active(&clock, json!({})));
    let other = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("key");
    let (signed, _) = forged.rsplit_once('.').expect("three parts");
    let resigned = jsonwebtoken::encode(
        &jsonwebtoken::decode_header(&forged).expect("a header"),
        &serde_json::from_slice::<Value>(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                signed.split('.').nth(1).expect("claims"),
            )
            .expect("base64"),
        )
        .expect("JSON"),
        &other,
    )
    .expect("encoded");
    endpoint.answer(Reply::Jwt(resigned));
    assert_refused(&client, "t3", "token not confirmed by its issuer").await;
    // Without keys configured, a JWT answer cannot be believed.
    endpoint.answer(Reply::Jwt(jwt_answer(
        &clock,
        CLIENT_ID,
        active(&clock, json!({})),
    )));
    let keyless = opaque_client(&url, &secret_line(), &clock).await;
    assert_refused(&keyless, "t4", "token not confirmed by its issuer").await;
}

#[tokio::test]
async fn a_chain_takes_a_jwt_else_introspects() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(active(&clock, json!({}))));
    let url = serve(&endpoint).await;
    let config = format!(
        "{}{}",
        validator(
            "local",
            Algorithm::HS256,
            "next = \"opaque\"\naudiences = [\"api\"]"
        ),
        opaque_validator(&url, &secret_line())
    );
    let client = client_with_clock(&config, routes![local_route], &clock).await;
    // Timed by the manual clock: the system's may pass a second meanwhile.
    let mut claims = remote_support::claims_at(&clock);
    claims["aud"] = json!("api");
    let token = mint(Algorithm::HS256, &claims);
    assert_eq!(
        get(&client, "/local", Some(&token)).await.status(),
        Status::Ok
    );
    assert_eq!(
        endpoint.calls(),
        0,
        "a JWT the first validator takes is not introspected"
    );
    assert_eq!(
        get(&client, "/local", Some("opaque")).await.status(),
        Status::Ok
    );
    assert_eq!(endpoint.calls(), 1);
}

/// The issuer's discovery document, as the test sets it.
#[derive(Clone, Default)]
struct Document(Arc<Mutex<Value>>);

#[rocket::get("/.well-known/openid-configuration")]
fn discovery_document(document: &State<Document>) -> (ContentType, String) {
    let document = document.0.lock().expect("lock").to_string();
    (ContentType::JSON, document)
}

#[tokio::test]
async fn the_endpoint_is_found_through_the_issuers_discovery_document() {
    let clock = clock();
    let endpoint = Endpoint::new(Reply::Json(Value::Null));
    let document = Document::default();
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let server = rocket::custom(figment)
        .manage(endpoint.clone())
        .manage(document.clone())
        .mount("/", routes![introspect, discovery_document]);
    let issuer = support::serve(server).await;
    let introspect_at = format!("{issuer}/introspect");
    let mut answer = active(&clock, json!({}));
    answer["iss"] = json!(issuer);
    endpoint.answer(Reply::Json(answer));
    // A document of another issuer is not believed: nothing is sent to the
    // endpoint it names, and the request is a 503, retried later.
    *document.0.lock().expect("lock") = json!({
        "issuer": "https://impostor.example.com",
        "introspection_endpoint": introspect_at,
    });
    let config = format!(
        "[jwt.validators.opaque]\nissuer = {issuer:?}\nalgorithms = [\"RS256\"]\n\
         audiences = [\"api\"]\nintrospection = true\ndiscovery = true\n\
         client_id = {CLIENT_ID:?}\n{}\n",
        secret_line()
    );
    let client = client_with_clock(&config, routes![jwt], &clock).await;
    let (log, ()) = support::logged(assert_unavailable(&client, "opaque-token-1")).await;
    assert_eq!(endpoint.calls(), 0);
    assert!(
        log.contains("names issuer \"https://impostor.example.com\", not the configured"),
        "log: {log}"
    );
    // The issuer's own document: its endpoint is asked, and kept.
    *document.0.lock().expect("lock") = json!({
        "issuer": issuer,
        "introspection_endpoint": introspect_at,
        "jwks_uri": format!("{issuer}/jwks"),
    });
    for token in ["opaque-token-1", "opaque-token-2"] {
        let response = get(&client, "/jwt", Some(token)).await;
        assert_eq!(response.status(), Status::Ok);
        let body: Value = response.into_json().await.expect("JSON");
        assert_eq!(body["sub"], "alice");
    }
    assert_eq!(endpoint.calls(), 2);
    *document.0.lock().expect("lock") = json!({ "issuer": issuer });
    let response = get(&client, "/jwt", Some("opaque-token-3")).await;
    assert_eq!(response.status(), Status::Ok, "the endpoint found is kept");
    assert_eq!(endpoint.calls(), 3);
}

#[rocket_warden::jwt_auth(validator = "local")]
#[rocket::get("/local")]
fn local_route() -> &'static str {
    "ok"
}

#[tokio::test]
async fn introspection_settings_are_checked_at_launch() {
    let clock = clock();
    let at = "http://127.0.0.1:9/i";
    let with_secret = |extra: &str| opaque_validator(at, &format!("{}\n{extra}", secret_line()));
    let dir = tempfile::tempdir().expect("a directory");
    let key_file = dir.path().join("client.key");
    std::fs::write(&key_file, keys::RSA_PRIVATE).expect("written");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "not a key").expect("written");
    let key_line = |file: &std::path::Path| {
        format!("client_private_key_file = {:?}", file.display().to_string())
    };
    let without_endpoint = format!(
        "[jwt.validators.opaque]\nissuer = {ISSUER:?}\nalgorithms = [\"RS256\"]\n\
         introspection = true\nclient_id = \"\"\n{}\n",
        secret_line()
    );
    let cases: Vec<(String, &str)> =
        vec![
        (
            with_secret("token_type = \"at+jwt\""),
            "`jwt.validators.opaque.token_type`: applies to JWTs, not to introspected tokens",
        ),
        (
            opaque_validator(at, ""),
            "`jwt.validators.opaque.client_secret`: required",
        ),
        (
            opaque_validator("http://introspect.example.com/i", &secret_line()),
            "`jwt.validators.opaque.introspection_endpoint`: must use https",
        ),
        (
            with_secret("introspection_negative_cache_secs = 600"),
            "`jwt.validators.opaque.introspection_negative_cache_secs`: at most 60 seconds",
        ),
        (
            with_secret("introspection_cache_secs = 3601"),
            "`jwt.validators.opaque.introspection_cache_secs`: at most 3600 seconds",
        ),
        (
            with_secret("introspection_timeout_ms = 0"),
            "`jwt.validators.opaque.introspection_timeout_ms`: between 1 and 60000 milliseconds",
        ),
        (
            validator("plain", Algorithm::HS256, "client_id = \"x\""),
            "`jwt.validators.plain.client_id`: applies only with `introspection = true`",
        ),
        (
            without_endpoint.clone(),
            "`jwt.validators.opaque.introspection_endpoint`: required, unless `discovery = true` \
             finds it in the issuer's document",
        ),
        (
            without_endpoint,
            "`jwt.validators.opaque.client_id`: required: the client the endpoint knows",
        ),
        (
            opaque_validator(at, "client_secret_env = \"WARDEN_TEST_NEVER_SET\""),
            "`jwt.validators.opaque.client_secret_env`: environment variable \
             `WARDEN_TEST_NEVER_SET` is not set or not UTF-8",
        ),
        (
            with_secret("client_secret_env = \"PATH\""),
            "`jwt.validators.opaque.client_secret_env`: conflicts with `client_secret`: set one",
        ),
        (
            with_secret("client_auth = \"tls_client_auth\""),
            "`jwt.validators.opaque.client_auth`: one of `client_secret_basic`, \
             `client_secret_post`, `private_key_jwt`",
        ),
        (
            with_secret(&key_line(&key_file)),
            "`jwt.validators.opaque.client_private_key_file`: conflicts with the client secret: \
             set one",
        ),
        (
            opaque_validator(
                at,
                &format!("client_auth = \"client_secret_post\"\n{}", key_line(&key_file)),
            ),
            "`jwt.validators.opaque.client_auth`: `client_secret_post` does not fit the \
             credentials given",
        ),
        (
            opaque_validator(
                at,
                &format!("client_assertion_algorithm = \"HS256\"\n{}", key_line(&key_file)),
            ),
            "`jwt.validators.opaque.client_assertion_algorithm`: an asymmetric algorithm",
        ),
        (
            opaque_validator(at, &key_line(&dir.path().join("absent.key"))),
            "`jwt.validators.opaque.client_private_key_file`: cannot read",
        ),
        (
            opaque_validator(at, &key_line(&not_pem)),
            "`jwt.validators.opaque.client_private_key_file`: not a PEM private key for RS256",
        ),
    ];
    for (config, message) in cases {
        let rocket = remote_support::rocket_with_clock(&config, routes![jwt], &clock);
        support::ignite::assert_aborts(rocket, &[message]).await;
    }
}
