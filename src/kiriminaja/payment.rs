//! `POST /api/mitra/v2/get_payment`: the request, the two answer shapes, and
//! the decoding of an HTTP answer into a payment or a typed error.

use core::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use super::Package;
use crate::lenient_json::{Decode, DecodeError, NumberOrString, RawJson, Text};
use crate::payment::{PaymentProvider, PaymentStatus, PaymentSummary};
use crate::qris::{Amount, Currency};

/// The body of `POST /api/mitra/v2/get_payment`: `{"payment_id": "…"}`.
///
/// ```
/// use snap_bi::kiriminaja::GetPaymentRequest;
///
/// let request = GetPaymentRequest::new("XID-5732095327")?;
/// assert_eq!(request.to_json(), br#"{"payment_id":"XID-5732095327"}"#);
/// assert_eq!(GetPaymentRequest::PATH, "/api/mitra/v2/get_payment");
/// assert!(GetPaymentRequest::new(" ").is_err());
/// # Ok::<(), snap_bi::kiriminaja::InvalidPaymentId>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GetPaymentRequest {
    payment_id: String,
}

/// A payment id that is empty, `.` or `..`, has surrounding whitespace or
/// contains control characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "payment id {0:?} is empty, a dot path, or has surrounding whitespace or control characters"
)]
pub struct InvalidPaymentId(pub String);

impl GetPaymentRequest {
    /// The path, on both products.
    pub const PATH: &'static str = "/api/mitra/v2/get_payment";

    /// The HTTP method.
    pub const METHOD: http::Method = http::Method::POST;

    /// A request for `payment_id` (the pickup number / payment id).
    ///
    /// # Errors
    /// [`InvalidPaymentId`] if it is empty, has leading or trailing
    /// whitespace, or contains control characters.
    pub fn new(payment_id: impl Into<String>) -> Result<Self, InvalidPaymentId> {
        let payment_id = validate_payment_id(payment_id.into())?;
        Ok(Self { payment_id })
    }

    /// The payment id.
    pub fn payment_id(&self) -> &str {
        &self.payment_id
    }

    /// The exact bytes to send.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of one string always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

pub(super) fn validate_payment_id(id: String) -> Result<String, InvalidPaymentId> {
    // "." and ".." would be path steps in the legacy GET path.
    if id.is_empty()
        || id.trim() != id
        || id.chars().any(char::is_control)
        || id == "."
        || id == ".."
    {
        return Err(InvalidPaymentId(id));
    }
    Ok(id)
}

/// KiriminAja's `status_code` of a payment: `"9"` unpaid, `"0"` paid; a
/// string at Express, a number at Instant and in webhooks. Kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentStatusCode(pub NumberOrString);

impl PaymentStatusCode {
    /// The code as text (`"9"`, `"0"`), whichever JSON type it came as.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the payment is paid (`0`).
    pub fn is_paid(&self) -> bool {
        self.as_str() == "0"
    }

    /// The unified status: `0` → paid, `9` → pending, anything else →
    /// unknown (kept).
    pub fn unified(&self) -> PaymentStatus {
        match self.as_str() {
            "0" => PaymentStatus::Paid,
            "9" => PaymentStatus::Pending,
            other => PaymentStatus::Unknown(other.to_owned()),
        }
    }
}

impl Decode for PaymentStatusCode {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        NumberOrString::decode(raw).map(Self)
    }
}

impl Serialize for PaymentStatusCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

lenient_object! {
    /// Any KiriminAja answer, read only as far as its envelope: `status`,
    /// `text`, `method`, `code`, and `data` / `result` kept raw.
    pub struct ApiEnvelope {
        /// `status`: `true` on success. `false` arrives with HTTP 200.
        required "status" status: bool,
        /// `text`: a label or the error message.
        optional "text" text: Text,
        /// `method`: KiriminAja's name of the call (`"payment"`) or null.
        optional "method" method: Text,
        /// `data` (Express), raw.
        optional "data" data: RawJson,
        /// `result` (Instant), raw.
        optional "result" result: RawJson,
        /// `code`: a number, a string or null.
        optional "code" code: NumberOrString,
    }
}

lenient_object! {
    /// The Express payment, under `data`.
    pub struct ExpressPayment {
        /// `payment_id` (`XID-…`).
        required "payment_id" payment_id: Text,
        /// `qr_content`: the QRIS payload to render; may be null.
        optional "qr_content" qr_content: Text,
        /// `method`: KiriminAja's payment method id (`"08"`).
        optional "method" method: Text,
        /// `pay_time`: `yyyyMMddHHmmss`, Jakarta wall-clock time, set even on
        /// unpaid payments ([`time::parse_pay_time`](super::time::parse_pay_time)).
        optional "pay_time" pay_time: Text,
        /// `status`: a label ("Billing berhasil dibuat").
        optional "status" status: Text,
        /// `status_code`: `"9"` unpaid, `"0"` paid.
        required "status_code" status_code: PaymentStatusCode,
        /// `amount`: whole rupiah.
        optional "amount" amount: NumberOrString,
        /// `paid_at`: set once paid.
        optional "paid_at" paid_at: Text,
        /// `created_at`: real UTC (`…Z`) although documented as UTC+7.
        optional "created_at" created_at: Text,
    }
}

lenient_object! {
    /// The Instant payment, under `result`.
    pub struct InstantPayment {
        /// `payment_id` (`PID-…`).
        required "payment_id" payment_id: Text,
        /// `amount`: whole rupiah.
        optional "amount" amount: NumberOrString,
        /// `status_code`: `0` paid (a number here).
        required "status_code" status_code: PaymentStatusCode,
        /// `qr_content`; may be null.
        optional "qr_content" qr_content: Text,
        /// `pay_time`; may be null.
        optional "pay_time" pay_time: Text,
        /// `packages`: the deliveries this payment covers.
        optional "packages" packages: Vec<Package>,
    }
}

lenient_object! {
    /// A successful Express answer.
    pub struct ExpressPaymentResponse {
        /// `status`: `true`.
        required "status" status: bool,
        /// `text`.
        optional "text" text: Text,
        /// `method`.
        optional "method" method: Text,
        /// `data`: the payment.
        required "data" data: ExpressPayment,
        /// `code`.
        optional "code" code: NumberOrString,
    }
}

lenient_object! {
    /// A successful Instant answer.
    pub struct InstantPaymentResponse {
        /// `status`: `true`.
        required "status" status: bool,
        /// `text`.
        optional "text" text: Text,
        /// `method`.
        optional "method" method: Text,
        /// `result`: the payment.
        required "result" result: InstantPayment,
        /// `code`.
        optional "code" code: NumberOrString,
    }
}

/// Which KiriminAja product a payment belongs to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// Express (couriers): the answer has `data`.
    Express,
    /// Instant (same-day riders): the answer has `result`.
    Instant,
}

/// A decoded `get_payment` answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GetPayment {
    /// An Express payment.
    Express(ExpressPaymentResponse),
    /// An Instant payment.
    Instant(InstantPaymentResponse),
}

impl GetPayment {
    /// Which product, told by the key present (`data` or `result`).
    pub fn product(&self) -> Product {
        match self {
            Self::Express(_) => Product::Express,
            Self::Instant(_) => Product::Instant,
        }
    }

    /// The payment id.
    pub fn payment_id(&self) -> &str {
        match self {
            Self::Express(r) => &r.data.payment_id,
            Self::Instant(r) => &r.result.payment_id,
        }
    }

    /// `status_code`, the only payment signal.
    pub fn status_code(&self) -> &PaymentStatusCode {
        match self {
            Self::Express(r) => &r.data.status_code,
            Self::Instant(r) => &r.result.status_code,
        }
    }

    /// The amount as sent (whole rupiah).
    pub fn amount(&self) -> Option<&NumberOrString> {
        match self {
            Self::Express(r) => r.data.amount.as_ref(),
            Self::Instant(r) => r.result.amount.as_ref(),
        }
    }

    /// The QRIS payload, when there is one.
    pub fn qr_content(&self) -> Option<&str> {
        match self {
            Self::Express(r) => r.data.qr_content.as_deref(),
            Self::Instant(r) => r.result.qr_content.as_deref(),
        }
    }

    /// The unified summary. `amount` is read as whole rupiah (a value that
    /// is not a whole number is left out); `paidAt` comes from `paid_at`,
    /// and only when `status_code` says paid.
    pub fn summary(&self) -> PaymentSummary {
        let status_code = self.status_code();
        let status = status_code.unified();
        let amount = self
            .amount()
            .and_then(|a| a.as_str().parse::<u64>().ok())
            .and_then(|rupiah| rupiah.checked_mul(100))
            .and_then(|minor| Amount::from_minor_units(minor).ok());
        let paid_at = match self {
            Self::Express(r) if status.is_paid() => r
                .data
                .paid_at
                .as_deref()
                .and_then(|t| super::time::parse_timestamp(t).ok()),
            _ => None,
        };
        let mut summary = PaymentSummary::new(
            PaymentProvider::Kiriminaja,
            self.payment_id(),
            status,
            status_code.as_str(),
        );
        summary.currency = amount.as_ref().map(|_| Currency::IDR);
        summary.amount = amount;
        summary.qr_content = self.qr_content().map(str::to_owned);
        summary.paid_at = paid_at;
        summary
    }
}

impl Serialize for GetPayment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Express(r) => r.serialize(serializer),
            Self::Instant(r) => r.serialize(serializer),
        }
    }
}

/// KiriminAja refused the call: `status: false` (with any HTTP status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status it came with (usually 200).
    pub http_status: u16,
    /// `code` as text (`"4001"`, `"422"`, `"2"`), if any.
    pub code: Option<String>,
    /// `text`, KiriminAja's message.
    pub text: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KiriminAja refused the call (code {}, HTTP {}): {}",
            self.code.as_deref().unwrap_or("none"),
            self.http_status,
            self.text.as_deref().unwrap_or("no message")
        )
    }
}

impl std::error::Error for ApiError {}

/// Why a `get_payment` answer is not a payment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KiriminAjaError {
    /// KiriminAja answered `status: false`.
    #[error(transparent)]
    Api(ApiError),
    /// A non-2xx answer without a KiriminAja envelope (a proxy, a 429 …).
    #[error("KiriminAja answered HTTP {http_status} without an API envelope")]
    Http {
        /// The HTTP status.
        http_status: u16,
    },
    /// `status: true` but neither `data` nor `result`.
    #[error("KiriminAja answer has neither `data` (Express) nor `result` (Instant)")]
    NoPayment,
    /// The body does not have the documented shape.
    #[error("KiriminAja answer does not decode: {0}")]
    Decode(#[from] DecodeError),
}

impl KiriminAjaError {
    /// KiriminAja's `code`, for [`Api`](Self::Api) errors that have one.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.code.as_deref(),
            _ => None,
        }
    }
}

/// Decodes the answer to `get_payment` (or to the legacy Instant call, whose
/// answer has the same shape).
///
/// # Errors
/// [`KiriminAjaError`]: `status: false` (any HTTP status) is
/// [`Api`](KiriminAjaError::Api); a non-2xx answer without an envelope is
/// [`Http`](KiriminAjaError::Http); a bad shape is
/// [`Decode`](KiriminAjaError::Decode), naming the member.
pub fn decode_get_payment(http_status: u16, body: &[u8]) -> Result<GetPayment, KiriminAjaError> {
    let success = (200..300).contains(&http_status);
    let envelope = match ApiEnvelope::from_json(body) {
        Ok(envelope) => envelope,
        Err(_) if !success => return Err(KiriminAjaError::Http { http_status }),
        Err(e) => return Err(e.into()),
    };
    if !envelope.status {
        return Err(KiriminAjaError::Api(ApiError {
            http_status,
            code: envelope.code.as_ref().map(|c| c.as_str().to_owned()),
            text: envelope.text.as_deref().map(str::to_owned),
        }));
    }
    if !success {
        return Err(KiriminAjaError::Http { http_status });
    }
    if envelope.data.is_some() {
        Ok(GetPayment::Express(ExpressPaymentResponse::from_json(
            body,
        )?))
    } else if envelope.result.is_some() {
        Ok(GetPayment::Instant(InstantPaymentResponse::from_json(
            body,
        )?))
    } else {
        Err(KiriminAjaError::NoPayment)
    }
}
