//! Route policies: what a route demands of a request's token.
//!
//! A guard carries its policy as a type parameter, `Jwt<C, P>`, so that the
//! policy is known at launch (sentinels check it) and costs nothing per
//! request. `#[jwt_auth]` generates these types; they can also be written by
//! hand.

/// A route policy, as a type a guard can carry.
///
/// ```
/// use rocket_warden::{Jwt, Policy, RoutePolicy};
///
/// /// Tokens from the partner API's identity provider.
/// struct PartnerApi;
///
/// impl Policy for PartnerApi {
///     const POLICY: RoutePolicy = RoutePolicy::new().validator("partner_api");
/// }
///
/// #[rocket::get("/orders")]
/// fn orders(auth: Jwt<serde_json::Value, PartnerApi>) -> String {
///     format!("orders of {}", auth["sub"])
/// }
/// ```
pub trait Policy: Send + Sync + 'static {
    /// The policy.
    const POLICY: RoutePolicy;
}

/// What a route demands: for now, which validator checks its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoutePolicy {
    validator: Option<&'static str>,
}

impl RoutePolicy {
    /// The policy of a route that asks only for a valid token from the one
    /// configured validator.
    pub const fn new() -> Self {
        Self { validator: None }
    }

    /// Checks tokens with the validator configured under `jwt.validators.<name>`.
    pub const fn validator(self, name: &'static str) -> Self {
        Self {
            validator: Some(name),
        }
    }

    /// The validator named, or `None` for the one configured validator.
    pub const fn validator_name(&self) -> Option<&'static str> {
        self.validator
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
