//! What the targets share: one validator per key family, the keys that sign
//! for them, the fixed clock they read, and a Rocket application whose routes
//! use them.
//!
//! Everything is built once per thread and kept: a target runs millions of
//! times, and a fresh Rocket per input would measure Rocket's launch.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket_warden::clock::ManualClock;
use rocket_warden::state::Validators;
use rocket_warden::Warden;
use serde_json::{json, Value};

/// The time every validator reads, in seconds since the epoch. Fixed, so
/// that a seed token minted today is still valid when a corpus is replayed
/// years later.
pub const NOW: u64 = 1_900_000_000;
/// The issuer every validator expects.
pub const ISSUER: &str = "https://issuer.fuzz.example";
/// The audience every validator expects.
pub const AUDIENCE: &str = "api";
/// The HMAC secret of the `hs` validator.
pub const SECRET: &str = "a-fuzzing-secret-of-more-than-32-bytes";
/// The session cookie token routes refuse.
pub const SESSION_COOKIE: &str = "session";
/// The authentication cookie of the `hs` validator's cookie mode.
pub const AUTH_COOKIE: &str = "fuzz_auth";
/// The query parameter the `hs` validator takes tokens from.
pub const QUERY_PARAM: &str = "access_token";
/// The `typ` the `rs` validator requires.
pub const RS_TOKEN_TYPE: &str = "at+jwt";
/// The Rocket `secret_key` that encrypts authentication cookies (64 bytes,
/// base64).
pub const SECRET_KEY: &str =
    "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk3yHw2kx9cIjwhJH6lqS8EYgnJGZFaEb1Hfz8wN6yqzw==";

/// A key family: a validator that accepts only its algorithms, and the key
/// that signs its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `hs`: HS256/384/512 with [`SECRET`]; cookie mode and query tokens on.
    Hmac,
    /// `rs`: RS256 and PS256 with a 2048-bit key; `typ` must be `at+jwt`.
    Rsa,
    /// `es`: ES256 with a P-256 key.
    Ec,
    /// `ed`: EdDSA with an Ed25519 key.
    Ed,
}

impl Family {
    /// Every family, in a fixed order (targets index it with an input byte).
    pub const ALL: [Family; 4] = [Family::Hmac, Family::Rsa, Family::Ec, Family::Ed];

    /// The name of its validator.
    pub fn validator(self) -> &'static str {
        match self {
            Family::Hmac => "hs",
            Family::Rsa => "rs",
            Family::Ec => "es",
            Family::Ed => "ed",
        }
    }

    /// The algorithms its validator allows.
    pub fn allowed(self) -> &'static [Algorithm] {
        match self {
            Family::Hmac => &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
            Family::Rsa => &[Algorithm::RS256, Algorithm::PS256],
            Family::Ec => &[Algorithm::ES256],
            Family::Ed => &[Algorithm::EdDSA],
        }
    }

    /// The algorithm its seed tokens are signed with.
    pub fn alg(self) -> Algorithm {
        self.allowed()[0]
    }

    /// The `typ` its validator requires, if any.
    pub fn token_type(self) -> Option<&'static str> {
        (self == Family::Rsa).then_some(RS_TOKEN_TYPE)
    }

    /// The key that signs its tokens.
    pub fn signing_key(self) -> &'static EncodingKey {
        &keys()[self as usize].0
    }

    /// The key its validator verifies with.
    pub fn verifying_key(self) -> &'static DecodingKey {
        &keys()[self as usize].1
    }

    fn public_pem(self) -> &'static str {
        match self {
            Family::Hmac => "",
            Family::Rsa => include_str!("../../tests/keys/rsa.pub"),
            Family::Ec => include_str!("../../tests/keys/ec-p256.pub"),
            Family::Ed => include_str!("../../tests/keys/ed25519.pub"),
        }
    }
}

/// Each family's signing and verifying keys, in [`Family::ALL`] order.
fn keys() -> &'static [(EncodingKey, DecodingKey); 4] {
    static KEYS: OnceLock<[(EncodingKey, DecodingKey); 4]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pem = |family: Family, private: &str| {
            let public = family.public_pem().as_bytes();
            let pair = match family {
                Family::Hmac => unreachable!("HMAC keys are secrets"),
                Family::Rsa => (
                    EncodingKey::from_rsa_pem(private.as_bytes()),
                    DecodingKey::from_rsa_pem(public),
                ),
                Family::Ec => (
                    EncodingKey::from_ec_pem(private.as_bytes()),
                    DecodingKey::from_ec_pem(public),
                ),
                Family::Ed => (
                    EncodingKey::from_ed_pem(private.as_bytes()),
                    DecodingKey::from_ed_pem(public),
                ),
            };
            match pair {
                (Ok(sign), Ok(verify)) => (sign, verify),
                _ => panic!("the {family:?} fixture keys do not load"),
            }
        };
        let secret = match (
            EncodingKey::from_secret(SECRET.as_bytes()),
            DecodingKey::from_secret(SECRET.as_bytes()),
        ) {
            (Ok(sign), Ok(verify)) => (sign, verify),
            _ => panic!("the HMAC fixture secret does not load"),
        };
        [
            secret,
            pem(Family::Rsa, include_str!("../../tests/keys/rsa.key")),
            pem(Family::Ec, include_str!("../../tests/keys/ec-p256.key")),
            pem(Family::Ed, include_str!("../../tests/keys/ed25519.key")),
        ]
    })
}

/// The `jwt` configuration: one validator per family, all with the same
/// issuer and audience; `hs` chains to the others, so a route on `hs`
/// accepts every family's tokens.
pub fn jwt_config() -> Value {
    let mut validators = BTreeMap::new();
    for family in Family::ALL {
        let algorithms: Vec<_> = family
            .allowed()
            .iter()
            .map(|alg| format!("{alg:?}"))
            .collect();
        let mut validator = json!({
            "issuer": ISSUER,
            "audiences": [AUDIENCE],
            "algorithms": algorithms,
            "required_claims": ["exp", "sub"],
            "read_only_scopes": ["viewer"],
            "user_strategy": "claim",
        });
        match family {
            Family::Hmac => {
                validator["secret"] = json!(SECRET);
                validator["next"] = json!("rs");
                validator["query_param"] = json!(QUERY_PARAM);
                validator["cookie_enabled"] = json!(true);
                validator["cookie_name"] = json!(AUTH_COOKIE);
                validator["cookie_secure"] = json!(false);
                validator["reject_session_cookies"] = json!([SESSION_COOKIE]);
            }
            _ => validator["public_key_pem"] = json!(family.public_pem()),
        }
        if let Some(typ) = family.token_type() {
            validator["token_type"] = json!(typ);
        }
        match family {
            Family::Rsa => validator["next"] = json!("es"),
            Family::Ec => validator["next"] = json!("ed"),
            _ => {}
        }
        validators.insert(family.validator(), validator);
    }
    validators.insert(INTROSPECTION, introspection_validator());
    validators.insert(DPOP, dpop_validator());
    let mut with_nonces = dpop_validator();
    with_nonces["dpop_nonce_secs"] = json!(300);
    validators.insert(DPOP_NONCE, with_nonces);
    json!({ "validators": validators })
}

/// The DPoP validator's name.
pub const DPOP: &str = "dp";
/// The name of the DPoP validator that also asks for server nonces
/// (`dpop_nonce_secs`); the fuzz clock never moves, so its nonce is the same
/// for a whole run.
pub const DPOP_NONCE: &str = "dn";

/// A validator that takes DPoP proofs (and bearer tokens that are not
/// bound), with the HMAC family's secret and claim rules, proofs good for
/// 60 s, and room in its replay store for every proof a long run accepts
/// (the fuzz clock never moves, so none expires).
fn dpop_validator() -> Value {
    json!({
        "issuer": ISSUER,
        "audiences": [AUDIENCE],
        "algorithms": ["HS256", "HS384", "HS512"],
        "secret": SECRET,
        "required_claims": ["exp", "sub"],
        "user_strategy": "claim",
        "dpop": "allowed",
        "dpop_origin": rocket_warden::__fuzz::DPOP_ORIGIN,
        "dpop_proof_max_age_secs": 60,
        "dpop_replay_cache_size": 5_000_000,
    })
}

/// The introspection validator's name.
pub const INTROSPECTION: &str = "in";
/// The client id it introspects as: the audience of its JWT answers.
pub const INTROSPECTION_CLIENT: &str = "fuzz-client";

/// A validator of opaque tokens: it asks an introspection endpoint (never
/// reached: the `introspection` target hands it answers directly), with the
/// claim rules of the others, and the ES256 key for JWT answers (RFC 9701).
fn introspection_validator() -> Value {
    json!({
        "issuer": ISSUER,
        "audiences": [AUDIENCE],
        "algorithms": ["ES256"],
        "required_claims": ["exp", "sub"],
        "read_only_scopes": ["viewer"],
        "user_strategy": "claim",
        "introspection": true,
        "introspection_endpoint": "http://127.0.0.1:9/introspect",
        "client_id": INTROSPECTION_CLIENT,
        "client_secret": SECRET,
        "public_key_pem": Family::Ec.public_pem(),
    })
}

/// Rocket's configuration for the fuzz application: quiet, with the
/// cookie key, and [`jwt_config`].
pub fn figment() -> Figment {
    Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", SECRET_KEY))
        .merge(("jwt", jwt_config()))
}

/// The validators, as the fairing builds them at ignite (with the fixed
/// clock), from an application that is ignited once and kept.
pub fn validators() -> &'static Validators {
    static IGNITED: OnceLock<rocket::Rocket<rocket::Ignite>> = OnceLock::new();
    let rocket = IGNITED.get_or_init(|| {
        runtime()
            .block_on(rocket().ignite())
            .unwrap_or_else(|e| panic!("the fuzz application does not ignite: {e}"))
    });
    rocket
        .state::<Validators>()
        .unwrap_or_else(|| panic!("the fairing manages the validators"))
}

/// The Rocket application the `request` target sends requests to.
pub fn rocket() -> rocket::Rocket<rocket::Build> {
    rocket::custom(figment())
        .attach(Warden::fairing().clock(ManualClock::at_secs(NOW)))
        .mount("/", crate::routes::all())
}

/// A local client of [`rocket`], launched once per thread, with the runtime
/// that drives it.
pub fn with_client<T>(f: impl FnOnce(&tokio::runtime::Runtime, &Client) -> T) -> T {
    thread_local! {
        static CLIENT: (tokio::runtime::Runtime, Client) = {
            let runtime = runtime();
            let client = runtime
                .block_on(Client::untracked(rocket()))
                .unwrap_or_else(|e| panic!("the fuzz application does not launch: {e}"));
            (runtime, client)
        };
    }
    CLIENT.with(|(runtime, client)| f(runtime, client))
}

/// A runtime for the targets' async calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no tokio runtime: {e}"))
}

/// Claims every validator accepts: issuer, audience, subject, and times
/// around [`NOW`].
pub fn good_claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "fuzz-user",
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "exp": NOW + 3600,
        "roles": ["reader"],
        "scope": "orders:read",
    })
}
