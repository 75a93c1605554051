//! Claims JSON that names each member once, at every depth.
//!
//! RFC 7519 §4 lets a parser either refuse a claims set with a duplicate
//! member name or keep the last one. Keeping the last one is what
//! `serde_json` does, but not what every parser does: a proxy or another
//! service reading the same token may keep the first `iss` or `roles`, and
//! then two readers of one verified token disagree on what it says. Refusing
//! is the choice that cannot be read two ways (found by the `token` fuzz
//! target, see docs/SECURITY.md).
//!
//! The check costs nothing extra: the object is built as it is read, and an
//! insert that replaces a member is the error.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A claims set: a JSON object whose objects name each member once.
pub(crate) struct UniqueObject(pub(crate) Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor).map(Self)
    }
}

/// A JSON value whose objects name each member once.
struct UniqueValue(Value);

impl<'de> Deserialize<'de> for UniqueValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(Self)
    }
}

/// Reads an object, refusing a member name it has already read.
struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            let UniqueValue(value) = access.next_value()?;
            if let Some(_replaced) = object.insert(name, value) {
                return Err(de::Error::custom("an object names a member twice"));
            }
        }
        Ok(object)
    }
}

/// Reads any JSON value as `serde_json::Value` does, objects through
/// [`ObjectVisitor`].
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
        while let Some(UniqueValue(item)) = access.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Value, A::Error> {
        ObjectVisitor.visit_map(access).map(Value::Object)
    }
}

/// Checks that the JSON value `text` names each member once in every
/// object it holds, without building it (see `payload`).
pub(crate) fn check_unique(text: &str) -> serde_json::Result<()> {
    serde_json::from_str::<Checked>(text).map(|Checked| ())
}

/// A member name, borrowed from the JSON unless it has escapes.
#[derive(PartialEq, Eq)]
pub(crate) struct Name<'a>(pub(crate) Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Borrowed(name)))
    }

    fn visit_str<E>(self, name: &str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Owned(name.to_owned())))
    }
}

/// A JSON value read only to check that its objects name each member once.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Checked, A::Error> {
        while access.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Checked, A::Error> {
        let mut names: Vec<Name<'de>> = Vec::new();
        while let Some(name) = access.next_key::<Name<'de>>()? {
            if names.contains(&name) {
                return Err(de::Error::custom("an object names a member twice"));
            }
            access.next_value::<Checked>()?;
            names.push(name);
        }
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Map<String, Value>, serde_json::Error> {
        serde_json::from_str::<UniqueObject>(text).map(|object| object.0)
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a":[1,-2,1.5,"x",null,true,{"b":{}}],"c":18446744073709551615}"#;
        let expected: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(Value::Object(read(text).expect("unique")), expected);
    }

    #[test]
    fn refuses_a_member_named_twice_at_any_depth() {
        for text in [
            r#"{"iss":"a","iss":"b"}"#,
            r#"{"iss":"a","iss":"a"}"#,
            r#"{"realm":{"roles":[],"roles":["admin"]}}"#,
            r#"{"list":[{"x":1,"x":2}]}"#,
        ] {
            let error = read(text).expect_err(text);
            assert!(error.to_string().contains("twice"), "{text}: {error}");
        }
        assert_eq!(
            read(r#"{"a":{"x":1},"b":{"x":1}}"#).map(|m| m.len()).ok(),
            Some(2)
        );
    }

    #[test]
    fn checks_without_building_as_the_reader_does() {
        for text in [
            r#"{"realm":{"roles":[],"roles":["admin"]}}"#,
            r#"[{"x":1,"x\u0000":2},{"x":1,"x":2}]"#,
            r#"{"a\u0062":1,"ab":2}"#,
        ] {
            assert!(check_unique(text).is_err(), "{text}");
        }
        for text in [
            r#"{"a":{"x":1},"b":{"x":1}}"#,
            "[1,\"a\",null,true,1.5]",
            "[]",
        ] {
            assert!(check_unique(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn claims_must_be_an_object() {
        for text in ["[]", "1", "\"a\"", "null"] {
            assert!(read(text).is_err(), "{text}");
        }
        assert_eq!(read("{}").ok(), Some(Map::new()));
    }
}
