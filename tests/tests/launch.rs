//! Launch checks: a misconfigured validator aborts launch with messages naming
//! the validator and the key, and guards are sentinels that refuse to launch
//! without the fairing or without the validator their policy needs.

mod support;

use jsonwebtoken::Algorithm::{ES256, HS256, RS256};
use rocket::error::ErrorKind;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::{routes, Build, Rocket, Route};
use rocket_warden::policy::{Policy, RoutePolicy};
use rocket_warden::state::Validators;
use rocket_warden::{Jwt, OptionalJwt};
use serde_json::Value;
use support::*;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The figment `support::rocket` builds for `config`.
fn figment(config: &str) -> Figment {
    Figment::from(rocket::Config::debug_default()).merge(Toml::string(config))
}

/// The messages `Validators::from_figment` reports for `config`.
fn config_errors(config: &str) -> Vec<String> {
    match Validators::from_figment(&figment(config)) {
        Ok(validators) => panic!("expected configuration errors, got {validators:?}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// Asserts that `config` is refused with exactly the `expected` messages, in
/// order, and that a rocket with the fairing and a guarded route fails to
/// ignite because of the rocket_warden fairing, logging every message.
/// Returns the log.
async fn assert_launch_aborts(config: &str, expected: &[&str]) -> String {
    assert_eq!(config_errors(config), expected, "config:\n{config}");

    let (log, result) = logged(rocket(config, routes![jwt, optional]).ignite()).await;
    let error = match result {
        Ok(_) => panic!("launch should abort for config:\n{config}"),
        Err(error) => error,
    };
    // Inspecting the kind also defuses `rocket::Error`'s panic on drop.
    match error.kind() {
        ErrorKind::FailedFairings(fairings) => assert!(
            fairings.iter().any(|info| info.name == "rocket_warden"),
            "the failed fairings {:?} should include rocket_warden",
            fairings.iter().map(|info| info.name).collect::<Vec<_>>()
        ),
        other => panic!("expected FailedFairings, got {other:?}"),
    }
    for message in expected {
        assert!(
            log.contains(&format!("invalid configuration: {message}")),
            "the log should contain {message:?}; it was:\n{log}"
        );
    }
    log
}

/// One test per row, named by the row: the configuration is refused with
/// exactly these messages, in order, and launch aborts logging each
/// (`assert_launch_aborts`).
///
/// ```text
/// launch_aborts! {
///     test_name:
///         config_expression => ["expected message", ...],
/// }
/// ```
macro_rules! launch_aborts {
    ($($name:ident: $config:expr => [$($expected:expr),+ $(,)?],)+) => {$(
        #[rocket::async_test]
        async fn $name() {
            let config = $config;
            assert_launch_aborts(&config, &[$($expected),+]).await;
        }
    )+};
}

/// A validator `main` whose lines are exactly `lines`.
fn main_with(lines: &str) -> String {
    format!("[jwt.validators.main]\n{lines}\n")
}

/// A validator `main` with the test issuer, `algorithms` (TOML) and `key` lines.
fn main_keyed(algorithms: &str, key: &str) -> String {
    main_with(&format!(
        "issuer = {ISSUER:?}\nalgorithms = {algorithms}\n{key}"
    ))
}

fn pem_setting(pem: &str) -> String {
    format!("public_key_pem = '''\n{pem}'''")
}

/// Two valid validators, `alpha` and `beta`.
fn two_validators() -> String {
    format!(
        "{}{}",
        validator("alpha", HS256, ""),
        validator("beta", RS256, "")
    )
}

struct Billing;

impl Policy for Billing {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("billing");
}

struct Beta;

impl Policy for Beta {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("beta");
}

#[rocket::get("/billing")]
fn billing(auth: Jwt<Value, Billing>) -> String {
    auth.validator().to_owned()
}

#[rocket::get("/beta")]
fn beta(auth: Jwt<Value, Beta>) -> String {
    auth.validator().to_owned()
}

#[rocket::get("/beta-optional")]
fn beta_optional(auth: OptionalJwt<Value, Beta>) -> String {
    auth.as_ref()
        .map_or("anonymous", |jwt| jwt.validator())
        .to_owned()
}

#[rocket::get("/open")]
fn open() -> &'static str {
    "open"
}

/// A rocket built from `config` like `support::rocket`, but WITHOUT the fairing.
fn rocket_without_fairing(config: &str, routes: Vec<Route>) -> Rocket<Build> {
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(config));
    rocket::custom(figment).mount("/", routes)
}

// ---------------------------------------------------------------------------
// Unknown keys and names
// ---------------------------------------------------------------------------

launch_aborts! {
    unknown_key_close_to_a_real_one_suggests_it:
        main_with(&format!(
            "issuer = {ISSUER:?}\nalgorithms = [\"HS256\"]\nsecrt = {SECRET:?}"
        )) => [
            "`jwt.validators.main.secrt`: unknown key `secrt`, did you mean `secret`?",
            // True as well: the misspelt key leaves the validator without a key.
            "`jwt.validators.main`: no key source: set exactly one of `secret`, `secret_env`, \
             `public_key_pem`, `public_key_file`, `jwks_uri` or `discovery = true`",
        ],

    unknown_key_far_from_any_lists_the_known_keys:
        format!("{}colour = \"blue\"\n", validator("main", HS256, "")) => [
            "`jwt.validators.main.colour`: unknown key `colour`, expected one of: `issuer`, \
             `algorithms`, `secret`, `secret_env`, `public_key_pem`, `public_key_file`, \
             `jwks_uri`, `discovery`, `leeway_secs`, `required_claims`, `token_type`, `realm`, \
             `token_cache_size`, `token_cache_max_bytes`, `require_low_s`, `resource`, \
             `jwks_cache_secs`, \
             `jwks_min_cache_secs`, \
             `jwks_max_cache_secs`, `jwks_cooldown_secs`, `jwks_timeout_ms`, `jwks_max_bytes`, \
             `audiences`, `roles_claim`, `scope_claim`, `scope_role_prefix`, \
             `read_only_scopes`, `tenants`, `issuer_template`, `tenant_claim`, `trust`, \
             `tenant_cache_size`, `introspection`, `introspection_endpoint`, `client_id`, \
             `client_secret`, `client_secret_env`, `client_private_key_file`, \
             `client_assertion_algorithm`, `client_auth`, `introspection_cache_size`, \
             `introspection_cache_secs`, `introspection_negative_cache_secs`, \
             `introspection_timeout_ms`, `user_strategy`, `static_user`, `user_claim`, \
             `partner_strategy`, `partner_claim`, `partner_required`, `next`, `query_param`, \
             `reject_session_cookies`, `cookie_enabled`, `cookie_name`, `cookie_max_age_secs`, \
             `cookie_secure`, `cookie_path`, `dpop`, `dpop_origin`, `dpop_algorithms`, \
             `dpop_proof_max_age_secs`, `dpop_replay_cache_size`, `dpop_nonce_secs`, \
             `dpop_nonce_secret_env`, \
             `certificate_from_tls`, `certificate_header`, `certificate_trusted_proxies`",
        ],

    validator_name_with_a_dash_aborts_launch:
        format!(
            "[jwt.validators.\"my-api\"]\nissuer = {ISSUER:?}\nalgorithms = [\"HS256\"]\n\
             secret = {SECRET:?}\n"
        ) => [
            "`jwt.validators.my-api`: a validator name must be a Rust identifier (letters, \
             digits and `_`, not starting with a digit), so routes can name it",
        ],

    validator_name_starting_with_a_digit_aborts_launch:
        format!(
            "[jwt.validators.\"1st\"]\nissuer = {ISSUER:?}\nalgorithms = [\"HS256\"]\n\
             secret = {SECRET:?}\n"
        ) => [
            "`jwt.validators.1st`: a validator name must be a Rust identifier (letters, \
             digits and `_`, not starting with a digit), so routes can name it",
        ],

    empty_claim_names_type_and_realm_abort_launch:
        validator(
            "main",
            HS256,
            "required_claims = [\"exp\", \"\"]\ntoken_type = \"\"\nrealm = \"my realm\"",
        ) => [
            "`jwt.validators.main.required_claims`: a claim name cannot be empty",
            "`jwt.validators.main.token_type`: cannot be empty; remove the key to accept any `typ`",
            "`jwt.validators.main.realm`: printable ASCII without spaces, `\"` or `\\`",
        ],

    tenants_with_discovery_aborts_launch:
        main_with(
            "algorithms = [\"RS256\"]\ndiscovery = true\nissuer_template = \"https://login.test/{tenant}\"",
        ) => [
            "`jwt.validators.main.discovery`: needs one issuer to discover; give \
             `issuer_template` a `jwks_uri`, or each tenant its own `discovery = true`",
        ],

    // The message must name the key that is wrong: `jwt.validators`, not `jwt`.
    validators_that_is_not_a_table_aborts_launch:
        "[jwt]\nvalidators = \"main\"\n" => [
            "`jwt.validators`: expected a table, found a string",
        ],
}

#[rocket::async_test]
async fn validator_that_is_not_a_table_aborts_launch() {
    let config = "[jwt.validators]\nmain = 3\n";
    let errors = config_errors(config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("`jwt.validators.main`: "),
        "{errors:?}"
    );
    // The user wrote TOML: the message should not name the library's Rust types.
    assert!(!errors[0].contains("struct Settings"), "{errors:?}");
    assert_launch_aborts(config, &[errors[0].as_str()]).await;
}

#[rocket::async_test]
async fn unknown_key_in_the_jwt_table_names_the_key() {
    let config = format!("[jwt]\nvalidator = 1\n{}", validator("main", HS256, ""));
    let errors = config_errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("`jwt.validator`: ") && errors[0].contains("`validators`"),
        "the message should name the key `jwt.validator` and suggest `validators`: {errors:?}"
    );
    assert!(!errors[0].contains("``"), "doubled backticks: {errors:?}");
    assert_launch_aborts(&config, &[errors[0].as_str()]).await;
}

#[rocket::async_test]
async fn unknown_key_does_not_hide_the_other_problems() {
    let config = main_with(&format!(
        "algorithms = [\"HS256\"]\nsecret = {SECRET:?}\nleway_secs = 5"
    ));
    let expected = [
        "`jwt.validators.main.issuer`: required: the exact `iss` value accepted tokens carry",
        "`jwt.validators.main.leway_secs`: unknown key `leway_secs`, did you mean `leeway_secs`?",
    ];
    let mut errors = config_errors(&config);
    errors.sort();
    assert_eq!(errors, expected, "every problem is reported at once");
    let errors = config_errors(&config);
    let errors: Vec<&str> = errors.iter().map(String::as_str).collect();
    assert_launch_aborts(&config, &errors).await;
}

// ---------------------------------------------------------------------------
// Required keys
// ---------------------------------------------------------------------------

launch_aborts! {
    missing_issuer_aborts_launch:
        main_with(&format!("algorithms = [\"HS256\"]\nsecret = {SECRET:?}")) => [
            "`jwt.validators.main.issuer`: required: the exact `iss` value accepted tokens carry",
        ],

    missing_algorithms_aborts_launch:
        main_with(&format!("issuer = {ISSUER:?}\nsecret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: required: the list of accepted algorithms, \
             e.g. [\"RS256\"]",
        ],

    empty_algorithms_list_aborts_launch:
        main_keyed("[]", &format!("secret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: required: the list of accepted algorithms, \
             e.g. [\"RS256\"]",
        ],
}

// ---------------------------------------------------------------------------
// Algorithms
// ---------------------------------------------------------------------------

launch_aborts! {
    none_in_algorithms_aborts_launch:
        main_keyed("[\"HS256\", \"none\"]", &format!("secret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: `none` is never accepted: tokens must be signed",
        ],

    none_in_any_letter_case_aborts_launch:
        main_keyed("[\"None\"]", &format!("secret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: `none` is never accepted: tokens must be signed",
        ],

    unknown_algorithm_name_aborts_launch:
        main_keyed("[\"HS257\"]", &format!("secret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: unknown algorithm `HS257`, expected one of \
             HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, \
             Ed25519",
        ],

    // Algorithm names are case-sensitive (RFC 7515 §4.1.1), RFC 9864's too.
    ed25519_in_the_wrong_case_aborts_launch:
        main_keyed("[\"ed25519\"]", &pem_setting(support::keys::ED25519_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: unknown algorithm `ed25519`, expected one of \
             HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, \
             Ed25519",
        ],

    // RFC 9864 names Ed448 too; no backend here verifies it.
    ed448_aborts_launch:
        main_keyed("[\"Ed448\"]", &pem_setting(support::keys::ED25519_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: unknown algorithm `Ed448`, expected one of \
             HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, \
             Ed25519",
        ],

    // jsonwebtoken 12 has no ES512 (P-521): README, "Behaviour", says why it is not here.
    es512_aborts_launch:
        main_keyed("[\"ES512\"]", &pem_setting(support::keys::EC_P384_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: unknown algorithm `ES512`, expected one of \
             HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, \
             Ed25519",
        ],

    // `Ed25519` is EdDSA: it fits an Ed25519 key and nothing else.
    ed25519_with_an_rsa_key_aborts_launch:
        main_keyed("[\"Ed25519\"]", &pem_setting(support::keys::RSA_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: `EdDSA` cannot verify with a 2048-bit RSA \
             public key",
        ],
}

// ---------------------------------------------------------------------------
// Key sources
// ---------------------------------------------------------------------------

launch_aborts! {
    no_key_source_aborts_launch:
        main_with(&format!("issuer = {ISSUER:?}\nalgorithms = [\"HS256\"]")) => [
            "`jwt.validators.main`: no key source: set exactly one of `secret`, \
             `secret_env`, `public_key_pem`, `public_key_file`, `jwks_uri` or `discovery = true`",
        ],

    two_key_sources_abort_launch:
        main_keyed(
            "[\"HS256\"]",
            &format!(
                "secret = {SECRET:?}\n{}",
                pem_setting(support::keys::RSA_PUBLIC)
            ),
        ) => [
            "`jwt.validators.main.public_key_pem`: conflicts with `secret`: set exactly one \
             key source",
        ],

    public_key_file_naming_a_missing_file_aborts_launch:
        main_keyed(
            "[\"RS256\"]",
            "public_key_file = \"/nonexistent/rocket_warden/idp.pem\"",
        ) => [
            "`jwt.validators.main.public_key_file`: cannot read \
             `/nonexistent/rocket_warden/idp.pem`: No such file or directory (os error 2)",
        ],
}

#[rocket::async_test]
async fn secret_env_naming_an_unset_variable_aborts_launch() {
    let var = "ROCKET_WARDEN_LAUNCH_TEST_UNSET_SECRET";
    assert!(std::env::var_os(var).is_none(), "{var} must not be set");
    let config = main_keyed("[\"HS256\"]", &format!("secret_env = {var:?}"));
    assert_launch_aborts(
        &config,
        &["`jwt.validators.main.secret_env`: environment variable \
           `ROCKET_WARDEN_LAUNCH_TEST_UNSET_SECRET` is not set or not UTF-8"],
    )
    .await;
}

// ---------------------------------------------------------------------------
// Keys that do not fit the algorithms, or are unusable
// ---------------------------------------------------------------------------

launch_aborts! {
    hs256_with_a_public_key_aborts_launch:
        main_keyed("[\"HS256\"]", &pem_setting(support::keys::RSA_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: `HS256` cannot verify with a 2048-bit RSA \
             public key",
        ],

    rs256_with_a_secret_aborts_launch:
        main_keyed("[\"RS256\"]", &format!("secret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: `RS256` cannot verify with an HMAC secret",
        ],

    es256_with_a_p384_key_aborts_launch:
        main_keyed("[\"ES256\"]", &pem_setting(support::keys::EC_P384_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: `ES256` cannot verify with a P-384 EC public key",
        ],

    es256_with_an_rsa_key_aborts_launch:
        main_keyed("[\"ES256\"]", &pem_setting(support::keys::RSA_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: `ES256` cannot verify with a 2048-bit RSA \
             public key",
        ],

    eddsa_with_an_rsa_key_aborts_launch:
        main_keyed("[\"EdDSA\"]", &pem_setting(support::keys::RSA_PUBLIC)) => [
            "`jwt.validators.main.algorithms`: `EdDSA` cannot verify with a 2048-bit RSA \
             public key",
        ],

    each_algorithm_that_does_not_fit_the_key_is_reported:
        main_keyed(
            "[\"RS256\", \"HS256\", \"ES384\"]",
            &pem_setting(support::keys::RSA_PUBLIC),
        ) => [
            "`jwt.validators.main.algorithms`: `HS256` cannot verify with a 2048-bit RSA \
             public key",
            "`jwt.validators.main.algorithms`: `ES384` cannot verify with a 2048-bit RSA \
             public key",
        ],

    secret_shorter_than_32_bytes_aborts_launch:
        main_keyed("[\"HS256\"]", "secret = \"twelve-bytes\"") => [
            "`jwt.validators.main.secret`: the HMAC secret is 12 bytes; at least 32 are required",
        ],

    rsa_key_of_1024_bits_aborts_launch:
        main_keyed("[\"RS256\"]", &pem_setting(support::keys::RSA_1024_PUBLIC)) => [
            "`jwt.validators.main.public_key_pem`: the RSA key has 1024 bits; at least 2048 \
             are required",
        ],

    private_key_given_as_public_key_pem_aborts_launch:
        main_keyed("[\"RS256\"]", &pem_setting(support::keys::RSA_PRIVATE)) => [
            "`jwt.validators.main.public_key_pem`: found a private key (`PRIVATE KEY`); \
             configure the public key instead",
        ],
}

#[rocket::async_test]
async fn text_that_is_not_pem_aborts_launch() {
    let config = main_keyed("[\"RS256\"]", "public_key_pem = \"not a key\"");
    let errors = config_errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let prefix = "`jwt.validators.main.public_key_pem`: not a PEM document: ";
    assert!(errors[0].starts_with(prefix), "{errors:?}");
    // The parser's own words follow; the text itself is not echoed.
    assert!(!errors[0].contains("not a key"), "{errors:?}");
    assert_launch_aborts(&config, &[errors[0].as_str()]).await;
}

// ---------------------------------------------------------------------------
// leeway_secs
// ---------------------------------------------------------------------------

launch_aborts! {
    leeway_above_the_maximum_aborts_launch:
        validator("main", HS256, "leeway_secs = 86401") => [
            "`jwt.validators.main.leeway_secs`: at most 86400 seconds",
        ],

    zero_token_cache_max_bytes_aborts_launch:
        validator("main", HS256, "token_cache_max_bytes = 0") => [
            "`jwt.validators.main.token_cache_max_bytes`: between 1048576 (1 MiB) and \
             1073741824 (1 GiB) bytes; `token_cache_size = 0` turns the cache off",
        ],

    token_cache_max_bytes_below_a_mebibyte_aborts_launch:
        validator("main", HS256, "token_cache_max_bytes = 1048575") => [
            "`jwt.validators.main.token_cache_max_bytes`: between 1048576 (1 MiB) and \
             1073741824 (1 GiB) bytes; `token_cache_size = 0` turns the cache off",
        ],

    token_cache_max_bytes_above_a_gibibyte_aborts_launch:
        validator("main", HS256, "token_cache_max_bytes = 1073741825") => [
            "`jwt.validators.main.token_cache_max_bytes`: between 1048576 (1 MiB) and \
             1073741824 (1 GiB) bytes; `token_cache_size = 0` turns the cache off",
        ],

    negative_token_cache_max_bytes_aborts_launch_naming_the_key:
        validator("main", HS256, "token_cache_max_bytes = -1") => [
            "`jwt.validators.main.token_cache_max_bytes`: expected a whole number of 0 or more, \
             found a negative number",
        ],

    require_low_s_given_as_a_string_aborts_launch_naming_the_key:
        validator("main", ES256, "require_low_s = \"yes\"") => [
            "`jwt.validators.main.require_low_s`: expected a boolean, found a string",
        ],

    algorithms_given_as_a_string_aborts_launch_naming_the_key:
        main_keyed("\"HS256\"", &format!("secret = {SECRET:?}")) => [
            "`jwt.validators.main.algorithms`: expected a list, found a string",
        ],

    leeway_given_as_a_string_aborts_launch:
        validator("main", HS256, "leeway_secs = \"ten\"") => [
            "`jwt.validators.main.leeway_secs`: expected a whole number of 0 or more, \
             found a string",
        ],
}

#[rocket::async_test]
async fn leeway_of_the_maximum_launches() {
    let config = validator("main", HS256, "leeway_secs = 86400");
    client(&config, routes![jwt]).await;
}

// ---------------------------------------------------------------------------
// Several problems
// ---------------------------------------------------------------------------

launch_aborts! {
    every_problem_of_one_validator_is_reported:
        main_with(
            "algorithms = [\"RS256\", \"none\"]\nsecret = \"short\"\nleeway_secs = 100000",
        ) => [
            "`jwt.validators.main.issuer`: required: the exact `iss` value accepted tokens carry",
            "`jwt.validators.main.algorithms`: `none` is never accepted: tokens must be signed",
            "`jwt.validators.main.secret`: the HMAC secret is 5 bytes; at least 32 are required",
            "`jwt.validators.main.leeway_secs`: at most 86400 seconds",
        ],

    // Written out of order: reports come by validator name.
    problems_in_two_validators_are_all_reported_by_name:
        format!(
            "{}{}{}",
            main_keyed("[\"RS256\"]", &format!("secret = {SECRET:?}")),
            validator("ok", HS256, ""),
            "[jwt.validators.alpha]\nalgorithms = [\"HS256\"]\nsecret = \"short\"\n",
        ) => [
            "`jwt.validators.alpha.issuer`: required: the exact `iss` value accepted tokens carry",
            "`jwt.validators.alpha.secret`: the HMAC secret is 5 bytes; at least 32 are required",
            "`jwt.validators.main.algorithms`: `RS256` cannot verify with an HMAC secret",
        ],
}

#[test]
fn config_errors_display_one_problem_a_line() {
    let config = format!(
        "{}{}",
        main_with("algorithms = [\"HS256\"]"),
        "[jwt.validators.other]\nissuer = \"x\"\nalgorithms = [\"HS256\"]\nsecret = \"short\"\n"
    );
    let errors = Validators::from_figment(&figment(&config)).expect_err("refused");
    assert_eq!(
        errors.to_string(),
        "`jwt.validators.main.issuer`: required: the exact `iss` value accepted tokens carry\n\
         `jwt.validators.main`: no key source: set exactly one of `secret`, \
         `secret_env`, `public_key_pem`, `public_key_file`, `jwks_uri` or `discovery = true`\n\
         `jwt.validators.other.secret`: the HMAC secret is 5 bytes; at least 32 are required"
    );
}

// ---------------------------------------------------------------------------
// Configurations that launch
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn valid_configuration_launches() {
    let config = format!(
        "{}{}",
        validator("main", HS256, "audiences = [\"me\"]\nleeway_secs = 30"),
        validator("other", RS256, ""),
    );
    let validators = Validators::from_figment(&figment(&config)).expect("valid config");
    assert_eq!(validators.len(), 2);
    assert!(validators.get("main").is_some() && validators.get("other").is_some());
    let client = Client::tracked(rocket(&config, routes![open]))
        .await
        .expect("launches");
    let state = client.rocket().state::<Validators>().expect("managed");
    assert_eq!(state.len(), 2);
}

#[test]
fn every_key_kind_is_accepted_with_its_algorithm() {
    let config = format!(
        "{}{}{}{}{}",
        validator("hmac", HS256, ""),
        validator("rsa", RS256, ""),
        main_keyed("[\"RS256\"]", &pem_setting(support::keys::RSA_PUBLIC_PKCS1))
            .replace("validators.main", "validators.rsa_pkcs1"),
        validator("ec", jsonwebtoken::Algorithm::ES256, ""),
        validator("ed", jsonwebtoken::Algorithm::EdDSA, ""),
    );
    let validators = Validators::from_figment(&figment(&config)).expect("valid config");
    assert_eq!(validators.len(), 5);
}

#[rocket::async_test]
async fn no_jwt_table_ignites_when_no_route_uses_a_guard() {
    assert!(Validators::from_figment(&figment(""))
        .expect("no config is fine")
        .is_empty());
    let rocket = assert_ignites(support::rocket("", routes![open])).await;
    let validators = rocket.state::<Validators>().expect("managed");
    assert!(validators.is_empty());
}

#[rocket::async_test]
async fn empty_validators_table_ignites_when_no_route_uses_a_guard() {
    let rocket = assert_ignites(support::rocket("[jwt.validators]\n", routes![open])).await;
    assert!(rocket.state::<Validators>().expect("managed").is_empty());
}

// ---------------------------------------------------------------------------
// Sentinels
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn jwt_route_without_the_fairing_aborts_launch() {
    let config = validator("main", HS256, "");
    let log = assert_sentinel_aborts(rocket_without_fairing(&config, routes![jwt]), "Jwt").await;
    assert!(
        log.contains("the rocket_warden fairing is not attached")
            && log.contains(".attach(rocket_warden::Warden::fairing())"),
        "{log}"
    );
}

#[rocket::async_test]
async fn optional_jwt_route_without_the_fairing_aborts_launch() {
    let config = validator("main", HS256, "");
    let log = assert_sentinel_aborts(
        rocket_without_fairing(&config, routes![optional]),
        "OptionalJwt",
    )
    .await;
    assert!(
        log.contains("a `OptionalJwt` guard")
            && log.contains("the rocket_warden fairing is not attached"),
        "{log}"
    );
}

#[rocket::async_test]
async fn route_naming_an_unconfigured_validator_aborts_launch() {
    let log = assert_sentinel_aborts(rocket(&two_validators(), routes![billing]), "Jwt").await;
    let expected = format!(
        "a `Jwt` guard (policy `{}`) names validator `billing`, which is not configured \
         (configured: `alpha`, `beta`)",
        std::any::type_name::<Billing>()
    );
    assert!(log.contains(&expected), "expected {expected:?} in:\n{log}");
}

#[rocket::async_test]
async fn route_naming_a_validator_when_none_is_configured_aborts_launch() {
    let log = assert_sentinel_aborts(rocket("", routes![billing]), "Jwt").await;
    assert!(
        log.contains(
            "names validator `billing`, but no validator is configured under `jwt.validators`"
        ),
        "{log}"
    );
}

#[rocket::async_test]
async fn default_policy_jwt_with_no_validator_aborts_launch() {
    let log = assert_sentinel_aborts(rocket("", routes![jwt]), "Jwt").await;
    assert!(
        log.contains("a `Jwt` guard")
            && log.contains("needs a validator, but none is configured under `jwt.validators`"),
        "{log}"
    );
}

#[rocket::async_test]
async fn default_policy_jwt_with_two_validators_aborts_launch() {
    let log = assert_sentinel_aborts(rocket(&two_validators(), routes![jwt]), "Jwt").await;
    assert!(
        log.contains(
            "names no validator, and several are configured (`alpha`, `beta`): name one in \
             the route's policy"
        ),
        "{log}"
    );
}

#[rocket::async_test]
async fn default_policy_optional_jwt_with_no_validator_aborts_launch() {
    let log = assert_sentinel_aborts(rocket("", routes![optional]), "OptionalJwt").await;
    assert!(
        log.contains("a `OptionalJwt` guard")
            && log.contains("needs a validator, but none is configured"),
        "{log}"
    );
}

#[rocket::async_test]
async fn default_policy_optional_jwt_with_two_validators_aborts_launch() {
    let log =
        assert_sentinel_aborts(rocket(&two_validators(), routes![optional]), "OptionalJwt").await;
    assert!(
        log.contains("a `OptionalJwt` guard")
            && log.contains("several are configured (`alpha`, `beta`)"),
        "{log}"
    );
}

#[rocket::async_test]
async fn named_policy_with_two_validators_configured_launches() {
    let client = Client::tracked(rocket(&two_validators(), routes![beta, beta_optional]))
        .await
        .expect("launches");
    let token = mint(RS256, &claims());
    let response = get(&client, "/beta", Some(&token)).await;
    assert_eq!(response.into_string().await.as_deref(), Some("beta"));
    let response = get(&client, "/beta-optional", None).await;
    assert_eq!(response.into_string().await.as_deref(), Some("anonymous"));
}

#[rocket::async_test]
async fn default_policy_with_exactly_one_validator_launches() {
    let config = validator("main", HS256, "");
    assert_ignites(rocket(&config, routes![jwt, optional])).await;
}

#[rocket::async_test]
async fn a_mistyped_secret_is_described_by_type_never_echoed() {
    let config = main_keyed("[\"HS256\"]", "secret = 86753098675309");
    let log = assert_launch_aborts(
        &config,
        &["`jwt.validators.main.secret`: expected a string, found a number"],
    )
    .await;
    assert!(!log.contains("8675309"), "the log echoes the secret: {log}");
}

#[rocket::async_test]
async fn an_unreadable_configuration_source_is_not_mistaken_for_no_validators() {
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default()).merge(
        rocket::figment::providers::Toml::string("[jwt.validators.main\nissuer = "),
    );
    let errors = rocket_warden::state::Validators::from_figment(&figment)
        .expect_err("a syntax error is reported");
    let message = errors.to_string();
    assert!(message.starts_with("`jwt`: "), "{message}");
}

launch_aborts! {
    a_key_of_the_wrong_type_is_reported_once:
        main_with(&format!("issuer = 5\nalgorithms = 7\nsecret = {SECRET:?}")) => [
            "`jwt.validators.main.issuer`: expected a string, found a number",
            "`jwt.validators.main.algorithms`: expected a list, found a number",
        ],
}

/// Rocket's standard sources: `ROCKET_CONFIG` naming a file, and `ROCKET_JWT`
/// in the environment, read through `rocket::Config::figment()`. One test
/// touches these variables, and removes them once the figment has read them.
#[rocket::async_test]
async fn validators_come_from_rocket_config_files_and_environment() {
    let file = std::env::temp_dir().join(format!("warden-launch-{}.toml", std::process::id()));
    let from_file = validator("from_file", HS256, "").replace("[jwt.", "[default.jwt.");
    std::fs::write(&file, from_file).expect("writes the config file");
    std::env::set_var("ROCKET_CONFIG", &file);
    std::env::set_var(
        "ROCKET_JWT",
        format!(
            "{{validators={{from_env={{issuer={ISSUER:?},algorithms=[\"RS256\"],\
             public_key_pem={:?}}}}}}}",
            support::keys::RSA_PUBLIC
        ),
    );
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    std::env::remove_var("ROCKET_CONFIG");
    std::env::remove_var("ROCKET_JWT");
    let _ = std::fs::remove_file(&file);

    let validators = Validators::from_figment(&figment).expect("both sources are valid");
    let names: Vec<_> = validators.iter().map(|v| v.name().to_owned()).collect();
    assert_eq!(names, ["from_env", "from_file"]);

    // And a real request through a validator that came from the environment.
    let rocket = rocket::custom(figment)
        .attach(rocket_warden::Warden::fairing())
        .mount("/", routes![from_env_route]);
    let client = Client::tracked(rocket).await.expect("launches");
    let response = get(&client, "/from-env", Some(&mint(RS256, &claims()))).await;
    assert_eq!(response.status(), rocket::http::Status::Ok);
}

struct FromEnv;

impl Policy for FromEnv {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("from_env");
}

#[rocket::get("/from-env")]
fn from_env_route(auth: Jwt<Value, FromEnv>) -> String {
    auth.validator().to_owned()
}

// ---------------------------------------------------------------------------
// Roles and scopes settings
// ---------------------------------------------------------------------------

launch_aborts! {
    empty_roles_and_scope_claim_names_abort_launch:
        validator("main", HS256, "roles_claim = \"\"\nscope_claim = \"\"") => [
            "`jwt.validators.main.roles_claim`: cannot be empty; remove the key for the default",
            "`jwt.validators.main.scope_claim`: cannot be empty; remove the key for the default",
        ],

    an_empty_read_only_scope_or_audience_aborts_launch:
        validator(
            "main",
            HS256,
            "read_only_scopes = [\"viewer\", \"\"]\naudiences = [\"\"]",
        ) => [
            "`jwt.validators.main.audiences`: an audience cannot be empty",
            "`jwt.validators.main.read_only_scopes`: a scope cannot be empty",
        ],

    read_only_scopes_of_the_wrong_type_abort_launch:
        validator("main", HS256, "read_only_scopes = \"viewer\"") => [
            "`jwt.validators.main.read_only_scopes`: expected a list, found a string",
        ],
}

#[rocket::async_test]
async fn an_empty_scope_role_prefix_is_accepted() {
    let config = validator("main", HS256, "scope_role_prefix = \"\"");
    assert!(Validators::from_figment(&figment(&config)).is_ok());
}
