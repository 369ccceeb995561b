//! KiriminAja webhooks: the bearer check and the events.
//!
//! **Authentication.** KiriminAja does not sign its webhooks: no HMAC, no
//! timestamp. Each one is a `POST` with `Authorization: Bearer <your own API
//! key>` and `User-Agent: KiriminAja-Push-Services`; the only authenticator
//! is that the bearer value equals your key. That is all KiriminAja offers,
//! so keep the receiving URL unguessable, serve it over TLS only, and treat
//! a leaked API key as a leaked webhook secret too.
//! [`verify_webhook_authorization`] does the comparison the way KiriminAja's
//! own plugin does (scheme case-insensitive, value trimmed), in constant
//! time. A receiver answers non-`POST` with 405 and keeps the raw body.
//!
//! **Events.** `{"method": "<event>", "data": …}`; packages are under
//! `data` or `packages` (an array, or one object for Instant updates), and
//! some clients also get the `payment` object. There is no "paid" event:
//! `processed_packages` (the AWB exists) implies payment. No event id
//! exists, so de-duplicate on `method` + `order_id` + the event's time.
//!
//! ```
//! use snap_bi::kiriminaja::ApiKey;
//! use snap_bi::kiriminaja::webhook::{verify_webhook_authorization, WebhookEvent, WebhookEventKind};
//!
//! let key = ApiKey::new("my-kiriminaja-api-key")?;
//! assert!(verify_webhook_authorization(Some(b"Bearer my-kiriminaja-api-key"), &key).is_ok());
//! assert!(verify_webhook_authorization(Some(b"bearer  my-kiriminaja-api-key "), &key).is_ok());
//! assert!(verify_webhook_authorization(Some(b"Bearer someone-else"), &key).is_err());
//! assert!(verify_webhook_authorization(None, &key).is_err());
//!
//! let event = WebhookEvent::from_json(br#"{"method":"processed_packages","data":[{"order_id":"X","awb":"Y"}]}"#)?;
//! assert_eq!(event.kind(), WebhookEventKind::ProcessedPackages);
//! let awbs: Vec<_> = event.packages().filter_map(|p| p.awb.as_deref()).collect();
//! assert_eq!(awbs, ["Y"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ApiKey, PaymentStatusCode};
use crate::lenient_json::{Decode, DecodeError, NumberOrString, Text};

/// The `User-Agent` KiriminAja sends. Informational only: anyone can send it.
pub const USER_AGENT: &str = "KiriminAja-Push-Services";

/// Why a webhook's `Authorization` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookAuthError {
    /// No `Authorization` header.
    #[error("webhook has no Authorization header")]
    Missing,
    /// More than one `Authorization` header.
    #[error("webhook has more than one Authorization header")]
    Repeated,
    /// The header is not `Bearer <value>`.
    #[error("webhook Authorization is not a Bearer value")]
    NotBearer,
    /// The bearer value is not the API key.
    #[error("webhook bearer value does not match the API key")]
    Mismatch,
}

/// Checks a webhook's `Authorization` header value against your API key:
/// `Bearer` (any case), then the value, surrounding whitespace ignored,
/// compared in constant time (over SHA-256 digests, so the key's length does
/// not leak either).
///
/// # Errors
/// [`WebhookAuthError`] saying why it is refused.
pub fn verify_webhook_authorization(
    authorization: Option<&[u8]>,
    api_key: &ApiKey,
) -> Result<(), WebhookAuthError> {
    let value = authorization.ok_or(WebhookAuthError::Missing)?.trim_ascii();
    let (scheme, token) = value
        .split_at_checked(6)
        .ok_or(WebhookAuthError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case(b"bearer")
        || !token.first().is_some_and(u8::is_ascii_whitespace)
    {
        return Err(WebhookAuthError::NotBearer);
    }
    let token = token.trim_ascii();
    let presented = Sha256::digest(token);
    let expected = Sha256::digest(api_key.expose_secret().as_bytes());
    if bool::from(presented.as_slice().ct_eq(expected.as_slice())) {
        Ok(())
    } else {
        Err(WebhookAuthError::Mismatch)
    }
}

/// [`verify_webhook_authorization`] on a request's headers.
///
/// # Errors
/// As [`verify_webhook_authorization`]; [`WebhookAuthError::Repeated`] when
/// the header appears more than once.
pub fn verify_webhook_headers(
    headers: &http::HeaderMap,
    api_key: &ApiKey,
) -> Result<(), WebhookAuthError> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(WebhookAuthError::Repeated);
    }
    verify_webhook_authorization(first.map(http::HeaderValue::as_bytes), api_key)
}

/// The event a webhook reports (`method`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WebhookEventKind {
    /// `processed_packages`: the AWB was created (so the payment went through).
    ProcessedPackages,
    /// `shipped_packages`: picked up and on its way.
    ShippedPackages,
    /// `canceled_packages`.
    CanceledPackages,
    /// `finished_packages`: delivered.
    FinishedPackages,
    /// `returned_packages`: returned to the sender.
    ReturnedPackages,
    /// `return_finished_packages` (deprecated).
    ReturnFinishedPackages,
    /// `validated_packages`: the shipping cost changed.
    ValidatedPackages,
    /// `rejected_packages`.
    RejectedPackages,
    /// `update_instant_packages`: an Instant package changed.
    UpdateInstantPackages,
    /// Any other `method`, kept.
    Other(String),
}

impl WebhookEventKind {
    /// Reads a `method` value.
    pub fn from_method(method: &str) -> Self {
        match method {
            "processed_packages" => Self::ProcessedPackages,
            "shipped_packages" => Self::ShippedPackages,
            "canceled_packages" => Self::CanceledPackages,
            "finished_packages" => Self::FinishedPackages,
            "returned_packages" => Self::ReturnedPackages,
            "return_finished_packages" => Self::ReturnFinishedPackages,
            "validated_packages" => Self::ValidatedPackages,
            "rejected_packages" => Self::RejectedPackages,
            "update_instant_packages" => Self::UpdateInstantPackages,
            other => Self::Other(other.to_owned()),
        }
    }
}

lenient_object! {
    /// A package in a webhook (Express events carry a few of these members,
    /// Instant updates more; all are optional).
    pub struct WebhookPackage {
        /// `order_id`.
        optional "order_id" order_id: Text,
        /// `awb`.
        optional "awb" awb: Text,
        /// `sorting_code` (short format).
        optional "sorting_code" sorting_code: Text,
        /// `status`: a package status code, or a word at Instant (`"cancel"`).
        optional "status" status: NumberOrString,
        /// `shipped_at`.
        optional "shipped_at" shipped_at: Text,
        /// `finished_at`.
        optional "finished_at" finished_at: Text,
        /// `returned_at`.
        optional "returned_at" returned_at: Text,
        /// `date` (`return_finished_packages`).
        optional "date" date: Text,
        /// `event_date` (Instant).
        optional "event_date" event_date: Text,
        /// `live_track_url` (Instant).
        optional "live_track_url" live_track_url: Text,
    }
}

lenient_object! {
    /// The `payment` object some webhooks carry.
    pub struct WebhookPayment {
        /// `payment_id`.
        optional "payment_id" payment_id: Text,
        /// `amount`, whole rupiah.
        optional "amount" amount: NumberOrString,
        /// `status_code`: `0` paid (a number here).
        optional "status_code" status_code: PaymentStatusCode,
        /// `qr_content`.
        optional "qr_content" qr_content: Text,
        /// `pay_time`.
        optional "pay_time" pay_time: Text,
    }
}

/// Packages under `data` or `packages`: an array (Express) or one object
/// (Instant `update_instant_packages`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPackages {
    /// An array.
    Many(Vec<WebhookPackage>),
    /// One object.
    One(Box<WebhookPackage>),
}

impl WebhookPackages {
    /// The packages, in order.
    pub fn iter(&self) -> core::slice::Iter<'_, WebhookPackage> {
        match self {
            Self::Many(many) => many.iter(),
            Self::One(one) => core::slice::from_ref(&**one).iter(),
        }
    }
}

impl Decode for WebhookPackages {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        if raw.get().starts_with('[') {
            Vec::decode(raw).map(Self::Many)
        } else {
            WebhookPackage::decode(raw).map(|one| Self::One(Box::new(one)))
        }
    }
}

impl Serialize for WebhookPackages {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Many(many) => many.serialize(serializer),
            Self::One(one) => one.serialize(serializer),
        }
    }
}

lenient_object! {
    /// A webhook body, parsed from the raw bytes received.
    pub struct WebhookEvent {
        /// `method`: the event ([`WebhookEvent::kind`]).
        required "method" method: Text,
        /// `data`: the packages (or, for some clients, under `packages`).
        optional "data" data: WebhookPackages,
        /// `packages`.
        optional "packages" packages: WebhookPackages,
        /// `payment`.
        optional "payment" payment: WebhookPayment,
    }
}

impl WebhookEvent {
    /// The event.
    pub fn kind(&self) -> WebhookEventKind {
        WebhookEventKind::from_method(&self.method)
    }

    /// The packages, from `data` and then `packages`.
    pub fn packages(&self) -> impl Iterator<Item = &WebhookPackage> {
        self.data
            .iter()
            .chain(self.packages.iter())
            .flat_map(WebhookPackages::iter)
    }
}
