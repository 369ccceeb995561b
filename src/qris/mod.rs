//! Typed request and response bodies for QRIS MPM (snap-spec §7): Generate
//! (service 47), Query Payment (51), Payment Notification (52), Cancel (77)
//! and Refund (78).
//!
//! - Field names are the standard's camelCase; optional fields are `Option`
//!   and left out when `None`.
//! - Amounts are [`Money`] with an exact decimal [`Amount`] string, never a
//!   float.
//! - `responseCode` is the crate's [`ResponseCode`](crate::ResponseCode);
//!   `latestTransactionStatus` is a [`TransactionStatus`] code whose meaning
//!   depends on the provider's [`StatusDialect`] (`07` is *Not found* in the
//!   standard and *Failed* at Paydia).
//! - Nothing received is lost: `additionalInfo` and any top-level member a
//!   type does not model (kept in `extra`) are [`RawObject`]s, whose names
//!   (escapes as received) and values re-serialise byte for byte. A body whose fields are in the standard order
//!   re-serialises to exactly its [`minify`](crate::minify()) form.
//! - Parse errors name the field and map to the §6.2 codes
//!   ([`MessageError::case_code`]); [`ServiceRequest`] ties each request to
//!   its service code, path and response type.
//!
//! Typed bodies are for building and reading messages. Signatures are still
//! computed over the exact bytes sent or received, never over a re-serialised
//! value.
//!
//! ```
//! use snap_bi::minify;
//! use snap_bi::qris::{QrMpmQueryResponse, StatusDialect, StatusMeaning};
//!
//! // Paydia's Query Payment response sample.
//! let body = br#"{
//! "responseCode": "2005100",
//! "responseMessage": "Success",
//! "originalReferenceNo": "e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645",
//! "originalPartnerReferenceNo": "21df2838-c9e8-4aff-8c02-274ed4390e70",
//! "originalExternalId": "1725949206",
//! "serviceCode": "51",
//! "latestTransactionStatus": "00",
//! "transactionStatusDesc": "Success",
//! "paidTime": "2024-09-10T06:20:06+07:00",
//! "amount": {"value": "12000.00", "currency": "IDR"},
//! "feeAmount": {"value": "0.00", "currency": "IDR"}
//! }"#;
//! let response = QrMpmQueryResponse::from_json(body)?;
//! assert!(response.response_code.is_success());
//! let status = response.latest_transaction_status.as_ref().map(|s| s.meaning(StatusDialect::Paydia));
//! assert_eq!(status, Some(StatusMeaning::Success));
//! assert_eq!(response.amount.as_ref().map(|m| m.value.minor_units()), Some(1_200_000));
//!
//! // Deserialise, serialise: the minified body again, byte for byte.
//! assert_eq!(serde_json::to_vec(&response)?, &*minify(body)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Building a request:
//!
//! ```
//! use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest, ServiceRequest};
//!
//! let mut request = QrMpmGenerateRequest::new();
//! request.partner_reference_no = Some("INV-2024-0001".into());
//! request.amount = Some(Money::idr(Amount::parse("15000.00")?));
//! request.validity_period = Some("2024-09-10T13:54:42+07:00".into());
//! let body = serde_json::to_string(&request)?;
//! assert_eq!(body, r#"{"partnerReferenceNo":"INV-2024-0001","amount":{"value":"15000.00","currency":"IDR"},"validityPeriod":"2024-09-10T13:54:42+07:00"}"#);
//! assert_eq!(QrMpmGenerateRequest::PATH, "/v1.0/qr/qr-mpm-generate");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[macro_use]
mod macros;

mod cancel;
pub mod emv;
mod generate;
mod message;
mod money;
mod notify;
mod query;
mod raw;
mod refund;
mod status;

pub use cancel::{QrMpmCancelRequest, QrMpmCancelResponse};
pub use generate::{QrMpmGenerateRequest, QrMpmGenerateResponse};
pub use message::{MessageError, ServiceRequest, ServiceResponse, SnapMessage};
pub use money::{
    Amount, AmountError, Currency, CurrencyError, MAX_INTEGER_DIGITS, MAX_MINOR_UNITS, Money,
};
pub use notify::{QrMpmNotifyRequest, QrMpmNotifyResponse};
pub use query::{QrMpmQueryRequest, QrMpmQueryResponse};
#[cfg(any(feature = "kiriminaja", feature = "fazz"))]
pub(crate) use raw::MemberName;
pub use raw::RawObject;
pub(crate) use raw::TextMap;
pub use refund::{QrMpmRefundRequest, QrMpmRefundResponse};
pub use status::{StatusDialect, StatusMeaning, TransactionStatus};

#[cfg(test)]
mod tests;
