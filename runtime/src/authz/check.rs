//! Custom route checks: `#[jwt_auth(check = path::to::fn)]`.
//!
//! A check is a predicate over a verified token for the rules that roles and
//! scopes cannot say. It runs after the route's roles and scopes passed, and a
//! `false` is a 403 `insufficient_scope`.

use std::future::{ready, Future, Ready};

use rocket::futures::future::BoxFuture;
use rocket::{Orbit, Rocket};

use super::token::AccessToken;

/// A function that can be a route's `check`: one of
///
/// - `fn(&AccessToken) -> bool`
/// - `async fn(&AccessToken) -> bool`
/// - `fn(&AccessToken, &Rocket<Orbit>) -> bool`
/// - `async fn(&AccessToken, &Rocket<Orbit>) -> bool`
///
/// The `Rocket<Orbit>` gives access to managed state (a database pool, say).
/// An async check's future must be `Send`, like a handler's.
///
/// ```
/// use rocket::{Orbit, Rocket};
/// use rocket_warden::AccessToken;
///
/// /// Only tokens whose email the identity provider verified.
/// fn verified_email(token: &AccessToken) -> bool {
///     token.claim("email_verified") == Some(&true.into())
/// }
///
/// /// Only subjects the application has not banned.
/// async fn not_banned(token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
///     let banned = rocket.state::<Vec<String>>();
///     let sub = token.claim("sub").and_then(|sub| sub.as_str());
///     !banned.is_some_and(|banned| sub.is_some_and(|sub| banned.iter().any(|b| b == sub)))
/// }
/// ```
///
/// `Form` tells the four shapes apart; it is inferred, never written.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a route check",
    label = "not a route check",
    note = "a check is `fn(&AccessToken) -> bool` or `async fn(&AccessToken) -> bool`, \
            optionally taking `&Rocket<Orbit>` as a second argument",
    note = "an async check's future must be `Send`"
)]
pub trait Check<'a, Form> {
    /// What the check returns, as a future.
    type Future: Future<Output = bool> + Send + 'a;

    /// Runs the check on `token`.
    fn call(&self, token: &'a AccessToken, rocket: &'a Rocket<Orbit>) -> Self::Future;
}

/// The shapes a check can have. Inferred, never written.
#[doc(hidden)]
pub mod form {
    /// `fn(&AccessToken) -> bool`
    #[derive(Debug)]
    pub enum Plain {}
    /// `async fn(&AccessToken) -> bool`
    #[derive(Debug)]
    pub enum Async {}
    /// `fn(&AccessToken, &Rocket<Orbit>) -> bool`
    #[derive(Debug)]
    pub enum PlainWithRocket {}
    /// `async fn(&AccessToken, &Rocket<Orbit>) -> bool`
    #[derive(Debug)]
    pub enum AsyncWithRocket {}
}

impl<'a, F> Check<'a, form::Plain> for F
where
    F: Fn(&AccessToken) -> bool,
{
    type Future = Ready<bool>;

    fn call(&self, token: &'a AccessToken, _: &'a Rocket<Orbit>) -> Self::Future {
        ready(self(token))
    }
}

impl<'a, F, Fut> Check<'a, form::Async> for F
where
    F: Fn(&'a AccessToken) -> Fut,
    Fut: Future<Output = bool> + Send + 'a,
{
    type Future = Fut;

    fn call(&self, token: &'a AccessToken, _: &'a Rocket<Orbit>) -> Self::Future {
        self(token)
    }
}

impl<'a, F> Check<'a, form::PlainWithRocket> for F
where
    F: Fn(&AccessToken, &Rocket<Orbit>) -> bool,
{
    type Future = Ready<bool>;

    fn call(&self, token: &'a AccessToken, rocket: &'a Rocket<Orbit>) -> Self::Future {
        ready(self(token, rocket))
    }
}

impl<'a, F, Fut> Check<'a, form::AsyncWithRocket> for F
where
    F: Fn(&'a AccessToken, &'a Rocket<Orbit>) -> Fut,
    Fut: Future<Output = bool> + Send + 'a,
{
    type Future = Fut;

    fn call(&self, token: &'a AccessToken, rocket: &'a Rocket<Orbit>) -> Self::Future {
        self(token, rocket)
    }
}

/// Runs `check` as a boxed future: what a generated
/// [`Policy::check`](super::Policy::check) returns.
#[doc(hidden)]
pub fn run_check<'a, Form, F>(
    check: &F,
    token: &'a AccessToken,
    rocket: &'a Rocket<Orbit>,
) -> BoxFuture<'a, bool>
where
    F: Check<'a, Form>,
{
    Box::pin(check.call(token, rocket))
}
