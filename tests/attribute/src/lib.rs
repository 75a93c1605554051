//! Compile-time checks of `#[jwt_auth]`: see `tests/ui.rs`.
