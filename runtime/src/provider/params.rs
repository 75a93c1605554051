//! Request parameters, as RFC 6749 reads them: form-encoded, each at most
//! once (§3.1, §3.2), and an empty value the same as none.

use std::collections::BTreeMap;

/// Parameters of one request, or the first one that came twice.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    values: BTreeMap<String, String>,
    repeated: Option<String>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text.
    pub(crate) fn parse(text: &str) -> Self {
        let mut params = Self::default();
        for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
            if value.is_empty() {
                continue;
            }
            if params.values.contains_key(name.as_ref()) {
                params.repeated.get_or_insert_with(|| name.into_owned());
                continue;
            }
            params.values.insert(name.into_owned(), value.into_owned());
        }
        params
    }

    /// The value of `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The first parameter given more than once.
    pub(crate) fn repeated(&self) -> Option<&str> {
        self.repeated.as_deref()
    }

    /// Every parameter, by name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The parameters, form-encoded again, without those `skip` names.
    pub(crate) fn encode_without(&self, skip: &[&str]) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.iter().filter(|(name, _)| !skip.contains(name)) {
            out.append_pair(name, value);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_parameter_is_remembered_and_an_empty_one_is_none() {
        let params = Params::parse("a=1&b=&c=x%20y&a=2");
        assert_eq!(params.get("a"), Some("1"));
        assert_eq!(params.get("b"), None);
        assert_eq!(params.get("c"), Some("x y"));
        assert_eq!(params.repeated(), Some("a"));
        assert_eq!(params.encode_without(&["a"]), "c=x+y");
    }
}
