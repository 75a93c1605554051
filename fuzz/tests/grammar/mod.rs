//! Generators that know the grammars the targets read: compact tokens and
//! their base64url parts, JOSE headers and claims as JSON text (duplicate
//! keys, deep nesting, huge and odd numbers, values of the wrong type), JWK
//! sets, discovery documents, and requests. Random bytes would almost never
//! get past base64url or JSON; these reach the checks behind them.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;
use warden_fuzz::fixtures::{
    Family, AUDIENCE, AUTH_COOKIE, ISSUER, NOW, QUERY_PARAM, SESSION_COOKIE,
};
use warden_fuzz::fixtures::{INTROSPECTION_CLIENT, SECRET};
use warden_fuzz::provider::{challenge, REDIRECT, VERIFIER};
use warden_fuzz::reference::STEP_UP_ACR;
use warden_fuzz::seeds;
use warden_fuzz::targets::{
    sign, ATH_MARK, CODE_MARK, CSRF_MARK, HTU_MARK, JKT_MARK, JWK_MARK, NONCE_MARK, REFRESH_MARK,
};

/// A JSON value of the kinds that trip readers: numbers at and beyond the
/// edges, strings with escapes, nesting deeper than parsers allow.
pub(crate) fn odd_value() -> impl Strategy<Value = String> {
    let leaf = select(vec![
        "0",
        "-0",
        "-1",
        "1.5",
        "1e400",
        "-1e400",
        "18446744073709551615",
        "18446744073709551616",
        "9007199254740993",
        "1e-400",
        "null",
        "true",
        "false",
        "\"\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"a.b\"",
        "[]",
        "{}",
        "[\"a\",1]",
        "\"api\"",
        "[\"api\"]",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        4 => leaf,
        1 => (1usize..300).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        1 => (1usize..200).prop_map(|depth| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| if n.is_finite() { n.to_string() } else { "0".into() }),
    ]
}

/// A time claim's value: around [`NOW`], or odd.
fn time_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (-7200i64..7200).prop_map(|delta| (NOW as i64 + delta).to_string()),
        1 => (-7200i64..7200).prop_map(|delta| format!("{}.{}", NOW as i64 + delta, delta.unsigned_abs() % 10)),
        1 => Just(format!("\"{}\"", NOW + 60)),
        2 => odd_value(),
    ]
}

/// An `acr` claim's value: the fuzz step-up route's, near misses, or odd.
fn acr() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(json!(STEP_UP_ACR).to_string()),
        1 => Just(json!(STEP_UP_ACR.to_uppercase()).to_string()),
        1 => Just(json!([STEP_UP_ACR]).to_string()),
        1 => odd_value(),
    ]
}

/// An `auth_time`: mostly around the step-up route's `max_age` before
/// [`NOW`], sometimes any time.
fn auth_time() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (-10i64..400).prop_map(|ago| (NOW as i64 - ago).to_string()),
        1 => time_value(),
    ]
}

/// A JSON object as text, from `(key, value)` pairs as given: keys may
/// repeat, and the text is not normalised.
fn object(pairs: Vec<(String, String)>) -> String {
    let fields: Vec<String> = pairs
        .into_iter()
        .map(|(key, value)| format!("{}:{value}", json!(key)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A JOSE header as JSON text.
pub(crate) fn header_json() -> impl Strategy<Value = String> {
    let alg = select(vec![
        "\"HS256\"",
        "\"HS384\"",
        "\"HS512\"",
        "\"RS256\"",
        "\"PS256\"",
        "\"RS512\"",
        "\"ES256\"",
        "\"ES384\"",
        "\"EdDSA\"",
        "\"Ed25519\"",
        "\"none\"",
        "\"None\"",
        "\"\"",
        "\"hs256\"",
        "null",
        "256",
    ]);
    let field = prop_oneof![
        Just(("typ".to_owned(), "\"JWT\"".to_owned())),
        Just(("typ".to_owned(), "\"at+jwt\"".to_owned())),
        Just(("typ".to_owned(), "\"application/AT+JWT\"".to_owned())),
        Just(("crit".to_owned(), "[\"exp\"]".to_owned())),
        Just(("kid".to_owned(), "\"k0\"".to_owned())),
        Just(("jku".to_owned(), "\"https://evil.example/jwks\"".to_owned())),
        Just((
            "jwk".to_owned(),
            "{\"kty\":\"oct\",\"k\":\"AA\"}".to_owned()
        )),
        odd_value().prop_map(|value| ("kid".to_owned(), value)),
        odd_value().prop_map(|value| ("typ".to_owned(), value)),
        ("[a-z]{1,4}", odd_value()),
    ];
    (alg, prop::collection::vec(field, 0..4), any::<bool>()).prop_map(|(alg, mut fields, twice)| {
        fields.insert(0, ("alg".to_owned(), alg.to_owned()));
        if twice {
            fields.push(("alg".to_owned(), "\"HS256\"".to_owned()));
        }
        object(fields)
    })
}

/// A claims set as JSON text: usually the claims every validator accepts
/// with a few edits (a value replaced, a claim dropped, repeated or added),
/// so that one rule at a time decides; otherwise claims drawn freely.
pub(crate) fn claims_json() -> impl Strategy<Value = String> {
    prop_oneof![3 => edited_claims(), 1 => free_claims()]
}

/// One change to a claims set.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the value of the claim at this index.
    Set(usize, String),
    /// Drop the claim at this index.
    Remove(usize),
    /// Repeat the claim at this index with another value.
    Repeat(usize, String),
    /// Add a claim.
    Add(String, String),
}

/// The good claims (`fixtures::good_claims`) with up to three edits.
fn edited_claims() -> impl Strategy<Value = String> {
    let good: Vec<(String, String)> = match warden_fuzz::fixtures::good_claims() {
        serde_json::Value::Object(claims) => claims
            .into_iter()
            .map(|(name, value)| (name, value.to_string()))
            .collect(),
        _ => Vec::new(),
    };
    let value = prop_oneof![
        2 => time_value(),
        1 => odd_value(),
        1 => Just(json!(["reader", "admin"]).to_string()),
        1 => Just(json!("viewer orders:read").to_string()),
        1 => Just(json!("writer").to_string()),
    ];
    let edit = prop_oneof![
        3 => (any::<usize>(), value.clone()).prop_map(|(at, v)| Edit::Set(at, v)),
        2 => any::<usize>().prop_map(Edit::Remove),
        1 => (any::<usize>(), value.clone()).prop_map(|(at, v)| Edit::Repeat(at, v)),
        1 => ("[a-z_]{1,8}", value).prop_map(|(name, v)| Edit::Add(name, v)),
    ];
    prop::collection::vec(edit, 0..4).prop_map(move |edits| {
        let mut claims = good.clone();
        for edit in edits {
            let len = claims.len().max(1);
            match edit {
                Edit::Set(at, value) => {
                    if let Some(claim) = claims.get_mut(at % len) {
                        claim.1 = value;
                    }
                }
                Edit::Remove(at) => {
                    if !claims.is_empty() {
                        claims.remove(at % len);
                    }
                }
                Edit::Repeat(at, value) => {
                    if let Some((name, _)) = claims.get(at % len).cloned() {
                        claims.push((name, value));
                    }
                }
                Edit::Add(name, value) => claims.push((name, value)),
            }
        }
        object(claims)
    })
}

/// Claims drawn freely: the claims validators look at, with values good,
/// wrong or odd, sometimes repeated.
fn free_claims() -> impl Strategy<Value = String> {
    let iss = prop_oneof![
        4 => Just(json!(ISSUER).to_string()),
        1 => Just(json!([ISSUER]).to_string()),
        1 => Just(json!(format!("{ISSUER}/")).to_string()),
        1 => odd_value(),
    ];
    let aud = prop_oneof![
        3 => Just(json!(AUDIENCE).to_string()),
        2 => Just(json!(["other", AUDIENCE]).to_string()),
        1 => Just(json!([AUDIENCE, 1]).to_string()),
        1 => odd_value(),
    ];
    let sub = prop_oneof![
        3 => "[a-z0-9@.]{1,12}".prop_map(|sub| json!(sub).to_string()),
        1 => odd_value(),
    ];
    let roles = prop_oneof![
        Just(json!(["reader"]).to_string()),
        Just(json!("reader admin").to_string()),
        Just(json!("orders:read viewer").to_string()),
        odd_value(),
    ];
    let field = prop_oneof![
        3 => iss.prop_map(|v| ("iss".to_owned(), v)),
        3 => aud.prop_map(|v| ("aud".to_owned(), v)),
        3 => sub.prop_map(|v| ("sub".to_owned(), v)),
        3 => time_value().prop_map(|v| ("exp".to_owned(), v)),
        2 => time_value().prop_map(|v| ("nbf".to_owned(), v)),
        2 => time_value().prop_map(|v| ("iat".to_owned(), v)),
        1 => roles.clone().prop_map(|v| ("roles".to_owned(), v)),
        1 => roles.prop_map(|v| ("scope".to_owned(), v)),
        1 => acr().prop_map(|v| ("acr".to_owned(), v)),
        1 => auth_time().prop_map(|v| ("auth_time".to_owned(), v)),
        1 => ("[a-z_.]{1,8}", odd_value()),
    ];
    prop_oneof![
        8 => prop::collection::vec(field, 0..12).prop_map(object),
        1 => odd_value(),
    ]
}

/// A base64url part: usually of a JSON text, sometimes padded, encoded with
/// the standard alphabet, or not base64 at all.
fn part(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (text, 0u8..10).prop_map(|(text, how)| match how {
        0 => STANDARD.encode(&text),
        1 => format!("{}=", URL_SAFE_NO_PAD.encode(&text)),
        2 => text,
        _ => URL_SAFE_NO_PAD.encode(&text),
    })
}

/// A token as a client could send it: built from parts, or a seed token
/// mutated.
pub(crate) fn token_text() -> impl Strategy<Value = String> {
    let seeds = seeds::tokens();
    let built = (
        part(header_json()),
        part(claims_json()),
        prop_oneof!["[A-Za-z0-9_-]{0,90}", Just(String::new())],
        select(vec![".", ".", ".", "..", ".x.", ""]),
    )
        .prop_map(|(header, claims, signature, dot)| format!("{header}.{claims}{dot}{signature}"));
    prop_oneof![
        2 => built,
        2 => signed_token().prop_map(|(_, token)| token),
        3 => (select(seeds.clone()), select(seeds), prop::collection::vec(mutation(), 0..4))
            .prop_map(|(token, other, mutations)| {
                mutations.iter().fold(token, |token, m| m.apply(&token, &other))
            }),
    ]
}

/// A token of a random family, correctly signed over a header for that
/// family and claims from [`claims_json`]: the claim rules decide.
pub(crate) fn signed_token() -> impl Strategy<Value = (u8, String)> {
    (0u8..4)
        .prop_flat_map(|family| (Just(family), header_for_signing(family), claims_json()))
        .prop_map(|(family, header, claims)| {
            let token = sign(
                Family::ALL[usize::from(family)],
                header.as_bytes(),
                claims.as_bytes(),
            );
            (family, token)
        })
}

/// One change to a token.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    /// Replace the byte at this position (modulo the length) with one of the
    /// base64url alphabet or a separator.
    Set(usize, char),
    /// Cut the token here.
    Truncate(usize),
    /// Insert a character here.
    Insert(usize, char),
    /// Take this part (0, 1, 2) from the other token.
    Splice(usize),
    /// Flip the low bit of a signature byte.
    FlipSignature(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = select("AZaz09-_.=+/ %~".chars().collect::<Vec<_>>());
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, c)| Mutation::Set(at, c)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), byte).prop_map(|(at, c)| Mutation::Insert(at, c)),
        (0usize..3).prop_map(Mutation::Splice),
        any::<usize>().prop_map(Mutation::FlipSignature),
    ]
}

impl Mutation {
    fn apply(&self, token: &str, other: &str) -> String {
        let mut bytes: Vec<char> = token.chars().collect();
        let len = bytes.len().max(1);
        match *self {
            Mutation::Set(at, c) => {
                if let Some(slot) = bytes.get_mut(at % len) {
                    *slot = c;
                }
            }
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Insert(at, c) => bytes.insert((at % len).min(bytes.len()), c),
            Mutation::Splice(index) => {
                let mut parts: Vec<&str> = token.split('.').collect();
                if let (Some(slot), Some(theirs)) =
                    (parts.get_mut(index), other.split('.').nth(index))
                {
                    *slot = theirs;
                }
                return parts.join(".");
            }
            Mutation::FlipSignature(at) => {
                let start = token.rfind('.').map_or(0, |dot| dot + 1);
                let span = bytes.len().saturating_sub(start).max(1);
                if let Some(slot) = bytes.get_mut(start + at % span) {
                    *slot = match *slot {
                        'A' => 'B',
                        'B' => 'A',
                        c => char::from_u32(u32::from(c) ^ 1)
                            .filter(|c| c.is_ascii_alphanumeric())
                            .unwrap_or('A'),
                    };
                }
            }
        }
        bytes.into_iter().collect()
    }
}

/// The `token` target's input: a mode byte, then a token as sent (even) or
/// a header and claims to sign (odd).
pub(crate) fn token_input() -> impl Strategy<Value = Vec<u8>> {
    let family = 0u8..4;
    prop_oneof![
        signed_token().prop_map(|(family, token)| [&[family * 2][..], token.as_bytes()].concat()),
        (family.clone(), token_text()).prop_map(|(family, token)| [
            &[family * 2][..],
            token.as_bytes()
        ]
        .concat()),
        family
            .prop_flat_map(|family| (Just(family), header_for_signing(family), claims_json()))
            .prop_map(|(family, header, claims)| {
                [
                    &[family * 2 + 1][..],
                    header.as_bytes(),
                    &[0],
                    claims.as_bytes(),
                ]
                .concat()
            }),
    ]
}

/// A header for a token the target signs: usually one naming the family's
/// algorithm (so the claims are what decides), sometimes any.
fn header_for_signing(family: u8) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<bool>().prop_map(move |typ| {
            let family = Family::ALL[usize::from(family)];
            let typ = if typ { family.token_type().unwrap_or("JWT") } else { "JWT" };
            json!({"alg": format!("{:?}", family.alg()), "typ": typ}).to_string()
        }),
        1 => header_json(),
    ]
}

/// An `Authorization` header value.
pub(crate) fn authorization_input() -> impl Strategy<Value = Vec<u8>> {
    let scheme = select(vec![
        "Bearer", "bearer", "BEARER", "Basic", "DPoP", "Bearer-x", "", "Bearer\t",
    ]);
    let spaces = select(vec![" ", "  ", "", "\t", " \u{a0}"]);
    prop_oneof![
        4 => (scheme, spaces, token_text(), select(vec!["", "=", "==", " ", "\u{0}", ",x"]))
            .prop_map(|(s, sp, t, tail)| format!("{s}{sp}{t}{tail}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => (1usize..9000).prop_map(|n| format!("Bearer {}", "a".repeat(n)).into_bytes()),
    ]
}

/// A JWK set document.
pub(crate) fn jwk_set_input() -> impl Strategy<Value = Vec<u8>> {
    let seed_jwks: Vec<serde_json::Value> = seeds::of("jwk_set")
        .iter()
        .filter_map(|set| serde_json::from_slice::<serde_json::Value>(set).ok())
        .flat_map(|set| set["keys"].as_array().cloned().unwrap_or_default())
        .collect();
    let edit = prop_oneof![
        Just(("kid", json!("k0"))),
        Just(("kid", json!(1))),
        Just(("alg", json!("RS256"))),
        Just(("alg", json!("ES256"))),
        Just(("alg", json!("EdDSA"))),
        Just(("alg", json!("HS256"))),
        Just(("alg", json!(null))),
        Just(("use", json!("enc"))),
        Just(("key_ops", json!(["sign"]))),
        Just(("key_ops", json!("verify"))),
        Just(("d", json!("AQ"))),
        Just(("kty", json!("oct"))),
        Just(("kty", json!("EC"))),
        Just(("crv", json!("P-521"))),
        Just(("crv", json!("X25519"))),
        Just(("x", json!("AQ"))),
        Just(("n", json!(""))),
        Just(("e", json!("AQAB"))),
    ];
    let jwk =
        (select(seed_jwks), prop::collection::vec(edit, 0..3)).prop_map(|(mut jwk, edits)| {
            for (name, value) in edits {
                jwk[name] = value;
            }
            jwk.to_string()
        });
    let entry = prop_oneof![6 => jwk, 1 => odd_value()];
    prop_oneof![
        6 => prop::collection::vec(entry, 0..6).prop_map(|keys| format!("{{\"keys\":[{}]}}", keys.join(",")).into_bytes()),
        1 => odd_value().prop_map(|keys| format!("{{\"keys\":{keys}}}").into_bytes()),
        1 => odd_value().prop_map(String::into_bytes),
    ]
}

/// An OIDC discovery document.
pub(crate) fn discovery_input() -> impl Strategy<Value = Vec<u8>> {
    let issuer = prop_oneof![
        4 => Just(json!(ISSUER).to_string()),
        1 => Just(json!(format!("{ISSUER}/")).to_string()),
        1 => Just(json!(ISSUER.to_uppercase()).to_string()),
        1 => odd_value(),
    ];
    let uri = select(vec![
        "https://issuer.fuzz.example/jwks",
        "http://127.0.0.1:1/jwks",
        "http://[::1]/jwks",
        "http://localhost/jwks",
        "http://localhost./jwks",
        "http://127.0.0.1.evil.example/jwks",
        "http://example.com/jwks",
        "HTTPS://X/",
        "javascript:alert(1)",
        "/jwks",
        "file:///etc/passwd",
        "http://0x7f.1/jwks",
        "http://[::ffff:127.0.0.1]/",
        "https://",
        "",
    ])
    .prop_map(|uri| json!(uri).to_string());
    let field = prop_oneof![
        3 => issuer.prop_map(|v| ("issuer".to_owned(), v)),
        3 => prop_oneof![3 => uri, 1 => odd_value()].prop_map(|v| ("jwks_uri".to_owned(), v)),
        1 => ("[a-z_]{1,8}", odd_value()),
    ];
    prop::collection::vec(field, 0..5).prop_map(|fields| object(fields).into_bytes())
}

/// A request for the `request` target: its choice byte, then NUL-separated
/// `Authorization`, `Cookie`, query and cookie plaintext.
pub(crate) fn request_input() -> impl Strategy<Value = Vec<u8>> {
    let authorization = prop_oneof![
        3 => token_text().prop_map(|token| format!("Bearer {token}")),
        1 => authorization_input().prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ];
    let cookie_name = select(vec![
        AUTH_COOKIE,
        SESSION_COOKIE,
        "fuzz%5Fauth",
        "other",
        "Fuzz_Auth",
    ]);
    let cookie_value = prop_oneof![
        Just("%C3%28".to_owned()),
        Just("x".to_owned()),
        Just(String::new()),
        "[A-Za-z0-9%=+/]{0,40}",
    ];
    let cookies = prop::collection::vec((cookie_name, cookie_value), 0..3).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    });
    let query = prop_oneof![
        3 => token_text().prop_map(|token| format!("{QUERY_PARAM}={token}")),
        1 => token_text().prop_map(|token| format!("{QUERY_PARAM}={token}&{QUERY_PARAM}={token}")),
        1 => token_text().prop_map(|token| format!("access%5Ftoken={token}&x=%C3%28")),
        1 => "[a-z=&%0-9]{0,20}",
    ];
    let stored = (
        claims_json(),
        header_json(),
        select(vec!["\"hs\"", "\"rs\"", "1"]),
        time_value(),
    )
        .prop_map(|(payload, header, validator, exp)| {
            format!(
                r#"{{"validator":{validator},"header":{header},"payload":{payload},"exp":{exp}}}"#
            )
        });
    (
        any::<u8>(),
        authorization,
        cookies,
        query,
        prop_oneof![4 => stored, 1 => odd_value()],
    )
        .prop_map(|(choice, authorization, cookies, query, stored)| {
            format!("{authorization}\0{cookies}\0{query}\0{stored}")
                .into_bytes()
                .into_iter()
                .fold(vec![choice], |mut input, b| {
                    input.push(b);
                    input
                })
        })
}

/// A DPoP proof for the `dpop` target: mostly a signing-mode input (the
/// first byte picks the ES256 or EdDSA key) whose header and claims are a
/// good proof's with members edited, dropped or repeated; sometimes a good
/// proof as sent with one byte changed.
pub(crate) fn dpop_input() -> impl Strategy<Value = Vec<u8>> {
    let family = prop_oneof![Just(Family::Ec), Just(Family::Ed)];
    let signed = family.prop_flat_map(|family| {
        let mode = if family == Family::Ec { 1u8 } else { 3 };
        (Just(mode), proof_header(family), proof_claims(family))
    });
    prop_oneof![
        6 => signed.prop_map(|(mode, header, claims)| {
            [&[mode], header.as_bytes(), &[0], claims.as_bytes()].concat()
        }),
        1 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| {
            let (header, claims) = seeds::proof_parts(Family::Ec);
            let proof = warden_fuzz::targets::sign(
                Family::Ec,
                header.to_string().as_bytes(),
                claims.to_string().as_bytes(),
            );
            let mut bytes = proof.into_bytes();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            [&[0u8][..], &bytes].concat()
        }),
    ]
}

/// A proof header as JSON text: `typ`, `alg` and `jwk`, each usually the
/// good one, sometimes another value or absent, and sometimes a `crit`.
fn proof_header(family: Family) -> impl Strategy<Value = String> {
    let (good, _) = seeds::proof_parts(family);
    let other = if family == Family::Ec {
        Family::Ed
    } else {
        Family::Ec
    };
    let jwk = good["jwk"].to_string();
    let mut private = good["jwk"].clone();
    private["d"] = json!("AAAA");
    let typ = prop_oneof![
        5 => Just(json!("dpop+jwt").to_string()),
        1 => select(vec!["\"DPoP+JWT\"", "\"JWT\"", "\"dpop+jwt \""]).prop_map(String::from),
        1 => odd_value(),
    ];
    let alg = prop_oneof![
        5 => Just(good["alg"].to_string()),
        2 => select(vec!["\"ES256\"", "\"EdDSA\"", "\"Ed25519\"", "\"HS256\"", "\"none\"", "\"RS256\""])
            .prop_map(String::from),
        1 => odd_value(),
    ];
    let key = prop_oneof![
        6 => Just(jwk),
        1 => Just(seeds::proof_parts(other).0["jwk"].to_string()),
        1 => Just(private.to_string()),
        1 => Just(json!({ "kty": "oct", "k": "c2VjcmV0" }).to_string()),
        1 => odd_value(),
    ];
    let members = (
        prop::option::weighted(0.95, typ),
        prop::option::weighted(0.95, alg),
        prop::option::weighted(0.95, key),
        prop::option::weighted(0.05, Just("[\"exp\"]".to_owned())),
    );
    members.prop_map(|(typ, alg, jwk, crit)| {
        let pairs = [("typ", typ), ("alg", alg), ("jwk", jwk), ("crit", crit)];
        object(
            pairs
                .into_iter()
                .filter_map(|(name, value)| Some((name.to_owned(), value?)))
                .collect(),
        )
    })
}

/// Proof claims as JSON text: each of `jti`, `htm`, `htu`, `iat` and `ath`
/// usually the good one, sometimes another, absent or given twice.
fn proof_claims(family: Family) -> impl Strategy<Value = String> {
    let (_, good) = seeds::proof_parts(family);
    let text = |name: &str| good[name].to_string();
    let htu = good["htu"].as_str().unwrap_or_default().to_owned();
    let jti = prop_oneof![
        5 => "[A-Za-z0-9_-]{1,24}".prop_map(|jti| json!(jti).to_string()),
        1 => Just("\"\"".to_owned()),
        1 => Just(json!("j".repeat(257)).to_string()),
        1 => odd_value(),
    ];
    let htm = prop_oneof![
        5 => Just(text("htm")),
        1 => select(vec!["\"POST\"", "\"get\"", "\"GET \""]).prop_map(String::from),
        1 => odd_value(),
    ];
    let htu = prop_oneof![
        5 => Just(json!(htu).to_string()),
        3 => select(vec![
            "?page=2", "#top", "/", "/../7", "%2F", "x",
        ]).prop_map(move |tail| json!(format!("{htu}{tail}")).to_string()),
        2 => select(vec![
            "HTTPS://API.FUZZ.EXAMPLE/orders/7",
            "https://api.fuzz.example:443/orders/7",
            "https://api.fuzz.example:8443/orders/7",
            "http://api.fuzz.example/orders/7",
            "https://api.fuzz.example/orders/8",
            "https://api.fuzz.example/orders/./7",
            "https://user@api.fuzz.example/orders/7",
            "/orders/7",
        ]).prop_map(|url| json!(url).to_string()),
        1 => odd_value(),
    ];
    let iat = prop_oneof![
        5 => (0u64..70).prop_map(|ago| (NOW - ago).to_string()),
        1 => (1u64..5).prop_map(|ahead| (NOW + ahead).to_string()),
        1 => time_value(),
    ];
    let ath = prop_oneof![
        6 => Just(text("ath")),
        1 => Just(json!("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU").to_string()),
        1 => odd_value(),
    ];
    let members = (
        prop::option::weighted(0.95, jti),
        prop::option::weighted(0.95, htm),
        prop::option::weighted(0.95, htu),
        prop::option::weighted(0.95, iat),
        prop::option::weighted(0.95, ath),
        any::<prop::sample::Index>(),
        prop::bool::weighted(0.05),
    );
    members.prop_map(|(jti, htm, htu, iat, ath, twice, repeat)| {
        let mut pairs: Vec<(String, String)> = [
            ("jti", jti),
            ("htm", htm),
            ("htu", htu),
            ("iat", iat),
            ("ath", ath),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), value?)))
        .collect();
        if repeat && !pairs.is_empty() {
            let again = pairs[twice.index(pairs.len())].clone();
            pairs.push(again);
        }
        object(pairs)
    })
}

/// A request for the `provider` target: one of its seeds (good requests to
/// each endpoint, and near misses), edited: parameters dropped, given
/// another value (good values, near misses, odd encodings) or a second
/// time, added; the sign-in, header and content-type bits flipped; the
/// `Authorization` value replaced by HTTP Basic with a known or unknown
/// client and secret, a bearer token, or anything.
pub(crate) fn provider_input() -> impl Strategy<Value = Vec<u8>> {
    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    let name = select(vec![
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "prompt",
        "max_age",
        "response_mode",
        "acr_values",
        "login_hint",
        "warden_login_after",
        "grant_type",
        "code",
        "code_verifier",
        "refresh_token",
        "client_secret",
        "token",
        "token_type_hint",
        "csrf_token",
        "decision",
        "client%5Fid",
    ]);
    let value = prop_oneof![
        4 => select(vec![
            "code".to_owned(),
            "code%20id_token".to_owned(),
            "code+id_token+token".to_owned(),
            "token".to_owned(),
            "id_token".to_owned(),
            "first".to_owned(),
            "rp".to_owned(),
            "spa".to_owned(),
            "service".to_owned(),
            redirect.clone(),
            format!("{redirect}%3Fx%3D1"),
            "https%3A%2F%2Fevil.example%2F".to_owned(),
            "openid".to_owned(),
            "openid%20offline_access%20orders".to_owned(),
            "orders+reports".to_owned(),
            challenge(),
            "S256".to_owned(),
            "plain".to_owned(),
            VERIFIER.to_owned(),
            "none".to_owned(),
            "login%20consent".to_owned(),
            "0".to_owned(),
            "-1".to_owned(),
            "18446744073709551616".to_owned(),
            "form_post".to_owned(),
            "fragment".to_owned(),
            "query".to_owned(),
            "authorization_code".to_owned(),
            "refresh_token".to_owned(),
            "client_credentials".to_owned(),
            CODE_MARK.to_owned(),
            REFRESH_MARK.to_owned(),
            CSRF_MARK.to_owned(),
            "approve".to_owned(),
            SECRET.to_owned(),
            "allow".to_owned(),
            "deny".to_owned(),
        ]),
        1 => "[A-Za-z0-9%+._~&=-]{0,24}",
        1 => Just("%C3%28".to_owned()),
        1 => Just("%00".to_owned()),
    ];
    let client = select(vec![
        "rp", "first", "spa", "service", "nobody", "", "r%70", "rp:x",
    ]);
    let secret = prop_oneof![
        3 => Just(SECRET.to_owned()),
        1 => Just(format!("{SECRET}&x")),
        1 => Just(format!("{SECRET}%00")),
        1 => "[A-Za-z0-9%+&=:-]{0,12}",
    ];
    let authorization = prop_oneof![
        4 => (client, secret).prop_map(|(id, secret)| {
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
        }),
        1 => token_text().prop_map(|token| format!("Bearer {token}")),
        1 => "(Basic|basic|Bearer|DPoP) [A-Za-z0-9+/=.]{0,30}",
        1 => Just(String::new()),
    ];
    let edit = prop_oneof![
        2 => (any::<usize>(), value.clone()).prop_map(|(at, value)| FormEdit::Value(at, value)),
        1 => any::<usize>().prop_map(FormEdit::Drop),
        1 => any::<usize>().prop_map(FormEdit::Twice),
        2 => (name, value).prop_map(|(name, value)| FormEdit::Add(format!("{name}={value}"))),
    ];
    let flip = select(vec![0u8, 0, 0, 1 << 3, 1 << 4, 1 << 5, 1 << 6]);
    (
        select(seeds::of("provider")),
        prop::collection::vec(edit, 0..4),
        flip,
        prop::option::weighted(0.3, authorization),
    )
        .prop_map(|(seed, edits, flip, authorization)| {
            let (&choice, rest) = seed.split_first().unwrap_or((&0, &[]));
            let mut fields = rest.split(|&b| b == 0);
            let text = fields.next().unwrap_or_default();
            let header = fields.next().unwrap_or_default();
            let mut pairs: Vec<String> = String::from_utf8_lossy(text)
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(str::to_owned)
                .collect();
            for edit in edits {
                edit.apply(&mut pairs);
            }
            let header = authorization.map_or_else(|| header.to_vec(), String::into_bytes);
            [&[choice ^ flip], pairs.join("&").as_bytes(), &[0], &header].concat()
        })
}

/// An edit of a form's parameters (positions taken modulo their count).
#[derive(Debug, Clone)]
enum FormEdit {
    Value(usize, String),
    Drop(usize),
    Twice(usize),
    Add(String),
}

impl FormEdit {
    fn apply(self, pairs: &mut Vec<String>) {
        let len = pairs.len();
        match self {
            Self::Add(pair) => pairs.push(pair),
            _ if len == 0 => {}
            Self::Value(at, value) => {
                let pair = &mut pairs[at % len];
                let name = pair.split('=').next().unwrap_or_default().to_owned();
                *pair = format!("{name}={value}");
            }
            Self::Drop(at) => {
                pairs.remove(at % len);
            }
            Self::Twice(at) => pairs.push(pairs[at % len].clone()),
        }
    }
}

/// An answer for the `introspection` target: its mode byte, then a JSON
/// answer (mode 0), the text of a JWT answer with one byte changed (1), or
/// a JWT answer's header and claims for the target to sign (2). The members
/// are claims as `claims_json` draws them, with `active` (usually `true`,
/// sometimes not a boolean), now and then a `token_type` and no `iss`; a
/// JWT answer's envelope has a good or wrong `typ`, `iss` and `aud`, and
/// sometimes holds the members unwrapped.
pub(crate) fn introspection_input() -> impl Strategy<Value = Vec<u8>> {
    let active = select(vec![
        "true", "true", "true", "true", "true", "true", "true", "true", "false", "\"true\"", "1",
        "null",
    ]);
    let kind = select(vec![
        None,
        None,
        None,
        Some("\"access_token\""),
        Some("\"refresh_token\""),
        Some("\"Refresh_Token\""),
        Some("7"),
    ]);
    let members = (active, kind, claims_json(), any::<bool>())
        .prop_map(|(active, kind, claims, without_iss)| {
            let mut extra = format!("\"active\":{active}");
            if let Some(kind) = kind {
                extra.push_str(&format!(",\"token_type\":{kind}"));
            }
            let claims = match without_iss {
                true => claims.replacen(&format!("\"iss\":{}", json!(ISSUER)), "\"x\":0", 1),
                false => claims,
            };
            let rest = claims.strip_prefix('{').unwrap_or(&claims);
            match rest.starts_with('}') {
                true => format!("{{{extra}}}"),
                false => format!("{{{extra},{rest}"),
            }
        })
        .boxed();
    let header = prop_oneof![
        8 => Just(r#"{"alg":"ES256","typ":"token-introspection+jwt"}"#.to_owned()),
        1 => Just(r#"{"alg":"ES256","typ":"Token-Introspection+JWT"}"#.to_owned()),
        1 => Just(r#"{"alg":"ES256","typ":"JWT"}"#.to_owned()),
        1 => Just(r#"{"alg":"ES256"}"#.to_owned()),
        1 => header_json(),
    ];
    let iss = select(vec![
        json!(ISSUER),
        json!(ISSUER),
        json!(ISSUER),
        json!(ISSUER),
        json!("https://evil.example"),
        json!(null),
    ]);
    let aud = select(vec![
        json!(INTROSPECTION_CLIENT),
        json!(INTROSPECTION_CLIENT),
        json!(INTROSPECTION_CLIENT),
        json!(INTROSPECTION_CLIENT),
        json!(["other", INTROSPECTION_CLIENT]),
        json!([1, INTROSPECTION_CLIENT]),
        json!("other"),
        json!(AUDIENCE),
    ]);
    let envelope = (
        header,
        iss,
        aud,
        members.clone(),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(header, iss, aud, members, wrapped)| {
            let claims = match wrapped {
                true => format!(
                    r#"{{"iss":{iss},"aud":{aud},"iat":{NOW},"token_introspection":{members}}}"#
                ),
                false => members,
            };
            (header, claims)
        })
        .boxed();
    prop_oneof![
        3 => members.prop_map(|members| [&[0u8], members.as_bytes()].concat()),
        3 => envelope.clone().prop_map(|(header, claims)| {
            [&[2u8], header.as_bytes(), &[0], claims.as_bytes()].concat()
        }),
        1 => (envelope, any::<usize>(), any::<u8>()).prop_map(|((header, claims), at, byte)| {
            let mut text = sign(Family::Ec, header.as_bytes(), claims.as_bytes()).into_bytes();
            let at = at % text.len();
            text[at] = byte;
            [&[1u8], &text[..]].concat()
        }),
        1 => odd_value().prop_map(|value| [&[0u8], value.as_bytes()].concat()),
    ]
}

/// A request for the `dpop_request` target: how it is sent (scheme, no,
/// one or two `DPoP` headers), then the token's claims (as `claims_json`
/// draws them, usually bound to the proof key, sometimes to another or to
/// nothing), the proof's header (usually good) and its claims (each
/// member good or one off; a few `jti`s, so that replays happen).
pub(crate) fn dpop_request_input() -> impl Strategy<Value = Vec<u8>> {
    let cnf = select(vec![
        Some(format!(r#"{{"jkt":"{JKT_MARK}"}}"#)),
        Some(format!(r#"{{"jkt":"{JKT_MARK}"}}"#)),
        Some(format!(r#"{{"jkt":"{JKT_MARK}"}}"#)),
        Some(r#"{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}"#.to_owned()),
        Some(r#"{"jkt":1}"#.to_owned()),
        Some(r#"{}"#.to_owned()),
        None,
    ]);
    let claims = (claims_json(), cnf).prop_map(|(claims, cnf)| match cnf {
        Some(cnf) => match claims.strip_prefix('{') {
            Some(rest) if rest.starts_with('}') => format!(r#"{{"cnf":{cnf}}}"#),
            Some(rest) => format!(r#"{{"cnf":{cnf},{rest}"#),
            None => claims,
        },
        None => claims,
    });
    let header = prop_oneof![
        12 => Just(format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{JWK_MARK}}}"#)),
        1 => Just(format!(r#"{{"typ":"JWT","alg":"ES256","jwk":{JWK_MARK}}}"#)),
        1 => Just(format!(r#"{{"typ":"dpop+jwt","alg":"ES384","jwk":{JWK_MARK}}}"#)),
        1 => Just(r#"{"typ":"dpop+jwt","alg":"ES256"}"#.to_owned()),
        1 => header_json(),
    ];
    let member = |good: String, others: Vec<&'static str>| {
        let mut values: Vec<String> = vec![good.clone(); 16];
        values.extend(others.into_iter().map(str::to_owned));
        select(values)
    };
    let proof = (
        member(
            "\"j-1\"".to_owned(),
            vec!["\"j-2\"", "\"j-3\"", "\"\"", "7"],
        ),
        member("\"GET\"".to_owned(), vec!["\"POST\"", "\"get\"", "null"]),
        member(
            format!("\"{HTU_MARK}\""),
            vec![
                "\"https://api.fuzz.example/other\"",
                "\"https://evil.example/dpop\"",
            ],
        ),
        member(
            (NOW - 5).to_string(),
            vec!["1900000001", "1899999939", "\"now\"", "1e400"],
        ),
        member(format!("\"{ATH_MARK}\""), vec!["\"AAAA\"", "null"]),
        select(vec![
            format!(r#","nonce":"{NONCE_MARK}""#),
            format!(r#","nonce":"{NONCE_MARK}""#),
            format!(r#","nonce":"{NONCE_MARK}""#),
            r#","nonce":"AAAA""#.to_owned(),
            r#","nonce":null"#.to_owned(),
            String::new(),
        ]),
        any::<u32>(),
    )
        .prop_map(|(jti, htm, htu, iat, ath, nonce, salt)| {
            // Now and then a jti of its own, so that most proofs are fresh.
            let jti = match salt % 4 {
                0 => jti,
                _ => format!("\"j-{salt}\""),
            };
            format!(r#"{{"jti":{jti},"htm":{htm},"htu":{htu},"iat":{iat},"ath":{ath}{nonce}}}"#)
        });
    // Mostly `DPoP` with one proof, the case with the most checks; a third
    // of them to the route that asks for nonces.
    let how = select(vec![3u8, 3, 3, 3, 3, 11, 11, 11, 0, 0, 8, 1, 2, 5, 7]);
    (how, claims, header, proof)
        .prop_map(|(how, claims, header, proof)| seeds::input(how, &[&claims, &header, &proof]))
}
