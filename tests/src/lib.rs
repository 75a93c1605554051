//! What the integration tests of this crate and of the demo share: requests
//! with a bearer token, and assertions on how a refusal reads on the wire.
//! The rest of each suite's helpers (keys, minting, Rocket instances) stays
//! in its own `tests/support` module.

use std::time::{SystemTime, UNIX_EPOCH};

use rocket::http::{Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::Value;

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `GET path`, with `Authorization: Bearer <token>` when a token is given.
pub async fn get<'c>(client: &'c Client, path: &'c str, token: Option<&str>) -> LocalResponse<'c> {
    let request = client.get(path);
    match token {
        Some(token) => request.header(bearer(token)).dispatch().await,
        None => request.dispatch().await,
    }
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> Header<'static> {
    Header::new("Authorization", format!("Bearer {token}"))
}

/// What a refused request answered.
#[derive(Debug)]
pub struct Refusal {
    pub status: Status,
    pub challenge: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

impl Refusal {
    pub async fn of(response: LocalResponse<'_>) -> Self {
        let status = response.status();
        let challenge = response
            .headers()
            .get_one("WWW-Authenticate")
            .map(str::to_owned);
        let content_type = response.content_type().map(|t| t.to_string());
        let body = response.into_json::<Value>().await.unwrap_or(Value::Null);
        Self {
            status,
            challenge,
            content_type,
            body,
        }
    }

    /// Asserts a 401 `invalid_token` refusal with this description, in the
    /// challenge and the body alike.
    pub fn assert_invalid_token(&self, realm: &str, description: &str) {
        self.assert(
            Status::Unauthorized,
            realm,
            Some("invalid_token"),
            description,
        );
    }

    /// Asserts a 403 `insufficient_scope` refusal with this description, its
    /// challenge naming `scope` (the missing scopes) when given.
    pub fn assert_forbidden(&self, realm: &str, description: &str, scope: Option<&str>) {
        let mut expected = format!(
            "Bearer realm=\"{realm}\", error=\"insufficient_scope\", error_description=\"{description}\""
        );
        if let Some(scope) = scope {
            expected.push_str(&format!(", scope=\"{scope}\""));
        }
        assert_eq!(self.status, Status::Forbidden, "status of {self:?}");
        assert_eq!(
            self.challenge.as_deref(),
            Some(expected.as_str()),
            "challenge of {self:?}"
        );
        assert_eq!(self.body["error"], "insufficient_scope", "body of {self:?}");
        assert_eq!(
            self.body["error_description"], description,
            "body of {self:?}"
        );
    }

    /// Asserts the status, the challenge (with or without an error code) and
    /// the JSON body.
    pub fn assert(&self, status: Status, realm: &str, code: Option<&str>, description: &str) {
        assert_eq!(self.status, status, "status of {self:?}");
        let expected = match code {
            Some(code) => format!(
                "Bearer realm=\"{realm}\", error=\"{code}\", error_description=\"{description}\""
            ),
            None => format!("Bearer realm=\"{realm}\""),
        };
        assert_eq!(
            self.challenge.as_deref(),
            Some(expected.as_str()),
            "challenge of {self:?}"
        );
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "type of {self:?}"
        );
        assert_eq!(
            self.body["error_description"], description,
            "body of {self:?}"
        );
        if let Some(code) = code {
            assert_eq!(self.body["error"], code, "body of {self:?}");
        }
    }
}
