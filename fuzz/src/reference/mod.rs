//! The reference check: whether a token should be accepted, decided another
//! way than the validator decides it. The signature and algorithm go through
//! `jsonwebtoken::decode` (the library's own path, not the crate's one-pass
//! reader); every claim rule is written out again here from the README.
//!
//! A target that sees the validator accept a token this check refuses has
//! found a forgery or a rule the validator skips.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use rocket_warden::limits::MAX_TOKEN_BYTES;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::fixtures::{Family, AUDIENCE, ISSUER, NOW};

mod introspection;
mod provider;

pub use introspection::introspection_accepts;

pub use provider::{
    client_authenticates, client_credentials, exchanges, form, label, provider_token, refreshes,
};

/// The claims of `token` if `family`'s validator must accept it, or why not.
pub fn accepts(family: Family, token: &str) -> Result<Map<String, Value>, String> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err("too large".into());
    }
    let header = header(token)?;
    if !family.allowed().contains(&header.alg) {
        return Err(format!("{:?} is not allowed", header.alg));
    }
    if header.crit.is_some() {
        return Err("crit".into());
    }
    if let Some(expected) = family.token_type() {
        let typ = header.typ.as_deref().unwrap_or("").to_ascii_lowercase();
        if typ != expected && typ != format!("application/{expected}") {
            return Err("typ".into());
        }
    }
    let claims = match decode(token, family, header.alg) {
        Ok(claims) => claims,
        // jsonwebtoken's pre-pass over the registered claims fails as a
        // whole on some values of the wrong type (an array `sub`) that this
        // crate reads as it documents; the signature is then checked with
        // its primitive, over the bytes cut here, and the claims read apart.
        Err(error) if matches!(error.kind(), ErrorKind::Json(_)) => {
            let (signed, signature) = token.rsplit_once('.').unwrap_or_default();
            let verified = jsonwebtoken::crypto::verify(
                signature,
                signed.as_bytes(),
                family.verifying_key(),
                header.alg,
            );
            if !matches!(verified, Ok(true)) {
                return Err("the signature does not verify".into());
            }
            let payload = signed
                .split_once('.')
                .map(|(_, payload)| payload)
                .unwrap_or_default();
            let json = URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|e| format!("payload: {e}"))?;
            serde_json::from_slice(&json).map_err(|e| format!("claims: {e}"))?
        }
        Err(error) => return Err(format!("jsonwebtoken refuses it: {error}")),
    };
    let Value::Object(claims) = claims else {
        return Err("claims are not an object".into());
    };
    let payload = token.split('.').nth(1).unwrap_or_default();
    if names_a_member_twice(&URL_SAFE_NO_PAD.decode(payload).unwrap_or_default()) {
        return Err("a member named twice".into());
    }
    check_claims(&claims)?;
    Ok(claims)
}

/// The header of `token` by `jsonwebtoken::decode_header`, with RFC 9864's
/// `Ed25519` read as `EdDSA` (README, "Behaviour"): jsonwebtoken knows only
/// the older name. Renamed in the JSON, so serde still refuses what it
/// refuses; a header so renamed must name no member twice.
fn header(token: &str) -> Result<Header, String> {
    let error = match jsonwebtoken::decode_header(token) {
        Ok(header) => return Ok(header),
        Err(error) => format!("header: {error}"),
    };
    let part = token.split('.').next().unwrap_or_default();
    let json = URL_SAFE_NO_PAD.decode(part).map_err(|_| error.clone())?;
    let mut header: Value = serde_json::from_slice(&json).map_err(|_| error.clone())?;
    if header.get("alg") != Some(&Value::from("Ed25519")) || names_a_member_twice(&json) {
        return Err(error);
    }
    header["alg"] = Value::from("EdDSA");
    serde_json::from_value(header).map_err(|e| format!("header: {e}"))
}

/// The claims of `token` by `jsonwebtoken::decode`, checking only the
/// signature and algorithm.
fn decode(token: &str, family: Family, alg: Algorithm) -> jsonwebtoken::errors::Result<Value> {
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, family.verifying_key(), &validation)
        .map(|data| data.claims)
}

/// 2⁶⁴: a time claim at or above it is malformed.
const TWO_TO_THE_64: f64 = 18_446_744_073_709_551_616.0;

/// The claim rules every fuzz validator applies (README, "Configuration" and
/// "Behaviour"), at [`NOW`] with no leeway.
pub fn check_claims(claims: &Map<String, Value>) -> Result<(), String> {
    let present = |name: &str| claims.get(name).filter(|value| !value.is_null());
    if present("iss") != Some(&Value::String(ISSUER.into())) {
        return Err("iss".into());
    }
    match present("aud") {
        Some(Value::String(aud)) if aud == AUDIENCE => {}
        Some(Value::Array(auds))
            if auds.iter().all(Value::is_string) && auds.iter().any(|aud| aud == AUDIENCE) => {}
        _ => return Err("aud".into()),
    }
    if present("sub").is_none() {
        return Err("sub".into());
    }
    let seconds = |name: &str| -> Result<Option<f64>, String> {
        match present(name) {
            None => Ok(None),
            // Whole seconds that fit in 64 bits, as the README says: a whole
            // number read exactly (as a float, 2⁶⁴ − 1 would round to 2⁶⁴).
            Some(value) => match (value.as_u64(), value.as_f64()) {
                (Some(secs), _) => Ok(Some(secs as f64)),
                (None, Some(secs)) if (0.0..TWO_TO_THE_64).contains(&secs) => {
                    Ok(Some(secs.round()))
                }
                _ => Err(format!("{name} is not a time")),
            },
        }
    };
    let now = NOW as f64;
    match seconds("exp")? {
        Some(exp) if exp >= now => {}
        _ => return Err("exp".into()),
    }
    if seconds("nbf")?.is_some_and(|nbf| nbf > now) {
        return Err("nbf".into());
    }
    match present("iat") {
        Some(iat) if iat.as_f64().is_none_or(|iat| iat.round() > now) => Err("iat".into()),
        _ => Ok(()),
    }
}

/// The `acr` the fuzz application's step-up route accepts.
pub const STEP_UP_ACR: &str = "urn:fuzz:mfa";

/// The `max_age` of the fuzz application's step-up route, in seconds.
pub const STEP_UP_MAX_AGE: u64 = 300;

/// The step-up rule (README, "Behaviour"), written out for the fuzz
/// application's `/stepup` route at [`NOW`] with no leeway: `acr` exactly
/// [`STEP_UP_ACR`], and `auth_time` a non-negative number (a fraction
/// rounded) at most [`STEP_UP_MAX_AGE`] seconds before `NOW` and not after.
pub fn meets_step_up(claims: &Map<String, Value>) -> bool {
    let acr = claims.get("acr").and_then(Value::as_str) == Some(STEP_UP_ACR);
    let now = NOW as f64;
    let recent = claims
        .get("auth_time")
        .and_then(Value::as_f64)
        .map(f64::round)
        .is_some_and(|at| at >= 0.0 && at <= now && now - at <= STEP_UP_MAX_AGE as f64);
    acr && recent
}

/// The first family of the `hs` chain (`hs`, `rs`, `es`, `ed`) that must
/// accept `token`, with its claims.
pub fn chain_accepts(token: &str) -> Option<(Family, Map<String, Value>)> {
    Family::ALL
        .into_iter()
        .find_map(|family| accepts(family, token).ok().map(|claims| (family, claims)))
}

/// Whether `alg` can verify with a key of the kind the crate names `kind`
/// (as its launch log writes it).
pub fn kind_fits(kind: &str, alg: Algorithm) -> bool {
    use Algorithm::*;
    if kind.contains("RSA") {
        matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512)
    } else if kind.contains("P-256") {
        alg == ES256
    } else if kind.contains("P-384") {
        alg == ES384
    } else if kind.contains("Ed25519") {
        alg == EdDSA
    } else {
        false
    }
}

/// Whether a JSON text has an object that names a member twice, at any
/// depth (RFC 7519 §4; the crate refuses such claims).
pub fn names_a_member_twice(json: &[u8]) -> bool {
    /// Walks a value; fails on the first repeated name.
    struct Walk;
    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element::<Nested>()?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = HashSet::new();
            while let Some(name) = map.next_key::<String>()? {
                if !seen.insert(name) {
                    return Err(serde::de::Error::custom("twice"));
                }
                map.next_value::<Nested>()?;
            }
            Ok(())
        }
    }
    /// A nested value, walked the same way.
    struct Nested;
    impl<'de> serde::Deserialize<'de> for Nested {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Walk).map(|()| Nested)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let walked = serde::Deserializer::deserialize_any(&mut deserializer, Walk);
    matches!(walked, Err(error) if error.to_string().starts_with("twice"))
}

/// The DPoP proof rules (README, "DPoP"), written out again for a request
/// with `method`, `path` and `token` at `now`, with the fuzz entry point's
/// settings (`__fuzz::DPOP_ORIGIN`, the default algorithms, 60 s, no
/// leeway): the RFC 7638 thumbprint of the proof's key, or why not.
pub fn dpop_accepts(
    proof: &str,
    method: &str,
    path: &str,
    token: &str,
    now: u64,
) -> Result<String, String> {
    if proof.len() > MAX_TOKEN_BYTES {
        return Err("too large".into());
    }
    let parts: Vec<&str> = proof.split('.').collect();
    let base64url = |part: &&str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if parts.len() != 3 || !parts.iter().all(base64url) {
        return Err("not a compact JWS".into());
    }
    let json = |part: &str| -> Result<Map<String, Value>, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
        if names_a_member_twice(&bytes) {
            return Err("a member named twice".into());
        }
        match serde_json::from_slice(&bytes).map_err(|e| e.to_string())? {
            Value::Object(object) => Ok(object),
            _ => Err("not an object".into()),
        }
    };
    let header = json(parts[0])?;
    if header.contains_key("crit") {
        return Err("crit".into());
    }
    // RFC 7797: only the default, an encoded payload.
    if header
        .get("b64")
        .is_some_and(|b64| *b64 != Value::Bool(true))
    {
        return Err("b64".into());
    }
    let typ = header
        .get("typ")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !typ.eq_ignore_ascii_case("dpop+jwt") {
        return Err("typ".into());
    }
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("ES256") => Algorithm::ES256,
        Some("ES384") => Algorithm::ES384,
        Some("EdDSA" | "Ed25519") => Algorithm::EdDSA,
        Some("PS256") => Algorithm::PS256,
        Some("RS256") => Algorithm::RS256,
        _ => return Err("alg".into()),
    };
    let Some(Value::Object(jwk)) = header.get("jwk") else {
        return Err("no jwk".into());
    };
    let private = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
    if private.iter().any(|member| jwk.contains_key(*member)) {
        return Err("a private jwk".into());
    }
    let jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(Value::Object(jwk.clone())).map_err(|e| e.to_string())?;
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let signed = &proof[..parts[0].len() + 1 + parts[1].len()];
    let valid = jsonwebtoken::crypto::verify(parts[2], signed.as_bytes(), &key, alg);
    if !matches!(valid, Ok(true)) {
        return Err("signature".into());
    }
    let claims = json(parts[1])?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if !text("jti").is_some_and(|jti| !jti.is_empty() && jti.len() <= 256) {
        return Err("jti".into());
    }
    let (Some(htm), Some(htu), Some(ath)) = (text("htm"), text("htu"), text("ath")) else {
        return Err("htm, htu or ath".into());
    };
    let iat = claims
        .get("iat")
        .and_then(Value::as_f64)
        .filter(|iat| (0.0..TWO_TO_THE_64).contains(iat))
        .ok_or("iat")?
        .round();
    if htm != method {
        return Err("htm".into());
    }
    let without_query = |url: &str| {
        url::Url::parse(url)
            .ok()
            .map(|url| url[..url::Position::AfterPath].to_owned())
    };
    let this = without_query(&format!("{}{path}", rocket_warden::__fuzz::DPOP_ORIGIN));
    if this.is_none() || without_query(htu) != this {
        return Err("htu".into());
    }
    if iat > now as f64 || iat < (now - 60) as f64 {
        return Err("iat window".into());
    }
    use sha2::Digest as _;
    if ath != URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes())) {
        return Err("ath".into());
    }
    jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
        .map_err(|e| e.to_string())
}
