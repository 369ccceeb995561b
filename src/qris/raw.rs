//! [`RawObject`]: a JSON object whose members are kept in order, each value
//! as its exact (minified) JSON text.

use core::fmt;
use std::borrow::Cow;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A JSON object kept as received: members in their original order (duplicates
/// included), each value's bytes verbatim apart from insignificant whitespace.
///
/// This is the type of `additionalInfo` and of the `extra` members of every
/// message: provider-specific fields (BRI's `reffId`, DANA's `paymentInfo`, …)
/// survive a parse and re-serialise unchanged — key order, number spellings
/// such as `1.50`, and escapes inside values included. Keys themselves are
/// unescaped and re-escaped by serde_json, which only matters for keys with
/// escape sequences.
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
    entries: Vec<(String, Box<RawValue>)>,
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
            .find(|(k, _)| k == key)
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
        let key = key.into();
        match self.entries.iter().position(|(k, _)| *k == key) {
            Some(first) => {
                let mut index = 0;
                self.entries.retain(|(k, _)| {
                    let keep = index <= first || *k != key;
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
            if k == key {
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

    /// The object as a `serde_json::Map`. Without serde_json's
    /// `preserve_order` feature the map sorts its keys, so do not serialise it
    /// back where bytes matter.
    ///
    /// # Errors
    /// Not expected (every value is valid JSON); reported rather than hidden.
    pub fn to_map(&self) -> Result<serde_json::Map<String, serde_json::Value>, serde_json::Error> {
        self.entries
            .iter()
            .map(|(k, v)| Ok((k.clone(), serde_json::from_str(v.get())?)))
            .collect()
    }

    /// Appends a member without looking for an existing one (parsing keeps
    /// duplicates as received).
    pub(crate) fn push(&mut self, key: String, value: Box<RawValue>) {
        self.entries.push((key, value));
    }

    /// The members, consumed.
    pub(crate) fn into_entries(self) -> Vec<(String, Box<RawValue>)> {
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
                .iter()
                .zip(other.iter())
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
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Only a JSON object is accepted. Values are captured with serde_json's
/// `RawValue`, so this works with serde_json's own deserializers
/// (`from_str`, `from_slice`, `from_reader`, `from_value`).
impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;

        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = RawObject;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut object = RawObject::new();
                while let Some(key) = map.next_key::<String>()? {
                    let raw = map.next_value::<Box<RawValue>>()?;
                    let raw = compact(raw).map_err(serde::de::Error::custom)?;
                    object.push(key, raw);
                }
                Ok(object)
            }
        }

        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests;
