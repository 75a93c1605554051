//! The fuzz targets, bounded for CI: each replays its seeds, its corpus and
//! its regressions, then runs a fixed number of grammar-aware generated
//! inputs. `WARDEN_FUZZ_CASES=<n>` runs `n` generated inputs per target
//! instead (a long run without libFuzzer; docs/SECURITY.md); every run
//! prints how many inputs each target tried and how fast.

mod grammar;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use warden_fuzz::targets::{self, Target};
use warden_fuzz::{reference, seeds};

/// The target called `name`.
fn target(name: &str) -> Target {
    targets::ALL
        .iter()
        .find(|(target, _)| *target == name)
        .map(|(_, run)| *run)
        .unwrap_or_else(|| panic!("no target {name}"))
}

/// Runs `name` over its seeds and the files of its corpus and regression
/// folders; returns how many inputs it ran.
fn replay(name: &str) -> usize {
    let run = target(name);
    let mut inputs = seeds::of(name);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = fs::read_dir(root.join(folder).join(name)) else {
            continue;
        };
        for entry in entries.flatten() {
            inputs.push(fs::read(entry.path()).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    for input in &inputs {
        run(input);
    }
    inputs.len()
}

/// Runs `name` over `default` generated inputs (or `WARDEN_FUZZ_CASES`),
/// from a fixed seed unless `WARDEN_FUZZ_RANDOM` is set, and counts the
/// cases they reached; a failure is shrunk to a small input and reported.
fn generate(
    name: &str,
    default: u32,
    strategy: impl Strategy<Value = Vec<u8>>,
) -> BTreeMap<String, u32> {
    let total = std::env::var("WARDEN_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    let config = Config {
        cases: total,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let mut runner = match std::env::var_os("WARDEN_FUZZ_RANDOM") {
        Some(_) => TestRunner::new(config),
        None => {
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
        }
    };
    let run = target(name);
    let reached = RefCell::new(BTreeMap::<String, u32>::new());
    let started = Instant::now();
    let outcome = runner.run(&strategy.prop_map(Input), |input| {
        *reached.borrow_mut().entry(run(&input.0)).or_default() += 1;
        Ok(())
    });
    let secs = started.elapsed().as_secs_f64();
    let reached = reached.into_inner();
    let cases: Vec<String> = reached
        .iter()
        .map(|(case, n)| format!("{case} {n}"))
        .collect();
    eprintln!(
        "{name}: {total} generated inputs in {secs:.1} s ({:.0}/s); cases reached: {}",
        f64::from(total) / secs,
        cases.join(", ")
    );
    if let Err(failure) = outcome {
        panic!("{name}: {failure}");
    }
    reached
}

/// A generated input, shown as text when a failure is reported.
#[derive(Clone)]
struct Input(Vec<u8>);

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

#[test]
fn authorization() {
    on_a_large_stack(|| {
        assert!(replay("authorization") > 0);
        let reached = generate("authorization", 10_000, grammar::authorization_input());
        assert_reached(
            &reached,
            &[
                "accepted",
                "refused: MalformedCredentials",
                "refused: UnsupportedScheme",
            ],
        );
    });
}

#[test]
fn token() {
    on_a_large_stack(|| {
        assert!(replay("token") > 0);
        let reached = generate("token", 3_000, grammar::token_input());
        assert_reached(
            &reached,
            &[
                "accepted",
                "refused: BadSignature",
                "refused: Expired",
                "refused: WrongIssuer",
                "refused: WrongAudience",
                "refused: AlgorithmNotAllowed",
                "refused: Malformed",
            ],
        );
    });
}

#[test]
fn jwk_set() {
    on_a_large_stack(|| {
        assert!(replay("jwk_set") > 0);
        let reached = generate("jwk_set", 2_000, grammar::jwk_set_input());
        assert_reached(
            &reached,
            &[
                "refused",
                "read: one usable key",
                "read: several usable keys",
            ],
        );
    });
}

#[test]
fn discovery() {
    on_a_large_stack(|| {
        assert!(replay("discovery") > 0);
        let reached = generate("discovery", 5_000, grammar::discovery_input());
        assert_reached(&reached, &["taken", "refused"]);
    });
}

#[test]
fn request() {
    on_a_large_stack(|| {
        assert!(replay("request") > 0);
        let reached = generate("request", 1_500, grammar::request_input());
        assert_reached(
            &reached,
            &[
                "200 authenticated",
                "200 anonymous",
                "401 invalid_token",
                "401 session_cookie_refused",
                "401 insufficient_user_authentication",
                "403 insufficient_scope",
            ],
        );
    });
}

#[test]
fn dpop() {
    on_a_large_stack(|| {
        assert!(replay("dpop") > 0);
        let reached = generate("dpop", 3_000, grammar::dpop_input());
        assert_reached(
            &reached,
            &[
                "accepted",
                "refused: Malformed",
                "refused: WrongType",
                "refused: AlgorithmNotAllowed",
                "refused: BadKey",
                "refused: BadSignature",
                "refused: WrongMethod",
                "refused: WrongUri",
                "refused: Stale",
                "refused: WrongToken",
            ],
        );
    });
}

#[test]
fn provider() {
    on_a_large_stack(|| {
        assert!(replay("provider") > 0);
        let reached = generate("provider", 1_500, grammar::provider_input());
        assert_reached(
            &reached,
            &[
                "authorize login",
                "authorize issued",
                "authorize error invalid_scope",
                "authorize 400",
                "token issued",
                "token 400 invalid_request",
                "token 401 invalid_client",
                "token 400 unsupported_grant_type",
                "exchange issued",
                "exchange 400 invalid_grant",
                "refresh issued",
                "refresh 400 invalid_grant",
                "refresh 400 invalid_scope",
                "consent-flow issued",
                "consent-flow error access_denied",
                "consent-flow 403",
                "introspect 200 inactive",
                "revoke 200",
                "userinfo 401",
            ],
        );
    });
}

#[test]
fn introspection() {
    on_a_large_stack(|| {
        assert!(replay("introspection") > 0);
        let reached = generate("introspection", 3_000, grammar::introspection_input());
        assert_reached(
            &reached,
            &[
                "accepted",
                "refused: Inactive",
                "refused: UntrustedIntrospection",
                "refused: WrongType",
                "refused: WrongIssuer",
                "refused: WrongAudience",
                "refused: Expired",
                "refused: MissingClaim",
            ],
        );
    });
}

#[test]
fn dpop_request() {
    on_a_large_stack(|| {
        assert!(replay("dpop_request") > 0);
        let reached = generate("dpop_request", 1_500, grammar::dpop_request_input());
        assert_reached(
            &reached,
            &[
                "200 dpop",
                "200 bearer",
                "401 invalid_dpop_proof",
                "401 use_dpop_nonce",
                "401 invalid_token",
            ],
        );
    });
}

/// Runs `test` on a thread with a 64 MiB stack. A debug build keeps the
/// whole of Rocket's request future on the stack of the thread that blocks
/// on it (the `request` target's local client), with frames many times
/// their release size: on a test thread's 2 MiB that overflows, where a
/// release build or a Rocket worker (whose futures are on the heap) does not.
fn on_a_large_stack(test: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(test)
        .unwrap_or_else(|e| panic!("no thread: {e}"));
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

/// The generators are worth their inputs: each of `cases` was reached.
fn assert_reached(reached: &BTreeMap<String, u32>, cases: &[&str]) {
    for case in cases {
        assert!(
            reached.contains_key(*case),
            "no generated input reached {case}: {reached:?}"
        );
    }
}

/// The seeds reach the accepting branch of every family: a good token of
/// each is accepted by the reference, and an expired one refused, so the
/// targets' "accepted" checks run at all.
#[test]
fn seed_tokens_reach_acceptance_for_every_family() {
    let tokens = seeds::tokens();
    for (index, family) in warden_fuzz::fixtures::Family::ALL.into_iter().enumerate() {
        let good = &tokens[index * 3];
        let expired = &tokens[index * 3 + 1];
        assert!(
            reference::accepts(family, good).is_ok(),
            "{family:?} good seed"
        );
        assert_eq!(
            reference::accepts(family, expired).err().as_deref(),
            Some("exp"),
            "{family:?} expired seed"
        );
    }
}

/// The reference check refuses what it must: a signature changed by one
/// bit, a token of one family checked as another's.
#[test]
fn the_reference_refuses_forgeries() {
    use warden_fuzz::fixtures::Family;
    let tokens = seeds::tokens();
    let good = &tokens[0];
    let (signed, signature) = good.rsplit_once('.').unwrap_or_default();
    let flipped = match signature.as_bytes()[0] {
        b'A' => format!("{signed}.B{}", &signature[1..]),
        _ => format!("{signed}.A{}", &signature[1..]),
    };
    assert!(reference::accepts(Family::Hmac, &flipped).is_err());
    assert!(reference::accepts(Family::Rsa, good).is_err());
    assert!(reference::chain_accepts(&flipped).is_none());
}
