//! The demo's identity features through its own configuration: partners in
//! a real SQLite file (created and seeded by the demo), `/whoami` with the
//! resolved user and partner, the `demo_cookie` routes, query tokens and
//! session refusal. Each test has its own database file.

mod support;

use std::path::Path;

use jsonwebtoken::{encode, EncodingKey, Header};
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::http::{SameSite, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};
use support::{bearer, execute, get, now, temp_db, with_db, Refusal, TempDb};
use tempfile::TempDir;

/// The demo on the database at `url`, quiet, with its cookies tracked.
async fn demo_on(url: &str) -> Client {
    let figment = with_db(warden_demo::figment(), url).merge(("log_level", "off"));
    Client::tracked(warden_demo::rocket_from(figment))
        .await
        .expect("the demo launches")
}

/// The demo on a database of its own.
async fn demo() -> Client {
    let (db, url) = temp_db();
    let figment = with_db(warden_demo::figment(), &url).merge(("log_level", "off"));
    Client::tracked(warden_demo::rocket_from(figment).manage(db))
        .await
        .expect("the demo launches")
}

/// A token the demo's validators accept, for `sub` with `email`.
fn token(sub: &str, email: Option<&str>) -> String {
    let demo: Value = warden_demo::figment()
        .extract_inner("jwt.validators.demo")
        .expect("the demo has a `demo` validator");
    let mut claims = json!({
        "iss": demo["issuer"], "aud": demo["audiences"][0], "sub": sub,
        "iat": now(), "exp": now() + 60,
    });
    if let Some(email) = email {
        claims["email"] = json!(email);
    }
    let secret = demo["secret"].as_str().expect("a secret");
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("a usable HMAC secret"),
    )
    .expect("encodes")
}

async fn whoami(client: &Client, path: &str, token: &str) -> (Status, Value) {
    let response = get(client, path, Some(token)).await;
    let status = response.status();
    (status, response.into_json().await.unwrap_or(Value::Null))
}

/// The rows of the partners table, by id.
async fn rows(client: &Client) -> Vec<(i64, String, Option<String>)> {
    use rocket_db_pools::{sqlx, Database};
    let db = warden_demo::PartnersDb::fetch(client.rocket()).expect("pool");
    sqlx::query_as("SELECT id, name, email FROM partners ORDER BY id")
        .fetch_all(&**db)
        .await
        .expect("the table can be read")
}

#[rocket::async_test]
async fn the_demo_creates_and_seeds_its_database_on_first_run() {
    let (TempDb(dir), url) = temp_db();
    let file = dir.path().join("partners.db");
    assert!(!file.exists());
    let client = demo_on(&url).await;
    assert!(file.exists(), "the demo creates {}", file.display());
    let seeded = rows(&client).await;
    assert_eq!(seeded.len(), 5);
    assert_eq!(
        seeded[0],
        (
            1,
            "Alice & Co".to_owned(),
            Some("alice@example.com".to_owned())
        )
    );
}

#[rocket::async_test]
async fn the_demo_seeds_only_an_empty_table() {
    let (TempDb(_dir), url) = temp_db();
    let client = demo_on(&url).await;
    execute(&client, "DELETE FROM partners WHERE id > 1").await;
    execute(&client, "UPDATE partners SET name = 'Renamed' WHERE id = 1").await;
    drop(client);

    let client = demo_on(&url).await;
    assert_eq!(
        rows(&client).await,
        [(
            1,
            "Renamed".to_owned(),
            Some("alice@example.com".to_owned())
        )],
        "a table with rows is left alone"
    );
    execute(&client, "DELETE FROM partners").await;
    drop(client);

    let client = demo_on(&url).await;
    assert_eq!(
        rows(&client).await.len(),
        5,
        "an empty table is seeded again"
    );
}

#[rocket::async_test]
async fn whoami_answers_the_user_and_the_partner_from_sqlite() {
    let client = demo().await;
    let (status, body) = whoami(&client, "/whoami", &token("ann", Some("alice@example.com"))).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["user"], "ann");
    assert_eq!(
        body["partner"],
        json!({ "id": 1, "name": "Alice & Co", "email": "alice@example.com" })
    );
    assert_eq!(body["claims"]["email"], "alice@example.com");
    assert_eq!(body["roles"], json!([]));
}

#[rocket::async_test]
async fn whoami_has_no_partner_for_an_unknown_shared_or_missing_email() {
    let client = demo().await;
    for email in [Some("nobody@example.com"), Some("desk@example.com"), None] {
        let (status, body) = whoami(&client, "/whoami", &token("ann", email)).await;
        assert_eq!(status, Status::Ok, "{email:?}");
        assert_eq!(body["user"], "ann");
        assert_eq!(body["partner"], Value::Null, "{email:?}");
    }
}

#[rocket::async_test]
async fn whoami_is_503_when_the_partners_cannot_be_read() {
    let client = demo().await;
    execute(&client, "DROP TABLE partners").await;
    let response = get(
        &client,
        "/whoami",
        Some(&token("ann", Some("alice@example.com"))),
    )
    .await;
    let refusal = Refusal::of(response).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable);
    assert_eq!(refusal.body["error"], "temporarily_unavailable");
}

#[rocket::async_test]
async fn the_cookie_routes_issue_and_accept_the_demo_cookie() {
    let client = demo().await;
    let response = get(
        &client,
        "/cookie/whoami",
        Some(&token("ann", Some("bob@example.com"))),
    )
    .await;
    assert_eq!(response.status(), Status::Ok);
    let cookie = response
        .cookies()
        .get("demo_auth")
        .cloned()
        .expect("demo_auth is set");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));
    assert_ne!(cookie.secure(), Some(true), "the demo serves plain HTTP");

    // The tracked client sends the cookie back: no header needed.
    for path in ["/cookie/whoami", "/cookie/whoami-public-or-jwt"] {
        let response = client.get(path).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        assert!(
            response.cookies().get("demo_auth").is_some(),
            "re-issued on {path}"
        );
        let body: Value = response.into_json().await.expect("json");
        assert_eq!(body["user"], "ann", "{path}");
        assert_eq!(body["partner"]["id"], 2, "{path}");
    }
    // `demo` has no cookie mode: the cookie is not a credential there.
    let refusal = Refusal::of(client.get("/whoami").dispatch().await).await;
    refusal.assert(Status::Unauthorized, "demo", None, "bearer token required");
}

#[rocket::async_test]
async fn the_optional_cookie_route_is_anonymous_without_token_or_cookie() {
    let client = demo().await;
    let response = client.get("/cookie/whoami-public-or-jwt").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert!(response.cookies().get("demo_auth").is_none());
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "user": null, "partner": null, "claims": null, "roles": [] }))
    );
}

#[rocket::async_test]
async fn a_query_token_sets_the_demo_cookie() {
    let client = demo().await;
    let token = token("ann", None);
    let response = client
        .get(format!("/cookie/whoami?access_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert!(response.cookies().get("demo_auth").is_some());
    // `demo` does not take query tokens.
    let response = client
        .get(format!("/whoami?access_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    let response = client
        .get(format!("/cookie/whoami?access_token={token}"))
        .header(bearer(&token))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
}

#[rocket::async_test]
async fn the_demo_refuses_a_session_cookie() {
    let client = demo().await;
    let response = client
        .get("/whoami")
        .header(bearer(&token("ann", None)))
        .cookie(("session", "s3cr3t"))
        .dispatch()
        .await;
    Refusal::of(response).await.assert(
        Status::Unauthorized,
        "demo",
        None,
        "session cookies are not accepted here",
    );
}

#[test]
fn a_relative_database_path_is_relative_to_the_config_file() {
    let dir = TempDir::new().expect("a temporary directory");
    let file = dir.path().join("Rocket.toml");
    std::fs::write(
        &file,
        "[default.databases.partners]\nurl = \"sqlite://data/p.db?mode=rwc\"\n",
    )
    .expect("writes");
    let figment = Figment::from(Toml::file(&file).nested()).select("default");
    let url: String = warden_demo::anchor_database(figment)
        .extract_inner(warden_demo::URL_KEY)
        .expect("a url");
    let expected = Path::new(dir.path()).join("data/p.db");
    assert_eq!(url, format!("sqlite://{}?mode=rwc", expected.display()));

    // Absolute paths and in-memory databases are left as written.
    for url in ["sqlite:///srv/p.db", "sqlite::memory:"] {
        let figment = Figment::from(rocket::figment::providers::Serialized::global(
            warden_demo::URL_KEY,
            url,
        ));
        let anchored: String = warden_demo::anchor_database(figment)
            .extract_inner(warden_demo::URL_KEY)
            .expect("a url");
        assert_eq!(anchored, url);
    }
}
