//! A CORS fairing (`rocket_cors`) in front of `#[jwt_auth]` routes: a
//! preflight is answered by the fairing and never refused for lack of a
//! token, and a refusal's `WWW-Authenticate` is exposed to the browser's
//! script.

mod support;

use jsonwebtoken::Algorithm;
use rocket::http::{Header, Method, Status};
use rocket::local::asynchronous::Client;
use rocket_cors::{AllowedHeaders, AllowedOrigins, CorsOptions};

use support::{bearer, claims, jwt, mint, rocket, validator};

const ORIGIN: &str = "https://app.example.com";

async fn client() -> Client {
    let cors = CorsOptions {
        allowed_origins: AllowedOrigins::some_exact(&[ORIGIN]),
        allowed_methods: [Method::Get, Method::Post]
            .into_iter()
            .map(From::from)
            .collect(),
        allowed_headers: AllowedHeaders::some(&["Authorization", "DPoP"]),
        expose_headers: rocket_warden::cors::EXPOSED_HEADERS
            .iter()
            .map(|header| header.to_string())
            .collect(),
        ..Default::default()
    }
    .to_cors()
    .expect("CORS options");
    let config = validator("api", Algorithm::HS256, "");
    Client::tracked(rocket(&config, rocket::routes![jwt]).attach(cors))
        .await
        .expect("launch")
}

#[tokio::test]
async fn a_preflight_is_never_refused_for_lack_of_a_token() {
    let client = client().await;
    let preflight = client
        .options("/jwt")
        .header(Header::new("Origin", ORIGIN))
        .header(Header::new("Access-Control-Request-Method", "GET"))
        .header(Header::new(
            "Access-Control-Request-Headers",
            "authorization",
        ))
        .dispatch()
        .await;
    assert!(
        matches!(preflight.status(), Status::Ok | Status::NoContent),
        "{}",
        preflight.status()
    );
    let headers = preflight.headers();
    assert_eq!(headers.get_one("Access-Control-Allow-Origin"), Some(ORIGIN));
    assert!(headers
        .get_one("Access-Control-Allow-Headers")
        .is_some_and(|h| h.to_ascii_lowercase().contains("authorization")));
    assert_eq!(
        headers.get_one("WWW-Authenticate"),
        None,
        "no challenge on a preflight"
    );
}

#[tokio::test]
async fn a_refusal_exposes_its_challenge_to_the_browser() {
    let client = client().await;
    let refused = client
        .get("/jwt")
        .header(Header::new("Origin", ORIGIN))
        .dispatch()
        .await;
    assert_eq!(refused.status(), Status::Unauthorized);
    let headers = refused.headers();
    assert_eq!(headers.get_one("Access-Control-Allow-Origin"), Some(ORIGIN));
    assert!(headers.get_one("WWW-Authenticate").is_some());
    let exposed = headers
        .get_one("Access-Control-Expose-Headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate"), "{exposed}");
    let token = mint(Algorithm::HS256, &claims());
    let accepted = client
        .get("/jwt")
        .header(Header::new("Origin", ORIGIN))
        .header(bearer(&token))
        .dispatch()
        .await;
    assert_eq!(accepted.status(), Status::Ok);
    assert_eq!(
        accepted.headers().get_one("Access-Control-Allow-Origin"),
        Some(ORIGIN)
    );
}
