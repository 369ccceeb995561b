//! Reading SNAP request headers the same way in the verifying layer and the
//! token issuer: one value, trimmed, text, within a length limit.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};

/// How a header looked.
pub(super) enum HeaderState<'a> {
    Absent,
    Malformed,
    Present(&'a str),
}

/// One header's value: absent (or blank), malformed (repeated, not text, or
/// longer than `max_len`), or present, trimmed.
pub(super) fn header_state<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    max_len: usize,
) -> HeaderState<'a> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return HeaderState::Absent;
    };
    if values.next().is_some() {
        // Two values for one SNAP header: ambiguous, so refuse it.
        return HeaderState::Malformed;
    }
    let Ok(value) = first.to_str() else {
        return HeaderState::Malformed;
    };
    let value = value.trim();
    if value.is_empty() {
        HeaderState::Absent
    } else if value.len() > max_len {
        HeaderState::Malformed
    } else {
        HeaderState::Present(value)
    }
}

/// The header's name as SNAP documents spell it, for messages.
pub(super) fn display_name(name: &HeaderName) -> Cow<'static, str> {
    match name.as_str() {
        "authorization" => Cow::Borrowed("Authorization"),
        "authorization-customer" => Cow::Borrowed("Authorization-Customer"),
        "content-type" => Cow::Borrowed("Content-Type"),
        other => Cow::Owned(other.to_ascii_uppercase()),
    }
}
