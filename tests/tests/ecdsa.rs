//! ECDSA signature malleability (ES256, ES384): a signature (r, s) and its
//! mirror (r, n − s) both verify, so one token has two encodings. Ordinary
//! signers emit either form, so both are accepted by default; the mirror of a
//! cached token is a token of its own; `require_low_s = true` refuses the
//! high-S form for issuers that normalize.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm::{self, ES256, ES384};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use rocket_warden::state::Validators;
use serde_json::{json, Value};
use support::*;

/// The order n of P-256's base point (SEC 2 §2.4.2, FIPS 186-4 D.1.2.3), big-endian.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// The order n of P-384's base point (SEC 2 §2.5.1, FIPS 186-4 D.1.2.4), big-endian.
const P384_N: [u8; 48] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
    0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73,
];

const EC_P384_SIGNING_PRIVATE: &str = include_str!("../keys/ec-p384-signing.key");
const EC_P384_SIGNING_PUBLIC: &str = include_str!("../keys/ec-p384-signing.pub");

/// The group order of `alg`'s curve.
fn order(alg: Algorithm) -> &'static [u8] {
    match alg {
        ES256 => &P256_N,
        ES384 => &P384_N,
        other => panic!("not ECDSA: {other:?}"),
    }
}

/// `a − b` for big-endian numbers of one length, `a ≥ b`.
fn minus(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut digit = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = u8::try_from(digit).expect("a byte");
    }
    assert_eq!(borrow, 0, "a ≥ b");
    out
}

/// The raw `r || s` of a token's signature.
fn signature(token: &str) -> Vec<u8> {
    let (_, signature) = token.rsplit_once('.').expect("three parts");
    URL_SAFE_NO_PAD.decode(signature).expect("base64url")
}

/// Whether the token's `s` is above n/2 (then n − s is below it).
fn is_high_s(token: &str, alg: Algorithm) -> bool {
    let raw = signature(token);
    let s = &raw[raw.len() / 2..];
    // Same length, big-endian: byte order is numeric order.
    s > minus(order(alg), s).as_slice()
}

/// The same token with its signature's s replaced by n − s.
fn mirrored(token: &str, alg: Algorithm) -> String {
    let mut raw = signature(token);
    let half = raw.len() / 2;
    let s = minus(order(alg), &raw[half..]);
    raw[half..].copy_from_slice(&s);
    let (signed, _) = token.rsplit_once('.').expect("three parts");
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(raw))
}

fn signing(alg: Algorithm) -> EncodingKey {
    match alg {
        ES384 => EncodingKey::from_ec_pem(EC_P384_SIGNING_PRIVATE.as_bytes()).expect("P-384 key"),
        other => signing_key(other),
    }
}

fn public_pem(alg: Algorithm) -> &'static str {
    match alg {
        ES384 => EC_P384_SIGNING_PUBLIC,
        _ => keys::EC_P256_PUBLIC,
    }
}

/// `[jwt.validators.main]` for `alg` with the test key, plus `extra`.
fn config(alg: Algorithm, extra: &str) -> String {
    format!(
        "[jwt.validators.main]\nissuer = {ISSUER:?}\nalgorithms = [\"{alg:?}\"]\n\
         public_key_pem = '''\n{}'''\n{extra}\n",
        public_pem(alg)
    )
}

/// Tokens signed for `alg` until one has a high s and one a low s:
/// `(low, high)`. Each signature is high-S with probability one half.
fn low_and_high(alg: Algorithm) -> (String, String) {
    let (mut low, mut high) = (None, None);
    for n in 0..128 {
        let token = mint_with(
            &Header::new(alg),
            &claims_with(json!({ "n": n })),
            &signing(alg),
        );
        if is_high_s(&token, alg) {
            high.get_or_insert(token);
        } else {
            low.get_or_insert(token);
        }
        if let (Some(low), Some(high)) = (&low, &high) {
            return (low.clone(), high.clone());
        }
    }
    panic!("128 signatures of one form: the signer normalizes s");
}

/// Whether jsonwebtoken alone verifies `token` with the validator's key.
fn jsonwebtoken_verifies(token: &str, alg: Algorithm) -> bool {
    let key = DecodingKey::from_ec_pem(public_pem(alg).as_bytes()).expect("public key");
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[ISSUER]);
    jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok()
}

async fn status(client: &Client, token: &str) -> Status {
    get(client, "/jwt", Some(token)).await.status()
}

/// The reason both forms are accepted by default: the signer these tests use
/// (jsonwebtoken over aws-lc, like most JOSE libraries over OpenSSL-style
/// ECDSA) does not normalize s, so about half of an issuer's genuine tokens
/// are high-S. Refusing them would refuse those tokens.
#[test]
fn an_ordinary_signer_emits_both_forms() {
    for alg in [ES256, ES384] {
        let (low, high) = low_and_high(alg);
        assert!(jsonwebtoken_verifies(&low, alg) && jsonwebtoken_verifies(&high, alg));
    }
}

#[rocket::async_test]
async fn a_mirrored_signature_verifies_and_is_accepted_by_default() {
    for alg in [ES256, ES384] {
        let client = client(&config(alg, ""), routes![jwt]).await;
        let (low, high) = low_and_high(alg);
        for token in [&low, &high] {
            let mirror = mirrored(token, alg);
            assert_ne!(&mirror, token);
            assert_ne!(is_high_s(&mirror, alg), is_high_s(token, alg));
            // The malleability: other bytes, same content, still valid.
            assert!(jsonwebtoken_verifies(&mirror, alg), "{alg:?}");
            assert_eq!(status(&client, token).await, Status::Ok, "{alg:?}");
            assert_eq!(status(&client, &mirror).await, Status::Ok, "{alg:?}");
        }
        // Each encoding is its own cache entry: the bytes differ.
        let stats = client
            .rocket()
            .state::<Validators>()
            .and_then(|validators| validators.get("main"))
            .and_then(|validator| validator.token_cache_stats())
            .expect("cache on");
        assert_eq!((stats.misses, stats.entries), (4, 4), "{alg:?}");
    }
}

#[rocket::async_test]
async fn require_low_s_refuses_the_high_form_only() {
    for alg in [ES256, ES384] {
        let client = client(&config(alg, "require_low_s = true"), routes![jwt]).await;
        let (low, high) = low_and_high(alg);
        assert_eq!(status(&client, &low).await, Status::Ok, "{alg:?}");
        for token in [high.clone(), mirrored(&low, alg)] {
            assert!(jsonwebtoken_verifies(&token, alg), "{alg:?}");
            Refusal::of(get(&client, "/jwt", Some(&token)).await)
                .await
                .assert_invalid_token("main", "ECDSA signature not in low-S form");
        }
        // Its mirror is low-S: the same content is accepted in that form.
        assert_eq!(status(&client, &mirrored(&high, alg)).await, Status::Ok);
    }
}

#[rocket::async_test]
async fn require_low_s_leaves_other_algorithms_alone() {
    let config = validator("main", Algorithm::EdDSA, "require_low_s = true");
    let client = client(&config, routes![jwt]).await;
    let token = mint(Algorithm::EdDSA, &claims());
    assert_eq!(status(&client, &token).await, Status::Ok);
}
