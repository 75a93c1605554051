//! Every supported algorithm end to end (HS, RS, PS, ES, EdDSA), validators
//! allowing several algorithms, wrong keys of the right kind, and each way of
//! giving a validator its key (PEM in SPKI and PKCS#1 form, a file, an
//! environment variable).

mod support;

use jsonwebtoken::Algorithm::{
    self, EdDSA, ES256, ES384, HS256, HS384, HS512, PS256, PS384, PS512, RS256, RS384, RS512,
};
use jsonwebtoken::{EncodingKey, Header};
use rocket::figment::providers::{Format as _, Toml};
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_warden::{jwt_auth, Jwt};
use serde_json::{json, Value};
use support::*;

/// A P-384 key pair made for these tests (`tests/keys/ec-p384.pub` has no
/// private key, so it serves as the "other" P-384 key).
const EC_P384_SIGNING_PRIVATE: &str = include_str!("../keys/ec-p384-signing.key");
const EC_P384_SIGNING_PUBLIC: &str = include_str!("../keys/ec-p384-signing.pub");
/// Keys of the right kind that the validators here do not hold.
const EC_P256_OTHER_PRIVATE: &str = include_str!("../keys/ec-p256-other.key");
const ED25519_OTHER_PRIVATE: &str = include_str!("../keys/ed25519-other.key");

/// The validator every test here configures; its name is also the realm.
const REALM: &str = "api";

/// The key that signs `algorithm` tokens the validators here accept.
fn private_key(algorithm: Algorithm) -> EncodingKey {
    match algorithm {
        ES384 => EncodingKey::from_ec_pem(EC_P384_SIGNING_PRIVATE.as_bytes()).expect("P-384 key"),
        other => signing_key(other),
    }
}

/// The `Rocket.toml` key source that verifies what [`private_key`] signs.
fn key_source(algorithm: Algorithm) -> String {
    match algorithm {
        ES384 => format!("public_key_pem = '''\n{EC_P384_SIGNING_PUBLIC}'''"),
        other => key_setting(other),
    }
}

/// `[jwt.validators.api]` allowing exactly `algorithms`, with `key` lines.
fn config(algorithms: &[Algorithm], key: &str) -> String {
    let names: Vec<String> = algorithms.iter().map(|a| format!("\"{a:?}\"")).collect();
    format!(
        "[jwt.validators.{REALM}]\nissuer = {ISSUER:?}\nalgorithms = [{}]\n{key}\n",
        names.join(", ")
    )
}

/// Claims naming the algorithm, so the handler's echo proves which token it got.
fn claims_for(algorithm: Algorithm) -> Value {
    claims_with(json!({ "alg_under_test": format!("{algorithm:?}") }))
}

/// Asserts that `token` is accepted and its payload reaches the handler.
async fn assert_accepted(client: &Client, token: &str, algorithm: Algorithm) {
    let response = get(client, "/jwt", Some(token)).await;
    assert_eq!(response.status(), Status::Ok, "{algorithm:?}");
    let body: Value = response.into_json().await.expect("a JSON body");
    assert_eq!(body["sub"], "alice", "{algorithm:?}");
    assert_eq!(body["iss"], ISSUER, "{algorithm:?}");
    assert_eq!(body["alg_under_test"], format!("{algorithm:?}"));
}

/// A validator for exactly `algorithm` accepts a token signed with it.
async fn accepts_only(algorithm: Algorithm) {
    accepts_with(algorithm, &key_source(algorithm)).await;
}

/// A validator for exactly `algorithm` with these key lines accepts a token
/// signed with the matching private key.
async fn accepts_with(algorithm: Algorithm, key: &str) {
    let client = client(&config(&[algorithm], key), routes![jwt]).await;
    let token = mint_with(
        &Header::new(algorithm),
        &claims_for(algorithm),
        &private_key(algorithm),
    );
    assert_accepted(&client, &token, algorithm).await;
}

#[rocket::async_test]
async fn hs256_token_is_accepted() {
    accepts_only(HS256).await;
}

#[rocket::async_test]
async fn hs384_token_is_accepted() {
    accepts_only(HS384).await;
}

#[rocket::async_test]
async fn hs512_token_is_accepted() {
    accepts_only(HS512).await;
}

#[rocket::async_test]
async fn rs256_token_is_accepted() {
    accepts_only(RS256).await;
}

#[rocket::async_test]
async fn rs384_token_is_accepted() {
    accepts_only(RS384).await;
}

#[rocket::async_test]
async fn rs512_token_is_accepted() {
    accepts_only(RS512).await;
}

#[rocket::async_test]
async fn ps256_token_is_accepted() {
    accepts_only(PS256).await;
}

#[rocket::async_test]
async fn ps384_token_is_accepted() {
    accepts_only(PS384).await;
}

#[rocket::async_test]
async fn ps512_token_is_accepted() {
    accepts_only(PS512).await;
}

#[rocket::async_test]
async fn es256_token_is_accepted() {
    accepts_only(ES256).await;
}

#[rocket::async_test]
async fn es384_token_is_accepted() {
    accepts_only(ES384).await;
}

#[rocket::async_test]
async fn eddsa_token_is_accepted() {
    accepts_only(EdDSA).await;
}

#[rocket::async_test]
async fn validator_allowing_rs256_and_ps256_accepts_both_and_nothing_else() {
    let client = client(&config(&[RS256, PS256], &key_source(RS256)), routes![jwt]).await;
    for algorithm in [RS256, PS256] {
        assert_accepted(&client, &mint(algorithm, &claims_for(algorithm)), algorithm).await;
    }
    // Same key, same family, but not on the list.
    for algorithm in [RS384, PS512] {
        let response = get(&client, "/jwt", Some(&mint(algorithm, &claims()))).await;
        Refusal::of(response)
            .await
            .assert_invalid_token(REALM, "algorithm not allowed");
    }
}

#[rocket::async_test]
async fn validator_allowing_every_hmac_algorithm_accepts_each() {
    let client = client(
        &config(&[HS256, HS384, HS512], &key_source(HS256)),
        routes![jwt],
    )
    .await;
    for algorithm in [HS256, HS384, HS512] {
        assert_accepted(&client, &mint(algorithm, &claims_for(algorithm)), algorithm).await;
    }
}

/// A token for `algorithm` signed by `key`, which the validator does not hold.
async fn assert_wrong_key_refused(algorithm: Algorithm, validator_key: &str, key: &EncodingKey) {
    let client = client(&config(&[algorithm], validator_key), routes![jwt]).await;
    let token = mint_with(&Header::new(algorithm), &claims(), key);
    let response = get(&client, "/jwt", Some(&token)).await;
    Refusal::of(response)
        .await
        .assert_invalid_token(REALM, "invalid signature");
}

#[rocket::async_test]
async fn rsa_token_signed_by_another_rsa_key_is_invalid_signature() {
    let other = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("RSA key");
    for algorithm in [RS256, RS512, PS256, PS384] {
        assert_wrong_key_refused(algorithm, &key_source(algorithm), &other).await;
    }
}

#[rocket::async_test]
async fn hmac_token_signed_with_another_secret_is_invalid_signature() {
    let other = EncodingKey::from_secret(b"another-secret-of-the-same-length!")
        .expect("a usable HMAC secret");
    for algorithm in [HS256, HS384, HS512] {
        assert_wrong_key_refused(algorithm, &key_source(algorithm), &other).await;
    }
}

#[rocket::async_test]
async fn es256_token_signed_by_another_p256_key_is_invalid_signature() {
    let other = EncodingKey::from_ec_pem(EC_P256_OTHER_PRIVATE.as_bytes()).expect("P-256 key");
    assert_wrong_key_refused(ES256, &key_source(ES256), &other).await;
}

#[rocket::async_test]
async fn es384_token_signed_by_another_p384_key_is_invalid_signature() {
    // The validator holds the older P-384 public key; the token is signed by ours.
    let validator_key = format!("public_key_pem = '''\n{}'''", keys::EC_P384_PUBLIC);
    assert_wrong_key_refused(ES384, &validator_key, &private_key(ES384)).await;
}

#[rocket::async_test]
async fn eddsa_token_signed_by_another_ed25519_key_is_invalid_signature() {
    let other = EncodingKey::from_ed_pem(ED25519_OTHER_PRIVATE.as_bytes()).expect("Ed25519 key");
    assert_wrong_key_refused(EdDSA, &key_source(EdDSA), &other).await;
}

#[rocket::async_test]
async fn pkcs1_rsa_public_key_verifies_rs_and_ps_tokens() {
    let key = format!("public_key_pem = '''\n{}'''", keys::RSA_PUBLIC_PKCS1);
    let client = client(&config(&[RS256, PS256], &key), routes![jwt]).await;
    for algorithm in [RS256, PS256] {
        assert_accepted(&client, &mint(algorithm, &claims_for(algorithm)), algorithm).await;
    }
    let other = EncodingKey::from_rsa_pem(keys::RSA_OTHER_PRIVATE.as_bytes()).expect("RSA key");
    let forged = mint_with(&Header::new(RS256), &claims(), &other);
    let response = get(&client, "/jwt", Some(&forged)).await;
    Refusal::of(response)
        .await
        .assert_invalid_token(REALM, "invalid signature");
}

#[rocket::async_test]
async fn public_key_file_is_read() {
    let cases = [
        (RS256, concat!(env!("CARGO_MANIFEST_DIR"), "/keys/rsa.pub")),
        (
            RS384,
            concat!(env!("CARGO_MANIFEST_DIR"), "/keys/rsa-pkcs1.pub"),
        ),
        (
            ES384,
            concat!(env!("CARGO_MANIFEST_DIR"), "/keys/ec-p384-signing.pub"),
        ),
        (
            EdDSA,
            concat!(env!("CARGO_MANIFEST_DIR"), "/keys/ed25519.pub"),
        ),
    ];
    for (algorithm, path) in cases {
        accepts_with(algorithm, &format!("public_key_file = {path:?}")).await;
    }
}

#[jwt_auth(validator = "filed")]
#[get("/filed")]
fn filed(auth: Jwt) -> String {
    auth["iss"].as_str().unwrap_or_default().to_owned()
}

#[jwt_auth(validator = "tenanted")]
#[get("/tenanted")]
fn tenanted(auth: Jwt) -> String {
    auth["iss"].as_str().unwrap_or_default().to_owned()
}

/// A relative `public_key_file` is read beside the configuration file that
/// names it, not from the working directory, in a validator's table and in
/// a tenant's alike, with the settings under a profile as in `Rocket.toml`.
#[rocket::async_test]
async fn a_relative_key_file_is_read_beside_its_configuration_file() {
    let dir = tempfile::tempdir().expect("a directory");
    // Not a path from the tests' working directory.
    std::fs::create_dir(dir.path().join("signing")).expect("a directory");
    std::fs::write(dir.path().join("signing/verify.pub"), keys::RSA_PUBLIC).expect("a key file");
    // An introspection client's key: launch aborts if it cannot read it.
    std::fs::write(dir.path().join("signing/client.key"), keys::RSA_PRIVATE).expect("a key file");
    let tenant = "https://tenant.example.com";
    let file = dir.path().join("Rocket.toml");
    let config = format!(
        "[default.jwt.validators.filed]\nissuer = {ISSUER:?}\nalgorithms = [\"RS256\"]\n\
         public_key_file = \"signing/verify.pub\"\n\
         [default.jwt.validators.tenanted]\nalgorithms = [\"RS256\"]\n\
         [default.jwt.validators.tenanted.tenants.acme]\nissuer = {tenant:?}\n\
         public_key_file = \"signing/verify.pub\"\n\
         [default.jwt.validators.opaque]\nissuer = {ISSUER:?}\nalgorithms = [\"RS256\"]\n\
         introspection = true\nintrospection_endpoint = \"http://127.0.0.1:9/introspect\"\n\
         client_id = \"api\"\nclient_private_key_file = \"signing/client.key\"\n"
    );
    std::fs::write(&file, config).expect("a configuration file");
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::file(&file).nested());
    let rocket = rocket::custom(figment)
        .attach(rocket_warden::Warden::fairing())
        .mount("/", routes![filed, tenanted]);
    let client = Client::tracked(rocket).await.expect("launches");
    for (route, issuer) in [("/filed", ISSUER), ("/tenanted", tenant)] {
        let token = mint(RS256, &claims_with(json!({ "iss": issuer })));
        let response = get(&client, route, Some(&token)).await;
        assert_eq!(response.status(), Status::Ok, "{route}");
        assert_eq!(response.into_string().await.as_deref(), Some(issuer));
    }
}

#[rocket::async_test]
async fn secret_env_supplies_the_hmac_secret() {
    const VAR: &str = "WARDEN_TESTS_ALGORITHMS_SECRET_ENV_7F3A";
    const ENV_SECRET: &str = "a-secret-only-the-environment-knows-42";
    std::env::set_var(VAR, ENV_SECRET);
    let client = client(
        &config(&[HS256], &format!("secret_env = {VAR:?}")),
        routes![jwt],
    )
    .await;

    let key = EncodingKey::from_secret(ENV_SECRET.as_bytes()).expect("a usable HMAC secret");
    let token = mint_with(&Header::new(HS256), &claims_for(HS256), &key);
    assert_accepted(&client, &token, HS256).await;

    // The variable's value is the secret, not its name nor the usual test secret.
    for secret in [SECRET, VAR] {
        let token = mint_with(
            &Header::new(HS256),
            &claims(),
            &EncodingKey::from_secret(secret.as_bytes()).expect("a usable HMAC secret"),
        );
        let response = get(&client, "/jwt", Some(&token)).await;
        Refusal::of(response)
            .await
            .assert_invalid_token(REALM, "invalid signature");
    }
}

/// A token with the header `header` (JSON as written) over `claims`, signed
/// with the test Ed25519 key: jsonwebtoken's `encode` can write no `alg` but
/// its own names, so the JWS is put together here.
fn ed25519_token(header: &str, claims: &Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(signed.as_bytes(), &signing_key(EdDSA), EdDSA)
        .expect("Ed25519 signs");
    format!("{signed}.{signature}")
}

/// RFC 9864's fully specified name for EdDSA with Ed25519: accepted in the
/// allow-list and in tokens, where the validator allows either name.
#[rocket::async_test]
async fn ed25519_is_another_name_for_eddsa() {
    let rfc_9864 = ed25519_token(r#"{"alg":"Ed25519","typ":"JWT"}"#, &claims_for(EdDSA));
    let classic = ed25519_token(r#"{"alg":"EdDSA","typ":"JWT"}"#, &claims_for(EdDSA));
    for algorithms in ["[\"Ed25519\"]", "[\"EdDSA\"]", "[\"EdDSA\", \"Ed25519\"]"] {
        let config = format!(
            "[jwt.validators.{REALM}]\nissuer = {ISSUER:?}\nalgorithms = {algorithms}\n{}\n",
            key_source(EdDSA)
        );
        let client = client(&config, routes![jwt]).await;
        assert_accepted(&client, &rfc_9864, EdDSA).await;
        assert_accepted(&client, &classic, EdDSA).await;
    }
}

/// Only the exact name: another letter case, or another curve, is an
/// algorithm this validator does not allow, even when the signature verifies.
#[rocket::async_test]
async fn ed25519_in_another_case_or_ed448_is_not_allowed() {
    let config = format!(
        "[jwt.validators.{REALM}]\nissuer = {ISSUER:?}\nalgorithms = [\"Ed25519\"]\n{}\n",
        key_source(EdDSA)
    );
    let client = client(&config, routes![jwt]).await;
    for alg in ["ed25519", "ED25519", "Ed448", "none"] {
        let token = ed25519_token(&format!(r#"{{"alg":"{alg}"}}"#), &claims_for(EdDSA));
        Refusal::of(get(&client, "/jwt", Some(&token)).await)
            .await
            .assert_invalid_token(REALM, "algorithm not allowed");
    }
}

/// `Ed25519` means the Ed25519 key family only: an ES256 validator refuses it.
#[rocket::async_test]
async fn ed25519_is_not_allowed_where_eddsa_is_not() {
    let client = client(&config(&[ES256], &key_source(ES256)), routes![jwt]).await;
    let token = ed25519_token(r#"{"alg":"Ed25519"}"#, &claims_for(EdDSA));
    Refusal::of(get(&client, "/jwt", Some(&token)).await)
        .await
        .assert_invalid_token(REALM, "algorithm not allowed");
}

/// ES512 (P-521) is not verified here (README, "Behaviour"): a token that
/// names it is refused like any algorithm off the list.
#[rocket::async_test]
async fn es512_is_not_allowed() {
    let client = client(&config(&[ES256], &key_source(ES256)), routes![jwt]).await;
    let token = ed25519_token(r#"{"alg":"ES512","typ":"JWT"}"#, &claims_for(ES256));
    Refusal::of(get(&client, "/jwt", Some(&token)).await)
        .await
        .assert_invalid_token(REALM, "algorithm not allowed");
}
