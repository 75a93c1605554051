//! Cookie mode (`cookie_enabled`): a browser keeps the identity a bearer
//! token proved, in a Rocket private cookie, and sends that instead.
//!
//! After a bearer token is accepted by a validator with cookie mode on, the
//! response sets an HttpOnly, SameSite=Strict (and, unless `cookie_secure =
//! false`, Secure) private cookie. Rocket encrypts and authenticates it with
//! the application's `secret_key` (AES-256-GCM), so a client can neither read
//! nor forge it. It holds JSON:
//!
//! ```json
//! {"validator": "demo_cookie", "header": {…}, "payload": {…}, "exp": 1767225600}
//! ```
//!
//! the name of the validator that accepted the token, the token's header and
//! payload, and the cookie's own expiry in seconds since the epoch (now, by
//! the application's clock, plus `cookie_max_age_secs`; independent of the
//! token's `exp`, as Odoo's `auth_jwt` does). The user and partner are not
//! stored: they are resolved again from the payload on each request, so a
//! changed partner or an unreachable directory shows at once. A request with no token but such a cookie is
//! authenticated by it, and the cookie is issued again with a fresh expiry
//! (sliding). A cookie that does not decrypt, does not parse, names another
//! validator or is past its `exp` is a 401, never anonymous.
//!
//! The cookie needs Rocket's `secrets` feature, which rocket_warden turns on
//! with its own `cookies` feature; without it, `cookie_enabled = true` aborts
//! launch. Its settings are read in `config::cookie`.

use rocket::Request;

use crate::config::CookieConfig;
use crate::error::AuthError;
use crate::verify::{Payload, Verified};

/// What an authentication cookie held: the validator that accepted the
/// token, and the token's header and payload.
#[derive(Debug)]
pub(crate) struct Restored<'a> {
    pub(crate) validator: &'a str,
    /// Boxed as it is read: a `Header` is several hundred bytes, which
    /// every future that held it would move.
    pub(crate) header: Box<jsonwebtoken::Header>,
    pub(crate) payload: Payload,
}

#[cfg(feature = "cookies")]
mod jar {
    use std::borrow::Cow;
    use std::io::Write as _;

    use rocket::http::{Cookie, SameSite};
    use rocket::time::{Duration, OffsetDateTime};
    use serde::Deserialize;
    use serde_json::value::RawValue;

    use super::super::credentials::sent_cookie;
    use super::*;

    /// Browsers keep cookies of up to 4096 bytes (name, value and
    /// attributes); encryption adds 28 bytes and base64 a third.
    const MAX_STORED_JSON: usize = 2800;

    /// What the cookie holds (see the module docs), as read back: borrowed
    /// from the cookie's value where it can be.
    #[derive(Deserialize)]
    struct Stored<'a> {
        #[serde(borrow)]
        validator: Cow<'a, str>,
        header: Box<jsonwebtoken::Header>,
        /// The token's payload JSON as it was signed: kept and restored as
        /// text, never parsed into a `Map` and written out again.
        #[serde(borrow)]
        payload: &'a RawValue,
        exp: u64,
    }

    /// The JSON of a [`Stored`] for `token`, expiring at `exp`. Written
    /// member by member rather than derived: the payload is verified JSON,
    /// kept as its text, and a `RawValue` made of it would be parsed again.
    fn stored_json(token: &Verified, exp: u64) -> Option<String> {
        let payload = token.payload.json();
        let mut json = Vec::with_capacity(payload.len() + 160);
        json.extend_from_slice(b"{\"validator\":");
        serde_json::to_writer(&mut json, &*token.validator).ok()?;
        json.extend_from_slice(b",\"header\":");
        serde_json::to_writer(&mut json, &*token.header).ok()?;
        json.extend_from_slice(b",\"payload\":");
        json.extend_from_slice(payload.as_bytes());
        write!(json, ",\"exp\":{exp}}}").ok()?;
        String::from_utf8(json).ok()
    }

    /// Adds the cookie for `token` to the response, through the request's jar
    /// (Rocket sends the jar's changes with a successful response only); it
    /// expires `cookie_max_age_secs` after `now` (the application's clock).
    pub(crate) fn issue(
        request: &Request<'_>,
        settings: &CookieConfig,
        token: &Verified,
        now: u64,
    ) {
        let stored_exp = now + settings.max_age_secs;
        let value = match stored_json(token, stored_exp) {
            Some(value) if value.len() <= MAX_STORED_JSON => value,
            _ => {
                tracing::warn!(
                    target: "rocket_warden",
                    "validator `{}`: the token is too large to keep in cookie `{}`; no cookie set",
                    token.validator,
                    settings.name
                );
                return;
            }
        };
        let max_age = Duration::seconds(settings.max_age_secs as i64);
        // Both fit: the clock is past 1970 and the lifetime at most ten years.
        let expires = OffsetDateTime::from_unix_timestamp(stored_exp as i64)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let cookie = Cookie::build((settings.name.to_string(), value))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(settings.secure)
            .path(settings.path.clone())
            .max_age(max_age)
            .expires(expires);
        request.cookies().add_private(cookie);
    }

    /// The identity kept in the first cookie of `candidates` the request
    /// carries: `Ok(None)` when it carries none. Each candidate is a
    /// validator with cookie mode on, with its settings; `now` is the
    /// application's clock.
    pub(crate) fn restore<'a>(
        request: &Request<'_>,
        candidates: impl Iterator<Item = (&'a str, &'a CookieConfig)> + Clone,
        now: u64,
    ) -> Result<Option<Restored<'a>>, AuthError> {
        let jar = request.cookies();
        let Some(name) = candidates
            .clone()
            .map(|(_, settings)| &settings.name)
            .find(|name| jar.get(name).is_some())
        else {
            // Sent, but not in the jar: Rocket could not decode it.
            let mut names = candidates.map(|(_, settings)| &settings.name);
            return match names.any(|name| sent_cookie(request, name)) {
                true => Err(AuthError::InvalidCookie),
                false => Ok(None),
            };
        };
        // A cookie that does not decrypt was forged or tampered with.
        let cookie = jar.get_private(name).ok_or(AuthError::InvalidCookie)?;
        let stored: Stored<'_> =
            serde_json::from_str(cookie.value()).map_err(|_| AuthError::InvalidCookie)?;
        let owner = candidates
            .into_iter()
            .find(|(validator, settings)| *validator == stored.validator && settings.name == *name);
        let Some((validator, _)) = owner else {
            return Err(AuthError::InvalidCookie);
        };
        if stored.exp <= now {
            return Err(AuthError::CookieExpired);
        }
        // It decrypted, so this application wrote it from a verified token.
        let payload = Payload::parse(stored.payload.get().as_bytes().to_vec())
            .map_err(|_| AuthError::InvalidCookie)?;
        Ok(Some(Restored {
            validator,
            header: stored.header,
            payload,
        }))
    }
}

#[cfg(feature = "cookies")]
pub(crate) use jar::{issue, restore};

/// Without the `cookies` feature no validator has cookie mode on (launch
/// refuses `cookie_enabled`), so there is never a cookie to issue.
#[cfg(not(feature = "cookies"))]
pub(crate) fn issue(_: &Request<'_>, _: &CookieConfig, _: &Verified, _now: u64) {}

/// Without the `cookies` feature there is never a cookie to read.
#[cfg(not(feature = "cookies"))]
pub(crate) fn restore<'a>(
    _request: &Request<'_>,
    _candidates: impl Iterator<Item = (&'a str, &'a CookieConfig)> + Clone,
    _now: u64,
) -> Result<Option<Restored<'a>>, AuthError> {
    Ok(None)
}
