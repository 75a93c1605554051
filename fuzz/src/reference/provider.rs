//! The provider's side of the reference check: which token requests must
//! succeed, decided from RFC 6749 and the fuzz provider's clients
//! (`crate::provider`), and whether an issued token verifies.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::fixtures::{NOW, SECRET};

/// A form's parameters (RFC 6749 §3.2: form-encoded; an empty value is no
/// value), or `None` when one is given twice (refused whole).
pub fn form(text: &str) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    for pair in text.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name), decode(value));
        if value.is_empty() {
            continue;
        }
        if params.insert(name, value).is_some() {
            return None;
        }
    }
    Some(params)
}

/// `text` form-decoded whole: `+` a space, `%XX` a byte, anything else as
/// it is (an invalid escape too); bytes that are not UTF-8 replaced.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The client a token request authenticates as (RFC 6749 §2.3.1): `rp` or
/// `service` by HTTP Basic, `first` by `client_id` and `client_secret` in
/// the form, `spa` (public) by its `client_id` alone; `None` when the
/// credentials are wrong, malformed, or given both ways.
pub fn client_authenticates(
    form: Option<&BTreeMap<String, String>>,
    authorization: Option<&str>,
) -> Option<String> {
    let form = form?;
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    let (id, secret, basic) = match authorization {
        Some(header) => {
            let (id, secret) = basic(header)?;
            if form_secret.is_some() || form_id.is_some_and(|form| *form != id) {
                return None;
            }
            (id, Some(secret), true)
        }
        None => (form_id?.clone(), form_secret.cloned(), false),
    };
    let method_fits = match id.as_str() {
        "rp" | "service" => basic,
        "first" => !basic && secret.is_some(),
        "spa" => secret.is_none(),
        _ => false,
    };
    let secret_fits = secret.is_none() || secret.as_deref() == Some(SECRET);
    (method_fits && secret_fits).then_some(id)
}

/// The `id` and `secret` of `Basic base64(id:secret)`, each form-decoded.
fn basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = decode(id);
    (!id.is_empty()).then(|| (id, decode(secret)))
}

/// Whether `form` exchanges `code` as the flow mode's request made it: its
/// `redirect_uri` and PKCE `verifier`, by the `first` client.
pub fn exchanges(
    form: Option<&BTreeMap<String, String>>,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> bool {
    let Some(form) = form else {
        return false;
    };
    let given = |name: &str| form.get(name).map(String::as_str);
    given("grant_type") == Some("authorization_code")
        && given("code") == Some(code)
        && given("redirect_uri") == Some(redirect_uri)
        && given("code_verifier") == Some(verifier)
}

/// Whether `form` refreshes with `token`, a refresh token of `granted`
/// scope: `scope`, if given, may narrow it, never widen it (RFC 6749 §6).
pub fn refreshes(form: Option<&BTreeMap<String, String>>, token: &str, granted: &str) -> bool {
    let Some(form) = form else {
        return false;
    };
    let given = |name: &str| form.get(name).map(String::as_str);
    let narrows = given("scope").is_none_or(|scope| {
        scope
            .split(' ')
            .filter(|word| !word.is_empty())
            .all(|word| granted.split(' ').any(|granted| granted == word))
    });
    given("grant_type") == Some("refresh_token") && given("refresh_token") == Some(token) && narrows
}

/// Whether `form` asks for a client-credentials token the `service` client
/// may have: its scopes (`orders`, `reports`) or fewer.
pub fn client_credentials(form: Option<&BTreeMap<String, String>>) -> bool {
    let Some(form) = form else {
        return false;
    };
    let scopes_fit = form.get("scope").is_none_or(|scope| {
        scope
            .split(' ')
            .filter(|word| !word.is_empty())
            .all(|word| matches!(word, "orders" | "reports"))
    });
    form.get("grant_type").map(String::as_str) == Some("client_credentials") && scopes_fit
}

/// The claims of an access token the provider issued, verified with its
/// published key set (`jwks`) by jsonwebtoken: `iss` the provider's, `exp`
/// after the fuzz clock's now.
pub fn provider_token(jwks: &str, token: &str, issuer: &str) -> Result<Map<String, Value>, String> {
    let set: JwkSet = serde_json::from_str(jwks).map_err(|e| format!("key set: {e}"))?;
    let header = jsonwebtoken::decode_header(token).map_err(|e| format!("header: {e}"))?;
    let jwk = match &header.kid {
        Some(kid) => set.find(kid),
        None => set.keys.first(),
    }
    .ok_or("no key for the token's kid")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("key: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false; // against the fuzz clock, below
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["iss", "exp"]);
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|e| format!("{e}"))?
        .claims;
    match claims.get("exp").and_then(Value::as_u64) {
        Some(exp) if exp > NOW => Ok(claims),
        _ => Err("expired at the fuzz clock's now".into()),
    }
}

/// An error code as a case label: the code when it is a plain word of
/// letters and `_` (every RFC 6749 code is), else `?`.
pub fn label(code: &str) -> String {
    match !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        true => code.to_owned(),
        false => "?".to_owned(),
    }
}
