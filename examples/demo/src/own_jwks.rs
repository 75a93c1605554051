//! The JWK set the demo serves itself, so that validator `demo_jwks` shows
//! remote keys with no outside provider.
//!
//! The signing key is a development key committed on purpose
//! (`keys/jwks-dev.key`). Unless configured otherwise, `demo_jwks` fetches
//! its keys from this demo's own `GET /.well-known/jwks.json`.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use rocket::figment::Figment;
use rocket::serde::json::Json;
use serde_json::{json, Value};

/// The path of the demo's JWK set.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The `kid` of the development key.
pub const DEV_KID: &str = "demo-jwks-dev-1";

/// The development private key (P-256, ES256). Never use it anywhere else.
pub const DEV_KEY_PEM: &str = include_str!("../keys/jwks-dev.key");

/// The development key, for signing.
pub(crate) fn dev_key() -> Option<EncodingKey> {
    EncodingKey::from_ec_pem(DEV_KEY_PEM.as_bytes()).ok()
}

/// `figment` with `jwt.validators.demo_jwks.jwks_uri` pointing at this demo's
/// own JWK set (on 127.0.0.1 and the configured port), unless `demo_jwks` is
/// absent or has a key source of its own.
pub(crate) fn point_at_own_jwks(figment: Figment) -> Figment {
    const VALIDATOR: &str = "jwt.validators.demo_jwks";
    // The key sources a validator may have (README, "Configuration").
    const KEY_SOURCES: [&str; 6] = [
        "secret",
        "secret_env",
        "public_key_pem",
        "public_key_file",
        "jwks_uri",
        "discovery",
    ];
    let configured = |key: &str| figment.contains(&format!("{VALIDATOR}.{key}"));
    if !figment.contains(VALIDATOR) || KEY_SOURCES.iter().any(|key| configured(key)) {
        return figment;
    }
    let port: u16 = figment.extract_inner("port").unwrap_or(8000);
    let uri = format!("http://127.0.0.1:{port}{JWKS_PATH}");
    figment.merge((format!("{VALIDATOR}.jwks_uri"), uri))
}

/// The demo's JWK set: the public half of the development key.
#[rocket_warden::jwt_auth(public)]
#[rocket::get("/.well-known/jwks.json")]
pub(crate) fn jwks() -> Json<Value> {
    let keys: Vec<Value> = dev_key()
        .and_then(|key| Jwk::from_encoding_key(&key, Algorithm::ES256).ok())
        .and_then(|jwk| serde_json::to_value(jwk).ok())
        .map(|mut jwk| {
            jwk["kid"] = json!(DEV_KID);
            jwk["use"] = json!("sig");
            jwk
        })
        .into_iter()
        .collect();
    Json(json!({ "keys": keys }))
}
