//! Client certificates for certificate-bound tokens (RFC 8705 §3): the one
//! Rocket's own mutual TLS verified (feature `mtls`), or the one a proxy
//! that terminates TLS passes on in a header (PEM, percent-encoded as
//! nginx's `$ssl_client_escaped_cert` and AWS load balancers write it, or
//! base64 DER), believed only from the validator's trusted proxies. The
//! token's `cnf["x5t#S256"]` must be the certificate's SHA-256 thumbprint.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rocket::http::RawStr;
use rocket::Request;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::config::{CertificateConfig, ProxyHeader};
use crate::error::{AuthError, TokenError};

/// Checks that `request` comes with the certificate whose thumbprint is
/// `x5t` (`None`: the token's `x5t#S256` is not a string).
pub(crate) async fn check(
    request: &Request<'_>,
    source: &CertificateConfig,
    x5t: Option<&str>,
) -> Result<(), AuthError> {
    let from_tls = match source.from_tls {
        true => tls_thumbprint(request).await,
        false => None,
    };
    let thumbprint = match (from_tls, &source.proxy) {
        (Some(thumbprint), _) => Some(thumbprint),
        (None, Some(proxy)) => proxy_thumbprint(request, proxy)?,
        (None, None) => None,
    };
    let Some(thumbprint) = thumbprint else {
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

/// The thumbprint of the certificate the client presented in Rocket's own
/// TLS handshake, which Rocket verified against `tls.mutual.ca_certs`.
#[cfg(feature = "mtls")]
async fn tls_thumbprint(request: &Request<'_>) -> Option<String> {
    let certificate = request
        .guard::<rocket::mtls::Certificate<'_>>()
        .await
        .succeeded()?;
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(certificate.as_bytes())))
}

/// Without the `mtls` feature, a validator cannot ask for the TLS
/// certificate (launch refuses `certificate_from_tls`).
#[cfg(not(feature = "mtls"))]
async fn tls_thumbprint(_: &Request<'_>) -> Option<String> {
    None
}

/// The base64url SHA-256 thumbprint of the client certificate a trusted
/// proxy passed on; `None` when there is none (no header, or a header from
/// a peer that is not a trusted proxy, which anyone could have written).
fn proxy_thumbprint(
    request: &Request<'_>,
    source: &ProxyHeader,
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
