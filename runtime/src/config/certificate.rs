//! The client-certificate keys of a validator (`certificate_header`,
//! `certificate_trusted_proxies`), for certificate-bound tokens (RFC 8705)
//! behind a proxy that terminates TLS and passes the client's certificate
//! on in a header. Read and checked at launch.

use ipnet::IpNet;
use rocket::figment::Figment;

use super::problems::{is_token, Problems};

/// Where a validator reads client certificates from.
#[derive(Debug, Clone)]
pub(crate) struct CertificateConfig {
    /// The request header the proxy writes the certificate to.
    pub(crate) header: Box<str>,
    /// The peers whose header is believed: the proxies.
    pub(crate) trusted_proxies: Vec<IpNet>,
}

/// Reads the certificate keys of the validator `problems` is about.
pub(crate) fn read(problems: &mut Problems<'_>, figment: &Figment) -> Option<CertificateConfig> {
    let header: Option<String> = problems.read(figment, "certificate_header");
    let proxies: Option<Vec<String>> = problems.read(figment, "certificate_trusted_proxies");
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
    Some(CertificateConfig {
        header: header.into(),
        trusted_proxies,
    })
}
