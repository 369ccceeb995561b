//! SNAP error answers: an HTTP status, a seven-character `responseCode` and a
//! `responseMessage`, as JSON, with an `X-TIMESTAMP` header.
//!
//! The `responseCode` is the HTTP status, the route's two-character service
//! code and the case code of the standard table (snap-spec §6.2), so the same
//! failure reads `4015100` on the QRIS MPM query route (service 51) and
//! `4017300` on the token endpoint (service 73). Messages are the table's,
//! with the detail in brackets the way the standard writes them:
//!
//! ```
//! use snap_bi::response_code::CaseCode;
//! use snap_bi::server::{Rejection, ServiceCode};
//!
//! let service = ServiceCode::new("51")?;
//! let missing = Rejection::with_detail(CaseCode::InvalidMandatoryField, service, "X-TIMESTAMP");
//! assert_eq!(missing.response_code().as_str(), "4005102");
//! assert_eq!(missing.message(), "Invalid Mandatory Field [X-TIMESTAMP]");
//!
//! let bad_signature = Rejection::with_detail(CaseCode::Unauthorized, service, "Signature");
//! assert_eq!(bad_signature.http_status(), http::StatusCode::UNAUTHORIZED);
//! assert_eq!(
//!     bad_signature.json_body().as_ref(),
//!     br#"{"responseCode":"4015100","responseMessage":"Unauthorized. [Signature]"}"#
//! );
//! # Ok::<(), snap_bi::response_code::ResponseCodeError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::headers;
use crate::response_code::{CaseCode, ResponseCode, ResponseCodeError, ServiceInfo};
use crate::timestamp::Timestamp;

/// A validated two-character SNAP service code (`"51"`, `"73"`, BCA's `"US"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceCode([u8; 2]);

impl ServiceCode {
    /// Service 73, Access Token B2B.
    pub const ACCESS_TOKEN_B2B: Self = Self(*b"73");
    /// Service 74, Access Token B2B2C.
    pub const ACCESS_TOKEN_B2B2C: Self = Self(*b"74");
    /// `00`: the code used when a route belongs to no known service.
    pub const UNKNOWN: Self = Self(*b"00");

    /// Checks and wraps a service code: exactly two ASCII letters or digits.
    ///
    /// # Errors
    /// [`ResponseCodeError::ServiceCode`] for anything else.
    pub fn new(code: &str) -> Result<Self, ResponseCodeError> {
        // Reuse the response-code rules so the two can never disagree.
        ResponseCode::new(200u16, code, "00")?;
        match code.as_bytes() {
            &[a, b] => Ok(Self([a, b])),
            _ => Err(ResponseCodeError::ServiceCode {
                input: code.to_owned(),
                part: code.to_owned(),
            }),
        }
    }

    /// The code of a standard service.
    #[must_use]
    pub fn of(service: &ServiceInfo) -> Self {
        match service.code.as_bytes() {
            &[a, b] => Self([a, b]),
            _ => Self::UNKNOWN,
        }
    }

    /// The two characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always two ASCII alphanumerics by construction.
        std::str::from_utf8(&self.0).unwrap_or("00")
    }
}

impl fmt::Debug for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceCode({})", self.as_str())
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SNAP error answer: `responseCode` plus `responseMessage`.
///
/// Every message is clipped to SNAP's
/// [`MAX_RESPONSE_MESSAGE`](super::MAX_RESPONSE_MESSAGE) (150) characters,
/// ending in `...` when cut, whoever wrote it (a detail taken from the
/// request, a [`SignatureRejectionHook`](super::SignatureRejectionHook)'s
/// `String`, [`custom`](Self::custom)): a request cannot make the answer
/// longer than the field allows.
///
/// Build one from the standard table ([`new`](Self::new),
/// [`with_detail`](Self::with_detail)) or from any code and message
/// ([`custom`](Self::custom)); turn it into an HTTP response with
/// [`to_response`](Self::to_response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    code: ResponseCode,
    message: Cow<'static, str>,
}

impl Rejection {
    /// The standard answer for `case` on `service`, with the table's
    /// placeholder (`{field name}`, `[reason]`) removed.
    #[must_use]
    pub fn new(case: CaseCode, service: ServiceCode) -> Self {
        Self {
            code: code_for(case, service),
            message: standard_message(case, None),
        }
    }

    /// The standard answer with a detail in brackets where the table has its
    /// placeholder: `Invalid Field Format [X-TIMESTAMP]`,
    /// `Unauthorized. [Signature]`. Table rows without a placeholder get the
    /// detail appended.
    #[must_use]
    pub fn with_detail(case: CaseCode, service: ServiceCode, detail: &str) -> Self {
        Self {
            code: code_for(case, service),
            message: clip_message(standard_message(case, Some(detail))),
        }
    }

    /// Any code and message (for codes outside the table, such as `413xx00`).
    #[must_use]
    pub fn custom(code: ResponseCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: clip_message(message.into()),
        }
    }

    /// `413xx00 Payload Too Large`: the body exceeds the server's limit. The
    /// standard table has no row for this; the code follows its structure.
    #[must_use]
    pub fn payload_too_large(service: ServiceCode) -> Self {
        Self {
            code: ResponseCode::from_valid_parts(StatusCode::PAYLOAD_TOO_LARGE, service.0, *b"00"),
            message: Cow::Borrowed("Payload Too Large"),
        }
    }

    /// `503xx00 Service Unavailable`: a dependency the check needs (a
    /// shared replay store) cannot be reached, so the request is refused
    /// rather than let through unchecked. The standard table has no 503 row;
    /// the code follows its structure, and the status tells load balancers
    /// and clients to retry.
    #[must_use]
    pub fn service_unavailable(service: ServiceCode) -> Self {
        Self {
            code: ResponseCode::from_valid_parts(
                StatusCode::SERVICE_UNAVAILABLE,
                service.0,
                *b"00",
            ),
            message: Cow::Borrowed("Service Unavailable"),
        }
    }

    /// Replaces the message, keeping the code.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = clip_message(message.into());
        self
    }

    /// The `responseCode`.
    #[must_use]
    pub fn response_code(&self) -> &ResponseCode {
        &self.code
    }

    /// The `responseMessage`.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status (the first three digits of the code).
    #[must_use]
    pub fn http_status(&self) -> StatusCode {
        self.code.http_status()
    }

    /// `{"responseCode":"…","responseMessage":"…"}`.
    #[must_use]
    pub fn json_body(&self) -> Bytes {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            response_code: &'a str,
            response_message: &'a str,
        }
        let body = Body {
            response_code: self.code.as_str(),
            response_message: &self.message,
        };
        // Serialising two strings cannot fail.
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
    }

    /// The HTTP answer: the code's status, `Content-Type: application/json`,
    /// `X-TIMESTAMP: timestamp` and the JSON body.
    #[must_use]
    pub fn to_response(&self, timestamp: &Timestamp) -> Response<Full<Bytes>> {
        json_response(self.http_status(), timestamp, self.json_body())
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

/// A JSON response with the SNAP response headers.
pub(crate) fn json_response(
    status: StatusCode,
    timestamp: &Timestamp,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        headers::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(timestamp.as_str()) {
        headers.insert(headers::X_TIMESTAMP, value);
    }
    response
}

/// `message` cut to [`MAX_RESPONSE_MESSAGE`](super::MAX_RESPONSE_MESSAGE)
/// characters, ending in `...` when cut; never splits a character.
pub(crate) fn clip_message(message: Cow<'static, str>) -> Cow<'static, str> {
    const MAX: usize = super::MAX_RESPONSE_MESSAGE;
    // At most MAX bytes is at most MAX characters: the common case, uncounted.
    if message.len() <= MAX || message.chars().count() <= MAX {
        return message;
    }
    const ELLIPSIS: &str = "...";
    let keep = MAX - ELLIPSIS.len();
    let cut = message
        .char_indices()
        .nth(keep)
        .map_or(message.len(), |(at, _)| at);
    let mut clipped = String::with_capacity(cut + ELLIPSIS.len());
    clipped.push_str(&message[..cut]);
    clipped.push_str(ELLIPSIS);
    Cow::Owned(clipped)
}

fn code_for(case: CaseCode, service: ServiceCode) -> ResponseCode {
    ResponseCode::for_case(case, service.0)
}

/// The table's message with its placeholder replaced by `[detail]`, or
/// removed when there is no detail.
fn standard_message(case: CaseCode, detail: Option<&str>) -> Cow<'static, str> {
    let template = case.message();
    let placeholder = template.find(['{', '[']).and_then(|start| {
        let close = if template.as_bytes()[start] == b'{' {
            '}'
        } else {
            ']'
        };
        template[start..]
            .find(close)
            .map(|len| (start, start + len + 1))
    });
    match (placeholder, detail) {
        (Some((start, end)), Some(detail)) => Cow::Owned(format!(
            "{}[{detail}]{}",
            &template[..start],
            &template[end..]
        )),
        (Some((start, end)), None) => {
            let before = template[..start].trim_end();
            Cow::Owned(format!("{before}{}", &template[end..]))
        }
        (None, Some(detail)) => Cow::Owned(format!("{template} [{detail}]")),
        (None, None) => Cow::Borrowed(template),
    }
}

#[cfg(test)]
mod tests;
