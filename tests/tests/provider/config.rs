//! A misconfigured provider aborts launch, each problem naming its key
//! (and client); and the signing keys rotate as the configuration says.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket_warden::clock::ManualClock;
use rocket_warden::provider::{MemoryStore, Provider, ProviderStore};
use serde_json::Value;

use super::support::logged;
use super::CookieUsers;

fn provider(config: &str) -> rocket::Rocket<rocket::Build> {
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(config));
    rocket::custom(figment).attach(Provider::fairing(CookieUsers))
}

async fn assert_aborts(config: &str, messages: &[&str]) {
    let (log, result) = logged(provider(config).ignite()).await;
    let Err(error) = result else {
        panic!("launch should abort; the log was:\n{log}");
    };
    match error.kind() {
        rocket::error::ErrorKind::FailedFairings(fairings) => {
            assert!(fairings
                .iter()
                .any(|info| info.name == "rocket_warden provider"));
        }
        other => panic!("expected FailedFairings, got {other:?}"),
    }
    for message in messages {
        assert!(
            log.contains(message),
            "the log should contain {message:?}; it was:\n{log}"
        );
    }
}

#[tokio::test]
async fn each_problem_names_its_key_and_client() {
    assert_aborts(
        r#"
        [jwt.provider]
        signing_algorithm = "HS256"
        code_ttl_secs = 3600
        login_url = "https://elsewhere.example/login"
        [jwt.provider.clients.a]
        redirect_uris = ["http://app.example/cb"]
        secret = "short"
        grant_types = ["implicit"]
        [jwt.provider.clients.b]
        public = true
        secret = "also-a-secret-of-some-length"
        [jwt.provider.clients.c]
        redirect_uris = ["https://c.example/cb#frag"]
        public = true
        response_types = ["id_token token"]
        scops = ["openid"]
        "#,
        &[
            "`jwt.provider.issuer`: is required",
            "`jwt.provider.signing_algorithm`: `HS256` is not one of",
            "`jwt.provider.code_ttl_secs`: must be at most 600",
            "`jwt.provider.login_url`: must be a path on this server",
            "`jwt.provider.clients.a.redirect_uris`: `http://app.example/cb` must use https",
            "`jwt.provider.clients.a.secret`: must be at least 16 characters",
            "`jwt.provider.clients.a.grant_types`: the implicit grant is refused",
            "`jwt.provider.clients.b.secret`: give exactly one of",
            "`jwt.provider.clients.c.redirect_uris`: `https://c.example/cb#frag` must have no fragment",
            "`jwt.provider.clients.c.response_types`: `id_token token` is the implicit flow",
            "`jwt.provider.clients.c.scops`: unknown key `scops`, did you mean `scopes`?",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_missing_secret_variable_and_a_bad_hash_are_named() {
    assert_aborts(
        r#"
        [jwt.provider]
        issuer = "http://127.0.0.1:8000"
        [jwt.provider.clients.env]
        grant_types = ["client_credentials"]
        secret_env = "ROCKET_WARDEN_TEST_SURELY_UNSET"
        [jwt.provider.clients.hashed]
        grant_types = ["client_credentials"]
        secret_hash = "$2b$12$notargon"
        "#,
        &[
            "`jwt.provider.clients.env.secret_env`: the environment variable `ROCKET_WARDEN_TEST_SURELY_UNSET` is not set",
            "`jwt.provider.clients.hashed.secret_hash`",
        ],
    )
    .await;
}

#[tokio::test]
async fn every_other_problem_names_its_key_and_client() {
    assert_aborts(
        r#"
        [jwt.provider]
        issuer = "https://id.example/?tenant=1"
        access_token_ttl_secs = 0
        key_rotation_days = 4000
        [jwt.provider.clients]
        number = 5
        [jwt.provider.clients."with space"]
        grant_types = ["client_credentials"]
        secret = "a-secret-of-some-length"
        [jwt.provider.clients.pub]
        public = true
        redirect_uris = ["https://pub.example/cb"]
        grant_types = ["authorization_code", "client_credentials"]
        scopes = ["a b"]
        id_token_signing_algorithm = "HS256"
        [jwt.provider.clients.grants]
        grant_types = ["password"]
        secret = "a-secret-of-some-length"
        [jwt.provider.clients.nogrant]
        grant_types = []
        secret = "a-secret-of-some-length"
        [jwt.provider.clients.method]
        grant_types = ["client_credentials"]
        secret = "a-secret-of-some-length"
        token_endpoint_auth_method = "private_key_jwt"
        [jwt.provider.clients.none]
        grant_types = ["client_credentials"]
        secret = "a-secret-of-some-length"
        token_endpoint_auth_method = "none"
        [jwt.provider.clients.types]
        grant_types = ["client_credentials"]
        secret = "a-secret-of-some-length"
        response_types = ["code"]
        [jwt.provider.clients.unknown_type]
        redirect_uris = ["https://t.example/cb"]
        secret = "a-secret-of-some-length"
        response_types = ["code device"]
        "#,
        &[
            "`jwt.provider.issuer`: must have no query, fragment or user name",
            "`jwt.provider.access_token_ttl_secs`: must be at least 1",
            "`jwt.provider.key_rotation_days`: must be at most 3650 (0: never rotate)",
            "`jwt.provider.clients.number`: expected a table, found a number",
            "`jwt.provider.clients.with space`: a client_id must be printable ASCII without spaces",
            "`jwt.provider.clients.pub.grant_types`: a public client cannot use `client_credentials`",
            "`jwt.provider.clients.pub.scopes`: `a b` is not a scope token (RFC 6749 §3.3)",
            "`jwt.provider.clients.pub.id_token_signing_algorithm`: `HS256` is not one of",
            "`jwt.provider.clients.grants.grant_types`: `password` is not one of",
            "`jwt.provider.clients.nogrant.grant_types`: must name at least one grant",
            "`jwt.provider.clients.method.token_endpoint_auth_method`: `private_key_jwt` is not one of",
            "`jwt.provider.clients.none.token_endpoint_auth_method`: must be \"none\" exactly when \
             the client is public",
            "`jwt.provider.clients.types.response_types`: need the `authorization_code` grant",
            "`jwt.provider.clients.unknown_type.response_types`: `code device` is not one of",
        ],
    )
    .await;
    assert_aborts(
        "[jwt]\nprovider = 5\n",
        &["`jwt.provider`: expected a table, found a number"],
    )
    .await;
}

#[tokio::test]
async fn the_fairing_without_jwt_provider_aborts_launch() {
    assert_aborts("", &["`jwt.provider` is missing"]).await;
}

/// The key set's `kid`s, in order.
async fn kids(rocket: &rocket::local::asynchronous::Client) -> Vec<String> {
    let jwks: Value = rocket
        .get("/oauth2/jwks")
        .dispatch()
        .await
        .into_json()
        .await
        .expect("a JWKS");
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|key| key["kid"].as_str().expect("a kid").to_owned())
        .collect()
}

#[tokio::test]
async fn keys_are_published_before_they_sign_and_kept_until_their_tokens_expire() {
    let start = 1_800_000_000;
    let clock = ManualClock::at_secs(start);
    let store = MemoryStore::new();
    let config = r#"
        [jwt.provider]
        issuer = "http://127.0.0.1:8000"
        signing_algorithm = "ES256"
        key_rotation_days = 10
        access_token_ttl_secs = 3600
        id_token_ttl_secs = 600
        [jwt.provider.clients.service]
        grant_types = ["client_credentials"]
        secret = "service-secret-0123456789"
        scopes = ["a"]
        "#;
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(config));
    let fairing = Provider::fairing(CookieUsers)
        .clock(clock.clone())
        .store(store.clone());
    let rocket = rocket::custom(figment).attach(fairing);
    let client = rocket::local::asynchronous::Client::tracked(rocket)
        .await
        .expect("launch");
    let first = kids(&client).await;
    assert_eq!(first.len(), 1);
    assert_eq!(signed_by(&client).await, first[0]);
    // A day before ten days of signing: the next key is published, unused.
    clock.set_secs(start + 9 * 86_400);
    let both = kids(&client).await;
    assert_eq!(both.len(), 2);
    assert_eq!(signed_by(&client).await, first[0]);
    // Ten days: the next key signs, the old one stays published.
    clock.set_secs(start + 10 * 86_400);
    assert_eq!(signed_by(&client).await, both[1]);
    assert_eq!(kids(&client).await.len(), 2);
    // Once its last token has expired (an hour, and a margin), it goes.
    clock.set_secs(start + 10 * 86_400 + 3600 + 301);
    assert_eq!(kids(&client).await, vec![both[1].clone()]);
    assert_eq!(store.keys().await.expect("keys").len(), 1);
}

/// The `kid` of a new client-credentials access token.
async fn signed_by(client: &rocket::local::asynchronous::Client) -> String {
    let body: Value = client
        .post("/oauth2/token")
        .header(rocket::http::ContentType::Form)
        .header(rocket::http::Header::new(
            "Authorization",
            format!(
                "Basic {}",
                STANDARD.encode("service:service-secret-0123456789")
            ),
        ))
        .body("grant_type=client_credentials")
        .dispatch()
        .await
        .into_json()
        .await
        .expect("tokens");
    let token = body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    jsonwebtoken::decode_header(token)
        .expect("a header")
        .kid
        .expect("a kid")
}

/// A client id may hold `.` (`com.example.service`, as many do): its table's
/// keys are read, its problems are named under the whole id, and the client
/// gets its tokens.
#[tokio::test]
async fn a_client_id_with_dots_is_read_whole() {
    let config = |secret: &str| {
        format!(
            "[jwt.provider]\nissuer = \"http://127.0.0.1:8000\"\n\
             [jwt.provider.clients.\"com.example.service\"]\n\
             grant_types = [\"client_credentials\"]\nsecret = {secret:?}\nscopes = [\"a\"]\n"
        )
    };
    assert_aborts(
        &config("short"),
        &["`jwt.provider.clients.com.example.service.secret`: must be at least 16 characters"],
    )
    .await;
    let client = rocket::local::asynchronous::Client::tracked(provider(&config(
        "service-secret-0123456789",
    )))
    .await
    .expect("launch");
    let credentials = STANDARD.encode("com.example.service:service-secret-0123456789");
    let response = client
        .post("/oauth2/token")
        .header(rocket::http::ContentType::Form)
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Basic {credentials}"),
        ))
        .body("grant_type=client_credentials")
        .dispatch()
        .await;
    assert_eq!(response.status(), rocket::http::Status::Ok);
    let body: Value = response.into_json().await.expect("JSON");
    assert!(body["access_token"].is_string(), "{body}");
}
