//! Procedural macros for [rocket_warden](https://docs.rs/rocket_warden).
//!
//! Users depend on `rocket_warden`, which re-exports what this crate defines.
//! The macros parse, check and expand; every rule they declare is enforced by
//! runtime code in `rocket_warden`, and they do no I/O.

mod jwt_auth;

use proc_macro::TokenStream;

/// Declares a route's authentication policy: which validator checks the
/// token, what the token must hold, or that the route is open.
///
/// The attribute goes **above** Rocket's route attribute (`#[get]`,
/// `#[post]`, …, `#[route]`), which must be on the same function:
///
/// ```
/// use rocket_warden::{jwt_auth, Jwt};
///
/// #[jwt_auth(roles = ["admin"], scopes = ["orders:write"])]
/// #[rocket::post("/orders")]
/// fn create_order(auth: Jwt) -> String {
///     format!("placed by {}", auth["sub"])
/// }
/// ```
///
/// # Grammar
///
// A grammar, not Rust: `text`, so rustdoc neither highlights nor compiles it.
/// ```text
/// #[jwt_auth]
/// #[jwt_auth(ARGUMENT, ...)]
///
/// ARGUMENT := validator = "NAME"        tokens are checked by `jwt.validators.NAME`
///           | roles = ["ROLE", ...]     the token holds any one of these roles
///           | scopes = ["SCOPE", ...]   the token holds all of these scopes
///           | audiences = ["AUD", ...]  `aud` names one of these, replacing
///                                       the validator's audiences for this route
///           | acr = ["ACR", ...]        step-up: `acr` is one of these
///           | max_age = SECONDS         step-up: `auth_time` at most this old
///           | dpop = "required"         only DPoP-bound tokens, each with a proof
///           | dpop = "allowed"          DPoP-bound tokens with a proof, or bearer ones
///           | optional                  no credentials: the handler runs anonymous
///           | public                    no token is read at all; stands alone
///           | check = PATH              a predicate over the token, sync or async
/// ```
///
/// Arguments come in any order, each at most once. Without arguments,
/// a route takes any valid token from the only configured validator.
///
/// - `validator = "NAME"`: a Rust identifier, as validator names in the
///   configuration are. Omitted, the route uses the only configured
///   validator; with none or several configured, launch aborts.
/// - `roles = [..]`: the token must hold **one of** these roles (read from
///   the validator's `roles_claim`; each scope is also a role, `scope:NAME`
///   by default). A non-empty list of distinct strings without white space.
/// - `scopes = [..]`: the token must hold **all of** these scopes (read from
///   `scope_claim`); a refusal names the missing ones in its challenge. A
///   non-empty list of distinct RFC 6750 `scope-token`s: printable ASCII
///   without spaces, `"` or `\`.
/// - `audiences = [..]`: the token's `aud` must name one of these, which
///   **replace** the validator's `audiences` for this route. A non-empty list
///   of distinct strings without white space.
/// - `acr = [..]` and `max_age = SECONDS`: step-up authentication (RFC
///   9470). The token's `acr` must be one of these values (compared
///   exactly; a non-empty list of distinct strings of printable ASCII
///   without spaces, `"` or `\`), and its `auth_time` at most `SECONDS`
///   old on the application's clock, within the validator's `leeway_secs`.
///   A token without the claim fails; the refusal is a 401
///   `insufficient_user_authentication` whose challenge carries the
///   route's `acr_values` and `max_age`.
/// - `dpop = "required"` or `dpop = "allowed"`: how this route takes DPoP
///   (RFC 9449), instead of what the validator's `dpop` setting says. The
///   validator must have DPoP configured (`dpop` other than `"disabled"`,
///   and `dpop_origin`), or launch aborts naming the route and the
///   validator. A request sent otherwise to a `"required"` route is a 401
///   with a `DPoP` challenge.
/// - `optional`: a request without credentials runs the handler anonymous;
///   one with credentials is held to everything else the attribute says, and
///   a bad token is refused, never anonymous.
/// - `public`: the route is open on purpose; no token is read. It cannot be
///   combined with any other argument, and the handler takes no guard.
/// - `check = PATH`: a function the token must pass, run after the roles and
///   scopes passed; `false` is a 403. It is one of `fn(&`[`AccessToken`]`) -> bool`,
///   `async fn(&AccessToken) -> bool`, or either with a second argument
///   `&Rocket<Orbit>` to reach managed state (rocket_warden's `Check` trait).
///
/// A token that fails authentication, including an `aud` outside the
/// route's audiences, is a 401 `invalid_token`; one that misses a step-up
/// demand, a 401 `insufficient_user_authentication`; a valid token lacking a
/// role, a scope or a passing check is a 403 `insufficient_scope`.
///
/// # The handler's parameters
///
/// The attribute binds the policy to the handler's token guards, found by
/// the last segment of their type's path:
///
/// - [`Jwt<C>`] becomes `Jwt<C, Policy>` (a bare `Jwt`, `Jwt<Value, Policy>`),
///   and so does [`OptionalJwt<C>`], which an `optional` route must take
///   instead of `Jwt`;
/// - [`AuthUser`] becomes `AuthUser<Policy>`;
/// - a guard nested in another type's arguments, as in `Option<Jwt<C>>`, is
///   bound too;
/// - a handler with no such parameter of its own gets a hidden `Authorized`
///   guard, first among its guards, so it is still protected, and a wrapped
///   `Option<Jwt<C>>` cannot turn a refusal into an anonymous call. A
///   `public` route gets none.
///
/// Sync and async handlers both work. The policy is also registered for
/// rocket_warden's `RoutePolicies`, the table of every mounted route and its
/// policy.
///
/// # Compile errors
///
/// Each mistake is one error, on the offending token, and the function is
/// still emitted as written, so no other error follows from it:
///
/// - an unknown argument (with the closest known one, or the list of them),
///   a path instead of a name, or an argument given twice;
/// - a value of the wrong kind: a flag with a value, `validator` not a
///   string, a list not a list of string literals, `check` not a path;
/// - an empty list; an empty, repeated or white-space-holding role, scope or
///   audience; a scope outside RFC 6750's `scope-token` characters; a
///   validator name that is empty or not an identifier;
/// - `public` with any other argument;
/// - a `Jwt` or an `AuthUser` parameter on an `optional` route, an
///   `OptionalJwt` parameter on a route that is not `optional`, any guard
///   parameter on a `public` route;
/// - a type argument on a guard where the policy goes (`Jwt<C, P>`,
///   `AuthUser<P>`): the policy comes from the attribute;
/// - the attribute on something other than a function, below the route
///   attribute or on a function with none, or twice on one function;
/// - a `check` function of the wrong shape, reported on its path.
///
/// # Example
///
/// ```
/// use rocket::{Orbit, Rocket};
/// use rocket_warden::{jwt_auth, AccessToken, AuthUser, Jwt, OptionalJwt};
///
/// /// Managed state: subjects the application has banned.
/// struct Banned(Vec<String>);
///
/// async fn not_banned(token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
///     let sub = token.claim("sub").and_then(|sub| sub.as_str());
///     let banned = rocket.state::<Banned>().map_or(&[][..], |b| &b.0[..]);
///     !sub.is_some_and(|sub| banned.iter().any(|b| b == sub))
/// }
///
/// #[jwt_auth(validator = "partner_api", audiences = ["orders"], check = not_banned)]
/// #[rocket::get("/orders")]
/// async fn orders(auth: Jwt) -> String {
///     format!("orders of {}", auth["sub"])
/// }
///
/// #[jwt_auth(optional, roles = ["admin"])]
/// #[rocket::get("/greeting")]
/// fn greeting(auth: OptionalJwt) -> &'static str {
///     if auth.is_anonymous() {
///         "hello, stranger"
///     } else {
///         "hello, admin"
///     }
/// }
///
/// #[jwt_auth(scopes = ["profile"])]
/// #[rocket::get("/me")]
/// fn me(user: AuthUser) -> String {
///     format!("you are {}", user.id())
/// }
///
/// // No guard parameter: a hidden one still checks the token.
/// #[jwt_auth(roles = ["ops"])]
/// #[rocket::delete("/cache")]
/// fn clear_cache() {}
///
/// #[jwt_auth(public)]
/// #[rocket::get("/health")]
/// fn health() -> &'static str {
///     "ok"
/// }
/// ```
///
// Relative links, as Rocket's codegen writes them: this crate cannot name
// rocket_warden's items, and users read these docs through its re-export.
/// [`Jwt<C>`]: ../rocket_warden/struct.Jwt.html
/// [`OptionalJwt<C>`]: ../rocket_warden/struct.OptionalJwt.html
/// [`AuthUser`]: ../rocket_warden/struct.AuthUser.html
/// [`AccessToken`]: ../rocket_warden/struct.AccessToken.html
#[proc_macro_attribute]
pub fn jwt_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    jwt_auth::expand(args.into(), item.into()).into()
}
