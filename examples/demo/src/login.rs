//! The demo's login page: the application's side of signing in, which the
//! provider sends browsers to (`login_url`) and which sends them back to
//! `return_to`. The form carries a CSRF token (login CSRF), and `return_to`
//! must be a path on this site: anything else would make the page an open
//! redirector.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rocket::form::Form;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::Route;
use rocket_warden::jwt_auth;
use subtle::ConstantTimeEq;

use crate::pages::{escape, page};
use crate::users::{self, LOGIN_COOKIE};
use crate::PartnersDb;

/// The login form's CSRF cookie.
const CSRF_COOKIE: &str = "demo_login_csrf";

pub(crate) fn routes() -> Vec<Route> {
    rocket::routes![login_page, login, logout]
}

/// Whether `return_to` is a path on this site: `/…`, not `//host` or
/// `/\host` (which browsers read as another host).
fn is_local(return_to: &str) -> bool {
    return_to.starts_with('/')
        && !return_to.starts_with("//")
        && !return_to.starts_with("/\\")
        && !return_to.chars().any(char::is_control)
}

/// The browser's CSRF token for the login form: the cookie's, or a new one.
fn csrf_token(jar: &CookieJar<'_>) -> String {
    if let Some(cookie) = jar.get_private(CSRF_COOKIE) {
        return cookie.value().to_owned();
    }
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login");
    jar.add_private(cookie);
    token
}

fn form(
    jar: &CookieJar<'_>,
    return_to: &str,
    username: &str,
    error: Option<&str>,
) -> RawHtml<String> {
    let error = error
        .map(|error| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(error)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in to the rocket_warden demo</h1>{error}\
         <form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{return_to}\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label for=\"username\">Username</label>\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{username}\" autocomplete=\"username\" autofocus>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">\
         <button type=\"submit\">Sign in</button></form>\
         <p class=\"muted\">Development users: alice / alice-password, bob / bob-password.</p>",
        return_to = escape(return_to),
        csrf = escape(&csrf_token(jar)),
        username = escape(username),
    );
    page("Sign in", &body)
}

/// `GET /login?return_to=…&login_hint=…`: the form.
#[jwt_auth(public)]
#[rocket::get("/login?<return_to>&<login_hint>")]
fn login_page(
    jar: &CookieJar<'_>,
    return_to: Option<&str>,
    login_hint: Option<&str>,
) -> Result<RawHtml<String>, (Status, RawHtml<String>)> {
    let return_to = return_to.unwrap_or("/");
    if !is_local(return_to) {
        return Err(refused());
    }
    Ok(form(jar, return_to, login_hint.unwrap_or(""), None))
}

fn refused() -> (Status, RawHtml<String>) {
    let body = "<h1>This sign-in link is not valid</h1>\
        <p>It would send you to another site after signing in.</p>";
    (Status::BadRequest, page("Sign in", body))
}

/// The form's fields.
#[derive(Debug, rocket::FromForm)]
struct Credentials<'r> {
    username: &'r str,
    password: &'r str,
    return_to: &'r str,
    csrf_token: &'r str,
}

/// `POST /login`: a 303 to `return_to` with the login cookie set; wrong
/// credentials: 401 and the form again.
#[jwt_auth(public)]
#[rocket::post("/login", data = "<credentials>")]
async fn login(
    db: &PartnersDb,
    jar: &CookieJar<'_>,
    credentials: Form<Credentials<'_>>,
) -> Result<Redirect, (Status, RawHtml<String>)> {
    let genuine = jar.get_private(CSRF_COOKIE).is_some_and(|cookie| {
        bool::from(
            cookie
                .value()
                .as_bytes()
                .ct_eq(credentials.csrf_token.as_bytes()),
        )
    });
    if !genuine {
        rocket::info!("login refused: bad CSRF token");
        let body = "<h1>This form has expired</h1><p>Go back and sign in again.</p>";
        return Err((Status::Forbidden, page("Sign in", body)));
    }
    if !is_local(credentials.return_to) {
        return Err(refused());
    }
    let Some(id) = users::check_password(db, credentials.username, credentials.password).await
    else {
        rocket::info!("login refused: wrong username or password");
        let again = form(
            jar,
            credentials.return_to,
            credentials.username,
            Some("Wrong username or password."),
        );
        return Err((Status::Unauthorized, again));
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    users::sign_in(jar, id, now);
    Ok(Redirect::to(credentials.return_to.to_owned()))
}

/// `POST /logout`: forgets the login.
#[jwt_auth(public)]
#[rocket::post("/logout")]
fn logout(jar: &CookieJar<'_>) -> Redirect {
    jar.remove_private(Cookie::build(LOGIN_COOKIE).path("/"));
    Redirect::to("/login")
}

#[cfg(test)]
mod tests {
    use super::is_local;

    #[test]
    fn only_paths_on_this_site_are_return_addresses() {
        assert!(is_local("/oauth2/authorize?client_id=x"));
        for other in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "evil",
            "/\nx",
        ] {
            assert!(!is_local(other), "{other:?}");
        }
    }
}
