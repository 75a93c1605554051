//! [`Payload`]: a verified token's claims, kept as the JSON that was signed
//! and read claim by claim.
//!
//! Parsing a payload into a `serde_json::Map` allocates every name and
//! every string of it; on an HMAC token that costs more than the signature.
//! Yet verifying reads a handful of claims (`iss`, the times, the required
//! ones, `aud`, `cnf`) and the handler's `Jwt<C>` deserializes its own type
//! from the JSON anyway. So the payload is read once into the places of its
//! top-level members (no value is built), checked to name each member once
//! at every depth as before (see `json`), and a claim is parsed when asked
//! for. The whole `Map` is built on first use only (custom strategies,
//! revocation lists, `AccessToken::payload`), once per verified token. The
//! authentication cookie keeps the JSON as it is.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::json::{check_unique, Name};

/// A verified token's payload: a JSON object whose objects name each
/// member once, its top-level members found by name without parsing them.
pub(crate) struct Payload {
    json: Box<str>,
    /// Top-level members, in the order sent. Kept as read: shrinking the
    /// vector to fit moved it to another size class of the allocator, and
    /// the next token's vector then missed glibc's thread cache.
    members: Vec<Member>,
    /// The whole object, parsed on first use.
    map: OnceLock<Map<String, Value>>,
}

/// One top-level member: where its name and its value are in the JSON.
struct Member {
    /// The name, unless it has escapes (then it is kept decoded).
    name: MemberName,
    value: Range<usize>,
}

enum MemberName {
    At(Range<usize>),
    Decoded(Box<str>),
}

impl Payload {
    /// Reads `json`, which must be a UTF-8 JSON object naming each member
    /// once at every depth (see `json`).
    pub(crate) fn parse(json: Vec<u8>) -> Result<Self, jsonwebtoken::errors::Error> {
        let json = String::from_utf8(json)?.into_boxed_str();
        let members = read_members(&json)?;
        Ok(Self {
            json,
            members,
            map: OnceLock::new(),
        })
    }

    /// The payload of a token whose claims came already parsed (an
    /// introspection answer): the `Map` is kept and answers for the values;
    /// the JSON made from it only finds the members.
    pub(crate) fn from_map(map: Map<String, Value>) -> Self {
        // A `Map` always serializes, and names each member once.
        let json = serde_json::to_string(&map).unwrap_or_default();
        let mut payload = Self::parse(json.into_bytes()).unwrap_or_else(|_| Self::empty());
        payload.map = OnceLock::from(map);
        payload
    }

    fn empty() -> Self {
        Self {
            json: "{}".into(),
            members: Vec::new(),
            map: OnceLock::new(),
        }
    }

    /// The JSON of claim `name` as sent, if the payload has it (`null` too).
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        // A claims set has tens of members, most of other lengths than
        // `name`: a scan comparing lengths first beats a binary search's
        // string comparisons.
        let found = self
            .members
            .iter()
            .find(|member| same_name(member_name(&self.json, member), name))?;
        Some(&self.json[found.value.clone()])
    }

    /// Claim `name` parsed, unless absent or `null` (RFC 7519 gives `null`
    /// no meaning; jsonwebtoken and this crate treat it as absent).
    pub(crate) fn present(&self, name: &str) -> Option<Value> {
        if let Some(map) = self.map.get() {
            return map.get(name).filter(|value| !value.is_null()).cloned();
        }
        let raw = self.raw(name).filter(|raw| *raw != "null")?;
        // Every value was read once at parse time: it parses.
        serde_json::from_str(raw).ok()
    }

    /// Whether claim `name` is there and not `null`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.raw(name).is_some_and(|raw| raw != "null")
    }

    /// Claim `name` when it is a string (borrowed unless it has escapes).
    pub(crate) fn str(&self, name: &str) -> Option<Cow<'_, str>> {
        string_at(self.raw(name)?)
    }

    /// The claims as a `C`: from the `Map` once there is one (a payload
    /// made from a `Map` keeps its numbers exactly: serde_json does not
    /// promise that a float reads back as written), else from the JSON.
    pub(crate) fn deserialize<C: DeserializeOwned>(&self) -> serde_json::Result<C> {
        match self.map.get() {
            Some(map) => C::deserialize(map),
            None => serde_json::from_str(&self.json),
        }
    }

    /// The whole object, parsed on first use.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        // The JSON was read as an object naming each member once: it parses
        // into the same members.
        self.map
            .get_or_init(|| serde_json::from_str(&self.json).unwrap_or_default())
    }

    /// The whole object, taken out.
    pub(crate) fn into_map(mut self) -> Map<String, Value> {
        self.map();
        self.map.take().unwrap_or_default()
    }

    /// The JSON, as signed.
    pub(crate) fn json(&self) -> &str {
        &self.json
    }

    /// The bytes it holds before anything is parsed from it: the JSON and
    /// the places of its members.
    pub(crate) fn held_bytes(&self) -> usize {
        self.json.len() + self.members.len() * std::mem::size_of::<Member>()
    }
}

/// The name of `member` of `json`.
fn member_name<'a>(json: &'a str, member: &'a Member) -> &'a str {
    match &member.name {
        MemberName::At(at) => &json[at.clone()],
        MemberName::Decoded(name) => name,
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Payload").field(&self.json).finish()
    }
}

/// A JSON string's text: the bytes between its quotes when it has no
/// escapes (JSON strings hold no raw control characters), else decoded.
fn string_at(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Whether two member names are the same. Claim names are a few bytes, and
/// many share a length (`iss`, `aud`, `exp`, `sub`): comparing them inline
/// costs less than a call to `memcmp` for each candidate, which took 6 % of
/// a cold HS256 guard. Names are not secret: no constant time needed.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The top-level members of `json`, in the order sent; an error unless it is
/// an object naming each member once at every depth.
fn read_members(json: &str) -> serde_json::Result<Vec<Member>> {
    let mut reader = serde_json::Deserializer::from_str(json);
    let members = MembersSeed { json }.deserialize(&mut reader)?;
    reader.end()?;
    Ok(members)
}

/// Reads a JSON object's members into their places in `json` (the text the
/// deserializer reads), nested objects checked to name each member once.
struct MembersSeed<'a> {
    json: &'a str,
}

impl<'de> DeserializeSeed<'de> for MembersSeed<'de> {
    type Value = Vec<Member>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MembersSeed<'de> {
    type Value = Vec<Member>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let offset = |text: &str| text.as_ptr() as usize - self.json.as_ptr() as usize;
        let mut members: Vec<Member> = Vec::with_capacity(16);
        let mut seen = NameFilter::default();
        while let Some(Name(name)) = access.next_key::<Name<'de>>()? {
            if seen.may_hold(&name)
                && members
                    .iter()
                    .any(|m| same_name(member_name(self.json, m), &name))
            {
                return Err(de::Error::custom("an object names a member twice"));
            }
            let value = access.next_value::<&'de RawValue>()?.get();
            // The raw text is only delimited: read it once more as a value
            // where that can refuse it (a number out of range, a bad escape,
            // in objects and arrays a member named twice).
            if !delimiting_checks(value) {
                check_unique(value).map_err(de::Error::custom)?;
            }
            let start = offset(value);
            members.push(Member {
                name: match name {
                    Cow::Borrowed(name) => {
                        let at = offset(name);
                        MemberName::At(at..at + name.len())
                    }
                    Cow::Owned(name) => MemberName::Decoded(name.into()),
                },
                value: start..start + value.len(),
            });
        }
        Ok(members)
    }
}

/// Whether delimiting the JSON value `raw` already checked all that reading
/// it would: a string without escapes (delimiting refuses control
/// characters), `true`, `false`, `null`, or an integer short enough to be in
/// range whatever its digits.
fn delimiting_checks(raw: &str) -> bool {
    match raw.as_bytes().first() {
        Some(b'"') => !raw.contains('\\'),
        Some(b't' | b'f' | b'n') => true,
        Some(b'-' | b'0'..=b'9') => {
            raw.len() <= 18 && raw.bytes().all(|b| b == b'-' || b.is_ascii_digit())
        }
        _ => false,
    }
}

/// The member names an object has shown so far, as a set of bits keyed by
/// a name's length and last byte: a name whose bit is clear is new, so the
/// members read so far are searched only when a bit is shared (a claims set
/// has tens of members; comparing each name to every other would cost more
/// than reading them).
#[derive(Default)]
struct NameFilter(u64);

impl NameFilter {
    /// Adds `name`; whether it may have been added before.
    fn may_hold(&mut self, name: &str) -> bool {
        let last = name.as_bytes().last().copied().unwrap_or(0);
        let bit = 1u64 << ((name.len().wrapping_mul(7) ^ usize::from(last)) % 64);
        let held = self.0 & bit != 0;
        self.0 |= bit;
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Payload, jsonwebtoken::errors::Error> {
        Payload::parse(text.as_bytes().to_vec())
    }

    #[test]
    fn finds_each_member_as_sent() {
        let payload =
            parse(r#"{ "sub" : "a\"b", "exp":17, "aud":["x","y"], "n":null, "o":{"k":[1]} }"#)
                .expect("an object");
        assert_eq!(payload.raw("exp"), Some("17"));
        assert_eq!(payload.raw("aud"), Some(r#"["x","y"]"#));
        assert_eq!(payload.raw("o"), Some(r#"{"k":[1]}"#));
        assert_eq!(payload.str("sub").as_deref(), Some("a\"b"));
        assert_eq!(payload.str("exp"), None);
        assert!(payload.raw("n").is_some() && !payload.has("n"));
        assert_eq!(payload.present("n"), None);
        assert_eq!(payload.present("exp"), Some(Value::from(17)));
        assert_eq!(payload.raw("missing"), None);
        assert_eq!(payload.members.len(), 5);
    }

    #[test]
    fn escaped_names_are_found_decoded() {
        let payload = parse(r#"{"a\u0062c":1,"abd":2}"#).expect("an object");
        assert_eq!(payload.raw("abc"), Some("1"));
        assert_eq!(payload.raw("abd"), Some("2"));
        // The same name, spelled two ways, is the same member twice.
        assert!(parse(r#"{"abc":1,"a\u0062c":2}"#).is_err());
    }

    #[test]
    fn the_map_and_typed_claims_read_the_same_json() {
        let text = r#"{"sub":"a","roles":["x"],"nested":{"deep":{"k":true}}}"#;
        let payload = parse(text).expect("an object");
        let expected: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(Value::Object(payload.map().clone()), expected);
        let typed: Value = payload.deserialize().expect("a Value");
        assert_eq!(typed, expected);
        let again = Payload::from_map(payload.map().clone());
        assert_eq!(again.raw("sub"), Some("\"a\""));
        assert_eq!(again.map(), payload.map());
    }

    /// Found by the `request` fuzz target: a float written out and read
    /// back by serde_json may come back one bit off, so a payload made from
    /// a `Map` answers from it, never from the JSON made from it.
    #[test]
    fn a_payload_from_a_map_keeps_its_numbers_exactly() {
        let mut map = Map::new();
        map.insert("sub".into(), Value::from(19000.899999939018_f64));
        map.insert("exp".into(), Value::from(1.5e9_f64 + 0.1));
        let payload = Payload::from_map(map.clone());
        assert_eq!(payload.present("sub"), map.get("sub").cloned());
        let typed: Map<String, Value> = payload.deserialize().expect("a map");
        assert_eq!(typed, map);
    }

    #[test]
    fn refuses_a_member_named_twice_at_any_depth_and_what_is_no_object() {
        for text in [
            r#"{"iss":"a","iss":"b"}"#,
            r#"{"iss":"a","x":1,"iss":"a"}"#,
            r#"{"realm":{"roles":[],"roles":["admin"]}}"#,
            r#"{"list":[{"x":1,"x":2}]}"#,
            "[]",
            "1",
            "\"a\"",
            "null",
            "{} {}",
            // Found by the `token` fuzz target: delimited, but no value.
            r#"{"exp":-1e400}"#,
            r#"{"sub":"\ud800"}"#,
            r#"{"sub":"\q"}"#,
            // A raw control character: delimiting a string refuses it.
            "{\"sub\":\"a\u{1}b\"}",
            // Names that share a length and a last byte, one given twice.
            r#"{"exp":1,"azp":"a","exp":2}"#,
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
        let too_long = format!(r#"{{"exp":1{}}}"#, "0".repeat(400));
        assert!(parse(&too_long).is_err());
        assert!(parse(r#"{"a":{"x":1},"b":{"x":1}}"#).is_ok());
        assert!(parse(r#"{"exp":1,"azp":"a","sup":2,"sub":"b"}"#).is_ok());
        assert!(Payload::parse(vec![b'{', 0xff, b'}']).is_err());
    }
}
