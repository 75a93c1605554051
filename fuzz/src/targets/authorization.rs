//! The `Authorization` header reader.

use rocket_warden::limits::MAX_TOKEN_BYTES;
use rocket_warden::{__fuzz, AuthError};

/// A header value: what it yields must be a b64token after a `Bearer`
/// scheme; what it refuses must be a 400 or 401 for malformed credentials or
/// another scheme.
pub fn authorization(data: &[u8]) -> super::Outcome {
    // Rocket hands guards header values as UTF-8 only.
    let Ok(value) = std::str::from_utf8(data) else {
        return "skipped".into();
    };
    match __fuzz::bearer(value) {
        Ok(token) => {
            assert!(!token.is_empty(), "an empty token from {value:?}");
            // The header is bounded before it is parsed; the token's own
            // bound (401 "token too large") is the validator's.
            assert!(value.len() <= MAX_TOKEN_BYTES + 64, "an oversized header");
            let scheme = value
                .strip_suffix(token)
                .unwrap_or_else(|| panic!("{token:?} is not the end of {value:?}"));
            assert!(
                scheme.trim_end_matches(' ').eq_ignore_ascii_case("bearer")
                    && scheme.ends_with(' '),
                "scheme {scheme:?} taken for Bearer"
            );
            let body = token.trim_end_matches('=');
            assert!(
                !body.is_empty()
                    && body.bytes().all(|b| b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')),
                "{token:?} is not a b64token"
            );
            "accepted".into()
        }
        Err(error) => {
            assert!(
                matches!(
                    error,
                    AuthError::MalformedCredentials(_) | AuthError::UnsupportedScheme
                ),
                "{value:?} refused as {error:?}"
            );
            super::assert_documented(&error, value);
            super::case(&error)
        }
    }
}
