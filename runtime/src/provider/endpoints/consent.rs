//! The consent page, and its answer. The page carries the whole
//! authorization request in hidden fields, so the answer is checked again
//! from scratch like a new request (nothing half-done waits on the
//! server); a CSRF token in a private, `SameSite=Strict` cookie, repeated
//! in the form, proves the answer came from the page.

use rocket::http::{Cookie, SameSite, Status};
use rocket::{Request, Response};
use subtle::ConstantTimeEq;

use super::authorize::{self, AuthRequest};
use super::CONSENT;
use crate::provider::params::Params;
use crate::provider::reply::{self, escape};
use crate::provider::{tokens, ProviderState};

/// The CSRF cookie.
const CSRF_COOKIE: &str = "rocket_warden_csrf";

/// What each standard scope means, for people.
const SCOPE_WORDS: &[(&str, &str)] = &[
    ("openid", "Know who you are"),
    ("profile", "Your name and profile"),
    ("email", "Your email address"),
    ("phone", "Your phone number"),
    ("address", "Your postal address"),
    ("offline_access", "Stay connected when you are away"),
];

/// The consent page for `auth`, asking for `scopes`.
pub(super) fn page(
    state: &ProviderState,
    request: &Request<'_>,
    auth: &AuthRequest<'_>,
    scopes: &[String],
) -> Response<'static> {
    let csrf = csrf_token(request);
    let items: String = scopes
        .iter()
        .map(|scope| {
            let words = SCOPE_WORDS
                .iter()
                .find(|(name, _)| name == scope)
                .map_or(scope.as_str(), |(_, words)| words);
            format!(
                "<li>{} <span class=\"muted\">({})</span></li>",
                escape(words),
                escape(scope)
            )
        })
        .collect();
    let fields = reply::hidden_fields(auth.params.iter().chain([("csrf_token", csrf.as_str())]));
    let body = format!(
        "<h1>{name} asks to use your account</h1>\
         <p>It will be able to:</p><ul>{items}</ul>\
         <form method=\"post\" action=\"{action}\">{fields}\
         <button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>\
         <p class=\"muted\">You are sent back to {uri}.</p>",
        name = escape(&auth.client.name),
        action = escape(&format!("{}{CONSENT}", state.base_path)),
        uri = escape(&auth.target.redirect_uri),
    );
    reply::page(
        Status::Ok,
        &format!("{} asks for access", auth.client.name),
        &body,
    )
}

/// The browser's CSRF token: the cookie's, or a new one set now.
fn csrf_token(request: &Request<'_>) -> String {
    if let Some(cookie) = request.cookies().get_private(CSRF_COOKIE) {
        return cookie.value().to_owned();
    }
    let token = tokens::random();
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/");
    request.cookies().add_private(cookie);
    token
}

/// `POST /oauth2/consent`: the page's answer.
pub(super) async fn consent(
    state: &ProviderState,
    request: &Request<'_>,
    params: Params,
) -> Response<'static> {
    let expected = request.cookies().get_private(CSRF_COOKIE);
    let sent = params.get("csrf_token").unwrap_or("");
    let genuine =
        expected.is_some_and(|cookie| bool::from(cookie.value().as_bytes().ct_eq(sent.as_bytes())));
    if !genuine {
        tracing::info!(target: "rocket_warden::provider", "consent refused: bad CSRF token");
        return reply::error_page(
            Status::Forbidden,
            "invalid_request",
            "this form has expired or did not come from this site; start again from the application",
        );
    }
    // Each parameter once, as at the authorization endpoint: the form is
    // read again below from first values only, which would otherwise take
    // a second `client_id` or `redirect_uri` silently (found by the
    // `provider` fuzz target).
    if let Some(name) = params.repeated() {
        return reply::error_page(
            Status::BadRequest,
            "invalid_request",
            &format!("the parameter `{name}` was given more than once"),
        );
    }
    let decision = match params.get("decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            return reply::error_page(
                Status::BadRequest,
                "invalid_request",
                "the form has no decision",
            )
        }
    };
    let request_params = Params::parse(&params.encode_without(&["csrf_token", "decision"]));
    match authorize::check(state, request_params) {
        Ok(auth) => authorize::proceed(state, request, auth, Some(decision)).await,
        Err(refused) => refused.response(state),
    }
}
