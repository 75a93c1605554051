//! The fuzz application of the `provider` target: rocket_warden's OpenID
//! Provider with three clients, an in-memory store, a fixed clock, and a
//! login read from a cookie, as an application's own login would be.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::Request;
use rocket_warden::clock::ManualClock;
use rocket_warden::provider::{Login, Provider, Users};
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::fixtures::{runtime, NOW, SECRET, SECRET_KEY};

/// The provider's issuer.
pub const OP_ISSUER: &str = "https://op.fuzz.example";
/// The one redirect URI every client registered.
pub const REDIRECT: &str = "https://rp.fuzz.example/callback";
/// The application's login page (`login_url`).
pub const LOGIN: &str = "/login";
/// The cookie [`CookieUsers`] reads the signed-in user from.
pub const USER_COOKIE: &str = "fuzz_user";
/// The user that cookie names in the targets' requests.
pub const USER: &str = "alice";
/// The PKCE verifier of the flow mode's code; [`challenge`] is its S256.
pub const VERIFIER: &str = "fuzz-verifier-0123456789-0123456789-0123456789";

/// The clients: `rp` confidential with HTTP Basic, `first` a first-party
/// client with `client_secret_post` (no consent page), `spa` public with
/// PKCE, `service` client credentials only. All share [`SECRET`].
pub const CLIENTS: [&str; 4] = ["rp", "first", "spa", "service"];

/// The S256 challenge of [`VERIFIER`] (RFC 7636 §4.2).
pub fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

/// Signs in whoever the [`USER_COOKIE`] cookie names.
#[derive(Debug)]
pub struct CookieUsers;

#[rocket::async_trait]
impl Users for CookieUsers {
    async fn signed_in(&self, request: &Request<'_>) -> Option<Login> {
        let sub = request.cookies().get(USER_COOKIE)?.value().to_owned();
        Some(Login {
            sub,
            auth_time: NOW - 60,
            acr: None,
            amr: vec!["pwd".to_owned()],
        })
    }

    async fn claims(
        &self,
        _request: &Request<'_>,
        sub: &str,
        _scopes: &[&str],
    ) -> Option<Map<String, Value>> {
        json!({ "name": format!("User {sub}"), "email": format!("{sub}@fuzz.example") })
            .as_object()
            .cloned()
    }
}

/// The provider's configuration (`jwt.provider`).
pub fn provider_config() -> Value {
    let confidential = |method: &str, first_party: bool| {
        json!({
            "redirect_uris": [REDIRECT],
            "secret": SECRET,
            "token_endpoint_auth_method": method,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code", "code id_token", "code token", "code id_token token"],
            "scopes": ["openid", "profile", "email", "offline_access", "orders"],
            "first_party": first_party,
            "audience": "orders-api",
        })
    };
    json!({
        "issuer": OP_ISSUER,
        "signing_algorithm": "ES256",
        "login_url": LOGIN,
        "clients": {
            "rp": confidential("client_secret_basic", false),
            "first": confidential("client_secret_post", true),
            "spa": {
                "redirect_uris": [REDIRECT],
                "public": true,
                "scopes": ["openid", "profile"],
            },
            "service": {
                "secret": SECRET,
                "grant_types": ["client_credentials"],
                "scopes": ["orders", "reports"],
            },
        },
    })
}

/// The provider application, quiet, with the cookie key.
pub fn rocket() -> rocket::Rocket<rocket::Build> {
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", SECRET_KEY))
        .merge(("jwt.provider", provider_config()));
    rocket::custom(figment).attach(Provider::fairing(CookieUsers).clock(ManualClock::at_secs(NOW)))
}

/// A local client of [`rocket`], launched once per thread, with the runtime
/// that drives it.
pub fn with_provider<T>(f: impl FnOnce(&tokio::runtime::Runtime, &Client) -> T) -> T {
    thread_local! {
        static CLIENT: (tokio::runtime::Runtime, Client) = {
            let runtime = runtime();
            let client = runtime
                .block_on(Client::untracked(rocket()))
                .unwrap_or_else(|e| panic!("the fuzz provider does not launch: {e}"));
            (runtime, client)
        };
    }
    CLIENT.with(|(runtime, client)| f(runtime, client))
}
