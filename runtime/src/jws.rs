//! A compact JWS (`header.payload.signature`), read in one pass.
//!
//! jsonwebtoken's `decode` parses the header twice and the claims twice (once
//! to validate them, once into the caller's type); on an HMAC token that JSON
//! work costs more than the signature. Here jsonwebtoken still checks the
//! signature ([`jsonwebtoken::crypto::verify`], with its process-wide crypto
//! provider) and still defines the [`Header`], but each part is decoded and
//! parsed exactly once. The claim checks that `decode` would make are the
//! validator's own (see [`crate::validate`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, Header};
use serde_json::{Map, Value};

/// The three parts of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact<'t> {
    /// `header.payload`: what the signature signs.
    signed: &'t str,
    header: &'t str,
    payload: &'t str,
    signature: &'t str,
}

impl<'t> Compact<'t> {
    /// Splits `token` at its two dots; `None` unless it has exactly three parts.
    pub(crate) fn split(token: &'t str) -> Option<Self> {
        let (signed, signature) = token.rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        (!payload.contains('.')).then_some(Self {
            signed,
            header,
            payload,
            signature,
        })
    }

    /// `header.payload`, the part the signature signs.
    pub(crate) fn signed(&self) -> &'t str {
        self.signed
    }

    /// The signature, still base64url-encoded.
    pub(crate) fn signature(&self) -> &'t str {
        self.signature
    }

    /// The JOSE header. An `alg` jsonwebtoken does not know (`none` among
    /// them) fails here, as JSON that does not fit a [`Header`].
    pub(crate) fn header(&self) -> Result<Header, Error> {
        Ok(serde_json::from_slice(
            &URL_SAFE_NO_PAD.decode(self.header)?,
        )?)
    }

    /// Checks the signature over `header.payload` with `key`, for `alg`.
    pub(crate) fn verify(&self, key: &DecodingKey, alg: Algorithm) -> Result<(), Error> {
        let valid = jsonwebtoken::crypto::verify(self.signature, self.signed.as_bytes(), key, alg)?;
        if valid {
            Ok(())
        } else {
            Err(ErrorKind::InvalidSignature.into())
        }
    }

    /// The payload: a JSON object of claims. Read only after the signature
    /// verified, so nothing unauthenticated is ever parsed as claims.
    pub(crate) fn payload(&self) -> Result<Map<String, Value>, Error> {
        Ok(serde_json::from_slice(
            &URL_SAFE_NO_PAD.decode(self.payload)?,
        )?)
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
        let key = jsonwebtoken::EncodingKey::from_secret(b"secret");
        let claims = serde_json::json!({"sub": "a"});
        let token = jsonwebtoken::encode(&Header::default(), &claims, &key).expect("signs");
        let compact = Compact::split(&token).expect("three parts");
        let error = compact
            .verify(&DecodingKey::from_secret(b"other"), Algorithm::HS256)
            .expect_err("refused");
        assert_eq!(error.kind(), &ErrorKind::InvalidSignature);
        let verified = compact.verify(&DecodingKey::from_secret(b"secret"), Algorithm::HS256);
        assert!(verified.is_ok());
        assert_eq!(compact.header().expect("header").alg, Algorithm::HS256);
        assert_eq!(compact.payload().expect("claims")["sub"], "a");
    }
}
