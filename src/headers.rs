//! Names of the SNAP HTTP headers.
//!
//! All are lower-case `http::HeaderName` constants (HTTP/1.1 header names are
//! case-insensitive; `http` normalises them to lower case). `Authorization`
//! and `Content-Type` are the standard ones from [`http::header`], re-exported
//! so one import covers every header a SNAP call carries.
//!
//! ```
//! use snap_bi::headers;
//!
//! assert_eq!(headers::X_SIGNATURE.as_str(), "x-signature");
//! let mut map = http::HeaderMap::new();
//! map.insert(headers::X_PARTNER_ID, http::HeaderValue::from_static("partner-01"));
//! assert_eq!(map["X-PARTNER-ID"], "partner-01");
//! ```

use http::HeaderName;

pub use http::header::{AUTHORIZATION, CONTENT_TYPE};

/// `X-TIMESTAMP`: the request time; signed byte for byte.
pub const X_TIMESTAMP: HeaderName = HeaderName::from_static("x-timestamp");
/// `X-SIGNATURE`: the symmetric or asymmetric signature.
pub const X_SIGNATURE: HeaderName = HeaderName::from_static("x-signature");
/// `X-CLIENT-KEY`: the client id, on access-token requests.
pub const X_CLIENT_KEY: HeaderName = HeaderName::from_static("x-client-key");
/// `X-PARTNER-ID`: the partner id issued by the provider (String(36)).
pub const X_PARTNER_ID: HeaderName = HeaderName::from_static("x-partner-id");
/// `X-EXTERNAL-ID`: numeric message reference, unique per partner per day (String(36)).
pub const X_EXTERNAL_ID: HeaderName = HeaderName::from_static("x-external-id");
/// `CHANNEL-ID`: the provider's channel id (String(5)).
pub const CHANNEL_ID: HeaderName = HeaderName::from_static("channel-id");
/// `Authorization-Customer`: `Bearer <B2B2C customer token>`.
pub const AUTHORIZATION_CUSTOMER: HeaderName = HeaderName::from_static("authorization-customer");
/// `ORIGIN`: the partner's origin domain (optional).
pub const ORIGIN: HeaderName = HeaderName::from_static("origin");
/// `X-ORIGIN`: the spelling some samples use instead of `ORIGIN`.
pub const X_ORIGIN: HeaderName = HeaderName::from_static("x-origin");
/// `X-IP-ADDRESS`: the end user's IPv4 address (B2B2C, optional).
pub const X_IP_ADDRESS: HeaderName = HeaderName::from_static("x-ip-address");
/// `X-DEVICE-ID`: the end user's device id or user agent (B2B2C).
pub const X_DEVICE_ID: HeaderName = HeaderName::from_static("x-device-id");
/// `X-LATITUDE`: ISO 6709 `±DD.DDDD` (B2B2C, optional).
pub const X_LATITUDE: HeaderName = HeaderName::from_static("x-latitude");
/// `X-LONGITUDE`: ISO 6709 `±DDD.DDDD` (B2B2C, optional).
pub const X_LONGITUDE: HeaderName = HeaderName::from_static("x-longitude");

/// Every SNAP-specific header above, for iteration (logging filters, explain).
pub const ALL_SNAP: [HeaderName; 13] = [
    X_TIMESTAMP,
    X_SIGNATURE,
    X_CLIENT_KEY,
    X_PARTNER_ID,
    X_EXTERNAL_ID,
    CHANNEL_ID,
    AUTHORIZATION_CUSTOMER,
    ORIGIN,
    X_ORIGIN,
    X_IP_ADDRESS,
    X_DEVICE_ID,
    X_LATITUDE,
    X_LONGITUDE,
];

#[cfg(test)]
mod tests;
