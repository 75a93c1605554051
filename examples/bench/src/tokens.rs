//! One valid token per protected route, for the load generator.

use jsonwebtoken::{encode, get_current_timestamp, Algorithm, EncodingKey, Header};
use rocket::figment::Figment;
use serde::Deserialize;
use serde_json::json;

/// How long minted tokens stay valid: longer than any benchmark run.
pub const TOKEN_SECS: u64 = 6 * 3600;

/// The length of every minted token: that of a typical OIDC access token
/// signed with RS256 (whose signature alone is 342 characters).
pub const TOKEN_BYTES: usize = 700;

/// The development RSA 2048 key whose public half `bench_rs` holds.
const RSA_KEY: &str = include_str!("../keys/rsa-dev.key");
/// The development P-256 key whose public half `bench_es` holds.
const EC_KEY: &str = include_str!("../keys/ec-p256-dev.key");

/// A route of the bench and a token its validator accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteToken {
    /// The route's path without the slash: `hs`, `rs` or `es`.
    pub route: &'static str,
    /// The signed token.
    pub token: String,
}

/// The parts of a validator's settings needed to mint a token it accepts.
#[derive(Deserialize)]
struct Settings {
    issuer: String,
    #[serde(default)]
    audiences: Vec<String>,
    secret: Option<String>,
}

/// Signs a token for each of `/hs`, `/rs` and `/es` with the issuer and
/// first audience that `figment` gives `bench_hs`, `bench_rs` and `bench_es`,
/// the HS256 secret from `bench_hs`, and the committed development keys for
/// RS256 and ES256 (a configuration that names other public keys makes the
/// `rs` and `es` tokens fail, which load.sh detects before measuring).
///
/// # Errors
/// A validator missing from the configuration, `bench_hs` without a
/// `secret`, or a key that does not load; the message names which.
pub fn mint_tokens(figment: &Figment) -> Result<Vec<RouteToken>, String> {
    let secret = settings(figment, "bench_hs")?
        .secret
        .ok_or("`jwt.validators.bench_hs` has no `secret` to sign with")?;
    let keys = [
        (
            "hs",
            "bench_hs",
            Algorithm::HS256,
            EncodingKey::from_secret(secret.as_bytes()),
        ),
        (
            "rs",
            "bench_rs",
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(RSA_KEY.as_bytes()),
        ),
        (
            "es",
            "bench_es",
            Algorithm::ES256,
            EncodingKey::from_ec_pem(EC_KEY.as_bytes()),
        ),
    ];
    keys.into_iter()
        .map(|(route, validator, algorithm, key)| {
            let key = key.map_err(|e| format!("the key for `{validator}` does not load: {e}"))?;
            let token = sign(&settings(figment, validator)?, algorithm, &key)
                .map_err(|e| format!("signing for `{validator}` failed: {e}"))?;
            Ok(RouteToken { route, token })
        })
        .collect()
}

/// `jwt.validators.<validator>` from `figment`.
fn settings(figment: &Figment, validator: &str) -> Result<Settings, String> {
    figment
        .extract_inner(&format!("jwt.validators.{validator}"))
        .map_err(|e| format!("`jwt.validators.{validator}`: {e}"))
}

/// A token shaped like an OIDC provider's access token, valid for
/// [`TOKEN_SECS`], padded (its `jti`) to [`TOKEN_BYTES`] or one byte more,
/// so every route's requests are the same size whatever the signature's.
fn sign(
    settings: &Settings,
    algorithm: Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<String> {
    let now = get_current_timestamp();
    let mut jti = String::from("0");
    loop {
        let claims = json!({
            "iss": settings.issuer,
            "aud": settings.audiences.first(),
            "sub": "bench-user",
            "azp": "warden-bench-client",
            "iat": now,
            "exp": now + TOKEN_SECS,
            "scope": "openid profile email orders:read",
            "email": "bench-user@example.com",
            "name": "Bench User",
            "jti": jti,
        });
        let token = encode(&Header::new(algorithm), &claims, key)?;
        // Base64 cannot make every length: one byte over is close enough.
        if token.len() >= TOKEN_BYTES || jti.len() > TOKEN_BYTES {
            return Ok(token);
        }
        jti.push('0');
    }
}
