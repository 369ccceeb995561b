//! KiriminAja `get_payment` and webhooks (not SNAP): models that decode the
//! payloads KiriminAja really sends, and the webhook's bearer check.
//!
//! - **Call**: `POST /api/mitra/v2/get_payment` with `{"payment_id": …}`
//!   ([`GetPaymentRequest`]) and `Authorization: Bearer <api key>` on the
//!   [`SANDBOX_BASE_URL`] or [`PRODUCTION_BASE_URL`] host. Both products use
//!   it; the answer carries `data` (Express) or `result` (Instant), and which
//!   one is present tells the [`Product`]. The retired Instant endpoint of
//!   seed 001 is still available as an explicit legacy option
//!   ([`legacy`]).
//! - **Answer**: [`decode_get_payment`] turns the HTTP status and body into a
//!   [`GetPayment`], or a typed [`KiriminAjaError`]: `status: false` with
//!   HTTP 200 is an [`ApiError`] carrying `code` and `text` (4001, 4002, 4003,
//!   422, 2 …), never a success.
//! - **Leniency**: `null` is accepted for every string; `status_code` is the
//!   string `"9"`/`"0"` (Express) or the number `0` (Instant, webhooks);
//!   `code` is a number, a string or `null`. Values are written back as
//!   received, so a parsed answer re-serialises to its minified bytes.
//! - **Paid or not**: only `status_code` says so (`"0"` paid, `"9"` unpaid;
//!   [`PaymentStatusCode::unified`]). `pay_time` is set on unpaid payments
//!   too. Times: [`time`].
//! - **Webhooks**: unsigned. [`webhook::verify_webhook_authorization`] checks
//!   that the bearer value KiriminAja sends equals *your own* API key, in
//!   constant time; that is all the authentication KiriminAja offers.
//!   [`webhook::WebhookEvent`] parses the events.
//!
//! ```
//! use snap_bi::kiriminaja::{decode_get_payment, GetPayment, Product};
//! use snap_bi::payment::PaymentStatus;
//!
//! // KiriminAja's Instant sample: `method` and `qr_content` are null,
//! // `status_code` is a number.
//! let body = br#"{"status":true,"text":"get_payment","method":null,
//!   "result":{"payment_id":"PID-1683603627","amount":54000,"status_code":0,
//!             "qr_content":null,"pay_time":null,"packages":[]},"code":null}"#;
//! let payment = decode_get_payment(200, body)?;
//! assert_eq!(payment.product(), Product::Instant);
//! assert_eq!(payment.payment_id(), "PID-1683603627");
//! assert_eq!(payment.status_code().unified(), PaymentStatus::Paid);
//! let summary = payment.summary();
//! assert_eq!(summary.amount.map(|a| a.to_canonical().as_str().to_owned()), Some("54000.00".to_owned()));
//!
//! // `status: false` with HTTP 200 is an error, with KiriminAja's code.
//! let refused = decode_get_payment(200, br#"{"status":false,"code":2,"text":"Data tidak ditemukan","method":"get_payment"}"#);
//! let err = refused.unwrap_err();
//! assert_eq!(err.api_code(), Some("2"));
//! # Ok::<(), snap_bi::kiriminaja::KiriminAjaError>(())
//! ```

use core::fmt;

use secrecy::{ExposeSecret, SecretString};

mod client;
pub mod legacy;
mod package;
mod payment;
pub mod time;
pub mod webhook;
mod webhook_layer;

pub use client::{KiriminAjaCallError, KiriminAjaClient, KiriminAjaClientBuilder};
pub use webhook_layer::{DEFAULT_WEBHOOK_BODY_LIMIT, WebhookLayer, WebhookService};

pub use package::{Location, Package, PackageStatus, PackageStatusGroup};
pub use payment::{
    ApiEnvelope, ApiError, ExpressPayment, ExpressPaymentResponse, GetPayment, GetPaymentRequest,
    InstantPayment, InstantPaymentResponse, InvalidPaymentId, KiriminAjaError, PaymentStatusCode,
    Product, decode_get_payment,
};

/// KiriminAja's sandbox host (staging keys only).
pub const SANDBOX_BASE_URL: &str = "https://tdev.kiriminaja.com";

/// KiriminAja's production host.
pub const PRODUCTION_BASE_URL: &str = "https://client.kiriminaja.com";

/// A KiriminAja API key: the bearer value of every call, and what
/// KiriminAja sends back in its webhooks. Redacted in `Debug`; zeroised on
/// drop.
#[derive(Clone)]
pub struct ApiKey(SecretString);

/// An empty API key, always a configuration mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the KiriminAja API key is empty")]
pub struct EmptyApiKey;

impl ApiKey {
    /// Wraps an API key; surrounding whitespace (a key file's final newline)
    /// is trimmed.
    ///
    /// # Errors
    /// [`EmptyApiKey`] if nothing is left.
    pub fn new(key: impl Into<String>) -> Result<Self, EmptyApiKey> {
        let key: String = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(EmptyApiKey);
        }
        Ok(Self(SecretString::from(trimmed.to_owned())))
    }

    /// The key itself. Named loudly so its uses are easy to find.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests;
