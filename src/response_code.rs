//! SNAP `responseCode` values and the standard code tables.
//!
//! A SNAP `responseCode` is seven characters: the three-digit HTTP status, a
//! two-character service code and a two-digit case code, so `4017300` is
//! HTTP 401, service 73 (Access Token B2B), case 00 (Unauthorized).
//! [`ResponseCode`] validates that shape and keeps unknown codes intact;
//! [`CaseCode`] is the general case-code table, which gives an (HTTP status,
//! case) pair the same meaning for every service; [`STANDARD_SERVICES`] lists
//! the standard service codes with their endpoints.
//!
//! ```
//! use snap_bi::response_code::{CaseCode, ResponseCode, ResponseCodeError};
//!
//! let code: ResponseCode = "4017300".parse()?;
//! assert_eq!(code.status_u16(), 401);
//! assert_eq!(code.service_code(), "73");
//! assert_eq!(code.case_info(), Some(CaseCode::Unauthorized));
//! assert_eq!(code.service_info().map(|s| s.name), Some("Access Token B2B"));
//! assert!(code.is_client_error() && !code.is_retryable());
//!
//! // Building a code for a server response.
//! let built = CaseCode::InvalidToken.with_service("51")?;
//! assert_eq!(built.as_str(), "4015101");
//! assert!(built.is_token_invalid());
//! # Ok::<(), ResponseCodeError>(())
//! ```

use core::fmt;
use core::ops::Range;
use core::str::FromStr;

use http::{Method, StatusCode};

/// Why a string or a set of parts is not a well-formed SNAP `responseCode`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseCodeError {
    /// The input is not exactly seven bytes long.
    #[error("SNAP response code {input:?} is {len} bytes long, expected exactly 7")]
    Length {
        /// The rejected input.
        input: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The first three characters are not an HTTP status in `100..=599`.
    #[error("SNAP response code {input:?}: HTTP status {part:?} is not three digits in 100..=599")]
    HttpStatus {
        /// The rejected code (for [`ResponseCode::new`], the parts joined).
        input: String,
        /// The offending HTTP status part.
        part: String,
    },
    /// Characters four and five are not two ASCII letters or digits.
    #[error(
        "SNAP response code {input:?}: service code {part:?} is not two ASCII letters or digits"
    )]
    ServiceCode {
        /// The rejected code (for [`ResponseCode::new`], the parts joined).
        input: String,
        /// The offending service code part.
        part: String,
    },
    /// The last two characters are not two ASCII digits.
    #[error("SNAP response code {input:?}: case code {part:?} is not two ASCII digits")]
    CaseCode {
        /// The rejected code (for [`ResponseCode::new`], the parts joined).
        input: String,
        /// The offending case code part.
        part: String,
    },
}

/// A well-formed SNAP `responseCode`, such as `2005100` or BCA's `400US01`.
///
/// Any code with the right shape is accepted, including ones that no table
/// knows: [`case_info`](Self::case_info) and
/// [`service_info`](Self::service_info) return `None` for those, and
/// [`as_str`](Self::as_str) always gives back the original seven characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseCode {
    /// The original characters, all ASCII (checked on construction).
    bytes: [u8; 7],
    /// The first three characters, already converted.
    status: StatusCode,
}

impl ResponseCode {
    /// `5000001` (Internal Server Error, service `00`): what code builders in
    /// this crate fall back to if a service code they were given turns out
    /// malformed, so that building a response never panics.
    pub(crate) const INTERNAL_FALLBACK: ResponseCode = ResponseCode {
        bytes: *b"5000001",
        status: StatusCode::INTERNAL_SERVER_ERROR,
    };

    /// Parses a seven-character `responseCode`.
    ///
    /// The service code may be alphabetic (BCA uses `US`, `IC`, `SL`), so
    /// only the HTTP status and case code have to be digits.
    ///
    /// # Errors
    ///
    /// [`ResponseCodeError`] if the input is not exactly seven bytes, the HTTP
    /// status is not three digits in `100..=599`, the service code is not two
    /// ASCII alphanumerics or the case code is not two ASCII digits.
    ///
    /// ```
    /// use snap_bi::response_code::ResponseCode;
    ///
    /// let code = ResponseCode::parse("504IC00")?;
    /// assert_eq!(code.http_status(), http::StatusCode::GATEWAY_TIMEOUT);
    /// assert_eq!(code.service_code(), "IC");
    /// assert!(ResponseCode::parse("200730").is_err());
    /// # Ok::<(), snap_bi::response_code::ResponseCodeError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, ResponseCodeError> {
        let &[h0, h1, h2, s0, s1, c0, c1] = input.as_bytes() else {
            return Err(ResponseCodeError::Length {
                input: input.to_owned(),
                len: input.len(),
            });
        };
        let status =
            status_from_digits([h0, h1, h2]).ok_or_else(|| ResponseCodeError::HttpStatus {
                input: input.to_owned(),
                part: lossy(&[h0, h1, h2]),
            })?;
        check_service_and_case(|| input.to_owned(), [s0, s1], [c0, c1])?;
        Ok(Self {
            bytes: [h0, h1, h2, s0, s1, c0, c1],
            status,
        })
    }

    /// Builds a code from its parts, e.g. `(401, "73", "00")` → `4017300`.
    ///
    /// `status` may be a [`StatusCode`] or a plain `u16`.
    ///
    /// # Errors
    ///
    /// [`ResponseCodeError`] if `status` is outside `100..=599`, `service` is
    /// not exactly two ASCII alphanumerics or `case` is not exactly two ASCII
    /// digits. Each part is checked on its own, so `(200, "7", "300")` is
    /// rejected even though the parts join to a well-formed string.
    ///
    /// ```
    /// use snap_bi::response_code::ResponseCode;
    ///
    /// let code = ResponseCode::new(http::StatusCode::CONFLICT, "11", "00")?;
    /// assert_eq!(code.to_string(), "4091100");
    /// # Ok::<(), snap_bi::response_code::ResponseCodeError>(())
    /// ```
    pub fn new(
        status: impl Into<u16>,
        service: &str,
        case: &str,
    ) -> Result<Self, ResponseCodeError> {
        let status = status.into();
        let joined = || format!("{status}{service}{case}");
        let status_code = if (100..=599).contains(&status) {
            StatusCode::from_u16(status).ok()
        } else {
            None
        };
        let Some(status_code) = status_code else {
            return Err(ResponseCodeError::HttpStatus {
                input: joined(),
                part: status.to_string(),
            });
        };
        let &[s0, s1] = service.as_bytes() else {
            return Err(ResponseCodeError::ServiceCode {
                input: joined(),
                part: service.to_owned(),
            });
        };
        let &[c0, c1] = case.as_bytes() else {
            return Err(ResponseCodeError::CaseCode {
                input: joined(),
                part: case.to_owned(),
            });
        };
        check_service_and_case(joined, [s0, s1], [c0, c1])?;
        // `status` has exactly three digits (100..=599); `n % 10` is below 10,
        // so the cast cannot truncate.
        let digit = |n: u16| b'0' + (n % 10) as u8;
        Ok(Self {
            bytes: [
                digit(status / 100),
                digit(status / 10),
                digit(status),
                s0,
                s1,
                c0,
                c1,
            ],
            status: status_code,
        })
    }

    /// The original seven characters.
    pub fn as_str(&self) -> &str {
        self.part(0..7)
    }

    /// The HTTP status given by the first three digits.
    pub fn http_status(&self) -> StatusCode {
        self.status
    }

    /// The HTTP status as a number in `100..=599`.
    pub fn status_u16(&self) -> u16 {
        self.status.as_u16()
    }

    /// The two-character service code, exactly as received (`"73"`, `"US"`).
    pub fn service_code(&self) -> &str {
        self.part(3..5)
    }

    /// The two-digit case code (`"00"`, `"01"`, …).
    pub fn case_code(&self) -> &str {
        self.part(5..7)
    }

    /// The general case-code table entry for this code's HTTP status and case,
    /// or `None` for a pair the table does not list.
    pub fn case_info(&self) -> Option<CaseCode> {
        CaseCode::lookup(self.status_u16(), self.case_code())
    }

    /// The standard service this code's service code names, or `None` for an
    /// unknown or provider-specific service code.
    pub fn service_info(&self) -> Option<&'static ServiceInfo> {
        service_by_code(self.service_code())
    }

    /// Whether the HTTP status is 2xx. `202xx00` (still processing) counts as
    /// success here; see [`is_in_progress`](Self::is_in_progress).
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Whether this is `202xx00` Request In Progress: the outcome is not known
    /// yet and should be learned through the service's status inquiry.
    pub fn is_in_progress(&self) -> bool {
        self.case_info() == Some(CaseCode::RequestInProgress)
    }

    /// Whether this is `401xx01` Invalid Token (B2B) or `401xx03` Token Not
    /// Found (B2B): the B2B access token is expired, revoked or unknown, and a
    /// client should fetch a new one (service 73) before trying again.
    pub fn is_token_invalid(&self) -> bool {
        matches!(
            self.case_info(),
            Some(CaseCode::InvalidToken | CaseCode::TokenNotFound)
        )
    }

    /// Whether this is `401xx02` Invalid Customer Token or `401xx04` Customer
    /// Token Not Found: the B2B2C customer token (service 74) must be renewed,
    /// which usually involves the customer again.
    pub fn is_customer_token_invalid(&self) -> bool {
        matches!(
            self.case_info(),
            Some(CaseCode::InvalidCustomerToken | CaseCode::CustomerTokenNotFound)
        )
    }

    /// Whether the same request (same body, same `partnerReferenceNo`) may be
    /// sent again.
    ///
    /// - `500xx01` Internal Server Error: yes; the table's own guidance is
    ///   "retry".
    /// - `504xx00` Timeout: yes, keeping the same `partnerReferenceNo` so the
    ///   server's duplicate checks (`409xx01`, `404xx18`) stop a double
    ///   execution. The outcome is unknown, so a status inquiry first is the
    ///   cautious choice for money-moving calls.
    /// - `429xx00` Too Many Requests: yes, after backing off.
    /// - `202xx00` Request In Progress: no; the request was accepted, so query
    ///   its status instead (see [`is_in_progress`](Self::is_in_progress)).
    /// - `401xx01`/`401xx03`: no, not unchanged; fetch a new token first (see
    ///   [`is_token_invalid`](Self::is_token_invalid)).
    /// - `409xx00` Conflict (same `X-EXTERNAL-ID` on the same day): no, the
    ///   same headers are rejected again.
    /// - `500xx00` General Error, `500xx02` External Server Error, every other
    ///   listed code and every unknown code: no, since the table gives no
    ///   sign that trying again helps.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.case_info(),
            Some(CaseCode::InternalServerError | CaseCode::Timeout | CaseCode::TooManyRequests)
        )
    }

    /// Whether the HTTP status is 4xx.
    pub fn is_client_error(&self) -> bool {
        self.status.is_client_error()
    }

    /// Whether the HTTP status is 5xx.
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }

    /// A code from parts already known to be valid: the table's status and
    /// case, and a service code checked as two ASCII alphanumerics (the server
    /// module's `ServiceCode`). Infallible, so answering an error never needs
    /// an error path of its own.
    pub(crate) fn from_valid_parts(status: StatusCode, service: [u8; 2], case: [u8; 2]) -> Self {
        let status_u16 = status.as_u16();
        // `status_u16` is below 1000, so each digit is below 10.
        let digit = |n: u16| b'0' + (n % 10) as u8;
        Self {
            bytes: [
                digit(status_u16 / 100),
                digit(status_u16 / 10),
                digit(status_u16),
                service[0],
                service[1],
                case[0],
                case[1],
            ],
            status,
        }
    }

    /// The code of a table row for a valid service code.
    pub(crate) fn for_case(case: CaseCode, service: [u8; 2]) -> Self {
        let status =
            StatusCode::from_u16(case.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let case = match case.case().as_bytes() {
            &[a, b] => [a, b],
            _ => [b'0', b'0'],
        };
        Self::from_valid_parts(status, service, case)
    }

    fn part(&self, range: Range<usize>) -> &str {
        // Construction checked every byte is ASCII and `range` lies within 0..7,
        // so this never falls back; the fallback only avoids a panicking path.
        self.bytes
            .get(range)
            .and_then(|bytes| core::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }
}

/// Converts three ASCII digits to a status in `100..=599`.
fn status_from_digits(digits: [u8; 3]) -> Option<StatusCode> {
    // Done by hand because `u16::from_str` would also accept a leading `+`.
    let mut value: u16 = 0;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u16::from(d - b'0');
    }
    if (100..=599).contains(&value) {
        StatusCode::from_u16(value).ok()
    } else {
        None
    }
}

/// Checks the service and case parts; `input` renders the whole code for the error.
fn check_service_and_case(
    input: impl Fn() -> String,
    service: [u8; 2],
    case: [u8; 2],
) -> Result<(), ResponseCodeError> {
    if !service.iter().all(u8::is_ascii_alphanumeric) {
        return Err(ResponseCodeError::ServiceCode {
            input: input(),
            part: lossy(&service),
        });
    }
    if !case.iter().all(u8::is_ascii_digit) {
        return Err(ResponseCodeError::CaseCode {
            input: input(),
            part: lossy(&case),
        });
    }
    Ok(())
}

/// Renders part of a rejected input; it may split a multi-byte character.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl FromStr for ResponseCode {
    type Err = ResponseCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for ResponseCode {
    type Error = ResponseCodeError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl AsRef<str> for ResponseCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as the exact seven-character string.
impl serde::Serialize for ResponseCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Deserialised from a string through [`ResponseCode::parse`]: any well-formed
/// code is accepted, known or not, and serialises back unchanged.
///
/// ```
/// use snap_bi::ResponseCode;
///
/// let code: ResponseCode = serde_json::from_str(r#""404IC99""#)?;
/// assert_eq!(code.case_info(), None);
/// assert_eq!(serde_json::to_string(&code)?, r#""404IC99""#);
/// assert!(serde_json::from_str::<ResponseCode>(r#""20051""#).is_err());
/// assert!(serde_json::from_str::<ResponseCode>("2005100").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
impl<'de> serde::Deserialize<'de> for ResponseCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;

        impl serde::de::Visitor<'_> for CodeVisitor {
            type Value = ResponseCode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a seven-character SNAP responseCode string such as \"2005100\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ResponseCode, E> {
                ResponseCode::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CodeVisitor)
    }
}

/// The category column of the general case-code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// The request succeeded or was accepted.
    Success,
    /// Technical failure: transport, authentication, routing, server errors.
    System,
    /// The request message is malformed (field format, mandatory fields).
    Message,
    /// A business rule refused the transaction (limits, funds, status).
    Business,
}

/// One row of the general case-code table: the meaning of an HTTP status and
/// case code pair, the same for every service.
///
/// Each variant's doc gives its code, with `xx` for the service code, and its
/// standard `responseMessage`. Messages with `[reason]`, `{field name}` and
/// similar are templates the server fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaseCode {
    /// `200xx00` `Successful`.
    Successful,
    /// `202xx00` `Request In Progress` — still processing.
    RequestInProgress,
    /// `400xx00` `Bad Request` — general failure incl. message parsing.
    BadRequest,
    /// `400xx01` `Invalid Field Format {field name}`.
    InvalidFieldFormat,
    /// `400xx02` `Invalid Mandatory Field {field name}` — missing/invalid mandatory field.
    InvalidMandatoryField,
    /// `401xx00` `Unauthorized. [reason]` — authentication failed: unknown
    /// client, wrong client secret, key not found, OAuth failure. Signature
    /// failures land here too (BCA answers `Unauthorized. [Signature]`).
    Unauthorized,
    /// `401xx01` `Invalid Token (B2B)` — token not exist / expired.
    InvalidToken,
    /// `401xx02` `Invalid Customer Token`.
    InvalidCustomerToken,
    /// `401xx03` `Token Not Found (B2B)`.
    TokenNotFound,
    /// `401xx04` `Customer Token Not Found`.
    CustomerTokenNotFound,
    /// `403xx00` `Transaction Expired`.
    TransactionExpired,
    /// `403xx01` `Feature Not Allowed [Reason]`.
    FeatureNotAllowed,
    /// `403xx02` `Exceeds Transaction Amount Limit`.
    ExceedsTransactionAmountLimit,
    /// `403xx03` `Suspected Fraud`.
    SuspectedFraud,
    /// `403xx04` `Activity Count Limit Exceeded`.
    ActivityCountLimitExceeded,
    /// `403xx05` `Do Not Honor`.
    DoNotHonor,
    /// `403xx06` `Feature Not Allowed At This Time. [reason]` — e.g. cut-off.
    FeatureNotAllowedAtThisTime,
    /// `403xx07` `Card Blocked`.
    CardBlocked,
    /// `403xx08` `Card Expired`.
    CardExpired,
    /// `403xx09` `Dormant Account`.
    DormantAccount,
    /// `403xx10` `Need To Set Token Limit`.
    NeedToSetTokenLimit,
    /// `403xx11` `OTP Blocked`.
    OtpBlocked,
    /// `403xx12` `OTP Lifetime Expired`.
    OtpLifetimeExpired,
    /// `403xx13` `OTP Sent To Cardholer`.
    OtpSentToCardholder,
    /// `403xx14` `Insufficient Funds`.
    InsufficientFunds,
    /// `403xx15` `Transaction Not Permitted.[reason]`.
    TransactionNotPermitted,
    /// `403xx16` `Suspend Transaction`.
    SuspendTransaction,
    /// `403xx17` `Token Limit Exceeded`.
    TokenLimitExceeded,
    /// `403xx18` `Inactive Card/Account/Customer`.
    InactiveCardAccountCustomer,
    /// `403xx19` `Merchant Blacklisted`.
    MerchantBlacklisted,
    /// `403xx20` `Merchant Limit Exceed`.
    MerchantLimitExceed,
    /// `403xx21` `Set Limit Not Allowed`.
    SetLimitNotAllowed,
    /// `403xx22` `Token Limit Invalid`.
    TokenLimitInvalid,
    /// `403xx23` `Account Limit Exceed`.
    AccountLimitExceed,
    /// `404xx00` `Invalid Transaction Status`.
    InvalidTransactionStatus,
    /// `404xx01` `Transaction Not Found`.
    TransactionNotFound,
    /// `404xx02` `Invalid Routing`.
    InvalidRouting,
    /// `404xx03` `Bank Not Supported By Switch`.
    BankNotSupportedBySwitch,
    /// `404xx04` `Transaction Cancelled`.
    TransactionCancelled,
    /// `404xx05` `Merchant Is Not Registered For Card Registration Services`.
    MerchantNotRegisteredForCardRegistration,
    /// `404xx06` `Need To Request OTP`.
    NeedToRequestOtp,
    /// `404xx07` `Journey Not Found`.
    JourneyNotFound,
    /// `404xx08` `Invalid Merchant`.
    InvalidMerchant,
    /// `404xx09` `No Issuer`.
    NoIssuer,
    /// `404xx10` `Invalid API Transition`.
    InvalidApiTransition,
    /// `404xx11` `Invalid Card/Account/Customer [info]/Virtual Account`.
    InvalidCardAccountCustomer,
    /// `404xx12` `Invalid Bill/Virtual Account [Reason]` — blocked/suspended/not found.
    InvalidBillVirtualAccount,
    /// `404xx13` `Invalid Amount`.
    InvalidAmount,
    /// `404xx14` `Paid Bill`.
    PaidBill,
    /// `404xx15` `Invalid OTP`.
    InvalidOtp,
    /// `404xx16` `Partner Not Found`.
    PartnerNotFound,
    /// `404xx17` `Invalid Terminal`.
    InvalidTerminal,
    /// `404xx18` `Inconsistent Request` — a reused partner reference or
    /// transaction id with different parameters. Depending on the service
    /// the original transaction counts as done (credit transfers, VA payment,
    /// refund, void) or failed (direct debit, QR CPM, auth/capture, OTC).
    InconsistentRequest,
    /// `404xx19` `Invalid Bill/Virtual Account` — expired. Same message as
    /// [`CaseCode::InvalidBillVirtualAccount`] minus the reason; the table
    /// gives expiry as this case's meaning.
    ExpiredBillVirtualAccount,
    /// `405xx00` `Requested Function Is Not Supported`.
    RequestedFunctionNotSupported,
    /// `405xx01` `Requested Opearation Is Not Allowed` — cancel/refund not allowed now.
    RequestedOperationNotAllowed,
    /// `409xx00` `Conflict` — the same `X-EXTERNAL-ID` was used earlier the
    /// same day.
    Conflict,
    /// `409xx01` `Duplicate partnerReferenceNo` — a transaction with this
    /// `partnerReferenceNo` already succeeded.
    DuplicatePartnerReferenceNo,
    /// `429xx00` `Too Many Requests`.
    TooManyRequests,
    /// `500xx00` `General Error`.
    GeneralError,
    /// `500xx01` `Internal Server Error` — the table advises a retry.
    InternalServerError,
    /// `500xx02` `External Server Error` — backend failure.
    ExternalServerError,
    /// `504xx00` `Timeout` — timeout from issuer.
    Timeout,
}

impl CaseCode {
    /// Every variant, in table order (by HTTP status, then case code).
    pub const ALL: &'static [CaseCode] = &[
        CaseCode::Successful,
        CaseCode::RequestInProgress,
        CaseCode::BadRequest,
        CaseCode::InvalidFieldFormat,
        CaseCode::InvalidMandatoryField,
        CaseCode::Unauthorized,
        CaseCode::InvalidToken,
        CaseCode::InvalidCustomerToken,
        CaseCode::TokenNotFound,
        CaseCode::CustomerTokenNotFound,
        CaseCode::TransactionExpired,
        CaseCode::FeatureNotAllowed,
        CaseCode::ExceedsTransactionAmountLimit,
        CaseCode::SuspectedFraud,
        CaseCode::ActivityCountLimitExceeded,
        CaseCode::DoNotHonor,
        CaseCode::FeatureNotAllowedAtThisTime,
        CaseCode::CardBlocked,
        CaseCode::CardExpired,
        CaseCode::DormantAccount,
        CaseCode::NeedToSetTokenLimit,
        CaseCode::OtpBlocked,
        CaseCode::OtpLifetimeExpired,
        CaseCode::OtpSentToCardholder,
        CaseCode::InsufficientFunds,
        CaseCode::TransactionNotPermitted,
        CaseCode::SuspendTransaction,
        CaseCode::TokenLimitExceeded,
        CaseCode::InactiveCardAccountCustomer,
        CaseCode::MerchantBlacklisted,
        CaseCode::MerchantLimitExceed,
        CaseCode::SetLimitNotAllowed,
        CaseCode::TokenLimitInvalid,
        CaseCode::AccountLimitExceed,
        CaseCode::InvalidTransactionStatus,
        CaseCode::TransactionNotFound,
        CaseCode::InvalidRouting,
        CaseCode::BankNotSupportedBySwitch,
        CaseCode::TransactionCancelled,
        CaseCode::MerchantNotRegisteredForCardRegistration,
        CaseCode::NeedToRequestOtp,
        CaseCode::JourneyNotFound,
        CaseCode::InvalidMerchant,
        CaseCode::NoIssuer,
        CaseCode::InvalidApiTransition,
        CaseCode::InvalidCardAccountCustomer,
        CaseCode::InvalidBillVirtualAccount,
        CaseCode::InvalidAmount,
        CaseCode::PaidBill,
        CaseCode::InvalidOtp,
        CaseCode::PartnerNotFound,
        CaseCode::InvalidTerminal,
        CaseCode::InconsistentRequest,
        CaseCode::ExpiredBillVirtualAccount,
        CaseCode::RequestedFunctionNotSupported,
        CaseCode::RequestedOperationNotAllowed,
        CaseCode::Conflict,
        CaseCode::DuplicatePartnerReferenceNo,
        CaseCode::TooManyRequests,
        CaseCode::GeneralError,
        CaseCode::InternalServerError,
        CaseCode::ExternalServerError,
        CaseCode::Timeout,
    ];

    /// The (HTTP status, case code, message, category) row of this variant.
    const fn row(self) -> (u16, &'static str, &'static str, Category) {
        match self {
            CaseCode::Successful => (200, "00", "Successful", Category::Success),
            CaseCode::RequestInProgress => (202, "00", "Request In Progress", Category::Success),
            CaseCode::BadRequest => (400, "00", "Bad Request", Category::System),
            CaseCode::InvalidFieldFormat => (
                400,
                "01",
                "Invalid Field Format {field name}",
                Category::Message,
            ),
            CaseCode::InvalidMandatoryField => (
                400,
                "02",
                "Invalid Mandatory Field {field name}",
                Category::Message,
            ),
            CaseCode::Unauthorized => (401, "00", "Unauthorized. [reason]", Category::System),
            CaseCode::InvalidToken => (401, "01", "Invalid Token (B2B)", Category::System),
            CaseCode::InvalidCustomerToken => {
                (401, "02", "Invalid Customer Token", Category::System)
            }
            CaseCode::TokenNotFound => (401, "03", "Token Not Found (B2B)", Category::System),
            CaseCode::CustomerTokenNotFound => {
                (401, "04", "Customer Token Not Found", Category::System)
            }
            CaseCode::TransactionExpired => (403, "00", "Transaction Expired", Category::Business),
            CaseCode::FeatureNotAllowed => {
                (403, "01", "Feature Not Allowed [Reason]", Category::System)
            }
            CaseCode::ExceedsTransactionAmountLimit => (
                403,
                "02",
                "Exceeds Transaction Amount Limit",
                Category::Business,
            ),
            CaseCode::SuspectedFraud => (403, "03", "Suspected Fraud", Category::Business),
            CaseCode::ActivityCountLimitExceeded => (
                403,
                "04",
                "Activity Count Limit Exceeded",
                Category::Business,
            ),
            CaseCode::DoNotHonor => (403, "05", "Do Not Honor", Category::Business),
            CaseCode::FeatureNotAllowedAtThisTime => (
                403,
                "06",
                "Feature Not Allowed At This Time. [reason]",
                Category::System,
            ),
            CaseCode::CardBlocked => (403, "07", "Card Blocked", Category::Business),
            CaseCode::CardExpired => (403, "08", "Card Expired", Category::Business),
            CaseCode::DormantAccount => (403, "09", "Dormant Account", Category::Business),
            CaseCode::NeedToSetTokenLimit => {
                (403, "10", "Need To Set Token Limit", Category::Business)
            }
            CaseCode::OtpBlocked => (403, "11", "OTP Blocked", Category::System),
            CaseCode::OtpLifetimeExpired => (403, "12", "OTP Lifetime Expired", Category::System),
            CaseCode::OtpSentToCardholder => (403, "13", "OTP Sent To Cardholer", Category::System),
            CaseCode::InsufficientFunds => (403, "14", "Insufficient Funds", Category::Business),
            CaseCode::TransactionNotPermitted => (
                403,
                "15",
                "Transaction Not Permitted.[reason]",
                Category::Business,
            ),
            CaseCode::SuspendTransaction => (403, "16", "Suspend Transaction", Category::Business),
            CaseCode::TokenLimitExceeded => (403, "17", "Token Limit Exceeded", Category::Business),
            CaseCode::InactiveCardAccountCustomer => (
                403,
                "18",
                "Inactive Card/Account/Customer",
                Category::Business,
            ),
            CaseCode::MerchantBlacklisted => {
                (403, "19", "Merchant Blacklisted", Category::Business)
            }
            CaseCode::MerchantLimitExceed => {
                (403, "20", "Merchant Limit Exceed", Category::Business)
            }
            CaseCode::SetLimitNotAllowed => {
                (403, "21", "Set Limit Not Allowed", Category::Business)
            }
            CaseCode::TokenLimitInvalid => (403, "22", "Token Limit Invalid", Category::Business),
            CaseCode::AccountLimitExceed => (403, "23", "Account Limit Exceed", Category::Business),
            CaseCode::InvalidTransactionStatus => {
                (404, "00", "Invalid Transaction Status", Category::Business)
            }
            CaseCode::TransactionNotFound => {
                (404, "01", "Transaction Not Found", Category::Business)
            }
            CaseCode::InvalidRouting => (404, "02", "Invalid Routing", Category::System),
            CaseCode::BankNotSupportedBySwitch => {
                (404, "03", "Bank Not Supported By Switch", Category::System)
            }
            CaseCode::TransactionCancelled => {
                (404, "04", "Transaction Cancelled", Category::Business)
            }
            CaseCode::MerchantNotRegisteredForCardRegistration => (
                404,
                "05",
                "Merchant Is Not Registered For Card Registration Services",
                Category::Business,
            ),
            CaseCode::NeedToRequestOtp => (404, "06", "Need To Request OTP", Category::System),
            CaseCode::JourneyNotFound => (404, "07", "Journey Not Found", Category::System),
            CaseCode::InvalidMerchant => (404, "08", "Invalid Merchant", Category::Business),
            CaseCode::NoIssuer => (404, "09", "No Issuer", Category::Business),
            CaseCode::InvalidApiTransition => {
                (404, "10", "Invalid API Transition", Category::System)
            }
            CaseCode::InvalidCardAccountCustomer => (
                404,
                "11",
                "Invalid Card/Account/Customer [info]/Virtual Account",
                Category::Business,
            ),
            CaseCode::InvalidBillVirtualAccount => (
                404,
                "12",
                "Invalid Bill/Virtual Account [Reason]",
                Category::Business,
            ),
            CaseCode::InvalidAmount => (404, "13", "Invalid Amount", Category::Business),
            CaseCode::PaidBill => (404, "14", "Paid Bill", Category::Business),
            CaseCode::InvalidOtp => (404, "15", "Invalid OTP", Category::System),
            CaseCode::PartnerNotFound => (404, "16", "Partner Not Found", Category::Business),
            CaseCode::InvalidTerminal => (404, "17", "Invalid Terminal", Category::Business),
            CaseCode::InconsistentRequest => {
                (404, "18", "Inconsistent Request", Category::Business)
            }
            CaseCode::ExpiredBillVirtualAccount => (
                404,
                "19",
                "Invalid Bill/Virtual Account",
                Category::Business,
            ),
            CaseCode::RequestedFunctionNotSupported => (
                405,
                "00",
                "Requested Function Is Not Supported",
                Category::System,
            ),
            CaseCode::RequestedOperationNotAllowed => (
                405,
                "01",
                "Requested Opearation Is Not Allowed",
                Category::Business,
            ),
            CaseCode::Conflict => (409, "00", "Conflict", Category::System),
            CaseCode::DuplicatePartnerReferenceNo => {
                (409, "01", "Duplicate partnerReferenceNo", Category::System)
            }
            CaseCode::TooManyRequests => (429, "00", "Too Many Requests", Category::System),
            CaseCode::GeneralError => (500, "00", "General Error", Category::System),
            CaseCode::InternalServerError => (500, "01", "Internal Server Error", Category::System),
            CaseCode::ExternalServerError => (500, "02", "External Server Error", Category::System),
            CaseCode::Timeout => (504, "00", "Timeout", Category::System),
        }
    }

    /// The HTTP status, e.g. `401` for [`CaseCode::Unauthorized`].
    pub const fn http_status(self) -> u16 {
        self.row().0
    }

    /// The two-digit case code, e.g. `"00"` for [`CaseCode::Unauthorized`].
    pub const fn case(self) -> &'static str {
        self.row().1
    }

    /// The standard `responseMessage` exactly as the table gives it, including
    /// placeholders such as `[reason]` and the table's misspellings
    /// ("Cardholer", "Opearation").
    pub const fn message(self) -> &'static str {
        self.row().2
    }

    /// The table's category for this row.
    pub const fn category(self) -> Category {
        self.row().3
    }

    /// The standard message with its placeholder filled in: the text inside
    /// the first `{…}` or `[…]` is replaced by `detail`, keeping the brackets
    /// as BCA does (`Unauthorized. [Signature]`). Messages without a
    /// placeholder are returned unchanged.
    ///
    /// ```
    /// use snap_bi::CaseCode;
    ///
    /// assert_eq!(CaseCode::InvalidMandatoryField.message_with("serviceCode"),
    ///            "Invalid Mandatory Field {serviceCode}");
    /// assert_eq!(CaseCode::Unauthorized.message_with("Signature"), "Unauthorized. [Signature]");
    /// assert_eq!(CaseCode::TransactionNotFound.message_with("ignored"), "Transaction Not Found");
    /// ```
    pub fn message_with(self, detail: &str) -> String {
        let message = self.message();
        let open = message.find(['{', '[']);
        let close = open.and_then(|start| {
            let closing = if message[start..].starts_with('{') {
                '}'
            } else {
                ']'
            };
            message[start..].find(closing).map(|len| start + len)
        });
        match (open, close) {
            (Some(start), Some(end)) => {
                format!("{}{detail}{}", &message[..=start], &message[end..])
            }
            _ => message.to_owned(),
        }
    }

    /// The row for an HTTP status and two-digit case code, if the table has one.
    ///
    /// ```
    /// use snap_bi::response_code::{Category, CaseCode};
    ///
    /// assert_eq!(CaseCode::lookup(403, "14"), Some(CaseCode::InsufficientFunds));
    /// assert_eq!(CaseCode::InsufficientFunds.category(), Category::Business);
    /// assert_eq!(CaseCode::lookup(403, "99"), None);
    /// ```
    pub fn lookup(status: u16, case: &str) -> Option<CaseCode> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.http_status() == status && c.case() == case)
    }

    /// The full response code of this case for a service, e.g.
    /// `(Unauthorized, "73")` → `4017300`.
    ///
    /// # Errors
    ///
    /// [`ResponseCodeError::ServiceCode`] if `service` is not two ASCII
    /// alphanumerics.
    pub fn with_service(self, service: &str) -> Result<ResponseCode, ResponseCodeError> {
        ResponseCode::new(self.http_status(), service, self.case())
    }
}

/// One row of the standard service-code table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceInfo {
    /// The two-digit service code, e.g. `"51"`.
    pub code: &'static str,
    /// The API's name as the table gives it, e.g. `"QR MPM Query Payment"`.
    pub name: &'static str,
    /// The HTTP method the standard prescribes.
    pub method: Method,
    /// The standard path after `/{version}`, e.g. `"/qr/qr-mpm-query"`.
    /// Providers put their own prefix in front of it.
    pub path: &'static str,
}

const fn svc(
    code: &'static str,
    name: &'static str,
    method: Method,
    path: &'static str,
) -> ServiceInfo {
    ServiceInfo {
        code,
        name,
        method,
        path,
    }
}

/// The standard services, ordered by code (`01`–`81`; `04` is not listed).
///
/// Service 63 (Auth Payment) is `GET` because the standard says so, although
/// it is an odd method for a payment.
#[rustfmt::skip]
pub const STANDARD_SERVICES: &[ServiceInfo] = &[
    svc("01", "Card Registration", Method::POST, "/registration-card-bind"),
    svc("02", "Card Registration – Set Limit", Method::POST, "/registration/card-bind-limit"),
    svc("03", "Card Registration Inquiry", Method::GET, "/registration-card-inquiry"),
    svc("05", "Card Registration Unbinding", Method::POST, "/registration-card-unbind"),
    svc("06", "Account Creation", Method::POST, "/registration-account-creation"),
    svc("07", "Account Binding", Method::POST, "/registration-account-binding"),
    svc("08", "Account Binding Inquiry", Method::POST, "/registration-account-inquiry"),
    svc("09", "Account Unbinding", Method::POST, "/registration-account-unbinding"),
    svc("10", "Get OAuth URL", Method::GET, "/get-auth-code"),
    svc("11", "Balance Inquiry", Method::POST, "/balance-inquiry"),
    svc("12", "Transaction History List", Method::POST, "/transaction-history-list"),
    svc("13", "Transaction History Detail", Method::POST, "/transaction-history-detail"),
    svc("14", "Bank Statement", Method::POST, "/bank-statement"),
    svc("15", "Internal Account Inquiry", Method::POST, "/account-inquiry-internal"),
    svc("16", "External Account Inquiry", Method::POST, "/account-inquiry-external"),
    svc("17", "Intrabank Transfer", Method::POST, "/transfer-intrabank"),
    svc("18", "Interbank Transfer", Method::POST, "/transfer-interbank"),
    svc("19", "Request for Payment", Method::POST, "/transfer-request-for-payment"),
    svc("20", "Interbank Bulk Transfer", Method::POST, "/transfer-interbank-bulk"),
    svc("21", "Interbank Bulk Transfer – Notification", Method::POST, "/transfer-interbank-bulk/notify"),
    svc("22", "Transfer RTGS", Method::POST, "/transfer-rtgs"),
    svc("23", "Transfer SKNBI", Method::POST, "/transfer-skn"),
    svc("24", "VA Inquiry", Method::POST, "/transfer-va/inquiry"),
    svc("25", "VA Payment", Method::POST, "/transfer-va/payment"),
    svc("26", "VA Inquiry Status", Method::POST, "/transfer-va/status"),
    svc("27", "VA Create VA", Method::POST, "/transfer-va/create-va"),
    svc("28", "VA Update VA", Method::PUT, "/transfer-va/update-va"),
    svc("29", "VA Update Status", Method::PUT, "/transfer-va/update-status"),
    svc("30", "VA Inquiry VA", Method::POST, "/transfer-va/inquiry-va"),
    svc("31", "VA Delete VA", Method::DELETE, "/transfer-va/delete-va"),
    svc("32", "VA Inquiry Intrabank", Method::POST, "/transfer-va/inquiry-intrabank"),
    svc("33", "VA Payment Intrabank", Method::POST, "/transfer-va/payment-intrabank"),
    svc("34", "VA Notify Payment Intrabank", Method::POST, "/transfer-va/notify-payment-intrabank"),
    svc("35", "VA Get Report", Method::GET, "/transfer-va/report"),
    svc("36", "Transaction Status Inquiry", Method::POST, "/transfer/status"),
    svc("37", "Account Inquiry – Customer Top Up", Method::POST, "/emoney/account-inquiry"),
    svc("38", "Customer Top Up", Method::POST, "/emoney/topup"),
    svc("39", "Customer Top Up Inquiry Status", Method::POST, "/emoney/topup-status"),
    svc("40", "Submit Bulk Cash In", Method::POST, "/emoney/bulk-cashin-payment"),
    svc("41", "Notify Bulk Cash In", Method::POST, "/emoney/bulk-cashin-notify"),
    svc("42", "Transfer to Bank – Account Inquiry", Method::POST, "/emoney/bank-account-inquiry"),
    svc("43", "Transfer to Bank – Payment", Method::POST, "/emoney/transfer-bank"),
    svc("44", "Transfer to OTC – Create", Method::POST, "/emoney/otc-cashout"),
    svc("45", "Transfer to OTC – Status", Method::POST, "/emoney/otc-status"),
    svc("46", "Transfer to OTC – Cancel", Method::POST, "/emoney/otc-cancel"),
    svc("47", "Generate QR MPM", Method::POST, "/qr/qr-mpm-generate"),
    svc("48", "Decode QR MPM", Method::POST, "/qr/qr-mpm-decode"),
    svc("49", "Payment Redirect (Apply OTT)", Method::POST, "/qr/apply-ott"),
    svc("50", "QR MPM Payment Host-to-Host", Method::POST, "/qr/qr-mpm-payment"),
    svc("51", "QR MPM Query Payment", Method::POST, "/qr/qr-mpm-query"),
    svc("52", "QR MPM Payment Notification", Method::POST, "/qr/qr-mpm-notify"),
    svc("53", "QR MPM Transaction Status Inquiry", Method::POST, "/qr/qr-mpm-status"),
    svc("54", "Direct Debit Payment", Method::POST, "/debit/payment-host-to-host"),
    svc("55", "Direct Debit Payment Status", Method::POST, "/debit/status"),
    svc("56", "Direct Debit Payment Notification", Method::POST, "/debit/notify"),
    svc("57", "Direct Debit Cancel", Method::POST, "/debit/cancel"),
    svc("58", "Direct Debit Refund", Method::POST, "/debit/refund"),
    svc("59", "Generate QR CPM", Method::POST, "/qr/qr-cpm-generate"),
    svc("60", "QR CPM Payment", Method::POST, "/qr/qr-cpm-payment"),
    svc("61", "QR CPM Query Payment", Method::POST, "/qr/qr-cpm-query"),
    svc("62", "QR CPM Cancel", Method::POST, "/qr/qr-cpm-cancel"),
    svc("63", "Auth Payment", Method::GET, "/auth/payment"),
    svc("64", "Auth Payment Query", Method::GET, "/auth/query"),
    svc("65", "Capture", Method::GET, "/auth/capture"),
    svc("66", "Capture Query", Method::GET, "/auth/capture-query"),
    svc("67", "Void", Method::GET, "/auth/void"),
    svc("68", "Void Query", Method::GET, "/auth/void-query"),
    svc("69", "Refund (auth)", Method::GET, "/auth/refund"),
    svc("70", "BI-FAST e-Mandate registration", Method::POST, "/debit/fast-emandate"),
    svc("71", "Trigger BI-FAST Direct Debit", Method::POST, "/debit/fast-payment"),
    svc("72", "BI-FAST Notify", Method::POST, "/debit/fast-notify"),
    svc("73", "Access Token B2B", Method::POST, "/access-token/b2b"),
    svc("74", "Access Token B2B2C", Method::POST, "/access-token/b2b2c"),
    svc("75", "SKNBI Notification", Method::POST, "/transfer-skn/notify"),
    svc("76", "RTGS Notification", Method::POST, "/transfer-rtgs/notify"),
    svc("77", "QR MPM Cancel", Method::POST, "/qr/qr-mpm-cancel"),
    svc("78", "QR MPM Refund", Method::POST, "/qr/qr-mpm-refund"),
    svc("79", "QR CPM Payment Notification", Method::POST, "/qr/qr-cpm-notify"),
    svc("80", "QR CPM Refund", Method::POST, "/qr/qr-cpm-refund"),
    svc("81", "OTP", Method::POST, "/otp"),
];

/// The standard service with this two-digit code.
pub fn service_by_code(code: &str) -> Option<&'static ServiceInfo> {
    STANDARD_SERVICES.iter().find(|s| s.code == code)
}

/// The standard service a request path belongs to.
///
/// The service matches when its standard path is a suffix of `path`, so any
/// provider prefix and version segment are allowed in front of it
/// (`/snap/v1.0/qr/qr-mpm-query` → 51). A query string or fragment, trailing
/// slashes and a trailing `.htm` (DANA's style) are ignored. When several
/// standard paths match, the longest wins.
///
/// ```
/// use snap_bi::response_code::service_for_path;
///
/// let service = service_for_path("/openapi/v1.0/transfer-va/create-va");
/// assert_eq!(service.map(|s| s.code), Some("27"));
/// assert_eq!(service_for_path("/v1.0/unknown"), None);
/// ```
pub fn service_for_path(path: &str) -> Option<&'static ServiceInfo> {
    longest_suffix_match(STANDARD_SERVICES, path)
}

fn longest_suffix_match<'a>(table: &'a [ServiceInfo], path: &str) -> Option<&'a ServiceInfo> {
    let path = path
        .split_once(['?', '#'])
        .map_or(path, |(before, _)| before);
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".htm").unwrap_or(path);
    // Standard paths start with `/`, so a suffix match always begins on a
    // segment boundary: `/xaccess-token/b2b` does not end with `/access-token/b2b`.
    table
        .iter()
        .filter(|s| path.ends_with(s.path))
        .max_by_key(|s| s.path.len())
}

#[cfg(test)]
mod tests;
