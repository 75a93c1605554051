//! [`AuthUser`]: a guard for handlers that need only who the request runs as.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use rocket::request::FromRequest;
use rocket::{Ignite, Rocket, Sentinel};

use super::guard_aborts;
use crate::authz::{DefaultPolicy, Policy};
use crate::error::AuthError;

/// A request guard for the user a valid token resolves to, by the accepting
/// validator's `user_strategy`.
///
/// It authenticates exactly as [`Jwt`](super::Jwt) with the same policy `P` (and shares
/// its work when a route has both), then refuses with a 401 `invalid_token`
/// a token that names no user.
///
/// ```
/// use rocket_warden::AuthUser;
///
/// #[rocket::get("/me")]
/// fn me(user: AuthUser) -> String {
///     format!("you are user {}", user.id())
/// }
/// ```
pub struct AuthUser<P = DefaultPolicy> {
    id: String,
    policy: PhantomData<fn() -> P>,
}

impl<P> AuthUser<P> {
    /// The user's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Takes the user's id out.
    pub fn into_id(self) -> String {
        self.id
    }
}

impl<P> Deref for AuthUser<P> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.id
    }
}

impl<P> fmt::Debug for AuthUser<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AuthUser").field(&self.id).finish()
    }
}

impl<'r, P: Policy> FromRequest<'r> for AuthUser<P> {
    type Error = AuthError;

    // The same work, cache, log line and refusal as every other guard.
    from_request!(P, |token| {
        let user = token.ok_or(AuthError::Missing)?.user().map(str::to_owned);
        let id = user.ok_or(AuthError::NoUser)?;
        Ok(Self {
            id,
            policy: PhantomData,
        })
    });
}

impl<P: Policy> Sentinel for AuthUser<P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "AuthUser")
    }
}
