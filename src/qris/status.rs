//! `latestTransactionStatus`: the two-digit code, and what it means for a
//! given provider.
//!
//! The standard list (snap-spec §7.4) is `00` Success, `01` Initiated, `02`
//! Paying, `03` Pending, `04` Refunded, `05` Canceled, `06` Failed, `07` Not
//! found. Providers do not all agree: Paydia's QRIS document lists `07` as
//! *Failed* and has no `06`. So a [`TransactionStatus`] is only the code, kept
//! exactly as received (unknown codes included), and a [`StatusDialect`] says
//! what the code means.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The codes `00`–`07`, indexed by their numeric value.
const KNOWN_CODES: [&str; 8] = ["00", "01", "02", "03", "04", "05", "06", "07"];

/// A `latestTransactionStatus` code, kept exactly as received.
///
/// The codes `00`–`05` mean the same for every provider seen, so they have
/// named constants; `06` and `07` differ between the standard and Paydia and
/// are named by code. Any other string is kept as an unknown code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TransactionStatus(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `00`–`07`, stored as the number.
    Known(u8),
    /// Anything else, verbatim.
    Other(Box<str>),
}

impl TransactionStatus {
    /// `00`: paid.
    pub const SUCCESS: Self = Self(Repr::Known(0));
    /// `01`: created, not paid yet.
    pub const INITIATED: Self = Self(Repr::Known(1));
    /// `02`: payment in progress.
    pub const PAYING: Self = Self(Repr::Known(2));
    /// `03`: payment pending.
    pub const PENDING: Self = Self(Repr::Known(3));
    /// `04`: refunded.
    pub const REFUNDED: Self = Self(Repr::Known(4));
    /// `05`: canceled / closed.
    pub const CANCELED: Self = Self(Repr::Known(5));
    /// `06`: Failed in the standard; not defined by Paydia.
    pub const CODE_06: Self = Self(Repr::Known(6));
    /// `07`: Not found in the standard; Failed for Paydia.
    pub const CODE_07: Self = Self(Repr::Known(7));

    /// Wraps a received code; never fails, unknown codes are kept as given.
    pub fn from_code(code: &str) -> Self {
        match KNOWN_CODES.iter().position(|known| *known == code) {
            // `position` is below 8, so the cast cannot truncate.
            Some(index) => Self(Repr::Known(index as u8)),
            None => Self(Repr::Other(code.into())),
        }
    }

    /// The code exactly as received or built.
    pub fn code(&self) -> &str {
        match &self.0 {
            Repr::Known(n) => KNOWN_CODES.get(usize::from(*n)).copied().unwrap_or(""),
            Repr::Other(code) => code,
        }
    }

    /// Whether the code is one of `00`–`07`.
    pub fn is_known(&self) -> bool {
        matches!(self.0, Repr::Known(_))
    }

    /// What the code means for a provider that follows `dialect`.
    pub fn meaning(&self, dialect: StatusDialect) -> StatusMeaning {
        dialect.meaning(self)
    }
}

impl fmt::Debug for TransactionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TransactionStatus")
            .field(&self.code())
            .finish()
    }
}

impl fmt::Display for TransactionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for TransactionStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Any JSON string is accepted (see [`TransactionStatus::from_code`]); other
/// JSON types are refused.
impl<'de> Deserialize<'de> for TransactionStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;

        impl serde::de::Visitor<'_> for StatusVisitor {
            type Value = TransactionStatus;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a latestTransactionStatus string such as \"00\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TransactionStatus, E> {
                Ok(TransactionStatus::from_code(v))
            }
        }

        deserializer.deserialize_str(StatusVisitor)
    }
}

/// What a `latestTransactionStatus` code means.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusMeaning {
    /// Paid.
    Success,
    /// Created, not paid yet.
    Initiated,
    /// Payment in progress.
    Paying,
    /// Payment pending.
    Pending,
    /// Refunded.
    Refunded,
    /// Canceled or closed (also used for expired orders).
    Canceled,
    /// Failed.
    Failed,
    /// The transaction does not exist.
    NotFound,
    /// A code the dialect does not define.
    Unknown,
}

impl StatusMeaning {
    /// The standard's wording, usable as `transactionStatusDesc`
    /// (`"Success"`, `"Initiated"`, …, `"Not Found"`, `"Unknown"`).
    pub const fn description(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Initiated => "Initiated",
            Self::Paying => "Paying",
            Self::Pending => "Pending",
            Self::Refunded => "Refunded",
            Self::Canceled => "Canceled",
            Self::Failed => "Failed",
            Self::NotFound => "Not Found",
            Self::Unknown => "Unknown",
        }
    }

    /// Whether the outcome is settled: `Success`, `Refunded`, `Canceled`,
    /// `Failed` and `NotFound` will not turn into a payment by waiting, while
    /// `Initiated`, `Paying` and `Pending` may. `Unknown` is not final.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Refunded | Self::Canceled | Self::Failed | Self::NotFound
        )
    }
}

impl fmt::Display for StatusMeaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Which provider's reading of `latestTransactionStatus` to apply.
///
/// The codes `00`–`05` read the same everywhere; `06` and `07` depend on
/// the dialect. [`ProviderProfile::status_dialect`](crate::ProviderProfile::status_dialect)
/// gives the dialect of a provider preset.
///
/// ```
/// use snap_bi::qris::{StatusDialect, StatusMeaning, TransactionStatus};
///
/// let status: TransactionStatus = serde_json::from_str(r#""07""#)?;
/// assert_eq!(status.meaning(StatusDialect::Standard), StatusMeaning::NotFound);
/// assert_eq!(status.meaning(StatusDialect::Paydia), StatusMeaning::Failed);
///
/// // The code is written back as received, known or not.
/// let odd: TransactionStatus = serde_json::from_str(r#""09""#)?;
/// assert_eq!(odd.meaning(StatusDialect::Standard), StatusMeaning::Unknown);
/// assert_eq!(serde_json::to_string(&odd)?, r#""09""#);
///
/// // Writing a status: ask the dialect for the code of a meaning.
/// assert_eq!(StatusDialect::Paydia.status_for(StatusMeaning::Failed).map(|s| s.code().to_owned()),
///            Some("07".to_owned()));
/// assert_eq!(StatusDialect::Paydia.status_for(StatusMeaning::NotFound), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatusDialect {
    /// The ASPI standard (snap-spec §7.4): `06` Failed, `07` Not found.
    #[default]
    Standard,
    /// Paydia's QRIS MPM document: `07` Failed, `06` not defined.
    Paydia,
}

impl StatusDialect {
    /// What `status` means in this dialect; [`StatusMeaning::Unknown`] for a
    /// code it does not define.
    pub fn meaning(self, status: &TransactionStatus) -> StatusMeaning {
        let Repr::Known(n) = status.0 else {
            return StatusMeaning::Unknown;
        };
        match (self, n) {
            (_, 0) => StatusMeaning::Success,
            (_, 1) => StatusMeaning::Initiated,
            (_, 2) => StatusMeaning::Paying,
            (_, 3) => StatusMeaning::Pending,
            (_, 4) => StatusMeaning::Refunded,
            (_, 5) => StatusMeaning::Canceled,
            (Self::Standard, 6) => StatusMeaning::Failed,
            (Self::Standard, 7) => StatusMeaning::NotFound,
            (Self::Paydia, 7) => StatusMeaning::Failed,
            _ => StatusMeaning::Unknown,
        }
    }

    /// The code this dialect uses for `meaning`, or `None` if it has none
    /// (Paydia has no code for [`StatusMeaning::NotFound`]; no dialect has one
    /// for [`StatusMeaning::Unknown`]).
    pub fn status_for(self, meaning: StatusMeaning) -> Option<TransactionStatus> {
        let n = match (self, meaning) {
            (_, StatusMeaning::Success) => 0,
            (_, StatusMeaning::Initiated) => 1,
            (_, StatusMeaning::Paying) => 2,
            (_, StatusMeaning::Pending) => 3,
            (_, StatusMeaning::Refunded) => 4,
            (_, StatusMeaning::Canceled) => 5,
            (Self::Standard, StatusMeaning::Failed) => 6,
            (Self::Standard, StatusMeaning::NotFound) => 7,
            (Self::Paydia, StatusMeaning::Failed) => 7,
            _ => return None,
        };
        Some(TransactionStatus(Repr::Known(n)))
    }
}

#[cfg(test)]
mod tests;
