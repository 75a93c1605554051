//! The details relying parties depend on (DESIGN.md, "Decisions relying
//! parties depend on"): response modes, `max_age`, POSTed requests, code
//! expiry, hashed client secrets, the key set's contents, large cookies.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION};
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use rocket_warden::clock::ManualClock;
use rocket_warden::provider::Provider;
use serde_json::Value;

use super::flows::{param, redirect_params, signed_in_redirect};
use super::{browser, serve, CookieUsers, REDIRECT, SECRET};

fn redirect() -> String {
    url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect()
}

#[tokio::test]
async fn form_post_answers_with_a_page_that_posts_code_state_and_iss() {
    let issuer = serve("").await;
    let url = format!(
        "{issuer}/oauth2/authorize?client_id=first&redirect_uri={}&response_type=code&scope=openid&state=st&response_mode=form_post",
        redirect()
    );
    let page = browser()
        .get(&url)
        .header(COOKIE, "test_user=4")
        .send()
        .await
        .expect("an answer");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
    let html = page.text().await.expect("a page");
    assert!(
        html.contains(&format!("<form method=\"post\" action=\"{REDIRECT}\">")),
        "{html}"
    );
    let fields = super::flows::hidden_fields(&html);
    assert_eq!(param(&fields, "state").as_deref(), Some("st"));
    assert_eq!(param(&fields, "iss").as_deref(), Some(issuer.as_str()));
    assert!(param(&fields, "code").is_some());
}

#[tokio::test]
async fn max_age_sends_an_old_login_back_to_the_login_page() {
    let issuer = serve("").await;
    let url = format!(
        "{issuer}/oauth2/authorize?client_id=first&redirect_uri={}&response_type=code&scope=openid&max_age=60",
        redirect()
    );
    let old = super::support::now() - 600;
    let response = browser()
        .get(&url)
        .header(COOKIE, format!("test_user=4:{old}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 303);
    assert!(response.headers()[LOCATION]
        .to_str()
        .expect("text")
        .starts_with("/login?return_to="));
    let recent = super::support::now() - 10;
    let params = signed_in_redirect(&url, &format!("4:{recent}")).await;
    assert!(param(&params, "code").is_some(), "{params:?}");
}

#[tokio::test]
async fn a_posted_request_that_needs_a_login_comes_back_as_a_get() {
    let issuer = serve("").await;
    let form = [
        ("client_id", "first"),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "posted"),
    ];
    let response = browser()
        .post(format!("{issuer}/oauth2/authorize"))
        .form(&form)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION]
        .to_str()
        .expect("text")
        .to_owned();
    let return_to = super::flows::return_to(&location);
    assert!(return_to.starts_with("/oauth2/authorize?"), "{return_to}");
    let params = signed_in_redirect(&format!("{issuer}{return_to}"), "4").await;
    assert_eq!(param(&params, "state").as_deref(), Some("posted"));
    assert!(param(&params, "code").is_some());
}

#[tokio::test]
async fn the_key_set_is_public_keys_only() {
    let issuer = serve("").await;
    let jwks: Value = browser()
        .get(format!("{issuer}/oauth2/jwks"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a JWKS");
    let keys = jwks["keys"].as_array().expect("keys");
    // RS256 (the provider's) and EdDSA (a client's ID tokens).
    assert_eq!(keys.len(), 2, "{jwks}");
    for key in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "private member {private} in {key}"
            );
        }
        assert_eq!(key["use"], "sig");
        assert!(
            key["kid"].as_str().is_some_and(|kid| kid.len() == 43),
            "an RFC 7638 thumbprint"
        );
    }
}

#[tokio::test]
async fn large_and_unknown_cookies_are_ignored() {
    let issuer = serve("").await;
    let big = format!("rp_session={}; other=1; test_user=4", "x".repeat(6000));
    let url = format!(
        "{issuer}/oauth2/authorize?client_id=first&redirect_uri={}&response_type=code&scope=openid",
        redirect()
    );
    let response = browser()
        .get(&url)
        .header(COOKIE, big)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 303);
    let params = redirect_params(response.headers()[LOCATION].to_str().expect("text"));
    assert!(param(&params, "code").is_some());
}

/// A provider on a manual clock, with a client whose secret is configured
/// as an Argon2id hash only.
async fn on_clock(clock: &ManualClock) -> Client {
    let salt = SaltString::encode_b64(b"somesaltsomesalt").expect("a salt");
    let phc = Argon2::default()
        .hash_password(b"the-client-secret", &salt)
        .expect("a hash")
        .to_string();
    let config = format!(
        r#"
        [jwt.provider]
        issuer = "http://127.0.0.1:8000"
        code_ttl_secs = 60
        [jwt.provider.clients.hashed]
        redirect_uris = ["{REDIRECT}"]
        secret_hash = "{phc}"
        scopes = ["openid"]
        first_party = true
        "#
    );
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(&config));
    let rocket =
        rocket::custom(figment).attach(Provider::fairing(CookieUsers).clock(clock.clone()));
    Client::untracked(rocket).await.expect("launch")
}

async fn code_of(client: &Client) -> String {
    let url = format!(
        "/oauth2/authorize?client_id=hashed&redirect_uri={}&response_type=code&scope=openid",
        redirect()
    );
    let response = client
        .get(url)
        .cookie(rocket::http::Cookie::new("test_user", "4:1800000000"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    let location = response
        .headers()
        .get_one("Location")
        .expect("a redirect")
        .to_owned();
    param(&redirect_params(&location), "code").expect("a code")
}

async fn redeem(client: &Client, code: &str, secret: &str) -> (Status, Value) {
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("hashed:{secret}"),
    );
    let response = client
        .post("/oauth2/token")
        .header(ContentType::Form)
        .header(Header::new("Authorization", format!("Basic {basic}")))
        .body(format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}",
            redirect()
        ))
        .dispatch()
        .await;
    (response.status(), response.into_json().await.expect("JSON"))
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant_and_a_hashed_secret_authenticates() {
    let clock = ManualClock::at_secs(1_800_000_000);
    let client = on_clock(&clock).await;
    let code = code_of(&client).await;
    let (status, body) = redeem(&client, &code, "wrong-secret").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (Status::Unauthorized, Some("invalid_client"))
    );
    clock.set_secs(1_800_000_060);
    let (status, body) = redeem(&client, &code, "the-client-secret").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (Status::BadRequest, Some("invalid_grant")),
        "expired"
    );
    let fresh = code_of(&client).await;
    let (status, body) = redeem(&client, &fresh, "the-client-secret").await;
    assert_eq!(status, Status::Ok, "{body}");
}

#[tokio::test]
async fn a_repeated_parameter_or_two_authentication_methods_are_invalid_request() {
    let issuer = serve("").await;
    let repeated = browser()
        .post(format!("{issuer}/oauth2/token"))
        .basic_auth("rp", Some(SECRET))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=authorization_code")
        .send()
        .await
        .expect("an answer");
    assert_eq!(repeated.status(), 400);
    assert_eq!(
        repeated.json::<Value>().await.expect("JSON")["error"],
        "invalid_request"
    );
    let both = browser()
        .post(format!("{issuer}/oauth2/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "rp"),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(both.status(), 400);
    assert_eq!(
        both.json::<Value>().await.expect("JSON")["error"],
        "invalid_request"
    );
    // Two Basic headers are credentials twice over, even when the first
    // would pass alone.
    let basic = |secret: &str| {
        let pair = format!("rp:{secret}");
        let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pair);
        format!("Basic {encoded}")
    };
    for path in ["token", "introspect", "revoke"] {
        let twice = browser()
            .post(format!("{issuer}/oauth2/{path}"))
            .header("Authorization", basic(SECRET))
            .header("Authorization", basic("another-secret"))
            .form(&[("grant_type", "client_credentials"), ("token", "x")])
            .send()
            .await
            .expect("an answer");
        assert_eq!(twice.status(), 400, "{path}");
        let body = twice.json::<Value>().await.expect("JSON");
        assert_eq!(body["error"], "invalid_request", "{path}: {body}");
        assert_eq!(
            body["error_description"], "more than one Authorization header",
            "{path}"
        );
    }
    let not_form = browser()
        .post(format!("{issuer}/oauth2/token"))
        .basic_auth("rp", Some(SECRET))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(not_form.status(), 400);
    assert_eq!(
        not_form.json::<Value>().await.expect("JSON")["error"],
        "invalid_request"
    );
}

#[tokio::test]
async fn acr_values_send_a_weaker_login_to_the_login_page_once() {
    let issuer = serve("").await;
    let url = format!(
        "{issuer}/oauth2/authorize?client_id=first&redirect_uri={}&response_type=code&scope=openid&acr_values=urn:test:mfa",
        redirect()
    );
    // The test login gives `urn:test:pwd`: the login page is asked for more.
    let response = browser()
        .get(&url)
        .header(COOKIE, "test_user=4")
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        location.contains("&acr_values=urn%3Atest%3Amfa"),
        "{location}"
    );
    let return_to = super::flows::return_to(&location);
    // Signed in again, still with `urn:test:pwd`: a wish, not a demand.
    let params = signed_in_redirect(&format!("{issuer}{return_to}"), "4").await;
    assert!(param(&params, "code").is_some(), "{params:?}");
    // A login that has the acr asked for goes straight through.
    let satisfied = url.replace("urn:test:mfa", "urn:test:pwd");
    assert!(param(&signed_in_redirect(&satisfied, "4").await, "code").is_some());
}

#[tokio::test]
async fn userinfo_reads_expiry_on_the_providers_clock() {
    // A clock years behind the system's: tokens it issues expired long ago
    // by the system clock, and are valid by the provider's.
    let clock = ManualClock::at_secs(1_500_000_000);
    let client = on_clock(&clock).await;
    let code = code_of(&client).await;
    let (status, tokens) = redeem(&client, &code, "the-client-secret").await;
    assert_eq!(status, Status::Ok, "{tokens}");
    let access = tokens["access_token"].as_str().expect("an access token");
    let bearer = Header::new("Authorization", format!("Bearer {access}"));
    let response = client
        .get("/oauth2/userinfo")
        .header(bearer.clone())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    clock.set_secs(1_500_003_600);
    let response = client
        .get("/oauth2/userinfo")
        .header(bearer)
        .dispatch()
        .await;
    assert_eq!(
        response.status(),
        Status::Unauthorized,
        "expired by the provider's clock"
    );
}
