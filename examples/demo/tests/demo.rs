//! The demo's fixed contract (DESIGN.md): its routes, their JSON, and the
//! development token it prints, driven through the demo's own `Rocket.toml`.

mod support;

use jsonwebtoken::{encode, EncodingKey, Header};
use rocket::http::{Method, Status};
use rocket::local::asynchronous::Client;
use rocket_warden::state::RoutePolicies;
use serde_json::{json, Value};
use support::{get, now, Refusal};

/// The demo as `cargo run -p warden-demo` builds it, quiet, with its
/// partners in a database file of its own.
async fn demo() -> (Client, Value) {
    let (db, url) = support::temp_db();
    let figment = support::with_db(warden_demo::figment(), &url).merge(("log_level", "off"));
    let settings: Value = figment
        .extract_inner("jwt.validators.demo")
        .expect("the demo has a `demo` validator");
    let client = Client::tracked(warden_demo::rocket_from(figment).manage(db))
        .await
        .expect("the demo launches");
    (client, settings)
}

/// A token signed with the demo's secret, with `claims` over the demo's issuer and audience.
fn demo_token(settings: &Value, claims: Value) -> String {
    let mut payload = json!({
        "iss": settings["issuer"], "aud": settings["audiences"][0],
        "sub": "bob", "iat": now(), "exp": now() + 60,
    });
    for (name, value) in claims.as_object().into_iter().flatten() {
        payload[name] = value.clone();
    }
    let secret = settings["secret"]
        .as_str()
        .expect("the demo validator has a secret");
    encode(
        &Header::default(),
        &payload,
        &EncodingKey::from_secret(secret.as_bytes()).expect("a usable HMAC secret"),
    )
    .expect("encodes")
}

#[rocket::async_test]
async fn health_is_public() {
    let (client, _) = demo().await;
    let response = get(&client, "/health", None).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "status": "ok" }))
    );
}

#[rocket::async_test]
async fn the_printed_development_token_gets_a_200() {
    let (client, _) = demo().await;
    let token =
        warden_demo::mint_dev_token(&warden_demo::figment()).expect("the demo mints a token");
    let response = get(&client, "/whoami", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("json");
    assert_eq!(body["claims"]["sub"], "demo-user");
}

#[rocket::async_test]
async fn whoami_answers_the_contract_shape() {
    let (client, settings) = demo().await;
    let token = demo_token(&settings, json!({ "email": "bob@example.com" }));
    let response = get(&client, "/whoami", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("json");
    let keys: Vec<_> = body
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["claims", "partner", "roles", "user"]);
    assert_eq!(body["user"], "bob");
    assert_eq!(
        body["partner"],
        json!({ "id": 2, "name": "Bob Trading", "email": "bob@example.com" })
    );
    assert_eq!(body["roles"], json!([]));
    assert_eq!(body["claims"]["sub"], "bob");
    assert_eq!(body["claims"]["email"], "bob@example.com");
}

#[rocket::async_test]
async fn whoami_without_a_token_is_401() {
    let (client, _) = demo().await;
    let refusal = Refusal::of(get(&client, "/whoami", None).await).await;
    refusal.assert(Status::Unauthorized, "demo", None, "bearer token required");
}

#[rocket::async_test]
async fn whoami_refuses_a_token_for_another_audience() {
    let (client, settings) = demo().await;
    let token = demo_token(&settings, json!({ "aud": "someone-else" }));
    Refusal::of(get(&client, "/whoami", Some(&token)).await)
        .await
        .assert_invalid_token("demo", "wrong audience");
}

#[rocket::async_test]
async fn public_or_jwt_is_anonymous_without_credentials() {
    let (client, _) = demo().await;
    let response = get(&client, "/whoami-public-or-jwt", None).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "user": null, "partner": null, "claims": null, "roles": [] }))
    );
}

#[rocket::async_test]
async fn public_or_jwt_authenticates_a_token_and_refuses_a_bad_one() {
    let (client, settings) = demo().await;
    let response = get(
        &client,
        "/whoami-public-or-jwt",
        Some(&demo_token(&settings, json!({}))),
    )
    .await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("json");
    assert_eq!(body["claims"]["sub"], "bob");

    let expired = demo_token(&settings, json!({ "exp": now() - 60 }));
    Refusal::of(get(&client, "/whoami-public-or-jwt", Some(&expired)).await)
        .await
        .assert_invalid_token("demo", "token expired");
}

/// `GET` (or `POST`) `path` on the demo with `token`.
async fn call<'c>(
    client: &'c Client,
    method: Method,
    path: &'c str,
    token: &str,
) -> rocket::local::asynchronous::LocalResponse<'c> {
    client
        .req(method, path)
        .header(support::bearer(token))
        .dispatch()
        .await
}

#[rocket::async_test]
async fn health_reads_no_token_at_all() {
    let (client, _) = demo().await;
    let response = client
        .get("/health")
        .header(rocket::http::Header::new(
            "Authorization",
            "Bearer not.a.token",
        ))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.headers().get_one("WWW-Authenticate"), None);
}

#[rocket::async_test]
async fn admin_needs_the_admin_role() {
    let (client, settings) = demo().await;
    let admin = demo_token(&settings, json!({ "roles": ["admin"] }));
    let response = get(&client, "/admin", Some(&admin)).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("json");
    assert_eq!(body["roles"], json!(["admin"]));

    let other = demo_token(&settings, json!({ "roles": ["ops"] }));
    Refusal::of(get(&client, "/admin", Some(&other)).await)
        .await
        .assert_forbidden("demo", "the token lacks a required role", None);
    let none = demo_token(&settings, json!({}));
    Refusal::of(get(&client, "/admin", Some(&none)).await)
        .await
        .assert_forbidden("demo", "the token lacks a required role", None);
}

#[rocket::async_test]
async fn orders_need_the_orders_scope() {
    let (client, settings) = demo().await;
    let token = demo_token(&settings, json!({ "scope": "orders profile" }));
    for method in [Method::Get, Method::Post] {
        let response = call(&client, method, "/orders", &token).await;
        assert_eq!(response.status(), Status::Ok, "{method}");
        let body: Value = response.into_json().await.expect("json");
        assert_eq!(body["roles"], json!(["scope:orders", "scope:profile"]));
    }
    let without = demo_token(&settings, json!({ "scope": "profile" }));
    Refusal::of(call(&client, Method::Post, "/orders", &without).await)
        .await
        .assert_forbidden("demo", "the token lacks a required scope", Some("orders"));
}

#[rocket::async_test]
async fn a_viewer_may_read_orders_but_not_write_them() {
    let (client, settings) = demo().await;
    let viewer = demo_token(&settings, json!({ "scope": "orders viewer" }));
    let read = call(&client, Method::Get, "/orders", &viewer).await;
    assert_eq!(read.status(), Status::Ok);
    Refusal::of(call(&client, Method::Post, "/orders", &viewer).await)
        .await
        .assert_forbidden("demo", "a read-only token cannot make this request", None);
}

#[rocket::async_test]
async fn aud_override_wants_aud2_instead_of_the_validators_audience() {
    let (client, settings) = demo().await;
    let for_me = demo_token(&settings, json!({}));
    Refusal::of(get(&client, "/aud-override", Some(&for_me)).await)
        .await
        .assert_invalid_token("demo", "wrong audience");
    let for_aud2 = demo_token(&settings, json!({ "aud": ["aud2"] }));
    let response = get(&client, "/aud-override", Some(&for_aud2)).await;
    assert_eq!(response.status(), Status::Ok);
    // The validator's own routes keep their audience.
    Refusal::of(get(&client, "/whoami", Some(&for_aud2)).await)
        .await
        .assert_invalid_token("demo", "wrong audience");
}

#[rocket::async_test]
async fn every_demo_route_declares_its_policy() {
    let (client, _) = demo().await;
    let policies = client
        .rocket()
        .state::<RoutePolicies>()
        .expect("the fairing manages the route table");
    assert_eq!(policies.without_policy().count(), 0);
    let health = policies.get(Method::Get, "/health").expect("mounted");
    assert!(health.is_public());
    let admin = policies
        .get(Method::Get, "/admin")
        .and_then(|route| route.policy())
        .expect("declared");
    assert_eq!(admin.validator_name(), Some("demo"));
    assert_eq!(admin.required_roles(), ["admin"]);
}
