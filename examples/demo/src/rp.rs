//! A small relying party of the demo's own provider, so a newcomer can open
//! one URL, sign in, and see what an application gets: the verified ID
//! token's claims, and a call to a protected route with the access token.
//!
//! It does what any relying party must: discovery, the code flow with PKCE
//! (S256), `state` and `nonce` kept in a private cookie, the `iss` of the
//! response checked (RFC 9207), the ID token verified against the
//! provider's key set (signature, `iss`, `aud`, `exp`, `nonce`).

use std::sync::LazyLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{Route, State};
use rocket_warden::jwt_auth;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::pages::{escape, page};
use crate::provider::{DEMO_RP, DEMO_RP_SECRET};

/// The cookie that carries `state`, `nonce` and the PKCE verifier from the
/// login to the callback.
const FLOW_COOKIE: &str = "demo_rp_flow";

/// The one HTTP client of every call the relying party makes: making one
/// reads the system's root certificates. It follows no redirect, so the code
/// and the client's secret go to the token endpoint discovery named and
/// nowhere else.
static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        // Fails only where no TLS back end can start, and then no client
        // (reqwest's default included) can be made: a 500 for the sign-in,
        // never a client that follows redirects.
        .expect("an HTTP client for the relying party")
});

/// What the relying party knows: its provider and its registration.
#[derive(Debug, Clone)]
pub struct RpSettings {
    /// The provider's issuer.
    pub issuer: String,
    /// Its `redirect_uri`.
    pub redirect_uri: String,
    /// Its secret.
    pub secret: String,
    /// The protected route it calls with the access token.
    pub api: String,
}

impl RpSettings {
    /// The settings `figment` gives `demo_rp` (after the defaults).
    pub fn from_figment(figment: &rocket::figment::Figment) -> Self {
        let client = format!("jwt.provider.clients.{DEMO_RP}");
        let read = |key: &str| figment.extract_inner::<String>(key).ok();
        let redirect: Option<Vec<String>> = figment
            .extract_inner(&format!("{client}.redirect_uris"))
            .ok();
        let own = crate::provider::own_url(figment);
        Self {
            issuer: read("jwt.provider.issuer").unwrap_or_else(|| own.clone()),
            redirect_uri: redirect
                .and_then(|uris| uris.into_iter().next())
                .unwrap_or_else(|| format!("{own}/rp/callback")),
            secret: read(&format!("{client}.secret")).unwrap_or_else(|| DEMO_RP_SECRET.to_owned()),
            api: format!("{own}/oidc/whoami"),
        }
    }
}

pub(crate) fn routes() -> Vec<Route> {
    rocket::routes![start, callback]
}

fn random() -> String {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    URL_SAFE_NO_PAD.encode(bytes)
}

type Failure = (Status, RawHtml<String>);

fn failure(status: Status, what: &str) -> Failure {
    rocket::info!("relying party: {what}");
    let body = format!(
        "<h1>Sign-in failed</h1><p>{}</p><p><a href=\"/rp/login\">Try again</a></p>",
        escape(what)
    );
    (status, page("Sign-in failed", &body))
}

/// The provider's discovery document.
async fn discovery(settings: &RpSettings) -> Result<Value, Failure> {
    let url = format!("{}/.well-known/openid-configuration", settings.issuer);
    let response = HTTP
        .get(&url)
        .send()
        .await
        .map_err(|_| failure(Status::BadGateway, "the provider cannot be reached"))?;
    let document: Value = response
        .json()
        .await
        .map_err(|_| failure(Status::BadGateway, "the discovery document does not read"))?;
    if document["issuer"] != settings.issuer.as_str() {
        return Err(failure(
            Status::BadGateway,
            "the discovery document names another issuer",
        ));
    }
    Ok(document)
}

/// `GET /rp/login`: starts the code flow.
#[jwt_auth(public)]
#[rocket::get("/rp/login")]
async fn start(settings: &State<RpSettings>, jar: &CookieJar<'_>) -> Result<Redirect, Failure> {
    let document = discovery(settings).await?;
    let endpoint = document["authorization_endpoint"]
        .as_str()
        .unwrap_or_default();
    let (state, nonce, verifier) = (random(), random(), random());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let cookie = Cookie::build((FLOW_COOKIE, format!("{state} {nonce} {verifier}")))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/rp");
    jar.add_private(cookie);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", DEMO_RP)
        .append_pair("redirect_uri", &settings.redirect_uri)
        .append_pair("scope", "openid profile email phone")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    Ok(Redirect::to(format!("{endpoint}?{query}")))
}

/// `GET /rp/callback`: finishes the flow and shows what came of it.
#[jwt_auth(public)]
#[rocket::get("/rp/callback?<code>&<state>&<iss>&<error>&<error_description>")]
async fn callback(
    settings: &State<RpSettings>,
    jar: &CookieJar<'_>,
    code: Option<&str>,
    state: Option<&str>,
    iss: Option<&str>,
    error: Option<&str>,
    error_description: Option<&str>,
) -> Result<RawHtml<String>, Failure> {
    let flow = jar
        .get_private(FLOW_COOKIE)
        .map(|cookie| cookie.value().to_owned());
    jar.remove_private(Cookie::build(FLOW_COOKIE).path("/rp"));
    let Some(flow) = flow else {
        return Err(failure(
            Status::BadRequest,
            "no sign-in was started in this browser",
        ));
    };
    let mut parts = flow.split(' ');
    let (Some(expected_state), Some(nonce), Some(verifier)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(failure(
            Status::BadRequest,
            "the sign-in cookie does not read",
        ));
    };
    if state != Some(expected_state) {
        return Err(failure(
            Status::BadRequest,
            "the response's state is not this browser's",
        ));
    }
    if iss != Some(settings.issuer.as_str()) {
        return Err(failure(
            Status::BadRequest,
            "the response comes from another issuer (RFC 9207)",
        ));
    }
    if let Some(error) = error {
        let what = format!(
            "the provider answered {error}: {}",
            error_description.unwrap_or("")
        );
        return Err(failure(Status::Unauthorized, &what));
    }
    let code = code.ok_or_else(|| failure(Status::BadRequest, "the response has no code"))?;
    let document = discovery(settings).await?;
    let tokens = exchange(settings, &document, code, verifier).await?;
    let id_token = tokens["id_token"].as_str().unwrap_or_default();
    let claims = verify_id_token(settings, &document, id_token, nonce).await?;
    let access = tokens["access_token"].as_str().unwrap_or_default();
    let userinfo_endpoint = document["userinfo_endpoint"].as_str().unwrap_or_default();
    let (_, userinfo) = call(userinfo_endpoint, access).await;
    let (status, whoami) = call(&settings.api, access).await;
    let pretty = |value: &Value| serde_json::to_string_pretty(value).unwrap_or_default();
    let body = format!(
        "<h1>Signed in as {who}</h1>\
         <h2>The ID token's claims (verified)</h2><pre id=\"claims\">{claims}</pre>\
         <h2>UserInfo</h2><pre id=\"userinfo\">{userinfo}</pre>\
         <h2>GET /oidc/whoami with the access token: {status}</h2><pre id=\"whoami\">{whoami}</pre>\
         <p><a href=\"/rp/login\">Sign in again</a></p>",
        who = escape(
            userinfo["name"]
                .as_str()
                .or(userinfo["preferred_username"].as_str())
                .unwrap_or("?")
        ),
        userinfo = escape(&pretty(&userinfo)),
        claims = escape(&pretty(&Value::Object(claims.clone()))),
        status = status,
        whoami = escape(&pretty(&whoami)),
    );
    Ok(page("Signed in", &body))
}

/// The token request: the code, its verifier, the client's secret (HTTP
/// Basic, each part form-encoded first as RFC 6749 §2.3.1 says).
async fn exchange(
    settings: &RpSettings,
    document: &Value,
    code: &str,
    verifier: &str,
) -> Result<Value, Failure> {
    let endpoint = document["token_endpoint"].as_str().unwrap_or_default();
    let encode =
        |part: &str| url::form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>();
    let basic = STANDARD.encode(format!("{}:{}", encode(DEMO_RP), encode(&settings.secret)));
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &settings.redirect_uri)
        .append_pair("code_verifier", verifier)
        .finish();
    let response = HTTP
        .post(endpoint)
        .header("Authorization", format!("Basic {basic}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|_| failure(Status::BadGateway, "the token endpoint cannot be reached"))?;
    let ok = response.status().is_success();
    let body: Value = response
        .json()
        .await
        .map_err(|_| failure(Status::BadGateway, "the token response does not read"))?;
    if !ok {
        let what = format!(
            "the token request was refused: {}",
            body["error"].as_str().unwrap_or("?")
        );
        return Err(failure(Status::BadGateway, &what));
    }
    Ok(body)
}

/// The ID token's claims, once its signature (a key of the provider's set),
/// `iss`, `aud`, `exp` and `nonce` hold.
async fn verify_id_token(
    settings: &RpSettings,
    document: &Value,
    token: &str,
    nonce: &str,
) -> Result<Map<String, Value>, Failure> {
    let invalid = |what: &str| {
        failure(
            Status::BadGateway,
            &format!("the ID token is invalid: {what}"),
        )
    };
    let header = decode_header(token).map_err(|_| invalid("not a JWT"))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
    ) {
        return Err(invalid("an unexpected algorithm"));
    }
    let jwks_uri = document["jwks_uri"].as_str().unwrap_or_default();
    let keys: JwkSet = HTTP
        .get(jwks_uri)
        .send()
        .await
        .map_err(|_| failure(Status::BadGateway, "the key set cannot be reached"))?
        .json()
        .await
        .map_err(|_| failure(Status::BadGateway, "the key set does not read"))?;
    let jwk = header
        .kid
        .as_deref()
        .and_then(|kid| keys.find(kid))
        .ok_or_else(|| invalid("an unknown key"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| invalid("an unusable key"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[DEMO_RP]);
    let claims: Map<String, Value> = decode(token, &key, &validation)
        .map_err(|_| invalid("its signature or claims"))?
        .claims;
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(invalid("another nonce"));
    }
    Ok(claims)
}

/// `GET url` with the access token: UserInfo, and `/oidc/whoami`.
async fn call(url: &str, access: &str) -> (u16, Value) {
    match HTTP.get(url).bearer_auth(access).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (502, Value::Null),
    }
}
