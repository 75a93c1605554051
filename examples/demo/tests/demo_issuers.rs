//! The demo's many-issuer routes (DESIGN.md, "The demo's contract,
//! continued"), launched for real on 127.0.0.1: `GET /tenants/whoami`
//! (`demo_tenants`: the demo's provider and its development issuer, each
//! with its own keys), `GET /introspect/whoami` (`demo_introspect`: every
//! token asked of the demo's provider) and `POST /admin/revoke`.

mod support;

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use support::{launch, Demo};

/// A token of the demo's provider for `demo_api` (client credentials).
async fn provider_token(demo: &Demo) -> String {
    let response = Client::new()
        .post(format!("{}/oauth2/token", demo.url))
        .basic_auth(warden_demo::DEMO_API, Some(warden_demo::DEMO_API_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "orders")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("tokens");
    tokens["access_token"].as_str().expect("a token").to_owned()
}

/// `GET path` with `token`: the status and the JSON body.
async fn whoami(demo: &Demo, path: &str, token: &str) -> (StatusCode, Value) {
    let response = Client::new()
        .get(format!("{}{path}", demo.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The demo's development ES256 key signing `claims` under its `kid`.
fn signed_with_dev_key(claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(warden_demo::DEV_KID.to_owned());
    let key = jsonwebtoken::EncodingKey::from_ec_pem(warden_demo::DEV_KEY_PEM.as_bytes())
        .expect("the development key");
    jsonwebtoken::encode(&header, claims, &key).expect("a token")
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

#[tokio::test]
async fn tenants_take_each_issuer_with_its_own_keys() {
    let demo = launch(warden_demo::figment()).await;
    let token = provider_token(&demo).await;
    let (status, body) = whoami(&demo, "/tenants/whoami", &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["claims"]["iss"], demo.url.as_str());
    assert_eq!(body["user"], warden_demo::DEMO_API);
    let dev = json!({
        "iss": warden_demo::DEV_ISSUER, "aud": "me", "sub": "dev-user",
        "email": "alice@example.com", "iat": now(), "exp": now() + 300,
    });
    let (status, body) = whoami(&demo, "/tenants/whoami", &signed_with_dev_key(&dev)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"], "dev-user");
    assert_eq!(body["partner"]["email"], "alice@example.com");
    // The development key on a token that names the provider: the
    // provider's keys are the only ones tried, and none is that key.
    let forged = json!({
        "iss": demo.url, "aud": "demo", "sub": "mallory", "iat": now(), "exp": now() + 300,
    });
    let (status, body) = whoami(&demo, "/tenants/whoami", &signed_with_dev_key(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_description"], "no key matches the token");
    let stranger = json!({
        "iss": "https://stranger.example", "aud": "demo", "sub": "x", "exp": now() + 300,
    });
    let (status, body) = whoami(&demo, "/tenants/whoami", &signed_with_dev_key(&stranger)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_description"], "unknown issuer");
}

#[tokio::test]
async fn introspection_asks_the_demos_provider() {
    let demo = launch(warden_demo::figment()).await;
    let token = provider_token(&demo).await;
    let (status, body) = whoami(&demo, "/introspect/whoami", &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["claims"]["active"], true);
    assert_eq!(body["claims"]["client_id"], warden_demo::DEMO_API);
    assert_eq!(body["user"], warden_demo::DEMO_API);
    assert!(body["roles"]
        .as_array()
        .is_some_and(|roles| roles.contains(&json!("scope:orders"))));
    let (status, body) = whoami(&demo, "/introspect/whoami", "an-opaque-token-nobody-issued").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_description"], "token inactive");
}

/// `POST /admin/revoke` with `token` and the JSON `body`.
async fn revoke(demo: &Demo, token: &str, body: &str) -> (StatusCode, Value) {
    let response = Client::new()
        .post(format!("{}/admin/revoke", demo.url))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The `jti` of a JWT, read without verifying it.
fn jti_of(token: &str) -> String {
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(token).expect("a JWT");
    claims.claims["jti"].as_str().expect("a jti").to_owned()
}

#[tokio::test]
async fn an_admin_revokes_a_token_or_signs_a_subject_out_everywhere() {
    let figment = warden_demo::figment();
    let admin = warden_demo::mint_dev_token(&figment).expect("an admin token");
    let demo = launch(figment.clone()).await;
    let token = provider_token(&demo).await;
    let other = provider_token(&demo).await;
    for path in ["/oidc/whoami", "/introspect/whoami"] {
        assert_eq!(
            whoami(&demo, path, &token).await.0,
            StatusCode::OK,
            "{path}, cached now"
        );
    }
    let body = json!({ "jti": jti_of(&token) }).to_string();
    let (status, answer) = revoke(&demo, &admin, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["user"], "demo-user",
        "the contract's shape: who revoked"
    );
    assert!(answer["roles"]
        .as_array()
        .is_some_and(|r| r.contains(&json!("admin"))));
    for path in ["/oidc/whoami", "/introspect/whoami", "/tenants/whoami"] {
        let (status, body) = whoami(&demo, path, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["error_description"], "token revoked", "{path}");
    }
    assert_eq!(
        whoami(&demo, "/oidc/whoami", &other).await.0,
        StatusCode::OK
    );
    // Every token of `demo_api` issued so far.
    let body = json!({ "sub": warden_demo::DEMO_API }).to_string();
    assert_eq!(revoke(&demo, &admin, &body).await.0, StatusCode::OK);
    let (status, body) = whoami(&demo, "/oidc/whoami", &other).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_description"], "token revoked");
    // The admin's own token still works.
    assert_eq!(whoami(&demo, "/whoami", &admin).await.0, StatusCode::OK);
}

#[tokio::test]
async fn revoking_needs_the_admin_role_and_one_jti_or_sub() {
    let figment = warden_demo::figment();
    let admin = warden_demo::mint_dev_token(&figment).expect("an admin token");
    let secret: String = figment
        .extract_inner("jwt.validators.demo.secret")
        .expect("the demo's development secret");
    let demo = launch(figment).await;
    let claims = json!({
        "iss": "http://the.issuer", "aud": "me", "sub": "not-an-admin",
        "iat": now(), "exp": now() + 300, "roles": ["customer"],
    });
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).expect("a secret");
    let customer =
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).expect("a token");
    let (status, body) = revoke(&demo, &customer, r#"{"jti": "x"}"#).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "insufficient_scope");
    assert_eq!(
        revoke(&demo, "", r#"{"jti": "x"}"#).await.0,
        StatusCode::UNAUTHORIZED
    );
    for bad in [
        "{}",
        r#"{"jti": "a", "sub": "b"}"#,
        r#"{"jti": ""}"#,
        r#"{"sub": "b", "exp": 1}"#,
        r#"{"jti": "a", "colour": "red"}"#,
        "not json",
    ] {
        let (status, body) = revoke(&demo, &admin, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body["error"], "invalid_request", "{bad}");
    }
}
