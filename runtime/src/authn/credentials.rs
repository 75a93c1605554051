//! Reading credentials from a request: the `Authorization` header, a query
//! parameter, and the session cookies a token route refuses.
//!
//! Only syntax is checked here, and sizes before anything else, so oversized
//! or hostile input is refused before any decoding.

use rocket::http::uri::Origin;
use rocket::http::RawStr;
use rocket::Request;

use crate::error::AuthError;
use crate::headers::{self, same_ignoring_case, MoreThanOne};
use crate::verify::{is_base64url, MAX_TOKEN_BYTES};

/// `Bearer` plus the separating spaces a client may reasonably send.
const MAX_HEADER_BYTES: usize = MAX_TOKEN_BYTES + 64;

/// Where a request's token was sent (RFC 6750 §2 calls these the methods of
/// sending a bearer token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SentIn<'a> {
    /// `Authorization: Bearer …`.
    Header,
    /// The query parameter of this name (a validator's `query_param`).
    Query(&'a str),
}

/// A token read from a request, not yet validated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Credential<'r> {
    pub(crate) token: &'r str,
    pub(crate) sent_in: SentIn<'r>,
    /// Sent as `Authorization: DPoP …`, so with a proof (RFC 9449 §7.1).
    pub(crate) dpop: bool,
    /// Whether its syntax was checked already (a query token's is); a
    /// header token's is checked on a validated-token cache miss
    /// ([`check_syntax`]).
    pub(crate) syntax_checked: bool,
}

/// The token of `request`, from its `Authorization` header (`Bearer`, or
/// `DPoP` when `dpop` says the validator takes it) or from one of the
/// `query_params`: `Ok(None)` when it carries neither. A token in both
/// places is a 400 `invalid_request` (RFC 6750 §2: one method per request).
pub(crate) fn credential<'r>(
    request: &'r Request<'_>,
    query_params: impl Iterator<Item = &'r str> + Clone,
    dpop: bool,
) -> Result<Option<Credential<'r>>, AuthError> {
    let query = query_token(request, query_params)?;
    if query.is_some() && headers::has(request.headers(), "authorization") {
        return Err(AuthError::InvalidRequest(
            "token in both the Authorization header and the query",
        ));
    }
    if let Some((name, token)) = query {
        return Ok(Some(Credential {
            token,
            sent_in: SentIn::Query(name),
            dpop: false,
            syntax_checked: true,
        }));
    }
    Ok(
        header_token(request, dpop)?.map(|(token, dpop)| Credential {
            token,
            sent_in: SentIn::Header,
            dpop,
            syntax_checked: false,
        }),
    )
}

/// The query parameters that carried tokens, taken out of the request's URI
/// before Rocket logs it (see [`take_query_tokens`]).
#[derive(Debug, Default)]
struct QueryTokens(Vec<(String, String)>);

/// Moves every query parameter named in `names` out of the request's URI
/// and into the request-local cache, where [`credential`] finds it. Run by
/// the fairing on each request, before Rocket logs the request line: a query
/// string ends up in access logs, which is why RFC 6750 §2.3 discourages
/// query tokens, and this keeps them out of Rocket's log and the handler's
/// view of the URI.
pub(crate) fn take_query_tokens<'a>(
    request: &mut Request<'_>,
    names: impl Iterator<Item = &'a str> + Clone,
) {
    let Some(query) = request.uri().query() else {
        return;
    };
    let mut taken = Vec::new();
    let mut kept = Vec::new();
    for segment in query.raw_segments() {
        let (name, value) = segment.split_at_byte(b'=');
        let name = name.url_decode_lossy();
        if names.clone().any(|wanted| wanted == name) {
            taken.push((name.into_owned(), value.url_decode_lossy().into_owned()));
        } else {
            kept.push(segment.as_str());
        }
    }
    if taken.is_empty() {
        return;
    }
    let path = request.uri().path().as_str();
    let uri = match kept.is_empty() {
        true => path.to_owned(),
        false => format!("{path}?{}", kept.join("&")),
    };
    // The URI came from a valid one by dropping query segments, so it parses;
    // should it not, the token stays where it was and is still found below.
    if let Ok(uri) = Origin::parse_owned(uri) {
        request.set_uri(uri);
        request.local_cache(|| QueryTokens(taken));
    }
}

/// The token in the first of `names` the query carried. Never logged.
fn query_token<'r>(
    request: &'r Request<'_>,
    names: impl Iterator<Item = &'r str> + Clone,
) -> Result<Option<(&'r str, &'r str)>, AuthError> {
    if names.clone().next().is_none() {
        return Ok(None);
    }
    let taken = &request.local_cache(QueryTokens::default).0;
    let in_uri = request
        .query_fields()
        .map(|field| (field.name.source().as_str(), field.value));
    let mut found = None;
    let fields = taken
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .chain(in_uri);
    for (field, value) in fields {
        let Some(name) = names.clone().find(|name| field == *name) else {
            continue;
        };
        if found.is_some() {
            return Err(AuthError::InvalidRequest(
                "more than one access token in the query",
            ));
        }
        found = Some((name, value));
    }
    let Some((name, token)) = found else {
        return Ok(None);
    };
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::MalformedCredentials("token too large"));
    }
    if token.is_empty() || !is_b64token(token) {
        return Err(AuthError::MalformedCredentials(
            "query token has invalid characters",
        ));
    }
    Ok(Some((name, token)))
}

/// The first of `names` that `request` carries as a cookie.
pub(crate) fn session_cookie<'a>(
    request: &Request<'_>,
    mut names: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let jar = request.cookies();
    names.find(|name| jar.get(name).is_some() || sent_cookie(request, name))
}

/// Whether `request`'s raw `Cookie` headers name the cookie `name`, as sent
/// or percent-decoded. Rocket leaves out of its jar a cookie it cannot
/// decode (a value whose percent-encoding is not UTF-8), so the jar alone
/// would let such a cookie pass as no cookie at all: a tampered
/// authentication cookie would run anonymous, a session cookie would reach
/// a token route (found by the `request` fuzz target, docs/SECURITY.md).
pub(crate) fn sent_cookie(request: &Request<'_>, name: &str) -> bool {
    request
        .headers()
        .get("Cookie")
        .flat_map(|header| header.split(';'))
        .map(|pair| pair.split_once('=').map_or(pair, |(sent, _)| sent).trim())
        .any(|sent| sent == name || RawStr::new(sent).url_decode_lossy() == name)
}

/// The token of `request`'s `Authorization: Bearer` header, its syntax
/// checked: `Ok(None)` without the header. For the provider's UserInfo, so
/// that it reads the header exactly as the guards do.
#[cfg(feature = "provider")]
pub(crate) fn bearer_token<'r>(request: &'r Request<'_>) -> Result<Option<&'r str>, AuthError> {
    let Some((token, _)) = header_token(request, false)? else {
        return Ok(None);
    };
    check_syntax(token)?;
    Ok(Some(token))
}

/// The token of `request`'s `Authorization` header, and whether it was sent
/// as `DPoP` (taken only when `dpop`): `Ok(None)` when it carries no header.
fn header_token<'r>(
    request: &'r Request<'_>,
    dpop: bool,
) -> Result<Option<(&'r str, bool)>, AuthError> {
    match headers::only(request.headers(), "authorization") {
        Ok(Some(value)) => parse_authorization(value, dpop).map(Some),
        Ok(None) => Ok(None),
        Err(MoreThanOne) => Err(AuthError::InvalidRequest(
            "more than one Authorization header",
        )),
    }
}

/// Parses an `Authorization` value of the form `Bearer <b64token>` (RFC 6750
/// §2.1). The scheme is matched in any letter case (RFC 7235 §2.1).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn parse_bearer(value: &str) -> Result<&str, AuthError> {
    let (token, _) = parse_authorization(value, false)?;
    check_syntax(token)?;
    Ok(token)
}

/// Parses an `Authorization` value: `Bearer <token>`, or `DPoP <token>`
/// when `dpop` (RFC 9449 §7.1), each scheme in any letter case. Returns the
/// token and whether it came as DPoP. The token's `b64token` syntax is
/// [`check_syntax`]'s, run on a validated-token cache miss.
fn parse_authorization(value: &str, dpop: bool) -> Result<(&str, bool), AuthError> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(AuthError::MalformedCredentials("token too large"));
    }
    // The scheme is a few bytes long: a plain scan reaches its end before
    // `split_once`'s `memchr` has set up for the whole token.
    let (scheme, rest) = match value.bytes().position(|b| b == b' ') {
        Some(at) => (&value[..at], &value[at + 1..]),
        None => (value, ""),
    };
    let as_dpop = dpop && same_ignoring_case(scheme, "DPoP");
    if !as_dpop && !same_ignoring_case(scheme, "Bearer") {
        // A blank value has no scheme either, but deserves its own words.
        if value.trim().is_empty() {
            return Err(AuthError::MalformedCredentials(
                "Authorization header is empty",
            ));
        }
        return Err(AuthError::UnsupportedScheme);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(AuthError::MalformedCredentials("bearer token is empty"));
    }
    Ok((token, as_dpop))
}

/// Checks a header token's syntax, `b64token` (RFC 6750 §2.1). Not part of
/// reading the header: authentication runs it on a validated-token cache
/// miss only, since a hit is the very bytes of a token that passed it.
pub(crate) fn check_syntax(token: &str) -> Result<(), AuthError> {
    if is_b64token(token) {
        Ok(())
    } else {
        Err(AuthError::MalformedCredentials(
            "bearer token has invalid characters",
        ))
    }
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    // Every request's token passes through here: each chunk is checked
    // without early exits, which the compiler turns into vector code.
    !body.is_empty()
        && body
            .as_bytes()
            .chunks(32)
            .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & is_b64token_byte(b)))
}

/// `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`, without branches:
/// base64url's alphabet and four more.
fn is_b64token_byte(b: u8) -> bool {
    is_base64url(b) | (b == b'.') | (b == b'~') | (b == b'+') | (b == b'/')
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
        for value in ["", "  ", "\t", " \t "] {
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
    fn b64token_bytes_are_exactly_the_grammars() {
        for b in 0..=u8::MAX {
            let grammar =
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64token_byte(b), grammar, "byte {b}");
        }
        // A bad byte late in a long token, past the first chunks.
        let token = format!("{}!{}", "a".repeat(100), "b".repeat(10));
        assert!(!is_b64token(&token));
        assert!(is_b64token(&"a".repeat(111)));
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
