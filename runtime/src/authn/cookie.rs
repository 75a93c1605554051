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
pub(crate) struct Restored {
    pub(crate) validator: String,
    pub(crate) header: jsonwebtoken::Header,
    pub(crate) payload: Payload,
}

#[cfg(feature = "cookies")]
mod jar {
    use rocket::http::{Cookie, SameSite};
    use rocket::time::{Duration, OffsetDateTime};
    use serde::{Deserialize, Serialize};
    use serde_json::value::RawValue;

    use super::super::credentials::sent_cookie;
    use super::*;

    /// Browsers keep cookies of up to 4096 bytes (name, value and
    /// attributes); encryption adds 28 bytes and base64 a third.
    const MAX_STORED_JSON: usize = 2800;

    /// What the cookie holds (see the module docs).
    #[derive(Serialize, Deserialize)]
    struct Stored {
        validator: String,
        header: jsonwebtoken::Header,
        /// The token's payload JSON as it was signed: kept and restored as
        /// text, never parsed into a `Map` and written out again.
        payload: Box<RawValue>,
        exp: u64,
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
        // Verified JSON: it always reads as JSON again.
        let Ok(payload) = RawValue::from_string(token.payload.json().to_owned()) else {
            return;
        };
        let stored = Stored {
            validator: token.validator.to_string(),
            header: (*token.header).clone(),
            payload,
            exp: now + settings.max_age_secs,
        };
        let stored_exp = stored.exp;
        let value = match serde_json::to_string(&stored) {
            Ok(value) if value.len() <= MAX_STORED_JSON => value,
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
    ) -> Result<Option<Restored>, AuthError> {
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
        let stored: Stored =
            serde_json::from_str(cookie.value()).map_err(|_| AuthError::InvalidCookie)?;
        let owned = candidates
            .into_iter()
            .any(|(validator, settings)| validator == stored.validator && settings.name == *name);
        if !owned {
            return Err(AuthError::InvalidCookie);
        }
        if stored.exp <= now {
            return Err(AuthError::CookieExpired);
        }
        // It decrypted, so this application wrote it from a verified token.
        let payload = Payload::parse(stored.payload.get().as_bytes().to_vec())
            .map_err(|_| AuthError::InvalidCookie)?;
        Ok(Some(Restored {
            validator: stored.validator,
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
) -> Result<Option<Restored>, AuthError> {
    Ok(None)
}
