//! Step-up authentication (RFC 9470): a route that takes a token only when
//! its user authenticated in one of the route's ways (`acr`), or recently
//! enough (`max_age` against `auth_time`).
//!
//! Checked on every request, hits of the validated-token cache included,
//! against the application's clock: an authentication grows old while its
//! token stays cached. What is missing fails closed.

use serde_json::{Map, Value};

use crate::error::{AuthError, StepUp, StepUpMiss};
use crate::verify::numeric_date;

/// What a route demands of the authentication behind a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Demands {
    /// The `acr` values accepted, any one of them (empty: any `acr`, or none).
    pub(crate) acr: &'static [&'static str],
    /// The most seconds since `auth_time`.
    pub(crate) max_age: Option<u64>,
}

impl Demands {
    /// No demands: any authentication will do.
    pub(crate) const NONE: Self = Self {
        acr: &[],
        max_age: None,
    };

    /// Checks a token's `payload` at `now`, allowing `leeway` seconds of
    /// clock skew between the provider that wrote `auth_time` and this
    /// server. An `auth_time` that is not a number makes the token invalid.
    pub(crate) fn check(
        &self,
        payload: &Map<String, Value>,
        now: u64,
        leeway: u64,
    ) -> Result<(), AuthError> {
        if !self.acr.is_empty() {
            let acr = payload.get("acr").and_then(Value::as_str);
            if !acr.is_some_and(|acr| self.acr.contains(&acr)) {
                return Err(self.refusal(StepUpMiss::Acr));
            }
        }
        if let Some(max_age) = self.max_age {
            let fresh = numeric_date(payload, "auth_time")?.is_some_and(|auth_time| {
                auth_time <= now.saturating_add(leeway)
                    && now.saturating_sub(leeway) <= auth_time.saturating_add(max_age)
            });
            if !fresh {
                return Err(self.refusal(StepUpMiss::MaxAge));
            }
        }
        Ok(())
    }

    /// The refusal for a token that missed `missed`: it names every demand,
    /// so one new authentication can meet them all.
    fn refusal(&self, missed: StepUpMiss) -> AuthError {
        AuthError::StepUp(StepUp {
            missed,
            acr_values: self.acr,
            max_age: self.max_age,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_900_000_000;

    fn check(demands: Demands, payload: Value) -> Result<(), Option<StepUpMiss>> {
        let Value::Object(payload) = payload else {
            panic!("payloads are objects")
        };
        demands
            .check(&payload, NOW, 5)
            .map_err(|error| match error {
                AuthError::StepUp(step_up) => Some(step_up.missed),
                _ => None,
            })
    }

    #[test]
    fn no_demands_take_any_token() {
        assert_eq!(check(Demands::NONE, json!({})), Ok(()));
    }

    #[test]
    fn acr_is_one_of_the_values_exactly() {
        let demands = Demands {
            acr: &["mfa", "hwk"],
            max_age: None,
        };
        assert_eq!(check(demands, json!({ "acr": "hwk" })), Ok(()));
        for acr in [json!("MFA"), json!("mf"), json!(["mfa"]), json!(null)] {
            let missed = check(demands, json!({ "acr": acr }));
            assert_eq!(missed, Err(Some(StepUpMiss::Acr)), "{acr}");
        }
    }

    #[test]
    fn max_age_counts_from_auth_time_with_the_leeway_either_way() {
        let demands = Demands {
            acr: &[],
            max_age: Some(60),
        };
        for fresh in [NOW, NOW - 65, NOW + 5, NOW - 65 + 1] {
            assert_eq!(
                check(demands, json!({ "auth_time": fresh })),
                Ok(()),
                "{fresh}"
            );
        }
        for stale in [json!(NOW - 66), json!(NOW + 6), json!(null)] {
            let missed = check(demands, json!({ "auth_time": stale }));
            assert_eq!(missed, Err(Some(StepUpMiss::MaxAge)), "{stale}");
        }
        let odd = check(demands, json!({ "auth_time": "now" }));
        assert_eq!(odd, Err(None), "a malformed auth_time is an invalid token");
    }
}
