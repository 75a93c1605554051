//! [`Authorized`]: the hidden guard `#[jwt_auth]` gives a handler that takes
//! no guard of its own, so the policy still runs.

use std::fmt;
use std::marker::PhantomData;

use rocket::request::FromRequest;
use rocket::{Ignite, Rocket, Sentinel};

use super::guard_aborts;
use crate::authz::{Access, AccessToken, DefaultPolicy, Policy};
use crate::error::AuthError;

/// A request guard that enforces the route policy `P` and hands the handler
/// nothing but the token, if there was one.
///
/// `#[jwt_auth]` adds it, as a hidden parameter, to handlers that take no
/// [`Jwt`](super::Jwt) of their own. With an
/// [`optional`](crate::authz::RoutePolicy::optional) policy,
/// a request without credentials passes, anonymous.
pub struct Authorized<P = DefaultPolicy> {
    token: Option<AccessToken>,
    policy: PhantomData<fn() -> P>,
}

impl<P> Authorized<P> {
    /// The verified token, or `None` for an anonymous request.
    pub fn token(&self) -> Option<&AccessToken> {
        self.token.as_ref()
    }
}

impl<P> fmt::Debug for Authorized<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorized")
            .field("token", &self.token)
            .finish()
    }
}

impl<'r, P: Policy> FromRequest<'r> for Authorized<P> {
    type Error = AuthError;

    from_request!(P, |token| match token {
        None if P::POLICY.access() != Access::Optional => Err(AuthError::Missing),
        token => Ok(Authorized {
            token,
            policy: PhantomData,
        }),
    });
}

impl<P: Policy> Sentinel for Authorized<P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "Authorized")
    }
}
