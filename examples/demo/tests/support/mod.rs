//! Shared by the demo's tests: requests, refusals, and partners in a real
//! SQLite file per test, through the demo's own pool.
//!
//! Copied from the parts of `warden-tests`' `support` and `partners` modules
//! these tests use, so the demo's tests do not reach into another crate's
//! files. Each test binary uses a part of this module.
#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket_db_pools::sqlx;
use rocket_db_pools::Database;
use serde_json::Value;
use tempfile::TempDir;
use warden_demo::PartnersDb;

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

/// A temporary directory kept in a Rocket's managed state, so its database
/// file lives exactly as long as the Rocket.
#[derive(Debug)]
pub struct TempDb(pub TempDir);

/// A fresh directory and the SQLite URL of a database file in it.
pub fn temp_db() -> (TempDb, String) {
    let dir = TempDir::new().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("partners.db").display()
    );
    (TempDb(dir), url)
}

/// `figment` with `databases.partners.url` set to `url`.
pub fn with_db(figment: Figment, url: &str) -> Figment {
    figment.merge(Serialized::global(warden_demo::URL_KEY, url))
}

/// Runs `sql` on the partners database of `client`'s Rocket.
pub async fn execute(client: &Client, sql: &str) {
    let db = PartnersDb::fetch(client.rocket()).expect("the partners pool is attached");
    sqlx::query(sql)
        .execute(&**db)
        .await
        .expect("the statement runs");
}
