//! An application's own jsonwebtoken `CryptoProvider` verifies every
//! signature. rocket_warden prepares its keys for aws-lc-rs only when
//! jsonwebtoken's aws-lc-rs provider is the process's (docs/SECURITY.md,
//! "Crypto"); a provider installed before launch must see each token the
//! validators verify, and its answer must be the one that counts.
//!
//! A binary of its own: the provider is process-wide.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use jsonwebtoken::crypto::{aws_lc, CryptoProvider, JwtVerifier};
use jsonwebtoken::errors::Result as JwtResult;
use jsonwebtoken::{Algorithm, DecodingKey};
use rocket::http::Status;
use rocket::routes;
use support::*;

/// Verifiers the application's provider made, one per signature checked.
static MADE: AtomicUsize = AtomicUsize::new(0);
/// When set, the provider refuses every key: its verdict must decide.
static REFUSE: AtomicBool = AtomicBool::new(false);

/// aws-lc-rs underneath, counted (or refusing), as an application's
/// provider that audits or restricts verification might be.
fn counting_verifier(alg: &Algorithm, key: &DecodingKey) -> JwtResult<Box<dyn JwtVerifier>> {
    MADE.fetch_add(1, Ordering::SeqCst);
    if REFUSE.load(Ordering::SeqCst) {
        return Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into());
    }
    (aws_lc::DEFAULT_PROVIDER.verifier_factory)(alg, key)
}

fn install() {
    let provider = Box::leak(Box::new(CryptoProvider {
        signer_factory: aws_lc::DEFAULT_PROVIDER.signer_factory,
        verifier_factory: counting_verifier,
        key_utils: aws_lc::DEFAULT_PROVIDER.key_utils.clone(),
    }));
    provider
        .install_default()
        .expect("no provider is installed before this test's");
}

#[rocket::async_test]
async fn an_application_provider_verifies_every_signature_and_decides() {
    install();
    for alg in [Algorithm::HS256, Algorithm::RS256] {
        // The cache is off: each request verifies its signature again.
        let config = validator("api", alg, "token_cache_size = 0");
        let client = client(&config, routes![jwt]).await;
        let token = mint(alg, &claims());
        let before = MADE.load(Ordering::SeqCst);
        for _ in 0..2 {
            assert_eq!(
                get(&client, "/jwt", Some(&token)).await.status(),
                Status::Ok
            );
        }
        assert_eq!(
            MADE.load(Ordering::SeqCst) - before,
            2,
            "{alg:?}: the application's provider checked both requests"
        );
    }
    // Its refusal is the answer: a valid token is refused.
    REFUSE.store(true, Ordering::SeqCst);
    let config = validator("api", Algorithm::HS256, "token_cache_size = 0");
    let client = client(&config, routes![jwt]).await;
    let token = mint(Algorithm::HS256, &claims());
    let response = get(&client, "/jwt", Some(&token)).await;
    assert_eq!(response.status(), Status::Unauthorized);
}
