//! Who a request runs as: the user and the partner a verified token stands for.
//!
//! Each validator names a user strategy (`user_strategy`) and a partner
//! strategy (`partner_strategy`). The built-in ones read claims or ask the
//! application's [`PartnerDirectory`]; applications add their own by
//! implementing [`UserStrategy`] or [`PartnerStrategy`] and registering them
//! with the fairing under a name:
//!
//! ```
//! use rocket::Request;
//! use rocket_warden::{Claims, LookupError, UserStrategy, Warden};
//!
//! /// The user is the `preferred_username`, upper-cased.
//! struct Shouting;
//!
//! #[rocket::async_trait]
//! impl UserStrategy for Shouting {
//!     async fn user(
//!         &self,
//!         _request: &Request<'_>,
//!         claims: &Claims,
//!     ) -> Result<Option<String>, LookupError> {
//!         Ok(claims["preferred_username"].as_str().map(str::to_uppercase))
//!     }
//! }
//!
//! // `user_strategy = "shouting"` in a validator's settings selects it.
//! let fairing = Warden::fairing().user_strategy("shouting", Shouting);
//! ```

mod partner;
mod strategies;
mod user;

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use rocket::Request;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::AuthError;
use crate::validate::Verified;

pub use partner::{PartnerDirectory, PartnerStrategy};
pub(crate) use strategies::{PartnerResolver, Strategies};
pub(crate) use user::UserResolver;
pub use user::UserStrategy;

/// A verified token's payload, as strategies see it.
pub type Claims = Map<String, Value>;

/// A business partner a request acts for (OCA's `partner_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    /// The partner's id in the application's directory.
    pub id: i64,
    /// The partner's display name.
    pub name: String,
    /// The partner's email address, if it has one.
    pub email: Option<String>,
}

/// A lookup that could not be answered: the directory or database is
/// unreachable, say. The request is refused with a 503, never treated as
/// "no user" or "no partner".
///
/// The message is logged on the server and never sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LookupError(String);

impl LookupError {
    /// A lookup failure, described for the server's log.
    pub fn new(problem: impl fmt::Display) -> Self {
        Self(problem.to_string())
    }
}

/// A verified token with the user and partner it resolved to: what a
/// request authenticated as. Dereferences to the verified token.
#[derive(Debug)]
pub(crate) struct Authenticated {
    pub(crate) token: Arc<Verified>,
    pub(crate) user: Option<String>,
    pub(crate) partner: Option<Partner>,
}

impl Deref for Authenticated {
    type Target = Verified;

    fn deref(&self) -> &Verified {
        &self.token
    }
}

/// How one validator resolves identities: its strategies and whether a
/// partner is required.
#[derive(Debug, Clone)]
pub(crate) struct IdentityRules {
    pub(crate) user: UserResolver,
    pub(crate) partner: PartnerResolver,
    pub(crate) partner_required: bool,
}

impl IdentityRules {
    /// Resolves the user and partner of `token`. A failed lookup is a 503 and
    /// a required partner that is not found a 401; both are final (a chain
    /// does not try its next validator, since this one accepted the token).
    pub(crate) async fn resolve(
        &self,
        request: &Request<'_>,
        token: Arc<Verified>,
    ) -> Result<Arc<Authenticated>, AuthError> {
        let unavailable = |what: &str, error: LookupError| {
            tracing::error!(
                target: "rocket_warden",
                "validator `{}`: the {what} lookup failed: {error}",
                token.validator
            );
            AuthError::IdentityUnavailable
        };
        let user = self
            .user
            .resolve(request, &token.payload)
            .await
            .map_err(|e| unavailable("user", e))?;
        let partner = self
            .partner
            .resolve(request, &token.payload)
            .await
            .map_err(|e| unavailable("partner", e))?;
        if partner.is_none() && self.partner_required {
            return Err(AuthError::NoPartner);
        }
        Ok(Arc::new(Authenticated {
            token,
            user,
            partner,
        }))
    }
}
