//! Typed calls: [`SnapCall`] ties a request body to its path, service code,
//! method and response type, and [`CallError`] is everything a call can end
//! in besides that response.
//!
//! ```
//! use snap_bi::client::SnapCall;
//! use snap_bi::qris::{QrMpmGenerateRequest, QrMpmQueryRequest};
//!
//! assert_eq!(<QrMpmQueryRequest as SnapCall>::PATH, "/v1.0/qr/qr-mpm-query");
//! assert!(<QrMpmQueryRequest as SnapCall>::IDEMPOTENT);
//! assert!(!<QrMpmGenerateRequest as SnapCall>::IDEMPOTENT);
//! ```

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::BoxError;

use super::error::ClientError;
use crate::qris::{
    QrMpmCancelRequest, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmRefundRequest, ServiceRequest,
};
use crate::response_code::ResponseCode;

/// A request body that knows how it is sent and what comes back.
///
/// Implemented for the QRIS MPM requests of [`qris`](crate::qris): Generate
/// (47), Query Payment (51, idempotent), Cancel (77) and Refund (78).
/// Implement it for other services the same way:
///
/// ```
/// use snap_bi::client::SnapCall;
///
/// #[derive(serde::Serialize)]
/// #[serde(rename_all = "camelCase")]
/// struct BalanceInquiry { account_no: String }
///
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct BalanceInquiryResponse { response_code: String, response_message: String }
///
/// impl SnapCall for BalanceInquiry {
///     type Response = BalanceInquiryResponse;
///     const SERVICE_CODE: &'static str = "11";
///     const PATH: &'static str = "/v1.0/balance-inquiry";
///     const IDEMPOTENT: bool = true;
///     const CUSTOMER_TOKEN: bool = true; // a B2B2C service
/// }
/// ```
pub trait SnapCall: Serialize {
    /// The response body type.
    type Response: DeserializeOwned + Send + 'static;
    /// The two-character service code, e.g. `"51"`.
    const SERVICE_CODE: &'static str;
    /// The path from the version on, e.g. `"/v1.0/qr/qr-mpm-query"`;
    /// appended to the client's base URL, which carries any provider prefix.
    const PATH: &'static str;
    /// The HTTP method (`POST` for almost every SNAP service).
    const METHOD: Method = Method::POST;
    /// Whether sending it twice has the effect of sending it once (queries
    /// and status inquiries): only these are retried by a
    /// [`RetryPolicy`](super::RetryPolicy) by default.
    const IDEMPOTENT: bool;
    /// Whether the service is B2B2C and needs the customer's token
    /// (`Authorization-Customer`); call it with
    /// [`SnapClient::call_as`](super::SnapClient::call_as).
    const CUSTOMER_TOKEN: bool = false;

    /// Parses a successful answer's body.
    ///
    /// # Errors
    /// Whatever the parser reports; the client turns it into
    /// [`CallError::InvalidResponse`].
    fn parse_response(body: &[u8]) -> Result<Self::Response, BoxError> {
        serde_json::from_slice(body).map_err(Into::into)
    }
}

/// `SnapCall` for a [`ServiceRequest`] of the `qris` module, parsing with the
/// type's own `from_json` (which names the field at fault).
macro_rules! qris_call {
    ($request:ty, idempotent: $idempotent:literal) => {
        impl SnapCall for $request {
            type Response = <$request as ServiceRequest>::Response;
            const SERVICE_CODE: &'static str = <$request as ServiceRequest>::SERVICE_CODE;
            const PATH: &'static str = <$request as ServiceRequest>::PATH;
            const IDEMPOTENT: bool = $idempotent;

            fn parse_response(body: &[u8]) -> Result<Self::Response, BoxError> {
                <Self::Response as crate::qris::SnapMessage>::from_json(body).map_err(Into::into)
            }
        }
    };
}

qris_call!(QrMpmGenerateRequest, idempotent: false);
qris_call!(QrMpmQueryRequest, idempotent: true);
qris_call!(QrMpmCancelRequest, idempotent: false);
qris_call!(QrMpmRefundRequest, idempotent: false);

/// How much of a body `Debug` shows.
const DEBUG_BODY_PREFIX: usize = 256;

/// A response body kept in an error: the exact bytes received. `Debug` shows
/// at most the first 256 bytes (as lossy UTF-8) and the length.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(Bytes);

impl RawBody {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The body as text, if it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.get(..DEBUG_BODY_PREFIX).unwrap_or(&self.0);
        let text = String::from_utf8_lossy(shown);
        if shown.len() < self.0.len() {
            write!(f, "{text:?}… ({} bytes)", self.0.len())
        } else {
            write!(f, "{text:?}")
        }
    }
}

impl AsRef<[u8]> for RawBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Why a typed call did not return its response.
///
/// # When a call succeeds
/// An answer is the typed response only when the HTTP status is 2xx **and**
/// its `responseCode` (if it has one) is a 2xx code. Everything else is
/// [`CallError::Refused`], keeping the HTTP status, the parsed
/// [`ResponseCode`], the `responseMessage` and the raw body. In particular a
/// `200 OK` carrying `4045101` is a refusal, as is a `404` whose body is not
/// JSON. `202xx00` (request in progress) is a success; check
/// [`ResponseCode::is_in_progress`] on the response.
///
/// The `Nothing sent` variants ([`Serialize`](Self::Serialize),
/// [`MissingCustomerToken`](Self::MissingCustomerToken),
/// [`InvalidPath`](Self::InvalidPath), [`Client`](Self::Client)) fail
/// before any byte goes out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The provider answered, and not with success (see
    /// [When a call succeeds](CallError#when-a-call-succeeds)).
    #[error("{}", refusal_text(*status, code.as_ref(), message.as_deref()))]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// The `responseCode`, when the body has a well-formed one.
        code: Option<ResponseCode>,
        /// The `responseMessage`, when the body has one.
        message: Option<String>,
        /// The body as received.
        body: RawBody,
    },
    /// The provider answered with success, but the body does not parse as
    /// the response type.
    #[error("the provider's answer (HTTP {status}) does not parse: {source}")]
    InvalidResponse {
        /// The HTTP status.
        status: StatusCode,
        /// The body as received.
        body: RawBody,
        /// What the parser reported.
        #[source]
        source: BoxError,
    },
    /// The request body could not be serialised; nothing was sent.
    #[error("the request body could not be serialised; nothing was sent")]
    Serialize(#[source] serde_json::Error),
    /// The service is B2B2C and no customer token was given; nothing was
    /// sent. Use [`SnapClient::call_as`](super::SnapClient::call_as).
    #[error("this service needs the customer's token (call_as); nothing was sent")]
    MissingCustomerToken,
    /// The base URL and the call's path do not make a valid URL; nothing
    /// was sent.
    #[error("`{path}` appended to the base URL is not a valid URL; nothing was sent")]
    InvalidPath {
        /// The call's path.
        path: &'static str,
    },
    /// The signing layer refused the request (invalid JSON, no B2B token,
    /// signing failure); nothing was sent.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The HTTP client failed: connection, TLS, or reading the answer. The
    /// request may or may not have reached the provider.
    #[error("HTTP transport failed: {0}")]
    Transport(#[source] BoxError),
    /// An attempt took longer than the client's timeout.
    #[error("no complete answer within {after:?}")]
    Timeout {
        /// The timeout of one attempt.
        after: Duration,
    },
    /// The answer's body is larger than the client's limit.
    #[error("the answer's body exceeds the {limit}-byte limit")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl CallError {
    /// The HTTP status, when the provider answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Refused { status, .. } | Self::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `responseCode`, when the provider answered with one.
    pub fn response_code(&self) -> Option<&ResponseCode> {
        match self {
            Self::Refused { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// The `responseMessage`, when the provider answered with one.
    pub fn response_message(&self) -> Option<&str> {
        match self {
            Self::Refused { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The body as received, when the provider answered.
    pub fn body(&self) -> Option<&RawBody> {
        match self {
            Self::Refused { body, .. } | Self::InvalidResponse { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether no answer came for a reason that may pass: a transport
    /// failure or a timeout.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transport(_) | Self::Timeout { .. })
    }

    /// Sorts the signing layer's boxed error: its own [`ClientError`]
    /// (nothing sent) or the HTTP client's.
    pub(crate) fn from_layer(error: BoxError) -> Self {
        match error.downcast::<ClientError>() {
            Ok(client) => Self::Client(*client),
            Err(other) => Self::Transport(other),
        }
    }
}

fn refusal_text(status: StatusCode, code: Option<&ResponseCode>, message: Option<&str>) -> String {
    let mut text = format!("the provider refused the call: HTTP {}", status.as_u16());
    if let Some(code) = code {
        text.push_str(", responseCode ");
        text.push_str(code.as_str());
    }
    if let Some(message) = message {
        text.push_str(" (");
        text.push_str(message);
        text.push(')');
    }
    text
}

/// `responseCode` and `responseMessage` of a body, whatever else it holds.
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    pub(crate) code: Option<ResponseCode>,
    pub(crate) message: Option<String>,
}

/// Reads the envelope of a SNAP answer; an unreadable body, or a malformed
/// code, gives `None` fields.
pub(crate) fn envelope(body: &[u8]) -> Envelope {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(rename = "responseCode")]
        code: Option<String>,
        #[serde(rename = "responseMessage")]
        message: Option<String>,
    }
    match serde_json::from_slice::<Raw>(body) {
        Ok(raw) => Envelope {
            code: raw.code.and_then(|code| ResponseCode::parse(&code).ok()),
            message: raw.message,
        },
        Err(_) => Envelope::default(),
    }
}

/// The typed response, or why the answer is not one (the rule in
/// [`CallError`]'s docs).
pub(crate) fn interpret<T: SnapCall>(answer: Response<Bytes>) -> Result<T::Response, CallError> {
    let status = answer.status();
    let body = answer.into_body();
    let Envelope { code, message } = envelope(&body);
    let refused = !status.is_success() || code.as_ref().is_some_and(|code| !code.is_success());
    if refused {
        return Err(CallError::Refused {
            status,
            code,
            message,
            body: RawBody(body),
        });
    }
    T::parse_response(&body).map_err(|source| CallError::InvalidResponse {
        status,
        body: RawBody(body),
        source,
    })
}

#[cfg(test)]
mod tests;
