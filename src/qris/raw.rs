//! [`RawObject`]: a JSON object whose members are kept in order, each value
//! as its exact (minified) JSON text.

use core::fmt;
use std::borrow::Cow;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer as _, Serialize};
use serde_json::value::RawValue;

/// A JSON object kept as received: members in their original order (duplicates
/// included), each value's bytes verbatim apart from insignificant whitespace.
///
/// This is the type of `additionalInfo` and of the `extra` members of every
/// message: provider-specific fields (BRI's `reffId`, DANA's `paymentInfo`, …)
/// survive a parse and re-serialise unchanged — key order, number spellings
/// such as `1.50`, and escapes inside values and names included: a name
/// received as `"RT.3\/RW.4"` is written back with that escape, while
/// [`get`](Self::get) and [`iter`](Self::iter) see it unescaped
/// (`RT.3/RW.4`).
///
/// Read members with [`get`](Self::get) / [`get_as`](Self::get_as), or convert
/// the whole object with [`to_map`](Self::to_map) (which loses the order).
///
/// ```
/// use snap_bi::qris::RawObject;
///
/// let info = RawObject::from_json(r#"{ "reffId": "A1", "fee": 1.50, "nested": {"b": 1, "a": 2} }"#)?;
/// assert_eq!(info.get("fee").map(|v| v.get()), Some("1.50"));
/// assert_eq!(info.get_as::<String>("reffId")?, Some("A1".to_owned()));
/// assert_eq!(serde_json::to_string(&info)?, r#"{"reffId":"A1","fee":1.50,"nested":{"b":1,"a":2}}"#);
///
/// let mut built = RawObject::new();
/// built.insert("issuerName", "DANA")?;
/// assert_eq!(serde_json::to_string(&built)?, r#"{"issuerName":"DANA"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct RawObject {
    entries: Vec<(MemberName, Box<RawValue>)>,
}

/// A member name: unescaped for lookup, plus the text between the quotes as
/// received when that has escapes (only then can it differ from what
/// serde_json would write), so the name is written back byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MemberName {
    name: String,
    received: Option<Box<str>>,
}

impl MemberName {
    /// `name` as received between the quotes, escapes included; `name`
    /// unescaped.
    fn received(name: String, raw: &str) -> Self {
        let received = raw.contains('\\').then(|| raw.into());
        Self { name, received }
    }

    /// The unescaped name.
    pub(crate) fn as_str(&self) -> &str {
        &self.name
    }

    /// The name as a JSON string: as received, or escaped by serde_json.
    fn write_json(&self, out: &mut String) -> Result<(), serde_json::Error> {
        match &self.received {
            Some(raw) => {
                out.push('"');
                out.push_str(raw);
                out.push('"');
            }
            None => out.push_str(&serde_json::to_string(&self.name)?),
        }
        Ok(())
    }
}

impl From<String> for MemberName {
    fn from(name: String) -> Self {
        Self {
            name,
            received: None,
        }
    }
}

impl RawObject {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a JSON object.
    ///
    /// # Errors
    /// The serde_json error if `json` is not exactly one JSON object.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Number of members (duplicates counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The raw JSON of member `key`; with duplicate keys, the last one (as
    /// serde_json itself would read it).
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| &**v)
    }

    /// Member `key` parsed as `T`; `Ok(None)` if there is no such member.
    ///
    /// # Errors
    /// The serde_json error if the member does not parse as `T`.
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, serde_json::Error> {
        self.get(key)
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
    }

    /// Sets member `key` to `value` serialised as JSON, replacing the first
    /// member with that key in place (and dropping later duplicates) or
    /// appending a new one.
    ///
    /// # Errors
    /// The serde_json error if `value` cannot be serialised.
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let raw = serde_json::value::to_raw_value(value)?;
        self.insert_raw(key, raw);
        Ok(())
    }

    /// Like [`insert`](Self::insert) for a value that is already JSON text.
    pub fn insert_raw(&mut self, key: impl Into<String>, value: Box<RawValue>) {
        let key = MemberName::from(key.into());
        match self.entries.iter().position(|(k, _)| k.name == key.name) {
            Some(first) => {
                let mut index = 0;
                self.entries.retain(|(k, _)| {
                    let keep = index <= first || k.name != key.name;
                    index += 1;
                    keep
                });
                if let Some(entry) = self.entries.get_mut(first) {
                    entry.1 = value;
                }
            }
            None => self.entries.push((key, value)),
        }
    }

    /// Removes every member called `key`, returning the last value.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let mut removed = None;
        let mut kept = Vec::with_capacity(self.entries.len());
        for (k, v) in self.entries.drain(..) {
            if k.as_str() == key {
                removed = Some(v);
            } else {
                kept.push((k, v));
            }
        }
        self.entries = kept;
        removed
    }

    /// The members in order, as (key, raw JSON value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), &**v))
    }

    /// Whether a member name was received with escapes, so that writing it
    /// back byte for byte needs a [`TextMap`].
    pub(crate) fn has_received_escapes(&self) -> bool {
        self.entries.iter().any(|(k, _)| k.received.is_some())
    }

    /// The members in order, names as received.
    pub(crate) fn members(&self) -> impl Iterator<Item = (&MemberName, &RawValue)> {
        self.entries.iter().map(|(k, v)| (k, &**v))
    }

    /// The object as a `serde_json::Map`. Without serde_json's
    /// `preserve_order` feature the map sorts its keys, so do not serialise it
    /// back where bytes matter.
    ///
    /// # Errors
    /// Not expected (every value is valid JSON); reported rather than hidden.
    pub fn to_map(&self) -> Result<serde_json::Map<String, serde_json::Value>, serde_json::Error> {
        self.entries
            .iter()
            .map(|(k, v)| Ok((k.name.clone(), serde_json::from_str(v.get())?)))
            .collect()
    }

    /// Appends a member without looking for an existing one (parsing keeps
    /// duplicates as received).
    pub(crate) fn push(&mut self, key: MemberName, value: Box<RawValue>) {
        self.entries.push((key, value));
    }

    /// The members, consumed.
    pub(crate) fn into_entries(self) -> Vec<(MemberName, Box<RawValue>)> {
        self.entries
    }
}

/// Strips insignificant whitespace from a captured value, so that a pretty
/// body re-serialises as its minified form.
fn compact(raw: Box<RawValue>) -> Result<Box<RawValue>, String> {
    let text = raw.get();
    match crate::minify::minify(text.as_bytes()) {
        Ok(Cow::Borrowed(bytes)) if bytes.len() == text.len() => Ok(raw),
        Ok(bytes) => {
            let text = String::from_utf8(bytes.into_owned()).map_err(|e| e.to_string())?;
            RawValue::from_string(text).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

impl PartialEq for RawObject {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.get() == v2.get())
    }
}

impl Eq for RawObject {}

impl fmt::Debug for RawObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k, v.get())))
            .finish()
    }
}

impl Serialize for RawObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.has_received_escapes() {
            // A serializer escapes names its own way: write the object as
            // text so names keep the escapes they were received with.
            use serde::ser::Error as _;
            let mut map = TextMap::new();
            for (name, value) in self.members() {
                map.raw_entry(name, value).map_err(S::Error::custom)?;
            }
            return map.finish(serializer);
        }
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            map.serialize_entry(key.as_str(), value)?;
        }
        map.end()
    }
}

/// A JSON object written as text by serde_json, member by member, where a
/// member name received with escapes can be written back as received (a
/// serializer's own map cannot: it escapes names its own way). Serialised
/// as one raw JSON value by [`finish`](Self::finish).
pub(crate) struct TextMap {
    text: String,
}

impl TextMap {
    /// An empty object.
    pub(crate) fn new() -> Self {
        Self {
            text: String::from("{"),
        }
    }

    fn separate(&mut self) {
        if self.text.len() > 1 {
            self.text.push(',');
        }
    }

    /// A member whose name is written as received and value verbatim.
    pub(crate) fn raw_entry(
        &mut self,
        name: &MemberName,
        value: &RawValue,
    ) -> Result<(), serde_json::Error> {
        self.separate();
        name.write_json(&mut self.text)?;
        self.text.push(':');
        self.text.push_str(value.get());
        Ok(())
    }

    /// The closed object, serialised as a raw JSON value.
    pub(crate) fn finish<S: serde::Serializer>(mut self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        self.text.push('}');
        RawValue::from_string(self.text)
            .map_err(S::Error::custom)?
            .serialize(serializer)
    }
}

impl SerializeMap for TextMap {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), serde_json::Error> {
        use serde::ser::Error as _;
        let key = serde_json::to_string(key)?;
        if !key.starts_with('"') {
            return Err(serde_json::Error::custom("key must be a string"));
        }
        self.separate();
        self.text.push_str(&key);
        self.text.push(':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.text.push_str(&serde_json::to_string(value)?);
        Ok(())
    }

    fn end(self) -> Result<(), serde_json::Error> {
        Ok(())
    }
}

/// Only a JSON object is accepted. The object is captured with serde_json's
/// `RawValue`, so this works with serde_json's own deserializers
/// (`from_str`, `from_slice`, `from_reader`, `from_value`), then read again
/// from that text, which is what gives each name's escapes as received.
impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Box::<RawValue>::deserialize(deserializer)?;
        let mut reader = serde_json::Deserializer::from_str(text.get());
        reader
            .deserialize_map(ObjectVisitor {
                text: text.get(),
                cursor: 0,
            })
            // serde_json does not position an error raised here: the message
            // keeps the position within the captured object.
            .map_err(serde::de::Error::custom)
    }
}

/// Reads the members of `text`, a whole JSON object, keeping `cursor` at
/// the end of what was read so each name's raw text can be found.
struct ObjectVisitor<'t> {
    text: &'t str,
    cursor: usize,
}

impl<'t> Visitor<'t> for ObjectVisitor<'t> {
    type Value = RawObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'t>>(mut self, mut map: A) -> Result<RawObject, A::Error> {
        use serde::de::Error as _;
        let mut object = RawObject::new();
        while let Some(name) = map.next_key::<String>()? {
            let raw_name = self
                .next_raw_name()
                .ok_or_else(|| A::Error::custom("member name not found in the object text"))?;
            let name = MemberName::received(name, raw_name);
            let value = map.next_value::<&'t RawValue>()?;
            // The value's text is a slice of `text` right after the name.
            let rest = self.text.get(self.cursor..).unwrap_or_default();
            if !rest.starts_with(value.get()) {
                return Err(A::Error::custom(
                    "member value not found in the object text",
                ));
            }
            self.cursor += value.get().len();
            let value = compact(value.to_owned()).map_err(A::Error::custom)?;
            object.push(name, value);
        }
        Ok(object)
    }
}

impl<'t> ObjectVisitor<'t> {
    /// The text between the quotes of the next member name (escapes as
    /// written), moving the cursor past it and its `:` to the value.
    fn next_raw_name(&mut self) -> Option<&'t str> {
        let bytes = self.text.as_bytes();
        let mut at = self.cursor;
        // Past `{` or `,` and whitespace: the text is valid JSON.
        while matches!(
            bytes.get(at),
            Some(b'{' | b',' | b' ' | b'\t' | b'\n' | b'\r')
        ) {
            at += 1;
        }
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let start = at + 1;
        at = start;
        loop {
            match bytes.get(at)? {
                b'"' => break,
                // An escape: its next byte cannot end the string.
                b'\\' => at += 2,
                _ => at += 1,
            }
        }
        let name = self.text.get(start..at)?;
        at += 1;
        while matches!(bytes.get(at), Some(b':' | b' ' | b'\t' | b'\n' | b'\r')) {
            at += 1;
        }
        self.cursor = at;
        Some(name)
    }
}

#[cfg(test)]
mod tests;
