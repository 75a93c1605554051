//! Asking a provider's introspection endpoint about a token (RFC 7662): the
//! request, the client's authentication, and the answer's bytes. What the
//! answer means is for `verify::introspection`.
//!
//! The endpoint is the configured one, or the one the issuer's discovery
//! document names (read once, on the first request that needs it, and kept):
//! nothing from the token chooses where a request goes.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use jsonwebtoken::Header;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;
use serde_json::json;
use tokio::sync::OnceCell;

use super::discovery;
use super::fetch::{self, http_problem, read_body};
use crate::clock::SharedClock;
use crate::config::{ClientAuth, Endpoint, IntrospectionConfig, Limits};

/// The media type of a JWT introspection answer (RFC 9701 §5).
pub(crate) const JWT_ANSWER: &str = "application/token-introspection+jwt";

/// The largest answer read: introspection answers are small documents.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// What the endpoint answered.
#[derive(Debug)]
pub(crate) enum Answer {
    /// `application/json`: the members, unparsed.
    Json(Vec<u8>),
    /// RFC 9701: a signed JWT whose `token_introspection` claim holds them.
    Jwt(String),
}

/// The introspection client of one validator.
pub(crate) struct Introspector {
    validator: Arc<str>,
    config: IntrospectionConfig,
    client: reqwest::Client,
    clock: SharedClock,
    /// The endpoint's URL, once known.
    url: OnceCell<Url>,
}

impl std::fmt::Debug for Introspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspector")
            .field("validator", &self.validator)
            .field("endpoint", &self.config.endpoint)
            .field("auth", &self.config.auth)
            .finish_non_exhaustive()
    }
}

impl Introspector {
    pub(crate) fn new(
        validator: Arc<str>,
        config: IntrospectionConfig,
        client: reqwest::Client,
        clock: SharedClock,
    ) -> Self {
        let url = match &config.endpoint {
            Endpoint::At(url) => OnceCell::new_with(Some(url.clone())),
            Endpoint::Discovered { .. } => OnceCell::new(),
        };
        Self {
            validator,
            config,
            client,
            clock,
            url,
        }
    }

    /// The client's settings.
    pub(crate) fn config(&self) -> &IntrospectionConfig {
        &self.config
    }

    /// Where the endpoint is, for the launch log.
    pub(crate) fn summary(&self) -> String {
        match &self.config.endpoint {
            Endpoint::At(url) => format!("introspection at {url}"),
            Endpoint::Discovered { document, .. } => {
                format!("introspection found through {document}")
            }
        }
    }

    /// Asks the endpoint about `token`, for a JWT answer when `jwt`. An error
    /// says why no answer came (never with the token in it).
    pub(crate) async fn ask(&self, token: &str, jwt: bool) -> Result<Answer, String> {
        let url = self.url.get_or_try_init(|| self.discover()).await?.clone();
        let (body, authorization) = self.form(token, &url)?;
        let mut request = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, if jwt { JWT_ANSWER } else { "application/json" })
            .timeout(self.config.timeout);
        if let Some(authorization) = authorization {
            request = request.header(AUTHORIZATION, authorization);
        }
        let response = request.body(body).send().await.map_err(http_problem)?;
        let is_jwt = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim().eq_ignore_ascii_case(JWT_ANSWER));
        let limits = Limits {
            timeout: self.config.timeout,
            max_bytes: MAX_ANSWER_BYTES,
        };
        let body = read_body(response, &url, limits).await?;
        if is_jwt {
            let text = String::from_utf8(body).map_err(|_| "the JWT answer is not text")?;
            Ok(Answer::Jwt(text.trim().to_owned()))
        } else {
            Ok(Answer::Json(body))
        }
    }

    /// The request's form body, and its `Authorization` header if the
    /// client authenticates with one.
    fn form(&self, token: &str, url: &Url) -> Result<(String, Option<String>), String> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("token", token);
        form.append_pair("token_type_hint", "access_token");
        let mut authorization = None;
        match &self.config.auth {
            ClientAuth::Basic(secret) => {
                authorization = Some(basic(&self.config.client_id, secret));
            }
            ClientAuth::Post(secret) => {
                form.append_pair("client_id", &self.config.client_id);
                form.append_pair("client_secret", secret);
            }
            ClientAuth::PrivateKeyJwt { key, alg } => {
                let assertion = self.assertion(url, key, *alg)?;
                form.append_pair("client_id", &self.config.client_id);
                form.append_pair(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                );
                form.append_pair("client_assertion", &assertion);
            }
        }
        Ok((form.finish(), authorization))
    }

    /// The endpoint the issuer's discovery document names.
    async fn discover(&self) -> Result<Url, String> {
        let Endpoint::Discovered { issuer, document } = &self.config.endpoint else {
            return Err("no introspection endpoint".to_owned());
        };
        let limits = Limits {
            timeout: self.config.timeout,
            max_bytes: MAX_ANSWER_BYTES,
        };
        let fetched = fetch::get(&self.client, document, limits).await?;
        discovery::endpoint(issuer, &fetched.body, discovery::Endpoint::Introspection)
    }

    /// A `private_key_jwt` assertion for one request (RFC 7523 §3): a minute
    /// long, with a fresh `jti`.
    fn assertion(
        &self,
        url: &Url,
        key: &jsonwebtoken::EncodingKey,
        alg: jsonwebtoken::Algorithm,
    ) -> Result<String, String> {
        let now = self.clock.now_secs();
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti).map_err(|_| "no randomness for the client assertion")?;
        let claims = json!({
            "iss": self.config.client_id,
            "sub": self.config.client_id,
            "aud": url.as_str(),
            "iat": now,
            "exp": now + 60,
            "jti": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(jti),
        });
        jsonwebtoken::encode(&Header::new(alg), &claims, key)
            .map_err(|_| "the client assertion cannot be signed with the configured key".to_owned())
    }
}

/// `Authorization: Basic …`, both parts form-urlencoded first (RFC 6749
/// §2.3.1), as providers decode them.
fn basic(client_id: &str, secret: &str) -> String {
    let encode =
        |part: &str| url::form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>();
    let credentials = format!("{}:{}", encode(client_id), encode(secret));
    format!("Basic {}", STANDARD.encode(credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        // "a b:c" and "p@ss word" → "a+b%3Ac:p%40ss+word"
        assert_eq!(
            basic("a b:c", "p@ss word"),
            format!("Basic {}", STANDARD.encode("a+b%3Ac:p%40ss+word"))
        );
    }
}
