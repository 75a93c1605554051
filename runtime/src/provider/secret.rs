//! Client secrets, and how a presented one is checked: in constant time
//! against a configured secret, or by Argon2 against a PHC hash (RFC 9106).

use std::fmt;

use argon2::password_hash::PasswordHash;
use argon2::{Argon2, PasswordVerifier};
use subtle::ConstantTimeEq;

/// What a client proves itself with.
pub(crate) enum ClientSecret {
    /// A secret from the configuration or the environment.
    Plain(String),
    /// An Argon2 PHC string (`$argon2id$v=19$...`): the configuration holds
    /// no secret at all.
    Hash(String),
    /// No secret: a public client, held to PKCE instead.
    Public,
}

impl ClientSecret {
    pub(crate) fn plain(secret: String) -> Self {
        Self::Plain(secret)
    }

    /// A PHC string Argon2 can check against, or why not.
    pub(crate) fn hashed(phc: &str) -> Result<Self, String> {
        let parsed = PasswordHash::new(phc).map_err(|_| {
            "is not a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`)".to_owned()
        })?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err(format!(
                "`{}` hashes are not accepted: use Argon2id",
                parsed.algorithm
            ));
        }
        Ok(Self::Hash(phc.to_owned()))
    }

    /// Whether `presented` is this client's secret. Never true for a
    /// public client.
    pub(crate) fn verify(&self, presented: &str) -> bool {
        match self {
            Self::Plain(secret) => secret.as_bytes().ct_eq(presented.as_bytes()).into(),
            Self::Hash(phc) => PasswordHash::new(phc).is_ok_and(|hash| {
                Argon2::default()
                    .verify_password(presented.as_bytes(), &hash)
                    .is_ok()
            }),
            Self::Public => false,
        }
    }
}

impl fmt::Debug for ClientSecret {
    // Never the secret, nor the hash (an offline guessing target).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain(_) => "ClientSecret::Plain(…)",
            Self::Hash(_) => "ClientSecret::Hash(…)",
            Self::Public => "ClientSecret::Public",
        })
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, SaltString};

    use super::*;

    #[test]
    fn a_plain_secret_matches_only_itself() {
        let secret = ClientSecret::plain("a-secret-of-enough-length".to_owned());
        assert!(secret.verify("a-secret-of-enough-length"));
        assert!(!secret.verify("a-secret-of-enough-lengt"));
        assert!(!secret.verify(""));
        assert_eq!(format!("{secret:?}"), "ClientSecret::Plain(…)");
    }

    #[test]
    fn a_hashed_secret_is_checked_by_argon2() {
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").expect("a salt");
        let phc = Argon2::default()
            .hash_password(b"the-client-secret", &salt)
            .expect("a hash")
            .to_string();
        let secret = ClientSecret::hashed(&phc).expect("a PHC string");
        assert!(secret.verify("the-client-secret"));
        assert!(!secret.verify("the-client-secreT"));
        assert!(ClientSecret::hashed("not a hash").is_err());
        assert!(!ClientSecret::Public.verify(""));
    }
}
