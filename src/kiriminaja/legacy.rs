//! The retired Instant payment endpoint of seed 001, as an explicit legacy
//! option.
//!
//! Until 2024 Instant payments were read with
//! `GET /open-api/v1/instants/payment/{payment_id}` on a separate host
//! ([`LEGACY_INSTANT_SANDBOX_BASE_URL`], [`LEGACY_INSTANT_PRODUCTION_BASE_URL`]),
//! with the same bearer key. KiriminAja removed it from its documents in
//! February 2024 and its SDKs moved to `POST /api/mitra/v2/get_payment`
//! ([`GetPaymentRequest`](super::GetPaymentRequest)); use this only for an
//! account that still depends on the old host. The answer has the same
//! `result` shape, so [`decode_get_payment`](super::decode_get_payment)
//! reads it.
//!
//! ```
//! use snap_bi::kiriminaja::legacy::{legacy_instant_payment_path, LEGACY_INSTANT_SANDBOX_BASE_URL};
//!
//! assert_eq!(legacy_instant_payment_path("PID-1683603627")?, "/open-api/v1/instants/payment/PID-1683603627");
//! assert_eq!(legacy_instant_payment_path("a/b?c")?, "/open-api/v1/instants/payment/a%2Fb%3Fc");
//! assert_eq!(LEGACY_INSTANT_SANDBOX_BASE_URL, "https://apieks-staging.kiriminaja.com");
//! # Ok::<(), snap_bi::kiriminaja::InvalidPaymentId>(())
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::InvalidPaymentId;
use super::payment::validate_payment_id;

/// The legacy Instant sandbox host (seed 001).
pub const LEGACY_INSTANT_SANDBOX_BASE_URL: &str = "https://apieks-staging.kiriminaja.com";

/// The legacy Instant production host.
pub const LEGACY_INSTANT_PRODUCTION_BASE_URL: &str = "https://api.kiriminaja.com";

/// The HTTP method of the legacy call.
pub const LEGACY_INSTANT_METHOD: http::Method = http::Method::GET;

/// Everything but the RFC 3986 unreserved characters is escaped in the id.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The path of the legacy Instant payment call, the id percent-encoded as
/// one path segment.
///
/// # Errors
/// [`InvalidPaymentId`] as for [`GetPaymentRequest::new`](super::GetPaymentRequest::new).
pub fn legacy_instant_payment_path(payment_id: &str) -> Result<String, InvalidPaymentId> {
    let id = validate_payment_id(payment_id.to_owned())?;
    Ok(format!(
        "/open-api/v1/instants/payment/{}",
        utf8_percent_encode(&id, PATH_SEGMENT)
    ))
}
