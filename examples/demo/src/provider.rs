//! The demo as an OpenID Provider: its development defaults, joined under
//! whatever configuration the demo runs with (DESIGN.md: "Defaults under any
//! configuration"). What the configuration sets wins; clients it gives are
//! added beside `demo_rp`.

use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use serde_json::json;

/// `demo_rp`'s development secret, committed on purpose so the demo runs as
/// cloned. A real deployment uses `secret_env` or `secret_hash`.
pub const DEMO_RP_SECRET: &str = "demo-rp-secret-for-development-only";

/// The relying party's client id.
pub const DEMO_RP: &str = "demo_rp";

/// The demo's own URL, `http://<address>:<port>` (a wildcard address
/// answers on 127.0.0.1).
pub fn own_url(figment: &Figment) -> String {
    let port: u16 = figment.extract_inner("port").unwrap_or(8000);
    let address: String = figment
        .extract_inner("address")
        .unwrap_or_else(|_| "127.0.0.1".to_owned());
    let host = match address.as_str() {
        "0.0.0.0" | "::" => "127.0.0.1".to_owned(),
        v6 if v6.contains(':') => format!("[{v6}]"),
        other => other.to_owned(),
    };
    format!("http://{host}:{port}")
}

/// `figment` with the provider, `demo_rp` and `demo_oidc` defaults joined
/// in: each key only where the configuration has none.
pub fn with_defaults(figment: Figment) -> Figment {
    let url = own_url(&figment);
    let issuer: String = figment
        .extract_inner("jwt.provider.issuer")
        .unwrap_or_else(|_| url.clone());
    let defaults = json!({
        "jwt": {
            "provider": {
                "issuer": issuer,
                "login_url": "/login",
                "clients": {
                    DEMO_RP: {
                        "redirect_uris": [format!("{url}/rp/callback")],
                        "secret": DEMO_RP_SECRET,
                        "grant_types": ["authorization_code", "refresh_token"],
                        "response_types": ["code", "code id_token"],
                        "scopes": ["openid", "profile", "email", "phone", "offline_access"],
                        "name": "Demo RP",
                        "audience": "demo",
                    }
                }
            },
            "validators": {
                "demo_oidc": {
                    "issuer": issuer,
                    "discovery": true,
                    "audiences": ["demo"],
                    "algorithms": ["RS256", "ES256", "EdDSA"],
                    "user_strategy": "claim",
                    "dpop": "allowed",
                    "dpop_origin": url,
                    "resource": url,
                }
            }
        }
    });
    figment.join(Serialized::globals(defaults))
}
