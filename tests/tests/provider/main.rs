//! The OpenID Provider, driven from outside over real HTTP: by the
//! `openidconnect` crate as a relying party, by a browser-like client that
//! carries a login cookie and reads redirects, and by rocket_warden's own
//! validator on the access tokens it issues.

#[path = "../support/mod.rs"]
mod support;

mod config;
mod details;
mod flows;
mod races;
mod refusals;
mod sqlite;

use std::net::TcpListener;

use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::serde::json::Json;
use rocket::Request;
use rocket_warden::provider::{Login, Provider, ProviderStore, Users};
use rocket_warden::{jwt_auth, Jwt, Warden};
use serde_json::{json, Map, Value};

/// The confidential client's secret.
pub const SECRET: &str = "rp-secret-0123456789abcdef";
/// Where the test clients say they come back to.
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A user who signs in, but whose account is gone by the time UserInfo asks
/// for their claims.
pub const GONE: &str = "gone";

/// Signs in whoever the `test_user` cookie names (`sub` or
/// `sub:auth_time`), as an application's login cookie would; has claims for
/// everyone but [`GONE`].
#[derive(Debug)]
pub struct CookieUsers;

#[rocket::async_trait]
impl Users for CookieUsers {
    async fn signed_in(&self, request: &Request<'_>) -> Option<Login> {
        let value = request.cookies().get("test_user")?.value().to_owned();
        let (sub, auth_time) = match value.split_once(':') {
            Some((sub, time)) => (sub.to_owned(), time.parse().ok()?),
            None => (value, support::now()),
        };
        Some(Login {
            sub,
            auth_time,
            acr: Some("urn:test:pwd".to_owned()),
            amr: vec!["pwd".to_owned()],
        })
    }

    async fn claims(
        &self,
        _request: &Request<'_>,
        sub: &str,
        _scopes: &[&str],
    ) -> Option<Map<String, Value>> {
        if sub == GONE {
            return None;
        }
        let claims = json!({
            "name": format!("User {sub}"),
            "email": format!("{sub}@example.com"),
            "email_verified": true,
            "phone_number": "+100000",
            "favourite_colour": "green",
        });
        claims.as_object().cloned()
    }
}

/// A route protected by a validator that finds this very provider by
/// discovery: what a resource server of the provider's tokens does.
#[jwt_auth(validator = "own", scopes = ["orders"])]
#[rocket::get("/api/orders")]
fn orders(auth: Jwt) -> Json<Value> {
    Json(Value::Object(auth.payload().clone()))
}

/// A free port on 127.0.0.1, so the issuer can be known before launch.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// The clients every test has: `rp` (confidential, code and hybrid,
/// refresh), `spa` (public, PKCE), `first` (first party), `service`
/// (client credentials only).
pub fn clients() -> String {
    format!(
        r#"
        [jwt.provider.clients.rp]
        redirect_uris = ["{REDIRECT}"]
        secret = "{SECRET}"
        grant_types = ["authorization_code", "refresh_token"]
        response_types = ["code", "code id_token", "code token", "code id_token token"]
        scopes = ["openid", "profile", "email", "phone", "offline_access", "orders"]
        name = "Test <RP>"
        audience = "orders-api"

        [jwt.provider.clients.spa]
        redirect_uris = ["{REDIRECT}"]
        public = true
        scopes = ["openid", "profile"]

        [jwt.provider.clients.first]
        redirect_uris = ["{REDIRECT}"]
        secret = "{SECRET}"
        token_endpoint_auth_method = "client_secret_post"
        grant_types = ["authorization_code", "refresh_token"]
        scopes = ["openid", "email", "offline_access", "orders"]
        first_party = true
        id_token_signing_algorithm = "EdDSA"

        [jwt.provider.clients.service]
        secret = "{SECRET}"
        grant_types = ["client_credentials"]
        scopes = ["orders", "reports"]
        "#
    )
}

/// A provider (with `extra` configuration) and a resource server of its
/// tokens, launched on 127.0.0.1; its issuer URL.
pub async fn serve(extra: &str) -> String {
    launch(extra, Provider::fairing(CookieUsers)).await
}

/// As [`serve`], with the provider's state in `store`.
pub async fn serve_with_store(extra: &str, store: impl ProviderStore) -> String {
    launch(extra, Provider::fairing(CookieUsers).store(store)).await
}

async fn launch(extra: &str, provider: Provider) -> String {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let config = format!(
        r#"
        address = "127.0.0.1"
        port = {port}
        [jwt.provider]
        issuer = "{issuer}"
        {extra}
        [jwt.validators.own]
        issuer = "{issuer}"
        discovery = true
        audiences = ["orders-api"]
        algorithms = ["RS256"]
        {clients}
        "#,
        clients = clients()
    );
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(&config));
    let rocket = rocket::custom(figment)
        .attach(Warden::fairing())
        .attach(provider)
        .mount("/", rocket::routes![orders]);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let rocket = rocket.attach(rocket::fairing::AdHoc::on_liftoff("ready", move |_| {
        if let Some(tx) = tx.lock().ok().and_then(|mut tx| tx.take()) {
            let _ = tx.send(());
        }
        Box::pin(async {})
    }));
    tokio::spawn(rocket.launch());
    rx.await.expect("the provider lifts off");
    issuer
}

/// `GET /oauth2/userinfo` of `issuer` with the bearer token `access`.
pub async fn userinfo(issuer: &str, access: &str) -> reqwest::Response {
    browser()
        .get(format!("{issuer}/oauth2/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .expect("an answer")
}

/// A client that follows no redirect: the tests read each one.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}
