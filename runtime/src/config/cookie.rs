//! The cookie-mode keys of a validator (`cookie_enabled`, `cookie_name`,
//! `cookie_max_age_secs`, `cookie_secure`, `cookie_path`), read and checked
//! at launch. What the cookie holds and how it is issued is `authn::cookie`'s.

use std::sync::Arc;

use super::problems::{is_token, Problems};

/// The default `cookie_max_age_secs`: a year, as Odoo's `auth_jwt` keeps its cookie.
const DEFAULT_MAX_AGE_SECS: u64 = 31_536_000;

/// The largest `cookie_max_age_secs`: ten years keeps time arithmetic safe.
const MAX_MAX_AGE_SECS: u64 = 315_360_000;

/// A validator's checked cookie settings, present when `cookie_enabled = true`.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "cookies"), allow(dead_code))]
pub(crate) struct CookieConfig {
    pub(crate) name: Arc<str>,
    pub(crate) max_age_secs: u64,
    pub(crate) secure: bool,
    pub(crate) path: String,
}

/// Reads the cookie keys of the validator `problems` is about.
pub(crate) fn read(problems: &mut Problems<'_>) -> Option<CookieConfig> {
    read_with(problems, cfg!(feature = "cookies"))
}

/// [`read`], as if the `cookies` feature were `compiled` or not.
fn read_with(problems: &mut Problems<'_>, compiled: bool) -> Option<CookieConfig> {
    let enabled: bool = problems.read("cookie_enabled").unwrap_or(false);
    let name: Option<String> = problems.read("cookie_name");
    let max_age_secs: Option<u64> = problems.read("cookie_max_age_secs");
    let secure: Option<bool> = problems.read("cookie_secure");
    let path: Option<String> = problems.read("cookie_path");
    if !enabled {
        let set = [
            ("cookie_name", name.is_some()),
            ("cookie_max_age_secs", max_age_secs.is_some()),
            ("cookie_secure", secure.is_some()),
            ("cookie_path", path.is_some()),
        ];
        for (key, _) in set.iter().filter(|(_, set)| *set) {
            problems.add(key, "is not used unless `cookie_enabled = true`");
        }
        return None;
    }
    if !compiled {
        problems.add(
            "cookie_enabled",
            "cookie mode needs rocket_warden's `cookies` feature (it turns on Rocket's \
             `secrets`): add `features = [\"cookies\"]` to the rocket_warden dependency",
        );
        return None;
    }
    let name = name.unwrap_or_else(|| format!("{}_auth", problems.validator()));
    if !is_token(&name) {
        problems.add(
            "cookie_name",
            "a cookie name: letters, digits, `-`, `_`, `.`",
        );
    }
    let max_age_secs = max_age_secs.unwrap_or(DEFAULT_MAX_AGE_SECS);
    if !(1..=MAX_MAX_AGE_SECS).contains(&max_age_secs) {
        problems.add(
            "cookie_max_age_secs",
            format!("from 1 to {MAX_MAX_AGE_SECS} seconds"),
        );
    }
    let path = path.unwrap_or_else(|| "/".to_owned());
    if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        problems.add(
            "cookie_path",
            "a path starting with `/`, printable ASCII without `;`",
        );
    }
    Some(CookieConfig {
        name: name.into(),
        max_age_secs,
        secure: secure.unwrap_or(true),
        path,
    })
}

#[cfg(test)]
mod tests {
    use rocket::figment::providers::{Format, Toml};
    use rocket::figment::Figment;

    use super::*;
    use crate::config::problems::validator_table;
    use crate::error::ConfigError;

    fn problems_with(compiled: bool, settings: &str) -> Vec<ConfigError> {
        let figment = Figment::from(Toml::string(settings));
        let table = validator_table(&figment, "api");
        let mut problems = Problems::new("api", &figment, Some(&table));
        let cookie = read_with(&mut problems, compiled);
        assert_eq!(cookie.is_some(), problems.is_empty());
        // Only this part's problems, not the other keys' (unknown to it).
        problems.recorded()
    }

    #[test]
    fn cookie_mode_without_the_feature_is_refused_naming_it() {
        let settings = "[jwt.validators.api]\ncookie_enabled = true";
        assert_eq!(
            problems_with(false, settings),
            [ConfigError::Validator {
                validator: "api".into(),
                key: Some("cookie_enabled".into()),
                problem: "cookie mode needs rocket_warden's `cookies` feature (it turns on \
                          Rocket's `secrets`): add `features = [\"cookies\"]` to the \
                          rocket_warden dependency"
                    .into(),
            }]
        );
        assert_eq!(problems_with(true, settings), []);
    }
}
