//! Reading credentials from a request.
//!
//! Only syntax is checked here, and sizes before anything else, so oversized
//! or hostile input is refused before any decoding.

use rocket::Request;

use crate::error::AuthError;

/// The largest token accepted, in bytes. Real access tokens are well under
/// 2 KiB; 8 KiB leaves room for large role lists while bounding the work an
/// unauthenticated client can cause.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// `Bearer` plus the separating spaces a client may reasonably send.
const MAX_HEADER_BYTES: usize = MAX_TOKEN_BYTES + 64;

/// The bearer token of `request`: `Ok(None)` when it carries no credentials.
pub(crate) fn bearer_token<'r>(request: &'r Request<'_>) -> Result<Option<&'r str>, AuthError> {
    let mut values = request.headers().get("Authorization");
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(AuthError::InvalidRequest(
            "more than one Authorization header",
        ));
    }
    parse_bearer(value).map(Some)
}

/// Parses an `Authorization` value of the form `Bearer <b64token>` (RFC 6750
/// §2.1). The scheme is matched in any letter case (RFC 7235 §2.1).
fn parse_bearer(value: &str) -> Result<&str, AuthError> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(AuthError::MalformedCredentials("token too large"));
    }
    if value.trim().is_empty() {
        return Err(AuthError::MalformedCredentials(
            "Authorization header is empty",
        ));
    }
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::UnsupportedScheme);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(AuthError::MalformedCredentials("bearer token is empty"));
    }
    if !is_b64token(token) {
        return Err(AuthError::MalformedCredentials(
            "bearer token has invalid characters",
        ));
    }
    Ok(token)
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(value: &str) -> AuthError {
        match parse_bearer(value) {
            Ok(token) => panic!("accepted {token:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn scheme_is_matched_in_any_case() {
        for value in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER a.b.c",
            "bEaReR a.b.c",
        ] {
            assert_eq!(parse_bearer(value), Ok("a.b.c"), "{value}");
        }
    }

    #[test]
    fn several_spaces_after_the_scheme_are_allowed() {
        assert_eq!(parse_bearer("Bearer   a.b.c"), Ok("a.b.c"));
    }

    #[test]
    fn other_schemes_are_unsupported() {
        assert_eq!(refused("Basic dXNlcjpwYXNz"), AuthError::UnsupportedScheme);
        assert_eq!(refused("Bearer-a.b.c"), AuthError::UnsupportedScheme);
    }

    #[test]
    fn an_empty_header_is_malformed() {
        for value in ["", "  "] {
            assert_eq!(
                refused(value),
                AuthError::MalformedCredentials("Authorization header is empty")
            );
        }
    }

    #[test]
    fn missing_or_split_tokens_are_refused() {
        assert_eq!(
            refused("Bearer"),
            AuthError::MalformedCredentials("bearer token is empty")
        );
        assert_eq!(
            refused("Bearer "),
            AuthError::MalformedCredentials("bearer token is empty")
        );
        assert_eq!(
            refused("Bearer a b"),
            AuthError::MalformedCredentials("bearer token has invalid characters")
        );
        assert_eq!(
            refused("Bearer a.b.c\t"),
            AuthError::MalformedCredentials("bearer token has invalid characters")
        );
    }

    #[test]
    fn padding_only_at_the_end() {
        assert!(is_b64token("abc=="));
        assert!(!is_b64token("a=bc"));
        assert!(!is_b64token("=="));
    }

    #[test]
    fn oversized_header_is_refused_before_parsing() {
        let value = format!("Bearer {}", "a".repeat(MAX_HEADER_BYTES));
        assert_eq!(
            refused(&value),
            AuthError::MalformedCredentials("token too large")
        );
    }
}
