//! Sender-constrained tokens: a verified token's binding (`cnf`) checked
//! against how it was sent. A DPoP-bound token (`cnf.jkt`, RFC 9449) needs
//! `Authorization: DPoP` and a proof by the key it is bound to; sent any
//! other way it is refused, since accepting it would silently drop the
//! binding (RFC 9449 §7.2). A certificate-bound token (`cnf["x5t#S256"]`,
//! RFC 8705) is refused: this server does not check client certificates.

use rocket::Request;
use serde_json::Value;

use super::credentials::Credential;
use crate::error::{AuthError, DpopError, TokenError};
use crate::validators::DpopRules;
use crate::verify::{Expected, Verified};

/// Checks that `token`, verified from `credential`, is sent as its binding
/// requires, with `dpop` the route validator's DPoP rules (`None`: DPoP is
/// disabled). `now` is the application's clock.
pub(crate) async fn check_binding(
    request: &Request<'_>,
    credential: &Credential<'_>,
    token: &Verified,
    dpop: Option<&DpopRules>,
    now: u64,
) -> Result<(), AuthError> {
    let cnf = token.payload.get("cnf");
    if cnf.is_some_and(|cnf| cnf.get("x5t#S256").is_some()) {
        return Err(TokenError::CertificateBound.into());
    }
    let jkt = cnf.and_then(|cnf| cnf.get("jkt"));
    let rules = match dpop {
        Some(rules) if credential.dpop => rules,
        // Any `jkt` at all, even one of the wrong type, marks a bound token.
        _ if jkt.is_some() => return Err(AuthError::Dpop(DpopError::BoundAsBearer)),
        _ => return Ok(()),
    };
    let Some(jkt) = jkt.and_then(Value::as_str) else {
        return Err(AuthError::Dpop(DpopError::NotBound));
    };
    let proof = one_proof(request)?;
    let expected = Expected {
        method: request.method().as_str(),
        path: request.uri().path().as_str(),
        token: credential.token,
        now,
    };
    let proof = rules
        .proofs
        .check(proof, &expected)
        .map_err(AuthError::Dpop)?;
    if proof.jkt != jkt {
        return Err(AuthError::Dpop(DpopError::KeyMismatch));
    }
    match rules
        .replay
        .first_use(proof.replay_key, proof.expires, now)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(AuthError::Dpop(DpopError::Replayed)),
        Err(problem) => {
            tracing::error!(target: "rocket_warden", "DPoP replay store: {problem}");
            Err(AuthError::DpopUnavailable)
        }
    }
}

/// The request's one `DPoP` header (RFC 9449 §4.3: exactly one).
fn one_proof<'r>(request: &'r Request<'_>) -> Result<&'r str, AuthError> {
    let mut proofs = request.headers().get("DPoP");
    match (proofs.next(), proofs.next()) {
        (Some(proof), None) => Ok(proof),
        (None, _) => Err(AuthError::Dpop(DpopError::Missing)),
        (Some(_), Some(_)) => Err(AuthError::Dpop(DpopError::SeveralProofs)),
    }
}
