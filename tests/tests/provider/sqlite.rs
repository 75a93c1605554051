//! The SQLite store: the same contract as the memory store, and several
//! instances of one provider sharing a database file (keys, codes, refresh
//! families and revocations seen by all), and a database that fails under
//! a running provider (503 `temporarily_unavailable`, nothing issued).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalRequest};
use rocket_db_pools::sqlx::SqlitePool;
use rocket_db_pools::Database;
use rocket_warden::clock::ManualClock;
use rocket_warden::provider::{
    CodeGrant, Family, Issued, MemoryStore, Provider, ProviderStore, SqliteStore,
};
use rocket_warden::Warden;
use serde_json::Value;

use super::{CookieUsers, SECRET};

#[derive(Debug, Database)]
#[database("provider")]
struct ProviderDb(SqlitePool);

fn grant(expires_at: u64) -> CodeGrant {
    CodeGrant {
        client_id: "c".into(),
        redirect_uri: "https://c.example/cb".into(),
        sub: "1".into(),
        scope: "openid".into(),
        nonce: None,
        auth_time: 10,
        acr: None,
        amr: None,
        code_challenge: None,
        expires_at,
    }
}

/// What every store must do, checked on one.
async fn contract(store: &dyn ProviderStore) {
    store.put_code("d1", grant(100), 50).await.expect("stored");
    assert!(
        store.code("d1", 100).await.expect("read").is_none(),
        "expired at 100"
    );
    let entry = store.code("d1", 99).await.expect("read").expect("a code");
    assert_eq!(entry.grant, grant(100));
    let issued = Issued {
        access: Some(("j1".into(), 500)),
        family: Some("f1".into()),
    };
    assert!(store
        .redeem_code("d1", issued.clone())
        .await
        .expect("redeemed"));
    assert!(
        !store
            .redeem_code("d1", Issued::default())
            .await
            .expect("answered"),
        "once only"
    );
    assert_eq!(
        store
            .code("d1", 99)
            .await
            .expect("read")
            .expect("a code")
            .redeemed,
        Some(issued)
    );

    let family = Family {
        id: "f1".into(),
        client_id: "c".into(),
        sub: "1".into(),
        scope: "openid offline_access".into(),
        auth_time: 10,
        acr: Some("urn:x".into()),
        amr: None,
        current: "r1".into(),
        expires_at: 1000,
        revoked: false,
        access: vec![("j1".into(), 500)],
    };
    store.put_family(family.clone(), 50).await.expect("stored");
    assert_eq!(
        store.family_of("r1").await.expect("read"),
        Some(family.clone())
    );
    assert!(store
        .rotate("f1", "r1", "r2", ("j2".into(), 600))
        .await
        .expect("rotated"));
    assert!(!store
        .rotate("f1", "r1", "r3", ("j3".into(), 600))
        .await
        .expect("answered"));
    let rotated = store
        .family_of("r1")
        .await
        .expect("read")
        .expect("the old token's family");
    assert_eq!(rotated.current, "r2");
    assert_eq!(rotated.access.len(), 2);
    store.revoke_family("f1").await.expect("revoked");
    assert!(
        store
            .family_of("r2")
            .await
            .expect("read")
            .expect("a family")
            .revoked
    );
    assert!(
        store.is_revoked("j1").await.expect("read") && store.is_revoked("j2").await.expect("read")
    );
    assert!(!store
        .rotate("f1", "r2", "r4", ("j4".into(), 600))
        .await
        .expect("answered"));

    store.revoke_access("j9", 700, 50).await.expect("revoked");
    assert!(store.is_revoked("j9").await.expect("read"));
    store.revoke_access("j10", 800, 701).await.expect("revoked");
    assert!(
        !store.is_revoked("j9").await.expect("read"),
        "forgotten once expired"
    );

    assert_eq!(store.consent("1", "c").await.expect("read"), None);
    store
        .put_consent("1", "c", "openid email")
        .await
        .expect("stored");
    store
        .put_consent("1", "c", "openid")
        .await
        .expect("replaced");
    assert_eq!(
        store.consent("1", "c").await.expect("read").as_deref(),
        Some("openid")
    );
}

#[tokio::test]
async fn the_memory_and_sqlite_stores_keep_the_same_contract() {
    contract(&MemoryStore::new()).await;
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.sqlite").display()
    );
    let pool = SqlitePool::connect(&url).await.expect("a database");
    contract(&SqliteStore::new(pool).await.expect("tables")).await;
}

/// One instance of the provider on the database file `path` (the same
/// issuer for all), with a resource server of its tokens.
async fn instance(path: &std::path::Path) -> Client {
    instance_with(path, |provider| provider).await
}

/// [`instance`], with its provider fairing set up further by `tweak`.
async fn instance_with(path: &std::path::Path, tweak: impl FnOnce(Provider) -> Provider) -> Client {
    let config = format!(
        r#"
        databases.provider.url = "{}"
        [jwt.provider]
        issuer = "http://127.0.0.1:8000"
        [jwt.validators.own]
        issuer = "http://127.0.0.1:8000"
        jwks_uri = "http://127.0.0.1:9/unused"
        algorithms = ["RS256"]
        {}
        "#,
        path.display(),
        super::clients(),
    );
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(&config));
    let rocket = rocket::custom(figment)
        .attach(ProviderDb::init())
        .attach(Warden::fairing())
        .attach(tweak(Provider::fairing(CookieUsers).sqlite::<ProviderDb>()));
    Client::untracked(rocket)
        .await
        .expect("the instance launches")
}

/// `POST /oauth2/token` for `rp` (HTTP Basic) with `form`.
async fn token(client: &Client, form: &str) -> (Status, Value) {
    let basic = format!("Basic {}", STANDARD.encode(format!("rp:{SECRET}")));
    let request = client.post("/oauth2/token").body(form);
    answer(request.header(Header::new("Authorization", basic))).await
}

/// The status and JSON body of a form posted with `request`.
async fn answer(request: LocalRequest<'_>) -> (Status, Value) {
    let response = request.header(ContentType::Form).dispatch().await;
    (response.status(), response.into_json().await.expect("JSON"))
}

#[tokio::test]
async fn instances_sharing_a_database_are_one_provider() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("provider.sqlite");
    let a = instance(&path).await;
    let b = instance(&path).await;
    let (jwks_a, jwks_b) = (jwks(&a).await, jwks(&b).await);
    assert_eq!(jwks_a, jwks_b, "one key set, made by the first instance");

    // A code issued by A is redeemed at B; its replay at A revokes it all.
    let redirect: String =
        url::form_urlencoded::byte_serialize(super::REDIRECT.as_bytes()).collect();
    let authorize = format!(
        "/oauth2/authorize?client_id=rp&redirect_uri={redirect}&response_type=code&scope=openid%20offline_access&prompt=consent"
    );
    let page = a
        .get(authorize)
        .cookie(rocket::http::Cookie::new("test_user", "8"))
        .dispatch()
        .await;
    assert_eq!(page.status(), Status::Ok);
    let csrf = page
        .cookies()
        .get_private("rocket_warden_csrf")
        .expect("a CSRF cookie");
    let html = page.into_string().await.expect("a page");
    let mut form = super::flows::hidden_fields(&html);
    form.push(("decision".into(), "approve".into()));
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&form)
        .finish();
    let answer = a
        .post("/oauth2/consent")
        .header(ContentType::Form)
        .private_cookie(csrf)
        .cookie(rocket::http::Cookie::new("test_user", "8"))
        .body(body)
        .dispatch()
        .await;
    assert_eq!(answer.status(), Status::SeeOther);
    let location = answer
        .headers()
        .get_one("Location")
        .expect("a redirect")
        .to_owned();
    drop(answer);
    let code =
        super::flows::param(&super::flows::redirect_params(&location), "code").expect("a code");
    let form = format!("grant_type=authorization_code&code={code}&redirect_uri={redirect}");
    let (status, tokens) = token(&b, &form).await;
    assert_eq!(status, Status::Ok, "{tokens}");
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let access = tokens["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    assert_eq!(
        userinfo(&a, &access).await,
        Status::Ok,
        "A verifies B's token"
    );
    // B has asked the database about it too, before the revocation below.
    assert_eq!(userinfo(&b, &access).await, Status::Ok);

    // Rotated at A, the old refresh token comes back at B: the family dies.
    let (status, rotated) = token(
        &a,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(status, Status::Ok, "{rotated}");
    let (status, _) = token(
        &b,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    let next = rotated["refresh_token"].as_str().expect("the new token");
    let (status, _) = token(
        &a,
        &format!("grant_type=refresh_token&refresh_token={next}"),
    )
    .await;
    assert_eq!(
        status,
        Status::BadRequest,
        "the whole family is revoked, everywhere"
    );
    assert_eq!(
        userinfo(&b, &access).await,
        Status::Unauthorized,
        "and its access tokens"
    );

    // A restart keeps the keys.
    drop((a, b));
    let c = instance(&path).await;
    assert_eq!(jwks(&c).await, jwks_a);
}

async fn jwks(client: &Client) -> Option<String> {
    client
        .get("/oauth2/jwks")
        .dispatch()
        .await
        .into_string()
        .await
}

async fn userinfo(client: &Client, access: &str) -> Status {
    let bearer = Header::new("Authorization", format!("Bearer {access}"));
    client
        .get("/oauth2/userinfo")
        .header(bearer)
        .dispatch()
        .await
        .status()
}

/// A code for the first-party client `first` (no consent page), with the
/// PKCE challenge of `verifier`: the redirect's parameters.
async fn first_party_authorization(client: &Client, verifier: &str) -> Vec<(String, String)> {
    use sha2::{Digest as _, Sha256};
    let redirect: String =
        url::form_urlencoded::byte_serialize(super::REDIRECT.as_bytes()).collect();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let url = format!(
        "/oauth2/authorize?client_id=first&redirect_uri={redirect}&response_type=code\
         &scope=openid%20offline_access&state=s1&code_challenge={challenge}&code_challenge_method=S256"
    );
    let response = client
        .get(url)
        .cookie(rocket::http::Cookie::new("test_user", "8"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    let location = response.headers().get_one("Location").expect("a redirect");
    super::flows::redirect_params(location)
}

/// The PKCE verifier of the first-party codes these tests redeem.
const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123";

/// A code for `first` ([`first_party_authorization`] with [`VERIFIER`]),
/// as the token request's form that redeems it.
async fn first_party_exchange(client: &Client) -> String {
    let params = first_party_authorization(client, VERIFIER).await;
    let code = super::flows::param(&params, "code").expect("a code");
    let redirect: String =
        url::form_urlencoded::byte_serialize(super::REDIRECT.as_bytes()).collect();
    format!(
        "grant_type=authorization_code&code={code}&redirect_uri={redirect}&code_verifier={VERIFIER}"
    )
}

/// `POST /oauth2/token` for `first`, its secret in the form.
async fn first_party_token(client: &Client, form: &str) -> (Status, Value) {
    let form = format!("client_id=first&client_secret={SECRET}&{form}");
    answer(client.post("/oauth2/token").body(form)).await
}

/// The tokens of a first-party code redeemed at `client`, which must issue
/// them.
async fn first_party_tokens(client: &Client) -> Value {
    let exchange = first_party_exchange(client).await;
    let (status, tokens) = first_party_token(client, &exchange).await;
    assert_eq!(status, Status::Ok, "{tokens}");
    tokens
}

/// The revocation lookup runs on connections of the store's own, opened
/// with the pool's options: an in-memory database is the same one there,
/// and a revocation made through the pool counts at once.
#[tokio::test]
async fn an_in_memory_database_is_one_for_the_revocation_lookup_too() {
    let client = instance(std::path::Path::new("sqlite::memory:")).await;
    let tokens = first_party_tokens(&client).await;
    let access = tokens["access_token"].as_str().expect("an access token");
    assert_eq!(userinfo(&client, access).await, Status::Ok);
    let form = format!("client_id=first&client_secret={SECRET}&token={access}");
    let revoked = client
        .post("/oauth2/revoke")
        .header(ContentType::Form)
        .body(form)
        .dispatch()
        .await;
    assert_eq!(revoked.status(), Status::Ok);
    assert_eq!(userinfo(&client, access).await, Status::Unauthorized);
}

/// A lookup that failed leaves nothing behind: once the database answers
/// again, so does the store.
#[tokio::test]
async fn revocation_lookups_answer_again_once_the_database_does() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("provider.sqlite");
    let client = instance(&path).await;
    let tokens = first_party_tokens(&client).await;
    let access = tokens["access_token"].as_str().expect("an access token");
    assert_eq!(userinfo(&client, access).await, Status::Ok);
    let pool = SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("the database");
    let run = |statement: &'static str| {
        let pool = pool.clone();
        async move {
            rocket_db_pools::sqlx::query(statement)
                .execute(&pool)
                .await
                .expect("run");
        }
    };
    run("DROP TABLE warden_revoked").await;
    assert_eq!(
        userinfo(&client, access).await,
        Status::ServiceUnavailable,
        "fails closed"
    );
    run("CREATE TABLE warden_revoked (jti TEXT PRIMARY KEY, exp INTEGER NOT NULL)").await;
    assert_eq!(userinfo(&client, access).await, Status::Ok);
}

#[tokio::test]
async fn a_failing_database_answers_temporarily_unavailable_and_issues_nothing() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("provider.sqlite");
    let client = instance(&path).await;
    let exchange = first_party_exchange(&client).await;
    let (status, tokens) = first_party_token(&client, &exchange).await;
    assert_eq!(status, Status::Ok, "{tokens}");
    let access = tokens["access_token"].as_str().expect("an access token");
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");
    // A consent page, answered once the database is gone.
    let consent = client
        .get(rp_authorization())
        .cookie(rocket::http::Cookie::new("test_user", "8"))
        .dispatch()
        .await;
    assert_eq!(consent.status(), Status::Ok);
    let csrf = consent
        .cookies()
        .iter()
        .next()
        .expect("the CSRF cookie")
        .clone();
    let html = consent.into_string().await.expect("a page");
    let mut form = super::flows::hidden_fields(&html);
    form.push(("decision".into(), "approve".into()));

    // The database loses every table but the keys'. The store then fails,
    // which the client must not take for a bad grant or a bad token.
    let url = format!("sqlite://{}", path.display());
    let pool = SqlitePool::connect(&url).await.expect("the database");
    for table in [
        "warden_codes",
        "warden_families",
        "warden_refresh",
        "warden_family_access",
        "warden_revoked",
        "warden_consents",
    ] {
        rocket_db_pools::sqlx::query(&format!("DROP TABLE {table}"))
            .execute(&pool)
            .await
            .expect("dropped");
    }
    let unavailable = |(status, body): (Status, Value)| {
        assert_eq!(status, Status::ServiceUnavailable, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        assert!(body.get("access_token").is_none(), "{body}");
    };
    let refreshing = format!("grant_type=refresh_token&refresh_token={refresh}");
    unavailable(first_party_token(&client, &refreshing).await);
    unavailable(first_party_token(&client, &exchange).await);
    assert_eq!(userinfo(&client, access).await, Status::ServiceUnavailable);
    // A new authorization goes back to the client with the error, no code.
    let params = first_party_authorization(&client, VERIFIER).await;
    assert_eq!(
        super::flows::param(&params, "error").as_deref(),
        Some("temporarily_unavailable")
    );
    assert_eq!(super::flows::param(&params, "code"), None);
    assert_eq!(super::flows::param(&params, "state").as_deref(), Some("s1"));
    // A client that needs consent: neither asking whether the user gave it
    // nor remembering the approval can be done, and no code is issued.
    let asking = client
        .get(rp_authorization())
        .cookie(rocket::http::Cookie::new("test_user", "8"));
    let approving = client
        .post("/oauth2/consent")
        .cookie(rocket::http::Cookie::new("test_user", "8"))
        .cookie(csrf)
        .header(rocket::http::ContentType::Form)
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&form)
                .finish(),
        );
    for request in [asking, approving] {
        let response = request.dispatch().await;
        assert_eq!(response.status(), Status::SeeOther);
        let location = response.headers().get_one("Location").expect("a redirect");
        let params = super::flows::redirect_params(location);
        let error = super::flows::param(&params, "error");
        assert_eq!(
            error.as_deref(),
            Some("temporarily_unavailable"),
            "{location}"
        );
        assert_eq!(super::flows::param(&params, "code"), None);
    }
}

#[tokio::test]
async fn a_key_set_due_for_a_change_is_unavailable_while_the_database_fails_and_kept() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("provider.sqlite");
    // The next key is published a day before the default 90 days' rotation.
    let start = 1_800_000_000;
    let due = start + 89 * 86_400;
    let clock = ManualClock::at_secs(start);
    let client = instance_with(&path, |provider| provider.clock(clock.clone())).await;
    let published = jwks(&client).await.expect("the key set");
    clock.set_secs(due - 30);
    let exchange = first_party_exchange(&client).await;

    // The keys' table goes away, then comes back.
    let url = format!("sqlite://{}", path.display());
    let pool = SqlitePool::connect(&url).await.expect("the database");
    let rename = |from: &str, to: &str| {
        let statement = format!("ALTER TABLE {from} RENAME TO {to}");
        let pool = pool.clone();
        async move {
            rocket_db_pools::sqlx::query(&statement)
                .execute(&pool)
                .await
                .expect("renamed");
        }
    };
    rename("warden_keys", "warden_keys_away").await;
    // Until a change is due, the loaded key set answers.
    assert_eq!(jwks(&client).await.as_ref(), Some(&published));
    // Once it is, the set must be read again and the store fails: the key
    // set, and the tokens it would sign, are unavailable, not made anew.
    clock.set_secs(due);
    let response = client.get("/oauth2/jwks").dispatch().await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    let body: Value = response.into_json().await.expect("JSON");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    assert!(body.get("keys").is_none(), "{body}");
    let (status, body) = first_party_token(&client, &exchange).await;
    assert_eq!(status, Status::ServiceUnavailable, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    // Back: each algorithm's next key is published beside its first, and
    // the code, which the refused exchange left unused, redeems.
    rename("warden_keys_away", "warden_keys").await;
    let keys_of = |set: &str| -> Vec<Value> {
        let set: Value = serde_json::from_str(set).expect("JSON");
        set["keys"].as_array().expect("keys").clone()
    };
    let (before, after) = (
        keys_of(&published),
        keys_of(&jwks(&client).await.expect("keys")),
    );
    assert_eq!(after.len(), 2 * before.len(), "{after:?}");
    assert!(before.iter().all(|key| after.contains(key)), "{after:?}");
    let (status, tokens) = first_party_token(&client, &exchange).await;
    assert_eq!(status, Status::Ok, "{tokens}");
}

/// An authorization request of `rp`, which needs the user's consent.
fn rp_authorization() -> String {
    let redirect: String =
        url::form_urlencoded::byte_serialize(super::REDIRECT.as_bytes()).collect();
    format!(
        "/oauth2/authorize?client_id=rp&redirect_uri={redirect}&response_type=code\
         &scope=openid%20email&state=s2"
    )
}

#[tokio::test]
async fn a_sqlite_store_without_its_database_fairing_aborts_launch() {
    let config = format!(
        "databases.provider.url = \"sqlite::memory:\"\n[jwt.provider]\n\
         issuer = \"http://127.0.0.1:8000\"\n{}",
        super::clients(),
    );
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(&config));
    // `ProviderDb::init()` is not attached: the pool the store needs is not up.
    let rocket =
        rocket::custom(figment).attach(Provider::fairing(CookieUsers).sqlite::<ProviderDb>());
    let (log, result) = super::support::logged(rocket.ignite()).await;
    let Err(error) = result else {
        panic!("launch should abort; the log was:\n{log}");
    };
    // Read, so that Rocket does not take the error for one nobody handled.
    assert!(matches!(
        error.kind(),
        rocket::error::ErrorKind::FailedFairings(_)
    ));
    assert!(
        log.contains(
            "the provider's SQLite database is not up: attach its `init()` fairing before \
             the provider's"
        ),
        "{log}"
    );
}
