//! [`ExplainRejections`]: a [`SignatureRejectionHook`] that answers a bad
//! signature with what the sender did differently, using the keys the
//! partner directory already holds.
//!
//! It runs the [`Explainer`] (the search behind `snap-bi explain`) on the
//! rejected request with the partner's keyed HMAC state and RSA verifier,
//! under the layer's profile, and answers `Unauthorized. [Signature]`
//! followed by the diagnosis, clipped to SNAP's 150 characters. Turn it on
//! with [`VerifyLayerBuilder::explain_rejections`](super::VerifyLayerBuilder::explain_rejections);
//! give [`signature_rejection_hook`](super::VerifyLayerBuilder::signature_rejection_hook)
//! an instance to change the search bounds.

use http::{HeaderMap, HeaderValue};

use crate::explain::{CapturedRequest, Explainer};
use crate::headers;
use crate::profile::TransactionSignature;

use super::{SignatureFailure, SignatureRejectionHook};

/// The longest `responseMessage` SNAP allows.
pub const MAX_RESPONSE_MESSAGE: usize = 150;

/// Explains rejected signatures in the `responseMessage`: `Unauthorized.
/// [Signature]` followed by what the sender did differently, clipped to
/// [`MAX_RESPONSE_MESSAGE`] characters. The [`Explainer`] (the search behind
/// `snap-bi explain`) runs with the partner's own keyed HMAC state and RSA
/// verifier, under the layer's profile. Turn it on with
/// [`VerifyLayerBuilder::explain_rejections`](super::VerifyLayerBuilder::explain_rejections);
/// pass an instance to
/// [`signature_rejection_hook`](super::VerifyLayerBuilder::signature_rejection_hook)
/// for other search bounds.
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::{BodyExt, Full};
/// use snap_bi::server::{Partner, StaticPartners, VerifyLayer};
/// use snap_bi::timestamp::{FixedClock, TimestampFormat};
/// use snap_bi::{headers, BodyPolicy, CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};
/// use tower::{Layer, ServiceExt};
///
/// let secret = ClientSecret::new("s3cret")?;
/// let partners = StaticPartners::builder()
///     .partner(Partner::new("partner-01").with_client_secret(&secret))
///     .build()?;
/// let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+07:00")?.to_utc();
/// let layer = VerifyLayer::builder(partners)
///     .without_token_check()
///     .clock(FixedClock(now))
///     .explain_rejections()
///     .build()?;
/// let service = layer.layer(tower::service_fn(|_req: http::Request<Full<Bytes>>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::new())))
/// }));
///
/// // A sender that hashed the body as it was, without minifying it.
/// let body = br#"{ "originalReferenceNo": "A1" }"#;
/// let timestamp = TimestampFormat::JakartaSeconds.format(now);
/// let raw = CanonicalBody::new(body, BodyPolicy::Raw)?;
/// let parts = TransactionParts::new("POST", "/v1.0/qr/qr-mpm-query", &raw, timestamp.as_str());
/// let signature = SymmetricSigner::new(&secret).sign(&parts, "any-token");
/// let request = http::Request::post("/v1.0/qr/qr-mpm-query")
///     .header(headers::X_TIMESTAMP, timestamp.as_str())
///     .header(headers::X_SIGNATURE, signature.as_str())
///     .header(headers::X_PARTNER_ID, "partner-01")
///     .header(headers::X_EXTERNAL_ID, "1")
///     .header(headers::CHANNEL_ID, "95221")
///     .header(headers::AUTHORIZATION, "Bearer any-token")
///     .body(Full::new(Bytes::from_static(body)))?;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let answer = service.oneshot(request).await?;
/// assert_eq!(answer.status(), 401);
/// let json = answer.into_body().collect().await?.to_bytes();
/// assert_eq!(
///     json.as_ref(),
///     br#"{"responseCode":"4015100","responseMessage":"Unauthorized. [Signature] the body hash is over the raw, un-minified bytes"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
///
/// The search is bounded: by default at most
/// [`DEFAULT_SYMMETRIC_ATTEMPTS`](Self::DEFAULT_SYMMETRIC_ATTEMPTS) HMACs
/// (about a microsecond each) or
/// [`DEFAULT_ASYMMETRIC_ATTEMPTS`](Self::DEFAULT_ASYMMETRIC_ATTEMPTS) RSA
/// verifications (tens of microseconds each) per rejected request, so
/// forged requests cannot buy much CPU.
#[derive(Debug, Clone)]
pub struct ExplainRejections {
    symmetric_attempts: usize,
    asymmetric_attempts: usize,
}

impl Default for ExplainRejections {
    fn default() -> Self {
        Self::new()
    }
}

impl ExplainRejections {
    /// Default bound on the variants tried for an HMAC signature.
    pub const DEFAULT_SYMMETRIC_ATTEMPTS: usize = crate::explain::DEFAULT_MAX_ATTEMPTS;
    /// Default bound on the variants tried for an RSA signature.
    pub const DEFAULT_ASYMMETRIC_ATTEMPTS: usize = 256;

    /// The default bounds.
    #[must_use]
    pub fn new() -> Self {
        Self {
            symmetric_attempts: Self::DEFAULT_SYMMETRIC_ATTEMPTS,
            asymmetric_attempts: Self::DEFAULT_ASYMMETRIC_ATTEMPTS,
        }
    }

    /// At most `attempts` variants for an HMAC (symmetric) signature.
    #[must_use]
    pub fn symmetric_attempts(mut self, attempts: usize) -> Self {
        self.symmetric_attempts = attempts;
        self
    }

    /// At most `attempts` variants for an RSA (asymmetric) signature.
    #[must_use]
    pub fn asymmetric_attempts(mut self, attempts: usize) -> Self {
        self.asymmetric_attempts = attempts;
        self
    }

    fn diagnose(&self, failure: &SignatureFailure<'_>) -> Option<String> {
        let attempts = match failure.profile.transaction_signature() {
            TransactionSignature::Asymmetric => self.asymmetric_attempts,
            _ => self.symmetric_attempts,
        };
        let mut explainer = Explainer::new()
            .profile(failure.profile.clone())
            .max_attempts(attempts);
        if let Some(signer) = failure.partner.symmetric() {
            explainer = explainer.symmetric_signer(signer.clone());
        }
        if let Some(verifier) = failure.partner.asymmetric() {
            explainer = explainer.verifier(verifier.clone());
        }
        // The layer has already read these headers; the explainer wants them
        // as a captured request does.
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(
            headers::X_TIMESTAMP,
            HeaderValue::from_str(failure.timestamp).ok()?,
        );
        let mut signature = HeaderValue::from_str(failure.signature).ok()?;
        signature.set_sensitive(true);
        headers.insert(headers::X_SIGNATURE, signature);
        if let Some(token) = failure.access_token {
            let mut bearer = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
            bearer.set_sensitive(true);
            headers.insert(headers::AUTHORIZATION, bearer);
        }
        let request = CapturedRequest::new(
            failure.method,
            failure.request_target,
            &headers,
            failure.raw_body,
        );
        let diagnosis = explainer.explain(&request).ok()?;
        Some(clip(diagnosis.rejection_message(), MAX_RESPONSE_MESSAGE))
    }
}

impl SignatureRejectionHook for ExplainRejections {
    fn message(&self, failure: &SignatureFailure<'_>) -> Option<String> {
        self.diagnose(failure)
    }
}

/// `message` cut to at most `max` characters, ending in `...` when cut.
fn clip(mut message: String, max: usize) -> String {
    if message.chars().count() <= max {
        return message;
    }
    const ELLIPSIS: &str = "...";
    let keep = max.saturating_sub(ELLIPSIS.len());
    let cut = message
        .char_indices()
        .nth(keep)
        .map_or(message.len(), |(at, _)| at);
    message.truncate(cut);
    message.push_str(ELLIPSIS);
    message
}

#[cfg(test)]
mod tests;
