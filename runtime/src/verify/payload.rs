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
    members: Members,
    /// The whole object, parsed on first use.
    map: OnceLock<Map<String, Value>>,
}

/// The registered claims every verification asks for, some of them several
/// times (`iss` four times). Their places are noted while the members are
/// read, so asking for one costs no scan.
const REGISTERED: [&str; 8] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"];

/// [`REGISTERED`], each name's three bytes as one number.
const PACKED: [u32; REGISTERED.len()] = {
    let mut packed = [0; REGISTERED.len()];
    let mut at = 0;
    while at < REGISTERED.len() {
        let name = REGISTERED[at].as_bytes();
        packed[at] = pack([name[0], name[1], name[2]]);
        at += 1;
    }
    packed
};

/// Three bytes as one number, the first lowest.
const fn pack(name: [u8; 3]) -> u32 {
    u32::from_le_bytes([name[0], name[1], name[2], 0])
}

/// Where each of [`REGISTERED`] is: `ABSENT`, `UNINDEXED` (beyond the
/// places a byte holds: look it up by scanning), or its place in `members`.
#[derive(Clone, Copy)]
struct Registered([u8; REGISTERED.len()]);

impl Default for Registered {
    fn default() -> Self {
        Self::NONE
    }
}

const ABSENT: u8 = u8::MAX;
const UNINDEXED: u8 = u8::MAX - 1;

impl Registered {
    const NONE: Self = Self([ABSENT; REGISTERED.len()]);

    /// Which of [`REGISTERED`] `name` is, if one. A few instructions, asked
    /// for every member read and every claim looked up: inlined.
    #[inline]
    fn slot(name: &str) -> Option<usize> {
        // Every registered name has three bytes: most names are told apart
        // by their length alone, the others by one comparison each.
        let &[a, b, c] = name.as_bytes() else {
            return None;
        };
        let name = pack([a, b, c]);
        PACKED.iter().position(|registered| *registered == name)
    }

    /// Notes that member `at` is named `name`.
    fn note(&mut self, name: &str, at: usize) {
        if let Some(slot) = Self::slot(name) {
            self.0[slot] = u8::try_from(at)
                .ok()
                .filter(|at| *at < UNINDEXED)
                .unwrap_or(UNINDEXED);
        }
    }
}

/// Where a JSON object's top-level members are.
#[derive(Default)]
struct Members {
    /// In the order sent. Kept as read: shrinking the vector to fit moved it
    /// to another size class of the allocator, and the next token's vector
    /// then missed glibc's thread cache.
    list: Vec<Member>,
    /// The names that had escapes, decoded, one after the other (almost
    /// always empty: then nothing is allocated).
    decoded: String,
    /// Where the registered claims are in `list`.
    registered: Registered,
}

/// One top-level member: where its name and its value are. Sixteen bytes,
/// four to a cache line: a token's members are written once per token.
#[derive(Clone, Copy)]
struct Member {
    /// In the JSON, or (a name with escapes) in `decoded`, decoded.
    name: Span,
    value: Span,
}

/// A place in a text of under 2 GiB; the top bit of `len` marks a name
/// kept decoded.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// The mark of a name kept decoded, in [`Span::len`].
const DECODED: u32 = 1 << 31;

impl Span {
    /// `range` of a text of under 2 GiB (as `read_members` checks).
    fn new(range: Range<usize>, decoded: bool) -> Self {
        let flag = if decoded { DECODED } else { 0 };
        Self {
            start: range.start as u32,
            len: range.len() as u32 | flag,
        }
    }

    fn is_decoded(self) -> bool {
        self.len & DECODED != 0
    }

    fn of(self, text: &str) -> &str {
        let start = self.start as usize;
        &text[start..start + (self.len & !DECODED) as usize]
    }
}

impl Members {
    /// The name of `member`, whose value is in `json`.
    fn name<'a>(&'a self, json: &'a str, member: Member) -> &'a str {
        match member.name.is_decoded() {
            true => member.name.of(&self.decoded),
            false => member.name.of(json),
        }
    }

    /// Member `name`, found by reading the list.
    fn scan(&self, json: &str, name: &str) -> Option<Member> {
        // A claims set has tens of members, most of other lengths than
        // `name`: a scan comparing lengths first beats a binary search's
        // string comparisons.
        let found = self
            .list
            .iter()
            .find(|m| same_name(self.name(json, **m), name));
        found.copied()
    }

    /// Member `name`.
    fn find(&self, json: &str, name: &str) -> Option<Member> {
        match Registered::slot(name).map(|slot| self.registered.0[slot]) {
            Some(ABSENT) => None,
            Some(UNINDEXED) | None => self.scan(json, name),
            Some(at) => self.list.get(usize::from(at)).copied(),
        }
    }
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
            members: Members::default(),
            map: OnceLock::new(),
        }
    }

    /// The JSON of claim `name` as sent, if the payload has it (`null` too).
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        let found = self.members.find(&self.json, name)?;
        Some(found.value.of(&self.json))
    }

    /// Claim `name` parsed, unless absent or `null` (RFC 7519 gives `null`
    /// no meaning; jsonwebtoken and this crate treat it as absent).
    pub(crate) fn present(&self, name: &str) -> Option<Value> {
        if let Some(map) = self.map.get() {
            return map.get(name).filter(|value| !value.is_null()).cloned();
        }
        let raw = self.raw(name).filter(|raw| *raw != "null")?;
        // Most claims are strings: taken as they are, without a parser.
        if let Some(text) = string_at(raw) {
            return Some(Value::String(text.into_owned()));
        }
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
        let members = &self.members;
        self.json.len() + members.list.len() * std::mem::size_of::<Member>() + members.decoded.len()
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
    if has_escape(inner) {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Whether JSON text `text` has a backslash, so an escape. Read without an
/// early exit, which the compiler turns into vector code: claim strings are
/// tens of bytes, where `memchr`'s setup cost more than the search and
/// mispredicted its branches (five calls per cold HS256 token).
fn has_escape(text: &str) -> bool {
    text.bytes().fold(false, |found, b| found | (b == b'\\'))
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
fn read_members(json: &str) -> serde_json::Result<Members> {
    if json.len() >= DECODED as usize {
        return Err(de::Error::custom("a payload of 2 GiB or more"));
    }
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
    type Value = Members;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MembersSeed<'de> {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let offset = |text: &str| text.as_ptr() as usize - self.json.as_ptr() as usize;
        let mut members = Members {
            list: Vec::with_capacity(16),
            ..Members::default()
        };
        let mut seen = NameFilter::default();
        while let Some(Name(name)) = access.next_key::<Name<'de>>()? {
            if seen.may_hold(&name) && members.scan(self.json, &name).is_some() {
                return Err(de::Error::custom("an object names a member twice"));
            }
            let value = access.next_value::<&'de RawValue>()?.get();
            // The raw text is only delimited: read it once more as a value
            // where that can refuse it (a number out of range, a bad escape,
            // in objects and arrays a member named twice).
            if !delimiting_checks(value) {
                check_unique(value).map_err(de::Error::custom)?;
            }
            members.registered.note(&name, members.list.len());
            let name = match name {
                Cow::Borrowed(name) => Span::new(offset(name)..offset(name) + name.len(), false),
                Cow::Owned(name) => {
                    let start = members.decoded.len();
                    members.decoded.push_str(&name);
                    Span::new(start..members.decoded.len(), true)
                }
            };
            let value = Span::new(offset(value)..offset(value) + value.len(), false);
            members.list.push(Member { name, value });
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
        Some(b'"') => !has_escape(raw),
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
        assert_eq!(payload.members.list.len(), 5);
    }

    #[test]
    fn registered_claims_are_found_by_their_place() {
        let payload =
            parse(r#"{"x":0,"\u0069ss":"a","exp":7,"aud":"b\u0063"}"#).expect("an object");
        assert_eq!(payload.raw("iss"), Some("\"a\""));
        assert_eq!(payload.raw("exp"), Some("7"));
        assert_eq!(payload.str("aud").as_deref(), Some("bc"));
        assert_eq!(payload.present("aud"), Some(Value::from("bc")));
        assert_eq!(payload.raw("sub"), None);
        assert_eq!(payload.raw("x"), Some("0"));
        // A name with an escape is kept decoded, beside the JSON.
        assert_eq!(payload.members.decoded, "iss");
    }

    #[test]
    fn registered_claims_past_the_index_are_found_by_a_scan() {
        let filler: String = (0..300).map(|n| format!(r#""c{n}":{n},"#)).collect();
        let text = format!(r#"{{{filler}"iss":"late","sub":"x"}}"#);
        let payload = parse(&text).expect("an object");
        assert_eq!(payload.raw("iss"), Some("\"late\""));
        assert_eq!(payload.str("sub").as_deref(), Some("x"));
        assert_eq!(payload.raw("exp"), None);
        assert_eq!(payload.raw("c299"), Some("299"));
        let twice = format!(r#"{{{filler}"iss":"a","iss":"b"}}"#);
        assert!(parse(&twice).is_err());
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
