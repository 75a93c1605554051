//! An introspection endpoint's answer (RFC 7662) as an introspection
//! validator reads it: a JSON object, or a signed JWT (RFC 9701) whose
//! `token_introspection` claim holds the members; `active`, the token type,
//! and then the claim rules a JWT's claims meet.

use rocket_warden::{__fuzz, AuthError};

use super::sign;
use crate::fixtures::{runtime, validators, Family, INTROSPECTION};
use crate::reference;

/// The first byte picks a mode: 0, the rest is a JSON answer; 1, the text of
/// a JWT answer as sent; 2, a header and claims, separated by a NUL byte,
/// which the target encodes as given and signs with the validator's ES256
/// key, so that hostile members reach the checks behind a valid signature.
///
/// An accepted answer must pass the reference check with the same claims,
/// an answer the reference accepts must be accepted (for the JSON and
/// signed modes), and a refusal must be a documented `invalid_token` (a
/// JWT answer that is not text: the 503 of an endpoint that gave none).
pub fn introspection(data: &[u8]) -> super::Outcome {
    let Some((&mode, rest)) = data.split_first() else {
        return "skipped".into();
    };
    let (body, jwt) = match mode % 3 {
        0 => (rest.to_vec(), false),
        1 => (rest.to_vec(), true),
        _ => {
            let (header, claims) = match rest.iter().position(|&b| b == 0) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &[][..]),
            };
            (sign(Family::Ec, header, claims).into_bytes(), true)
        }
    };
    let validator = validators()
        .get(INTROSPECTION)
        .unwrap_or_else(|| panic!("no introspection validator"));
    thread_local!(static RUNTIME: tokio::runtime::Runtime = runtime());
    let read = RUNTIME
        .with(|runtime| runtime.block_on(__fuzz::introspection_answer(validator, &body, jwt)));
    let reference = reference::introspection_accepts(&body, jwt);
    let decisive = mode % 3 != 1; // a mutated JWT is refused by its signature
    match read {
        Ok(accepted) => {
            let claims = reference.unwrap_or_else(|why| {
                let body = String::from_utf8_lossy(&body);
                panic!("accepted an answer the reference refuses ({why}): {body}")
            });
            assert_eq!(
                accepted.payload, claims,
                "claims differ from the reference's"
            );
            "accepted".into()
        }
        Err(error) => {
            match &error {
                AuthError::IntrospectionUnavailable { .. } => {
                    assert!(
                        jwt && std::str::from_utf8(&body).is_err(),
                        "unavailable: {body:?}"
                    );
                    return "refused: not text".into();
                }
                _ => super::assert_documented(&error, ""),
            }
            if let (true, Ok(claims)) = (decisive, &reference) {
                panic!("refused ({error:?}) an answer the reference accepts: {claims:?}");
            }
            super::case(&error)
        }
    }
}
