//! A whole request to a Rocket application: the `Authorization` header, the
//! query, the `Cookie` header (session cookies and the authentication
//! cookie), through the guards, the identity strategies and the policies.

use rocket::http::uri::Origin;
use rocket::http::{ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::LocalResponse;
use serde_json::{Map, Value};

use crate::fixtures::{
    with_client, AUTH_COOKIE, NOW, QUERY_PARAM, SECRET, SECRET_KEY, SESSION_COOKIE,
};
use crate::reference;
use crate::routes::PATHS;

/// A request, from bytes: the first picks the route (low three bits) and
/// which of the next fields it carries (bit 3: an `Authorization` header,
/// bit 4: a `Cookie` header, bit 5: a query, bit 6: an authentication cookie
/// whose plaintext is the fourth field, encrypted with the application's
/// key as cookie mode does, so that hostile JSON reaches the cookie reader).
/// The fields follow, separated by NUL bytes.
///
/// The answer must be a 200, 400, 401 or 403; a 401 carries a `Bearer`
/// challenge; no body repeats a token; a handler runs authenticated only for
/// a credential the reference accepts (on `/stepup`, one that also meets
/// the step-up rule), as the subject it names, and runs
/// anonymous only when the request carries no credential at all.
pub fn request(data: &[u8]) -> super::Outcome {
    let Some(input) = Input::read(data) else {
        return "skipped".into();
    };
    let path = PATHS[usize::from(input.choice & 7) % PATHS.len()];
    let uri = match input.query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    // What hyper would refuse never reaches Rocket.
    if Origin::parse(&uri).is_err() {
        return "skipped".into();
    }
    let sealed = input.cookie_json.map(seal);
    with_client(|runtime, client| {
        let mut request = match path {
            "/write" => client.post(uri.clone()),
            _ => client.get(uri.clone()),
        };
        if let Some(value) = input.authorization {
            request = request.header(Header::new("Authorization", value.to_owned()));
        }
        let mut cookies: Vec<String> = input.cookies.iter().map(|c| c.to_string()).collect();
        if let Some(sealed) = &sealed {
            cookies.push(format!("{AUTH_COOKIE}={sealed}"));
        }
        if !cookies.is_empty() {
            let header = cookies.join("; ");
            // What Rocket does with a real request's `Cookie` header (its
            // `Request::from_hyp`): each pair it can decode goes into the
            // jar; the header itself stays with the request.
            for pair in header.split(';').map(str::trim) {
                if let Ok(cookie) = Cookie::parse_encoded(pair) {
                    request = request.cookie(cookie.into_owned());
                }
            }
            request = request.header(Header::new("Cookie", header));
        }
        runtime.block_on(async {
            let response = request.dispatch().await;
            judge(&input, path, response).await
        })
    })
}

/// One request's parts, as the target reads them from bytes.
#[derive(Debug)]
struct Input<'a> {
    choice: u8,
    authorization: Option<&'a str>,
    cookies: Option<&'a str>,
    query: Option<&'a str>,
    cookie_json: Option<&'a str>,
}

impl<'a> Input<'a> {
    fn read(data: &'a [u8]) -> Option<Self> {
        let (&choice, rest) = data.split_first()?;
        let mut fields = rest.split(|&b| b == 0).map(std::str::from_utf8);
        let mut next = |bit: u8| -> Option<Option<&'a str>> {
            let field = fields.next().unwrap_or(Ok("")).ok()?;
            // Header values hold no control characters but tab.
            if field.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
                return None;
            }
            Some((choice & bit != 0).then_some(field))
        };
        Some(Self {
            choice,
            authorization: next(1 << 3)?,
            cookies: next(1 << 4)?,
            query: next(1 << 5)?,
            cookie_json: next(1 << 6)?,
        })
    }

    /// The tokens a client sent, each as sent: the bearer token, query
    /// values of the token parameter.
    fn tokens(&self) -> Vec<String> {
        let mut tokens = Vec::new();
        if let Some(value) = self.authorization {
            if let Some((_, token)) = value.split_once(' ') {
                tokens.push(token.trim_start_matches(' ').to_owned());
            }
        }
        if let Some(query) = self.query {
            for segment in query.split('&') {
                let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
                if decode(name) == QUERY_PARAM {
                    tokens.push(decode(value));
                }
            }
        }
        tokens
    }

    /// Whether the `Cookie` header names `name` (as sent, or percent-decoded).
    fn has_cookie(&self, name: &str) -> bool {
        self.cookie_json.is_some() && name == AUTH_COOKIE
            || self.cookies.is_some_and(|header| {
                // A pair without `=` is no cookie (RFC 6265 §5.2: ignored).
                header.split(';').any(|pair| {
                    pair.split_once('=').is_some_and(|(sent, _)| {
                        let sent = sent.trim();
                        sent == name || decode(sent) == name
                    })
                })
            })
    }
}

/// `text` percent-decoded, with `+` as a space (a query's form encoding);
/// invalid sequences kept as given, and `&` as a character, not a separator.
fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").replace('&', "%26");
    url::form_urlencoded::parse(format!("x={bytes}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// `json` as the value of a private cookie sealed with the fuzz
/// application's key: what cookie mode would have issued.
fn seal(json: &str) -> String {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET_KEY)
        .unwrap_or_else(|e| panic!("the fixture secret_key is not base64: {e}"));
    let key = cookie::Key::from(&key);
    let mut jar = cookie::CookieJar::new();
    jar.private_mut(&key)
        .add(cookie::Cookie::new(AUTH_COOKIE, json.to_owned()));
    jar.get(AUTH_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_else(|| panic!("a sealed cookie is in the jar"))
}

/// Checks the answer to `input` on `path`.
async fn judge(input: &Input<'_>, path: &str, response: LocalResponse<'_>) -> super::Outcome {
    let status = response.status();
    let challenge = response
        .headers()
        .get_one("WWW-Authenticate")
        .map(str::to_owned);
    let json = response.content_type() == Some(ContentType::JSON);
    let body = response.into_string().await.unwrap_or_default();
    assert!(
        matches!(status.code, 200 | 400 | 401 | 403),
        "{path} answered {status}: {body}"
    );
    if status == Status::Unauthorized {
        let challenge = challenge.unwrap_or_else(|| panic!("a 401 without a challenge"));
        assert!(challenge.starts_with("Bearer"), "challenge {challenge:?}");
    }
    for token in input.tokens() {
        if token.len() >= 16 {
            assert!(!body.contains(&token), "the answer repeats a token");
        }
    }
    assert!(!body.contains(SECRET), "the answer holds the secret");
    if status != Status::Ok {
        assert!(json, "a refusal that is not JSON: {body}");
        let error = serde_json::from_str::<Value>(&body).unwrap_or_default();
        return format!("{} {}", status.code, error["error"].as_str().unwrap_or("?"));
    }
    if body == "-" {
        assert_eq!(path, "/optional", "{path} ran anonymous");
        let credentials = input.authorization.is_some()
            || !input.tokens().is_empty()
            || input.has_cookie(AUTH_COOKIE);
        assert!(!credentials, "ran anonymous with credentials: {input:?}");
        return "200 anonymous".into();
    }
    let subjects = authenticated_subjects(input, path);
    assert!(
        subjects.contains(&body),
        "{path} ran as {body:?}; the credentials the reference accepts name {subjects:?}"
    );
    assert!(
        !input.has_cookie(SESSION_COOKIE),
        "a request with a session cookie reached a token route"
    );
    "200 authenticated".into()
}

/// The subjects (or user ids) of the credentials the reference accepts on
/// `path` (whose step-up demands, on `/stepup`, they must meet too).
fn authenticated_subjects(input: &Input<'_>, path: &str) -> Vec<String> {
    let mut accepted: Vec<Map<String, Value>> = input
        .tokens()
        .iter()
        .filter_map(|token| reference::chain_accepts(token))
        .map(|(_, claims)| claims)
        .collect();
    accepted.extend(input.cookie_json.and_then(cookie_claims));
    accepted
        .iter()
        .filter(|claims| path != "/stepup" || reference::meets_step_up(claims))
        .flat_map(subject)
        .collect()
}

/// What a handler may answer for `claims`: its `sub` as JSON text, and
/// for a number, the user id the `claim` strategy writes out from it.
fn subject(claims: &Map<String, Value>) -> Vec<String> {
    // A restored cookie's claims are not checked again (cookie mode keeps
    // what a validator accepted): without `sub` the handler answers `null`.
    let Some(sub) = claims.get("sub") else {
        return vec!["null".to_owned()];
    };
    let mut answers = vec![sub.to_string()];
    if let Value::Number(number) = sub {
        answers.push(Value::String(number.to_string()).to_string());
    }
    answers
}

/// The payload an authentication cookie restores, by the README's rule:
/// JSON naming the `hs` validator, a header, the payload, and an `exp` still
/// ahead.
fn cookie_claims(json: &str) -> Option<Map<String, Value>> {
    let stored: Value = serde_json::from_str(json).ok()?;
    let fresh = stored.get("exp")?.as_u64()? > NOW;
    let valid = stored.get("validator")? == "hs"
        && serde_json::from_value::<jsonwebtoken::Header>(stored.get("header")?.clone()).is_ok();
    match stored.get("payload")? {
        Value::Object(payload) if fresh && valid => Some(payload.clone()),
        _ => None,
    }
}
