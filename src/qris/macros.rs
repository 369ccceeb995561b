//! The macro behind every message type: a struct with camelCase JSON names,
//! `Option` for optional fields, an `extra` [`RawObject`](super::RawObject)
//! for members it does not model, and hand-written serde impls.
//!
//! serde's derive cannot keep unknown members (`flatten` buffers the whole
//! object, which breaks the byte-exact `RawValue` capture) nor report which
//! field failed in a typed way, hence the macro.

/// The field type: `T` for required fields, `Option<T>` for optional ones.
macro_rules! snap_field_ty {
    (required $ty:ty) => { $ty };
    (optional $ty:ty) => { ::core::option::Option<$ty> };
}

/// Whether a failure to parse the field makes it an invalid *mandatory* field.
macro_rules! snap_field_mandatory {
    (required) => {
        true
    };
    (optional) => {
        false
    };
}

/// Serialises one field (optional fields only when present).
macro_rules! snap_field_ser {
    (required, $map:ident, $json:literal, $value:expr) => {
        $map.serialize_entry($json, $value)?;
    };
    (optional, $map:ident, $json:literal, $value:expr) => {
        if let ::core::option::Option::Some(value) = $value {
            $map.serialize_entry($json, value)?;
        }
    };
}

/// Turns a parsed slot into the field value (required fields must be present;
/// an explicit `null` in an optional field reads as absent).
macro_rules! snap_field_finish {
    (required, $slot:ident, $json:literal) => {
        $slot.ok_or($crate::qris::MessageError::MissingField { field: $json })?
    };
    (optional, $slot:ident, $json:literal) => {
        $slot.flatten()
    };
}

/// Defines a message struct. Each field line is
/// `required|optional "jsonName" rust_name: Type`, in serialisation order.
macro_rules! snap_message {
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
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: snap_field_ty!($kind $ty),
            )*
            /// Top-level members this type does not model, in the order
            /// received, values verbatim; serialised after the modelled fields
            /// (a member named like a modelled field is skipped).
            pub extra: $crate::qris::RawObject,
        }

        impl $name {
            /// The JSON names of the modelled fields, in serialisation order.
            pub const FIELDS: &'static [&'static str] = &[$($json),*];

            /// Parses a JSON body, naming the field at fault on error.
            ///
            /// # Errors
            /// [`MessageError`](crate::qris::MessageError): not a JSON object,
            /// a mandatory field missing, a field of the wrong shape, or a
            /// modelled field given twice.
            pub fn from_json(body: &[u8]) -> ::core::result::Result<Self, $crate::qris::MessageError> {
                let object: $crate::qris::RawObject = ::serde_json::from_slice(body)
                    .map_err($crate::qris::MessageError::NotAnObject)?;
                Self::from_object(object)
            }

            /// Builds the message from an already-captured object; unmodelled
            /// members go to `extra`.
            ///
            /// # Errors
            /// As [`from_json`](Self::from_json), except for syntax errors.
            pub fn from_object(
                object: $crate::qris::RawObject,
            ) -> ::core::result::Result<Self, $crate::qris::MessageError> {
                $( let mut $field: ::core::option::Option<snap_field_ty!($kind $ty)> = None; )*
                let mut unmodelled = $crate::qris::RawObject::new();
                for (key, raw) in object.into_entries() {
                    match key.as_str() {
                        $(
                            $json => {
                                if $field.is_some() {
                                    return Err($crate::qris::MessageError::DuplicateField { field: $json });
                                }
                                let value = ::serde_json::from_str(raw.get()).map_err(|source| {
                                    $crate::qris::MessageError::InvalidField {
                                        field: $json,
                                        mandatory: snap_field_mandatory!($kind),
                                        source,
                                    }
                                })?;
                                $field = Some(value);
                            }
                        )*
                        _ => unmodelled.push(key, raw),
                    }
                }
                Ok(Self {
                    $( $field: snap_field_finish!($kind, $field, $json), )*
                    extra: unmodelled,
                })
            }
        }

        impl $crate::qris::SnapMessage for $name {
            const FIELDS: &'static [&'static str] = $name::FIELDS;

            fn from_json(body: &[u8]) -> ::core::result::Result<Self, $crate::qris::MessageError> {
                $name::from_json(body)
            }

            fn extra(&self) -> &$crate::qris::RawObject {
                &self.extra
            }
        }

        impl $name {
            /// Writes the modelled fields (optional ones only when present).
            fn serialize_fields<M: ::serde::ser::SerializeMap>(&self, map: &mut M) -> ::core::result::Result<(), M::Error> {
                $( snap_field_ser!($kind, map, $json, &self.$field); )*
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
                    self.serialize_fields(&mut map).map_err(S::Error::custom)?;
                    for (key, value) in self.extra.members() {
                        if !Self::FIELDS.contains(&key.as_str()) {
                            map.raw_entry(key, value).map_err(S::Error::custom)?;
                        }
                    }
                    return map.finish(serializer);
                }
                let mut map = serializer.serialize_map(None)?;
                self.serialize_fields(&mut map)?;
                for (key, value) in self.extra.iter() {
                    if !Self::FIELDS.contains(&key) {
                        map.serialize_entry(key, value)?;
                    }
                }
                map.end()
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let object = <$crate::qris::RawObject as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::from_object(object).map_err($crate::qris::MessageError::into_de_error)
            }
        }
    };
}

/// Implements [`ServiceResponse`](super::ServiceResponse) through the type's
/// inherent `new(response_code, response_message)`.
macro_rules! snap_response {
    ($name:ident) => {
        impl $crate::qris::ServiceResponse for $name {
            fn from_code(response_code: $crate::ResponseCode, response_message: String) -> Self {
                $name::new(response_code, response_message)
            }

            fn response_code(&self) -> &$crate::ResponseCode {
                &self.response_code
            }

            fn response_message(&self) -> &str {
                &self.response_message
            }
        }
    };
}

/// Implements [`ServiceRequest`](super::ServiceRequest) and the inherent
/// `SERVICE_CODE` / `PATH` constants.
macro_rules! snap_request {
    ($name:ident, $code:literal, $path:literal, $response:ident) => {
        impl $name {
            #[doc = concat!("The standard service code, `", $code, "`.")]
            pub const SERVICE_CODE: &'static str = $code;
            #[doc = concat!("The standard path, `", $path, "`; providers put their own prefix in front (Paydia: `/snap`).")]
            pub const PATH: &'static str = $path;
        }

        impl $crate::qris::ServiceRequest for $name {
            const SERVICE_CODE: &'static str = $code;
            const PATH: &'static str = $path;
            type Response = $response;
        }
    };
}
