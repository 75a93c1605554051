//! Which crypto implementation verifies signatures.
//!
//! jsonwebtoken panics at the first verification when it cannot tell which of
//! its backends to use (both features or neither). rocket_warden makes that
//! impossible: neither is a compile error, and with both, aws-lc-rs is
//! installed at ignite, before any request is served.

#[cfg(not(any(feature = "aws_lc_rs", feature = "rust_crypto")))]
compile_error!(
    "rocket_warden needs a crypto backend: enable its `aws_lc_rs` (default) or `rust_crypto` feature"
);

/// Installs the process-wide jsonwebtoken provider this crate's features
/// select, unless the application installed one of its own first.
pub(crate) fn install() {
    #[cfg(feature = "aws_lc_rs")]
    let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    let provider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    // An error means a provider is already installed: the application's
    // choice, or ours from an earlier ignite in the same process.
    let _ = provider.install_default();
}
