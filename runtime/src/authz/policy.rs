//! Route policies: what a route demands of a request's token.
//!
//! A guard carries its policy as a type parameter, `Jwt<C, P>`, so that the
//! policy is known at launch (sentinels check it) and costs nothing per
//! request. `#[jwt_auth]` generates these types; they can also be written by
//! hand.

use std::fmt;

use rocket::futures::future::BoxFuture;
use rocket::http::Method;
use rocket::{Orbit, Rocket};

use super::step_up::Demands;
use super::token::AccessToken;
use crate::config::DpopMode;
use crate::error::{AuthError, Denial};
use crate::validators::ValidatorSlot;

/// A route policy, as a type a guard can carry.
///
/// ```
/// use rocket_warden::policy::{Policy, RoutePolicy};
/// use rocket_warden::Jwt;
///
/// /// Tokens from the partner API's identity provider, with role `admin`.
/// struct PartnerAdmin;
///
/// impl Policy for PartnerAdmin {
///     const POLICY: RoutePolicy = RoutePolicy::new()
///         .validator("partner_api")
///         .roles(&["admin"]);
/// }
///
/// #[rocket::get("/orders")]
/// fn orders(auth: Jwt<serde_json::Value, PartnerAdmin>) -> String {
///     format!("orders of {}", auth["sub"])
/// }
/// ```
pub trait Policy: Send + Sync + 'static {
    /// The policy.
    const POLICY: RoutePolicy;

    /// The route's custom check (`check = path` in `#[jwt_auth]`), run after
    /// roles and scopes passed; `None` when the route has none.
    fn check<'a>(token: &'a AccessToken, rocket: &'a Rocket<Orbit>) -> Option<BoxFuture<'a, bool>> {
        let _ = (token, rocket);
        None
    }

    /// Where the policy's validator is remembered once resolved: `#[jwt_auth]`
    /// policies each have a slot of their own (a `static`), so a request
    /// finds its validator without looking its name up. Hand-written
    /// policies may leave the default, `None` (looked up by name).
    #[doc(hidden)]
    fn validator_slot() -> Option<&'static ValidatorSlot> {
        None
    }

    /// Whether one guard alone applies this policy, per request: then a
    /// guard that authenticates without waiting keeps the outcome to itself
    /// instead of in Rocket's request-local cache, where no other guard of
    /// the route would look for it, and settles it before Rocket polls the
    /// guard. `#[jwt_auth]` knows from the handler's parameters, and names
    /// the custom check it generates (`RoutePolicy::check`); hand-written
    /// policies leave the default, `false` (every authentication shared). A
    /// policy that sets it with a `check` its `POLICY` does not name has its
    /// check made twice per request (asked for, then awaited).
    #[doc(hidden)]
    const ONE_GUARD: bool = false;
}

/// Whether a route needs a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// A valid token is required.
    Required,
    /// No credentials: the route runs anonymous; credentials: they must pass
    /// (what Odoo's `auth_jwt` calls `public_or_jwt`).
    Optional,
    /// Intentionally open: no token is read.
    Public,
}

/// What a route demands of a request: which validator checks its tokens, and
/// what a valid token must also hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutePolicy {
    validator: Option<&'static str>,
    access: Access,
    roles: &'static [&'static str],
    scopes: &'static [&'static str],
    audiences: Option<&'static [&'static str]>,
    step_up: Demands,
    dpop: Option<DpopMode>,
    check: Option<&'static str>,
    route: Option<RouteId>,
}

impl Default for RoutePolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RoutePolicy {
    /// The policy of a route that asks only for a valid token from the one
    /// configured validator.
    pub const fn new() -> Self {
        Self {
            validator: None,
            access: Access::Required,
            roles: &[],
            scopes: &[],
            audiences: None,
            step_up: Demands::NONE,
            dpop: None,
            check: None,
            route: None,
        }
    }

    /// Checks tokens with the validator configured under `jwt.validators.<name>`.
    pub const fn validator(self, name: &'static str) -> Self {
        Self {
            validator: Some(name),
            ..self
        }
    }

    /// Lets requests without credentials through, anonymous.
    pub const fn optional(self) -> Self {
        Self {
            access: Access::Optional,
            ..self
        }
    }

    /// Marks the route intentionally open: no token is read.
    pub const fn public(self) -> Self {
        Self {
            access: Access::Public,
            ..self
        }
    }

    /// Requires one of `roles` (any of them).
    pub const fn roles(self, roles: &'static [&'static str]) -> Self {
        Self { roles, ..self }
    }

    /// Requires every one of `scopes`.
    pub const fn scopes(self, scopes: &'static [&'static str]) -> Self {
        Self { scopes, ..self }
    }

    /// Replaces the validator's audiences for this route.
    pub const fn audiences(self, audiences: &'static [&'static str]) -> Self {
        Self {
            audiences: Some(audiences),
            ..self
        }
    }

    /// Requires the user to have authenticated in one of these ways: the
    /// token's `acr` is one of `values` (RFC 9470 step-up).
    pub const fn acr(self, values: &'static [&'static str]) -> Self {
        Self {
            step_up: Demands {
                acr: values,
                max_age: self.step_up.max_age,
            },
            ..self
        }
    }

    /// Requires the user to have authenticated at most `secs` seconds ago:
    /// the token's `auth_time` (RFC 9470 step-up).
    pub const fn max_age(self, secs: u64) -> Self {
        Self {
            step_up: Demands {
                acr: self.step_up.acr,
                max_age: Some(secs),
            },
            ..self
        }
    }

    /// Takes tokens with a DPoP proof as `mode` says, instead of as the
    /// validator's `dpop` does; the validator must have DPoP configured.
    pub const fn dpop(self, mode: DpopMode) -> Self {
        Self {
            dpop: Some(mode),
            ..self
        }
    }

    /// Records that the route has a custom check, named `name` (the check
    /// itself is [`Policy::check`]).
    pub const fn check(self, name: &'static str) -> Self {
        Self {
            check: Some(name),
            ..self
        }
    }

    /// Records the route this policy belongs to.
    pub const fn route(self, route: RouteId) -> Self {
        Self {
            route: Some(route),
            ..self
        }
    }

    /// The validator named, or `None` for the one configured validator.
    pub const fn validator_name(&self) -> Option<&'static str> {
        self.validator
    }

    /// Whether the route needs a token.
    pub const fn access(&self) -> Access {
        self.access
    }

    /// The roles of which a token must hold one (none: no role needed).
    pub const fn required_roles(&self) -> &'static [&'static str] {
        self.roles
    }

    /// The scopes a token must hold, all of them.
    pub const fn required_scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The route's own audiences, replacing the validator's.
    pub const fn route_audiences(&self) -> Option<&'static [&'static str]> {
        self.audiences
    }

    /// The `acr` values of which a token must hold one (none: any).
    pub const fn required_acr(&self) -> &'static [&'static str] {
        self.step_up.acr
    }

    /// The most seconds since the user authenticated, if the route sets it.
    pub const fn authentication_max_age(&self) -> Option<u64> {
        self.step_up.max_age
    }

    /// The route's own DPoP mode, replacing the validator's `dpop`.
    pub const fn dpop_mode(&self) -> Option<DpopMode> {
        self.dpop
    }

    /// The name of the route's custom check, if it has one.
    pub const fn check_name(&self) -> Option<&'static str> {
        self.check
    }

    /// The route this policy was declared on, when `#[jwt_auth]` made it.
    pub const fn route_id(&self) -> Option<&RouteId> {
        self.route.as_ref()
    }

    /// What a verified token must also meet on this route, before any
    /// custom check: the audience and the step-up demands (401), then
    /// read-only scopes, roles and scopes (403). Step-up comes first since a
    /// new authentication may well bring the role. `clock` gives the time
    /// and leeway step-up uses; it is read only by routes with demands.
    pub(crate) fn authorize(
        &self,
        token: &AccessToken,
        method: Method,
        clock: impl FnOnce() -> (u64, u64),
    ) -> Result<(), AuthError> {
        token.check_audience(self.audiences)?;
        if self.step_up != Demands::NONE {
            let (now, leeway) = clock();
            self.step_up.check(token.payload(), now, leeway)?;
        }
        if !matches!(method, Method::Get | Method::Head | Method::Options) && token.is_read_only() {
            return Err(AuthError::Forbidden(Denial::ReadOnly));
        }
        if !self.roles.is_empty() && !self.roles.iter().any(|role| token.has_role(role)) {
            return Err(AuthError::Forbidden(Denial::MissingRole));
        }
        let mut missing = self.scopes.iter().filter(|scope| !token.has_scope(scope));
        if let Some(first) = missing.next() {
            let scopes = missing.fold(first.to_string(), |all, scope| all + " " + scope);
            return Err(AuthError::Forbidden(Denial::MissingScopes(scopes.into())));
        }
        Ok(())
    }
}

impl fmt::Display for RoutePolicy {
    /// One line for the route table: `validator `demo`, roles any of [admin]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.access == Access::Public {
            return f.write_str("public");
        }
        match self.validator {
            Some(name) => write!(f, "validator `{name}`")?,
            None => f.write_str("the only validator")?,
        }
        if self.access == Access::Optional {
            f.write_str(", optional")?;
        }
        if !self.roles.is_empty() {
            write!(f, ", roles any of [{}]", self.roles.join(", "))?;
        }
        if !self.scopes.is_empty() {
            write!(f, ", scopes all of [{}]", self.scopes.join(", "))?;
        }
        if let Some(audiences) = self.audiences {
            write!(f, ", audiences [{}]", audiences.join(", "))?;
        }
        if !self.step_up.acr.is_empty() {
            write!(f, ", acr any of [{}]", self.step_up.acr.join(", "))?;
        }
        if let Some(secs) = self.step_up.max_age {
            write!(f, ", max_age {secs} s")?;
        }
        if let Some(mode) = self.dpop {
            write!(f, ", dpop {}", mode.name())?;
        }
        if let Some(check) = self.check {
            write!(f, ", check `{check}`")?;
        }
        Ok(())
    }
}

/// The route a policy was declared on: its handler and what its route
/// attribute says, as `#[jwt_auth]` saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteId {
    handler: &'static str,
    module: &'static str,
    method: Option<&'static str>,
    uri: Option<&'static str>,
}

impl RouteId {
    /// The route of handler `handler` in module `module`, declared with
    /// `method` and `uri` when the route attribute states them.
    pub const fn new(
        handler: &'static str,
        module: &'static str,
        method: Option<&'static str>,
        uri: Option<&'static str>,
    ) -> Self {
        Self {
            handler,
            module,
            method,
            uri,
        }
    }

    /// The handler function's name (Rocket's route name).
    pub const fn handler(&self) -> &'static str {
        self.handler
    }

    /// The module the handler is in.
    pub const fn module(&self) -> &'static str {
        self.module
    }

    /// The method in upper case (`GET`), when the attribute states it.
    pub const fn method(&self) -> Option<&'static str> {
        self.method
    }

    /// The URI as written in the route attribute, before mounting.
    pub const fn uri(&self) -> Option<&'static str> {
        self.uri
    }
}

impl fmt::Display for RouteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("route `")?;
        if let Some(method) = self.method {
            write!(f, "{method} ")?;
        }
        write!(
            f,
            "{}` (`{}::{}`)",
            self.uri.unwrap_or("?"),
            self.module,
            self.handler
        )
    }
}

/// The policy of `Jwt<C>` when none is given: a valid token from the only
/// configured validator. With zero or several validators configured, a route
/// using it does not launch.
#[derive(Debug)]
pub enum DefaultPolicy {}

impl Policy for DefaultPolicy {
    const POLICY: RoutePolicy = RoutePolicy::new();
}
