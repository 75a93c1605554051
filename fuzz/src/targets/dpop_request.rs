//! A whole request to a route whose validator takes DPoP (RFC 9449): the
//! `Authorization` scheme, the `DPoP` header (none, one, two), the proof,
//! the token's binding (`cnf.jkt`), the proof's `ath`, the replay store, and
//! on a second route the server's nonces (RFC 9449 §8).

use std::cell::{OnceCell, RefCell};
use std::collections::HashSet;
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::sign;
use crate::fixtures::{with_client, Family, NOW};
use crate::reference;
use crate::routes::{DPOP_NONCE_PATH, DPOP_PATH};
use crate::seeds::proof_jwk;

/// Marks the target replaces: in the token's claims, the proof key's
/// thumbprint; in the proof's header, its public JWK; in the proof's
/// claims, the token's hash and the route's URL.
pub const JKT_MARK: &str = "@jkt@";
/// See [`JKT_MARK`].
pub const JWK_MARK: &str = "@jwk@";
/// See [`JKT_MARK`].
pub const ATH_MARK: &str = "@ath@";
/// See [`JKT_MARK`].
pub const HTU_MARK: &str = "@htu@";
/// In the proof's claims, the nonce the server hands out.
pub const NONCE_MARK: &str = "@nonce@";

/// The first byte says how the request is sent (bit 0: scheme `DPoP`, else
/// `Bearer`; bit 1: a `DPoP` header; bit 2: a second one; bit 3: to the
/// route that asks for nonces). Then, separated by NUL bytes: the token's
/// claims (signed HS256 with the fixture secret), the proof's header and its
/// claims (signed with the ES256 fixture key, whatever `alg` the header
/// names), marks replaced.
///
/// The answer must be a 200, 400 or 401. A request is answered 200 only if
/// the reference accepts the token; a bound token only as `DPoP`, with one
/// proof the reference accepts, by the key the token names; a `DPoP`
/// request only with such a proof, whose `jti` (with that key) was never
/// accepted before, and which carries the server's nonce where the route
/// asks for one. Conversely, a `DPoP` request the reference accepts in full
/// (a fresh `jti`), and a `Bearer` request without a proof carrying a good
/// unbound token, must be answered 200; the same request with a proof
/// whose nonce is not the server's gets a 401 `use_dpop_nonce`. On the
/// nonce route, every answer to a request with a `DPoP` header hands the
/// nonce out (`DPoP-Nonce`).
pub fn dpop_request(data: &[u8]) -> super::Outcome {
    let Some((&how, rest)) = data.split_first() else {
        return "skipped".into();
    };
    let mut fields = rest.split(|&b| b == 0).map(std::str::from_utf8);
    let mut next = || fields.next().unwrap_or(Ok("")).ok();
    let (Some(claims), Some(header), Some(proof_claims)) = (next(), next(), next()) else {
        return "skipped".into();
    };
    // Made once: `proof_jwk` derives the public key from the private one.
    static KEY: OnceLock<(String, String)> = OnceLock::new();
    let (jwk, jkt) = KEY.get_or_init(proof_jwk);
    let claims = claims.replace(JKT_MARK, jkt);
    let token = sign(
        Family::Hmac,
        br#"{"alg":"HS256","typ":"JWT"}"#,
        claims.as_bytes(),
    );
    let ath = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
    let path = match how & 8 {
        0 => DPOP_PATH,
        _ => DPOP_NONCE_PATH,
    };
    let htu = format!("{}{path}", rocket_warden::__fuzz::DPOP_ORIGIN);
    let nonce = with_client(server_nonce);
    let header = header.replace(JWK_MARK, jwk);
    let proof_claims = proof_claims
        .replace(ATH_MARK, &ath)
        .replace(HTU_MARK, &htu)
        .replace(NONCE_MARK, &nonce);
    let proof = sign(Family::Ec, header.as_bytes(), proof_claims.as_bytes());
    let sent = Sent {
        path,
        nonce,
        as_dpop: how & 1 != 0,
        proofs: match how & 6 {
            0 => 0,
            2 => 1,
            _ => 2,
        },
        token,
        proof,
    };
    let answer = with_client(|runtime, client| {
        let scheme = if sent.as_dpop { "DPoP" } else { "Bearer" };
        let mut request = client.get(sent.path).header(Header::new(
            "Authorization",
            format!("{scheme} {}", sent.token),
        ));
        for _ in 0..sent.proofs {
            request = request.header(Header::new("DPoP", sent.proof.clone()));
        }
        runtime.block_on(async {
            let response = request.dispatch().await;
            let offered = response.headers().get_one("DPoP-Nonce").map(str::to_owned);
            Answer {
                status: response.status(),
                offered,
                body: response.into_string().await.unwrap_or_default(),
            }
        })
    });
    judge(&sent, &answer)
}

/// The nonce the nonce route's validator hands out, asked for once per
/// thread (each thread has its own application, and so its own nonce key)
/// with a request whose proof is refused.
fn server_nonce(runtime: &tokio::runtime::Runtime, client: &Client) -> String {
    thread_local! {
        static NONCE: OnceCell<String> = const { OnceCell::new() };
    }
    NONCE.with(|nonce| {
        nonce
            .get_or_init(|| {
                let request = client
                    .get(DPOP_NONCE_PATH)
                    .header(Header::new("Authorization", "DPoP x"))
                    .header(Header::new("DPoP", "x"));
                runtime.block_on(async {
                    let response = request.dispatch().await;
                    let offered = response.headers().get_one("DPoP-Nonce");
                    offered
                        .unwrap_or_else(|| panic!("no DPoP-Nonce"))
                        .to_owned()
                })
            })
            .clone()
    })
}

/// What was sent.
#[derive(Debug)]
struct Sent {
    path: &'static str,
    /// The server's nonce (what [`NONCE_MARK`] stood for).
    nonce: String,
    as_dpop: bool,
    proofs: u8,
    token: String,
    proof: String,
}

/// What came back.
struct Answer {
    status: Status,
    /// The `DPoP-Nonce` header.
    offered: Option<String>,
    body: String,
}

thread_local! {
    /// The `(jkt, jti)` of every proof the routes accepted: the replay store
    /// must refuse them all again.
    static ACCEPTED: RefCell<HashSet<(String, String)>> = RefCell::new(HashSet::new());
}

fn judge(sent: &Sent, answer: &Answer) -> super::Outcome {
    let (status, body) = (answer.status, answer.body.as_str());
    assert!(
        matches!(status.code, 200 | 400 | 401),
        "{} answered {status}: {body}",
        sent.path
    );
    let asks_nonce = sent.path == DPOP_NONCE_PATH;
    if asks_nonce && sent.proofs > 0 {
        assert_eq!(answer.offered, Some(sent.nonce.clone()), "DPoP-Nonce");
    }
    // Where the route asks for one, a proof must carry the server's nonce.
    let nonce_ok = !asks_nonce || proof_claim(&sent.proof, "nonce") == sent.nonce;
    let token = reference::accepts(Family::Hmac, &sent.token);
    let bound = token
        .as_ref()
        .ok()
        .and_then(|claims| claims.get("cnf"))
        .and_then(|cnf| cnf.get("jkt"))
        .cloned();
    let proof = match sent.proofs {
        1 => reference::dpop_accepts(&sent.proof, "GET", sent.path, &sent.token, NOW).ok(),
        _ => None,
    };
    let jti = proof_claim(&sent.proof, "jti");
    let replayed =
        |jkt: &str| ACCEPTED.with(|seen| seen.borrow().contains(&(jkt.to_owned(), jti.clone())));
    if status == Status::Ok {
        let claims = token.unwrap_or_else(|why| {
            panic!("accepted a token the reference refuses ({why}): {sent:?}")
        });
        if let Some(bound) = &bound {
            assert!(sent.as_dpop, "a bound token accepted as Bearer: {sent:?}");
            assert_eq!(
                proof.as_deref().map(Value::from).as_ref(),
                Some(bound),
                "binding"
            );
        }
        if sent.as_dpop {
            let jkt = proof.unwrap_or_else(|| panic!("DPoP without a good proof: {sent:?}"));
            assert!(!replayed(&jkt), "a proof accepted twice: {sent:?}");
            assert!(
                nonce_ok,
                "a proof without the server's nonce accepted: {sent:?}"
            );
            ACCEPTED.with(|seen| seen.borrow_mut().insert((jkt, jti)));
            return "200 dpop".into();
        }
        assert_eq!(body, claims["sub"].to_string(), "the handler's subject");
        return "200 bearer".into();
    }
    if let Ok(claims) = &token {
        let binds = |jkt: &str| bound.as_ref() == Some(&Value::from(jkt));
        match (&proof, sent.as_dpop) {
            (Some(jkt), true) if binds(jkt) && !replayed(jkt) && nonce_ok => {
                panic!("refused ({status}) a DPoP request the reference accepts: {claims:?}")
            }
            (Some(jkt), true) if binds(jkt) && !replayed(jkt) => assert_eq!(
                (status, error_code(body).as_str()),
                (Status::Unauthorized, "use_dpop_nonce"),
                "a proof without the server's nonce: {body}"
            ),
            (_, false) if sent.proofs == 0 && bound.is_none() => {
                panic!("refused ({status}) a bearer token the reference accepts: {claims:?}")
            }
            _ => {}
        }
    }
    format!("{} {}", status.code, reference::label(&error_code(body)))
}

/// The `error` of a JSON refusal body (`?` when there is none).
fn error_code(body: &str) -> String {
    let error = serde_json::from_str::<Value>(body).unwrap_or_default();
    error["error"].as_str().unwrap_or("?").to_owned()
}

/// The proof's claim `name`, if its claims part reads as JSON with it as a
/// string.
fn proof_claim(proof: &str, name: &str) -> String {
    let claims = proof.split('.').nth(1).unwrap_or_default();
    let json = URL_SAFE_NO_PAD.decode(claims).unwrap_or_default();
    let claims: Value = serde_json::from_slice(&json).unwrap_or_default();
    claims[name].as_str().unwrap_or_default().to_owned()
}
