//! Token requests, built and signed without IO (snap-spec §1, §2).
//!
//! A [`TokenRequestSigner`] holds what does not change between requests (the
//! endpoint URLs, the client id, the private key, the provider's
//! [`TokenProfile`]) and turns a [`Timestamp`] into a ready
//! `http::Request<Bytes>`: `POST`, `Content-Type: application/json`,
//! `X-TIMESTAMP`, `X-CLIENT-KEY`, `X-SIGNATURE` (SHA256withRSA over
//! `clientId|timestamp`, marked sensitive), `X-PARTNER-ID` when the profile
//! asks for it, and the JSON body.
//!
//! ```
//! use snap_bi::{ProviderProfile, RsaPrivateKey};
//! use snap_bi::timestamp::Timestamp;
//! use snap_bi::token::TokenRequestSigner;
//!
//! # let pem = include_str!("../../tests/vectors/keys/partner-test-private.pem");
//! let signer = TokenRequestSigner::builder("partner-client-01", RsaPrivateKey::from_pem(pem)?)
//!     .profile(&ProviderProfile::paydia())
//!     .base_url("https://api.example.com")
//!     .build()?;
//!
//! let timestamp = Timestamp::parse("2024-09-10T13:24:42+07:00")?;
//! let request = signer.b2b(&timestamp)?;
//! assert_eq!(request.uri(), "https://api.example.com/snap/v1.0/access-token/b2b");
//! assert_eq!(request.headers()["x-client-key"], "partner-client-01");
//! assert!(request.headers()["x-signature"].is_sensitive());
//! assert_eq!(request.body().as_ref(), br#"{"grantType":"client_credentials"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use super::{RefreshToken, TokenError};
use crate::asymmetric::AsymmetricSigner;
use crate::headers::{X_CLIENT_KEY, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP};
use crate::keys::RsaPrivateKey;
use crate::profile::{ProviderProfile, TokenProfile};
use crate::signature::SignatureEncoding;
use crate::timestamp::{Timestamp, TimestampFormat};

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Builds and signs B2B and B2B2C token requests for one partner at one
/// provider. Pure: the timestamp is an input; nothing is sent.
///
/// Cheap to clone (the key is shared). See the [module docs](self).
#[derive(Clone)]
pub struct TokenRequestSigner {
    b2b_url: Uri,
    /// `None` when only B2B tokens are used and no URL was configured.
    b2b2c_url: Option<Uri>,
    profile: TokenProfile,
    client_id: String,
    client_key: HeaderValue,
    partner_id: Option<HeaderValue>,
    signer: AsymmetricSigner,
    additional_info: Option<Bytes>,
    extra_headers: HeaderMap,
}

impl TokenRequestSigner {
    /// Starts a builder for `client_id` (sent as `X-CLIENT-KEY`) signing
    /// with `key`. The profile defaults to the ASPI standard.
    pub fn builder(client_id: impl Into<String>, key: RsaPrivateKey) -> TokenRequestSignerBuilder {
        Self::builder_with_signer(client_id, AsymmetricSigner::new(key))
    }

    /// Like [`builder`](Self::builder), with an existing signer (whose key
    /// may be shared with other components).
    pub fn builder_with_signer(
        client_id: impl Into<String>,
        signer: AsymmetricSigner,
    ) -> TokenRequestSignerBuilder {
        TokenRequestSignerBuilder {
            client_id: client_id.into(),
            signer,
            profile: ProviderProfile::aspi_standard().token().clone(),
            base_url: None,
            b2b_url: None,
            b2b2c_url: None,
            partner_id: None,
            additional_info: None,
            extra_headers: Vec::new(),
            encoding: SignatureEncoding::Base64,
        }
    }

    /// The B2B token request (`grantType: client_credentials`).
    ///
    /// # Errors
    /// [`TokenError::Sign`] if the crypto backend fails.
    pub fn b2b(&self, timestamp: &Timestamp) -> Result<Request<Bytes>, TokenError> {
        let body = self.body("client_credentials", None);
        self.request(self.b2b_url.clone(), timestamp, body)
    }

    /// The B2B2C request exchanging an authorization code (from the
    /// customer's consent or account-binding flow) for a customer token.
    ///
    /// # Errors
    /// [`TokenError::Config`] when the signer has no B2B2C URL;
    /// [`TokenError::Sign`] if the crypto backend fails.
    pub fn authorization_code(
        &self,
        auth_code: &str,
        timestamp: &Timestamp,
    ) -> Result<Request<Bytes>, TokenError> {
        let grant = self.profile.grant_value_case().authorization_code();
        let url = self.b2b2c_endpoint()?;
        let body = self.body(grant, Some(("authCode", auth_code)));
        self.request(url, timestamp, body)
    }

    /// The B2B2C request renewing a customer token with its refresh token.
    ///
    /// # Errors
    /// [`TokenError::Config`] when the signer has no B2B2C URL;
    /// [`TokenError::Sign`] if the crypto backend fails.
    pub fn refresh(
        &self,
        refresh_token: &RefreshToken,
        timestamp: &Timestamp,
    ) -> Result<Request<Bytes>, TokenError> {
        let grant = self.profile.grant_value_case().refresh_token();
        let url = self.b2b2c_endpoint()?;
        let body = self.body(grant, Some(("refreshToken", refresh_token.expose_secret())));
        self.request(url, timestamp, body)
    }

    /// The `X-TIMESTAMP` layout token requests use (from the profile).
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.profile.timestamp_format()
    }

    /// The client id (`X-CLIENT-KEY`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The B2B token endpoint.
    pub fn b2b_url(&self) -> &Uri {
        &self.b2b_url
    }

    /// The B2B2C token endpoint; `None` when the builder had neither
    /// `base_url` nor `b2b2c_url` (a B2B-only signer).
    pub fn b2b2c_url(&self) -> Option<&Uri> {
        self.b2b2c_url.as_ref()
    }

    fn b2b2c_endpoint(&self) -> Result<Uri, TokenError> {
        self.b2b2c_url.clone().ok_or_else(|| {
            TokenError::Config(
                "no b2b2c token URL: set base_url or b2b2c_url to request customer tokens".into(),
            )
        })
    }

    /// The token half of the provider profile in use.
    pub fn profile(&self) -> &TokenProfile {
        &self.profile
    }

    /// `{"<grant field>":"<grant>"[,"<name>":"<value>"][,"additionalInfo":{…}]}`.
    /// Written directly: the values are JSON-escaped and `additionalInfo` is
    /// already validated and minified.
    fn body(&self, grant: &str, extra: Option<(&str, &str)>) -> Bytes {
        let mut out = Vec::with_capacity(96);
        out.extend_from_slice(b"{\"");
        out.extend_from_slice(self.profile.grant_type_field().as_str().as_bytes());
        out.extend_from_slice(b"\":");
        push_json_string(&mut out, grant);
        if let Some((name, value)) = extra {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            push_json_string(&mut out, value);
        }
        if let Some(info) = &self.additional_info {
            out.extend_from_slice(b",\"additionalInfo\":");
            out.extend_from_slice(info);
        }
        out.push(b'}');
        Bytes::from(out)
    }

    fn request(
        &self,
        uri: Uri,
        timestamp: &Timestamp,
        body: Bytes,
    ) -> Result<Request<Bytes>, TokenError> {
        let signature = self
            .signer
            .sign_token(&self.client_id, timestamp.as_str())?;
        let timestamp = HeaderValue::from_str(timestamp.as_str())
            .map_err(|_| TokenError::Config("X-TIMESTAMP is not a header value".into()))?;
        let mut request = Request::new(body);
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        for (name, value) in &self.extra_headers {
            headers.append(name, value.clone());
        }
        headers.insert(CONTENT_TYPE, JSON);
        headers.insert(X_TIMESTAMP, timestamp);
        headers.insert(X_CLIENT_KEY, self.client_key.clone());
        headers.insert(X_SIGNATURE, signature.into_header_value());
        if self.profile.send_partner_id() {
            let partner = self.partner_id.as_ref().unwrap_or(&self.client_key);
            headers.insert(X_PARTNER_ID, partner.clone());
        }
        Ok(request)
    }
}

impl fmt::Debug for TokenRequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequestSigner")
            .field("b2b_url", &self.b2b_url)
            .field("b2b2c_url", &self.b2b2c_url)
            .field("profile", &self.profile)
            .field("client_id", &self.client_id)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

/// Builds a [`TokenRequestSigner`]; see [`TokenRequestSigner::builder`].
///
/// Either [`base_url`](Self::base_url) (the profile's paths are appended)
/// or both explicit endpoint URLs must be given.
#[derive(Debug)]
#[must_use]
pub struct TokenRequestSignerBuilder {
    client_id: String,
    signer: AsymmetricSigner,
    profile: TokenProfile,
    base_url: Option<String>,
    b2b_url: Option<String>,
    b2b2c_url: Option<String>,
    partner_id: Option<String>,
    additional_info: Option<Vec<u8>>,
    extra_headers: Vec<(String, String)>,
    encoding: SignatureEncoding,
}

impl TokenRequestSignerBuilder {
    /// Takes the token settings (paths, grant spelling, timestamp layout,
    /// `X-PARTNER-ID`) from a provider profile.
    pub fn profile(mut self, profile: &ProviderProfile) -> Self {
        self.profile = profile.token().clone();
        self
    }

    /// Sets the token settings directly.
    pub fn token_profile(mut self, profile: TokenProfile) -> Self {
        self.profile = profile;
        self
    }

    /// The provider's base URL (`https://host` or `https://host/prefix`);
    /// the profile's B2B and B2B2C paths are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The full B2B token endpoint URL, overriding `base_url` + path.
    pub fn b2b_url(mut self, url: impl Into<String>) -> Self {
        self.b2b_url = Some(url.into());
        self
    }

    /// The full B2B2C token endpoint URL, overriding `base_url` + path.
    pub fn b2b2c_url(mut self, url: impl Into<String>) -> Self {
        self.b2b2c_url = Some(url.into());
        self
    }

    /// The `X-PARTNER-ID` sent when the profile asks for one (DANA). Defaults
    /// to the client id, which is what DANA expects.
    pub fn partner_id(mut self, partner_id: impl Into<String>) -> Self {
        self.partner_id = Some(partner_id.into());
        self
    }

    /// An `additionalInfo` object to send with every token request. Checked
    /// to be a JSON object and minified when the signer is built.
    pub fn additional_info(mut self, json: impl Into<Vec<u8>>) -> Self {
        self.additional_info = Some(json.into());
        self
    }

    /// An extra header on every token request (e.g. `CHANNEL-ID`). The
    /// headers the signer sets itself take precedence.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// The `X-SIGNATURE` encoding (base64 by default; every provider seen
    /// uses base64 for token requests).
    pub fn signature_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The finished signer.
    ///
    /// # Errors
    /// [`TokenError::Config`] when a URL is missing, not absolute `http(s)`,
    /// or when the client id, partner id or an extra header cannot be a
    /// header value, or `additionalInfo` is not a JSON object.
    pub fn build(self) -> Result<TokenRequestSigner, TokenError> {
        let endpoint = |explicit: Option<String>, path: &str, which: &str| {
            let url = match (explicit, &self.base_url) {
                (Some(url), _) => url,
                (None, Some(base)) => format!("{}{}", base.trim_end_matches('/'), path),
                (None, None) => {
                    return Err(TokenError::Config(format!(
                        "no {which} token URL: set base_url or {which}_url"
                    )));
                }
            };
            parse_endpoint(&url)
        };
        let b2b_url = endpoint(self.b2b_url.clone(), self.profile.b2b_path(), "b2b")?;
        // Optional: a B2B-only signer needs no customer-token endpoint; the
        // B2B2C requests fail with `TokenError::Config` instead.
        let b2b2c_url = match (&self.b2b2c_url, &self.base_url) {
            (None, None) => None,
            _ => Some(endpoint(
                self.b2b2c_url.clone(),
                self.profile.b2b2c_path(),
                "b2b2c",
            )?),
        };
        let header_value = |value: &str, what: &str| {
            if value.is_empty() {
                return Err(TokenError::Config(format!("{what} is empty")));
            }
            HeaderValue::from_str(value)
                .map_err(|_| TokenError::Config(format!("{what} is not a valid header value")))
        };
        let client_key = header_value(&self.client_id, "client id")?;
        let partner_id = match &self.partner_id {
            Some(id) => Some(header_value(id, "partner id")?),
            None => None,
        };
        let mut extra_headers = HeaderMap::new();
        for (name, value) in &self.extra_headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TokenError::Config(format!("{name:?} is not a header name")))?;
            extra_headers.append(name.clone(), header_value(value, name.as_str())?);
        }
        let additional_info = match &self.additional_info {
            Some(json) => Some(json_object(json)?),
            None => None,
        };
        Ok(TokenRequestSigner {
            b2b_url,
            b2b2c_url,
            profile: self.profile,
            client_id: self.client_id,
            client_key,
            partner_id,
            signer: self.signer.with_encoding(self.encoding),
            additional_info,
            extra_headers,
        })
    }
}

fn parse_endpoint(url: &str) -> Result<Uri, TokenError> {
    let uri = Uri::try_from(url)
        .map_err(|e| TokenError::Config(format!("token URL {url:?} is invalid: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => Ok(uri),
        _ => Err(TokenError::Config(format!(
            "token URL {url:?} must be an absolute http:// or https:// URL"
        ))),
    }
}

/// Validates `json` as one JSON object and minifies it.
fn json_object(json: &[u8]) -> Result<Bytes, TokenError> {
    let minified = crate::minify::minify(json)
        .map_err(|e| TokenError::Config(format!("additionalInfo: {e}")))?;
    if !(minified.first() == Some(&b'{') && minified.last() == Some(&b'}')) {
        return Err(TokenError::Config(
            "additionalInfo must be a JSON object".into(),
        ));
    }
    Ok(Bytes::from(minified.into_owned()))
}

fn push_json_string(out: &mut Vec<u8>, value: &str) {
    // Serialising a &str into a Vec cannot fail; the fallback keeps it panic-free.
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

#[cfg(test)]
mod tests;
