//! Client authentication at the token, revocation and introspection
//! endpoints (RFC 6749 §2.3): HTTP Basic, form fields, or none for a public
//! client; exactly one method per request, and the one the client is
//! configured for.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rocket::http::HeaderMap;

use super::config::{AuthMethod, ClientConfig, ProviderConfig};
use super::params::Params;
use crate::headers::{self, MoreThanOne};

/// Why a client was not authenticated: each an `invalid_client` (401)
/// except [`ClientRefusal::TwoMethods`] and [`ClientRefusal::TwoHeaders`]
/// (`invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientRefusal {
    /// No `client_id` at all.
    Missing,
    /// More than one way at once (§2.3).
    TwoMethods,
    /// More than one `Authorization` header: credentials twice over, which
    /// RFC 6749 §5.2 makes an `invalid_request`, whichever would pass.
    TwoHeaders,
    /// An `Authorization` header that is not Basic `id:secret`.
    Malformed,
    /// No such client.
    Unknown,
    /// Not the method the client is configured for.
    WrongMethod,
    /// The wrong secret.
    WrongSecret,
}

impl ClientRefusal {
    /// The error description, the same for an unknown client and a wrong
    /// secret, so that the answer tells nobody which client ids exist.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Self::Missing => "the client is not authenticated",
            Self::TwoMethods => "the client used more than one authentication method",
            Self::TwoHeaders => "more than one Authorization header",
            Self::Malformed => "the Authorization header is not HTTP Basic client credentials",
            Self::Unknown | Self::WrongSecret => "client authentication failed",
            Self::WrongMethod => "the client must use its registered authentication method",
        }
    }
}

/// The client a request authenticates as.
pub(crate) fn authenticate<'c>(
    config: &'c ProviderConfig,
    headers: &HeaderMap<'_>,
    params: &Params,
) -> Result<&'c ClientConfig, ClientRefusal> {
    let basic = match headers::only(headers, "authorization") {
        Ok(Some(value)) => Some(basic_credentials(value).ok_or(ClientRefusal::Malformed)?),
        Ok(None) => None,
        Err(MoreThanOne) => return Err(ClientRefusal::TwoHeaders),
    };
    let form_secret = params.get("client_secret");
    let form_id = params.get("client_id");
    let (id, secret, method) = match (basic, form_secret) {
        (Some(_), Some(_)) => return Err(ClientRefusal::TwoMethods),
        (Some((id, secret)), None) => {
            // A client_id in the form too must name the same client.
            if form_id.is_some_and(|form| form != id) {
                return Err(ClientRefusal::TwoMethods);
            }
            (id, Some(secret), AuthMethod::Basic)
        }
        (None, Some(secret)) => {
            let id = form_id.ok_or(ClientRefusal::Missing)?.to_owned();
            (id, Some(secret.to_owned()), AuthMethod::Post)
        }
        (None, None) => {
            let id = form_id.ok_or(ClientRefusal::Missing)?.to_owned();
            (id, None, AuthMethod::None)
        }
    };
    let client = config.clients.get(&id).ok_or(ClientRefusal::Unknown)?;
    if client.auth_method != method {
        // A confidential client that sent no secret has not authenticated.
        return Err(match method {
            AuthMethod::None => ClientRefusal::Missing,
            _ => ClientRefusal::WrongMethod,
        });
    }
    match secret {
        Some(secret) if !client.secret.verify(&secret) => Err(ClientRefusal::WrongSecret),
        _ => Ok(client),
    }
}

/// The `id` and `secret` of an HTTP Basic header, each form-urlencoded
/// before base64 as RFC 6749 §2.3.1 says, so decoded here.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    // Each part is decoded whole: a form parser would end the value at an
    // `&`, so `secret&anything` would pass for `secret`. Escaped, an `&` is
    // read back as itself.
    let unescape = |part: &str| {
        let escaped = part.replace('&', "%26");
        url::form_urlencoded::parse(format!("x={escaped}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
    };
    let id = unescape(id)?;
    (!id.is_empty()).then_some(())?;
    Some((id, unescape(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_url_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%3Aclient:p%40ss+word"));
        assert_eq!(
            basic_credentials(&header),
            Some(("my:client".to_owned(), "p@ss word".to_owned()))
        );
        // An `&` or `=` is part of the value, not the end of it: `secret&x`
        // authenticated as `secret` (found writing the `provider` fuzz
        // target's reference, docs/SECURITY.md).
        let header = format!("Basic {}", STANDARD.encode("client&x=1:secret&x=y"));
        assert_eq!(
            basic_credentials(&header),
            Some(("client&x=1".to_owned(), "secret&x=y".to_owned()))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(
            basic_credentials(&format!("Basic {}", STANDARD.encode(":x"))),
            None
        );
    }
}
