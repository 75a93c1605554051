//! Partner strategies: which business partner a request acts for.

use rocket::Request;

use super::{Claims, LookupError, Partner};

/// A way to find the partner a verified token acts for, registered with
/// the fairing's `Warden::partner_strategy` and selected by a validator's
/// `partner_strategy` setting.
///
/// `Ok(None)` means no partner (a 401 when the validator sets
/// `partner_required`); an `Err` is a failed lookup, answered with a 503.
///
/// ```
/// use rocket::Request;
/// use rocket_warden::identity::{LookupError, PartnerStrategy};
/// use rocket_warden::{Claims, Partner, Warden};
///
/// /// Every token acts for the house account.
/// struct House;
///
/// #[rocket::async_trait]
/// impl PartnerStrategy for House {
///     async fn partner(
///         &self,
///         _request: &Request<'_>,
///         _claims: &Claims,
///     ) -> Result<Option<Partner>, LookupError> {
///         Ok(Some(Partner { id: 1, name: "House".into(), email: None }))
///     }
/// }
///
/// let fairing = Warden::fairing().partner_strategy("house", House);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rocket_warden partner strategy",
    label = "this type does not implement `PartnerStrategy`",
    note = "implement `rocket_warden::identity::PartnerStrategy` for it, inside `#[rocket::async_trait]`"
)]
#[rocket::async_trait]
pub trait PartnerStrategy: Send + Sync + 'static {
    /// The partner `claims` (a verified token's payload) act for, or `None`.
    async fn partner(
        &self,
        request: &Request<'_>,
        claims: &Claims,
    ) -> Result<Option<Partner>, LookupError>;
}

/// The application's partners, as the built-in `email` and `claim` partner
/// strategies look them up. Register one with the fairing's
/// `Warden::partner_directory`.
///
/// ```
/// use rocket::Request;
/// use rocket_warden::identity::{LookupError, PartnerDirectory};
/// use rocket_warden::{Partner, Warden};
///
/// /// Partners in memory; a real directory queries a database.
/// struct InMemory(Vec<Partner>);
///
/// #[rocket::async_trait]
/// impl PartnerDirectory for InMemory {
///     async fn by_email(
///         &self,
///         _request: &Request<'_>,
///         email: &str,
///     ) -> Result<Vec<Partner>, LookupError> {
///         let found = self.0.iter().filter(|p| p.email.as_deref() == Some(email));
///         Ok(found.cloned().collect())
///     }
///
///     async fn by_id(&self, _request: &Request<'_>, id: i64) -> Result<Option<Partner>, LookupError> {
///         Ok(self.0.iter().find(|p| p.id == id).cloned())
///     }
/// }
///
/// let fairing = Warden::fairing().partner_directory(InMemory(Vec::new()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rocket_warden partner directory",
    label = "this type does not implement `PartnerDirectory`",
    note = "implement `rocket_warden::identity::PartnerDirectory` for it, inside `#[rocket::async_trait]`"
)]
#[rocket::async_trait]
pub trait PartnerDirectory: Send + Sync + 'static {
    /// Every partner with this email address. The `email` strategy takes the
    /// partner only when exactly one is returned.
    async fn by_email(
        &self,
        request: &Request<'_>,
        email: &str,
    ) -> Result<Vec<Partner>, LookupError>;

    /// The partner with this id, if there is one (the `claim` strategy).
    async fn by_id(&self, request: &Request<'_>, id: i64) -> Result<Option<Partner>, LookupError>;
}
