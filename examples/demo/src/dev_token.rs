//! A development token for trying the demo by hand.

use jsonwebtoken::{encode, EncodingKey, Header};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::{Orbit, Rocket};
use serde::Deserialize;
use serde_json::{json, Value};

/// How long the printed token stays valid.
const DEV_TOKEN_SECS: u64 = 3600;

/// The parts of `jwt.validators.demo` needed to mint a token it accepts.
#[derive(Deserialize)]
struct DemoValidator {
    issuer: String,
    #[serde(default)]
    audiences: Vec<String>,
    secret: Option<String>,
}

/// A token that the `demo` validator accepts, signed with its HS256 secret;
/// `None` when the configuration gives `demo` no `secret` (a public key, say).
pub fn mint_dev_token(figment: &Figment) -> Option<String> {
    let (demo, mut claims) = dev_claims(figment, "demo", "demo-user")?;
    claims["email"] = json!("alice@example.com");
    claims["roles"] = json!(["admin"]);
    claims["scope"] = json!("orders");
    let key = EncodingKey::from_secret(demo.secret?.as_bytes()).ok()?;
    encode(&Header::default(), &claims, &key).ok()
}

/// A token that the `demo_jwks` validator accepts, signed with the demo's
/// development key (whose public half the demo serves at
/// [`JWKS_PATH`](crate::JWKS_PATH)); `None` without a `demo_jwks` validator.
pub fn mint_dev_jwks_token(figment: &Figment) -> Option<String> {
    let (_, claims) = dev_claims(figment, "demo_jwks", "demo-jwks-user")?;
    let mut header = Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(crate::own_jwks::DEV_KID.to_owned());
    encode(&header, &claims, &crate::own_jwks::dev_key()?).ok()
}

/// The settings of `jwt.validators.<validator>` and claims it accepts for
/// `sub`, valid for [`DEV_TOKEN_SECS`].
fn dev_claims(figment: &Figment, validator: &str, sub: &str) -> Option<(DemoValidator, Value)> {
    let demo: DemoValidator = figment
        .extract_inner(&format!("jwt.validators.{validator}"))
        .ok()?;
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "iss": demo.issuer,
        "aud": demo.audiences.first(),
        "sub": sub,
        "iat": now,
        "exp": now + DEV_TOKEN_SECS,
    });
    Some((demo, claims))
}

/// Prints ready-to-paste `curl` lines at liftoff, in the debug profile only.
#[derive(Debug)]
pub struct DevToken;

#[rocket::async_trait]
impl Fairing for DevToken {
    fn info(&self) -> Info {
        Info {
            name: "demo development token",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        if rocket.config().profile != rocket::Config::DEBUG_PROFILE {
            return;
        }
        let Some(token) = mint_dev_token(rocket.figment()) else {
            return;
        };
        let host = match rocket.config().address {
            address if address.is_unspecified() => "127.0.0.1".to_owned(),
            std::net::IpAddr::V6(address) => format!("[{address}]"),
            address => address.to_string(),
        };
        let base = format!("http://{host}:{}", rocket.config().port);
        print_try_it(&base, &token);
        if let Some(token) = mint_dev_jwks_token(rocket.figment()) {
            print_try_jwks(&base, &token);
        }
        print_try_provider(&base);
    }
}

// Standard output is the point here: a newcomer copies these lines.
#[allow(clippy::print_stdout)]
fn print_try_it(base: &str, token: &str) {
    println!("\nTry the demo (this development token is valid for an hour):");
    println!("  curl -i {base}/whoami -H 'Authorization: Bearer {token}'   # 200");
    println!("  curl -i {base}/admin -H 'Authorization: Bearer {token}'    # 200: role admin");
    println!(
        "  curl -i -X POST {base}/orders -H 'Authorization: Bearer {token}'  # 200: scope orders"
    );
    println!(
        "  curl -i {base}/aud-override -H 'Authorization: Bearer {token}'  # 401: not for aud2"
    );
    println!("  curl -i {base}/whoami                                       # 401");
    println!("Cookie mode: the first request stores the cookie, the second sends it:");
    println!("  curl -i -c jar {base}/cookie/whoami -H 'Authorization: Bearer {token}'");
    println!("  curl -i -b jar {base}/cookie/whoami\n");
}

// Standard output is the point here too.
#[allow(clippy::print_stdout)]
fn print_try_jwks(base: &str, token: &str) {
    println!(
        "Remote keys: validator `demo_jwks` fetches the demo's own {base}/.well-known/jwks.json:"
    );
    println!("  curl -i {base}/jwks/whoami -H 'Authorization: Bearer {token}'  # 200\n");
}

// Standard output is the point here: a newcomer opens this URL.
#[allow(clippy::print_stdout)]
fn print_try_provider(base: &str) {
    println!(
        "The demo is an OpenID Provider too. Open in a browser, sign in as alice / alice-password:"
    );
    println!("  {base}/rp/login");
    println!("  (discovery: {base}/.well-known/openid-configuration)\n");
}
