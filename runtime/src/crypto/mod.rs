//! Which crypto implementation verifies signatures.
//!
//! jsonwebtoken panics at the first verification when it cannot tell which of
//! its backends to use (both features or neither). rocket_warden makes that
//! impossible: neither is a compile error, and with both, aws-lc-rs is
//! installed at ignite, before any request is served.

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::{DecodeSliceError, Engine as _};

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

mod prepared;

pub(crate) use prepared::VerifyingKey;

/// Whether jsonwebtoken's own aws-lc-rs provider is the one installed (or,
/// with only the `aws_lc_rs` feature, the one jsonwebtoken would use): only
/// then do [`VerifyingKey`]s verify with keys they prepared themselves. An
/// application that installed a provider of its own keeps it for every
/// signature.
#[cfg(feature = "aws_lc_rs")]
fn aws_lc_verifies() -> bool {
    jsonwebtoken::crypto::CryptoProvider::try_get_default().is_some_and(|installed| {
        std::ptr::eq(installed, &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER)
    })
}

/// Decodes base64url (no padding) into `buffer` when it fits, into an
/// allocation when it does not. The JOSE parts this crate decodes (headers,
/// signatures) are a few hundred bytes at most, so the allocation is rare;
/// the result, error included, is the same either way.
pub(crate) fn decode_base64url<'b>(
    text: &str,
    buffer: &'b mut [u8],
) -> Result<Cow<'b, [u8]>, base64::DecodeError> {
    match URL_SAFE_NO_PAD.decode_slice(text, buffer) {
        Ok(len) => Ok(Cow::Borrowed(&buffer[..len])),
        Err(DecodeSliceError::OutputSliceTooSmall) => URL_SAFE_NO_PAD.decode(text).map(Cow::Owned),
        Err(DecodeSliceError::DecodeError(error)) => Err(error),
    }
}
