//! Integration tests for rocket_warden live in `tests/`.
