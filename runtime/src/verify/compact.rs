//! A compact JWS (`header.payload.signature`): its shape checked before any
//! decoding, then read in one pass.
//!
//! jsonwebtoken's `decode` parses the header twice and the claims twice (once
//! to validate them, once into the caller's type); on an HMAC token that JSON
//! work costs more than the signature. Here the signature is checked with a
//! [`VerifyingKey`] (jsonwebtoken's crypto provider, its per-key setup made
//! once) and jsonwebtoken still defines the [`Header`], but each part is
//! decoded and parsed exactly once. The claim checks that `decode` would
//! make are the validator's own (see `verify::validator`).

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::{Algorithm, Extras, Header};
use serde::Deserialize;
use serde_json::Value;

use super::json::UniqueObject;
use super::payload::Payload;
use crate::crypto::{decode_base64url, VerifyingKey};
use crate::error::TokenError;
use crate::keys::algorithm_named;

/// The largest token accepted, in bytes. Real access tokens are well under
/// 2 KiB; 8 KiB leaves room for large role lists while bounding the work an
/// unauthenticated client can cause.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The three parts of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compact<'t> {
    /// `header.payload`: what the signature signs.
    signed: &'t str,
    header: &'t str,
    payload: &'t str,
    signature: &'t str,
}

/// `token` split at its last dot: what the signature signs, and the
/// signature. Found with `memchr`'s vector search: a signature is 43 to
/// 700 bytes long, which `rsplit_once` walks a word at a time.
pub(crate) fn at_last_dot(token: &str) -> Option<(&str, &str)> {
    let dot = memchr::memrchr(b'.', token.as_bytes())?;
    Some((&token[..dot], &token[dot + 1..]))
}

impl<'t> Compact<'t> {
    /// Splits `token` at its two dots; `None` unless it has exactly three parts.
    pub(crate) fn split(token: &'t str) -> Option<Self> {
        let (signed, signature) = at_last_dot(token)?;
        let (header, payload) = signed.split_once('.')?;
        (!payload.contains('.')).then_some(Self {
            signed,
            header,
            payload,
            signature,
        })
    }

    /// The signature, still base64url-encoded.
    pub(crate) fn signature(&self) -> &'t str {
        self.signature
    }

    /// The JOSE header. An `alg` jsonwebtoken does not know (`none` among
    /// them) fails here, as JSON that does not fit a [`Header`]; RFC 9864's
    /// `Ed25519` is read as `EdDSA` (see [`algorithm_named`]). Boxed: a
    /// `Header` is 576 bytes, moved through verification into the verified
    /// token, where a box moves a pointer.
    pub(crate) fn header(&self) -> Result<Box<Header>, Error> {
        // Headers are tens of bytes: decoded on the stack, not into an
        // allocation of their own, unless large (an `x5c` chain, say).
        let mut buffer = [0u8; 384];
        let json = decode_base64url(self.header, &mut buffer)?;
        if let Ok(common) = serde_json::from_slice::<CommonHeader<'_>>(&json) {
            return Ok(Box::new(common.into_header()));
        }
        // Only a failed parse looks again.
        serde_json::from_slice(&json)
            .or_else(|error| fully_specified(&json).ok_or(error.into()))
            .map(Box::new)
    }

    /// Checks the signature over `header.payload` with `key`, for `alg`.
    pub(crate) fn verify(&self, key: &VerifyingKey, alg: Algorithm) -> Result<(), Error> {
        let valid = key.verify(self.signature, self.signed.as_bytes(), alg)?;
        if valid {
            Ok(())
        } else {
            Err(ErrorKind::InvalidSignature.into())
        }
    }

    /// The payload: a JSON object of claims, each member named once at
    /// every depth (see `payload`). Read only after the signature verified,
    /// so nothing unauthenticated is ever parsed as claims.
    pub(crate) fn payload(&self) -> Result<Payload, Error> {
        Payload::parse(URL_SAFE_NO_PAD.decode(self.payload)?)
    }
}

/// A header of only `alg`, `typ` and `kid`, each named once: what access
/// tokens carry. [`Header`] gathers the members it does not name into
/// `extras`, and serde does that by buffering every member first; a header
/// that has no others is read directly, into the same `Header`. Any other
/// header fails this reading and is read as a `Header`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonHeader<'a> {
    alg: Algorithm,
    #[serde(borrow, default)]
    typ: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kid: Option<Cow<'a, str>>,
}

impl CommonHeader<'_> {
    fn into_header(self) -> Header {
        Header {
            typ: self.typ.map(Cow::into_owned),
            alg: self.alg,
            cty: None,
            jku: None,
            jwk: None,
            kid: self.kid.map(Cow::into_owned),
            x5u: None,
            x5c: None,
            x5t: None,
            x5t_s256: None,
            crit: None,
            enc: None,
            zip: None,
            url: None,
            nonce: None,
            extras: Extras::default(),
        }
    }
}

/// A header whose `alg` is `Ed25519`, read as the same header with `EdDSA`.
/// Members are read with the claims' reader, so a name given twice is still
/// refused; `None` for anything else (the first parse's error then stands).
fn fully_specified(json: &[u8]) -> Option<Header> {
    let UniqueObject(mut header) = serde_json::from_slice(json).ok()?;
    let alg = header.get_mut("alg")?;
    if alg.as_str() != Some("Ed25519") {
        return None;
    }
    *alg = Value::from("EdDSA");
    serde_json::from_value(Value::Object(header)).ok()
}

/// Checks the compact serialization before any decoding: size, three
/// non-empty base64url parts, the refusals in the order a reader expects:
/// too large, not three parts (five: encrypted), unsigned, not base64url.
/// Returns the token split at its dots.
pub(crate) fn check_shape(token: &str) -> Result<Compact<'_>, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    let (dots, base64url) = scan(token.as_bytes());
    match dots {
        2 => {}
        4 => return Err(TokenError::Encrypted),
        _ => return Err(TokenError::Malformed("a token has three parts")),
    }
    // Two dots, counted: the first and the last are the only ones.
    let (signed, signature) =
        at_last_dot(token).ok_or(TokenError::Malformed("a token has three parts"))?;
    let (header, payload) = signed
        .split_once('.')
        .ok_or(TokenError::Malformed("a token has three parts"))?;
    // `header.payload.`: the signature left off (`alg: none`).
    if signature.is_empty() && !header.is_empty() && !payload.is_empty() {
        return Err(TokenError::Unsigned);
    }
    let non_empty = !header.is_empty() && !payload.is_empty() && !signature.is_empty();
    if base64url && non_empty {
        Ok(Compact {
            signed,
            header,
            payload,
            signature,
        })
    } else {
        Err(TokenError::Malformed("token is not valid base64url"))
    }
}

/// The dots in `bytes`, and whether every byte is base64url or a dot: one
/// pass, since every cold request's token comes through here. Blocks of 64
/// bytes are read without early exits or branches, which the compiler turns
/// into vector code (a block's dot count fits a byte).
fn scan(bytes: &[u8]) -> (usize, bool) {
    let (mut dots, mut stray) = (0, 0u8);
    for block in bytes.chunks(64) {
        let (block_dots, block_stray) = block.iter().fold((0u8, 0u8), |(dots, stray), &b| {
            let dot = b == b'.';
            (
                dots + u8::from(dot),
                stray | u8::from(!(dot | is_base64url(b))),
            )
        });
        dots += usize::from(block_dots);
        stray |= block_stray;
    }
    (dots, stray == 0)
}

/// `ALPHA / DIGIT / "-" / "_"` (RFC 4648 §5), without branches.
pub(crate) fn is_base64url(b: u8) -> bool {
    (b.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'A') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'_')
}

/// Whether the token's header is a JSON object whose `alg` names an algorithm
/// jsonwebtoken knows (allowed or not), by its name or RFC 9864's `Ed25519`.
pub(crate) fn has_known_alg(token: &str) -> bool {
    let Some(header) = token.split('.').next() else {
        return false;
    };
    let Ok(json) = URL_SAFE_NO_PAD.decode(header) else {
        return true; // not a header problem this function can name
    };
    match serde_json::from_slice::<Value>(&json) {
        Ok(header) => header
            .get("alg")
            .and_then(Value::as_str)
            .is_some_and(|alg| algorithm_named(alg).is_some()),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_parts_only() {
        let parts = Compact::split("h.p.s").map(|c| (c.signed, c.header, c.payload, c.signature));
        assert_eq!(parts, Some(("h.p", "h", "p", "s")));
        assert!(Compact::split("h.p").is_none());
        assert!(Compact::split("h.p.s.x").is_none());
    }

    #[test]
    fn only_the_signing_key_verifies() {
        let key = jsonwebtoken::EncodingKey::from_secret(b"secret").expect("a usable HMAC secret");
        let claims = serde_json::json!({"sub": "a"});
        let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("signs");
        let compact = Compact::split(&token).expect("three parts");
        let error = compact
            .verify(&secret(b"other"), Algorithm::HS256)
            .expect_err("refused");
        assert_eq!(error.kind(), &ErrorKind::InvalidSignature);
        let verified = compact.verify(&secret(b"secret"), Algorithm::HS256);
        assert!(verified.is_ok());
        assert_eq!(compact.header().expect("header").alg, Algorithm::HS256);
        assert_eq!(compact.payload().expect("claims").raw("sub"), Some("\"a\""));
    }

    fn secret(secret: &[u8]) -> VerifyingKey {
        jsonwebtoken::DecodingKey::from_secret(secret)
            .expect("a usable HMAC secret")
            .into()
    }

    /// A compact token whose header is `json` (payload and signature are
    /// placeholders: only the header is read).
    fn with_header(json: &str) -> String {
        format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(json))
    }

    #[test]
    fn a_header_reads_as_jsonwebtoken_reads_it() {
        let large_kid = "k".repeat(600);
        let large = format!(r#"{{"alg":"RS256","kid":"{large_kid}"}}"#);
        for json in [
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"RS256","typ":"at+jwt","kid":"2024-a"}"#,
            r#"{"kid":"a\u0062","typ":null,"alg":"ES256"}"#,
            r#"{"alg":"HS256","cty":"JWT","x5t":"abc","custom":[1,{"n":true}]}"#,
            r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
            large.as_str(),
        ] {
            let expected: Header = serde_json::from_str(json).expect(json);
            let token = with_header(json);
            let header = Compact::split(&token).expect("three parts").header();
            assert_eq!(*header.expect(json), expected, "{json}");
        }
        for json in [
            r#"{"alg":"HS256","alg":"HS256"}"#,
            r#"{"alg":"HS256","kid":7}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":"none"}"#,
        ] {
            let token = with_header(json);
            let compact = Compact::split(&token).expect("three parts");
            assert!(compact.header().is_err(), "{json}");
        }
    }

    #[test]
    fn ed25519_is_read_as_eddsa_and_nothing_else_is_renamed() {
        let token = with_header(r#"{"alg":"Ed25519","kid":"k"}"#);
        let header = Compact::split(&token).expect("three parts").header();
        let header = header.expect("RFC 9864's name is known");
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::EdDSA, Some("k"))
        );
        assert!(has_known_alg(&token));
        for json in [
            r#"{"alg":"ed25519"}"#,
            r#"{"alg":"ED25519"}"#,
            r#"{"alg":"Ed448"}"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":"Ed25519","alg":"Ed25519"}"#,
            r#"{"alg":"Ed25519","kid":7}"#,
        ] {
            let token = with_header(json);
            let compact = Compact::split(&token).expect("three parts");
            assert!(compact.header().is_err(), "{json}");
        }
        assert!(!has_known_alg(&with_header(r#"{"alg":"Ed448"}"#)));
        assert!(!has_known_alg(&with_header(r#"{"alg":"ed25519"}"#)));
    }

    #[test]
    fn shape_counts_parts_before_reading_them() {
        let parts = check_shape("ab.c.d").map(|c| (c.signed, c.header, c.payload, c.signature));
        assert_eq!(parts, Ok(("ab.c", "ab", "c", "d")));
        assert_eq!(check_shape("a..c.d.e"), Err(TokenError::Encrypted));
        assert_eq!(
            check_shape("a.b"),
            Err(TokenError::Malformed("a token has three parts"))
        );
        assert_eq!(
            check_shape("a.b.c.d"),
            Err(TokenError::Malformed("a token has three parts"))
        );
    }

    #[test]
    fn shape_wants_non_empty_base64url_parts() {
        let bad = Err(TokenError::Malformed("token is not valid base64url"));
        assert_eq!(check_shape(".b.c"), bad);
        assert_eq!(check_shape("a..c"), bad);
        assert_eq!(check_shape("a+b.c.d"), bad);
        assert_eq!(check_shape("ab==.c.d"), bad);
    }

    #[test]
    fn an_empty_signature_is_an_unsigned_token() {
        assert_eq!(check_shape("a.b."), Err(TokenError::Unsigned));
        assert_eq!(check_shape("a+.b."), Err(TokenError::Unsigned));
        // Other parts empty too: not a token left unsigned, a broken one.
        let bad = Err(TokenError::Malformed("token is not valid base64url"));
        assert_eq!(check_shape("a.."), bad);
        assert_eq!(check_shape(".b."), bad);
        assert_eq!(check_shape(".."), bad);
    }

    #[test]
    fn shape_refuses_oversized_tokens() {
        let token = format!("a.b.{}", "c".repeat(MAX_TOKEN_BYTES));
        assert_eq!(check_shape(&token), Err(TokenError::TooLarge));
    }
}
