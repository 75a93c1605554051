//! What a relying party does, done by the `openidconnect` crate against
//! the provider: discovery, the code flow with PKCE and nonce, the hybrid
//! flow's `c_hash`, refresh, UserInfo; and the access tokens checked by
//! rocket_warden's own validator.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreResponseType,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, AuthorizationCodeHash, ClientId, ClientSecret, CsrfToken,
    HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use reqwest::header::{COOKIE, LOCATION};
use serde_json::Value;
use url::Url;

use super::{browser, serve, REDIRECT, SECRET};

/// openidconnect's HTTP client: reqwest, following no redirect.
async fn rp_http(request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = browser()
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(builder.body(body).expect("a response"))
}

/// The parameters of a redirect's query, or of its fragment.
pub(crate) fn redirect_params(location: &str) -> Vec<(String, String)> {
    let url = Url::parse(location).expect("an absolute Location");
    let text = url.fragment().or(url.query()).unwrap_or("").to_owned();
    url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The `return_to` of a redirect to the login page.
pub(crate) fn return_to(location: &str) -> String {
    let query = location.split_once('?').expect("a query").1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
        .expect("return_to")
}

pub(crate) fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Opens `url` (an authorization request that needs consent) as user
/// `sub`, approves on the consent page; the final redirect's Location.
pub(crate) async fn approve(issuer: &str, url: &str, sub: &str) -> String {
    decide(issuer, url, sub, "approve").await
}

/// `GET url` in a browser signed in as user `sub`.
pub(crate) async fn open_as(url: &str, sub: &str) -> reqwest::Response {
    browser()
        .get(url)
        .header(COOKIE, format!("test_user={sub}"))
        .send()
        .await
        .expect("an answer")
}

/// Opens `url` as user `sub` and answers the consent page with `decision`
/// (`approve` or `deny`); the final redirect's Location.
pub(crate) async fn decide(issuer: &str, url: &str, sub: &str, decision: &str) -> String {
    let page = open_as(url, sub).await;
    assert_eq!(page.status(), 200, "the consent page");
    let cookie = page.headers()["set-cookie"].to_str().expect("text");
    let cookie = cookie.split(';').next().expect("a cookie").to_owned();
    let html = page.text().await.expect("a page");
    assert!(html.contains("asks to use your account"), "{html}");
    let mut form = hidden_fields(&html);
    form.push(("decision".into(), decision.into()));
    let answer = answer_consent(issuer, &format!("test_user={sub}; {cookie}"), &form).await;
    assert_eq!(answer.status(), 303);
    answer.headers()[LOCATION]
        .to_str()
        .expect("text")
        .to_owned()
}

/// Posts a consent page's `form` to `issuer` with these `cookies` (the
/// `Cookie` header), as the browser would.
pub(crate) async fn answer_consent(
    issuer: &str,
    cookies: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    browser()
        .post(format!("{issuer}/oauth2/consent"))
        .header(COOKIE, cookies)
        .form(form)
        .send()
        .await
        .expect("an answer")
}

/// The hidden fields of a page's form, unescaped.
pub(crate) fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|field| {
            let attr = |name: &str| {
                let start =
                    field.find(&format!("{name}=\"")).expect("the attribute") + name.len() + 2;
                let end = start + field[start..].find('"').expect("a closing quote");
                field[start..end]
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&")
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// Opens `url` as a browser signed in as user `sub`; the redirect's
/// parameters.
pub(crate) async fn signed_in_redirect(url: &str, sub: &str) -> Vec<(String, String)> {
    let response = open_as(url, sub).await;
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
    let location = response.headers()[LOCATION]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    redirect_params(&location)
}

async fn discovered(issuer: &str) -> CoreProviderMetadata {
    CoreProviderMetadata::discover_async(
        IssuerUrl::new(issuer.to_owned()).expect("a URL"),
        &rp_http,
    )
    .await
    .expect("discovery succeeds")
}

/// The relying party `id` (secret [`SECRET`]), configured by discovery.
async fn rp_client(issuer: &str, id: &str) -> RpClient {
    CoreClient::from_provider_metadata(
        discovered(issuer).await,
        ClientId::new(id.into()),
        Some(ClientSecret::new(SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("a URL"))
}

/// What [`rp_client`] makes: a client from discovery, with a redirect URI.
type RpClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

#[tokio::test]
async fn code_flow_with_pkce_and_nonce_satisfies_a_real_relying_party() {
    let issuer = serve("").await;
    let client = rp_client(&issuer, "rp").await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("orders".into()))
        .set_pkce_challenge(challenge)
        .url();
    // `rp` is not first party: the user approves once on the consent page.
    let location = approve(&issuer, url.as_str(), "42").await;
    let params = redirect_params(&location);
    assert_eq!(
        param(&params, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    assert_eq!(param(&params, "iss").as_deref(), Some(issuer.as_str()));
    let code = param(&params, "code").expect("a code");

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .expect("a token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&rp_http)
        .await
        .expect("the code is exchanged");
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims: &CoreIdTokenClaims = id_token
        .claims(&verifier, &nonce)
        .expect("a valid ID token");
    assert_eq!(claims.subject().as_str(), "42");
    assert_eq!(
        claims.auth_context_ref().map(|acr| acr.as_str()),
        Some("urn:test:pwd")
    );
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().expect("an algorithm"),
        id_token.signing_key(&verifier).expect("a key"),
    )
    .expect("a hash");
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    assert!(
        tokens.refresh_token().is_none(),
        "no offline_access was asked for"
    );

    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .expect("a userinfo endpoint")
        .request_async(&rp_http)
        .await
        .expect("UserInfo answers");
    assert_eq!(info.subject().as_str(), "42");
    assert_eq!(info.email().map(|e| e.as_str()), Some("42@example.com"));
    assert!(info.phone_number().is_none(), "phone was not granted");

    // rocket_warden's own validator accepts the RFC 9068 access token.
    let api = browser()
        .get(format!("{issuer}/api/orders"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .expect("an answer");
    assert_eq!(api.status(), 200);
    let payload: Value = api.json().await.expect("JSON");
    assert_eq!(payload["client_id"], "rp");
    assert_eq!(payload["aud"], "orders-api");
    assert_eq!(payload["sub"], "42");

    // The relying party revokes the access token (RFC 7009): the resource
    // server refuses it from then on. (openidconnect's own revocation call
    // refuses a plain-http endpoint, as RFC 7009 §2 asks; the provider here
    // is on loopback http, so the request is made by hand.)
    let revoked = browser()
        .post(format!("{issuer}/oauth2/revoke"))
        .basic_auth("rp", Some(SECRET))
        .form(&[("token", tokens.access_token().secret().as_str())])
        .send()
        .await
        .expect("an answer");
    assert_eq!(revoked.status(), 200);
    let api = browser()
        .get(format!("{issuer}/api/orders"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .expect("an answer");
    assert_eq!(api.status(), 401);

    // A second authorization needs no consent: it was remembered.
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_extra_param("prompt", "none")
        .url();
    let params = signed_in_redirect(url.as_str(), "42").await;
    assert!(param(&params, "code").is_some(), "{params:?}");
}

#[tokio::test]
async fn hybrid_flow_id_token_carries_c_hash_and_at_hash() {
    let issuer = serve("").await;
    let client = rp_client(&issuer, "rp").await;
    let flow = CoreAuthenticationFlow::Hybrid(vec![
        CoreResponseType::Code,
        CoreResponseType::IdToken,
        CoreResponseType::Token,
    ]);
    let (url, _, nonce) = client
        .authorize_url(flow, CsrfToken::new_random, Nonce::new_random)
        .add_extra_param("prompt", "consent")
        .url();
    let location = approve(&issuer, url.as_str(), "7").await;
    assert!(
        location.contains('#'),
        "tokens travel in the fragment: {location}"
    );
    let params = redirect_params(&location);
    let code = param(&params, "code").expect("a code");
    let access = param(&params, "access_token").expect("an access token");
    let id_token: openidconnect::core::CoreIdToken = param(&params, "id_token")
        .expect("an ID token")
        .parse()
        .expect("a JWT");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("a valid ID token");
    let alg = id_token.signing_alg().expect("an algorithm");
    let key = id_token.signing_key(&verifier).expect("a key");
    let c_hash =
        AuthorizationCodeHash::from_code(&AuthorizationCode::new(code), alg, key).expect("a hash");
    assert_eq!(claims.code_hash(), Some(&c_hash));
    let at_hash = AccessTokenHash::from_token(&openidconnect::AccessToken::new(access), alg, key)
        .expect("a hash");
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
}

#[tokio::test]
async fn refresh_tokens_rotate_renew_the_id_token_and_a_reused_one_revokes_their_family() {
    let issuer = serve("").await;
    // `first` is first party and posts its secret in the form; its ID
    // tokens are EdDSA.
    let client = rp_client(&issuer, "first")
        .await
        .set_auth_type(openidconnect::AuthType::RequestBody);
    let (url, _, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .url();
    // Signed in ten minutes ago: a refresh must not move `auth_time`.
    let login = format!("5:{}", crate::support::now() - 600);
    let params = signed_in_redirect(url.as_str(), &login).await;
    let code = param(&params, "code").expect("no consent page for a first-party client");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .expect("a token endpoint")
        .request_async(&rp_http)
        .await
        .expect("the code is exchanged");
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(vec![openidconnect::core::CoreJwsSigningAlgorithm::EdDsa]);
    let original = id_token
        .claims(&verifier, &nonce)
        .expect("an EdDSA ID token the RP verifies")
        .clone();
    let first = tokens.refresh_token().expect("a refresh token").clone();

    let refresh = |token: RefreshToken| {
        let client = client.clone();
        async move {
            client
                .exchange_refresh_token(&token)
                .expect("a token endpoint")
                .request_async(&rp_http)
                .await
        }
    };
    let second = refresh(first.clone())
        .await
        .expect("the first refresh succeeds");
    let next = second.refresh_token().expect("a new refresh token").clone();
    assert_ne!(next.secret(), first.secret());
    // OpenID Connect Core §12.2: the refreshed ID token is the original
    // authentication's (issuer, subject, audience, auth_time), issued now,
    // without the authentication request's nonce, and hashes the new
    // access token.
    let renewed = second.id_token().expect("an ID token on refresh");
    let no_nonce = |nonce: Option<&Nonce>| match nonce {
        None => Ok(()),
        Some(_) => Err("a nonce in a refreshed ID token".to_owned()),
    };
    let claims = renewed
        .claims(&verifier, no_nonce)
        .expect("a refreshed ID token the RP verifies");
    assert_eq!(claims.issuer(), original.issuer());
    assert_eq!(claims.subject(), original.subject());
    assert_eq!(claims.audiences(), original.audiences());
    assert_eq!(claims.auth_time(), original.auth_time());
    assert_eq!(claims.auth_context_ref(), original.auth_context_ref());
    assert_eq!(claims.auth_method_refs(), original.auth_method_refs());
    assert!(original.auth_context_ref().is_some() && original.auth_method_refs().is_some());
    assert!(claims.issue_time() >= original.issue_time());
    let at_hash = AccessTokenHash::from_token(
        second.access_token(),
        renewed.signing_alg().expect("an algorithm"),
        renewed.signing_key(&verifier).expect("a key"),
    )
    .expect("a hash");
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    assert!(refresh(first).await.is_err(), "the old token is refused");
    assert!(refresh(next).await.is_err(), "and its whole family with it");
}
