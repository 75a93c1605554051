//! The JWK set reader (remote keys, `jwks_uri` and discovery).

use jsonwebtoken::Algorithm;
use rocket_warden::__fuzz;
use serde_json::Value;

use crate::reference::kind_fits;

/// The algorithms a token may name when it picks a key.
const ALGS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
    Algorithm::HS256,
];

/// A key set document: refused only when it is not a JSON object with a
/// `keys` list; never more usable keys than JWK objects without private or
/// symmetric material; each selection a key that fits the algorithm, has the
/// `kid` asked for, and (without a `kid`) is the only one that fits.
pub fn jwk_set(data: &[u8]) -> super::Outcome {
    let document: Option<Value> = serde_json::from_slice(data).ok();
    let jwks: &[Value] = document
        .as_ref()
        .and_then(|doc| doc.get("keys"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let kids: Vec<Option<&str>> = std::iter::once(None)
        .chain(
            jwks.iter()
                .map(|jwk| jwk.get("kid").and_then(Value::as_str)),
        )
        .take(8)
        .collect();
    let picks: Vec<_> = kids
        .iter()
        .flat_map(|&kid| ALGS.iter().map(move |&alg| (kid, alg)))
        .collect();
    let view = match __fuzz::jwk_set(data, &picks) {
        Ok(view) => view,
        Err(reason) => {
            assert!(
                document
                    .as_ref()
                    .and_then(|doc| doc.get("keys")?.as_array())
                    .is_none(),
                "a key set with a `keys` list refused: {reason}"
            );
            return "refused".into();
        }
    };
    let public = jwks
        .iter()
        .filter_map(Value::as_object)
        .filter(|jwk| !jwk.contains_key("d"))
        .filter(|jwk| {
            matches!(
                jwk.get("kty").and_then(Value::as_str),
                Some("RSA" | "EC" | "OKP")
            )
        })
        .count();
    assert!(
        view.keys.len() <= public,
        "more usable keys than public JWKs"
    );
    let fits = |(_, key_alg, kind): &(Option<String>, Option<Algorithm>, String), alg| {
        kind_fits(kind, alg) && key_alg.is_none_or(|key_alg| key_alg == alg)
    };
    for (&(kid, alg), picked) in picks.iter().zip(&view.picked) {
        let fitting = view.keys.iter().filter(|key| fits(key, alg));
        match (kid, picked) {
            (_, Ok(Some(at))) => {
                let key = &view.keys[*at];
                assert!(fits(key, alg), "{key:?} selected for {alg:?}");
                match kid {
                    Some(kid) => assert_eq!(key.0.as_deref(), Some(kid), "another kid selected"),
                    None => assert_eq!(fitting.count(), 1, "a choice among several keys"),
                }
            }
            (Some(kid), Ok(None)) => assert!(
                !fitting.clone().any(|key| key.0.as_deref() == Some(kid)),
                "no key selected for {kid:?} and {alg:?}, though one fits"
            ),
            (None, Ok(None)) => assert_eq!(fitting.count(), 0, "a fitting key not selected"),
            (None, Err(())) => assert!(fitting.count() >= 2, "ambiguity among fewer than two"),
            (Some(_), Err(())) => panic!("a `kid` selection cannot be ambiguous"),
        }
    }
    match view.keys.len() {
        0 => "read: no usable key".into(),
        1 => "read: one usable key".into(),
        _ => "read: several usable keys".into(),
    }
}
