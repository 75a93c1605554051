//! The fuzz targets, bounded for CI: each replays its seeds, its corpus and
//! its regressions, then runs a fixed number of grammar-aware generated
//! inputs. `WARDEN_FUZZ_CASES=<n>` runs `n` generated inputs per target
//! instead (a long run without libFuzzer; docs/SECURITY.md); every run
//! prints how many inputs each target tried and how fast.

mod grammar;

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
/// from a fixed seed unless `WARDEN_FUZZ_RANDOM` is set; a failure is
/// shrunk to a small input and reported.
fn generate(name: &str, default: u32, strategy: impl Strategy<Value = Vec<u8>>) {
    let cases = std::env::var("WARDEN_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    let config = Config {
        cases,
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
    let started = Instant::now();
    let outcome = runner.run(&strategy.prop_map(Input), |input| {
        run(&input.0);
        Ok(())
    });
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {cases} generated inputs in {secs:.1} s ({:.0}/s)",
        f64::from(cases) / secs
    );
    if let Err(failure) = outcome {
        panic!("{name}: {failure}");
    }
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
    assert!(replay("authorization") > 0);
    generate("authorization", 20_000, grammar::authorization_input());
}

#[test]
fn token() {
    assert!(replay("token") > 0);
    generate("token", 3_000, grammar::token_input());
}

#[test]
fn jwk_set() {
    assert!(replay("jwk_set") > 0);
    generate("jwk_set", 2_000, grammar::jwk_set_input());
}

#[test]
fn discovery() {
    assert!(replay("discovery") > 0);
    generate("discovery", 5_000, grammar::discovery_input());
}

#[test]
fn request() {
    assert!(replay("request") > 0);
    generate("request", 1_500, grammar::request_input());
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
