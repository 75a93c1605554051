//! The application's users, as the provider sees them: who is signed in on
//! a request, and what a user's claims are. The application owns its users
//! (their table, passwords, login page); the provider only asks.

use rocket::Request;
use serde_json::{Map, Value};

/// A signed-in user, as the application's login established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The user's stable id, the tokens' `sub` (a decimal id, say: never a
    /// name that can change).
    pub sub: String,
    /// When the user signed in (Unix seconds): `auth_time`, and what
    /// `max_age` and `prompt=login` are measured against.
    pub auth_time: u64,
    /// How strongly: the ID token's `acr`, when the login gives one.
    pub acr: Option<String>,
    /// How: the ID token's `amr` (`pwd`, `otp`, …), when the login gives it.
    pub amr: Vec<String>,
}

/// What the provider asks the application about its users.
///
/// ```
/// use rocket::Request;
/// use rocket_warden::provider::{Login, Users};
/// use serde_json::{json, Map, Value};
///
/// struct OneUser;
///
/// #[rocket::async_trait]
/// impl Users for OneUser {
///     async fn signed_in(&self, request: &Request<'_>) -> Option<Login> {
///         let cookie = request.cookies().get_private("login")?;
///         Some(Login { sub: cookie.value().to_owned(), auth_time: 0, acr: None, amr: vec![] })
///     }
///
///     async fn claims(
///         &self,
///         _request: &Request<'_>,
///         sub: &str,
///         scopes: &[&str],
///     ) -> Option<Map<String, Value>> {
///         let mut claims = Map::new();
///         if scopes.contains(&"email") {
///             claims.insert("email".into(), json!(format!("{sub}@example.com")));
///             claims.insert("email_verified".into(), json!(false));
///         }
///         Some(claims)
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait Users: Send + Sync + 'static {
    /// The user signed in on `request`, or `None`: the provider then sends
    /// the browser to `login_url` with `return_to` set to come back.
    async fn signed_in(&self, request: &Request<'_>) -> Option<Login>;

    /// The claims of the user `sub` for the granted `scopes` (`request`
    /// is the UserInfo request, for the application's managed state):
    /// `profile`
    /// (`name`, `preferred_username`, …), `email` (`email`,
    /// `email_verified`), `phone` (`phone_number`), and any the application
    /// adds. The provider keeps only the claims the scopes allow (OIDC Core
    /// §5.4) and sets `sub` itself. `None`: the user no longer exists.
    async fn claims(
        &self,
        request: &Request<'_>,
        sub: &str,
        scopes: &[&str],
    ) -> Option<Map<String, Value>>;

    /// The `acr` values logins can give, for discovery's
    /// `acr_values_supported`.
    fn acr_values_supported(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The claims each standard scope releases (OIDC Core §5.4).
pub(crate) const SCOPE_CLAIMS: &[(&str, &[&str])] = &[
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// Whether `claim` may be released for `scopes`: a standard claim only
/// when its scope is granted; a claim no standard scope names, when the
/// application returned it (it chose to, knowing the scopes).
pub(crate) fn releasable(claim: &str, scopes: &[&str]) -> bool {
    match SCOPE_CLAIMS
        .iter()
        .find(|(_, claims)| claims.contains(&claim))
    {
        Some((scope, _)) => scopes.contains(scope),
        None => !matches!(claim, "sub" | "iss" | "aud" | "exp" | "iat"),
    }
}
