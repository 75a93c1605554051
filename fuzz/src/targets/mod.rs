//! The fuzz targets: each takes arbitrary bytes, feeds them to one reader of
//! untrusted input exactly as a request would, and panics when something
//! that must hold does not. A panic is a finding: a crash of the reader
//! itself, a refusal outside the documented ones, or an acceptance the
//! reference check (`reference`) does not share.

mod authorization;
mod discovery;
mod dpop;
mod dpop_request;
mod introspection;
mod jwk_set;
mod provider;
mod request;
mod token;

pub use authorization::authorization;
pub use discovery::discovery;
pub use dpop::{dpop, ACCESS_TOKEN as DPOP_ACCESS_TOKEN, METHOD as DPOP_METHOD, PATH as DPOP_PATH};
pub use dpop_request::{dpop_request, ATH_MARK, HTU_MARK, JKT_MARK, JWK_MARK, NONCE_MARK};
pub use introspection::introspection;
pub use jwk_set::jwk_set;
pub use provider::{provider, CODE_MARK, CSRF_MARK, REFRESH_MARK};
pub use request::request;
pub use token::{sign, token};

use rocket::http::Status;
use rocket_warden::AuthError;

/// A target: it runs one input and names the case it reached (`accepted`,
/// the refusal, `skipped` for input the reader is never given), so that a
/// run can say which cases it reached and how often.
pub type Target = fn(&[u8]) -> Outcome;

/// The case an input reached.
pub type Outcome = String;

/// The name of an error's variant (`InvalidToken(Expired)` reads `Expired`):
/// a case label that never holds input.
fn case(error: &rocket_warden::AuthError) -> Outcome {
    let text = match error {
        AuthError::InvalidToken(token) => format!("{token:?}"),
        other => format!("{other:?}"),
    };
    let name = text.split(['(', ' ', '{']).next().unwrap_or_default();
    format!("refused: {name}")
}

/// Every target, with the name its corpus folder and libFuzzer binary carry.
pub const ALL: [(&str, Target); 9] = [
    ("authorization", authorization),
    ("token", token),
    ("jwk_set", jwk_set),
    ("discovery", discovery),
    ("request", request),
    ("dpop", dpop),
    ("provider", provider),
    ("introspection", introspection),
    ("dpop_request", dpop_request),
];

/// Whether `text` is plain words, which no token or proof is: libFuzzer
/// learns the refusals' descriptions from the comparisons it traces and
/// sends them back as input, and a description may well contain itself.
fn is_words(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'`' | b'-' | b':' | b'+'))
}

/// Asserts that `error` is a refusal a client can be given: a 400 or 401
/// with a short description that does not repeat `secret` (the token).
fn assert_documented(error: &AuthError, secret: &str) {
    let status = error.status();
    assert!(
        status == Status::BadRequest || status == Status::Unauthorized,
        "refusal {error:?} answers {status}"
    );
    let description = error.to_string();
    assert!(
        !description.is_empty(),
        "refusal {error:?} has no description"
    );
    assert!(
        description.len() < 200,
        "refusal {error:?} describes itself at length"
    );
    if secret.len() >= 16 && !is_words(secret) {
        assert!(
            !description.contains(secret),
            "refusal {error:?} repeats the token"
        );
    }
}
