//! The three SNAP string-to-sign shapes.
//!
//! | shape | used for | string |
//! |---|---|---|
//! | symmetric | transactions, HMAC-SHA512 | `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp` |
//! | asymmetric | DANA-style transactions, notifications, SHA256withRSA | `METHOD:EndpointUrl:bodyhash:Timestamp` |
//! | token | access-token requests, SHA256withRSA | `clientId\|Timestamp` |
//!
//! The access token goes in without `Bearer `, and the timestamp is the
//! `X-TIMESTAMP` header value byte for byte. Signers feed these pieces to the
//! MAC directly ([`TransactionParts::write_symmetric`]); the
//! [`StringToSign`] values are for display, debugging and RSA.
//!
//! ```
//! use snap_bi::body::CanonicalBody;
//! use snap_bi::minify::BodyPolicy;
//! use snap_bi::string_to_sign::{token_string_to_sign, TransactionParts};
//!
//! let body = CanonicalBody::new(b"", BodyPolicy::Minify)?;
//! let parts = TransactionParts::new("GET", "/v1.0/transfer-va/report?startDate=2024-01-01", &body, "2024-03-05T10:37:16+07:00");
//! assert_eq!(
//!     parts.symmetric_string_to_sign("Bearer myaccesstoken").as_str(),
//!     "GET:/v1.0/transfer-va/report?startDate=2024-01-01:myaccesstoken:\
//!      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:2024-03-05T10:37:16+07:00"
//! );
//! assert_eq!(
//!     token_string_to_sign("G1234325-SNAP", "2024-03-01T08:27:49.024Z").as_str(),
//!     "G1234325-SNAP|2024-03-01T08:27:49.024Z"
//! );
//! # Ok::<(), snap_bi::minify::MinifyError>(())
//! ```

use std::fmt;

use crate::body::{BodyDigest, BodySegment, CanonicalBody, EmptyBodyRule};

/// A finished string-to-sign.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StringToSign(String);

impl StringToSign {
    /// The string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string's bytes, which are what gets signed.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Takes the string out.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for StringToSign {
    // A symmetric string-to-sign contains the bearer token: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StringToSign(<{} bytes>)", self.0.len())
    }
}

impl fmt::Display for StringToSign {
    // Display is the explicit "show me" path (CLI --explain), so it prints in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<[u8]> for StringToSign {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Strips a leading `Bearer ` (any case) so callers may pass either the
/// header value or the bare token.
#[must_use]
pub fn bare_token(token: &str) -> &str {
    match token.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
        _ => token,
    }
}

/// The signed parts of a transaction (or notification) request.
#[derive(Debug, Clone, Copy)]
pub struct TransactionParts<'a> {
    method: &'a str,
    endpoint_url: &'a str,
    body: BodySegment<'a>,
    timestamp: &'a str,
}

impl<'a> TransactionParts<'a> {
    /// Collects the parts, using the standard [`EmptyBodyRule::HashOfEmpty`].
    ///
    /// `method` is the upper-case HTTP method, `endpoint_url` the relative
    /// URL chosen by an [`EndpointUrlPolicy`](crate::endpoint::EndpointUrlPolicy),
    /// `timestamp` the `X-TIMESTAMP` header value.
    #[must_use]
    pub fn new(
        method: &'a str,
        endpoint_url: &'a str,
        body: &'a CanonicalBody<'_>,
        timestamp: &'a str,
    ) -> Self {
        Self {
            method,
            endpoint_url,
            body: body.segment(EmptyBodyRule::HashOfEmpty),
            timestamp,
        }
    }

    /// Applies a provider's non-standard rule for requests without a body.
    /// Has no effect when there is a body.
    #[must_use]
    pub fn with_empty_body_rule(mut self, rule: EmptyBodyRule) -> Self {
        // Only the empty body has the empty-string digest (finding another
        // would be a SHA-256 preimage), so the digest identifies "no body";
        // `Empty` and `Omitted` mean "no body" already, so rules can be re-applied.
        let no_body = match self.body {
            BodySegment::Digest(d) => *d == BodyDigest::EMPTY,
            BodySegment::Empty | BodySegment::Omitted => true,
        };
        if no_body {
            self.body = match rule {
                EmptyBodyRule::HashOfEmpty => BodySegment::Digest(&BodyDigest::EMPTY),
                EmptyBodyRule::EmptySegment => BodySegment::Empty,
                EmptyBodyRule::DropSegment => BodySegment::Omitted,
            };
        }
        self
    }

    /// Sets the body-hash field directly.
    #[must_use]
    pub fn with_body_segment(mut self, segment: BodySegment<'a>) -> Self {
        self.body = segment;
        self
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The EndpointUrl.
    #[must_use]
    pub fn endpoint_url(&self) -> &'a str {
        self.endpoint_url
    }

    /// The body-hash field.
    #[must_use]
    pub fn body(&self) -> BodySegment<'a> {
        self.body
    }

    /// The timestamp.
    #[must_use]
    pub fn timestamp(&self) -> &'a str {
        self.timestamp
    }

    /// Feeds the symmetric string-to-sign to `sink` piece by piece, so a MAC
    /// can consume it without building the string.
    pub fn write_symmetric(&self, access_token: &str, sink: &mut impl FnMut(&[u8])) {
        self.write(Some(bare_token(access_token)), sink);
    }

    /// Like [`write_symmetric`](Self::write_symmetric), but puts `token` in the
    /// string exactly as given, `Bearer ` prefix included: for diagnosing senders
    /// that signed the header value.
    pub(crate) fn write_symmetric_verbatim(&self, token: &str, sink: &mut impl FnMut(&[u8])) {
        self.write(Some(token), sink);
    }

    /// Feeds the asymmetric string-to-sign to `sink` piece by piece.
    pub fn write_asymmetric(&self, sink: &mut impl FnMut(&[u8])) {
        self.write(None, sink);
    }

    fn write(&self, token: Option<&str>, sink: &mut impl FnMut(&[u8])) {
        sink(self.method.as_bytes());
        sink(b":");
        sink(self.endpoint_url.as_bytes());
        sink(b":");
        if let Some(token) = token {
            sink(token.as_bytes());
            sink(b":");
        }
        match self.body {
            BodySegment::Digest(d) => {
                sink(d.as_bytes());
                sink(b":");
            }
            BodySegment::Empty => sink(b":"),
            BodySegment::Omitted => {}
        }
        sink(self.timestamp.as_bytes());
    }

    fn collect(&self, token: Option<&str>) -> StringToSign {
        let mut out = Vec::with_capacity(
            self.method.len()
                + self.endpoint_url.len()
                + token.map_or(0, |t| t.len() + 1)
                + 64
                + self.timestamp.len()
                + 4,
        );
        self.write(token, &mut |piece| out.extend_from_slice(piece));
        // Every piece is a &str or ASCII hex, so the bytes are UTF-8.
        StringToSign(String::from_utf8(out).unwrap_or_default())
    }

    /// `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp`. A `Bearer ` prefix
    /// on `access_token` is dropped.
    #[must_use]
    pub fn symmetric_string_to_sign(&self, access_token: &str) -> StringToSign {
        self.collect(Some(bare_token(access_token)))
    }

    /// `METHOD:EndpointUrl:bodyhash:Timestamp`.
    #[must_use]
    pub fn asymmetric_string_to_sign(&self) -> StringToSign {
        self.collect(None)
    }
}

/// `clientId|Timestamp`, the string-to-sign of access-token requests.
#[must_use]
pub fn token_string_to_sign(client_id: &str, timestamp: &str) -> StringToSign {
    let mut s = String::with_capacity(client_id.len() + 1 + timestamp.len());
    s.push_str(client_id);
    s.push('|');
    s.push_str(timestamp);
    StringToSign(s)
}

#[cfg(test)]
mod tests;
