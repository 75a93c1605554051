//! Hostile and malformed credentials through real requests: `alg: none`, key
//! confusion, algorithms off the allow-list, `crit`, JWE, oversized tokens, bad
//! base64url and JSON, forged or truncated signatures, and bad `Authorization`
//! headers. Each must be refused with its exact challenge and body, never a 5xx.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::Algorithm::{self, HS256, HS384, PS256, RS256};
use jsonwebtoken::{EncodingKey, Header};
use rocket::http::{Header as HttpHeader, Status};
use rocket::local::asynchronous::Client;
use rocket::routes;
use serde_json::{json, Value};
use support::*;

/// The validator every test here configures; its name is also the realm.
const REALM: &str = "api";

/// A client whose only validator, `api`, accepts `algorithm` with the test key.
async fn api(algorithm: Algorithm) -> Client {
    client(&validator(REALM, algorithm, ""), routes![jwt]).await
}

/// `GET /jwt` with this exact `Authorization` value.
async fn authorized(client: &Client, authorization: &str) -> Refusal {
    let response = client
        .get("/jwt")
        .header(HttpHeader::new("Authorization", authorization.to_owned()))
        .dispatch()
        .await;
    Refusal::of(response).await
}

/// `GET /jwt` with `Authorization: Bearer <token>`.
async fn presented(client: &Client, token: &str) -> Refusal {
    authorized(client, &format!("Bearer {token}")).await
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact token made of these exact header and payload bytes, with a
/// correct `algorithm` signature over them by the test key, so that whatever
/// is refused is the content, not the signature.
fn signed_raw(header: &[u8], payload: &[u8], algorithm: Algorithm) -> String {
    signed_parts(&b64(header), &b64(payload), algorithm)
}

/// `header.payload.signature` over already encoded parts, correctly signed.
fn signed_parts(header: &str, payload: &str, algorithm: Algorithm) -> String {
    let message = format!("{header}.{payload}");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &signing_key(algorithm), algorithm)
            .expect("the test key signs");
    format!("{message}.{signature}")
}

/// The three parts of a compact token.
fn parts(token: &str) -> [&str; 3] {
    let mut split = token.split('.');
    let parts = [split.next(), split.next(), split.next()];
    assert!(split.next().is_none(), "three parts in {token}");
    parts.map(|part| part.expect("three parts"))
}

/// The HS256 header every well-formed test token carries, encoded.
fn hs256_header() -> String {
    b64(br#"{"alg":"HS256","typ":"JWT"}"#)
}

fn claims_bytes() -> Vec<u8> {
    serde_json::to_vec(&claims()).expect("claims serialize")
}

async fn assert_accepted(client: &Client, authorization: &str) {
    let response = client
        .get("/jwt")
        .header(HttpHeader::new("Authorization", authorization.to_owned()))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok, "{authorization:.40}");
    let body: Value = response.into_json().await.expect("a JSON body");
    assert_eq!(body["sub"], "alice");
}

// --- alg: none --------------------------------------------------------------

#[rocket::async_test]
async fn alg_none_unsigned_token_is_401() {
    let client = api(HS256).await;
    let token = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims_bytes())
    );
    // The empty signature part is refused before the header is even read.
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "unsigned tokens are not accepted");
}

#[rocket::async_test]
async fn alg_none_with_a_garbage_signature_is_algorithm_not_allowed() {
    let client = api(HS256).await;
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({ "alg": alg, "typ": "JWT" }).to_string();
        let token = format!("{}.{}.{}", b64(header), b64(claims_bytes()), b64("garbage"));
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "algorithm not allowed");
    }
}

#[rocket::async_test]
async fn unknown_alg_name_is_algorithm_not_allowed() {
    let client = api(HS256).await;
    for alg in ["HS1024", "hs256", "RSA-OAEP", ""] {
        let header = json!({ "alg": alg, "typ": "JWT" }).to_string();
        // Correctly signed with HS256, so only the `alg` name is wrong.
        let token = signed_raw(header.as_bytes(), &claims_bytes(), HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "algorithm not allowed");
    }
}

// --- algorithm confusion and the allow-list ---------------------------------

#[rocket::async_test]
async fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let client = api(RS256).await;
    // The classic attack: the verifier's public key, which everyone has, used
    // as an HMAC secret, in every form a verifier might hold it.
    for public_key in [
        keys::RSA_PUBLIC,
        keys::RSA_PUBLIC_PKCS1,
        keys::RSA_PUBLIC.trim_end(),
    ] {
        let key = EncodingKey::from_secret(public_key.as_bytes()).expect("a usable HMAC secret");
        let token = mint_with(&Header::new(HS256), &claims(), &key);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "algorithm not allowed");
    }
}

#[rocket::async_test]
async fn hs384_token_to_an_hs256_only_validator_is_refused() {
    let client = api(HS256).await;
    // Signed with the right secret: the algorithm alone is refused.
    let token = mint(HS384, &claims());
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "algorithm not allowed");
}

#[rocket::async_test]
async fn ps256_token_to_an_rs256_only_validator_is_refused() {
    let client = api(RS256).await;
    // Signed with the right RSA key: the algorithm alone is refused.
    let token = mint(PS256, &claims());
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "algorithm not allowed");
}

// --- header parameters -------------------------------------------------------

#[rocket::async_test]
async fn crit_header_is_refused() {
    let client = api(HS256).await;
    for crit in [vec!["exp".to_owned()], vec!["b64".to_owned()], vec![]] {
        let mut header = Header::new(HS256);
        header.crit = Some(crit);
        let token = mint_with(&header, &claims(), &signing_key(HS256));
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "unsupported critical header parameter");
    }
}

/// RFC 7797's `b64` (found by the `token` fuzz target, docs/SECURITY.md):
/// anything but `true` is refused, where it was ignored, so a header
/// saying the payload is not base64url was read as if it said nothing.
#[rocket::async_test]
async fn a_b64_header_other_than_true_is_refused() {
    let client = api(HS256).await;
    let payload = claims_bytes();
    for b64 in [json!(false), json!("JWT"), json!(0), json!(null)] {
        let header = json!({"alg": "HS256", "typ": "JWT", "b64": b64});
        let token = signed_raw(header.to_string().as_bytes(), &payload, HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "unencoded payloads (b64) are not accepted");
    }
    let header = json!({"alg": "HS256", "typ": "JWT", "b64": true});
    let token = signed_raw(header.to_string().as_bytes(), &payload, HS256);
    assert_accepted(&client, &format!("Bearer {token}")).await;
}

#[rocket::async_test]
async fn embedded_key_headers_are_not_trusted() {
    let client = api(RS256).await;
    // Signed by the attacker's key, which the header points to or embeds.
    let attacker = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("key");
    let mut header = Header::new(RS256);
    header.jwk = Some(Jwk::from_encoding_key(&attacker, RS256).expect("a JWK"));
    header.jku = Some("https://attacker.test/jwks.json".to_owned());
    header.x5u = Some("https://attacker.test/cert.pem".to_owned());
    header.kid = Some("../../../../dev/null".to_owned());
    let token = mint_with(&header, &claims(), &attacker);
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "invalid signature");
}

// --- shape and size ------------------------------------------------------------

#[rocket::async_test]
async fn five_part_jwe_token_is_refused() {
    let client = api(HS256).await;
    let header = b64(br#"{"alg":"dir","enc":"A256GCM"}"#);
    for token in [
        format!(
            "{header}..{}.{}.{}",
            b64("initialisation"),
            b64("ciphertext"),
            b64("tag")
        ),
        format!(
            "{header}.{}.{}.{}.{}",
            b64("key"),
            b64("iv"),
            b64("ct"),
            b64("tag")
        ),
    ] {
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "encrypted tokens (JWE) are not supported");
    }
}

#[rocket::async_test]
async fn token_with_too_few_or_too_many_parts_is_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let [header, payload, signature] = parts(&token);
    for bad in [
        header.to_owned(),
        format!("{header}.{payload}"),
        format!("{header}.{payload}.{signature}.{signature}"),
        format!("{token}.{signature}.{signature}.{signature}"),
    ] {
        presented(&client, &bad)
            .await
            .assert_invalid_token(REALM, "a token has three parts");
    }
}

/// A validly signed HS256 token whose `pad` claim is `size` bytes long.
fn padded_token(size: usize) -> String {
    mint(HS256, &claims_with(json!({ "pad": "x".repeat(size) })))
}

#[rocket::async_test]
async fn validly_signed_token_over_8_kib_is_too_large() {
    let client = api(HS256).await;
    let size = (5_000..)
        .find(|&size| padded_token(size).len() > 8 * 1024)
        .expect("a size");
    let token = padded_token(size);
    // Just over the limit: the header as a whole is still within its own bound.
    assert!(token.len() <= 8 * 1024 + 2, "{}", token.len());
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "token too large");
}

#[rocket::async_test]
async fn validly_signed_token_of_8_kib_or_less_is_accepted() {
    let client = api(HS256).await;
    let size = (5_000..)
        .find(|&size| padded_token(size + 1).len() > 8 * 1024)
        .expect("a size");
    let token = padded_token(size);
    assert!(
        token.len() <= 8 * 1024 && token.len() > 8 * 1024 - 2,
        "{}",
        token.len()
    );
    assert_accepted(&client, &format!("Bearer {token}")).await;
}

#[rocket::async_test]
async fn authorization_header_far_larger_than_8_kib_is_too_large() {
    let client = api(HS256).await;
    let part = "a".repeat(64 * 1024);
    for value in [
        format!("Bearer {part}.{part}.{part}"),
        format!("Bearer {}", "*".repeat(1024 * 1024)),
        format!("Basic {part}"),
    ] {
        authorized(&client, &value)
            .await
            .assert_invalid_token(REALM, "token too large");
    }
}

// --- base64url ---------------------------------------------------------------

#[rocket::async_test]
async fn characters_outside_base64url_in_any_part_are_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let [header, payload, signature] = parts(&token);
    // `+`, `/` and `~` are legal in a bearer token (RFC 6750 b64token) but not
    // in base64url (RFC 7515 §2).
    for bad in ["a+b", "a/b", "a~b", "+", "/"] {
        for forged in [
            format!("{bad}.{payload}.{signature}"),
            format!("{header}.{bad}.{signature}"),
            format!("{header}.{payload}.{bad}"),
            format!("{header}{bad}.{payload}.{signature}"),
            format!("{header}.{payload}{bad}.{signature}"),
            format!("{header}.{payload}.{signature}{bad}"),
        ] {
            presented(&client, &forged)
                .await
                .assert_invalid_token(REALM, "token is not valid base64url");
        }
    }
}

#[rocket::async_test]
async fn empty_part_is_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let [header, payload, signature] = parts(&token);
    for forged in [
        format!(".{payload}.{signature}"),
        format!("{header}..{signature}"),
        "..".to_owned(),
    ] {
        presented(&client, &forged)
            .await
            .assert_invalid_token(REALM, "token is not valid base64url");
    }
    // Only the signature missing: an unsecured token.
    presented(&client, &format!("{header}.{payload}."))
        .await
        .assert_invalid_token(REALM, "unsigned tokens are not accepted");
}

#[rocket::async_test]
async fn header_part_that_does_not_decode_is_refused() {
    let client = api(HS256).await;
    let payload = b64(claims_bytes());
    // Base64url characters, but one character cannot encode a byte; a correct
    // signature over it shows that the decoding is what fails.
    let token = signed_parts("e", &payload, HS256);
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "token is not valid base64url");
}

#[rocket::async_test]
async fn payload_part_that_does_not_decode_is_refused_even_when_correctly_signed() {
    let client = api(HS256).await;
    for payload in ["e", "eyJ", "eyJpc"] {
        let token = signed_parts(&hs256_header(), payload, HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "token is not valid base64url");
    }
}

/// A claims set that names a member twice, at any depth, is refused even
/// when correctly signed: a parser that keeps the first `iss` or `roles`
/// would read another token than this crate's last-one-wins (RFC 7519 §4
/// allows refusing; found by the `token` fuzz target).
#[rocket::async_test]
async fn claims_naming_a_member_twice_are_refused_even_when_correctly_signed() {
    let client = api(HS256).await;
    let good = claims().to_string();
    let body = good.trim_end_matches('}');
    for extra in [
        format!(r#","iss":{ISSUER:?}"#),
        r#","sub":"mallory""#.to_owned(),
        r#","roles":["user"],"roles":["admin"]"#.to_owned(),
        r#","realm_access":{"roles":[],"roles":["admin"]}"#.to_owned(),
    ] {
        let payload = format!("{body}{extra}}}");
        let token = signed_raw(hs256_header_json(), payload.as_bytes(), HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "token header or claims are not valid JSON");
    }
    // The same members once each are accepted.
    let payload = format!(r#"{body},"realm_access":{{"roles":["admin"]}}}}"#);
    let token = signed_raw(hs256_header_json(), payload.as_bytes(), HS256);
    assert_accepted(&client, &format!("Bearer {token}")).await;
}

fn hs256_header_json() -> &'static [u8] {
    br#"{"alg":"HS256","typ":"JWT"}"#
}

#[rocket::async_test]
async fn signature_part_that_does_not_decode_is_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let [header, payload, _] = parts(&token);
    for signature in ["e", "abcde"] {
        presented(&client, &format!("{header}.{payload}.{signature}"))
            .await
            .assert_invalid_token(REALM, "token is not valid base64url");
    }
}

#[rocket::async_test]
async fn characters_not_allowed_in_a_bearer_token_are_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let [header, payload, signature] = parts(&token);
    for value in [
        format!("Bearer {header}.{payload}.{signature}*"),
        format!("Bearer \"{token}\""),
        format!("Bearer {header}.{payload} .{signature}"),
        "Bearer a b".to_owned(),
        format!("Bearer {token} {token}"),
        format!("Bearer {token},"),
        format!("Bearer {header}.{payload}.{signature}\u{e9}"),
        format!("Bearer {header}.{payload}.%2B{signature}"),
        "Bearer ==".to_owned(),
        format!("Bearer {header}=.{payload}.{signature}"),
    ] {
        authorized(&client, &value)
            .await
            .assert_invalid_token(REALM, "bearer token has invalid characters");
    }
}

#[rocket::async_test]
async fn trailing_padding_is_a_bearer_token_but_not_base64url() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    // RFC 6750 lets a b64token end in `=`; a JWS part never does (RFC 7515 §2).
    for padded in [format!("{token}="), format!("{token}==")] {
        presented(&client, &padded)
            .await
            .assert_invalid_token(REALM, "token is not valid base64url");
    }
}

// --- JSON ----------------------------------------------------------------------

#[rocket::async_test]
async fn header_that_is_not_json_is_refused() {
    let client = api(HS256).await;
    for header in [&b"{\"alg\":\"HS256\""[..], b"not json", b"\xff\xfe"] {
        let token = signed_raw(header, &claims_bytes(), HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "token header or claims are not valid JSON");
    }
}

#[rocket::async_test]
async fn payload_that_is_not_json_is_refused_even_when_correctly_signed() {
    let client = api(HS256).await;
    let header = br#"{"alg":"HS256","typ":"JWT"}"#;
    for payload in [
        &b"{\"iss\":"[..],
        b"iss=https://issuer.test",
        b"{'sub':'alice'}",
        b"\xff",
    ] {
        let token = signed_raw(header, payload, HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "token header or claims are not valid JSON");
    }
}

#[rocket::async_test]
async fn payload_that_is_json_but_not_an_object_is_refused_even_when_correctly_signed() {
    let client = api(HS256).await;
    let header = br#"{"alg":"HS256","typ":"JWT"}"#;
    for payload in ["[1,2]", "\"alice\"", "42", "null", "true"] {
        let token = signed_raw(header, payload.as_bytes(), HS256);
        presented(&client, &token)
            .await
            .assert_invalid_token(REALM, "token header or claims are not valid JSON");
    }
}

// --- signatures ------------------------------------------------------------------

#[rocket::async_test]
async fn token_signed_by_another_rsa_key_is_invalid_signature() {
    let client = api(RS256).await;
    let other = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("key");
    let token = mint_with(&Header::new(RS256), &claims(), &other);
    presented(&client, &token)
        .await
        .assert_invalid_token(REALM, "invalid signature");
}

#[rocket::async_test]
async fn payload_swapped_after_signing_is_invalid_signature() {
    for algorithm in [HS256, RS256] {
        let client = api(algorithm).await;
        let genuine = mint(algorithm, &claims());
        let elevated = mint(
            algorithm,
            &claims_with(json!({ "sub": "admin", "roles": ["admin"] })),
        );
        let [header, _, signature] = parts(&genuine);
        let [_, payload, _] = parts(&elevated);
        presented(&client, &format!("{header}.{payload}.{signature}"))
            .await
            .assert_invalid_token(REALM, "invalid signature");
    }
}

#[rocket::async_test]
async fn header_swapped_after_signing_is_invalid_signature() {
    let client = api(HS256).await;
    let genuine = mint(HS256, &claims());
    let [_, payload, signature] = parts(&genuine);
    let header = b64(br#"{"typ":"at+jwt","alg":"HS256"}"#);
    presented(&client, &format!("{header}.{payload}.{signature}"))
        .await
        .assert_invalid_token(REALM, "invalid signature");
}

#[rocket::async_test]
async fn truncated_signature_is_refused() {
    let client = api(RS256).await;
    let token = mint(RS256, &claims());
    let [header, payload, signature] = parts(&token);
    // 256 bytes are 342 characters; 340 still decode, to 255 bytes.
    assert_eq!(signature.len(), 342);
    for kept in [340, 300, 4] {
        let truncated = format!("{header}.{payload}.{}", &signature[..kept]);
        presented(&client, &truncated)
            .await
            .assert_invalid_token(REALM, "invalid signature");
    }
    // 341 characters cannot be base64url at all.
    let truncated = format!("{header}.{payload}.{}", &signature[..341]);
    presented(&client, &truncated)
        .await
        .assert_invalid_token(REALM, "token is not valid base64url");
}

#[rocket::async_test]
async fn flipped_signature_bit_is_invalid_signature() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let [header, payload, signature] = parts(&token);
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    bytes[0] ^= 1;
    presented(&client, &format!("{header}.{payload}.{}", b64(bytes)))
        .await
        .assert_invalid_token(REALM, "invalid signature");
}

// --- the Authorization header ------------------------------------------------------

#[rocket::async_test]
async fn bearer_without_a_token_is_refused() {
    let client = api(HS256).await;
    for value in ["Bearer", "Bearer ", "Bearer    ", "bearer"] {
        authorized(&client, value)
            .await
            .assert_invalid_token(REALM, "bearer token is empty");
    }
}

#[rocket::async_test]
async fn non_bearer_scheme_is_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    // RFC 6750 §3.1: an unsupported authentication method gets a challenge
    // without an error code.
    for value in [
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Token {token}"),
        format!("JWT {token}"),
        format!("Bearer-{token}"),
        format!("Bearer\t{token}"),
        token.clone(),
    ] {
        let refusal = authorized(&client, &value).await;
        refusal.assert(
            Status::Unauthorized,
            REALM,
            None,
            "authorization scheme must be Bearer",
        );
        assert_eq!(refusal.body["error"], "unsupported_scheme");
    }
    authorized(&client, "")
        .await
        .assert_invalid_token(REALM, "Authorization header is empty");
}

#[rocket::async_test]
async fn bearer_scheme_in_any_letter_case_is_accepted() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    for scheme in ["bearer", "BEARER", "bEaReR", "Bearer"] {
        assert_accepted(&client, &format!("{scheme} {token}")).await;
    }
}

#[rocket::async_test]
async fn two_authorization_headers_are_400_invalid_request() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    // Even two copies of the same valid token are ambiguous.
    for second in [format!("Bearer {token}"), "Basic dXNlcjpwYXNz".to_owned()] {
        let response = client
            .get("/jwt")
            .header(bearer(&token))
            .header(HttpHeader::new("Authorization", second))
            .dispatch()
            .await;
        Refusal::of(response).await.assert(
            Status::BadRequest,
            REALM,
            Some("invalid_request"),
            "more than one Authorization header",
        );
    }
}

// --- exhaustive mutations ------------------------------------------------------

/// Every token one character away from a valid one, and every truncation of
/// it, is refused as an `invalid_token` 401 with a JSON body: no mutation
/// panics, answers 5xx, or slips through.
#[rocket::async_test]
async fn every_one_character_mutation_and_truncation_is_refused() {
    let client = api(HS256).await;
    let token = mint(HS256, &claims());
    let mut forged = Vec::new();
    for (at, original) in token.char_indices() {
        for replacement in ['A', 'z', '0', '-', '_', '.', '+', '='] {
            if replacement != original {
                let mut mutated = token.clone();
                mutated.replace_range(at..at + 1, &replacement.to_string());
                forged.push(mutated);
            }
        }
        forged.push(token[..at].to_owned());
    }
    for candidate in forged.iter().filter(|candidate| !candidate.is_empty()) {
        let response = get(&client, "/jwt", Some(candidate)).await;
        let status = response.status();
        let body: Value = response.into_json().await.unwrap_or(Value::Null);
        assert_eq!(status, Status::Unauthorized, "{candidate}");
        assert_eq!(body["error"], "invalid_token", "{candidate}: {body}");
    }
}
