//! Client certificates for certificate-bound tokens (RFC 8705 §3), as a
//! proxy that terminates TLS passes them on: a header holding the
//! certificate (PEM, percent-encoded as nginx's `$ssl_client_escaped_cert`
//! and AWS load balancers write it, or base64 DER), believed only from the
//! validator's trusted proxies. The token's `cnf["x5t#S256"]` must be the
//! certificate's SHA-256 thumbprint.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rocket::http::RawStr;
use rocket::Request;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::config::CertificateConfig;
use crate::error::{AuthError, TokenError};

/// Checks that `request` comes with the certificate whose thumbprint is
/// `x5t` (`None`: the token's `x5t#S256` is not a string).
pub(crate) fn check(
    request: &Request<'_>,
    source: &CertificateConfig,
    x5t: Option<&str>,
) -> Result<(), AuthError> {
    let Some(thumbprint) = thumbprint(request, source)? else {
        return Err(TokenError::CertificateMissing.into());
    };
    // A thumbprint is public, but the comparison costs nothing to make in
    // constant time.
    let matches = x5t.is_some_and(|x5t| bool::from(x5t.as_bytes().ct_eq(thumbprint.as_bytes())));
    if matches {
        Ok(())
    } else {
        Err(TokenError::CertificateMismatch.into())
    }
}

/// The base64url SHA-256 thumbprint of the client certificate a trusted
/// proxy passed on; `None` when there is none (no header, or a header from
/// a peer that is not a trusted proxy, which anyone could have written).
fn thumbprint(
    request: &Request<'_>,
    source: &CertificateConfig,
) -> Result<Option<String>, AuthError> {
    let mut values = request.headers().get(&source.header);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let peer = request.remote().map(|peer| peer.ip());
    if !peer.is_some_and(|peer| source.trusted_proxies.iter().any(|net| net.contains(&peer))) {
        tracing::warn!(
            target: "rocket_warden",
            "ignored `{}` from {peer:?}: not one of `certificate_trusted_proxies`",
            source.header,
        );
        return Ok(None);
    }
    if values.next().is_some() {
        return Err(AuthError::InvalidRequest(
            "more than one client certificate header",
        ));
    }
    let der = der(value).ok_or(AuthError::InvalidRequest(
        "client certificate header is malformed",
    ))?;
    Ok(Some(URL_SAFE_NO_PAD.encode(Sha256::digest(der))))
}

/// The DER bytes of a certificate header: PEM (percent-encoded or not), or
/// base64 DER.
fn der(value: &str) -> Option<Vec<u8>> {
    // Percent-decoding only: a `+` of base64 is not a space here.
    let decoded = RawStr::new(value).percent_decode().ok()?;
    if decoded.contains("-----BEGIN") {
        let pem = pem::parse(decoded.as_bytes()).ok()?;
        return (pem.tag() == "CERTIFICATE").then(|| pem.into_contents());
    }
    STANDARD.decode(decoded.trim()).ok()
}
