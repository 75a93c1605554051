//! [`AccessToken`]: a verified token with its identity, as route policies,
//! custom checks and handlers see it.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::Header;
use serde_json::{Map, Value};

use crate::error::TokenError;
use crate::identity::{Authenticated, Partner};
use crate::verify::{check_audience, Payload, Verified};

/// A verified access token, as route policies, checks and handlers see it:
/// its header, its payload, the validator that accepted it, and the roles and
/// scopes it grants.
///
/// Cloning is cheap: every guard of a request shares one token.
///
/// ```
/// use rocket_warden::AccessToken;
///
/// /// A `check = …` for `#[jwt_auth]`: only tokens of verified emails.
/// fn verified_email(token: &AccessToken) -> bool {
///     token.claim("email_verified") == Some(&serde_json::Value::Bool(true))
/// }
/// ```
#[derive(Clone)]
pub struct AccessToken {
    identity: Authenticated,
}

impl AccessToken {
    pub(crate) fn new(identity: Authenticated) -> Self {
        Self { identity }
    }

    /// The verified token, without the identity.
    fn verified(&self) -> &Verified {
        &self.identity.token
    }

    /// The whole payload.
    pub fn payload(&self) -> &Map<String, Value> {
        self.verified().payload.map()
    }

    /// One claim of the payload, by its exact name.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.payload().get(name)
    }

    /// The token's JOSE header.
    pub fn header(&self) -> &Header {
        &self.verified().header
    }

    /// The name of the validator that accepted the token.
    pub fn validator(&self) -> &str {
        &self.verified().validator
    }

    /// The user the request runs as (the accepting validator's `user_strategy`).
    pub fn user(&self) -> Option<&str> {
        self.identity.who.user.as_deref()
    }

    /// The partner the request acts for (the accepting validator's `partner_strategy`).
    pub fn partner(&self) -> Option<&Partner> {
        self.identity.who.partner.as_ref()
    }

    /// The roles the token holds: the words of its roles claim (`roles_claim`),
    /// then each scope with `scope_role_prefix` before it.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.verified().grants().roles.iter().map(|role| &**role)
    }

    /// The scopes the token holds: the words of its scope claim (`scope_claim`).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.verified().grants().scopes.iter().map(|scope| &**scope)
    }

    /// Whether the token holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().any(|held| held == role)
    }

    /// Whether the token holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|held| held == scope)
    }

    /// Whether the token is DPoP-bound (`cnf.jkt`). Authentication accepts
    /// such a token only with a valid proof by its key.
    pub fn is_dpop_bound(&self) -> bool {
        self.verified().is_dpop_bound()
    }

    /// Its claims as a `C` made by `make`, shared by every request that
    /// carries the same cached token (see `Verified::claims_as`).
    pub(crate) fn claims_as<C, E>(
        &self,
        make: impl FnOnce(&Payload) -> Result<C, E>,
    ) -> Result<Arc<C>, E>
    where
        C: std::any::Any + Send + Sync,
    {
        self.verified().claims_as(make)
    }

    /// Whether the token holds one of its validator's `read_only_scopes`.
    pub(crate) fn is_read_only(&self) -> bool {
        let verified = self.verified();
        verified.grants().is_read_only(&verified.rules)
    }

    /// Checks `aud` against the route's `audiences`, or else the validator's.
    pub(crate) fn check_audience(&self, audiences: Option<&[&str]>) -> Result<(), TokenError> {
        let verified = self.verified();
        check_audience(&verified.rules, verified.audience.as_ref(), audiences)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("validator", &self.validator())
            .field("payload", self.payload())
            .finish_non_exhaustive()
    }
}
