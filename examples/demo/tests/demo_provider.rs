//! The demo as an OpenID Provider (DESIGN.md, "The demo's contract,
//! continued"), launched for real on 127.0.0.1 and driven as a browser
//! would: the login page, consent, the relying party, and the routes that
//! take the provider's tokens.

mod support;

use support::{launch, Demo};

use reqwest::header::LOCATION;
use reqwest::{Client, StatusCode};
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket_db_pools::sqlx;
use serde_json::Value;

/// A browser: it keeps cookies and follows no redirect by itself.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION]
        .to_str()
        .expect("text")
        .to_owned()
}

/// The value of the hidden field `name` in `html`.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').expect("a closing quote");
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// Every hidden field of `html`, unescaped.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let name = &rest[..rest.find('"').expect("a quote")];
            (name.to_owned(), field(html, name))
        })
        .collect()
}

/// Follows redirects on this site from `url` until a page or a redirect
/// elsewhere; the last response.
async fn follow(browser: &Client, base: &str, mut url: String) -> reqwest::Response {
    loop {
        let response = browser.get(&url).send().await.expect("an answer");
        if response.status() != StatusCode::SEE_OTHER {
            return response;
        }
        let next = location(&response);
        url = if next.starts_with('/') {
            format!("{base}{next}")
        } else {
            next
        };
        if !url.starts_with(base) || url.contains("/rp/callback") {
            return browser.get(&url).send().await.expect("an answer");
        }
    }
}

/// Signs in on the login page `html` as `username`; the answer.
async fn sign_in(
    browser: &Client,
    demo: &Demo,
    html: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let form = [
        ("username", username.to_owned()),
        ("password", password.to_owned()),
        ("return_to", field(html, "return_to")),
        ("csrf_token", field(html, "csrf_token")),
    ];
    browser
        .post(format!("{}/login", demo.url))
        .form(&form)
        .send()
        .await
        .expect("an answer")
}

/// Approves on the consent page `html`; the redirect to the client.
async fn approve(browser: &Client, demo: &Demo, html: &str) -> String {
    let mut form = hidden_fields(html);
    form.push(("decision".into(), "approve".into()));
    let answer = browser
        .post(format!("{}/oauth2/consent", demo.url))
        .form(&form)
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    location(&answer)
}

#[tokio::test]
async fn a_newcomer_signs_in_through_the_relying_party_and_sees_verified_claims() {
    let demo = launch(warden_demo::figment()).await;
    let browser = browser();
    let login = follow(&browser, &demo.url, format!("{}/rp/login", demo.url)).await;
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.expect("the login page");
    assert!(html.contains("Sign in to the rocket_warden demo"), "{html}");
    let signed_in = sign_in(&browser, &demo, &html, "alice", "alice-password").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let consent = follow(
        &browser,
        &demo.url,
        format!("{}{}", demo.url, location(&signed_in)),
    )
    .await;
    let html = consent.text().await.expect("the consent page");
    assert!(html.contains("Demo RP asks to use your account"), "{html}");
    let callback = approve(&browser, &demo, &html).await;
    assert!(
        callback.starts_with(&format!("{}/rp/callback?code=", demo.url)),
        "{callback}"
    );
    let page = browser.get(&callback).send().await.expect("an answer");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the result page");
    assert!(html.contains("Signed in as Alice Liddell"), "{html}");
    assert!(
        html.contains("&quot;acr&quot;: &quot;urn:demo:mfa&quot;"),
        "{html}"
    );
    assert!(
        html.contains("GET /oidc/whoami with the access token: 200"),
        "{html}"
    );
    assert!(
        html.contains("alice@example.com"),
        "UserInfo gives the email: {html}"
    );

    // The consent is remembered: a second sign-in goes straight back.
    let again = follow(&browser, &demo.url, format!("{}/rp/login", demo.url)).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again
        .text()
        .await
        .expect("a page")
        .contains("Signed in as Alice Liddell"));
}

/// Alice's or Bob's tokens for `demo_rp`, by the code flow a browser runs.
async fn tokens_of(demo: &Demo, username: &str, password: &str) -> Value {
    let browser = browser();
    let redirect = format!("{}/rp/callback", demo.url);
    let authorize = format!(
        "{}/oauth2/authorize?client_id=demo_rp&response_type=code&scope=openid%20email&state=s&redirect_uri={}",
        demo.url,
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let login = follow(&browser, &demo.url, authorize).await;
    let html = login.text().await.expect("the login page");
    let signed_in = sign_in(&browser, demo, &html, username, password).await;
    let consent = follow(
        &browser,
        &demo.url,
        format!("{}{}", demo.url, location(&signed_in)),
    )
    .await;
    let callback = approve(
        &browser,
        demo,
        &consent.text().await.expect("the consent page"),
    )
    .await;
    let code = url::Url::parse(&callback)
        .expect("a URL")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let response = browser
        .post(format!("{}/oauth2/token", demo.url))
        .basic_auth(warden_demo::DEMO_RP, Some(warden_demo::DEMO_RP_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect.as_str()),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("tokens")
}

#[tokio::test]
async fn step_up_asks_for_alices_second_factor_and_dpop_for_a_bound_token() {
    let demo = launch(warden_demo::figment()).await;
    let get = |path: &str, token: &Value| {
        browser()
            .get(format!("{}{path}", demo.url))
            .bearer_auth(token["access_token"].as_str().expect("an access token"))
            .send()
    };
    let alice = tokens_of(&demo, "alice", "alice-password").await;
    let bob = tokens_of(&demo, "bob", "bob-password").await;
    assert_eq!(
        get("/oidc/whoami", &bob).await.expect("an answer").status(),
        StatusCode::OK
    );
    assert_eq!(
        get("/stepup/whoami", &alice)
            .await
            .expect("an answer")
            .status(),
        StatusCode::OK
    );
    let refused = get("/stepup/whoami", &bob).await.expect("an answer");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        challenge.contains("error=\"insufficient_user_authentication\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("acr_values=\"urn:demo:mfa\""),
        "{challenge}"
    );
    let bearer = get("/dpop/whoami", &alice).await.expect("an answer");
    assert_eq!(
        bearer.status(),
        StatusCode::UNAUTHORIZED,
        "a bearer token where DPoP is required"
    );
    let metadata: Value = browser()
        .get(format!("{}/.well-known/oauth-protected-resource", demo.url))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a metadata document");
    assert_eq!(metadata["resource"], demo.url.as_str());
    assert_eq!(metadata["authorization_servers"][0], demo.url.as_str());
}

#[tokio::test]
async fn the_login_page_refuses_other_sites_wrong_passwords_and_forged_forms() {
    let demo = launch(warden_demo::figment()).await;
    let browser = browser();
    let away = browser
        .get(format!(
            "{}/login?return_to=https://evil.example/",
            demo.url
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(away.status(), StatusCode::BAD_REQUEST);
    let page = browser
        .get(format!("{}/login?return_to=/health", demo.url))
        .send()
        .await
        .expect("an answer");
    let html = page.text().await.expect("the form");
    let wrong = sign_in(&browser, &demo, &html, "alice", "not-her-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong
        .text()
        .await
        .expect("the form again")
        .contains("Wrong username or password."));
    let unknown = sign_in(&browser, &demo, &html, "mallory", "alice-password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    // A form posted from elsewhere has no CSRF cookie.
    let forged = Client::new()
        .post(format!("{}/login", demo.url))
        .form(&[
            ("username", "alice"),
            ("password", "alice-password"),
            ("return_to", "/health"),
            ("csrf_token", "x"),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let right = sign_in(&browser, &demo, &html, "alice", "alice-password").await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&right), "/health");
}

#[tokio::test]
async fn passwords_are_stored_hashed() {
    let demo = launch(warden_demo::figment()).await;
    let pool = sqlx::SqlitePool::connect(&demo.db_url)
        .await
        .expect("the database");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT username, password_hash FROM users ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("the users");
    let names: Vec<&str> = rows.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);
    for (_, hash) in &rows {
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("password"));
    }
}

#[tokio::test]
async fn a_configuration_that_names_only_the_first_validators_still_runs_the_provider() {
    let config = r#"
        [default.jwt.validators.demo]
        issuer = "http://other.issuer"
        audiences = ["me"]
        algorithms = ["HS256"]
        secret = "a-secret-of-another-configuration-0123"
        [default.jwt.validators.demo_cookie]
        issuer = "http://other.issuer"
        algorithms = ["HS256"]
        secret = "a-secret-of-another-configuration-0123"
        [default.jwt.validators.demo_jwks]
        issuer = "http://other.issuer"
        algorithms = ["ES256"]
        jwks_uri = "http://127.0.0.1:9/jwks.json"

        [default.jwt.provider.clients.extra]
        grant_types = ["client_credentials"]
        secret = "an-extra-client-secret-0123"
        scopes = ["orders"]
        "#;
    let figment = Figment::from(rocket::Config::default())
        .merge(Toml::string(config).nested())
        .select(rocket::Config::DEBUG_PROFILE);
    let figment = warden_demo::anchor_database(figment);
    let demo = launch(figment).await;
    let discovery: Value = browser()
        .get(format!("{}/.well-known/openid-configuration", demo.url))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("discovery");
    assert_eq!(discovery["issuer"], demo.url.as_str());
    let scopes = discovery["scopes_supported"].as_array().expect("scopes");
    assert!(
        scopes.contains(&Value::from("orders")),
        "the routes' scopes: {scopes:?}"
    );
    // The configuration's client is added beside demo_rp.
    let extra = browser()
        .post(format!("{}/oauth2/token", demo.url))
        .basic_auth("extra", Some("an-extra-client-secret-0123"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(extra.status(), StatusCode::OK);
    let _ = tokens_of(&demo, "bob", "bob-password").await;
}
