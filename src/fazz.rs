//! Fazz (formerly Xfers) one-time payments, Indonesia API v4 (not SNAP):
//! the JSON:API request, the Payment document, errors, and the callback's
//! HMAC-SHA256 check.
//!
//! - **Call**: HTTP Basic with the API key as user and the secret key as
//!   password ([`Credentials`]); bodies are JSON:API,
//!   `Content-Type: application/vnd.api+json` ([`CONTENT_TYPE`]). Hosts:
//!   [`SANDBOX_BASE_URL`], [`PRODUCTION_BASE_URL`] (the production host is
//!   not confirmed by a current Fazz page: take it from configuration).
//! - **Create**: `POST /payments` ([`CreatePaymentRequest`]) for
//!   `virtual_bank_account`, `retail_outlet`, `qris` and `e-wallet`; the
//!   `amount` is an integer; `referenceId` is the idempotency key, so a
//!   retried POST must reuse it. **Read**: `GET /payments/{id}`
//!   ([`payment_path`]).
//! - **Answer**: a [`PaymentDocument`]: `amount` and `fees` as exact decimal
//!   strings (`"100000.0"`, kept as sent), timestamps with mixed offsets
//!   (`+07:00` and `Z` in one object), method-specific
//!   [`Instructions`]. Statuses `pending → paid → completed`, or `expired` /
//!   `cancelled` / `failed` ([`FazzPaymentStatus`]); unknown ones kept.
//!   Errors `{"errors":[{"code","title","detail"}]}` ([`FazzError::Api`]).
//!   [`decode_payment_response`] does both.
//! - **Callbacks**: the same Payment document, signed with HMAC-SHA256 over
//!   the raw body, keyed with the endpoint's signing secret, lower-case hex
//!   in `Xfers-Signature` (the spelling is not confirmed: the header name is
//!   configurable) — [`callback`].
//!
//! ```
//! use snap_bi::fazz::{decode_payment_response, FazzPaymentStatus, Instructions};
//! use snap_bi::payment::PaymentStatus;
//!
//! let body = br#"{"data":{"id":"contract_ea9c","type":"payment","attributes":{
//!   "status":"pending","amount":"100000.0","currency":"IDR",
//!   "createdAt":"2020-10-19T09:12:48+07:00","description":null,"expiredAt":"2020-10-20T02:12:48Z",
//!   "referenceId":"ORDER_0001","fees":"4400.0",
//!   "paymentMethod":{"id":"8717","type":"retail_outlet","referenceId":"ORDER_0001",
//!     "instructions":{"retailOutletName":"ALFAMART","paymentCode":"8887322","displayName":"Nama Tampilan"}}}}}"#;
//! let payment = decode_payment_response(201, body)?;
//! let attributes = &payment.data.attributes;
//! assert_eq!(attributes.status, FazzPaymentStatus::Pending);
//! assert_eq!(attributes.status.unified(), PaymentStatus::Pending);
//! assert_eq!(attributes.amount.as_str(), "100000.0");
//! let Some(Instructions::RetailOutlet(instructions)) = payment.instructions()? else { panic!() };
//! assert_eq!(instructions.payment_code, "8887322");
//! # Ok::<(), snap_bi::fazz::FazzError>(())
//! ```

use core::fmt;

use secrecy::{ExposeSecret, SecretString};

pub mod callback;
mod callback_layer;
mod client;
mod document;
mod error;
mod request;

pub use callback_layer::{CallbackLayer, CallbackService, DEFAULT_CALLBACK_BODY_LIMIT};
pub use client::{FazzCallError, FazzClient, FazzClientBuilder};
pub use document::{
    FazzPaymentStatus, Instructions, PaymentAttributes, PaymentDocument, PaymentMethod,
    PaymentMethodType, PaymentResource, QrisInstructions, RetailOutletInstructions,
    VirtualAccountInstructions,
};
pub use error::{ErrorDocument, ErrorObject, FazzError, decode_payment_response};
pub use request::{
    CreatePaymentRequest, CreatePaymentRequestBuilder, PaymentMethodOptions, RequestError,
};

/// Fazz Indonesia's sandbox API base (v4).
pub const SANDBOX_BASE_URL: &str = "https://sandbox-id.xfers.com/api/v4";

/// Fazz Indonesia's production API base (v4). Unconfirmed by a current Fazz
/// page: configurable wherever it is used.
pub const PRODUCTION_BASE_URL: &str = "https://id.xfers.com/api/v4";

/// The JSON:API media type of request and response bodies.
pub const CONTENT_TYPE: &str = "application/vnd.api+json";

/// The path of `POST /payments`.
pub const PAYMENTS_PATH: &str = "/payments";

/// The path of `GET /payments/{id}`, the id percent-encoded as one segment.
///
/// ```
/// assert_eq!(snap_bi::fazz::payment_path("contract_ea9c"), "/payments/contract_ea9c");
/// assert_eq!(snap_bi::fazz::payment_path("a/b"), "/payments/a%2Fb");
/// ```
pub fn payment_path(payment_id: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(payment_id, SEGMENT).to_string();
    // "." and ".." would be path steps, not a segment.
    let encoded = match encoded.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => encoded,
    };
    format!("{PAYMENTS_PATH}/{encoded}")
}

/// Fazz API credentials: the API key (Basic user) and the secret key (Basic
/// password). Both redacted in `Debug`; zeroised on drop.
#[derive(Clone)]
pub struct Credentials {
    api_key: SecretString,
    secret_key: SecretString,
}

/// An empty API key or secret key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Fazz {0} is empty")]
pub struct EmptyCredential(pub &'static str);

impl Credentials {
    /// Wraps the key pair; surrounding whitespace is trimmed.
    ///
    /// # Errors
    /// [`EmptyCredential`] naming the empty one.
    pub fn new(
        api_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, EmptyCredential> {
        let api_key = non_empty(api_key.into(), "API key")?;
        let secret_key = non_empty(secret_key.into(), "secret key")?;
        Ok(Self {
            api_key: SecretString::from(api_key),
            secret_key: SecretString::from(secret_key),
        })
    }

    /// The API key (Basic user name).
    #[must_use]
    pub fn expose_api_key(&self) -> &str {
        self.api_key.expose_secret()
    }

    /// The secret key (Basic password).
    #[must_use]
    pub fn expose_secret_key(&self) -> &str {
        self.secret_key.expose_secret()
    }
}

pub(crate) fn non_empty(value: String, what: &'static str) -> Result<String, EmptyCredential> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err(EmptyCredential(what))
    } else {
        Ok(trimmed.to_owned())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

#[cfg(test)]
mod tests;
