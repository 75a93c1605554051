//! The demo's users: a SQLite table beside the partners, passwords hashed
//! with Argon2id, and the [`Users`] the provider asks who is signed in (the
//! private `demo_login` cookie) and what their claims are.

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use rocket::fairing::{AdHoc, Fairing};
use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::{Build, Request, Rocket};
use rocket_db_pools::sqlx;
use rocket_db_pools::Database;
use rocket_warden::provider::{Login, Users};
use serde_json::{json, Map, Value};

use crate::PartnersDb;

/// The login cookie (private: encrypted and authenticated by Rocket).
pub const LOGIN_COOKIE: &str = "demo_login";

/// The `acr` of a multi-factor login, which `/stepup/whoami` asks for.
pub const MFA_ACR: &str = "urn:demo:mfa";

/// The seeded users: username, password, name, email, verified, phone, acr.
type Seed = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    bool,
    Option<&'static str>,
    Option<&'static str>,
);

const SEED: &[Seed] = &[
    (
        "alice",
        "alice-password",
        Some("Alice Liddell"),
        "alice@example.com",
        true,
        Some("+44 20 7946 0000"),
        Some(MFA_ACR),
    ),
    (
        "bob",
        "bob-password",
        None,
        "bob@example.com",
        false,
        None,
        None,
    ),
];

/// Creates the `users` table when missing and seeds it when empty, at
/// ignite, after the pool is up.
pub(crate) fn schema() -> impl Fairing {
    AdHoc::try_on_ignite("users table", |rocket| async move {
        match prepare(&rocket).await {
            Ok(()) => Ok(rocket),
            Err(error) => {
                rocket::error!("cannot prepare the users table: {error}");
                Err(rocket)
            }
        }
    })
}

async fn prepare(rocket: &Rocket<Build>) -> Result<(), sqlx::Error> {
    let Some(db) = PartnersDb::fetch(rocket) else {
        return Err(sqlx::Error::PoolClosed);
    };
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL,
            password_hash TEXT NOT NULL, name TEXT, email TEXT,
            email_verified INTEGER NOT NULL DEFAULT 0, phone_number TEXT, acr TEXT)",
    )
    .execute(&**db)
    .await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&**db)
        .await?;
    if count > 0 {
        return Ok(());
    }
    for (username, password, name, email, verified, phone, acr) in SEED {
        // OR IGNORE: two demos seeding one new file at once add each user once.
        sqlx::query(
            "INSERT OR IGNORE INTO users (username, password_hash, name, email, email_verified,
                phone_number, acr) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(username)
        .bind(hash(password).map_err(|e| sqlx::Error::Protocol(e.to_string()))?)
        .bind(name)
        .bind(email)
        .bind(verified)
        .bind(phone)
        .bind(acr)
        .execute(&**db)
        .await?;
    }
    Ok(())
}

/// An Argon2id PHC string for `password`, with a random salt.
pub(crate) fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt).map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// The id of the user `username` if `password` is theirs. A missing user
/// costs one hash too, so timing does not tell which usernames exist.
pub(crate) async fn check_password(db: &PartnersDb, username: &str, password: &str) -> Option<i64> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&**db)
            .await
            .ok()?;
    let (id, phc) = match row {
        Some(row) => row,
        None => (0, hash("no such user").ok()?),
    };
    let parsed = PasswordHash::new(&phc).ok()?;
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    (matches && id != 0).then_some(id)
}

/// Signs user `id` in now: the private `demo_login` cookie holds the id and
/// the time (`auth_time`). `SameSite=Lax`, so the redirect back from a
/// relying party on another site carries it.
pub(crate) fn sign_in(jar: &CookieJar<'_>, id: i64, now: u64) {
    let cookie = Cookie::build((LOGIN_COOKIE, format!("{id}:{now}")))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/");
    jar.add_private(cookie);
}

/// The provider's view of the demo's users.
#[derive(Debug)]
pub struct DemoUsers;

#[rocket::async_trait]
impl Users for DemoUsers {
    async fn signed_in(&self, request: &Request<'_>) -> Option<Login> {
        let cookie = request.cookies().get_private(LOGIN_COOKIE)?;
        let (id, auth_time) = cookie.value().split_once(':')?;
        let (id, auth_time): (i64, u64) = (id.parse().ok()?, auth_time.parse().ok()?);
        let db = PartnersDb::fetch(request.rocket())?;
        let (acr,): (Option<String>,) = sqlx::query_as("SELECT acr FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&**db)
            .await
            .ok()??;
        Some(Login {
            sub: id.to_string(),
            auth_time,
            acr,
            amr: vec!["pwd".to_owned()],
        })
    }

    async fn claims(
        &self,
        request: &Request<'_>,
        sub: &str,
        _scopes: &[&str],
    ) -> Option<Map<String, Value>> {
        // Every claim: the provider keeps only what the granted scopes release.
        let id: i64 = sub.parse().ok()?;
        let db = PartnersDb::fetch(request.rocket())?;
        let row: (String, Option<String>, Option<String>, bool, Option<String>) = sqlx::query_as(
            "SELECT username, name, email, email_verified, phone_number FROM users WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&**db)
        .await
        .ok()??;
        let (username, name, email, verified, phone) = row;
        let claims = json!({
            "preferred_username": username,
            "name": name,
            "email": email,
            "email_verified": verified,
            "phone_number": phone,
        });
        let claims: Map<String, Value> = claims
            .as_object()?
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(claims)
    }

    fn acr_values_supported(&self) -> Vec<String> {
        vec![MFA_ACR.to_owned()]
    }
}
