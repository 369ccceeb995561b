//! A mock SNAP provider for tests and local development.
//!
//! [`MockProvider`] (feature `hyper`, on by default) serves token issuance,
//! verified QRIS MPM endpoints and payment notifications on 127.0.0.1 or
//! in-process; `snap-bi serve-mock` runs it from the command line.
//!
//! [`ledger`] is the provider's pure state machine for QRIS MPM payments:
//! generate, query, cancel, refund and the "customer paid" trigger, each
//! answering with the typed [`qris`](crate::qris) bodies and the SNAP
//! `responseCode` a real provider would send. It does no IO and reads no
//! clock: time and generated ids are arguments, so every transition is
//! deterministic under test. An HTTP front end only has to parse bodies,
//! call the ledger and write the response.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use snap_bi::mock::ledger::{CallContext, Ledger, LedgerConfig};
//! use snap_bi::qris::{Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest, TransactionStatus};
//!
//! let ledger = Ledger::new(LedgerConfig::default());
//! let now = CallContext::at(Utc.with_ymd_and_hms(2024, 9, 10, 6, 0, 0).single().ok_or("no such time")?);
//!
//! let mut generate = QrMpmGenerateRequest::new();
//! generate.partner_reference_no = Some("INV-1".into());
//! generate.amount = Some(Money::idr(Amount::parse("12000.00")?));
//! let created = ledger.generate(&generate, &now, "PJP-0001");
//! assert_eq!(created.response_code.as_str(), "2004700");
//! assert!(created.qr_content.is_some());
//!
//! let notify = ledger.mark_paid("PJP-0001", &now)?;
//! assert_eq!(notify.latest_transaction_status, TransactionStatus::SUCCESS);
//!
//! let mut query = QrMpmQueryRequest::new("47");
//! query.original_partner_reference_no = Some("INV-1".into());
//! let status = ledger.query(&query, &now);
//! assert_eq!(status.latest_transaction_status, Some(TransactionStatus::SUCCESS));
//! assert_eq!(status.paid_time.as_deref(), Some("2024-09-10T13:00:00+07:00"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ledger;

#[cfg(all(feature = "hyper", any(feature = "fazz", feature = "kiriminaja")))]
mod deliver;

#[cfg(all(feature = "hyper", feature = "fazz"))]
pub mod fazz;
#[cfg(all(feature = "hyper", feature = "kiriminaja"))]
pub mod kiriminaja;
#[cfg(feature = "hyper")]
pub mod provider;
#[cfg(all(feature = "hyper", feature = "fazz"))]
pub use fazz::FazzMock;
#[cfg(all(feature = "hyper", feature = "kiriminaja"))]
pub use kiriminaja::KiriminAjaMock;
#[cfg(feature = "hyper")]
pub use provider::{MockBody, MockError, MockProvider, MockProviderBuilder, RunningMock};
#[cfg(feature = "hyper")]
pub mod serve;
#[cfg(feature = "hyper")]
pub use serve::ServeLimits;
