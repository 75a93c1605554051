//! The token pipeline: shape, header JSON, algorithm allow-list, signature,
//! claims JSON, claim rules, roles, and the validated-token cache.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rocket_warden::{__fuzz, AuthError};

use crate::fixtures::{runtime, validators, Family};
use crate::reference;

/// The first byte picks a family (a validator and its key) and a mode:
/// even, the rest is a token as sent; odd, the rest is a header and a
/// payload, separated by a NUL byte, which the target encodes as given and
/// signs with the family's key, so that hostile JSON reaches the claim
/// checks behind a valid signature.
///
/// An accepted token must pass the reference check with the same claims; a
/// signed one the reference accepts must be accepted; a refusal must be a
/// documented `invalid_token`; a second verification (from the cache) must
/// give the same answer.
pub fn token(data: &[u8]) -> super::Outcome {
    let Some((&mode, rest)) = data.split_first() else {
        return "skipped".into();
    };
    let family = Family::ALL[usize::from(mode / 2) % Family::ALL.len()];
    let token = if mode % 2 == 0 {
        match std::str::from_utf8(rest) {
            Ok(token) => token.to_owned(),
            Err(_) => return "skipped".into(),
        }
    } else {
        let (header, payload) = match rest.iter().position(|&b| b == 0) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &[][..]),
        };
        sign(family, header, payload)
    };
    check(family, &token, mode % 2 == 1)
}

/// `header.payload.signature` over the bytes as given, signed with the
/// family's key and algorithm (whatever `alg` the header names).
pub fn sign(family: Family, header: &[u8], payload: &[u8]) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature =
        jsonwebtoken::crypto::sign(signed.as_bytes(), family.signing_key(), family.alg())
            .unwrap_or_else(|e| panic!("the {family:?} key does not sign: {e}"));
    format!("{signed}.{signature}")
}

/// Verifies `token` twice with `family`'s validator and checks both answers.
fn check(family: Family, token: &str, signed_here: bool) -> super::Outcome {
    let validator = validators()
        .get(family.validator())
        .unwrap_or_else(|| panic!("no validator for {family:?}"));
    thread_local!(static RUNTIME: tokio::runtime::Runtime = runtime());
    let (first, again) = RUNTIME.with(|runtime| {
        (
            runtime.block_on(__fuzz::verify(validator, token)),
            runtime.block_on(__fuzz::verify(validator, token)),
        )
    });
    // The reference is needed for an acceptance, and for the tokens signed
    // here (to catch a refusal it does not share); mutated tokens that are
    // refused skip it, which keeps the target fast.
    let reference = match (&first, signed_here) {
        (Err(_), false) => Err("not needed".to_owned()),
        _ => reference::accepts(family, token),
    };
    match (&first, &again) {
        (Ok(accepted), Ok(cached)) => {
            let claims = reference.unwrap_or_else(|why| {
                panic!("{family:?} accepted a token the reference refuses ({why}): {token}")
            });
            assert_eq!(
                accepted.payload, claims,
                "claims differ from the reference's"
            );
            assert_eq!(
                accepted.payload, cached.payload,
                "the cache answers other claims"
            );
            assert!(family.allowed().contains(&accepted.header.alg));
            "accepted".into()
        }
        (Err(error), Err(cached)) => {
            assert!(
                matches!(error, AuthError::InvalidToken(_)),
                "a static-key validator refused with {error:?}"
            );
            super::assert_documented(error, token);
            assert_eq!(error, cached, "the second answer differs");
            if signed_here {
                if let Ok(claims) = reference {
                    panic!(
                        "{family:?} refused ({error:?}) a token the reference accepts: {claims:?}"
                    );
                }
            }
            super::case(error)
        }
        _ => panic!("verifying twice answered {first:?}, then {again:?}"),
    }
}
