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

/// The demo's resource-server client: it introspects tokens for
/// `demo_introspect`, and may get tokens of its own (client credentials).
pub const DEMO_API: &str = "demo_api";

/// `demo_api`'s development secret, committed on purpose like `demo_rp`'s.
pub const DEMO_API_SECRET: &str = "demo-api-secret-for-development-only";

/// The issuer of the development tokens (`demo`, `demo_jwks`), one of
/// `demo_tenants`' two issuers.
pub const DEV_ISSUER: &str = "http://the.issuer";

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

/// `figment` with the provider, `demo_rp`, `demo_api` and `demo_oidc`
/// defaults joined in (each key only where the configuration has none), and
/// `demo_tenants` and `demo_introspect` where the configuration does not
/// define them at all (their key sources are exclusive: one joined beside a
/// configured one would conflict).
pub fn with_defaults(figment: Figment) -> Figment {
    let url = own_url(&figment);
    let issuer: String = figment
        .extract_inner("jwt.provider.issuer")
        .unwrap_or_else(|_| url.clone());
    let mut whole = serde_json::Map::new();
    if !figment.contains("jwt.validators.demo_tenants") {
        whole.insert("demo_tenants".to_owned(), tenants(&url, &issuer));
    }
    if !figment.contains("jwt.validators.demo_introspect") {
        whole.insert("demo_introspect".to_owned(), introspect(&issuer));
    }
    let figment = figment.join(Serialized::globals(json!({"jwt": {"validators": whole}})));
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
                    },
                    DEMO_API: {
                        "secret": DEMO_API_SECRET,
                        "grant_types": ["client_credentials"],
                        "scopes": ["orders"],
                        "name": "Demo API",
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

/// `demo_tenants`: tokens of the demo's provider (keys by discovery) and the
/// development tokens of `demo_jwks` (the demo's own JWK set), each issuer
/// verified with its own keys only.
fn tenants(url: &str, issuer: &str) -> serde_json::Value {
    json!({
        "algorithms": ["RS256", "ES256", "EdDSA"],
        "audiences": ["demo", "me"],
        "user_strategy": "claim",
        "partner_strategy": "email",
        "tenants": {
            "provider": { "issuer": issuer, "discovery": true },
            "dev": {
                "issuer": DEV_ISSUER,
                "jwks_uri": format!("{url}{}", crate::own_jwks::JWKS_PATH),
            },
        },
    })
}

/// `demo_introspect`: every token asked of the demo's provider
/// (RFC 7662), as `demo_api`.
fn introspect(issuer: &str) -> serde_json::Value {
    json!({
        "issuer": issuer,
        "introspection": true,
        "discovery": true,
        "client_id": DEMO_API,
        "client_secret": DEMO_API_SECRET,
        "algorithms": ["RS256", "ES256", "EdDSA"],
        "audiences": ["demo"],
        "user_strategy": "claim",
    })
}
