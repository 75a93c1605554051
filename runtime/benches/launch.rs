//! The cost of reading the configuration at launch: what the fairing does at
//! ignite, through [`Validators::from_figment`], for an application with 1,
//! 10 and 100 validators, and for one tenants validator with 10 and 1,000
//! issuers (a table each under `tenants`).
//!
//! Every validator is HS256 with its secret inline and the usual keys set
//! (issuer, audiences, algorithms, leeway, roles), so each reads the same
//! keys as an ordinary validator. Reading is synchronous: no key set is
//! fetched, no network is touched.
//!
//! `cargo bench -p rocket_warden --bench launch` runs it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rocket::figment::providers::{Format as _, Toml};
use rocket::figment::Figment;
use rocket_warden::state::Validators;

/// How many validators the rows of whole applications have.
const VALIDATOR_COUNTS: [usize; 3] = [1, 10, 100];

/// How many issuers the tenants rows have.
const TENANT_COUNTS: [usize; 2] = [10, 1_000];

/// A secret long enough for HS256 (at least 32 bytes).
fn secret(n: usize) -> String {
    format!("a-launch-benchmark-secret-number-{n:06}")
}

/// `count` validators `v0`, `v1`, … each with its own issuer and secret.
fn validators(count: usize) -> String {
    (0..count)
        .map(|n| {
            format!(
                "[jwt.validators.v{n}]\nissuer = \"https://issuer-{n}.example.com\"\n\
                 audiences = [\"orders\", \"billing\"]\nalgorithms = [\"HS256\"]\n\
                 secret = {:?}\nleeway_secs = 30\nroles_claim = \"roles\"\n\
                 scope_claim = \"scope\"\n",
                secret(n)
            )
        })
        .collect()
}

/// One tenants validator with `count` issuers, a table each.
fn tenants(count: usize) -> String {
    let mut config = String::from(
        "[jwt.validators.tenants]\naudiences = [\"orders\"]\nalgorithms = [\"HS256\"]\n",
    );
    for n in 0..count {
        config.push_str(&format!(
            "[jwt.validators.tenants.tenants.t{n}]\nissuer = \"https://tenant-{n}.example.com\"\n\
             secret = {:?}\n",
            secret(n)
        ));
    }
    config
}

/// Benchmarks reading `toml` as the fairing would, as row `count` of `group`.
fn bench_read(c: &mut Criterion, group: &str, count: usize, toml: &str) {
    let figment = Figment::from(rocket::Config::default()).merge(Toml::string(toml));
    // A configuration that does not read would measure its error path.
    if let Err(errors) = Validators::from_figment(&figment) {
        panic!("the benchmark's configuration is refused: {errors}");
    }
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    group.bench_function(BenchmarkId::from_parameter(count), |b| {
        b.iter(|| black_box(Validators::from_figment(black_box(&figment))))
    });
    group.finish();
}

fn launch(c: &mut Criterion) {
    for count in VALIDATOR_COUNTS {
        bench_read(c, "launch/validators", count, &validators(count));
    }
    for count in TENANT_COUNTS {
        bench_read(c, "launch/tenants", count, &tenants(count));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = launch
}
criterion_main!(benches);
