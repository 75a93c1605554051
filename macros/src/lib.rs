//! Procedural macros for [rocket_warden](https://docs.rs/rocket_warden).
//!
//! Users depend on `rocket_warden`, which re-exports what this crate defines.
//! The `#[jwt_auth(...)]` route attribute will live here: it parses a route
//! policy, checks it, and expands to the guard types of `rocket_warden`,
//! doing no I/O and holding no logic beyond parse, check and expand.
