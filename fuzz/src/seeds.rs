//! Seed inputs: the public vectors (`tests/vectors/jose.json`, copied from
//! `../shared/vectors`), and tokens, key sets and requests of the kinds the
//! integration tests mint, each encoded as its target reads bytes.
//!
//! Seeds are computed, not stored: they follow the fixtures when those change.
//! The corpus folders (`fuzz/corpus/<target>`) keep what a long run found
//! worth keeping, and `fuzz/regressions/<target>` every input that once
//! failed.

use jsonwebtoken::{Algorithm, Header};
use rocket_warden::testing::TestKey;
use serde_json::{json, Value};

use crate::fixtures::{
    good_claims, Family, AUTH_COOKIE, ISSUER, NOW, QUERY_PARAM, SECRET, SESSION_COOKIE,
};
use crate::reference::STEP_UP_ACR;
use crate::routes::PATHS;
use crate::targets::{sign, DPOP_ACCESS_TOKEN, DPOP_METHOD, DPOP_PATH};

/// The public vectors.
const VECTORS: &str = include_str!("../../tests/vectors/jose.json");

/// An input as the request-like targets read it: a first byte, then
/// `fields` separated by NUL bytes.
pub fn input(first: u8, fields: &[&str]) -> Vec<u8> {
    let mut bytes = vec![first];
    bytes.extend_from_slice(fields.join("\0").as_bytes());
    bytes
}

/// The seeds of the target called `name`.
pub fn of(name: &str) -> Vec<Vec<u8>> {
    match name {
        "authorization" => authorization(),
        "token" => token(),
        "jwk_set" => jwk_set(),
        "discovery" => discovery(),
        "request" => request(),
        "dpop" => dpop(),
        "provider" => provider(),
        "introspection" => introspection(),
        "dpop_request" => dpop_request(),
        other => panic!("no target called {other}"),
    }
}

/// A header for `family`'s tokens.
fn header(family: Family, alg: Algorithm) -> Header {
    let mut header = Header::new(alg);
    if let Some(typ) = family.token_type() {
        header.typ = Some(typ.to_owned());
    }
    header
}

/// Tokens every validator of the chain accepts, and near misses.
pub fn tokens() -> Vec<String> {
    let mut tokens = Vec::new();
    for family in Family::ALL {
        let mint = |claims: &Value| {
            let header = header(family, family.alg());
            rocket_warden::testing::mint(&header, claims, family.signing_key())
        };
        tokens.push(mint(&good_claims()));
        let mut expired = good_claims();
        expired["exp"] = json!(NOW - 1);
        tokens.push(mint(&expired));
        let mut other = good_claims();
        other["aud"] = json!(["other", "api"]);
        other["sub"] = json!(42);
        other["realm_access"] = json!({"roles": ["admin"]});
        tokens.push(mint(&other));
    }
    // After the three of each family, which tests find by position.
    for family in Family::ALL {
        let header = header(family, family.alg());
        let claims = stepped_up_claims();
        tokens.push(rocket_warden::testing::mint(
            &header,
            &claims,
            family.signing_key(),
        ));
    }
    tokens.extend(vector_strings().filter(|s| s.matches('.').count() == 2));
    tokens
}

/// Good claims that also meet the fuzz application's step-up route: its
/// `acr`, and an authentication a minute before [`NOW`].
fn stepped_up_claims() -> Value {
    let mut claims = good_claims();
    claims["acr"] = json!(STEP_UP_ACR);
    claims["auth_time"] = json!(NOW - 60);
    claims
}

/// Every string of the vectors file.
fn vector_strings() -> impl Iterator<Item = String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(text) => out.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            Value::Object(map) => map.values().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let vectors: Value = serde_json::from_str(VECTORS).unwrap_or_default();
    let mut out = Vec::new();
    walk(&vectors, &mut out);
    out.into_iter()
}

/// Every JWK object of the vectors file.
fn vector_jwks() -> Vec<Value> {
    fn walk(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) if map.contains_key("kty") => out.push(value.clone()),
            Value::Object(map) => map.values().for_each(|item| walk(item, out)),
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let vectors: Value = serde_json::from_str(VECTORS).unwrap_or_default();
    let mut out = Vec::new();
    walk(&vectors, &mut out);
    out
}

fn authorization() -> Vec<Vec<u8>> {
    let token = tokens().swap_remove(0);
    [
        format!("Bearer {token}"),
        format!("bearer   {token}"),
        "Bearer abc==".to_owned(),
        "Basic dXNlcjpwYXNz".to_owned(),
        "DPoP a.b.c".to_owned(),
        "Bearer".to_owned(),
        " ".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn token() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (index, family) in Family::ALL.into_iter().enumerate() {
        let mode = u8::try_from(index * 2).unwrap_or(0);
        for token in tokens() {
            seeds.push([&[mode][..], token.as_bytes()].concat());
        }
        let header = serde_json::to_vec(&header(family, family.alg())).unwrap_or_default();
        let payload = serde_json::to_vec(&good_claims()).unwrap_or_default();
        seeds.push([&[mode + 1][..], &header, &[0], &payload].concat());
        let raw = format!(
            r#"{{"iss":"{ISSUER}","iss":"x","aud":["api"],"sub":"a","exp":1e400,"nbf":-0,"iat":{NOW}.5}}"#
        );
        seeds.push([&[mode + 1][..], &header, &[0], raw.as_bytes()].concat());
    }
    seeds
}

fn jwk_set() -> Vec<Vec<u8>> {
    let keys: Vec<TestKey> = [
        (Algorithm::RS256, include_str!("../../tests/keys/rsa.key")),
        (
            Algorithm::ES256,
            include_str!("../../tests/keys/ec-p256.key"),
        ),
        (
            Algorithm::ES384,
            include_str!("../../tests/keys/ec-p384-signing.key"),
        ),
        (
            Algorithm::EdDSA,
            include_str!("../../tests/keys/ed25519.key"),
        ),
    ]
    .iter()
    .enumerate()
    .filter_map(|(index, (alg, pem))| TestKey::from_pem(*alg, Some(&format!("k{index}")), pem).ok())
    .collect();
    let set = |keys: Vec<Value>| serde_json::to_vec(&json!({ "keys": keys })).unwrap_or_default();
    let mut unkeyed: Vec<Value> = keys.iter().map(TestKey::jwk).collect();
    unkeyed.iter_mut().for_each(|jwk| {
        jwk.as_object_mut().map(|jwk| jwk.remove("kid"));
    });
    vec![
        set(keys.iter().map(TestKey::jwk).collect()),
        set(unkeyed),
        set(vector_jwks()),
        br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQ"}]}"#
            .to_vec(),
    ]
}

fn discovery() -> Vec<Vec<u8>> {
    [
        json!({"issuer": ISSUER, "jwks_uri": "https://issuer.fuzz.example/jwks"}),
        json!({"issuer": ISSUER, "jwks_uri": "http://127.0.0.1:8000/jwks"}),
        json!({"issuer": ISSUER, "jwks_uri": "http://example.com/jwks"}),
        json!({"issuer": format!("{ISSUER}/"), "jwks_uri": "https://x/jwks"}),
    ]
    .iter()
    .map(|doc| serde_json::to_vec(doc).unwrap_or_default())
    .collect()
}

fn request() -> Vec<Vec<u8>> {
    let token = tokens().swap_remove(0);
    let stored = json!({
        "validator": "hs",
        "header": {"alg": "HS256", "typ": "JWT"},
        "payload": good_claims(),
        "exp": NOW + 60,
    })
    .to_string();
    let mut seeds = Vec::new();
    for route in 0..PATHS.len() as u8 {
        let bearer = format!("Bearer {token}\0\0\0");
        seeds.push([&[route | 1 << 3], bearer.as_bytes()].concat());
        let query = format!("\0\0{QUERY_PARAM}={token}&x=1\0");
        seeds.push([&[route | 1 << 5], query.as_bytes()].concat());
        let cookie = format!("\0{SESSION_COOKIE}=1; {AUTH_COOKIE}=%C3%28\0\0{stored}");
        seeds.push([&[route | 1 << 4 | 1 << 6], cookie.as_bytes()].concat());
        seeds.push(vec![route]);
    }
    // The step-up route, with a token that meets its demands.
    let stepped_up = rocket_warden::testing::mint(
        &header(Family::Hmac, Family::Hmac.alg()),
        &stepped_up_claims(),
        Family::Hmac.signing_key(),
    );
    let step_up = PATHS
        .iter()
        .position(|path| *path == "/stepup")
        .unwrap_or(0) as u8;
    seeds.push(
        [
            &[step_up | 1 << 3],
            format!("Bearer {stepped_up}").as_bytes(),
        ]
        .concat(),
    );
    let signed = sign(Family::Hmac, br#"{"alg":"HS256"}"#, br#"{"sub":"x"}"#);
    seeds.push([&[1u8 << 3][..], format!("Bearer {signed}").as_bytes()].concat());
    seeds
}

/// The header and claims of a good DPoP proof by `family`'s key (ES256 or
/// EdDSA) for the `dpop` target's request, at [`NOW`].
/// The ES256 fixture key's public JWK (as JSON text) and its thumbprint:
/// the proof key of the `dpop_request` target.
pub fn proof_jwk() -> (String, String) {
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(Family::Ec.signing_key(), Family::Ec.alg())
        .unwrap_or_else(|e| panic!("no public JWK for the ES256 key: {e}"));
    let jkt = jwk
        .thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
        .unwrap_or_else(|e| panic!("no thumbprint for the ES256 key: {e}"));
    let (header, _) = proof_parts(Family::Ec);
    (header["jwk"].to_string(), jkt)
}

pub fn proof_parts(family: Family) -> (Value, Value) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(family.signing_key(), family.alg())
        .unwrap_or_else(|e| panic!("no public JWK for {family:?}: {e}"));
    let mut jwk = serde_json::to_value(jwk).unwrap_or_default();
    if let Value::Object(members) = &mut jwk {
        members.retain(|name, _| matches!(name.as_str(), "kty" | "crv" | "x" | "y"));
    }
    let header = json!({ "typ": "dpop+jwt", "alg": format!("{:?}", family.alg()), "jwk": jwk });
    let ath = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(DPOP_ACCESS_TOKEN.as_bytes()));
    let claims = json!({
        "jti": "e1j3V_bKic8-LAEB",
        "htm": DPOP_METHOD,
        "htu": format!("{}{DPOP_PATH}", rocket_warden::__fuzz::DPOP_ORIGIN),
        "iat": NOW - 5,
        "ath": ath,
    });
    (header, claims)
}

fn dpop() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (mode, family) in [(1u8, Family::Ec), (3u8, Family::Ed)] {
        let (header, claims) = proof_parts(family);
        let mut variants = vec![(header.clone(), claims.clone())];
        let mut edit = |change: &dyn Fn(&mut Value, &mut Value)| {
            let (mut header, mut claims) = (header.clone(), claims.clone());
            change(&mut header, &mut claims);
            variants.push((header, claims));
        };
        edit(&|_, claims| {
            claims["htu"] = json!(format!(
                "{}?q=1#f",
                claims["htu"].as_str().unwrap_or_default()
            ))
        });
        edit(&|header, _| header["typ"] = json!("JWT"));
        edit(&|header, _| header["jwk"]["d"] = json!("AAAA"));
        edit(&|_, claims| claims["iat"] = json!(NOW - 61));
        edit(&|_, claims| claims["htm"] = json!("POST"));
        for (header, claims) in variants {
            let (header, claims) = (header.to_string(), claims.to_string());
            seeds.push([&[mode], header.as_bytes(), &[0], claims.as_bytes()].concat());
            let proof = sign(family, header.as_bytes(), claims.as_bytes());
            seeds.push([&[0u8], proof.as_bytes()].concat());
        }
    }
    // The public JWKs of the vectors, as a proof's key.
    for jwk in vector_jwks() {
        let (mut header, claims) = proof_parts(Family::Ec);
        header["jwk"] = jwk;
        let text = format!("{header}\0{claims}");
        seeds.push([&[1u8], text.as_bytes()].concat());
    }
    seeds
}

/// Requests to each of the provider's endpoints: good ones, and near misses
/// (see `targets::provider` for the encoding).
fn provider() -> Vec<Vec<u8>> {
    use crate::provider::{challenge, REDIRECT, VERIFIER};
    use crate::targets::{CODE_MARK, CSRF_MARK, REFRESH_MARK};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    let basic =
        |id: &str, secret: &str| format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    let (signed_in, with_header) = (1u8 << 3, 1u8 << 4);
    let authorize = [
        format!("response_type=code&client_id=first&redirect_uri={redirect}&scope=openid%20email&state=xyz"),
        format!("response_type=code&client_id=rp&redirect_uri={redirect}&scope=openid%20profile&nonce=n"),
        format!(
            "response_type=code&client_id=spa&redirect_uri={redirect}&scope=openid\
             &code_challenge={}&code_challenge_method=S256",
            challenge()
        ),
        format!("response_type=code%20id_token&client_id=first&redirect_uri={redirect}&scope=openid&nonce=n&response_mode=form_post"),
        format!("response_type=code&client_id=first&redirect_uri={redirect}&scope=openid&prompt=none&max_age=10"),
        format!("response_type=token&client_id=first&redirect_uri={redirect}&scope=openid"),
        format!("response_type=code&client_id=first&client_id=rp&redirect_uri={redirect}"),
        "response_type=code&client_id=first&redirect_uri=https%3A%2F%2Fevil.example%2F".to_owned(),
        "response_type=code&client_id=nobody".to_owned(),
    ];
    let mut seeds = Vec::new();
    let mut push = |choice: u8, text: &str, authorization: &str| {
        seeds.push(input(choice, &[text, authorization]));
    };
    for query in &authorize {
        for choice in [0, signed_in, 1, 1 | signed_in] {
            push(choice, query, "");
        }
    }
    let token = 2 | with_header;
    push(
        token,
        "grant_type=client_credentials",
        &basic("service", SECRET),
    );
    push(
        token,
        "grant_type=client_credentials&scope=orders",
        &basic("service", SECRET),
    );
    push(
        token,
        "grant_type=client_credentials&scope=openid",
        &basic("service", SECRET),
    );
    push(
        token,
        "grant_type=client_credentials",
        &basic("service", "wrong"),
    );
    push(token, "grant_type=client_credentials", &basic("rp", SECRET));
    push(
        token,
        "grant_type=refresh_token&refresh_token=abc",
        &basic("rp", SECRET),
    );
    push(
        token,
        &format!("grant_type=authorization_code&code=abc&redirect_uri={redirect}"),
        &basic("rp", SECRET),
    );
    push(
        2,
        &format!("grant_type=client_credentials&client_id=service&client_secret={SECRET}"),
        "",
    );
    push(
        2,
        "grant_type=authorization_code&code=abc&client_id=spa&code_verifier=v",
        "",
    );
    push(2 | 1 << 5, "grant_type=client_credentials", "");
    for choice in [3, 4] {
        push(
            choice | with_header,
            "token=abc&token_type_hint=refresh_token",
            &basic("rp", SECRET),
        );
        push(choice, "token=abc", "");
    }
    push(5 | with_header, "", "Bearer abc.def.ghi");
    push(5, "", "");
    push(6 | signed_in, "csrf=abc&decision=allow", "");
    let exchange = |verifier: &str, client: &str| {
        format!(
            "grant_type=authorization_code&code={CODE_MARK}&redirect_uri={redirect}\
             &code_verifier={verifier}{client}"
        )
    };
    let post = format!("&client_id=first&client_secret={SECRET}");
    push(7, &exchange(VERIFIER, &post), "");
    push(
        7,
        &exchange("wrong-verifier-0123456789-0123456789-01234", &post),
        "",
    );
    push(7, &exchange(VERIFIER, ""), "");
    push(
        7 | with_header,
        &exchange(VERIFIER, ""),
        &basic("first", SECRET),
    );
    let refresh = 7 | 1 << 6;
    let form =
        |extra: &str| format!("grant_type=refresh_token&refresh_token={REFRESH_MARK}{extra}");
    push(refresh, &form(&post), "");
    push(refresh, &form(&format!("{post}&scope=openid")), "");
    push(refresh, &form(&format!("{post}&scope=openid%20orders")), "");
    push(refresh | with_header, &form(""), &basic("rp", SECRET));
    push(refresh, &form("&client_id=spa"), "");
    let consent = 6 | 1 << 6 | signed_in;
    let asked = format!(
        "response_type=code&client_id=rp&redirect_uri={redirect}&scope=openid%20profile\
         &state=s&prompt=consent&csrf_token={CSRF_MARK}"
    );
    for (choice, decision) in [
        (consent, "&decision=approve"),
        (consent, "&decision=deny"),
        (consent, "&decision=maybe"),
        (consent & !signed_in, "&decision=approve"),
        (consent, "&decision=approve&client_id=first"),
    ] {
        push(choice, &format!("{asked}{decision}"), "");
    }
    push(consent, "csrf_token=abc&decision=approve", "");
    seeds
}

/// Answers of an introspection endpoint: good ones as JSON and as JWTs
/// (signed here, and as sent), and near misses one rule at a time.
fn introspection() -> Vec<Vec<u8>> {
    use crate::fixtures::INTROSPECTION_CLIENT;

    let mut good = good_claims();
    good["active"] = json!(true);
    good["token_type"] = json!("access_token");
    let mut answers = vec![good.clone()];
    let mut edit = |change: &dyn Fn(&mut Value)| {
        let mut answer = good.clone();
        change(&mut answer);
        answers.push(answer);
    };
    edit(&|a| a["active"] = json!(false));
    edit(&|a| a["active"] = json!("true"));
    edit(&|a| a["token_type"] = json!("refresh_token"));
    edit(&|a| a["exp"] = json!(NOW - 1));
    edit(&|a| a["aud"] = json!("other"));
    edit(&|a| a["iss"] = json!("https://evil.example"));
    edit(&|a| {
        a.as_object_mut().map(|a| a.remove("iss"));
    });
    edit(&|a| {
        a.as_object_mut().map(|a| a.remove("sub"));
    });
    let header = json!({"alg": "ES256", "typ": "token-introspection+jwt"}).to_string();
    let mut seeds = Vec::new();
    for answer in answers {
        seeds.push([&[0u8], answer.to_string().as_bytes()].concat());
        let envelope = json!({
            "iss": ISSUER,
            "aud": INTROSPECTION_CLIENT,
            "iat": NOW,
            "token_introspection": answer,
        })
        .to_string();
        seeds.push([&[2u8], header.as_bytes(), &[0], envelope.as_bytes()].concat());
        let signed = sign(Family::Ec, header.as_bytes(), envelope.as_bytes());
        seeds.push([&[1u8], signed.as_bytes()].concat());
    }
    seeds.push(b"\x00{\"active\":true,\"active\":false}".to_vec());
    seeds.push(b"\x00[]".to_vec());
    seeds
}

/// Requests to the DPoP route: a bound token with its proof, as `Bearer`,
/// without a proof or with two, an unbound token each way, and proofs one
/// check off (`ath`, `htm`, `iat`, `jwk`); to the route that asks for
/// nonces, a proof with the server's nonce, with another, and with none.
fn dpop_request() -> Vec<Vec<u8>> {
    use crate::targets::{ATH_MARK, HTU_MARK, JKT_MARK, JWK_MARK, NONCE_MARK};

    let mut bound = good_claims();
    bound["cnf"] = json!({ "jkt": JKT_MARK });
    let (bound, unbound) = (bound.to_string(), good_claims().to_string());
    let header = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{JWK_MARK}}}"#);
    let proof = |jti: &str, htm: &str, iat: u64, ath: &str| {
        json!({ "jti": jti, "htm": htm, "htu": HTU_MARK, "iat": iat, "ath": ath }).to_string()
    };
    let good = proof("seed-1", "GET", NOW - 5, ATH_MARK);
    let (dpop, bearer, one, two) = (1u8, 0u8, 2u8, 6u8);
    let mut seeds = Vec::new();
    let mut push = |how: u8, claims: &str, header: &str, proof: &str| {
        seeds.push(input(how, &[claims, header, proof]));
    };
    push(dpop | one, &bound, &header, &good);
    push(
        dpop | one,
        &bound,
        &header,
        &proof("seed-2", "GET", NOW - 5, ATH_MARK),
    );
    push(bearer, &bound, &header, &good);
    push(bearer | one, &bound, &header, &good);
    push(dpop, &bound, &header, &good);
    push(dpop | two, &bound, &header, &good);
    push(bearer, &unbound, &header, &good);
    push(
        dpop | one,
        &unbound,
        &header,
        &proof("seed-3", "GET", NOW - 5, ATH_MARK),
    );
    push(
        dpop | one,
        &bound,
        &header,
        &proof("seed-4", "GET", NOW - 5, "AAAA"),
    );
    push(
        dpop | one,
        &bound,
        &header,
        &proof("seed-5", "POST", NOW - 5, ATH_MARK),
    );
    push(
        dpop | one,
        &bound,
        &header,
        &proof("seed-6", "GET", NOW - 61, ATH_MARK),
    );
    push(
        dpop | one,
        &bound,
        r#"{"typ":"dpop+jwt","alg":"ES256"}"#,
        &good,
    );
    let nonces = 8u8;
    let with_nonce = |jti: &str, nonce: &str| {
        let (htu, iat, ath) = (HTU_MARK, NOW - 5, ATH_MARK);
        json!({ "jti": jti, "htm": "GET", "htu": htu, "iat": iat, "ath": ath, "nonce": nonce })
            .to_string()
    };
    push(
        nonces | dpop | one,
        &bound,
        &header,
        &with_nonce("seed-7", NONCE_MARK),
    );
    push(
        nonces | dpop | one,
        &bound,
        &header,
        &with_nonce("seed-8", "AAAA"),
    );
    push(
        nonces | dpop | one,
        &bound,
        &header,
        &proof("seed-9", "GET", NOW - 5, ATH_MARK),
    );
    push(nonces | bearer, &unbound, &header, &good);
    seeds
}
