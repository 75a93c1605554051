//! The introspection side of the reference check: whether an endpoint's
//! answer describes a token the validator must accept (RFC 7662 §2.2, RFC
//! 9701 §5, and the README's claim rules), decided with serde_json and
//! jsonwebtoken rather than the crate's readers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::{check_claims, names_a_member_twice};
use crate::fixtures::{Family, INTROSPECTION_CLIENT, ISSUER};

/// The members of an answer the introspection validator must accept, with
/// `iss` filled in when the answer has none; or why it must refuse it.
/// `jwt`: the body is the text of a JWT answer, else a JSON object.
pub fn introspection_accepts(body: &[u8], jwt: bool) -> Result<Map<String, Value>, String> {
    let mut members = match jwt {
        true => jwt_members(std::str::from_utf8(body).map_err(|_| "not text")?.trim())?,
        false => {
            if names_a_member_twice(body) {
                return Err("a member named twice".into());
            }
            serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?
        }
    };
    if members.get("active") != Some(&Value::Bool(true)) {
        return Err("not active".into());
    }
    let kind = members.get("token_type").and_then(Value::as_str);
    if kind.is_some_and(|kind| kind.eq_ignore_ascii_case("refresh_token")) {
        return Err("a refresh token".into());
    }
    members
        .entry("iss")
        .or_insert_with(|| Value::String(ISSUER.into()));
    check_claims(&members)?;
    Ok(members)
}

/// The `token_introspection` member of a JWT answer that verifies with the
/// ES256 key, is typed `token-introspection+jwt`, comes from the issuer and
/// is addressed to the validator's client.
fn jwt_members(text: &str) -> Result<Map<String, Value>, String> {
    let header = jsonwebtoken::decode_header(text).map_err(|e| format!("header: {e}"))?;
    let typed = header
        .typ
        .as_deref()
        .is_some_and(|typ| typ.eq_ignore_ascii_case("token-introspection+jwt"));
    if !typed || header.alg != Algorithm::ES256 {
        return Err("typ or alg".into());
    }
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let claims =
        jsonwebtoken::decode::<Map<String, Value>>(text, Family::Ec.verifying_key(), &validation)
            .map_err(|e| format!("jsonwebtoken refuses it: {e}"))?
            .claims;
    let payload = text.split('.').nth(1).unwrap_or_default();
    if names_a_member_twice(&URL_SAFE_NO_PAD.decode(payload).unwrap_or_default()) {
        return Err("a member named twice".into());
    }
    let addressed = match claims.get("aud") {
        Some(Value::String(aud)) => aud == INTROSPECTION_CLIENT,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud == INTROSPECTION_CLIENT),
        _ => false,
    };
    if claims.get("iss").and_then(Value::as_str) != Some(ISSUER) || !addressed {
        return Err("issuer or audience".into());
    }
    match claims.get("token_introspection") {
        Some(Value::Object(members)) => Ok(members.clone()),
        _ => Err("no token_introspection object".into()),
    }
}
