//! Sender-constrained tokens: a verified token's binding (`cnf`) checked
//! against how it was sent. A DPoP-bound token (`cnf.jkt`, RFC 9449) needs
//! `Authorization: DPoP` and a proof by the key it is bound to; sent any
//! other way it is refused, since accepting it would silently drop the
//! binding (RFC 9449 §7.2). A certificate-bound token (`cnf["x5t#S256"]`,
//! RFC 8705) needs the client certificate it is bound to, from Rocket's own
//! mutual TLS or as a trusted proxy passes it on (`certificate`); where the
//! validator reads no certificates,
//! it is refused.

use rocket::Request;

use super::certificate;
use super::credentials::Credential;
use crate::error::{AuthError, DpopError, TokenError};
use crate::validators::AuthnRules;
use crate::verify::{Binding, Expected, Verified};

/// Checks that `token`, verified from `credential`, is sent as its binding
/// requires, with `entry` the route validator's rules (its DPoP rules and
/// where it reads client certificates). `now` is the application's clock.
pub(crate) async fn check_binding(
    request: &Request<'_>,
    credential: &Credential<'_>,
    token: &Verified,
    entry: Option<&AuthnRules>,
    now: u64,
) -> Result<(), AuthError> {
    let bound = match token.binding() {
        Binding::Certificate(x5t) => {
            let source = entry.and_then(|rules| rules.certificate.as_ref());
            let Some(source) = source else {
                return Err(TokenError::CertificateBound.into());
            };
            certificate::check(request, source, x5t.as_deref()).await?;
            // Bound to a certificate, it is bound to no DPoP key.
            return match credential.dpop {
                true => Err(AuthError::Dpop(DpopError::NotBound)),
                false => Ok(()),
            };
        }
        Binding::None => None,
        Binding::Dpop(jkt) => Some(jkt.as_deref()),
    };
    let dpop = entry.and_then(|rules| rules.dpop.as_ref());
    let rules = match dpop {
        Some(rules) if credential.dpop => rules,
        // Sent any other way, a bound token would lose its binding.
        _ if bound.is_some() => return Err(AuthError::Dpop(DpopError::BoundAsBearer)),
        _ => return Ok(()),
    };
    // A `jkt` that is not a string binds to nothing a proof can match.
    let Some(Some(jkt)) = bound else {
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
