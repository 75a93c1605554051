//! Fuzz targets for rocket_warden: every reader of untrusted input, fed
//! arbitrary bytes and checked against what must hold (docs/SECURITY.md,
//! "Fuzzing").
//!
//! The targets are plain functions (`targets`), so that two drivers share
//! them: `tests/bounded.rs` replays the corpus and a fixed number of
//! grammar-aware generated inputs on every `cargo test`, and the libFuzzer
//! build in `libfuzzer/` runs them coverage-guided for as long as wanted
//! (`fuzz/run`).

pub mod fixtures;
pub mod provider;
pub mod reference;
pub mod routes;
pub mod seeds;
pub mod targets;
