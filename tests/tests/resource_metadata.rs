//! Protected Resource Metadata (RFC 9728) through real requests: the
//! document a validator with a `resource` serves, its scopes taken from the
//! mounted routes, and the `resource_metadata` every 401 names.

mod support;

use jsonwebtoken::Algorithm::RS256;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, routes, Route};
use rocket_warden::jwt_auth;
use serde_json::{json, Value};
use support::ignite::assert_aborts;
use support::*;

const DOCUMENT: &str = "/.well-known/oauth-protected-resource/v1";
const DOCUMENT_URL: &str = "https://api.example.test/.well-known/oauth-protected-resource/v1";

#[jwt_auth(validator = "api", scopes = ["orders:read"])]
#[get("/orders")]
fn orders() -> &'static str {
    "orders"
}

#[jwt_auth(validator = "api", scopes = ["orders:write", "orders:read"])]
#[post("/orders")]
fn new_order() -> &'static str {
    "ordered"
}

#[jwt_auth(public)]
#[get("/health")]
fn health() -> &'static str {
    "ok"
}

#[jwt_auth(validator = "partner", scopes = ["partner:only"])]
#[get("/partner")]
fn partner() -> &'static str {
    "partner"
}

#[jwt_auth(scopes = ["solo:read"])]
#[get("/solo")]
fn solo() -> &'static str {
    "solo"
}

/// `api` (a resource with DPoP and query tokens, chained to `partner`, of
/// another issuer) and `partner` (no resource).
fn config() -> String {
    let api = validator(
        "api",
        RS256,
        "resource = \"https://api.example.test/v1\"\nquery_param = \"access_token\"\n\
         next = \"partner\"\ndpop = \"allowed\"\ndpop_origin = \"https://api.example.test\"\n\
         dpop_algorithms = [\"ES256\", \"EdDSA\"]",
    );
    let partner = validator("partner", RS256, "")
        .replace("https://issuer.test", "https://partner.example.test");
    format!("[jwt]\nrequire_policy = true\n{api}\n{partner}")
}

fn api_routes() -> Vec<Route> {
    routes![orders, new_order, health, partner]
}

async fn json_of(client: &Client, path: &str) -> Value {
    let response = client.get(path).dispatch().await;
    assert_eq!(response.status(), Status::Ok, "GET {path}");
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    response.into_json().await.expect("a JSON document")
}

#[rocket::async_test]
async fn the_document_describes_the_resource_from_its_validators_and_routes() {
    // `require_policy = true` launches: the document's own route is public.
    let client = client(&config(), api_routes()).await;
    assert_eq!(
        json_of(&client, DOCUMENT).await,
        json!({
            "resource": "https://api.example.test/v1",
            "authorization_servers": [ISSUER, "https://partner.example.test"],
            "bearer_methods_supported": ["header", "query"],
            "scopes_supported": ["orders:read", "orders:write"],
            "tls_client_certificate_bound_access_tokens": false,
            "dpop_bound_access_tokens_required": false,
            "dpop_signing_alg_values_supported": ["ES256", "EdDSA"],
        })
    );
}

#[rocket::async_test]
async fn scopes_are_those_of_the_routes_mounted() {
    // Without the POST route, `orders:write` is no scope of the resource.
    let client = client(&config(), routes![orders, partner]).await;
    let document = json_of(&client, DOCUMENT).await;
    assert_eq!(document["scopes_supported"], json!(["orders:read"]));
}

#[rocket::async_test]
async fn the_only_validator_owns_routes_that_name_none() {
    let config = validator("solo", RS256, "resource = \"https://solo.example.test\"");
    let client = client(&config, routes![solo]).await;
    let document = json_of(&client, "/.well-known/oauth-protected-resource").await;
    assert_eq!(document["resource"], "https://solo.example.test");
    assert_eq!(document["scopes_supported"], json!(["solo:read"]));
    assert_eq!(document["bearer_methods_supported"], json!(["header"]));
    assert!(document.get("dpop_signing_alg_values_supported").is_none());
    assert_eq!(
        document["tls_client_certificate_bound_access_tokens"],
        false
    );
}

#[rocket::async_test]
async fn a_validator_reading_certificates_says_so() {
    let config = validator(
        "solo",
        RS256,
        "resource = \"https://solo.example.test\"\ncertificate_header = \"X-Client-Cert\"\n\
         certificate_trusted_proxies = [\"10.0.0.1\"]",
    );
    let client = client(&config, routes![solo]).await;
    let document = json_of(&client, "/.well-known/oauth-protected-resource").await;
    assert_eq!(document["tls_client_certificate_bound_access_tokens"], true);
}

#[rocket::async_test]
async fn every_401_names_the_document_and_a_403_does_not() {
    let client = client(&config(), api_routes()).await;
    let response = client.get("/orders").dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    let challenges: Vec<_> = response.headers().get("WWW-Authenticate").collect();
    assert_eq!(
        challenges,
        [
            format!("Bearer realm=\"api\", resource_metadata=\"{DOCUMENT_URL}\""),
            format!(
                "DPoP realm=\"api\", algs=\"ES256 EdDSA\", resource_metadata=\"{DOCUMENT_URL}\""
            ),
        ]
    );
    let token = mint(RS256, &claims_with(json!({ "scope": "profile" })));
    let response = get(&client, "/orders", Some(&token)).await;
    assert_eq!(response.status(), Status::Forbidden);
    let challenge = response
        .headers()
        .get_one("WWW-Authenticate")
        .unwrap_or_default();
    assert!(!challenge.contains("resource_metadata"), "{challenge}");
    let token = mint(RS256, &claims_with(json!({ "scope": "orders:read" })));
    assert_eq!(
        get(&client, "/orders", Some(&token)).await.status(),
        Status::Ok
    );
}

#[rocket::async_test]
async fn a_validator_without_a_resource_serves_no_document_and_names_none() {
    let client = client(&config(), api_routes()).await;
    let response = client.get("/partner").dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(
        response.headers().get_one("WWW-Authenticate"),
        Some("Bearer realm=\"partner\"")
    );
    let response = client
        .get("/.well-known/oauth-protected-resource")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::NotFound);
}

#[rocket::async_test]
async fn a_resource_is_checked_at_launch() {
    for (resource, message) in [
        (
            "http://api.example.test",
            "`jwt.validators.main.resource`: must be `https` (`http` only on a loopback host: localhost, 127.0.0.0/8 or [::1])",
        ),
        (
            "https://api.example.test/?tenant=1",
            "`jwt.validators.main.resource`: a URL without query or fragment",
        ),
    ] {
        let config = validator("main", RS256, &format!("resource = {resource:?}"));
        assert_aborts(rocket(&config, routes![]), &[message]).await;
    }
}

#[rocket::async_test]
async fn two_validators_with_one_document_path_do_not_launch() {
    let one = validator("one", RS256, "resource = \"https://a.example.test/v1\"");
    let two = validator("two", RS256, "resource = \"https://b.example.test/v1/\"");
    assert_aborts(
        rocket(&format!("{one}\n{two}"), routes![]),
        &["validators `one` and `two` name resources whose metadata documents would share one path"],
    )
    .await;
}
