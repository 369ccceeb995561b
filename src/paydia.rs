//! Paydia SNAP as its QRIS MPM *Query Payment* document (seed 004) shows it:
//! the facts a client needs and the typed outcome of every response code in
//! the document's table.
//!
//! The wire details live in [`ProviderProfile::paydia`](crate::ProviderProfile::paydia)
//! (paths under `/snap`, upper-case B2B2C grants, the customer token sent raw
//! in `Authorization-Customer`, `latestTransactionStatus` `07` = Failed);
//! this module adds the seed's constants and [`QueryOutcome`].
//!
//! ```
//! use snap_bi::paydia::QueryOutcome;
//! use snap_bi::ResponseCode;
//!
//! let code: ResponseCode = "4015101".parse()?;
//! let outcome = QueryOutcome::from_code(&code);
//! assert_eq!(outcome, QueryOutcome::InvalidToken);
//! assert!(outcome.needs_new_b2b_token());
//! assert_eq!(QueryOutcome::from_code(&"2005100".parse()?), QueryOutcome::Success);
//! # Ok::<(), snap_bi::response_code::ResponseCodeError>(())
//! ```

use std::time::Duration;

use crate::qris::QrMpmQueryResponse;
use crate::response_code::{CaseCode, ResponseCode};

/// The `CHANNEL-ID` of the seed's sample. Paydia assigns it per merchant
/// (≤ 5 characters): configure yours, this is only the seed's.
pub const SEED_CHANNEL_ID: &str = "286";

/// The service code the seed's query sends in `serviceCode` (`"51"`, where
/// the standard's sample sends the generate's `"47"`).
pub const QUERY_SERVICE_CODE: &str = "51";

/// How long Paydia's B2B token lives: 86,400 s (the seed's JWT: `exp − iat`),
/// not the standard's 900 s. Read the real `expiresIn`; this is a fact for
/// tests and mocks.
pub const B2B_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// How long Paydia's B2B2C customer token lives: 15,768,000 s, about 182
/// days (the seed's JWT: `exp − iat`).
pub const CUSTOMER_TOKEN_LIFETIME: Duration = Duration::from_secs(15_768_000);

/// What a Query Payment answer means, one variant per row of the seed's
/// response-code table (plus the standard's customer-token codes, which a
/// B2B2C query can also get, and [`Other`](Self::Other)).
///
/// The mapping reads the HTTP status and case code of the `responseCode`
/// (the service code is not checked: a provider that answers the query
/// with another service's code still means the same case).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryOutcome {
    /// `2005100` Request has been processed successfully: read
    /// `latestTransactionStatus` (Paydia dialect) for the payment's state.
    Success,
    /// `4005101` Invalid Field Format.
    InvalidFieldFormat,
    /// `4005102` Invalid Mandatory Field.
    InvalidMandatoryField,
    /// `4015100` `Unauthorized. [reason]` (signature, timestamp, partner…).
    Unauthorized,
    /// `4015101` Invalid Token (B2B): invalid or expired; get a new B2B token.
    InvalidToken,
    /// `4015102` Invalid Customer Token (standard, not in Paydia's table):
    /// get a new customer token (refresh, or bind the account again).
    InvalidCustomerToken,
    /// `4015104` Customer Token Not Found (standard, not in Paydia's table):
    /// the query carried no usable `Authorization-Customer`.
    CustomerTokenNotFound,
    /// `4045101` Transaction Not Found.
    TransactionNotFound,
    /// `5005101` Internal Server Error: retry later.
    InternalServerError,
    /// Any other code, kept as received.
    Other(ResponseCode),
}

impl QueryOutcome {
    /// The outcome of a `responseCode`.
    pub fn from_code(code: &ResponseCode) -> Self {
        match code.case_info() {
            Some(CaseCode::Successful) => Self::Success,
            Some(CaseCode::InvalidFieldFormat) => Self::InvalidFieldFormat,
            Some(CaseCode::InvalidMandatoryField) => Self::InvalidMandatoryField,
            Some(CaseCode::Unauthorized) => Self::Unauthorized,
            Some(CaseCode::InvalidToken) => Self::InvalidToken,
            Some(CaseCode::InvalidCustomerToken) => Self::InvalidCustomerToken,
            Some(CaseCode::CustomerTokenNotFound) => Self::CustomerTokenNotFound,
            Some(CaseCode::TransactionNotFound) => Self::TransactionNotFound,
            Some(CaseCode::InternalServerError) => Self::InternalServerError,
            _ => Self::Other(*code),
        }
    }

    /// The outcome of a parsed Query Payment response.
    pub fn of(response: &QrMpmQueryResponse) -> Self {
        Self::from_code(&response.response_code)
    }

    /// `true` for [`Success`](Self::Success).
    pub fn is_success(&self) -> bool {
        *self == Self::Success
    }

    /// `true` when the B2B token was refused: fetch a new one and retry.
    pub fn needs_new_b2b_token(&self) -> bool {
        *self == Self::InvalidToken
    }

    /// `true` when the customer token was refused or missing.
    pub fn needs_new_customer_token(&self) -> bool {
        matches!(
            self,
            Self::InvalidCustomerToken | Self::CustomerTokenNotFound
        )
    }

    /// `true` when the same request may succeed later
    /// ([`InternalServerError`](Self::InternalServerError)).
    pub fn is_retryable(&self) -> bool {
        *self == Self::InternalServerError
    }
}

#[cfg(test)]
mod tests;
