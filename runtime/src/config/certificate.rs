//! The client-certificate keys of a validator, for certificate-bound
//! tokens (RFC 8705): `certificate_from_tls` (the certificate Rocket's own
//! mutual TLS verified, feature `mtls`), and `certificate_header` with
//! `certificate_trusted_proxies` (behind a proxy that terminates TLS and
//! passes the client's certificate on in a header). Read and checked at
//! launch.

use ipnet::IpNet;
use rocket::figment::Figment;

use super::problems::{is_token, Problems};

/// Where a validator reads client certificates from: Rocket's own TLS
/// connection first, then a trusted proxy's header.
#[derive(Debug, Clone)]
pub(crate) struct CertificateConfig {
    /// The certificate Rocket's mutual TLS verified (`certificate_from_tls`).
    pub(crate) from_tls: bool,
    /// A proxy's header.
    pub(crate) proxy: Option<ProxyHeader>,
}

/// A header a TLS-terminating proxy writes the client's certificate to.
#[derive(Debug, Clone)]
pub(crate) struct ProxyHeader {
    /// The request header the proxy writes the certificate to.
    pub(crate) header: Box<str>,
    /// The peers whose header is believed: the proxies.
    pub(crate) trusted_proxies: Vec<IpNet>,
}

/// Reads the certificate keys of the validator `problems` is about.
pub(crate) fn read(problems: &mut Problems<'_>, figment: &Figment) -> Option<CertificateConfig> {
    let from_tls = read_from_tls(problems, figment);
    let proxy = read_proxy(problems);
    (from_tls || proxy.is_some()).then_some(CertificateConfig { from_tls, proxy })
}

/// `certificate_from_tls` (default `false`): only with the `mtls` feature,
/// and only where Rocket's `tls.mutual` is configured, since otherwise no
/// client certificate is ever verified and every bound token would fail.
fn read_from_tls(problems: &mut Problems<'_>, figment: &Figment) -> bool {
    let from_tls: bool = problems.read("certificate_from_tls").unwrap_or(false);
    if !from_tls {
        return false;
    }
    if !cfg!(feature = "mtls") {
        problems.add(
            "certificate_from_tls",
            "needs rocket_warden's `mtls` feature (Rocket's own mutual TLS)",
        );
        return false;
    }
    if !figment.contains("tls.mutual") {
        problems.add(
            "certificate_from_tls",
            "Rocket's `tls.mutual` is not configured: no client certificate would ever be \
             verified (set `tls.mutual.ca_certs`)",
        );
        return false;
    }
    true
}

/// `certificate_header` and `certificate_trusted_proxies`, together.
fn read_proxy(problems: &mut Problems<'_>) -> Option<ProxyHeader> {
    let header: Option<String> = problems.read("certificate_header");
    let proxies: Option<Vec<String>> = problems.read("certificate_trusted_proxies");
    let (header, proxies) = match (header, proxies) {
        (None, None) => return None,
        (Some(header), Some(proxies)) => (header, proxies),
        (Some(_), None) => {
            problems.add(
                "certificate_trusted_proxies",
                "required with `certificate_header`: the addresses (or networks) of the proxies \
                 whose header is believed, e.g. [\"10.0.0.0/8\"]",
            );
            return None;
        }
        (None, Some(_)) => {
            problems.add(
                "certificate_trusted_proxies",
                "is not used without `certificate_header`",
            );
            return None;
        }
    };
    if !is_token(&header) {
        problems.add(
            "certificate_header",
            "a header name: letters, digits, `-`, `_`, `.`",
        );
    }
    if proxies.is_empty() {
        problems.add("certificate_trusted_proxies", "cannot be empty");
    }
    let mut trusted_proxies = Vec::with_capacity(proxies.len());
    for proxy in &proxies {
        // An address alone is a network of one.
        let net = proxy
            .parse::<IpNet>()
            .or_else(|_| proxy.parse::<std::net::IpAddr>().map(IpNet::from));
        match net {
            Ok(net) => trusted_proxies.push(net),
            Err(_) => problems.add(
                "certificate_trusted_proxies",
                format!("`{proxy}` is not an IP address or network (`10.0.0.1`, `10.0.0.0/8`)"),
            ),
        }
    }
    Some(ProxyHeader {
        header: header.into(),
        trusted_proxies,
    })
}
