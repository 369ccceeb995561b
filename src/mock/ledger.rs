//! The payment ledger of the mock provider: QRIS MPM payments in memory, with
//! the transitions and refusals of a real PJP.
//!
//! ```text
//!              generate                mark_paid               refund (all)
//!   (none) ─────────────▶ Initiated ─────────────▶ Paid ─────────────▶ Refunded
//!                          │  │  │                  ▲ └──refund (part)──┘
//!             cancel ◀─────┘  │  └── validity ends ──▶ Expired ── cancel ──▶ Canceled
//!                             └── mark_failed ──▶ Failed
//! ```
//!
//! Every operation takes the typed request, a [`CallContext`] (the current
//! time and the call's `X-EXTERNAL-ID`) and, where the provider mints an id
//! (`referenceNo`, `refundNo`), that id; it returns the typed response with
//! the `responseCode` / `responseMessage` a provider sends:
//!
//! | operation | success | refusals |
//! |---|---|---|
//! | [`generate`](Ledger::generate) | `2004700` | `4004701` field format, `4004702` missing `amount`, `4034702` above the limit, `4044708` other merchant, `4044713` zero amount, `4094700` reused `X-EXTERNAL-ID`, `4094701` duplicate `partnerReferenceNo` |
//! | [`query`](Ledger::query) | `2005100` | `4005101`, `4005102` (no identifier, bad `serviceCode`), `4045101` not found |
//! | [`cancel`](Ledger::cancel) | `2007700` (again for a canceled payment) | `4007701`, `4007702`, `4047701`, `4047713` amount differs, `4057701` paid or failed |
//! | [`refund`](Ledger::refund) | `2007800` (again for a repeated `partnerRefundNo`) | `4007801`, `4007802`, `4037804` too many refunds, `4047801`, `4047813` above the refundable amount, `4047818` `partnerRefundNo` reused differently, `4057801` not paid |
//!
//! A caller bug (an empty or reused minted id) answers `500xx00`. The
//! triggers [`mark_paid`](Ledger::mark_paid) and
//! [`mark_failed`](Ledger::mark_failed) return the notification body to send
//! to the merchant, with `latestTransactionStatus` written in the configured
//! [`StatusDialect`] (a failed payment is `06` in the standard, `07` at
//! Paydia).
//!
//! The ledger holds at most [`LedgerConfig::capacity`] payments and forgets
//! the oldest when full. It is `Send + Sync`; each operation takes one short
//! lock and never blocks on anything else.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use snap_bi::mock::ledger::{CallContext, Ledger, LedgerConfig, TriggerError};
//! use snap_bi::qris::{
//!     Amount, Money, QrMpmCancelRequest, QrMpmGenerateRequest, QrMpmRefundRequest, StatusDialect,
//! };
//!
//! let config = LedgerConfig::builder().status_dialect(StatusDialect::Paydia).build()?;
//! let ledger = Ledger::new(config);
//! let t0 = Utc.with_ymd_and_hms(2024, 9, 10, 6, 0, 0).single().ok_or("no such time")?;
//! let call = CallContext::at(t0).with_external_id("1725948000");
//!
//! let mut generate = QrMpmGenerateRequest::new();
//! generate.partner_reference_no = Some("INV-7".into());
//! generate.amount = Some(Money::idr(Amount::parse("50000.00")?));
//! assert_eq!(ledger.generate(&generate, &call, "REF-7").response_code.as_str(), "2004700");
//! // Same partnerReferenceNo again: refused.
//! assert_eq!(ledger.generate(&generate, &CallContext::at(t0), "REF-8").response_code.as_str(), "4094701");
//!
//! ledger.mark_paid("REF-7", &CallContext::at(t0 + TimeDelta::minutes(1)))?;
//! assert!(matches!(ledger.mark_paid("REF-7", &call), Err(TriggerError::AlreadyPaid { .. })));
//!
//! // A paid payment cannot be canceled, only refunded.
//! let mut cancel = QrMpmCancelRequest::new("M-1", "customer request");
//! cancel.original_reference_no = Some("REF-7".into());
//! assert_eq!(ledger.cancel(&cancel, &call).response_code.as_str(), "4057701");
//!
//! let mut refund = QrMpmRefundRequest::new("INV-7", "RF-1");
//! refund.refund_amount = Some(Money::idr(Amount::parse("60000.00")?));
//! assert_eq!(ledger.refund(&refund, &call, "PJP-RF-1").response_code.as_str(), "4047813");
//! refund.refund_amount = Some(Money::idr(Amount::parse("20000.00")?));
//! let refunded = ledger.refund(&refund, &call, "PJP-RF-1");
//! assert_eq!(refunded.response_code.as_str(), "2007800");
//! assert_eq!(refunded.refund_no.as_deref(), Some("PJP-RF-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use crate::external_id::ORIGINAL_EXTERNAL_ID_MAX_LENGTH;
use crate::qris::emv::{AdditionalData, EmvError, QrisMerchant};
use crate::qris::{
    Amount, Currency, Money, QrMpmCancelRequest, QrMpmCancelResponse, QrMpmGenerateRequest,
    QrMpmGenerateResponse, QrMpmNotifyRequest, QrMpmQueryRequest, QrMpmQueryResponse,
    QrMpmRefundRequest, QrMpmRefundResponse, ServiceRequest, StatusDialect, StatusMeaning,
    TransactionStatus,
};
use crate::response_code::CaseCode;
use crate::timestamp::{Timestamp, TimestampFormat};

/// Most refunds one payment may have; more answer `403xx04`.
pub const MAX_REFUNDS_PER_PAYMENT: usize = 64;

/// Longest value that goes into a QR's additional-data labels (EMV `62`).
const QR_LABEL_MAX: usize = 25;

/// What an operation knows about the call besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallContext {
    /// The current time.
    pub now: DateTime<Utc>,
    /// The call's `X-EXTERNAL-ID`, if the front end has one. A generate
    /// call's id is remembered for `originalExternalId` lookups and must not
    /// be reused for another generate.
    pub external_id: Option<String>,
}

impl CallContext {
    /// A call at `now` without an external id.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            external_id: None,
        }
    }

    /// Sets the call's `X-EXTERNAL-ID`.
    #[must_use]
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }
}

/// Why a [`LedgerConfigBuilder`] refused its settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerConfigError {
    /// The capacity is zero.
    #[error("ledger capacity must be at least 1")]
    ZeroCapacity,
    /// The default validity is zero or negative.
    #[error("default QR validity must be positive")]
    NonPositiveValidity,
    /// The merchant cannot be encoded in a QR (a field too long, not ASCII …),
    /// or the maximum amount does not fit the QR's 13-character amount field.
    #[error("QR merchant settings: {0}")]
    Merchant(#[from] EmvError),
}

/// Settings of a [`Ledger`]; build with [`LedgerConfig::builder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerConfig {
    capacity: usize,
    status_dialect: StatusDialect,
    timestamp_format: TimestampFormat,
    merchant: QrisMerchant,
    merchant_id: Option<String>,
    currency: Currency,
    max_amount: Amount,
    default_validity: TimeDelta,
}

impl Default for LedgerConfig {
    /// 10 000 payments, the standard status dialect, `+07:00` timestamps, a
    /// placeholder merchant "SNAP-BI MOCK" in JAKARTA accepting any
    /// `merchantId`, IDR, at most Rp 10 000 000.00 per QR (the QRIS limit),
    /// QRs valid for 30 minutes unless `validityPeriod` says otherwise.
    fn default() -> Self {
        Self {
            capacity: 10_000,
            status_dialect: StatusDialect::Standard,
            timestamp_format: TimestampFormat::JakartaSeconds,
            merchant: QrisMerchant::new("SNAP-BI MOCK", "JAKARTA"),
            merchant_id: None,
            currency: Currency::IDR,
            max_amount: Amount::from_minor_units(1_000_000_000).unwrap_or_else(|_| Amount::zero()),
            default_validity: TimeDelta::minutes(30),
        }
    }
}

impl LedgerConfig {
    /// A builder starting from [`LedgerConfig::default`].
    pub fn builder() -> LedgerConfigBuilder {
        LedgerConfigBuilder(Self::default())
    }

    /// Most payments kept; the oldest is forgotten when a new one would exceed it.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// How `latestTransactionStatus` codes are written.
    pub fn status_dialect(&self) -> StatusDialect {
        self.status_dialect
    }
    /// How `paidTime`, `cancelTime`, `refundTime` and `transactionDate` are written.
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.timestamp_format
    }
    /// The merchant encoded in generated QRs (`merchantName` comes from it).
    pub fn merchant(&self) -> &QrisMerchant {
        &self.merchant
    }
    /// The only `merchantId` accepted, if restricted.
    pub fn merchant_id(&self) -> Option<&str> {
        self.merchant_id.as_deref()
    }
    /// The only currency accepted.
    pub fn currency(&self) -> Currency {
        self.currency
    }
    /// The largest amount one QR may ask for.
    pub fn max_amount(&self) -> &Amount {
        &self.max_amount
    }
    /// How long a QR stays payable when the request has no `validityPeriod`.
    pub fn default_validity(&self) -> TimeDelta {
        self.default_validity
    }
}

/// Builds a [`LedgerConfig`].
#[derive(Debug, Clone)]
#[must_use]
pub struct LedgerConfigBuilder(LedgerConfig);

impl LedgerConfigBuilder {
    /// Most payments kept (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.0.capacity = capacity;
        self
    }
    /// How `latestTransactionStatus` codes are written.
    pub fn status_dialect(mut self, dialect: StatusDialect) -> Self {
        self.0.status_dialect = dialect;
        self
    }
    /// How timestamps in responses are written.
    pub fn timestamp_format(mut self, format: TimestampFormat) -> Self {
        self.0.timestamp_format = format;
        self
    }
    /// The merchant encoded in generated QRs.
    pub fn merchant(mut self, merchant: QrisMerchant) -> Self {
        self.0.merchant = merchant;
        self
    }
    /// Accept only this `merchantId` (requests naming another get `404xx08`).
    pub fn merchant_id(mut self, merchant_id: impl Into<String>) -> Self {
        self.0.merchant_id = Some(merchant_id.into());
        self
    }
    /// The only currency accepted (QRIS is IDR).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.0.currency = currency;
        self
    }
    /// The largest amount one QR may ask for (at most `9999999999.99`, the
    /// QR's 13-character amount field).
    pub fn max_amount(mut self, max_amount: Amount) -> Self {
        self.0.max_amount = max_amount;
        self
    }
    /// How long a QR stays payable without a `validityPeriod`.
    pub fn default_validity(mut self, validity: TimeDelta) -> Self {
        self.0.default_validity = validity;
        self
    }

    /// The checked configuration.
    ///
    /// # Errors
    /// [`LedgerConfigError`] for a zero capacity, a non-positive validity, or
    /// a merchant / maximum amount that cannot be encoded in a QR.
    pub fn build(self) -> Result<LedgerConfig, LedgerConfigError> {
        let config = self.0;
        if config.capacity == 0 {
            return Err(LedgerConfigError::ZeroCapacity);
        }
        if config.default_validity <= TimeDelta::zero() {
            return Err(LedgerConfigError::NonPositiveValidity);
        }
        // Encoding the largest amount once proves every later QR can be built.
        config
            .merchant
            .dynamic_payload(&config.max_amount, &AdditionalData::default())?;
        Ok(config)
    }
}

/// Why a trigger ([`Ledger::mark_paid`], [`Ledger::mark_failed`]) did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TriggerError {
    /// No payment has this `referenceNo` or `partnerReferenceNo`.
    #[error("no payment {reference:?}")]
    NotFound {
        /// The reference given.
        reference: String,
    },
    /// The payment is already paid (or refunded).
    #[error("payment {reference_no:?} is already paid")]
    AlreadyPaid {
        /// Its `referenceNo`.
        reference_no: String,
    },
    /// The payment was canceled.
    #[error("payment {reference_no:?} was canceled")]
    Canceled {
        /// Its `referenceNo`.
        reference_no: String,
    },
    /// The payment already failed.
    #[error("payment {reference_no:?} already failed")]
    Failed {
        /// Its `referenceNo`.
        reference_no: String,
    },
    /// The QR's validity period is over.
    #[error("payment {reference_no:?} expired")]
    Expired {
        /// Its `referenceNo`.
        reference_no: String,
    },
}

/// A payment as the ledger sees it at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentSnapshot {
    /// The provider's id (`referenceNo`).
    pub reference_no: String,
    /// The merchant's id (`partnerReferenceNo`).
    pub partner_reference_no: Option<String>,
    /// The generate call's `X-EXTERNAL-ID`.
    pub external_id: Option<String>,
    /// The amount asked for.
    pub amount: Money,
    /// The fee (zero unless the request gave one).
    pub fee_amount: Money,
    /// The QRIS payload handed out.
    pub qr_content: String,
    /// When the payment was created.
    pub created_at: DateTime<Utc>,
    /// When the QR stops being payable.
    pub expires_at: DateTime<Utc>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was canceled.
    pub canceled_at: Option<DateTime<Utc>>,
    /// How much has been refunded so far.
    pub refunded: Amount,
    /// The status at the snapshot's instant.
    pub status: StatusMeaning,
}

/// The in-memory QRIS MPM payments of a mock provider. See the
/// [module documentation](self).
pub struct Ledger {
    config: LedgerConfig,
    book: Mutex<Book>,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("config", &self.config)
            .field("payments", &self.len())
            .finish()
    }
}

/// Where a payment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initiated,
    Paid { at: DateTime<Utc> },
    Canceled { at: DateTime<Utc> },
    Failed { at: DateTime<Utc> },
}

#[derive(Debug, Clone)]
struct RefundRecord {
    refund_no: String,
    partner_refund_no: String,
    amount: Money,
    at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Payment {
    reference_no: String,
    partner_reference_no: Option<String>,
    external_id: Option<String>,
    amount: Money,
    fee_amount: Money,
    terminal_id: Option<String>,
    qr_content: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    state: State,
    refunds: Vec<RefundRecord>,
}

/// What a query reports, derived from the state and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Initiated,
    Expired,
    Paid,
    PartlyRefunded,
    Refunded,
    Canceled,
    Failed,
}

impl Phase {
    fn meaning(self) -> StatusMeaning {
        match self {
            Self::Initiated => StatusMeaning::Initiated,
            Self::Expired | Self::Canceled => StatusMeaning::Canceled,
            Self::Paid => StatusMeaning::Success,
            Self::PartlyRefunded | Self::Refunded => StatusMeaning::Refunded,
            Self::Failed => StatusMeaning::Failed,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::Expired => "Expired",
            Self::PartlyRefunded => "Partially Refunded",
            other => other.meaning().description(),
        }
    }
}

impl Payment {
    fn refunded_minor(&self) -> u64 {
        self.refunds
            .iter()
            .map(|r| r.amount.value.minor_units())
            .sum()
    }

    fn phase(&self, now: DateTime<Utc>) -> Phase {
        match self.state {
            State::Initiated if now >= self.expires_at => Phase::Expired,
            State::Initiated => Phase::Initiated,
            State::Paid { .. } if self.refunds.is_empty() => Phase::Paid,
            State::Paid { .. } if self.refunded_minor() >= self.amount.value.minor_units() => {
                Phase::Refunded
            }
            State::Paid { .. } => Phase::PartlyRefunded,
            State::Canceled { .. } => Phase::Canceled,
            State::Failed { .. } => Phase::Failed,
        }
    }
}

/// The payments and their indexes.
#[derive(Debug, Default)]
struct Book {
    payments: HashMap<String, Payment>,
    by_partner_reference: HashMap<String, String>,
    by_external_id: HashMap<String, String>,
    /// `partnerRefundNo` → `referenceNo` of the payment it refunded.
    by_partner_refund: HashMap<String, String>,
    refund_nos: HashSet<String>,
    /// `referenceNo`s, oldest first, for eviction.
    order: VecDeque<String>,
}

impl Book {
    fn remove_oldest(&mut self) {
        let Some(reference_no) = self.order.pop_front() else {
            return;
        };
        let Some(payment) = self.payments.remove(&reference_no) else {
            return;
        };
        if let Some(partner) = &payment.partner_reference_no {
            self.by_partner_reference.remove(partner);
        }
        if let Some(external) = &payment.external_id {
            self.by_external_id.remove(external);
        }
        for refund in &payment.refunds {
            self.by_partner_refund.remove(&refund.partner_refund_no);
            self.refund_nos.remove(&refund.refund_no);
        }
    }

    /// The payment named by every identifier given (at least one must be).
    fn resolve(&self, ids: Identifiers<'_>) -> Result<&str, Reject> {
        let candidates = [
            ids.reference_no
                .map(|r| self.payments.get_key_value(r).map(|(k, _)| k)),
            ids.partner_reference_no
                .map(|p| self.by_partner_reference.get(p)),
            ids.external_id.map(|e| self.by_external_id.get(e)),
        ];
        let mut found: Option<&String> = None;
        for candidate in candidates.into_iter().flatten() {
            match (candidate, found) {
                (None, _) => return Err(Reject::new(CaseCode::TransactionNotFound)),
                (Some(reference), Some(previous)) if reference != previous => {
                    return Err(Reject::new(CaseCode::TransactionNotFound));
                }
                (Some(reference), _) => found = Some(reference),
            }
        }
        found
            .map(String::as_str)
            .ok_or_else(|| Reject::mandatory("originalReferenceNo"))
    }
}

/// The identifiers a request names a payment by.
#[derive(Debug, Clone, Copy)]
struct Identifiers<'a> {
    reference_no: Option<&'a str>,
    partner_reference_no: Option<&'a str>,
    external_id: Option<&'a str>,
}

/// A refusal: the §6.2 case and the field or reason for its placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reject {
    case: CaseCode,
    detail: Option<&'static str>,
}

impl Reject {
    fn new(case: CaseCode) -> Self {
        Self { case, detail: None }
    }

    fn format(field: &'static str) -> Self {
        Self {
            case: CaseCode::InvalidFieldFormat,
            detail: Some(field),
        }
    }

    fn mandatory(field: &'static str) -> Self {
        Self {
            case: CaseCode::InvalidMandatoryField,
            detail: Some(field),
        }
    }

    fn message(&self) -> String {
        match self.detail {
            Some(detail) => self.case.message_with(detail),
            None => self.case.message().to_owned(),
        }
    }

    fn into_response<R: ServiceRequest>(self) -> R::Response {
        R::reply(self.case, self.message())
    }
}

/// An optional text field: absent, or 1..=`max` characters.
fn optional_text(field: &'static str, value: Option<&str>, max: usize) -> Result<(), Reject> {
    match value {
        Some(v) if v.is_empty() || v.chars().count() > max => Err(Reject::format(field)),
        _ => Ok(()),
    }
}

/// A mandatory text field: 1..=`max` characters.
fn mandatory_text(field: &'static str, value: &str, max: usize) -> Result<(), Reject> {
    if value.is_empty() || value.chars().count() > max {
        Err(Reject::mandatory(field))
    } else {
        Ok(())
    }
}

/// An id the caller minted (`referenceNo`, `refundNo`): 1..=64 characters.
fn minted_id(value: &str) -> Result<(), Reject> {
    if value.is_empty() || value.chars().count() > 64 {
        Err(Reject::new(CaseCode::GeneralError))
    } else {
        Ok(())
    }
}

/// A value usable as a QR label: short printable ASCII, else left out.
fn qr_label(value: Option<&str>) -> Option<String> {
    value
        .filter(|v| v.len() <= QR_LABEL_MAX && v.bytes().all(|b| (0x20..=0x7e).contains(&b)))
        .map(str::to_owned)
}

impl Ledger {
    /// An empty ledger.
    pub fn new(config: LedgerConfig) -> Self {
        Self {
            config,
            book: Mutex::new(Book::default()),
        }
    }

    /// The settings.
    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    /// How many payments are held.
    pub fn len(&self) -> usize {
        self.lock().payments.len()
    }

    /// Whether no payment is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Book> {
        // Nothing panics while the lock is held, so a poisoned book is still
        // consistent; recover rather than propagate.
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn timestamp(&self, instant: DateTime<Utc>) -> String {
        self.config.timestamp_format.format(instant).into_string()
    }

    fn status_code(&self, meaning: StatusMeaning) -> TransactionStatus {
        // The ledger only reports meanings that both dialects define, so the
        // fallbacks are unreachable; they keep this path panic-free.
        self.config
            .status_dialect
            .status_for(meaning)
            .or_else(|| StatusDialect::Standard.status_for(meaning))
            .unwrap_or(TransactionStatus::PENDING)
    }

    fn check_money(
        &self,
        money: &Money,
        value_field: &'static str,
        currency_field: &'static str,
    ) -> Result<(), Reject> {
        if money.currency != self.config.currency {
            return Err(Reject::format(currency_field));
        }
        if !money.value.is_canonical() {
            return Err(Reject::format(value_field));
        }
        Ok(())
    }

    fn check_merchant(&self, merchant_id: Option<&str>) -> Result<(), Reject> {
        match (self.config.merchant_id.as_deref(), merchant_id) {
            (Some(expected), Some(given)) if expected != given => {
                Err(Reject::new(CaseCode::InvalidMerchant))
            }
            _ => Ok(()),
        }
    }

    /// Generate QR MPM (service 47): creates an unpaid payment with the id
    /// `reference_no` (minted by the caller) and a dynamic QRIS payload.
    ///
    /// `amount` is required (a dynamic QR needs one), in the configured
    /// currency, with exactly two decimals, above zero and at most
    /// [`LedgerConfig::max_amount`]. `validityPeriod`, if given, must be a
    /// future RFC 3339 time.
    pub fn generate(
        &self,
        request: &QrMpmGenerateRequest,
        call: &CallContext,
        reference_no: &str,
    ) -> QrMpmGenerateResponse {
        self.try_generate(request, call, reference_no)
            .unwrap_or_else(Reject::into_response::<QrMpmGenerateRequest>)
    }

    fn try_generate(
        &self,
        request: &QrMpmGenerateRequest,
        call: &CallContext,
        reference_no: &str,
    ) -> Result<QrMpmGenerateResponse, Reject> {
        let partner_reference_no = request.partner_reference_no.as_deref();
        optional_text("partnerReferenceNo", partner_reference_no, 64)?;
        optional_text("merchantId", request.merchant_id.as_deref(), 64)?;
        optional_text("subMerchantId", request.sub_merchant_id.as_deref(), 32)?;
        optional_text("storeId", request.store_id.as_deref(), 64)?;
        optional_text("terminalId", request.terminal_id.as_deref(), 16)?;
        let amount = request
            .amount
            .as_ref()
            .ok_or_else(|| Reject::mandatory("amount"))?;
        self.check_money(amount, "amount.value", "amount.currency")?;
        let fee_amount = match &request.fee_amount {
            Some(fee) => {
                self.check_money(fee, "feeAmount.value", "feeAmount.currency")?;
                fee.clone()
            }
            None => Money::new(Amount::zero(), self.config.currency),
        };
        let expires_at = match request.validity_period.as_deref() {
            Some(text) => {
                let until = Timestamp::parse(text)
                    .ok()
                    .filter(|_| text.chars().count() <= 25)
                    .map(|t| t.instant().with_timezone(&Utc))
                    .ok_or_else(|| Reject::format("validityPeriod"))?;
                if until <= call.now {
                    return Err(Reject::format("validityPeriod"));
                }
                until
            }
            None => call.now + self.config.default_validity,
        };
        if amount.value.is_zero() {
            return Err(Reject::new(CaseCode::InvalidAmount));
        }
        if amount.value > self.config.max_amount {
            return Err(Reject::new(CaseCode::ExceedsTransactionAmountLimit));
        }
        self.check_merchant(request.merchant_id.as_deref())?;
        minted_id(reference_no)?;

        let labels = AdditionalData {
            bill_number: qr_label(partner_reference_no),
            reference_label: qr_label(Some(reference_no)),
            terminal_label: qr_label(request.terminal_id.as_deref()),
        };
        let qr_content = self
            .config
            .merchant
            .dynamic_payload(&amount.value, &labels)
            .map_err(|_| Reject::new(CaseCode::GeneralError))?;

        let mut book = self.lock();
        if let Some(partner) = partner_reference_no
            && book.by_partner_reference.contains_key(partner)
        {
            return Err(Reject::new(CaseCode::DuplicatePartnerReferenceNo));
        }
        if let Some(external) = call.external_id.as_deref()
            && book.by_external_id.contains_key(external)
        {
            return Err(Reject::new(CaseCode::Conflict));
        }
        if book.payments.contains_key(reference_no) {
            return Err(Reject::new(CaseCode::GeneralError));
        }
        while book.payments.len() >= self.config.capacity && !book.order.is_empty() {
            book.remove_oldest();
        }
        let payment = Payment {
            reference_no: reference_no.to_owned(),
            partner_reference_no: partner_reference_no.map(str::to_owned),
            external_id: call.external_id.clone(),
            amount: amount.clone(),
            fee_amount,
            terminal_id: request.terminal_id.clone(),
            qr_content: qr_content.clone(),
            created_at: call.now,
            expires_at,
            state: State::Initiated,
            refunds: Vec::new(),
        };
        if let Some(partner) = &payment.partner_reference_no {
            book.by_partner_reference
                .insert(partner.clone(), reference_no.to_owned());
        }
        if let Some(external) = &payment.external_id {
            book.by_external_id
                .insert(external.clone(), reference_no.to_owned());
        }
        book.order.push_back(reference_no.to_owned());
        book.payments.insert(reference_no.to_owned(), payment);
        drop(book);

        let mut response =
            QrMpmGenerateRequest::reply(CaseCode::Successful, CaseCode::Successful.message());
        response.reference_no = Some(reference_no.to_owned());
        response.partner_reference_no = request.partner_reference_no.clone();
        response.qr_content = Some(qr_content);
        response.merchant_name = Some(self.config.merchant.name.clone());
        response.store_id = request.store_id.clone();
        response.terminal_id = request.terminal_id.clone();
        Ok(response)
    }

    /// Query Payment (service 51): the status of a payment named by any of
    /// `originalReferenceNo`, `originalPartnerReferenceNo`,
    /// `originalExternalId` (all that are given must name the same payment).
    ///
    /// `serviceCode` must be two digits; its value is echoed, not checked
    /// (the standard sends `47`, Paydia `51`, BRI `17`). An unpaid payment
    /// past its validity reports `05` with `transactionStatusDesc` `Expired`.
    pub fn query(&self, request: &QrMpmQueryRequest, call: &CallContext) -> QrMpmQueryResponse {
        self.try_query(request, call)
            .unwrap_or_else(Reject::into_response::<QrMpmQueryRequest>)
    }

    fn try_query(
        &self,
        request: &QrMpmQueryRequest,
        call: &CallContext,
    ) -> Result<QrMpmQueryResponse, Reject> {
        let code = request.service_code.as_bytes();
        if code.len() != 2 || !code.iter().all(u8::is_ascii_digit) {
            return Err(Reject::mandatory("serviceCode"));
        }
        let ids = Identifiers {
            reference_no: request.original_reference_no.as_deref(),
            partner_reference_no: request.original_partner_reference_no.as_deref(),
            external_id: request.original_external_id.as_deref(),
        };
        check_identifiers(ids)?;
        optional_text("merchantId", request.merchant_id.as_deref(), 64)?;
        optional_text("subMerchantId", request.sub_merchant_id.as_deref(), 32)?;
        optional_text("externalStoreId", request.external_store_id.as_deref(), 64)?;
        self.check_merchant(request.merchant_id.as_deref())?;

        let book = self.lock();
        let reference_no = book.resolve(ids)?;
        let payment = book
            .payments
            .get(reference_no)
            .ok_or_else(|| Reject::new(CaseCode::TransactionNotFound))?;
        let phase = payment.phase(call.now);
        let mut response =
            QrMpmQueryRequest::reply(CaseCode::Successful, CaseCode::Successful.message());
        response.original_reference_no = Some(payment.reference_no.clone());
        response.original_partner_reference_no = payment.partner_reference_no.clone();
        response.original_external_id = payment.external_id.clone();
        response.service_code = Some(request.service_code.clone());
        response.latest_transaction_status = Some(self.status_code(phase.meaning()));
        response.transaction_status_desc = Some(phase.description().to_owned());
        if let State::Paid { at } = payment.state {
            response.paid_time = Some(self.timestamp(at));
        }
        response.amount = Some(payment.amount.clone());
        response.fee_amount = Some(payment.fee_amount.clone());
        response.terminal_id = payment.terminal_id.clone();
        Ok(response)
    }

    /// Cancel (service 77): closes an unpaid payment (also one past its
    /// validity). Canceling a canceled payment succeeds again with the
    /// original `cancelTime`; a paid or failed one is refused (`405xx01`).
    /// `amount`, if given, must equal the payment's.
    pub fn cancel(&self, request: &QrMpmCancelRequest, call: &CallContext) -> QrMpmCancelResponse {
        self.try_cancel(request, call)
            .unwrap_or_else(Reject::into_response::<QrMpmCancelRequest>)
    }

    fn try_cancel(
        &self,
        request: &QrMpmCancelRequest,
        call: &CallContext,
    ) -> Result<QrMpmCancelResponse, Reject> {
        mandatory_text("merchantId", &request.merchant_id, 64)?;
        mandatory_text("reason", &request.reason, 256)?;
        let ids = Identifiers {
            reference_no: request.original_reference_no.as_deref(),
            partner_reference_no: request.original_partner_reference_no.as_deref(),
            external_id: request.original_external_id.as_deref(),
        };
        check_identifiers(ids)?;
        optional_text("subMerchantId", request.sub_merchant_id.as_deref(), 32)?;
        optional_text("externalStoreId", request.external_store_id.as_deref(), 64)?;
        if let Some(amount) = &request.amount {
            self.check_money(amount, "amount.value", "amount.currency")?;
        }
        self.check_merchant(Some(&request.merchant_id))?;

        let mut book = self.lock();
        let reference_no = book.resolve(ids)?.to_owned();
        let payment = book
            .payments
            .get_mut(&reference_no)
            .ok_or_else(|| Reject::new(CaseCode::TransactionNotFound))?;
        if request
            .amount
            .as_ref()
            .is_some_and(|amount| *amount != payment.amount)
        {
            return Err(Reject::new(CaseCode::InvalidAmount));
        }
        let canceled_at = match payment.state {
            State::Initiated => {
                payment.state = State::Canceled { at: call.now };
                call.now
            }
            State::Canceled { at } => at,
            State::Paid { .. } | State::Failed { .. } => {
                return Err(Reject::new(CaseCode::RequestedOperationNotAllowed));
            }
        };
        let mut response =
            QrMpmCancelRequest::reply(CaseCode::Successful, CaseCode::Successful.message());
        response.original_reference_no = Some(payment.reference_no.clone());
        response.original_partner_reference_no = payment.partner_reference_no.clone();
        response.cancel_time = Some(self.timestamp(canceled_at));
        response.transaction_date = Some(self.timestamp(payment.created_at));
        Ok(response)
    }

    /// Refund (service 78): refunds `refundAmount` (or everything not yet
    /// refunded) of a paid payment, under the id `refund_no` (minted by the
    /// caller).
    ///
    /// A repeated `partnerRefundNo` for the same payment and amount answers
    /// the original refund again (same `refundNo` and `refundTime`); reused
    /// for anything else it is `404xx18` Inconsistent Request.
    pub fn refund(
        &self,
        request: &QrMpmRefundRequest,
        call: &CallContext,
        refund_no: &str,
    ) -> QrMpmRefundResponse {
        self.try_refund(request, call, refund_no)
            .unwrap_or_else(Reject::into_response::<QrMpmRefundRequest>)
    }

    fn try_refund(
        &self,
        request: &QrMpmRefundRequest,
        call: &CallContext,
        refund_no: &str,
    ) -> Result<QrMpmRefundResponse, Reject> {
        mandatory_text(
            "originalPartnerReferenceNo",
            &request.original_partner_reference_no,
            64,
        )?;
        mandatory_text("partnerRefundNo", &request.partner_refund_no, 64)?;
        optional_text(
            "originalReferenceNo",
            request.original_reference_no.as_deref(),
            64,
        )?;
        optional_text(
            "originalExternalId",
            request.original_external_id.as_deref(),
            ORIGINAL_EXTERNAL_ID_MAX_LENGTH,
        )?;
        optional_text("merchantId", request.merchant_id.as_deref(), 64)?;
        optional_text("subMerchantId", request.sub_merchant_id.as_deref(), 32)?;
        optional_text("externalStoreId", request.external_store_id.as_deref(), 64)?;
        optional_text("reason", request.reason.as_deref(), 256)?;
        if let Some(amount) = &request.refund_amount {
            self.check_money(amount, "refundAmount.value", "refundAmount.currency")?;
        }
        self.check_merchant(request.merchant_id.as_deref())?;
        minted_id(refund_no)?;

        let ids = Identifiers {
            reference_no: request.original_reference_no.as_deref(),
            partner_reference_no: Some(&request.original_partner_reference_no),
            external_id: request.original_external_id.as_deref(),
        };
        let mut book = self.lock();
        let reference_no = book.resolve(ids)?.to_owned();

        if let Some(previous) = book.by_partner_refund.get(&request.partner_refund_no) {
            let replay = (*previous == reference_no)
                .then(|| book.payments.get(&reference_no))
                .flatten()
                .and_then(|payment| {
                    payment
                        .refunds
                        .iter()
                        .find(|r| r.partner_refund_no == request.partner_refund_no)
                        .filter(|r| {
                            request
                                .refund_amount
                                .as_ref()
                                .is_none_or(|amount| *amount == r.amount)
                        })
                        .map(|r| (payment, r))
                });
            return match replay {
                Some((payment, record)) => Ok(self.refund_response(payment, record)),
                None => Err(Reject::new(CaseCode::InconsistentRequest)),
            };
        }
        if book.refund_nos.contains(refund_no) {
            return Err(Reject::new(CaseCode::GeneralError));
        }

        let payment = book
            .payments
            .get_mut(&reference_no)
            .ok_or_else(|| Reject::new(CaseCode::TransactionNotFound))?;
        if !matches!(payment.state, State::Paid { .. }) {
            return Err(Reject::new(CaseCode::RequestedOperationNotAllowed));
        }
        if payment.refunds.len() >= MAX_REFUNDS_PER_PAYMENT {
            return Err(Reject::new(CaseCode::ActivityCountLimitExceeded));
        }
        let remaining = payment
            .amount
            .value
            .minor_units()
            .saturating_sub(payment.refunded_minor());
        let requested = match &request.refund_amount {
            Some(amount) => amount.value.minor_units(),
            None => remaining,
        };
        if requested == 0 || requested > remaining {
            return Err(Reject::new(CaseCode::InvalidAmount));
        }
        let amount = Amount::from_minor_units(requested)
            .map_err(|_| Reject::new(CaseCode::InvalidAmount))?;
        let record = RefundRecord {
            refund_no: refund_no.to_owned(),
            partner_refund_no: request.partner_refund_no.clone(),
            amount: Money::new(amount, payment.amount.currency),
            at: call.now,
        };
        payment.refunds.push(record.clone());
        let response = self.refund_response(payment, &record);
        book.by_partner_refund
            .insert(record.partner_refund_no, reference_no);
        book.refund_nos.insert(record.refund_no);
        Ok(response)
    }

    fn refund_response(&self, payment: &Payment, record: &RefundRecord) -> QrMpmRefundResponse {
        let mut response =
            QrMpmRefundRequest::reply(CaseCode::Successful, CaseCode::Successful.message());
        response.original_partner_reference_no = payment.partner_reference_no.clone();
        response.original_reference_no = Some(payment.reference_no.clone());
        response.original_external_id = payment.external_id.clone();
        response.refund_no = Some(record.refund_no.clone());
        response.partner_refund_no = Some(record.partner_refund_no.clone());
        response.refund_amount = Some(record.amount.clone());
        response.refund_time = Some(self.timestamp(record.at));
        response
    }

    /// The trigger "the customer paid": marks the payment named by
    /// `reference` (its `referenceNo`, else its `partnerReferenceNo`) paid at
    /// `call.now` and returns the Payment Notification body to send to the
    /// merchant.
    ///
    /// # Errors
    /// [`TriggerError`] if there is no such payment, or it is already paid,
    /// canceled, failed or expired.
    pub fn mark_paid(
        &self,
        reference: &str,
        call: &CallContext,
    ) -> Result<QrMpmNotifyRequest, TriggerError> {
        self.trigger(reference, call, State::Paid { at: call.now })
    }

    /// The trigger "the payment failed" (for testing a merchant's failure
    /// path): like [`mark_paid`](Self::mark_paid), but the payment becomes
    /// Failed (`06` in the standard dialect, `07` in Paydia's).
    ///
    /// # Errors
    /// As [`mark_paid`](Self::mark_paid).
    pub fn mark_failed(
        &self,
        reference: &str,
        call: &CallContext,
    ) -> Result<QrMpmNotifyRequest, TriggerError> {
        self.trigger(reference, call, State::Failed { at: call.now })
    }

    fn trigger(
        &self,
        reference: &str,
        call: &CallContext,
        next: State,
    ) -> Result<QrMpmNotifyRequest, TriggerError> {
        let mut book = self.lock();
        let key = find_reference(&book, reference).ok_or_else(|| TriggerError::NotFound {
            reference: reference.to_owned(),
        })?;
        let payment = book
            .payments
            .get_mut(&key)
            .ok_or_else(|| TriggerError::NotFound {
                reference: reference.to_owned(),
            })?;
        let reference_no = payment.reference_no.clone();
        match payment.state {
            State::Paid { .. } => return Err(TriggerError::AlreadyPaid { reference_no }),
            State::Canceled { .. } => return Err(TriggerError::Canceled { reference_no }),
            State::Failed { .. } => return Err(TriggerError::Failed { reference_no }),
            State::Initiated if call.now >= payment.expires_at => {
                return Err(TriggerError::Expired { reference_no });
            }
            State::Initiated => payment.state = next,
        }
        Ok(self.notification_for(payment, call.now))
    }

    fn notification_for(&self, payment: &Payment, now: DateTime<Utc>) -> QrMpmNotifyRequest {
        let phase = payment.phase(now);
        let mut notify = QrMpmNotifyRequest::new(
            payment.reference_no.clone(),
            self.status_code(phase.meaning()),
        );
        notify.original_partner_reference_no = payment.partner_reference_no.clone();
        notify.transaction_status_desc = Some(phase.description().to_owned());
        notify.amount = Some(payment.amount.clone());
        notify
    }

    /// The Payment Notification body describing the payment's current status
    /// (to send again after a failed delivery), or `None` if there is no such
    /// payment. `reference` is a `referenceNo` or `partnerReferenceNo`.
    pub fn notification(&self, reference: &str, now: DateTime<Utc>) -> Option<QrMpmNotifyRequest> {
        let book = self.lock();
        let key = find_reference(&book, reference)?;
        book.payments
            .get(&key)
            .map(|payment| self.notification_for(payment, now))
    }

    /// A copy of the payment named by `reference` (`referenceNo` or
    /// `partnerReferenceNo`) with its status at `now`.
    pub fn payment(&self, reference: &str, now: DateTime<Utc>) -> Option<PaymentSnapshot> {
        let book = self.lock();
        let key = find_reference(&book, reference)?;
        let payment = book.payments.get(&key)?;
        let refunded = Amount::from_minor_units(payment.refunded_minor()).ok()?;
        Some(PaymentSnapshot {
            reference_no: payment.reference_no.clone(),
            partner_reference_no: payment.partner_reference_no.clone(),
            external_id: payment.external_id.clone(),
            amount: payment.amount.clone(),
            fee_amount: payment.fee_amount.clone(),
            qr_content: payment.qr_content.clone(),
            created_at: payment.created_at,
            expires_at: payment.expires_at,
            paid_at: match payment.state {
                State::Paid { at } => Some(at),
                _ => None,
            },
            canceled_at: match payment.state {
                State::Canceled { at } => Some(at),
                _ => None,
            },
            refunded,
            status: payment.phase(now).meaning(),
        })
    }
}

/// The `referenceNo` for a `referenceNo` or `partnerReferenceNo`.
fn find_reference(book: &Book, reference: &str) -> Option<String> {
    if book.payments.contains_key(reference) {
        return Some(reference.to_owned());
    }
    book.by_partner_reference.get(reference).cloned()
}

/// At least one identifier, each within its length.
fn check_identifiers(ids: Identifiers<'_>) -> Result<(), Reject> {
    optional_text("originalReferenceNo", ids.reference_no, 64)?;
    optional_text("originalPartnerReferenceNo", ids.partner_reference_no, 64)?;
    optional_text(
        "originalExternalId",
        ids.external_id,
        ORIGINAL_EXTERNAL_ID_MAX_LENGTH,
    )?;
    if ids.reference_no.is_none() && ids.partner_reference_no.is_none() && ids.external_id.is_none()
    {
        return Err(Reject::mandatory("originalReferenceNo"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
