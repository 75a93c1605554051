//! DPoP proofs: shape, header JSON (`typ`, `alg`, the public `jwk`),
//! signature by that key, claims JSON, `htm`, `htu`, `iat` and `ath`.

use rocket_warden::__fuzz;

use crate::fixtures::{Family, NOW};
use crate::reference;

/// The request every proof is checked against.
pub const METHOD: &str = "GET";
/// The path of that request.
pub const PATH: &str = "/orders/7";
/// The access token sent with it.
pub const ACCESS_TOKEN: &str = "fuzz-access-token.for-dpop.proofs";

/// The first byte picks a mode and a key: even, the rest is a proof as
/// sent; odd, the rest is a header and claims, separated by a NUL byte,
/// which the target encodes as given and signs with the key the byte picks
/// (the ES256 or the EdDSA fixture key, as the header's `jwk` may name), so
/// that hostile claims reach the checks behind a valid signature.
///
/// An accepted proof must pass the reference check, which also gives the
/// thumbprint the crate must return; a signed proof the reference accepts
/// must be accepted; a refusal's description must not repeat the proof.
pub fn dpop(data: &[u8]) -> super::Outcome {
    let Some((&mode, rest)) = data.split_first() else {
        return "skipped".into();
    };
    let proof = if mode % 2 == 0 {
        match std::str::from_utf8(rest) {
            Ok(proof) => proof.to_owned(),
            Err(_) => return "skipped".into(),
        }
    } else {
        let family = [Family::Ec, Family::Ed][usize::from(mode / 2) % 2];
        let (header, claims) = match rest.iter().position(|&b| b == 0) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &[][..]),
        };
        super::sign(family, header, claims)
    };
    let crate_says = __fuzz::dpop_proof(&proof, METHOD, PATH, ACCESS_TOKEN, NOW);
    let reference = reference::dpop_accepts(&proof, METHOD, PATH, ACCESS_TOKEN, NOW);
    match (crate_says, reference) {
        (Ok(jkt), Ok(expected)) => {
            assert_eq!(jkt, expected, "the proof's key thumbprint differs");
            "accepted".into()
        }
        (Ok(_), Err(why)) => panic!("accepted a proof the reference refuses ({why}): {proof}"),
        (Err(error), reference) => {
            if mode % 2 == 1 {
                if let Ok(jkt) = reference {
                    panic!("refused ({error:?}) a signed proof the reference accepts ({jkt})");
                }
            }
            let description = error.to_string();
            assert!(
                description.len() < 80,
                "{error:?} describes itself at length"
            );
            if proof.len() >= 16 && !super::is_words(&proof) {
                assert!(!description.contains(&proof), "{error:?} repeats the proof");
            }
            format!("refused: {error:?}")
        }
    }
}
