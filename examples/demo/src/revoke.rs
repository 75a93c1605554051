//! `POST /admin/revoke`: an administrator revokes one token (by `jti`) or
//! signs a subject out of every token issued so far (by `sub`), in the
//! demo's in-memory deny list, which every validator consults on every
//! request (cached tokens included).

use rocket::http::Status;
use rocket::serde::json::{Error as JsonError, Json};
use rocket::State;
use rocket_warden::clock::{Clock as _, SystemClock};
use rocket_warden::revocation::{DenyList, DEFAULT_SUBJECT_HORIZON};
use rocket_warden::{jwt_auth, Jwt};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::routes::WhoAmI;

/// The request body: exactly one of `jti` and `sub`; `exp` optionally says
/// when the token expires (its entry is forgotten then).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Revoke {
    jti: Option<String>,
    sub: Option<String>,
    exp: Option<u64>,
}

/// A refusal of the body: 400 with the usual JSON error.
type Refused = (Status, Json<Value>);

fn invalid(description: &str) -> Refused {
    let body = json!({ "error": "invalid_request", "error_description": description });
    (Status::BadRequest, Json(body))
}

/// Validator `demo`, role `admin`: revokes, then answers who did it, in the
/// shape of every protected route.
#[jwt_auth(validator = "demo", roles = ["admin"])]
#[rocket::post("/admin/revoke", format = "json", data = "<body>")]
pub(crate) async fn revoke(
    auth: Jwt,
    list: &State<DenyList>,
    body: Result<Json<Revoke>, JsonError<'_>>,
) -> Result<Json<WhoAmI>, Refused> {
    let body = body.map_err(|_| invalid("the body is not {\"jti\": …} or {\"sub\": …}"))?;
    let now = SystemClock.now_secs();
    let done = match (&body.jti, &body.sub) {
        (Some(jti), None) if !jti.is_empty() => {
            // Unknown `exp`: kept as long as the longest token lives.
            let until = body.exp.unwrap_or(now + DEFAULT_SUBJECT_HORIZON.as_secs());
            tracing::info!(target: "warden_demo", by = auth.user(), "token revoked by jti");
            list.revoke_token(jti, until).await
        }
        (None, Some(sub)) if !sub.is_empty() && body.exp.is_none() => {
            tracing::info!(target: "warden_demo", by = auth.user(), "subject signed out everywhere");
            // + 1: the tokens issued in this very second are revoked too.
            list.revoke_subject(sub, now + 1).await
        }
        _ => {
            return Err(invalid(
                "give exactly one of `jti` and `sub` (`exp` only with `jti`)",
            ))
        }
    };
    done.map_err(|_| {
        let body = json!({ "error": "temporarily_unavailable" });
        (Status::ServiceUnavailable, Json(body))
    })?;
    Ok(Json(WhoAmI::authenticated(&auth)))
}
