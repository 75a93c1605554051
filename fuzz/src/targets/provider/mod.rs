//! The OpenID Provider's endpoints, each sent a whole request: the
//! authorization request's query or form, the token, introspection,
//! revocation and consent forms, HTTP Basic client credentials, and the
//! `Authorization` header of UserInfo.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rocket::http::uri::Origin;
use rocket::http::{ContentType, Cookie, Header};
use rocket::local::asynchronous::{Client, LocalResponse};

use crate::provider::{with_provider, USER, USER_COOKIE};

mod flows;
mod judge;

use flows::{authorization_code, consent_page, refresh_token};
use judge::judge;

/// What the target's text replaces with the code of its flow mode.
pub const CODE_MARK: &str = "@code@";
/// What the target's text replaces with the refresh token of its refresh
/// mode.
pub const REFRESH_MARK: &str = "@refresh@";

/// What the target's text replaces with the CSRF token of its consent
/// mode's page.
pub const CSRF_MARK: &str = "@csrf@";

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
