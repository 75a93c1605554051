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
//! use rocket_warden::identity::{LookupError, UserStrategy};
//! use rocket_warden::{Claims, Warden};
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

use std::sync::Arc;

use rocket::Request;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::AuthError;
pub use crate::error::LookupError;
use crate::verify::Verified;

pub use partner::{PartnerDirectory, PartnerStrategy};
pub(crate) use strategies::{PartnerResolver, Strategies};
pub(crate) use user::UserResolver;
pub use user::UserStrategy;

/// A verified token's payload, as strategies see it.
pub type Claims = Map<String, Value>;

/// A business partner a request acts for (what Odoo calls the request's
/// `partner_id`: the company or person a user works on behalf of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    /// The partner's id in the application's directory.
    pub id: i64,
    /// The partner's display name.
    pub name: String,
    /// The partner's email address, if it has one.
    pub email: Option<String>,
}

/// A verified token with the user and partner it resolved to: what a
/// request authenticated as. Cloning is cheap (two shared pointers).
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub(crate) token: Arc<Verified>,
    pub(crate) who: Arc<Identity>,
}

/// The user and the partner a token stands for.
#[derive(Debug)]
pub(crate) struct Identity {
    pub(crate) user: Option<String>,
    pub(crate) partner: Option<Partner>,
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
    pub(crate) async fn identify(
        &self,
        request: &Request<'_>,
        token: Arc<Verified>,
    ) -> Result<Authenticated, AuthError> {
        let token = match self.identify_now(token) {
            Ok(identified) => return Ok(identified),
            Err(token) => token,
        };
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
            .lookup(request, token.payload.map())
            .await
            .map_err(|e| unavailable("user", e))?;
        let partner = self
            .partner
            .lookup(request, token.payload.map())
            .await
            .map_err(|e| unavailable("partner", e))?;
        if partner.is_none() && self.partner_required {
            return Err(AuthError::NoPartner);
        }
        let who = Arc::new(Identity { user, partner });
        Ok(Authenticated { token, who })
    }

    /// The identity of `token` when the strategies read only the token (user
    /// `static` or `claim`, partner `none`); the token back when they must
    /// ask the request or a directory. Resolved once per verified token:
    /// every request that carries a cached token shares it. The token is
    /// moved, not shared again: a hit takes it from the cache's answer.
    pub(crate) fn identify_now(
        &self,
        token: Arc<Verified>,
    ) -> Result<Authenticated, Arc<Verified>> {
        let token_only = self.user.reads_token_only()
            && matches!(self.partner, PartnerResolver::None)
            && !self.partner_required;
        if !token_only {
            return Err(token);
        }
        let who = token.memo(|claims| Identity {
            user: self.user.user_in_claims(claims),
            partner: None,
        });
        Ok(Authenticated { token, who })
    }
}
