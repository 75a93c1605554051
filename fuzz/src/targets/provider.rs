//! The OpenID Provider's endpoints, each sent a whole request: the
//! authorization request's query or form, the token, introspection,
//! revocation and consent forms, HTTP Basic client credentials, and the
//! `Authorization` header of UserInfo.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rocket::http::uri::Origin;
use rocket::http::{ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::{Map, Value};

use crate::fixtures::SECRET;
use crate::provider::{
    challenge, with_provider, LOGIN, OP_ISSUER, REDIRECT, USER, USER_COOKIE, VERIFIER,
};
use crate::reference;

/// What the target's text replaces with the code of its flow mode.
pub const CODE_MARK: &str = "@code@";
/// What the target's text replaces with the refresh token of its refresh
/// mode.
pub const REFRESH_MARK: &str = "@refresh@";

/// What the target's text replaces with the CSRF token of its consent
/// mode's page.
pub const CSRF_MARK: &str = "@csrf@";
/// The provider's CSRF cookie (a private cookie).
const CSRF_COOKIE: &str = "rocket_warden_csrf";

/// The scope of the flow modes' grant.
const FLOW_SCOPE: &str = "openid offline_access";

/// The endpoints, picked by the input's first byte (low three bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `GET /oauth2/authorize`, the text as its query.
    AuthorizeGet,
    /// `POST /oauth2/authorize`, the text as its form.
    AuthorizePost,
    /// `POST /oauth2/token`.
    Token,
    /// `POST /oauth2/introspect`.
    Introspect,
    /// `POST /oauth2/revoke`.
    Revoke,
    /// `GET /oauth2/userinfo`, with the `Authorization` field.
    UserInfo,
    /// `POST /oauth2/consent`.
    Consent,
    /// `POST /oauth2/token` after a genuine authorization request of the
    /// `first` client: [`CODE_MARK`] in the text stands for its code.
    Exchange,
    /// `POST /oauth2/token` after a genuine authorization request and code
    /// exchange of the `first` client: [`REFRESH_MARK`] stands for the
    /// refresh token it was issued (chosen by bit 6 over [`Self::Exchange`]).
    Refresh,
    /// `POST /oauth2/consent` after the consent page of a genuine
    /// authorization request of the `rp` client, with the page's CSRF
    /// cookie: [`CSRF_MARK`] stands for its token (chosen by bit 6 over
    /// [`Self::Consent`]).
    ConsentFlow,
}

impl Endpoint {
    const ALL: [Self; 8] = [
        Self::AuthorizeGet,
        Self::AuthorizePost,
        Self::Token,
        Self::Introspect,
        Self::Revoke,
        Self::UserInfo,
        Self::Consent,
        Self::Exchange,
    ];

    fn path(self) -> &'static str {
        match self {
            Self::AuthorizeGet | Self::AuthorizePost => "/oauth2/authorize",
            Self::Token | Self::Exchange | Self::Refresh => "/oauth2/token",
            Self::Introspect => "/oauth2/introspect",
            Self::Revoke => "/oauth2/revoke",
            Self::UserInfo => "/oauth2/userinfo",
            Self::Consent | Self::ConsentFlow => "/oauth2/consent",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::AuthorizeGet => "authorize",
            Self::AuthorizePost => "authorize-post",
            Self::Token => "token",
            Self::Introspect => "introspect",
            Self::Revoke => "revoke",
            Self::UserInfo => "userinfo",
            Self::Consent => "consent",
            Self::Exchange => "exchange",
            Self::Refresh => "refresh",
            Self::ConsentFlow => "consent-flow",
        }
    }

    /// Whether it answers as the token endpoint family does: RFC 6749 §5.2
    /// errors in JSON.
    fn answers_oauth_errors(self) -> bool {
        matches!(
            self,
            Self::Token | Self::Exchange | Self::Refresh | Self::Introspect | Self::Revoke
        )
    }
}

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

/// A request to the provider, from bytes: the first picks the endpoint (low
/// three bits; with 7, bit 6 picks the refresh mode over the code exchange)
/// and what the request carries (bit 3: the login cookie of [`USER`]; bit
/// 4: an `Authorization` header, the second field; bit 5: a POST body
/// without the form content type). The text (query or form) is the first
/// field; fields are separated by NUL bytes.
///
/// The answer must be a 200, 303, 400 or 401 (403 from the consent form);
/// a redirect goes only to the registered redirect URI or the login page,
/// and a form only posts there or to the consent endpoint; a code is issued
/// only to a signed-in user; the token family's refusals are RFC 6749
/// errors in JSON, a 401 with a challenge; no answer holds the client
/// secret unless the request did; tokens are issued only for a grant the
/// reference accepts, and verify with the provider's published keys; and a
/// user's token opens UserInfo for that user; a code or refresh token works
/// once, a refused request leaves it usable, and a refresh token used twice
/// revokes the one its first use gave.
pub fn provider(data: &[u8]) -> super::Outcome {
    let Some(input) = Input::read(data) else {
        return "skipped".into();
    };
    let endpoint = match Endpoint::ALL[usize::from(input.choice & 7)] {
        Endpoint::Exchange if input.choice & (1 << 6) != 0 => Endpoint::Refresh,
        Endpoint::Consent if input.choice & (1 << 6) != 0 => Endpoint::ConsentFlow,
        endpoint => endpoint,
    };
    if endpoint == Endpoint::AuthorizeGet
        && Origin::parse_owned(format!("{}?{}", endpoint.path(), input.text)).is_err()
    {
        return "skipped".into(); // hyper would refuse it
    }
    with_provider(|runtime, client| {
        runtime.block_on(async {
            let grant = match endpoint {
                Endpoint::Exchange => Grant::Code(authorization_code(client).await),
                Endpoint::Refresh => Grant::Refresh(refresh_token(client).await),
                Endpoint::ConsentFlow => consent_page(client).await,
                _ => Grant::None,
            };
            let sent = Sent {
                text: grant.mark(input.text),
                authorization: input.authorization.map(|a| grant.mark(a)),
                signed_in: input.choice & (1 << 3) != 0,
                form_type: input.choice & (1 << 5) == 0,
                grant,
            };
            let response = send(client, endpoint, &sent).await;
            judge(client, endpoint, &sent, response).await
        })
    })
}

/// Sends what was `sent` to `endpoint`.
async fn send<'c>(client: &'c Client, endpoint: Endpoint, sent: &Sent) -> LocalResponse<'c> {
    let mut request = match endpoint {
        Endpoint::AuthorizeGet => client.get(format!("{}?{}", endpoint.path(), sent.text)),
        Endpoint::UserInfo => client.get(endpoint.path()),
        _ => {
            let request = client.post(endpoint.path()).body(sent.text.clone());
            match sent.form_type {
                true => request.header(ContentType::Form),
                false => request,
            }
        }
    };
    if sent.signed_in {
        request = request.cookie(Cookie::new(USER_COOKIE, USER));
    }
    if let Some(value) = &sent.authorization {
        request = request.header(Header::new("Authorization", value.clone()));
    }
    if let Grant::Consent { cookie, .. } = &sent.grant {
        request = request.cookie(cookie.clone());
    }
    request.dispatch().await
}

/// One request's parts, as the target reads them from bytes.
#[derive(Debug)]
struct Input<'a> {
    choice: u8,
    text: &'a str,
    authorization: Option<&'a str>,
}

impl<'a> Input<'a> {
    fn read(data: &'a [u8]) -> Option<Self> {
        let (&choice, rest) = data.split_first()?;
        let mut fields = rest.split(|&b| b == 0).map(std::str::from_utf8);
        let text = fields.next().unwrap_or(Ok("")).ok()?;
        let authorization = fields.next().unwrap_or(Ok("")).ok()?;
        // Header values hold no control characters but tab.
        if authorization
            .bytes()
            .any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            return None;
        }
        Some(Self {
            choice,
            text,
            authorization: (choice & (1 << 4) != 0).then_some(authorization),
        })
    }
}

/// What was sent, marks replaced.
#[derive(Debug)]
struct Sent {
    text: String,
    authorization: Option<String>,
    signed_in: bool,
    /// Whether a POST body said it is a form.
    form_type: bool,
    grant: Grant,
}

/// The genuine grant a flow mode obtained before its request.
#[derive(Debug)]
enum Grant {
    None,
    Code(String),
    Refresh(String),
    /// The consent page's CSRF token and cookie.
    Consent {
        csrf: String,
        cookie: Cookie<'static>,
    },
}

impl Grant {
    /// `text` with the grant's mark replaced by it, form-encoded.
    fn mark(&self, text: &str) -> String {
        match self {
            Self::None => text.to_owned(),
            Self::Code(code) => text.replace(CODE_MARK, &encode(code)),
            Self::Refresh(token) => text.replace(REFRESH_MARK, &encode(token)),
            Self::Consent { csrf, .. } => text.replace(CSRF_MARK, &encode(csrf)),
        }
    }
}

impl Sent {
    fn holds(&self, secret: &str) -> bool {
        self.text.contains(secret)
            || self
                .authorization
                .as_deref()
                .is_some_and(|value| value.contains(secret) || basic_holds(value, secret))
    }
}

/// Whether a Basic header's credentials hold `secret` once decoded.
fn basic_holds(value: &str, secret: &str) -> bool {
    let encoded = value.split_once(' ').map_or(value, |(_, rest)| rest).trim();
    STANDARD
        .decode(encoded)
        .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(secret))
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A code for the `first` client (first party, so no consent page), for
/// [`USER`], with [`VERIFIER`]'s challenge and scope `openid offline_access`.
async fn authorization_code(client: &Client) -> String {
    let query = format!(
        "response_type=code&client_id=first&redirect_uri={}&scope={}\
         &state=s&code_challenge={}&code_challenge_method=S256",
        encode(REDIRECT),
        encode(FLOW_SCOPE),
        challenge()
    );
    let response = client
        .get(format!("/oauth2/authorize?{query}"))
        .cookie(Cookie::new(USER_COOKIE, USER))
        .dispatch()
        .await;
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
async fn consent_page(client: &Client) -> Grant {
    let query = format!(
        "response_type=code&client_id=rp&redirect_uri={}&scope={}&state=s&prompt=consent",
        encode(REDIRECT),
        encode("openid profile"),
    );
    let response = client
        .get(format!("/oauth2/authorize?{query}"))
        .cookie(Cookie::new(USER_COOKIE, USER))
        .dispatch()
        .await;
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
async fn refresh_token(client: &Client) -> String {
    let code = authorization_code(client).await;
    let response = post_token(client, exchange_form(&code)).await;
    let answer = response.into_json::<Value>().await.unwrap_or_default();
    answer["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("the flow's code exchange gave no refresh token: {answer}"))
        .to_owned()
}

/// `form`, sent to the token endpoint as a client would.
async fn post_token(client: &Client, form: String) -> LocalResponse<'_> {
    client
        .post("/oauth2/token")
        .header(ContentType::Form)
        .body(form)
        .dispatch()
        .await
}

/// The form with which the `first` client refreshes with `token`.
fn refresh_form(token: &str) -> String {
    format!(
        "grant_type=refresh_token&refresh_token={}&client_id=first&client_secret={}",
        encode(token),
        encode(SECRET)
    )
}

/// The form with which the `first` client exchanges `code`.
fn exchange_form(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={VERIFIER}\
         &client_id=first&client_secret={}",
        encode(code),
        encode(REDIRECT),
        encode(SECRET)
    )
}

/// Checks the answer to what was `sent` to `endpoint`.
async fn judge(
    client: &Client,
    endpoint: Endpoint,
    sent: &Sent,
    response: LocalResponse<'_>,
) -> super::Outcome {
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
fn redirect(name: &str, sent: &Sent, location: &str) -> super::Outcome {
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
async fn issued(client: &Client, endpoint: Endpoint, sent: &Sent, body: &str) -> super::Outcome {
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
