//! Lenient, byte-stable JSON models for the providers that are not SNAP
//! (KiriminAja, Fazz).
//!
//! Their real payloads disagree with their own documents: `null` where a
//! string is documented, a number where a string is documented (and the other
//! way round), keys in whatever order the server likes. The models built on
//! this module therefore
//!
//! - read `null` in an optional member as absent ([`Option`]),
//! - keep every value as it was spelt: a string's escapes ([`Text`]), a
//!   number's digits ([`JsonNumber`]), a member that is a number *or* a string
//!   ([`NumberOrString`]),
//! - keep the members they do not model (`extra`) and the order members were
//!   received in, so that parsing and serialising again gives back the
//!   minified input byte for byte,
//! - report a bad shape as a [`DecodeError`] naming the member by its path
//!   (`result.packages[0].status`).
//!
//! ```
//! use snap_bi::lenient_json::{NumberOrString, Text};
//!
//! // `status_code` is the string "9" at Express and the number 0 at Instant.
//! let express: NumberOrString = NumberOrString::from_json(r#""9""#)?;
//! let instant: NumberOrString = NumberOrString::from_json("0")?;
//! assert_eq!((express.as_str(), express.as_i64()), ("9", Some(9)));
//! assert_eq!((instant.as_str(), instant.is_number()), ("0", true));
//!
//! // A string keeps its escapes when serialised again.
//! let address = Text::from_json(r#""RT.3\/RW.4""#)?;
//! assert_eq!(address, "RT.3/RW.4");
//! assert_eq!(serde_json::to_string(&address)?, r#""RT.3\/RW.4""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::qris::RawObject;

/// Why a payload does not decode, naming the member at fault by its path
/// from the document root (`data.attributes.amount`, `result.packages[0]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not one JSON object (syntax error, array, empty body …).
    #[error("not a JSON object: {reason}")]
    NotAnObject {
        /// What the JSON parser reported.
        reason: String,
    },
    /// A member the model needs is absent.
    #[error("member `{field}` is missing")]
    Missing {
        /// Its path.
        field: String,
    },
    /// A modelled member appears twice in one object.
    #[error("member `{field}` appears more than once")]
    Duplicate {
        /// Its path.
        field: String,
    },
    /// A member is present but has the wrong type or shape.
    #[error("member `{field}` is invalid: {reason}")]
    Invalid {
        /// Its path.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl DecodeError {
    /// The path of the member at fault; empty for the document itself.
    pub fn field(&self) -> &str {
        match self {
            Self::NotAnObject { .. } => "",
            Self::Missing { field } | Self::Duplicate { field } | Self::Invalid { field, .. } => {
                field
            }
        }
    }

    pub(crate) fn invalid(reason: impl fmt::Display) -> Self {
        Self::Invalid {
            field: String::new(),
            reason: reason.to_string(),
        }
    }

    /// Puts `segment` (a member name, or `[index]`) in front of the path.
    pub(crate) fn within(self, segment: &str) -> Self {
        let join = |field: String| {
            if field.is_empty() {
                segment.to_owned()
            } else if field.starts_with('[') {
                format!("{segment}{field}")
            } else {
                format!("{segment}.{field}")
            }
        };
        match self {
            Self::NotAnObject { reason } => Self::Invalid {
                field: segment.to_owned(),
                reason: format!("not a JSON object: {reason}"),
            },
            Self::Missing { field } => Self::Missing { field: join(field) },
            Self::Duplicate { field } => Self::Duplicate { field: join(field) },
            Self::Invalid { field, reason } => Self::Invalid {
                field: join(field),
                reason,
            },
        }
    }
}

/// A value that decodes from the exact JSON text of one member.
pub(crate) trait Decode: Sized {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError>;
}

/// Decodes through serde; for types whose serialisation is already exact
/// (booleans, integers, objects kept raw, exact decimal strings).
macro_rules! decode_with_serde {
    ($($ty:ty),* $(,)?) => {$(
        impl Decode for $ty {
            fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
                serde_json::from_str(raw.get()).map_err(DecodeError::invalid)
            }
        }
    )*};
}

decode_with_serde!(bool, u16, u32, u64, i64, RawObject, crate::qris::Amount);

/// Any JSON value, kept as its exact (minified) text and not interpreted.
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl Decode for RawJson {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        Ok(Self(raw.to_owned()))
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        if raw.get() == "null" {
            Ok(None)
        } else {
            T::decode(raw).map(Some)
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        let items: Vec<&RawValue> =
            serde_json::from_str(raw.get()).map_err(|_| DecodeError::invalid("not an array"))?;
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| T::decode(item).map_err(|e| e.within(&format!("[{index}]"))))
            .collect()
    }
}

/// Parses a document's bytes into its members.
pub(crate) fn object_from_slice(body: &[u8]) -> Result<RawObject, DecodeError> {
    serde_json::from_slice(body).map_err(|e| DecodeError::NotAnObject {
        reason: e.to_string(),
    })
}

/// Where a member was in the received object, so it is written back there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A modelled member, by its JSON name.
    Field(&'static str),
    /// The next member of `extra`.
    Extra,
}

/// A JSON string, decoded, that keeps the spelling it was received with
/// (`"RT.3\/RW.4"`, `"\u00e9"`) and writes it back unchanged.
///
/// Compares, hashes and derefs as the decoded string.
#[derive(Clone)]
pub struct Text {
    value: String,
    /// The received JSON text, when it differs from how serde_json would
    /// write `value`.
    spelling: Option<Box<RawValue>>,
}

impl Text {
    /// A string built here; serialised the way serde_json writes strings.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            spelling: None,
        }
    }

    /// Parses one JSON string.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] if `json` is not a JSON string.
    pub fn from_json(json: &str) -> Result<Self, DecodeError> {
        let raw: &RawValue = serde_json::from_str(json).map_err(DecodeError::invalid)?;
        Self::decode(raw)
    }

    /// The decoded string.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl Decode for Text {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        let value: String = serde_json::from_str(raw.get())
            .map_err(|_| DecodeError::invalid(format!("expected a string, found {}", kind(raw))))?;
        let plain = serde_json::to_string(&value).map_err(DecodeError::invalid)?;
        let spelling = (plain != raw.get()).then(|| raw.to_owned());
        Ok(Self { value, spelling })
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.spelling {
            Some(raw) => raw.serialize(serializer),
            None => serializer.serialize_str(&self.value),
        }
    }
}

impl core::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Text {}

impl core::hash::Hash for Text {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.value == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.value == *other
    }
}

impl From<&str> for Text {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Text {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// A JSON number kept as its exact text (`106.8276737`, `54000`, `1e3`):
/// nothing passes through a float unless asked.
#[derive(Clone)]
pub struct JsonNumber(Box<RawValue>);

impl PartialEq for JsonNumber {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for JsonNumber {}

impl core::hash::Hash for JsonNumber {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl JsonNumber {
    /// Parses one JSON number.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] if `json` is not a JSON number.
    pub fn from_json(json: &str) -> Result<Self, DecodeError> {
        let raw: &RawValue = serde_json::from_str(json).map_err(DecodeError::invalid)?;
        Self::decode(raw)
    }

    /// The number as written.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The value as a signed integer, if it is written as one and fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_str().parse().ok()
    }

    /// The value as an unsigned integer, if it is written as one and fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_str().parse().ok()
    }

    /// The value as the nearest `f64` (for coordinates and the like).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_str().parse().ok()
    }
}

impl Decode for JsonNumber {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        if serde_json::from_str::<serde_json::Number>(raw.get()).is_err() {
            return Err(DecodeError::invalid(format!(
                "expected a number, found {}",
                kind(raw)
            )));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl fmt::Debug for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member that some payloads send as a number and others as a string
/// (KiriminAja's `status_code`: `"9"` at Express, `0` at Instant); written
/// back the way it came.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum NumberOrString {
    /// Sent as a JSON number.
    Number(JsonNumber),
    /// Sent as a JSON string.
    String(Text),
}

impl NumberOrString {
    /// Parses one JSON number or string.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] for any other JSON value.
    pub fn from_json(json: &str) -> Result<Self, DecodeError> {
        let raw: &RawValue = serde_json::from_str(json).map_err(DecodeError::invalid)?;
        Self::decode(raw)
    }

    /// The value as text: a number's digits, a string's content.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Number(n) => n.as_str(),
            Self::String(s) => s.as_str(),
        }
    }

    /// Whether it was sent as a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Self::Number(_))
    }

    /// The value as an integer: a number written as one, or a string of
    /// digits (an optional leading `-`), without surrounding spaces.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_str().parse().ok()
    }
}

impl Decode for NumberOrString {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        if raw.get().starts_with('"') {
            Text::decode(raw).map(Self::String)
        } else {
            JsonNumber::decode(raw).map(Self::Number).map_err(|_| {
                DecodeError::invalid(format!(
                    "expected a number or a string, found {}",
                    kind(raw)
                ))
            })
        }
    }
}

impl Serialize for NumberOrString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(n) => n.serialize(serializer),
            Self::String(s) => s.serialize(serializer),
        }
    }
}

impl fmt::Debug for NumberOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl fmt::Display for NumberOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON type of a raw value, for error messages (never its content,
/// which may be personal data).
fn kind(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The field type: `T` for required members, `Option<T>` for optional ones.
macro_rules! lenient_field_ty {
    (required $ty:ty) => { $ty };
    (optional $ty:ty) => { ::core::option::Option<$ty> };
}

/// Turns a decoded slot into the field value.
macro_rules! lenient_field_finish {
    (required, $slot:ident, $json:literal) => {
        $slot.ok_or_else(|| $crate::lenient_json::DecodeError::Missing {
            field: $json.to_owned(),
        })?
    };
    (optional, $slot:ident, $json:literal) => {
        $slot.flatten()
    };
}

/// Writes one modelled member (an optional member that was received as
/// `null`, or cleared, is written as `null` where it was).
macro_rules! lenient_field_ser {
    (required, $map:ident, $json:literal, $value:expr, $in_layout:expr) => {
        $map.serialize_entry($json, $value)?;
    };
    (optional, $map:ident, $json:literal, $value:expr, $in_layout:expr) => {
        match $value {
            ::core::option::Option::Some(value) => $map.serialize_entry($json, value)?,
            ::core::option::Option::None if $in_layout => $map.serialize_entry($json, &())?,
            ::core::option::Option::None => {}
        }
    };
}

/// Defines an order-keeping model of a JSON object. Each field line is
/// `required|optional "jsonName" rust_name: Type`; a type must implement
/// `Decode` and `Serialize`. Members are written back in the order received
/// (new ones after, in declaration order), unmodelled ones from `extra`.
macro_rules! lenient_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $kind:ident $json:literal $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: lenient_field_ty!($kind $ty),
            )*
            /// Members this type does not model, in the order received,
            /// values verbatim.
            pub extra: $crate::qris::RawObject,
            layout: ::std::vec::Vec<$crate::lenient_json::Slot>,
        }

        impl $name {
            /// The JSON names of the modelled members.
            pub const FIELDS: &'static [&'static str] = &[$($json),*];

            /// Parses a JSON document, naming the member at fault on error.
            ///
            /// # Errors
            /// [`DecodeError`](crate::lenient_json::DecodeError).
            pub fn from_json(body: &[u8]) -> ::core::result::Result<Self, $crate::lenient_json::DecodeError> {
                Self::from_object($crate::lenient_json::object_from_slice(body)?)
            }

            /// Builds the model from captured members.
            fn from_object(
                object: $crate::qris::RawObject,
            ) -> ::core::result::Result<Self, $crate::lenient_json::DecodeError> {
                use $crate::lenient_json::Decode as _;
                $( let mut $field: ::core::option::Option<lenient_field_ty!($kind $ty)> = None; )*
                let mut extra = $crate::qris::RawObject::new();
                let mut layout = ::std::vec::Vec::new();
                for (key, raw) in object.into_entries() {
                    match key.as_str() {
                        $(
                            $json => {
                                if $field.is_some() {
                                    return Err($crate::lenient_json::DecodeError::Duplicate { field: $json.to_owned() });
                                }
                                $field = Some(<lenient_field_ty!($kind $ty)>::decode(&raw).map_err(|e| e.within($json))?);
                                layout.push($crate::lenient_json::Slot::Field($json));
                            }
                        )*
                        _ => {
                            extra.push(key, raw);
                            layout.push($crate::lenient_json::Slot::Extra);
                        }
                    }
                }
                Ok(Self {
                    $( $field: lenient_field_finish!($kind, $field, $json), )*
                    extra,
                    layout,
                })
            }
        }

        impl $crate::lenient_json::Decode for $name {
            fn decode(raw: &::serde_json::value::RawValue) -> ::core::result::Result<Self, $crate::lenient_json::DecodeError> {
                let object: $crate::qris::RawObject = ::serde_json::from_str(raw.get())
                    .map_err(|_| $crate::lenient_json::DecodeError::invalid("expected an object"))?;
                Self::from_object(object)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                $( self.$field == other.$field && )* self.extra == other.extra
            }
        }

        impl $name {
            /// Writes the members in the order received (new ones after);
            /// `extra_entry` writes an unmodelled one.
            fn serialize_members<M: ::serde::ser::SerializeMap>(
                &self,
                map: &mut M,
                mut extra_entry: impl FnMut(
                    &mut M,
                    &$crate::qris::MemberName,
                    &::serde_json::value::RawValue,
                ) -> ::core::result::Result<(), M::Error>,
            ) -> ::core::result::Result<(), M::Error> {
                let mut extra = self
                    .extra
                    .members()
                    .filter(|(key, _)| !Self::FIELDS.contains(&key.as_str()));
                for slot in &self.layout {
                    match slot {
                        $(
                            $crate::lenient_json::Slot::Field($json) => {
                                lenient_field_ser!($kind, map, $json, &self.$field, true);
                            }
                        )*
                        $crate::lenient_json::Slot::Field(_) => {}
                        $crate::lenient_json::Slot::Extra => {
                            if let Some((key, value)) = extra.next() {
                                extra_entry(map, key, value)?;
                            }
                        }
                    }
                }
                $(
                    if !self.layout.contains(&$crate::lenient_json::Slot::Field($json)) {
                        lenient_field_ser!($kind, map, $json, &self.$field, false);
                    }
                )*
                for (key, value) in extra {
                    extra_entry(map, key, value)?;
                }
                Ok(())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                use ::serde::ser::{Error as _, SerializeMap as _};
                if self.extra.has_received_escapes() {
                    // An unmodelled name keeps the escapes it was received
                    // with: the object goes out as text.
                    let mut map = $crate::qris::TextMap::new();
                    self.serialize_members(&mut map, |map, key, value| map.raw_entry(key, value))
                        .map_err(S::Error::custom)?;
                    return map.finish(serializer);
                }
                let mut map = serializer.serialize_map(None)?;
                self.serialize_members(&mut map, |map, key, value| {
                    map.serialize_entry(key.as_str(), value)
                })?;
                map.end()
            }
        }
    };
}

#[cfg(test)]
mod tests;
