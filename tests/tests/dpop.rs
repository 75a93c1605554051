//! DPoP (RFC 9449) through real requests: tokens bound to a client's key
//! (`cnf.jkt`), sent as `Authorization: DPoP` with a proof that real keys
//! sign. Each check of a proof fails on its own here, and a bound token sent
//! any other way is refused, never accepted without its binding.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::Algorithm::{self, EdDSA, ES256, RS256};
use jsonwebtoken::EncodingKey;
use rocket::futures::future::BoxFuture;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, post, routes};
use rocket_warden::clock::{Clock as _, ManualClock};
use rocket_warden::dpop::{MemoryReplayStore, ReplayStore, StoreUnavailable};
use rocket_warden::{jwt_auth, Jwt, OptionalJwt, Warden};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use support::ignite::assert_aborts;
use support::*;

/// The application's clock; tokens and proofs are made against it.
const NOW: u64 = 1_900_000_000;
const ORIGIN: &str = "https://api.example.test";
const ALGS: &str = "ES256 EdDSA";

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

#[jwt_auth(validator = "main")]
#[get("/whoami")]
fn whoami(auth: Jwt) -> String {
    auth["sub"].as_str().unwrap_or_default().to_owned()
}

#[jwt_auth(validator = "main")]
#[post("/orders")]
fn orders(auth: Jwt) -> String {
    format!("ordered by {}", auth["sub"].as_str().unwrap_or_default())
}

#[jwt_auth(validator = "main", dpop = "required")]
#[get("/dpop/whoami")]
fn dpop_whoami(auth: Jwt) -> String {
    auth["sub"].as_str().unwrap_or_default().to_owned()
}

#[jwt_auth(validator = "main", optional, dpop = "required")]
#[get("/dpop/optional")]
fn dpop_optional(auth: OptionalJwt) -> String {
    auth.as_ref()
        .map_or("anonymous".to_owned(), |auth| auth["sub"].to_string())
}

/// Mounted only to show that it does not launch.
#[jwt_auth(validator = "plain", dpop = "required")]
#[get("/strict")]
fn strict() {}

#[jwt_auth(validator = "plain")]
#[get("/plain")]
fn plain(auth: Jwt) -> String {
    auth["sub"].as_str().unwrap_or_default().to_owned()
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// `main` takes DPoP (proofs by ES256 or EdDSA keys, good for 60 s, 5 s of
/// leeway); `plain` has it disabled. Both accept RS256 tokens from the test
/// issuer.
fn config(main_extra: &str) -> String {
    let main = validator(
        "main",
        RS256,
        &format!(
            "leeway_secs = 5\ndpop = \"allowed\"\ndpop_origin = {ORIGIN:?}\n\
             dpop_algorithms = [\"ES256\", \"EdDSA\"]\n{main_extra}"
        ),
    );
    format!("{main}\n{}", validator("plain", RS256, ""))
}

fn all_routes() -> Vec<rocket::Route> {
    routes![whoami, orders, dpop_whoami, dpop_optional, plain]
}

async fn client_with(warden: Warden, main_extra: &str) -> Client {
    let warden = warden.clock(ManualClock::at_secs(NOW));
    Client::untracked(rocket_with(warden, &config(main_extra), all_routes()))
        .await
        .expect("launches")
}

async fn client() -> Client {
    client_with(Warden::fairing(), "").await
}

/// A client's key pair: what signs its proofs, and the public JWK.
struct ClientKey {
    alg: Algorithm,
    private: EncodingKey,
    jwk: Value,
}

impl ClientKey {
    fn new(alg: Algorithm) -> Self {
        let private = signing_key(alg);
        let jwk = Jwk::from_encoding_key(&private, alg).expect("a public JWK");
        let mut jwk = serde_json::to_value(jwk).expect("JWKs serialize");
        // Only the key itself: `alg` and `use` are not part of a proof's `jwk`.
        if let Value::Object(members) = &mut jwk {
            members
                .retain(|name, _| matches!(name.as_str(), "kty" | "crv" | "x" | "y" | "n" | "e"));
        }
        Self { alg, private, jwk }
    }

    /// The RFC 7638 thumbprint a token bound to this key carries as `cnf.jkt`.
    fn jkt(&self) -> String {
        let jwk: Jwk = serde_json::from_value(self.jwk.clone()).expect("a JWK");
        jwk.thumbprint(ThumbprintHash::SHA256)
            .expect("a thumbprint")
    }

    /// A proof of `header` and `claims` as given, signed with this key.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
        let signed = format!("{}.{}", encode(header), encode(claims));
        let signature = jsonwebtoken::crypto::sign(signed.as_bytes(), &self.private, self.alg)
            .expect("test keys sign");
        format!("{signed}.{signature}")
    }

    /// The header of a good proof by this key.
    fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": format!("{:?}", self.alg), "jwk": self.jwk })
    }

    /// A good proof for `method` on `path` with `token`, at `NOW`.
    fn proof(&self, method: &str, path: &str, token: &str) -> String {
        self.sign(&self.header(), &proof_claims(method, path, token))
    }
}

/// A client key of `alg`, and an access token bound to it.
fn bound_to(alg: Algorithm) -> (ClientKey, String) {
    let key = ClientKey::new(alg);
    let token = token_for(Some(&key));
    (key, token)
}

/// A fresh `jti` for each proof.
fn jti() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("proof-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The claims of a good proof for `method` on `path` with `token`.
fn proof_claims(method: &str, path: &str, token: &str) -> Value {
    json!({
        "jti": jti(),
        "htm": method,
        "htu": format!("{ORIGIN}{path}"),
        "iat": NOW,
        "ath": URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())),
    })
}

/// An access token valid at `NOW`, bound to `key` when given.
fn token_for(key: Option<&ClientKey>) -> String {
    let mut claims = claims_with(json!({ "iat": NOW, "exp": NOW + 3600 }));
    if let Some(key) = key {
        claims["cnf"] = json!({ "jkt": key.jkt() });
    }
    mint(RS256, &claims)
}

/// `GET path` with `Authorization: DPoP <token>` and these `DPoP` headers.
async fn send<'c>(
    client: &'c Client,
    method: &str,
    path: &'c str,
    authorization: Option<String>,
    proofs: &[&str],
) -> LocalResponse<'c> {
    let mut request = match method {
        "POST" => client.post(path),
        _ => client.get(path),
    };
    if let Some(authorization) = authorization {
        request.add_header(Header::new("Authorization", authorization));
    }
    for proof in proofs {
        request.add_header(Header::new("DPoP", proof.to_string()));
    }
    request.dispatch().await
}

async fn dpop_get<'c>(
    client: &'c Client,
    path: &'c str,
    token: &str,
    proof: &str,
) -> LocalResponse<'c> {
    send(client, "GET", path, Some(format!("DPoP {token}")), &[proof]).await
}

/// What a refusal answered, with every challenge it carries.
#[derive(Debug)]
struct Answer {
    status: Status,
    challenges: Vec<String>,
    body: Value,
    retry_after: Option<String>,
}

async fn answer(response: LocalResponse<'_>) -> Answer {
    let status = response.status();
    let challenges = response
        .headers()
        .get("WWW-Authenticate")
        .map(str::to_owned)
        .collect();
    let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
    let body = response.into_json().await.unwrap_or(Value::Null);
    Answer {
        status,
        challenges,
        body,
        retry_after,
    }
}

impl Answer {
    /// A 401 whose `DPoP` challenge carries `code` and `description` (a
    /// bare `Bearer` challenge first, the route taking bearer tokens too).
    fn assert_dpop_refusal(&self, code: &str, description: &str) {
        assert_eq!(self.status, Status::Unauthorized, "{self:?}");
        let dpop = format!(
            "DPoP realm=\"main\", algs=\"{ALGS}\", error=\"{code}\", \
             error_description=\"{description}\""
        );
        assert_eq!(
            self.challenges,
            ["Bearer realm=\"main\"".to_owned(), dpop],
            "{self:?}"
        );
        assert_eq!(
            self.body,
            json!({ "error": code, "error_description": description })
        );
    }

    fn assert_proof_refused(&self, description: &str) {
        self.assert_dpop_refusal("invalid_dpop_proof", description);
    }
}

async fn ok(response: LocalResponse<'_>) -> String {
    assert_eq!(response.status(), Status::Ok);
    response.into_string().await.unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Accepted
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_bound_token_with_its_proof_is_accepted() {
    let client = client().await;
    for alg in [ES256, EdDSA] {
        let (key, token) = bound_to(alg);
        let proof = key.proof("GET", "/whoami", &token);
        assert_eq!(
            ok(dpop_get(&client, "/whoami", &token, &proof).await).await,
            "alice"
        );
    }
}

#[rocket::async_test]
async fn the_scheme_is_matched_in_any_case_and_the_method_is_checked() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let proof = key.proof("POST", "/orders", &token);
    let response = send(
        &client,
        "POST",
        "/orders",
        Some(format!("dpop {token}")),
        &[&proof],
    )
    .await;
    assert_eq!(ok(response).await, "ordered by alice");
}

#[rocket::async_test]
async fn htu_is_compared_without_query_and_after_normalisation() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    for htu in [
        "https://api.example.test/whoami?page=2#top",
        "HTTPS://API.Example.Test:443/whoami",
        "https://api.example.test/orders/../whoami",
    ] {
        let mut claims = proof_claims("GET", "/whoami", &token);
        claims["htu"] = json!(htu);
        let proof = key.sign(&key.header(), &claims);
        let response = dpop_get(&client, "/whoami?page=1", &token, &proof).await;
        assert_eq!(response.status(), Status::Ok, "htu {htu}");
    }
}

#[rocket::async_test]
async fn a_cached_token_needs_a_new_proof_each_time() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    for _ in 0..3 {
        let proof = key.proof("GET", "/whoami", &token);
        assert_eq!(
            ok(dpop_get(&client, "/whoami", &token, &proof).await).await,
            "alice"
        );
    }
}

#[rocket::async_test]
async fn unbound_bearer_tokens_still_work_where_dpop_is_allowed() {
    let client = client().await;
    let token = token_for(None);
    let response = get(&client, "/whoami", Some(&token)).await;
    assert_eq!(ok(response).await, "alice");
}

// ---------------------------------------------------------------------------
// The binding
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_bound_token_sent_as_bearer_is_refused() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let refusal = answer(get(&client, "/whoami", Some(&token)).await).await;
    let description = "a DPoP-bound token must be sent with a DPoP proof";
    refusal.assert_dpop_refusal("invalid_token", description);
    // With a proof beside it, still as Bearer: the scheme decides.
    let proof = key.proof("GET", "/whoami", &token);
    let response = send(
        &client,
        "GET",
        "/whoami",
        Some(format!("Bearer {token}")),
        &[&proof],
    )
    .await;
    answer(response)
        .await
        .assert_dpop_refusal("invalid_token", description);
}

#[rocket::async_test]
async fn a_bound_token_is_refused_where_dpop_is_disabled() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let refusal = Refusal::of(get(&client, "/plain", Some(&token)).await).await;
    refusal.assert_invalid_token("plain", "a DPoP-bound token must be sent with a DPoP proof");
    // And the DPoP scheme is not one this validator takes.
    let proof = key.proof("GET", "/plain", &token);
    let response = dpop_get(&client, "/plain", &token, &proof).await;
    let refusal = Refusal::of(response).await;
    refusal.assert(
        Status::Unauthorized,
        "plain",
        None,
        "authorization scheme must be Bearer",
    );
}

#[rocket::async_test]
async fn an_unbound_token_sent_as_dpop_is_refused() {
    let client = client().await;
    let key = ClientKey::new(ES256);
    let token = token_for(None);
    let proof = key.proof("GET", "/whoami", &token);
    let refusal = answer(dpop_get(&client, "/whoami", &token, &proof).await).await;
    refusal.assert_dpop_refusal("invalid_token", "the token is not DPoP-bound");
}

#[rocket::async_test]
async fn a_proof_by_another_key_than_the_tokens_is_refused() {
    let client = client().await;
    let (owner, thief) = (ClientKey::new(ES256), ClientKey::new(EdDSA));
    let token = token_for(Some(&owner));
    let proof = thief.proof("GET", "/whoami", &token);
    let refusal = answer(dpop_get(&client, "/whoami", &token, &proof).await).await;
    refusal.assert_dpop_refusal("invalid_token", "the token is bound to another key");
}

#[rocket::async_test]
async fn a_certificate_bound_token_is_refused() {
    let client = client().await;
    let mut claims = claims_with(json!({ "iat": NOW, "exp": NOW + 3600 }));
    claims["cnf"] = json!({ "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" });
    let token = mint(RS256, &claims);
    let refusal = Refusal::of(get(&client, "/plain", Some(&token)).await).await;
    refusal.assert_invalid_token("plain", "certificate-bound tokens are not accepted here");
}

#[rocket::async_test]
async fn cookie_mode_keeps_no_cookie_for_a_bound_token() {
    // A cookie would carry the bound token's identity without its proof.
    let client = client_with(
        Warden::fairing(),
        "cookie_enabled = true\ncookie_name = \"auth\"",
    )
    .await;
    let (key, token) = bound_to(ES256);
    let proof = key.proof("GET", "/whoami", &token);
    let response = dpop_get(&client, "/whoami", &token, &proof).await;
    assert_eq!(response.status(), Status::Ok);
    assert!(
        response.cookies().get("auth").is_none(),
        "a cookie was issued"
    );
    // An unbound token still gets its cookie: cookie mode is on.
    let response = get(&client, "/whoami", Some(&token_for(None))).await;
    assert_eq!(response.status(), Status::Ok);
    assert!(
        response.cookies().get("auth").is_some(),
        "no cookie for a bearer token"
    );
}

// ---------------------------------------------------------------------------
// Each check of a proof, failing on its own
// ---------------------------------------------------------------------------

/// Sends a bound token to `/whoami` with a proof whose header and claims
/// are a good proof's with `edit` applied, signed by the token's key.
async fn refused_with(edit: impl FnOnce(&mut Value, &mut Value)) -> Answer {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let (mut header, mut claims) = (key.header(), proof_claims("GET", "/whoami", &token));
    edit(&mut header, &mut claims);
    let proof = key.sign(&header, &claims);
    answer(dpop_get(&client, "/whoami", &token, &proof).await).await
}

#[rocket::async_test]
async fn a_missing_proof_is_refused() {
    let client = client().await;
    let (_key, token) = bound_to(ES256);
    let response = send(
        &client,
        "GET",
        "/whoami",
        Some(format!("DPoP {token}")),
        &[],
    )
    .await;
    answer(response)
        .await
        .assert_proof_refused("DPoP proof missing");
}

#[rocket::async_test]
async fn two_proofs_are_refused() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let (one, two) = (
        key.proof("GET", "/whoami", &token),
        key.proof("GET", "/whoami", &token),
    );
    let response = send(
        &client,
        "GET",
        "/whoami",
        Some(format!("DPoP {token}")),
        &[&one, &two],
    )
    .await;
    answer(response)
        .await
        .assert_proof_refused("more than one DPoP proof");
}

#[rocket::async_test]
async fn a_proof_that_is_not_a_jws_is_refused() {
    let client = client().await;
    let (_key, token) = bound_to(ES256);
    for proof in ["not-a-jwt", "a.b", "e30.e30.", "e30.e30.e30.e30.e30"] {
        let refusal = answer(dpop_get(&client, "/whoami", &token, proof).await).await;
        refusal.assert_proof_refused("DPoP proof is malformed");
    }
}

/// A proof is a JWS read as a token's header is: no `crit`, no `b64`
/// (RFC 7797) but `true`.
#[rocket::async_test]
async fn a_proof_with_crit_or_an_unencoded_payload_is_malformed() {
    for (member, value) in [
        ("crit", json!(["b64"])),
        ("b64", json!(false)),
        ("b64", json!("JWT")),
    ] {
        let refusal = refused_with(|header, _| header[member] = value).await;
        refusal.assert_proof_refused("DPoP proof is malformed");
    }
}

#[rocket::async_test]
async fn a_proof_of_another_type_is_refused() {
    for typ in [json!("JWT"), json!(null), json!(["dpop+jwt"])] {
        let refusal = refused_with(|header, _| header["typ"] = typ).await;
        refusal.assert_proof_refused("DPoP proof type must be dpop+jwt");
    }
}

#[rocket::async_test]
async fn a_proof_type_is_compared_without_case() {
    let refusal = refused_with(|header, _| header["typ"] = json!("DPoP+JWT")).await;
    assert_eq!(refusal.status, Status::Ok, "{refusal:?}");
}

#[rocket::async_test]
async fn a_proof_algorithm_off_the_list_is_refused() {
    let client = client().await;
    // An RSA key is a fine key, but `dpop_algorithms` names ES256 and EdDSA.
    let rsa = ClientKey::new(RS256);
    let token = token_for(Some(&rsa));
    let proof = rsa.proof("GET", "/whoami", &token);
    let refusal = answer(dpop_get(&client, "/whoami", &token, &proof).await).await;
    refusal.assert_proof_refused("DPoP proof algorithm not allowed");
    for alg in [json!("none"), json!("HS256"), json!("es256"), json!(null)] {
        let refusal = refused_with(|header, _| header["alg"] = alg).await;
        refusal.assert_proof_refused("DPoP proof algorithm not allowed");
    }
}

#[rocket::async_test]
async fn a_proof_with_a_private_or_missing_key_is_refused() {
    let refusal = refused_with(|header, _| header["jwk"]["d"] = json!("c2VjcmV0")).await;
    refusal.assert_proof_refused("DPoP proof key must be a public JWK");
    let refusal = refused_with(|header, _| header["jwk"] = Value::Null).await;
    refusal.assert_proof_refused("DPoP proof key must be a public JWK");
    let symmetric = json!({ "kty": "oct", "k": "c2VjcmV0" });
    let refusal = refused_with(|header, _| header["jwk"] = symmetric).await;
    refusal.assert_proof_refused("DPoP proof key must be a public JWK");
}

#[rocket::async_test]
async fn a_proof_whose_signature_does_not_verify_is_refused() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let proof = key.proof("GET", "/whoami", &token);
    let (signed, _) = proof.rsplit_once('.').expect("three parts");
    // A real signature by the same key, of other claims.
    let other = key.proof("GET", "/orders", &token);
    let (_, spliced) = other.rsplit_once('.').expect("three parts");
    let refusal =
        answer(dpop_get(&client, "/whoami", &token, &format!("{signed}.{spliced}")).await).await;
    refusal.assert_proof_refused("DPoP proof signature is invalid");
}

#[rocket::async_test]
async fn a_proof_for_another_method_is_refused() {
    let refusal = refused_with(|_, claims| claims["htm"] = json!("POST")).await;
    refusal.assert_proof_refused("DPoP proof is for another method");
    let refusal = refused_with(|_, claims| claims["htm"] = json!("get")).await;
    refusal.assert_proof_refused("DPoP proof is for another method");
}

#[rocket::async_test]
async fn a_proof_for_another_uri_is_refused() {
    for htu in [
        "https://api.example.test/orders",
        "https://other.example.test/whoami",
        "http://api.example.test/whoami",
        "https://api.example.test:8443/whoami",
        "https://api.example.test/whoami/",
        "/whoami",
    ] {
        let refusal = refused_with(|_, claims| claims["htu"] = json!(htu)).await;
        refusal.assert_proof_refused("DPoP proof is for another URI");
    }
}

#[rocket::async_test]
async fn a_proof_for_another_token_is_refused() {
    let other = URL_SAFE_NO_PAD.encode(Sha256::digest(b"another token"));
    let refusal = refused_with(|_, claims| claims["ath"] = json!(other)).await;
    refusal.assert_proof_refused("DPoP proof is for another access token");
}

#[rocket::async_test]
async fn a_proof_missing_a_claim_is_refused() {
    for claim in ["jti", "htm", "htu", "iat", "ath"] {
        let refusal = refused_with(|_, claims| {
            claims.as_object_mut().map(|claims| claims.remove(claim));
        })
        .await;
        refusal.assert_proof_refused("DPoP proof is malformed");
    }
}

#[rocket::async_test]
async fn a_proof_is_good_within_its_window_and_leeway_only() {
    // `dpop_proof_max_age_secs` 60, `leeway_secs` 5: from NOW - 65 to NOW + 5.
    for (iat, good) in [
        (NOW - 65, true),
        (NOW - 66, false),
        (NOW + 5, true),
        (NOW + 6, false),
    ] {
        let refusal = refused_with(|_, claims| claims["iat"] = json!(iat)).await;
        if good {
            assert_eq!(refusal.status, Status::Ok, "iat {iat}: {refusal:?}");
        } else {
            refusal.assert_proof_refused("DPoP proof is too old or issued in the future");
        }
    }
}

#[rocket::async_test]
async fn a_proof_is_accepted_once() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let proof = key.proof("GET", "/whoami", &token);
    assert_eq!(
        dpop_get(&client, "/whoami", &token, &proof).await.status(),
        Status::Ok
    );
    let refusal = answer(dpop_get(&client, "/whoami", &token, &proof).await).await;
    refusal.assert_proof_refused("DPoP proof was already used");
}

#[rocket::async_test]
async fn the_same_jti_from_another_key_is_not_a_replay() {
    let client = client().await;
    let (one, two) = (ClientKey::new(ES256), ClientKey::new(EdDSA));
    for key in [&one, &two] {
        let token = token_for(Some(key));
        let mut claims = proof_claims("GET", "/whoami", &token);
        claims["jti"] = json!("the-same-jti");
        let proof = key.sign(&key.header(), &claims);
        assert_eq!(
            dpop_get(&client, "/whoami", &token, &proof).await.status(),
            Status::Ok
        );
    }
}

#[rocket::async_test]
async fn a_full_replay_store_refuses_with_503_rather_than_forget() {
    let client = client_with(Warden::fairing(), "dpop_replay_cache_size = 1").await;
    let (key, token) = bound_to(ES256);
    let first = key.proof("GET", "/whoami", &token);
    assert_eq!(
        dpop_get(&client, "/whoami", &token, &first).await.status(),
        Status::Ok
    );
    let second = key.proof("GET", "/whoami", &token);
    let refusal = answer(dpop_get(&client, "/whoami", &token, &second).await).await;
    assert_eq!(refusal.status, Status::ServiceUnavailable, "{refusal:?}");
    assert_eq!(refusal.challenges, Vec::<String>::new());
    assert_eq!(refusal.retry_after.as_deref(), Some("1"));
    assert_eq!(refusal.body["error"], "temporarily_unavailable");
}

/// A replay store shared by two instances, as an application would share
/// one through Redis.
#[derive(Debug, Clone)]
struct Shared(Arc<MemoryReplayStore>);

impl ReplayStore for Shared {
    fn first_use(
        &self,
        proof: [u8; 32],
        expires: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, StoreUnavailable>> {
        self.0.first_use(proof, expires, now)
    }
}

#[rocket::async_test]
async fn instances_sharing_a_replay_store_refuse_a_proof_either_accepted() {
    let store = Shared(Arc::new(MemoryReplayStore::new(100)));
    let one = client_with(Warden::fairing().replay_store(store.clone()), "").await;
    let two = client_with(Warden::fairing().replay_store(store), "").await;
    let (key, token) = bound_to(ES256);
    let proof = key.proof("GET", "/whoami", &token);
    assert_eq!(
        dpop_get(&one, "/whoami", &token, &proof).await.status(),
        Status::Ok
    );
    let refusal = answer(dpop_get(&two, "/whoami", &token, &proof).await).await;
    refusal.assert_proof_refused("DPoP proof was already used");
}

// ---------------------------------------------------------------------------
// Server nonces
// ---------------------------------------------------------------------------

/// A client of an application whose `main` validator hands out nonces
/// good for 300 to 600 s, on `clock`.
async fn nonce_client(clock: &ManualClock) -> Client {
    let warden = Warden::fairing().clock(clock.clone());
    let config = config("dpop_nonce_secs = 300\ndpop_proof_max_age_secs = 60");
    Client::untracked(rocket_with(warden, &config, all_routes()))
        .await
        .expect("launches")
}

/// A proof for `GET /whoami` at `clock`'s time, with `nonce` if given.
fn proof_at(key: &ClientKey, token: &str, clock: &ManualClock, nonce: Option<&str>) -> String {
    let mut claims = proof_claims("GET", "/whoami", token);
    claims["iat"] = json!(clock.now_secs());
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    key.sign(&key.header(), &claims)
}

#[rocket::async_test]
async fn a_proof_without_the_servers_nonce_gets_one_to_retry_with() {
    let clock = ManualClock::at_secs(NOW);
    let client = nonce_client(&clock).await;
    let (key, token) = bound_to(ES256);
    let response = dpop_get(
        &client,
        "/whoami",
        &token,
        &proof_at(&key, &token, &clock, None),
    )
    .await;
    let nonce = response.headers().get_one("DPoP-Nonce").map(str::to_owned);
    answer(response).await.assert_dpop_refusal(
        "use_dpop_nonce",
        "DPoP proof needs a nonce from this server",
    );
    let nonce = nonce.expect("a DPoP-Nonce to retry with");
    let proof = proof_at(&key, &token, &clock, Some(&nonce));
    let response = dpop_get(&client, "/whoami", &token, &proof).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.headers().get_one("DPoP-Nonce"),
        Some(&*nonce),
        "still current"
    );
}

/// Instances given one `dpop_nonce_secret_env` accept each other's nonces,
/// so a client behind a load balancer is not sent round for a new one;
/// an instance with a key of its own does not.
#[rocket::async_test]
async fn instances_sharing_a_nonce_secret_accept_each_others_nonces() {
    const VAR: &str = "WARDEN_TESTS_DPOP_NONCE_SECRET_5C1E";
    std::env::set_var(VAR, "a nonce secret every instance of this API is given");
    let clock = ManualClock::at_secs(NOW);
    let shared = || async {
        let warden = Warden::fairing().clock(clock.clone());
        let config = config(&format!(
            "dpop_nonce_secs = 300\ndpop_proof_max_age_secs = 60\ndpop_nonce_secret_env = {VAR:?}"
        ));
        Client::untracked(rocket_with(warden, &config, all_routes()))
            .await
            .expect("launches")
    };
    let (one, two, alone) = (shared().await, shared().await, nonce_client(&clock).await);
    let (key, token) = bound_to(ES256);
    let asked = dpop_get(
        &one,
        "/whoami",
        &token,
        &proof_at(&key, &token, &clock, None),
    )
    .await;
    let nonce = asked
        .headers()
        .get_one("DPoP-Nonce")
        .expect("a nonce")
        .to_owned();
    let proof = proof_at(&key, &token, &clock, Some(&nonce));
    let response = dpop_get(&two, "/whoami", &token, &proof).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.headers().get_one("DPoP-Nonce"), Some(&*nonce));
    let proof = proof_at(&key, &token, &clock, Some(&nonce));
    answer(dpop_get(&alone, "/whoami", &token, &proof).await)
        .await
        .assert_dpop_refusal(
            "use_dpop_nonce",
            "DPoP proof needs a nonce from this server",
        );
}

#[rocket::async_test]
async fn a_nonce_is_good_in_its_window_and_the_next_only() {
    let clock = ManualClock::at_secs(NOW);
    let client = nonce_client(&clock).await;
    let (key, token) = bound_to(EdDSA);
    let first = dpop_get(
        &client,
        "/whoami",
        &token,
        &proof_at(&key, &token, &clock, None),
    )
    .await;
    let nonce = first
        .headers()
        .get_one("DPoP-Nonce")
        .expect("a nonce")
        .to_owned();
    clock.advance(Duration::from_secs(300));
    let proof = proof_at(&key, &token, &clock, Some(&nonce));
    let response = dpop_get(&client, "/whoami", &token, &proof).await;
    assert_eq!(response.status(), Status::Ok, "one window on");
    let newer = response
        .headers()
        .get_one("DPoP-Nonce")
        .expect("a nonce")
        .to_owned();
    assert_ne!(newer, nonce, "a success hands out the current nonce");
    clock.advance(Duration::from_secs(300));
    let proof = proof_at(&key, &token, &clock, Some(&nonce));
    let refusal = answer(dpop_get(&client, "/whoami", &token, &proof).await).await;
    refusal.assert_dpop_refusal(
        "use_dpop_nonce",
        "DPoP proof needs a nonce from this server",
    );
}

#[rocket::async_test]
async fn a_nonce_the_server_did_not_make_is_refused() {
    let clock = ManualClock::at_secs(NOW);
    let client = nonce_client(&clock).await;
    let (key, token) = bound_to(ES256);
    for nonce in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""] {
        let proof = proof_at(&key, &token, &clock, Some(nonce));
        let refusal = answer(dpop_get(&client, "/whoami", &token, &proof).await).await;
        refusal.assert_dpop_refusal(
            "use_dpop_nonce",
            "DPoP proof needs a nonce from this server",
        );
    }
}

#[rocket::async_test]
async fn without_server_nonces_none_is_handed_out() {
    let client = client().await;
    let (key, token) = bound_to(ES256);
    let response = dpop_get(
        &client,
        "/whoami",
        &token,
        &key.proof("GET", "/whoami", &token),
    )
    .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.headers().get_one("DPoP-Nonce"), None);
}

// ---------------------------------------------------------------------------
// Routes that require DPoP
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_route_that_requires_dpop_refuses_bearer_tokens_with_a_dpop_challenge_only() {
    let client = client().await;
    let token = token_for(None);
    let refusal = answer(get(&client, "/dpop/whoami", Some(&token)).await).await;
    assert_eq!(refusal.status, Status::Unauthorized);
    assert_eq!(
        refusal.challenges,
        [format!("DPoP realm=\"main\", algs=\"{ALGS}\"")]
    );
    assert_eq!(
        refusal.body,
        json!({ "error": "unsupported_scheme", "error_description": "authorization scheme must be DPoP" })
    );
    let refusal = answer(get(&client, "/dpop/whoami", None).await).await;
    assert_eq!(
        refusal.challenges,
        [format!("DPoP realm=\"main\", algs=\"{ALGS}\"")]
    );
    assert_eq!(refusal.body["error"], "missing_token");
}

#[rocket::async_test]
async fn a_route_that_requires_dpop_takes_a_bound_token_with_its_proof() {
    let client = client().await;
    let (key, token) = bound_to(EdDSA);
    let proof = key.proof("GET", "/dpop/whoami", &token);
    assert_eq!(
        ok(dpop_get(&client, "/dpop/whoami", &token, &proof).await).await,
        "alice"
    );
    // A proof error there is in the only challenge, the DPoP one.
    let refusal = answer(dpop_get(&client, "/dpop/whoami", &token, &proof).await).await;
    assert_eq!(
        refusal.challenges,
        [format!(
            "DPoP realm=\"main\", algs=\"{ALGS}\", error=\"invalid_dpop_proof\", \
             error_description=\"DPoP proof was already used\""
        )]
    );
}

#[rocket::async_test]
async fn an_optional_route_that_requires_dpop_runs_anonymous_without_credentials() {
    let client = client().await;
    assert_eq!(
        ok(get(&client, "/dpop/optional", None).await).await,
        "anonymous"
    );
    let refusal = answer(get(&client, "/dpop/optional", Some(&token_for(None))).await).await;
    assert_eq!(refusal.body["error"], "unsupported_scheme");
}

// ---------------------------------------------------------------------------
// Launch
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_route_asking_for_dpop_of_a_validator_without_it_does_not_launch() {
    let rocket = rocket(&config(""), routes![strict]);
    let log = assert_sentinel_aborts(rocket, "Authorized").await;
    assert!(
        log.contains(
            "asks for `dpop = \"required\"`, but validator `plain` has DPoP disabled: set its \
             `dpop = \"allowed\"` (or \"required\") and `dpop_origin`"
        ),
        "{log}"
    );
}

#[rocket::async_test]
async fn dpop_settings_are_checked_at_launch() {
    let cases: [(&str, &str); 14] = [
        (
            "dpop = \"sometimes\"",
            "`jwt.validators.main.dpop`: `sometimes` is not one of \"disabled\", \"allowed\", \"required\"",
        ),
        (
            "dpop = \"allowed\"",
            "`jwt.validators.main.dpop_origin`: required with DPoP",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://api.example.test/v1\"",
            "`jwt.validators.main.dpop_origin`: an origin: `https://host` or `https://host:port`, without a path",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"http://api.example.test\"",
            "`jwt.validators.main.dpop_origin`: must be `https` (`http` only on a loopback host: localhost, 127.0.0.0/8 or [::1])",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_algorithms = [\"HS256\"]",
            "`jwt.validators.main.dpop_algorithms`: `HS256` is symmetric: a proof is signed with the client's private key",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_proof_max_age_secs = 0",
            "`jwt.validators.main.dpop_proof_max_age_secs`: from 1 to 3600 seconds",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_nonce_secs = 0",
            "`jwt.validators.main.dpop_nonce_secs`: from 1 to 3600 seconds",
        ),
        (
            "dpop_origin = \"https://a.test\"",
            "`jwt.validators.main.dpop_origin`: is not used unless `dpop` is \"allowed\" or \"required\"",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\n\
             dpop_nonce_secret_env = \"WARDEN_TESTS_DPOP_NONCE_SECRET_5C1E\"",
            "`jwt.validators.main.dpop_nonce_secret_env`: applies only with `dpop_nonce_secs`",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_nonce_secs = 60\n\
             dpop_nonce_secret_env = \"WARDEN_TESTS_DPOP_NONCE_SECRET_UNSET_5C1E\"",
            "`jwt.validators.main.dpop_nonce_secret_env`: environment variable \
             `WARDEN_TESTS_DPOP_NONCE_SECRET_UNSET_5C1E` is not set or not UTF-8",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_nonce_secs = 60\n\
             dpop_nonce_secret_env = \"WARDEN_TESTS_DPOP_NONCE_SECRET_SHORT_5C1E\"",
            "`jwt.validators.main.dpop_nonce_secret_env`: environment variable \
             `WARDEN_TESTS_DPOP_NONCE_SECRET_SHORT_5C1E` holds fewer than 32 bytes",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_replay_cache_size = 0",
            "`jwt.validators.main.dpop_replay_cache_size`: at least 1: without it a proof could be replayed",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_algorithms = []",
            "`jwt.validators.main.dpop_algorithms`: cannot be empty",
        ),
        (
            "dpop = \"allowed\"\ndpop_origin = \"https://a.test\"\ndpop_algorithms = [\"ES257\"]",
            "`jwt.validators.main.dpop_algorithms`: unknown algorithm `ES257`, expected some of",
        ),
    ];
    std::env::set_var(
        "WARDEN_TESTS_DPOP_NONCE_SECRET_SHORT_5C1E",
        "31 bytes: one short of enough..",
    );
    for (lines, message) in cases {
        let config = validator("main", RS256, lines);
        assert_aborts(rocket(&config, routes![]), &[message]).await;
    }
}
