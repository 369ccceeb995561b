//! One payment status for every provider, and one summary of a payment.
//!
//! Paydia (SNAP `latestTransactionStatus`), KiriminAja (`status_code`) and
//! Fazz (`status`) each say where a payment stands in their own words.
//! [`PaymentStatus`] is what an application branches on:
//!
//! | Unified | Paydia (`latestTransactionStatus`, Paydia dialect) | KiriminAja (`status_code`) | Fazz (`status`) |
//! |---|---|---|---|
//! | `pending` | `01` Initiated, `02` Paying, `03` Pending | `9` unpaid | `pending`, `processing` |
//! | `paid` | `00` Success | `0` paid | `paid` |
//! | `settled` | — | — | `completed` |
//! | `refunded` | `04` Refunded | — | — |
//! | `cancelled` | `05` Cancelled | — | `cancelled` |
//! | `expired` | — | — | `expired` |
//! | `failed` | `07` Failed | — | `failed` |
//! | `unknown` | anything else (`06` included) | anything else | anything else |
//!
//! With the standard (ASPI) dialect, `06` is `failed` and `07` (*not found*)
//! is `unknown`: a missing transaction is not a payment state.
//!
//! The KiriminAja and Fazz mappings live beside their models
//! (`kiriminaja::StatusCode::unified`, `fazz::FazzPaymentStatus::unified`,
//! features `kiriminaja` and `fazz`).
//!
//! ```
//! use snap_bi::payment::PaymentStatus;
//! use snap_bi::qris::{StatusDialect, TransactionStatus};
//!
//! let failed = TransactionStatus::from_code("07");
//! assert_eq!(PaymentStatus::from_snap(&failed, StatusDialect::Paydia), PaymentStatus::Failed);
//! assert_eq!(
//!     PaymentStatus::from_snap(&failed, StatusDialect::Standard),
//!     PaymentStatus::Unknown("07".into())
//! );
//!
//! // JSON: the lower-case name; an unknown status is written "unknown".
//! assert_eq!(serde_json::to_string(&PaymentStatus::Settled)?, r#""settled""#);
//! assert_eq!(serde_json::to_string(&PaymentStatus::Unknown("06".into()))?, r#""unknown""#);
//! let read: PaymentStatus = serde_json::from_str(r#""paid""#)?;
//! assert!(read.is_paid());
//! # Ok::<(), serde_json::Error>(())
//! ```

use core::fmt;
use core::str::FromStr;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::{Deserialize, Serialize};

use crate::qris::{
    Amount, Currency, QrMpmQueryResponse, StatusDialect, StatusMeaning, TransactionStatus,
};

/// Where a payment stands, the same for every provider.
///
/// JSON form: the lower-case name (`"pending"`, `"paid"`, `"settled"`,
/// `"refunded"`, `"cancelled"`, `"expired"`, `"failed"`), and `"unknown"` for
/// [`Unknown`](Self::Unknown), whose provider value is *not* part of that
/// string (so a consumer can match on the eight names); it travels next to
/// it, as [`PaymentSummary::provider_status`]. Reading JSON, any string other
/// than the seven names gives `Unknown` holding that string.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Created, not paid yet (or payment in progress).
    Pending,
    /// The customer paid; safe to fulfil.
    Paid,
    /// Paid, and the funds are settled to the merchant (Fazz `completed`).
    Settled,
    /// Paid, then refunded.
    Refunded,
    /// Cancelled or closed before it was paid.
    Cancelled,
    /// Not paid in time.
    Expired,
    /// Declined or failed.
    Failed,
    /// A provider value none of the above covers, kept as received.
    Unknown(String),
}

impl PaymentStatus {
    /// The unified names, in declaration order (`"unknown"` last).
    pub const NAMES: [&'static str; 8] = [
        "pending",
        "paid",
        "settled",
        "refunded",
        "cancelled",
        "expired",
        "failed",
        "unknown",
    ];

    /// The unified name; `"unknown"` for [`Unknown`](Self::Unknown).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Settled => "settled",
            Self::Refunded => "refunded",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Failed => "failed",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Reads a unified name; any other string is `Unknown(name)`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "pending" => Self::Pending,
            "paid" => Self::Paid,
            "settled" => Self::Settled,
            "refunded" => Self::Refunded,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            "failed" => Self::Failed,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// Whether money was received: [`Paid`](Self::Paid) or
    /// [`Settled`](Self::Settled).
    pub fn is_paid(&self) -> bool {
        matches!(self, Self::Paid | Self::Settled)
    }

    /// Whether waiting cannot change the outcome any more except by a refund
    /// or settlement: everything but `Pending` and `Unknown`.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Pending | Self::Unknown(_))
    }

    /// A SNAP `latestTransactionStatus` read in `dialect` (Paydia: `07` =
    /// failed, no `06`; see the module table).
    pub fn from_snap(status: &TransactionStatus, dialect: StatusDialect) -> Self {
        match status.meaning(dialect) {
            StatusMeaning::Success => Self::Paid,
            StatusMeaning::Initiated | StatusMeaning::Paying | StatusMeaning::Pending => {
                Self::Pending
            }
            StatusMeaning::Refunded => Self::Refunded,
            StatusMeaning::Canceled => Self::Cancelled,
            StatusMeaning::Failed => Self::Failed,
            _ => Self::Unknown(status.code().to_owned()),
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PaymentStatus {
    type Err = core::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_name(s))
    }
}

impl Serialize for PaymentStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::from_name(&name))
    }
}

/// The provider a payment belongs to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentProvider {
    /// Paydia (SNAP QRIS MPM).
    Paydia,
    /// KiriminAja `get_payment`.
    Kiriminaja,
    /// Fazz one-time payments.
    Fazz,
}

impl PaymentProvider {
    /// The lower-case name: `paydia`, `kiriminaja`, `fazz`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Paydia => "paydia",
            Self::Kiriminaja => "kiriminaja",
            Self::Fazz => "fazz",
        }
    }
}

impl fmt::Display for PaymentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not `paydia`, `kiriminaja` or `fazz`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown payment provider {0:?} (expected paydia, kiriminaja or fazz)")]
pub struct UnknownProvider(pub String);

impl FromStr for PaymentProvider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "paydia" => Ok(Self::Paydia),
            "kiriminaja" => Ok(Self::Kiriminaja),
            "fazz" => Ok(Self::Fazz),
            other => Err(UnknownProvider(other.to_owned())),
        }
    }
}

/// One payment, the same shape for every provider: what
/// `snap-bi payment status` prints, one JSON object.
///
/// ```json
/// {"provider":"paydia","paymentId":"e320…","status":"paid","providerStatus":"00",
///  "amount":"12000.00","currency":"IDR","qrContent":null,"paidAt":"2024-09-10T06:20:06+07:00"}
/// ```
///
/// `amount` is a decimal string with two decimals; `paidAt` is RFC 3339, and
/// only set when the status says the payment is paid (a provider's time field
/// on an unpaid payment is not a payment signal).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSummary {
    /// Whose payment it is.
    pub provider: PaymentProvider,
    /// The provider's id of the payment.
    pub payment_id: String,
    /// The unified status.
    pub status: PaymentStatus,
    /// The provider's own status value, as received (`"00"`, `"9"`, `"completed"`).
    pub provider_status: String,
    /// The amount, two decimals.
    #[serde(serialize_with = "serialize_canonical_amount")]
    pub amount: Option<Amount>,
    /// The currency (`IDR`).
    pub currency: Option<Currency>,
    /// The QRIS payload to show, when the provider returns one.
    pub qr_content: Option<String>,
    /// When it was paid.
    #[serde(serialize_with = "serialize_rfc3339")]
    pub paid_at: Option<DateTime<FixedOffset>>,
}

impl PaymentSummary {
    /// A summary with the identifying fields; the rest empty.
    pub fn new(
        provider: PaymentProvider,
        payment_id: impl Into<String>,
        status: PaymentStatus,
        provider_status: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            payment_id: payment_id.into(),
            status,
            provider_status: provider_status.into(),
            amount: None,
            currency: None,
            qr_content: None,
            paid_at: None,
        }
    }

    /// Summarises a SNAP QRIS Query Payment response (Paydia: dialect
    /// [`StatusDialect::Paydia`]). The payment id is `originalReferenceNo`,
    /// else `originalPartnerReferenceNo`, else `originalExternalId`.
    ///
    /// # Errors
    /// [`SummaryError::Provider`] when `responseCode` is not a success;
    /// [`SummaryError::Missing`] when `latestTransactionStatus` is absent.
    pub fn from_qris_query(
        response: &QrMpmQueryResponse,
        dialect: StatusDialect,
    ) -> Result<Self, SummaryError> {
        if !response.response_code.is_success() {
            return Err(SummaryError::Provider {
                code: response.response_code.as_str().to_owned(),
                message: response.response_message.clone(),
            });
        }
        let status_code =
            response
                .latest_transaction_status
                .as_ref()
                .ok_or(SummaryError::Missing {
                    field: "latestTransactionStatus",
                })?;
        let payment_id = response
            .original_reference_no
            .as_ref()
            .or(response.original_partner_reference_no.as_ref())
            .or(response.original_external_id.as_ref())
            .cloned()
            .unwrap_or_default();
        let status = PaymentStatus::from_snap(status_code, dialect);
        let paid_at = if status.is_paid() {
            response
                .paid_time
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        } else {
            None
        };
        Ok(Self {
            amount: response.amount.as_ref().map(|m| m.value.to_canonical()),
            currency: response.amount.as_ref().map(|m| m.currency),
            paid_at,
            ..Self::new(
                PaymentProvider::Paydia,
                payment_id,
                status,
                status_code.code(),
            )
        })
    }
}

/// Why a provider answer does not give a [`PaymentSummary`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SummaryError {
    /// The provider answered with an error.
    #[error("provider error {code}: {message}")]
    Provider {
        /// The provider's code (`4045101`, `4001`, `004`).
        code: String,
        /// The provider's message.
        message: String,
    },
    /// A member needed for the summary is absent.
    #[error("provider answer lacks `{field}`")]
    Missing {
        /// Its name.
        field: &'static str,
    },
}

fn serialize_canonical_amount<S: serde::Serializer>(
    amount: &Option<Amount>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match amount {
        Some(amount) => serializer.serialize_str(amount.to_canonical().as_str()),
        None => serializer.serialize_none(),
    }
}

fn serialize_rfc3339<S: serde::Serializer>(
    time: &Option<DateTime<FixedOffset>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests;
