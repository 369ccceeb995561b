//! The sans-IO heart of the client side: given a request's method, target,
//! headers and body bytes, a token and an instant, produce the exact bytes
//! to send and every SNAP header. No clock is read and no network is touched
//! here; the Tower layer and the reqwest adapters only gather inputs and
//! apply the result.

use std::cell::RefCell;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

use crate::asymmetric::AsymmetricSigner;
use crate::body::CanonicalBody;
use crate::endpoint::endpoint_url;
use crate::external_id::ExternalIdGenerator;
use crate::headers as names;
use crate::keys::RsaPrivateKey;
use crate::profile::{CustomerTokenStyle, ProviderProfile, TransactionSignature};
use crate::string_to_sign::TransactionParts;
use crate::symmetric::{ClientSecret, SymmetricSigner};
use crate::timestamp::{Clock, SystemClock, TimestampFormat};
use crate::token::AccessToken;

use super::error::{ClientError, ConfigError};
use template::{HeaderTemplates, RequestHeaders};

mod template;

/// A customer (B2B2C) access token for one request, put in the request's
/// extensions; the layer sends it as `Authorization-Customer: Bearer …`, or
/// without `Bearer ` under a profile with
/// [`CustomerTokenStyle::Raw`](crate::profile::CustomerTokenStyle::Raw) (Paydia).
///
/// ```
/// use snap_bi::client::CustomerToken;
/// use snap_bi::AccessToken;
///
/// let mut request = http::Request::new(());
/// request
///     .extensions_mut()
///     .insert(CustomerToken(AccessToken::new("customer-token")?));
/// # Ok::<(), snap_bi::token::InvalidToken>(())
/// ```
#[derive(Debug, Clone)]
pub struct CustomerToken(pub AccessToken);

/// End-user headers for B2B2C calls (`X-DEVICE-ID`, `X-IP-ADDRESS`,
/// `X-LATITUDE`, `X-LONGITUDE`), put in a request's extensions. Headers the
/// caller already set on the request win.
///
/// ```
/// use snap_bi::client::EndUser;
///
/// let user = EndUser::new()
///     .device_id("Mozilla/5.0 (Linux; Android 14)")?
///     .ip_address("203.0.113.7")?
///     .location("-6.2088", "106.8456")?;
/// let mut request = http::Request::new(());
/// request.extensions_mut().insert(user);
/// # Ok::<(), snap_bi::client::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct EndUser {
    device_id: Option<HeaderValue>,
    ip_address: Option<HeaderValue>,
    latitude: Option<HeaderValue>,
    longitude: Option<HeaderValue>,
}

impl EndUser {
    /// No end-user headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `X-DEVICE-ID`: the end user's device id or user agent.
    ///
    /// # Errors
    /// [`ConfigError::InvalidHeaderValue`] if it cannot be a header value.
    pub fn device_id(mut self, value: &str) -> Result<Self, ConfigError> {
        self.device_id = Some(header_value(names::X_DEVICE_ID, value)?);
        Ok(self)
    }

    /// `X-IP-ADDRESS`: the end user's IP address.
    ///
    /// # Errors
    /// [`ConfigError::InvalidHeaderValue`] if it cannot be a header value.
    pub fn ip_address(mut self, value: &str) -> Result<Self, ConfigError> {
        self.ip_address = Some(header_value(names::X_IP_ADDRESS, value)?);
        Ok(self)
    }

    /// `X-LATITUDE` and `X-LONGITUDE` (ISO 6709 `±DD.DDDD`, `±DDD.DDDD`).
    ///
    /// # Errors
    /// [`ConfigError::InvalidHeaderValue`] if either cannot be a header value.
    pub fn location(mut self, latitude: &str, longitude: &str) -> Result<Self, ConfigError> {
        self.latitude = Some(header_value(names::X_LATITUDE, latitude)?);
        self.longitude = Some(header_value(names::X_LONGITUDE, longitude)?);
        Ok(self)
    }

    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        let pairs = [
            (names::X_DEVICE_ID, &self.device_id),
            (names::X_IP_ADDRESS, &self.ip_address),
            (names::X_LATITUDE, &self.latitude),
            (names::X_LONGITUDE, &self.longitude),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                headers.entry(name).or_insert_with(|| value.clone());
            }
        }
    }
}

fn header_value(name: HeaderName, value: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeaderValue { header: name })
}

/// Signs outgoing SNAP requests for one provider and one set of credentials.
///
/// Pure apart from the injected [`Clock`] and [`ExternalIdGenerator`]: the
/// same inputs and instant give the same headers. Built once, shared
/// (`Arc`) by every request; keys are parsed and HMAC key schedules computed
/// at build time.
///
/// ```
/// use bytes::Bytes;
/// use chrono::DateTime;
/// use snap_bi::client::RequestSigner;
/// use snap_bi::timestamp::FixedClock;
/// use snap_bi::{AccessToken, ClientSecret, ProviderProfile};
///
/// let signer = RequestSigner::builder(ProviderProfile::paydia())
///     .client_secret(ClientSecret::new("a-client-secret")?)
///     .partner_id("PARTNER01")?
///     .channel_id("95221")?
///     .clock(FixedClock(DateTime::from_timestamp(1_709_610_000, 0).ok_or("range")?))
///     .build()?;
///
/// let mut request = http::Request::post("http://127.0.0.1/snap/v1.0/qr/qr-mpm-query")
///     .body(Bytes::from_static(br#"{ "originalReferenceNo": "A1", "serviceCode": "47" }"#))?;
/// let token = AccessToken::new("b2b-token")?;
/// signer.sign(&mut request, Some(&token), None)?;
///
/// // The wire body is the minified body that was hashed.
/// assert_eq!(request.body().as_ref(), br#"{"originalReferenceNo":"A1","serviceCode":"47"}"#);
/// assert_eq!(request.headers()["x-timestamp"], "2024-03-05T10:40:00+07:00");
/// assert!(request.headers()["x-signature"].is_sensitive());
/// assert!(request.headers()["authorization"].is_sensitive());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequestSigner {
    profile: ProviderProfile,
    scheme: Scheme,
    partner_id: Option<HeaderValue>,
    channel_id: Option<HeaderValue>,
    origin: Option<HeaderValue>,
    clock: Arc<dyn Clock>,
    external_ids: Arc<ExternalIdGenerator>,
    templates: Arc<HeaderTemplates>,
}

// One per signer, built once: boxing the HMAC state would only add a hop.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Scheme {
    Symmetric(SymmetricSigner),
    Asymmetric(AsymmetricSigner),
}

/// What [`RequestSigner::sign_parts`] decided: the bytes to send, and which
/// external id went out (generated or the caller's).
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// The body to put on the wire: exactly the bytes that were hashed.
    pub body: Bytes,
    /// Whether `X-EXTERNAL-ID` was generated by the signer (`false`: the
    /// caller set it and it was kept).
    pub external_id_generated: bool,
}

impl RequestSigner {
    /// Starts a signer for `profile`.
    pub fn builder(profile: ProviderProfile) -> RequestSignerBuilder {
        RequestSignerBuilder {
            profile,
            client_secret: None,
            private_key: None,
            partner_id: None,
            channel_id: None,
            origin: None,
            clock: None,
            external_ids: None,
        }
    }

    /// The provider profile in use.
    pub fn profile(&self) -> &ProviderProfile {
        &self.profile
    }

    /// Whether transactional requests need a B2B access token in the
    /// string-to-sign (symmetric scheme).
    pub fn needs_token(&self) -> bool {
        matches!(self.scheme, Scheme::Symmetric(_))
    }

    /// Canonicalises `body` (validating minify unless the profile says raw),
    /// returning the bytes to send without copying when the body is already
    /// canonical.
    ///
    /// # Errors
    /// [`ClientError::InvalidBody`] when the body is not valid JSON.
    pub fn canonical_body(&self, body: Bytes) -> Result<Bytes, ClientError> {
        // Only the bytes here: the digest is computed once, when signing.
        let canonical = self
            .profile
            .body_policy()
            .apply(&body)
            .map_err(ClientError::InvalidBody)?;
        Ok(match canonical {
            // A borrowed result is a sub-slice of `body`: share it, no copy.
            std::borrow::Cow::Borrowed(b) => body.slice_ref(b),
            std::borrow::Cow::Owned(v) => Bytes::from(v),
        })
    }

    /// Signs a request in place: canonicalises the body (the wire body
    /// becomes exactly the hashed bytes), sets `Content-Type` when absent,
    /// corrects a `Content-Length` the caller set (otherwise the HTTP client
    /// derives it from the body), `X-TIMESTAMP`, `X-EXTERNAL-ID` (unless set),
    /// `X-PARTNER-ID`, `CHANNEL-ID`, `ORIGIN` (when configured and absent),
    /// `Authorization` / `Authorization-Customer` (when tokens are given) and
    /// `X-SIGNATURE`. Token and signature headers are marked sensitive.
    ///
    /// A [`CustomerToken`] or [`EndUser`] in the request's extensions is used
    /// when `customer` is `None`.
    ///
    /// # Errors
    /// Invalid JSON body, a missing token under the symmetric scheme, or an
    /// RSA signing failure, or a clock instant no `X-TIMESTAMP` can carry. On
    /// error the request is left unchanged.
    pub fn sign(
        &self,
        request: &mut http::Request<Bytes>,
        token: Option<&AccessToken>,
        customer: Option<&AccessToken>,
    ) -> Result<(), ClientError> {
        let body = self.canonical_body(request.body().clone())?;
        // Taken out and put back whatever happens: `sign_head` edits the
        // headers only once nothing can fail.
        let mut headers = std::mem::take(request.headers_mut());
        let signed = self.sign_head(
            request.method(),
            request.uri(),
            &mut headers,
            request.extensions(),
            body,
            token,
            customer,
        );
        *request.headers_mut() = headers;
        *request.body_mut() = signed?.body;
        Ok(())
    }

    /// [`sign_parts`](Self::sign_parts) for a request head with extensions:
    /// a [`CustomerToken`] there is used when `customer` is `None`, and an
    /// [`EndUser`] there adds its headers. Shared by [`sign`](Self::sign),
    /// the layer and the reqwest middleware.
    #[allow(clippy::too_many_arguments)] // each input is a distinct part of the request
    pub(crate) fn sign_head(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &mut HeaderMap,
        extensions: &http::Extensions,
        body: Bytes,
        token: Option<&AccessToken>,
        customer: Option<&AccessToken>,
    ) -> Result<SignedRequest, ClientError> {
        let customer = customer.or(extensions.get::<CustomerToken>().map(|c| &c.0));
        let signed = self.sign_parts(method, uri, headers, body, token, customer)?;
        if let Some(end_user) = extensions.get::<EndUser>() {
            end_user.apply(headers);
        }
        Ok(signed)
    }

    /// Checks that a layer or middleware built on this signer has a token
    /// source when the scheme needs one.
    pub(crate) fn check_token_source(&self, has_source: bool) -> Result<(), ConfigError> {
        if self.needs_token() && !has_source {
            return Err(ConfigError::MissingTokenSource);
        }
        Ok(())
    }

    /// The lower-level form of [`sign`](Self::sign) for adapters whose
    /// request type is not `http::Request` (reqwest): `body` must already be
    /// canonical (see [`canonical_body`](Self::canonical_body)); `headers` are
    /// updated in place only on success.
    ///
    /// # Errors
    /// A missing token under the symmetric scheme, an RSA signing failure, or
    /// an instant no `X-TIMESTAMP` can carry ([`ClientError::Clock`]).
    pub fn sign_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &mut HeaderMap,
        body: Bytes,
        token: Option<&AccessToken>,
        customer: Option<&AccessToken>,
    ) -> Result<SignedRequest, ClientError> {
        self.sign_parts_at(
            self.clock.now(),
            method,
            uri,
            headers,
            body,
            token,
            customer,
        )
    }

    /// [`sign_parts`](Self::sign_parts) at a given instant (the clock is not
    /// read).
    ///
    /// # Errors
    /// As [`sign_parts`](Self::sign_parts).
    #[allow(clippy::too_many_arguments)] // each input is a distinct part of the request
    pub fn sign_parts_at(
        &self,
        now: DateTime<Utc>,
        method: &Method,
        uri: &Uri,
        headers: &mut HeaderMap,
        body: Bytes,
        token: Option<&AccessToken>,
        customer: Option<&AccessToken>,
    ) -> Result<SignedRequest, ClientError> {
        let timestamp_value = timestamp_header(self.profile.timestamp_format(), now)?;
        // Visible ASCII by construction; the header and the string-to-sign are one string.
        let timestamp = timestamp_value
            .to_str()
            .map_err(|_| ClientError::Internal("timestamp header"))?;
        let endpoint = endpoint_url(uri, self.profile.endpoint_url_policy());
        let canonical = CanonicalBody::from_canonical(std::borrow::Cow::Borrowed(&body));
        let parts = TransactionParts::new(method.as_str(), &endpoint, &canonical, timestamp)
            .with_empty_body_rule(self.profile.empty_body_rule());
        let signature = match &self.scheme {
            Scheme::Symmetric(signer) => {
                let token = token.ok_or(ClientError::MissingToken)?;
                signer.sign(&parts, token.expose_secret())
            }
            Scheme::Asymmetric(signer) => signer.sign(&parts).map_err(ClientError::Signing)?,
        };

        // The HTTP client derives `Content-Length` from the body; only a
        // length the caller set (for the body before minifying) is corrected.
        let content_length = headers
            .contains_key(CONTENT_LENGTH)
            .then(|| HeaderValue::from(body.len()));
        let external_id = if headers.contains_key(names::X_EXTERNAL_ID) {
            None
        } else {
            let id = self.external_ids.next_header_value();
            Some(id.map_err(|_| ClientError::Internal("external id header"))?)
        };

        let values = RequestHeaders {
            content_length,
            timestamp: timestamp_value,
            external_id,
            authorization: token.map(AccessToken::bearer_header_value),
            authorization_customer: customer.map(|c| match self.profile.customer_token_style() {
                CustomerTokenStyle::Raw => c.raw_header_value(),
                _ => c.bearer_header_value(),
            }),
            signature: signature.into_header_value(),
        };
        let external_id_generated = values.external_id.is_some();

        // Everything that can fail is done; now edit the headers. Nothing set
        // by the caller (the common case): the whole map comes from a template.
        let values = if headers.is_empty() {
            match self.templates.fill(values) {
                Ok(filled) => {
                    *headers = filled;
                    None
                }
                Err(values) => Some(values),
            }
        } else {
            Some(values)
        };
        if let Some(values) = values {
            self.insert_headers(headers, values);
        }
        // Fields are evaluated only when a subscriber wants the event: no
        // cost on the signing path otherwise. Never the token, signature or body.
        tracing::debug!(
            target: "snap_bi::client",
            profile = self.profile.name(),
            method = method.as_str(),
            path = uri.path(),
            external_id = headers
                .get(names::X_EXTERNAL_ID)
                .and_then(|v| v.to_str().ok()),
            external_id_generated,
            body_len = body.len(),
            "signed request"
        );
        Ok(SignedRequest {
            body,
            external_id_generated,
        })
    }

    /// Adds the SNAP headers to a map the caller already put headers in,
    /// keeping the caller's `Content-Type`, `X-PARTNER-ID`, `CHANNEL-ID` and
    /// `ORIGIN`.
    fn insert_headers(&self, headers: &mut HeaderMap, values: RequestHeaders) {
        // Room for the SNAP headers up front: growing the map while inserting
        // them would rehash it. Only an optimisation: a map that cannot grow
        // fails when inserting.
        headers.try_reserve(12).ok();
        headers
            .entry(CONTENT_TYPE)
            .or_insert_with(|| HeaderValue::from_static("application/json"));
        if let Some(value) = values.content_length {
            headers.insert(CONTENT_LENGTH, value);
        }
        headers.insert(names::X_TIMESTAMP, values.timestamp);
        if let Some(value) = values.external_id {
            headers.insert(names::X_EXTERNAL_ID, value);
        }
        let defaults = [
            (names::X_PARTNER_ID, &self.partner_id),
            (names::CHANNEL_ID, &self.channel_id),
            (names::ORIGIN, &self.origin),
        ];
        for (name, value) in defaults {
            if let Some(value) = value {
                headers.entry(name).or_insert_with(|| value.clone());
            }
        }
        if let Some(value) = values.authorization {
            headers.insert(http::header::AUTHORIZATION, value);
        }
        if let Some(value) = values.authorization_customer {
            headers.insert(names::AUTHORIZATION_CUSTOMER, value);
        }
        headers.insert(names::X_SIGNATURE, values.signature);
    }
}

/// The last `X-TIMESTAMP` one thread wrote, and what it was written from.
struct LastTimestamp {
    format: TimestampFormat,
    /// Whole seconds, and milliseconds (for the whole-second layouts only
    /// whether it is a leap second): equal keys give the same string, since
    /// formatting truncates.
    key: (i64, u32),
    value: HeaderValue,
}

thread_local! {
    // Every request within one second (one millisecond for the millisecond
    // layouts) carries the same X-TIMESTAMP: at any real request rate most
    // requests can share the previous one's header instead of formatting and
    // allocating their own.
    static LAST_TIMESTAMP: RefCell<Option<LastTimestamp>> = const { RefCell::new(None) };
}

/// The `X-TIMESTAMP` header for `now` in `format`, reused from this thread's
/// previous request when it falls in the same second (or millisecond).
fn timestamp_header(
    format: TimestampFormat,
    now: DateTime<Utc>,
) -> Result<HeaderValue, ClientError> {
    // 1000 and up during a leap second, which is written as `:60`.
    let millis = now.timestamp_subsec_millis();
    let sub = match format {
        TimestampFormat::JakartaMillis | TimestampFormat::UtcMillis => millis,
        _ => millis / 1000,
    };
    let key = (now.timestamp(), sub);
    // `try_with`/`try_borrow`: a thread being torn down, or any surprise, just
    // formats afresh.
    let cached = LAST_TIMESTAMP
        .try_with(|last| {
            last.try_borrow().ok().and_then(|last| {
                last.as_ref()
                    .filter(|last| last.format == format && last.key == key)
                    .map(|last| last.value.clone())
            })
        })
        .ok()
        .flatten();
    if let Some(value) = cached {
        return Ok(value);
    }
    let timestamp = format.try_format(now).map_err(ClientError::Clock)?;
    // Shared bytes: later clones of the cached header only count references.
    let value = HeaderValue::from_maybe_shared(Bytes::from(timestamp.into_string()))
        .map_err(|_| ClientError::Internal("timestamp header"))?;
    let _ = LAST_TIMESTAMP.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = Some(LastTimestamp {
                format,
                key,
                value: value.clone(),
            });
        }
    });
    Ok(value)
}

/// Builds a [`RequestSigner`]; see [`RequestSigner::builder`].
#[derive(Debug)]
#[must_use]
pub struct RequestSignerBuilder {
    profile: ProviderProfile,
    client_secret: Option<ClientSecret>,
    private_key: Option<Arc<RsaPrivateKey>>,
    partner_id: Option<Result<HeaderValue, ConfigError>>,
    channel_id: Option<Result<HeaderValue, ConfigError>>,
    origin: Option<Result<HeaderValue, ConfigError>>,
    clock: Option<Arc<dyn Clock>>,
    external_ids: Option<Arc<ExternalIdGenerator>>,
}

impl RequestSignerBuilder {
    /// The client secret for HMAC-SHA512 (symmetric profiles).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The partner's RSA private key (asymmetric profiles such as DANA).
    pub fn private_key(mut self, key: impl Into<Arc<RsaPrivateKey>>) -> Self {
        self.private_key = Some(key.into());
        self
    }

    /// `X-PARTNER-ID` sent on every request (unless the request sets it).
    ///
    /// # Errors
    /// [`ConfigError::InvalidHeaderValue`] when it cannot be a header value.
    pub fn partner_id(mut self, id: &str) -> Result<Self, ConfigError> {
        self.partner_id = Some(header_value(names::X_PARTNER_ID, id));
        self.partner_id.clone().transpose().map(|_| self)
    }

    /// `CHANNEL-ID` sent on every request (unless the request sets it).
    ///
    /// # Errors
    /// [`ConfigError::InvalidHeaderValue`] when it cannot be a header value.
    pub fn channel_id(mut self, id: &str) -> Result<Self, ConfigError> {
        self.channel_id = Some(header_value(names::CHANNEL_ID, id));
        self.channel_id.clone().transpose().map(|_| self)
    }

    /// `ORIGIN` sent on every request (unless the request sets it).
    ///
    /// # Errors
    /// [`ConfigError::InvalidHeaderValue`] when it cannot be a header value.
    pub fn origin(mut self, origin: &str) -> Result<Self, ConfigError> {
        self.origin = Some(header_value(names::ORIGIN, origin));
        self.origin.clone().transpose().map(|_| self)
    }

    /// The clock for `X-TIMESTAMP` (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The `X-EXTERNAL-ID` generator (default: 32 digits with a random prefix, so the id
    /// fits `originalExternalId`).
    pub fn external_ids(mut self, generator: ExternalIdGenerator) -> Self {
        self.external_ids = Some(Arc::new(generator));
        self
    }

    /// Checks that the credentials match the profile's scheme.
    ///
    /// # Errors
    /// [`ConfigError::MissingClientSecret`] for a symmetric profile without a
    /// secret, [`ConfigError::MissingPrivateKey`] for an asymmetric one
    /// without a key.
    pub fn build(self) -> Result<RequestSigner, ConfigError> {
        let encoding = self.profile.encoding();
        let scheme = match self.profile.transaction_signature() {
            TransactionSignature::Asymmetric => {
                let key = self.private_key.ok_or(ConfigError::MissingPrivateKey)?;
                Scheme::Asymmetric(AsymmetricSigner::from_shared(key).with_encoding(encoding))
            }
            _ => {
                let secret = self
                    .client_secret
                    .as_ref()
                    .ok_or(ConfigError::MissingClientSecret)?;
                Scheme::Symmetric(SymmetricSigner::new(secret).with_encoding(encoding))
            }
        };
        let partner_id = self.partner_id.transpose()?;
        let channel_id = self.channel_id.transpose()?;
        let origin = self.origin.transpose()?;
        let templates = Arc::new(HeaderTemplates::new(
            partner_id.as_ref(),
            channel_id.as_ref(),
            origin.as_ref(),
        ));
        Ok(RequestSigner {
            profile: self.profile,
            scheme,
            partner_id,
            channel_id,
            origin,
            templates,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            external_ids: self
                .external_ids
                .unwrap_or_else(|| Arc::new(ExternalIdGenerator::new())),
        })
    }
}

#[cfg(test)]
mod tests;
