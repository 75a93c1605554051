//! What the provider's answer must be, given what was sent.

use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::{Map, Value};

use super::flows::{exchange_form, post_token, refresh_form, FLOW_SCOPE};
use super::{send, Endpoint, Grant, Sent};
use crate::fixtures::SECRET;
use crate::provider::{LOGIN, OP_ISSUER, REDIRECT, USER, VERIFIER};
use crate::reference;
use crate::targets::Outcome;

/// The `error` codes a token, introspection or revocation request may be
/// refused with (RFC 6749 §5.2, RFC 7009 §2.2.1).
const OAUTH_ERRORS: [&str; 7] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "unsupported_token_type",
];

/// Checks the answer to what was `sent` to `endpoint`.
pub(super) async fn judge(
    client: &Client,
    endpoint: Endpoint,
    sent: &Sent,
    response: LocalResponse<'_>,
) -> Outcome {
    let status = response.status();
    let header = |name| response.headers().get_one(name).map(str::to_owned);
    let (location, challenge) = (header("Location"), header("WWW-Authenticate"));
    let json = response.content_type() == Some(ContentType::JSON);
    let body = response.into_string().await.unwrap_or_default();
    let name = endpoint.name();
    let allowed = match endpoint {
        Endpoint::Consent | Endpoint::ConsentFlow => {
            matches!(status.code, 200 | 303 | 400 | 401 | 403)
        }
        _ => matches!(status.code, 200 | 303 | 400 | 401),
    };
    assert!(allowed, "{name} answered {status}: {body}");
    if !sent.holds(SECRET) {
        assert!(
            !body.contains(SECRET),
            "{name}: the answer holds the secret"
        );
        let location = location.as_deref().unwrap_or_default();
        assert!(
            !location.contains(SECRET),
            "{name}: the redirect holds the secret"
        );
    }
    for action in form_actions(&body) {
        assert!(
            action == REDIRECT || action == "/oauth2/consent",
            "{name}: a form posts to {action}"
        );
    }
    if let Some(location) = &location {
        if let Grant::Consent { csrf, .. } = &sent.grant {
            consented(sent, csrf, location);
        }
        return redirect(name, sent, location);
    }
    if status == Status::Unauthorized {
        assert!(challenge.is_some(), "{name}: a 401 without a challenge");
    }
    if endpoint.answers_oauth_errors() && status != Status::Ok {
        assert!(json, "{name}: a refusal that is not JSON: {body}");
        let error = serde_json::from_str::<Value>(&body).unwrap_or_default();
        let error = error["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            OAUTH_ERRORS.contains(&error.as_str()),
            "{name}: refused with {error:?}"
        );
        still_usable(client, &sent.grant).await;
        return format!("{name} {} {error}", status.code);
    }
    if status != Status::Ok {
        return format!("{name} {}", status.code);
    }
    match endpoint {
        Endpoint::Token | Endpoint::Exchange | Endpoint::Refresh => {
            issued(client, endpoint, sent, &body).await
        }
        Endpoint::Introspect => {
            let answer = serde_json::from_str::<Value>(&body).unwrap_or_default();
            assert_eq!(answer["active"], false, "introspect: active for {sent:?}");
            "introspect 200 inactive".into()
        }
        Endpoint::UserInfo => panic!("userinfo answered for {sent:?}: {body}"),
        _ => format!("{name} 200"),
    }
}

/// Checks a redirect: to the login page, or to the registered redirect URI
/// with an error or (for a signed-in user only) a code.
fn redirect(name: &str, sent: &Sent, location: &str) -> Outcome {
    if location.starts_with(&format!("{LOGIN}?")) {
        return format!("{name} login");
    }
    assert!(
        location.starts_with(&format!("{REDIRECT}?"))
            || location.starts_with(&format!("{REDIRECT}#")),
        "{name}: redirects to {location}"
    );
    let url = url::Url::parse(&location.replacen('#', "?", 1))
        .unwrap_or_else(|e| panic!("{name}: redirects to {location}: {e}"));
    let pairs: Map<String, Value> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    assert_eq!(
        pairs.get("iss").and_then(Value::as_str),
        Some(OP_ISSUER),
        "{name}: a response without `iss` (RFC 9207)"
    );
    if let Some(error) = pairs.get("error").and_then(Value::as_str) {
        return format!("{name} error {}", reference::label(error));
    }
    assert!(
        sent.signed_in,
        "{name}: issued without a signed-in user: {sent:?}"
    );
    format!("{name} issued")
}

/// Checks that the consent form's answer to the client follows from the
/// form: a code only for the page's CSRF token and `decision=approve`,
/// `access_denied` only for `deny`, each parameter given once.
fn consented(sent: &Sent, csrf: &str, location: &str) {
    if !location.starts_with(REDIRECT) {
        return; // the login page
    }
    let form = reference::form(&sent.text);
    let given = |name: &str| {
        form.as_ref()
            .and_then(|form| form.get(name))
            .map(String::as_str)
    };
    let genuine = given("csrf_token") == Some(csrf);
    if location.contains("code=") {
        assert!(
            genuine && given("decision") == Some("approve"),
            "consent: a code for a form the reference refuses: {sent:?}"
        );
    }
    if location.contains("error=access_denied") {
        assert!(
            genuine && given("decision") == Some("deny"),
            "consent: denied for a form the reference does not: {sent:?}"
        );
    }
}

/// Checks a token response: the grant is one the reference accepts, and the
/// access token verifies with the provider's published key.
async fn issued(client: &Client, endpoint: Endpoint, sent: &Sent, body: &str) -> Outcome {
    let form = reference::form(&sent.text);
    let authenticated =
        reference::client_authenticates(form.as_ref(), sent.authorization.as_deref());
    let expected = match &sent.grant {
        Grant::Code(code) => {
            reference::exchanges(form.as_ref(), code, VERIFIER, REDIRECT).then_some("first")
        }
        Grant::Refresh(token) => {
            reference::refreshes(form.as_ref(), token, FLOW_SCOPE).then_some("first")
        }
        Grant::None | Grant::Consent { .. } => {
            reference::client_credentials(form.as_ref()).then_some("service")
        }
    };
    assert!(
        expected.is_some() && authenticated.as_deref() == expected,
        "token issued for a grant the reference refuses: {sent:?}"
    );
    let answer = serde_json::from_str::<Value>(body).unwrap_or_default();
    let token = answer["access_token"].as_str().unwrap_or_default();
    let jwks = client.get("/oauth2/jwks").dispatch().await;
    let jwks = jwks.into_string().await.unwrap_or_default();
    let claims = reference::provider_token(&jwks, token, OP_ISSUER)
        .unwrap_or_else(|why| panic!("an issued access token does not verify: {why}"));
    assert_eq!(claims["client_id"].as_str(), expected, "the token's client");
    if endpoint == Endpoint::Exchange {
        // The user's token (scope `openid`) opens UserInfo, for that user.
        let response = client
            .get("/oauth2/userinfo")
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .dispatch()
            .await;
        assert_eq!(
            response.status(),
            Status::Ok,
            "userinfo refuses an issued token"
        );
        let info = response.into_json::<Value>().await.unwrap_or_default();
        assert_eq!(info["sub"], USER, "userinfo answers for another user");
    }
    // Last: a code used twice revokes what it issued.
    if matches!(sent.grant, Grant::Code(_) | Grant::Refresh(_)) {
        single_use(client, endpoint, sent, &answer).await;
    }
    format!("{} issued", endpoint.name())
}

/// Checks that a refused request changed nothing: the flow mode's code or
/// refresh token still works for its client (README, "Nothing changes on
/// a refusal").
async fn still_usable(client: &Client, grant: &Grant) {
    let form = match grant {
        Grant::Code(code) => exchange_form(code),
        Grant::Refresh(token) => refresh_form(token),
        Grant::None | Grant::Consent { .. } => return,
    };
    let response = post_token(client, form).await;
    assert_eq!(
        response.status(),
        Status::Ok,
        "a refused request used up the grant: {grant:?}"
    );
}

/// Checks that a code or refresh token works once: the same request again
/// is `invalid_grant`; a refresh token used twice revokes its family, so the
/// one the first use issued is refused too (RFC 6749 §10.4, §4.1.2).
async fn single_use(client: &Client, endpoint: Endpoint, sent: &Sent, answer: &Value) {
    let again = send(client, endpoint, sent).await;
    let status = again.status();
    let error = again.into_json::<Value>().await.unwrap_or_default();
    assert_eq!(
        (status, error["error"].as_str()),
        (Status::BadRequest, Some("invalid_grant")),
        "{}: a grant used twice",
        endpoint.name()
    );
    let Some(next) = answer["refresh_token"].as_str() else {
        return;
    };
    if endpoint == Endpoint::Refresh {
        let response = post_token(client, refresh_form(next)).await;
        assert_eq!(
            response.status(),
            Status::BadRequest,
            "a rotated refresh token outlives its family's revocation"
        );
    }
}

/// The `action` of each form in an HTML page.
fn form_actions(body: &str) -> Vec<String> {
    body.split("action=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|action| action.replace("&amp;", "&"))
        .collect()
}
