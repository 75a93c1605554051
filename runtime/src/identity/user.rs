//! User strategies: which user id a request runs as.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use rocket::Request;
use serde_json::Value;

use super::{Claims, LookupError};
use crate::verify::ClaimSet;

/// A way to find the user a verified token stands for, registered with
/// the fairing's `Warden::user_strategy` and selected by a
/// validator's `user_strategy` setting.
///
/// `Ok(None)` means the token names no user: `Jwt::user` is `None` and an
/// `AuthUser` guard refuses the request.
/// An `Err` is a failed lookup (a database that is down): the request gets a
/// 503, never a silent "no user".
///
/// ```
/// use rocket::Request;
/// use rocket_warden::identity::{LookupError, UserStrategy};
/// use rocket_warden::{Claims, Warden};
///
/// /// Users known by their email; the application's accounts are in a map here,
/// /// in a database in real life.
/// struct ByEmail(std::collections::HashMap<String, String>);
///
/// #[rocket::async_trait]
/// impl UserStrategy for ByEmail {
///     async fn user(
///         &self,
///         _request: &Request<'_>,
///         claims: &Claims,
///     ) -> Result<Option<String>, LookupError> {
///         let email = claims.get("email").and_then(|email| email.as_str());
///         Ok(email.and_then(|email| self.0.get(email)).cloned())
///     }
/// }
///
/// let accounts = [("ann@example.com".to_owned(), "42".to_owned())].into();
/// let fairing = Warden::fairing().user_strategy("by_email", ByEmail(accounts));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rocket_warden user strategy",
    label = "this type does not implement `UserStrategy`",
    note = "implement `rocket_warden::identity::UserStrategy` for it, inside `#[rocket::async_trait]`"
)]
#[rocket::async_trait]
pub trait UserStrategy: Send + Sync + 'static {
    /// The id of the user `claims` (a verified token's payload) stand for, or
    /// `None` if they name no user. `request` gives access to managed state,
    /// such as a database pool.
    async fn user(
        &self,
        request: &Request<'_>,
        claims: &Claims,
    ) -> Result<Option<String>, LookupError>;
}

/// A validator's user strategy, resolved at ignite.
#[derive(Clone)]
pub(crate) enum UserResolver {
    /// The same user for every token (OCA's `static`).
    Static(Arc<str>),
    /// The value of a claim: a string, or a number written out.
    Claim(Arc<str>),
    /// A strategy the application registered.
    Custom {
        name: Arc<str>,
        strategy: Arc<dyn UserStrategy>,
    },
}

impl fmt::Debug for UserResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(user) => write!(f, "static user {user:?}"),
            Self::Claim(claim) => write!(f, "user from claim `{claim}`"),
            Self::Custom { name, .. } => write!(f, "user strategy `{name}`"),
        }
    }
}

impl UserResolver {
    /// Whether it reads the token alone (`static`, `claim`), so that its
    /// answer for a token never changes: see [`Self::user_in_claims`].
    pub(crate) fn reads_token_only(&self) -> bool {
        matches!(self, Self::Static(_) | Self::Claim(_))
    }

    /// The user of a token's claims for a strategy that reads the token
    /// alone; `None` for an application's strategy, which `lookup` asks.
    pub(crate) fn user_in_claims(&self, claims: &(impl ClaimSet + ?Sized)) -> Option<String> {
        match self {
            Self::Static(user) => Some(user.to_string()),
            Self::Claim(claim) => match claims.claim(claim)? {
                // A payload's claim is made for the asking: its string is taken.
                Cow::Owned(Value::String(id)) => (!id.is_empty()).then_some(id),
                value => id_from_claim(Some(&value)),
            },
            Self::Custom { .. } => None,
        }
    }

    pub(crate) async fn lookup(
        &self,
        request: &Request<'_>,
        claims: &Claims,
    ) -> Result<Option<String>, LookupError> {
        match self {
            Self::Static(_) | Self::Claim(_) => Ok(self.user_in_claims(claims)),
            Self::Custom { strategy, .. } => strategy.user(request, claims).await,
        }
    }
}

/// An id from a claim's value: a non-empty string, or an integer. Anything
/// else (an object, a list, `null`) names no one.
pub(crate) fn id_from_claim(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) if id.is_i64() || id.is_u64() => Some(id.to_string()),
        _ => None,
    }
}
