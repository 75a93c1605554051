//! The genuine steps the flow modes take before the fuzzer's request: an
//! authorization code, a refresh token, a consent page.

use rocket::http::{ContentType, Cookie};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::Value;

use super::{encode, Grant};
use crate::fixtures::SECRET;
use crate::provider::{challenge, REDIRECT, USER, USER_COOKIE, VERIFIER};

/// The provider's CSRF cookie (a private cookie).
const CSRF_COOKIE: &str = "rocket_warden_csrf";

/// The scope of the flow modes' grant.
pub(super) const FLOW_SCOPE: &str = "openid offline_access";

/// A code for the `first` client (first party, so no consent page), for
/// [`USER`], with [`VERIFIER`]'s challenge and scope `openid offline_access`.
pub(super) async fn authorization_code(client: &Client) -> String {
    let query = format!(
        "response_type=code&client_id=first&redirect_uri={}&scope={}\
         &state=s&code_challenge={}&code_challenge_method=S256",
        encode(REDIRECT),
        encode(FLOW_SCOPE),
        challenge()
    );
    let response = authorize_signed_in(client, &query).await;
    let location = response
        .headers()
        .get_one("Location")
        .unwrap_or_else(|| panic!("the flow's authorization request is refused"))
        .to_owned();
    let url = url::Url::parse(&location).unwrap_or_else(|e| panic!("{location}: {e}"));
    url.query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, code)| code.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"))
}

/// The consent page of an authorization request of the `rp` client (not
/// first party; `prompt=consent`, so an earlier approval does not skip it)
/// for [`USER`]: its CSRF token and cookie.
pub(super) async fn consent_page(client: &Client) -> Grant {
    let query = format!(
        "response_type=code&client_id=rp&redirect_uri={}&scope={}&state=s&prompt=consent",
        encode(REDIRECT),
        encode("openid profile"),
    );
    let response = authorize_signed_in(client, &query).await;
    let cookie = response
        .cookies()
        .get(CSRF_COOKIE)
        .map(|cookie| cookie.clone().into_owned())
        .unwrap_or_else(|| panic!("the consent page sets no CSRF cookie"));
    let page = response.into_string().await.unwrap_or_default();
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no CSRF token in the consent page: {page}"))
        .to_owned();
    Grant::Consent { csrf, cookie }
}

/// A refresh token for the `first` client: a code, exchanged as the client
/// would.
pub(super) async fn refresh_token(client: &Client) -> String {
    let code = authorization_code(client).await;
    let response = post_token(client, exchange_form(&code)).await;
    let answer = response.into_json::<Value>().await.unwrap_or_default();
    answer["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("the flow's code exchange gave no refresh token: {answer}"))
        .to_owned()
}

/// The authorization request `query`, sent by [`USER`]'s browser.
async fn authorize_signed_in<'c>(client: &'c Client, query: &str) -> LocalResponse<'c> {
    client
        .get(format!("/oauth2/authorize?{query}"))
        .cookie(Cookie::new(USER_COOKIE, USER))
        .dispatch()
        .await
}

/// `form`, sent to the token endpoint as a client would.
pub(super) async fn post_token(client: &Client, form: String) -> LocalResponse<'_> {
    client
        .post("/oauth2/token")
        .header(ContentType::Form)
        .body(form)
        .dispatch()
        .await
}

/// The form with which the `first` client refreshes with `token`.
pub(super) fn refresh_form(token: &str) -> String {
    format!(
        "grant_type=refresh_token&refresh_token={}&client_id=first&client_secret={}",
        encode(token),
        encode(SECRET)
    )
}

/// The form with which the `first` client exchanges `code`.
pub(super) fn exchange_form(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={VERIFIER}\
         &client_id=first&client_secret={}",
        encode(code),
        encode(REDIRECT),
        encode(SECRET)
    )
}
