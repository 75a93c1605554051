//! The time claims of a token (`exp`, `nbf`, `iat`), read once and checked
//! against the application's clock on every use: when the
//! token is verified, and again each time the validated-token cache serves it.
//!
//! The rules are jsonwebtoken's: a number (a fraction is rounded), `null`
//! counting as absent, `leeway_secs` on each side.

use super::claims::ClaimSet;
use crate::error::TokenError;

/// A token's time claims, as read from its payload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Times {
    exp: Option<u64>,
    nbf: Option<u64>,
    /// Kept as given, but rounded as `exp` and `nbf` are: RFC 7519 asks
    /// only that it be a number.
    iat: Option<f64>,
}

impl Times {
    /// Reads the time claims; one present but not a number is malformed
    /// (`exp` and `nbf` must also be non-negative).
    pub(crate) fn read(claims: &(impl ClaimSet + ?Sized)) -> Result<Self, TokenError> {
        let exp = numeric_date(claims, "exp")?;
        let nbf = numeric_date(claims, "nbf")?;
        let iat = match claims.whole_number("iat") {
            Some(iat) => Some(iat as f64),
            None => claims
                .claim("iat")
                .map(|iat| {
                    iat.as_f64()
                        .map(f64::round)
                        .ok_or_else(|| TokenError::MalformedClaim("iat".into()))
                })
                .transpose()?,
        };
        Ok(Self { exp, nbf, iat })
    }

    /// `exp`, if the claims have one.
    pub(crate) fn exp(&self) -> Option<u64> {
        self.exp
    }

    /// Checks the claims at `now` (seconds since the epoch), allowing
    /// `leeway` seconds of clock skew either way.
    pub(crate) fn check(&self, now: u64, leeway: u64) -> Result<(), TokenError> {
        if self.exp.is_some_and(|exp| exp < now.saturating_sub(leeway)) {
            return Err(TokenError::Expired);
        }
        let latest = now.saturating_add(leeway);
        if self.nbf.is_some_and(|nbf| nbf > latest) {
            return Err(TokenError::NotYetValid);
        }
        if self.iat.is_some_and(|iat| iat > latest as f64) {
            return Err(TokenError::IssuedInFuture);
        }
        Ok(())
    }
}

/// The time claim `name` in whole seconds (a fraction rounded), `None` when
/// absent or `null`; a claim that is not a non-negative number is malformed.
pub(crate) fn numeric_date(
    claims: &(impl ClaimSet + ?Sized),
    name: &str,
) -> Result<Option<u64>, TokenError> {
    if let Some(secs) = claims.whole_number(name) {
        return Ok(Some(secs));
    }
    let Some(value) = claims.claim(name) else {
        return Ok(None);
    };
    match value.as_f64() {
        Some(secs) if secs.is_finite() && secs >= 0.0 && secs < u64::MAX as f64 => {
            Ok(Some(secs.round() as u64))
        }
        _ => Err(TokenError::MalformedClaim(name.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn times(claims: Value) -> Result<Times, TokenError> {
        match claims {
            Value::Object(claims) => Times::read(&claims),
            _ => unreachable!("claims are an object"),
        }
    }

    #[test]
    fn leeway_applies_on_both_sides() {
        let t = times(json!({"exp": 100, "nbf": 200})).expect("numbers");
        assert_eq!(t.check(150, 0), Err(TokenError::Expired));
        assert_eq!(t.check(150, 50), Ok(()));
        assert_eq!(t.check(99, 0), Err(TokenError::NotYetValid));
        assert_eq!(t.check(99, 1), Err(TokenError::NotYetValid));
    }

    #[test]
    fn fractions_round_and_null_is_absent() {
        let t = times(json!({"exp": 100.4, "nbf": null, "iat": 100.6})).expect("numbers");
        assert_eq!(t.check(100, 0), Err(TokenError::IssuedInFuture));
        assert_eq!(t.check(101, 0), Err(TokenError::Expired));
        let t = times(json!({"exp": 100.6, "iat": 100.4})).expect("numbers");
        assert_eq!(t.check(101, 0), Ok(()));
    }

    #[test]
    fn non_numbers_are_malformed() {
        for claim in ["exp", "nbf", "iat"] {
            assert_eq!(
                times(json!({ claim: "soon" })),
                Err(TokenError::MalformedClaim(claim.into()))
            );
        }
        assert_eq!(
            times(json!({"exp": -1})),
            Err(TokenError::MalformedClaim("exp".into()))
        );
    }
}
