//! Published test vectors through the whole path: a key set served on
//! 127.0.0.1, a validator, a request. OIDC Core 1.0 Appendix A's ID Tokens
//! (expired since 2011: the fairing's clock is set back), RFC 7515 Appendix
//! A's RS256, ES256 and unsecured examples, RFC 7520's keys a public set must
//! skip, and RFC 7520's RS256 and PS384 signatures (with the cookbook's
//! Ed25519 one). The vectors are in `tests/vectors/jose.json`.

mod remote_support;
mod support;

use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use rocket_warden::clock::ManualClock;
use rocket_warden::testing::JwksServer;
use serde_json::{json, Value};

use remote_support::client_with_clock;
use support::{get, jwt, Refusal};

fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors/jose.json")).expect("the vectors parse")
}

/// A client whose validator `vectors` takes `algorithm` tokens from `issuer`
/// with keys `jwks` served on 127.0.0.1, at `clock`'s time.
async fn vector_client(
    jwks: Value,
    issuer: &str,
    algorithm: &str,
    extra: &str,
    clock: &ManualClock,
) -> (JwksServer, Client) {
    let server = JwksServer::start_with(jwks).await;
    let config = format!(
        "[jwt.validators.vectors]\nissuer = {issuer:?}\nalgorithms = [{algorithm:?}]\n\
         jwks_uri = {:?}\n{extra}\n",
        server.jwks_uri()
    );
    let client = client_with_clock(&config, routes![jwt], clock).await;
    (server, client)
}

/// The OIDC Core client, at `secs` since the epoch.
async fn oidc_client(secs: u64) -> (JwksServer, Client) {
    let vectors = vectors();
    let oidc = &vectors["oidc_core_appendix_a"];
    let jwks = json!({ "keys": [oidc["jwk"]] });
    vector_client(
        jwks,
        "https://server.example.com",
        "RS256",
        "audiences = [\"s6BhdRkqt3\"]",
        &ManualClock::at_secs(secs),
    )
    .await
}

/// The four ID Tokens of OIDC Core Appendix A.
fn id_tokens() -> Vec<(String, String)> {
    let vectors = vectors();
    let tokens = vectors["oidc_core_appendix_a"]["id_tokens"]
        .as_object()
        .expect("id tokens")
        .iter()
        .map(|(name, token)| (name.clone(), token.as_str().expect("a token").to_owned()))
        .collect::<Vec<_>>();
    assert_eq!(tokens.len(), 4);
    tokens
}

#[rocket::async_test]
async fn oidc_core_appendix_a_id_tokens_verify() {
    let expected = vectors()["oidc_core_appendix_a"]["claims"].clone();
    // Between `iat` (1311280970) and `exp` (1311281970).
    let (server, client) = oidc_client(1_311_281_000).await;
    for (name, token) in id_tokens() {
        let response = get(&client, "/jwt", Some(&token)).await;
        assert_eq!(response.status(), Status::Ok, "{name}");
        let payload: Value = response.into_json().await.expect("the payload");
        for (claim, value) in expected.as_object().expect("claims") {
            assert_eq!(&payload[claim], value, "{name}: `{claim}`");
        }
    }
    assert_eq!(server.fetches(), 1);
}

#[rocket::async_test]
async fn oidc_core_appendix_a_id_tokens_expire_at_their_exp() {
    let (_server, client) = oidc_client(1_311_281_971).await;
    for (_, token) in id_tokens() {
        Refusal::of(get(&client, "/jwt", Some(&token)).await)
            .await
            .assert_invalid_token("vectors", "token expired");
    }
}

#[rocket::async_test]
async fn oidc_core_appendix_a_id_token_with_another_signature_is_refused() {
    let (_server, client) = oidc_client(1_311_281_000).await;
    let (_, token) = id_tokens().remove(0);
    // Another valid base64url signature of the same length: A.3's on A.2's token.
    let (_, other) = id_tokens().remove(1);
    let (message, _) = token.rsplit_once('.').expect("three parts");
    let (_, signature) = other.rsplit_once('.').expect("three parts");
    let forged = format!("{message}.{signature}");
    Refusal::of(get(&client, "/jwt", Some(&forged)).await)
        .await
        .assert_invalid_token("vectors", "invalid signature");
}

#[rocket::async_test]
async fn rfc7520_keys_a_public_set_cannot_use_are_skipped_beside_a_good_one() {
    let vectors = vectors();
    let mut keys = vectors["rfc7520_skipped_keys"]
        .as_array()
        .expect("keys")
        .clone();
    keys.push(vectors["oidc_core_appendix_a"]["jwk"].clone());
    let (_server, client) = vector_client(
        json!({ "keys": keys }),
        "https://server.example.com",
        "RS256",
        "audiences = [\"s6BhdRkqt3\"]",
        &ManualClock::at_secs(1_311_281_000),
    )
    .await;
    let (_, token) = id_tokens().remove(0);
    assert_eq!(
        get(&client, "/jwt", Some(&token)).await.status(),
        Status::Ok
    );
    let stats = remote_support::stats(&client, "vectors");
    assert_eq!(stats.keys, 1, "only the RSA key is usable");
}

/// A client for RFC 7515 Appendix A's `example` vector, at a time before its `exp`.
async fn rfc7515_client(example: &str, algorithm: &str) -> (JwksServer, Client, String) {
    let vectors = vectors();
    let example = &vectors["rfc7515_appendix_a"][example];
    let jwks = json!({ "keys": [example["jwk"]] });
    // `exp` is 1300819380.
    let clock = ManualClock::at_secs(1_300_819_000);
    let (server, client) = vector_client(jwks, "joe", algorithm, "", &clock).await;
    let token = example["token"].as_str().expect("a token").to_owned();
    (server, client, token)
}

#[rocket::async_test]
async fn rfc7515_a2_rs256_verifies_with_the_only_key_of_the_set() {
    // Neither the token nor the key has a `kid`: the only RSA key is used.
    let (_server, client, token) = rfc7515_client("A.2_RS256", "RS256").await;
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    let payload: Value = response.into_json().await.expect("the payload");
    assert_eq!(payload, vectors()["rfc7515_appendix_a"]["payload"]);
}

#[rocket::async_test]
async fn rfc7515_a3_es256_verifies() {
    let (_server, client, token) = rfc7515_client("A.3_ES256", "ES256").await;
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    let payload: Value = response.into_json().await.expect("the payload");
    assert_eq!(payload, vectors()["rfc7515_appendix_a"]["payload"]);
}

#[rocket::async_test]
async fn rfc7515_a5_unsecured_token_is_refused() {
    let vectors = vectors();
    let token = vectors["rfc7515_appendix_a"]["A.5_none"]["token"]
        .as_str()
        .expect("a token");
    let (_server, client, _) = rfc7515_client("A.2_RS256", "RS256").await;
    Refusal::of(get(&client, "/jwt", Some(token)).await)
        .await
        .assert_invalid_token("vectors", "unsigned tokens are not accepted");
}

/// RFC 7520's signed examples (and the cookbook's Ed25519 one), each served
/// with its public key. Their payloads are plain text, not claims: a token
/// whose signature verifies is then refused for its payload, one whose
/// signature does not is refused for that, and the two tell them apart.
#[rocket::async_test]
async fn rfc7520_signatures_verify_before_their_plain_text_payload_is_refused() {
    let vectors = vectors();
    let examples = vectors["rfc7520_signatures"].as_object().expect("examples");
    for (name, example) in examples {
        let algorithm = example["algorithm"].as_str().expect("an algorithm");
        let jwks = json!({ "keys": [example["jwk"]] });
        let clock = ManualClock::at_secs(1_300_819_000);
        let (_server, client) = vector_client(jwks, "cookbook", algorithm, "", &clock).await;
        let compact = example["compact"].as_str().expect("a compact JWS");

        Refusal::of(get(&client, "/jwt", Some(compact)).await)
            .await
            .assert_invalid_token("vectors", "token header or claims are not valid JSON");

        let (message, signature) = compact.rsplit_once('.').expect("three parts");
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{message}.{flipped}{}", &signature[1..]);
        let refusal = Refusal::of(get(&client, "/jwt", Some(&forged)).await).await;
        assert_eq!(
            refusal.body["error_description"], "invalid signature",
            "{name}: {refusal:?}"
        );
    }
}
