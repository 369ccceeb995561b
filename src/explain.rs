//! Why does the provider say my signature is wrong? Recomputes a captured
//! request's signature under every known signing variant and names what differs.
//!
//! SNAP signatures fail for a handful of recurring reasons: the EndpointUrl was
//! signed without its query, the body was hashed un-minified or re-serialised by
//! PHP or a Go map, an empty body was signed as an empty field, the token went in
//! with `Bearer `, the timestamp signed is not the one sent, or the MAC went out
//! as hex. An [`Explainer`] holds the credentials, takes a [`CapturedRequest`]
//! (method, target, headers, body bytes) and tries those variants along each
//! axis, combined, fewest changes first, within a bounded number of attempts.
//! The [`Diagnosis`] says whether the signature is valid under the standard,
//! which [`Variant`] it matches instead, or that none matches, with the standard
//! string-to-sign and the likely causes.
//!
//! Everything is pure: no IO, no clock. It is quick enough to run inside a
//! server on a rejected request ([`Diagnosis::rejection_message`] is a one-line
//! `responseMessage`), and it never prints a secret, token or signature in full.
//!
//! ```
//! use snap_bi::explain::{BodyForm, CapturedRequest, Explainer, Verdict};
//! use snap_bi::{CanonicalBody, ClientSecret, SymmetricSigner, TransactionParts};
//! use snap_bi::minify::BodyPolicy;
//!
//! let secret = ClientSecret::new("myclientsecret")?;
//! let sent = b"{ \"amount\": {\"value\": \"10000.00\", \"currency\": \"IDR\"} }";
//! let timestamp = "2024-03-05T10:37:16+07:00";
//!
//! // A sender that hashed the pretty body as it was, instead of minifying it.
//! let raw = CanonicalBody::new(sent, BodyPolicy::Raw)?;
//! let parts = TransactionParts::new("POST", "/v1.0/qr/qr-mpm-query", &raw, timestamp);
//! let signature = SymmetricSigner::new(&secret).sign(&parts, "myaccesstoken");
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-timestamp", timestamp.parse()?);
//! headers.insert("x-signature", signature.to_header_value());
//! headers.insert("authorization", "Bearer myaccesstoken".parse()?);
//! let request = CapturedRequest::new("POST", "/v1.0/qr/qr-mpm-query", &headers, sent);
//!
//! let diagnosis = Explainer::new().client_secret(&secret).explain(&request)?;
//! assert_eq!(diagnosis.verdict(), Verdict::NonStandard);
//! assert_eq!(diagnosis.matched().and_then(|v| v.body), Some(BodyForm::Raw));
//! assert_eq!(
//!     diagnosis.summary(),
//!     "non-standard: the body hash is over the raw, un-minified bytes"
//! );
//! assert_eq!(
//!     diagnosis.rejection_message(),
//!     "Unauthorized. [Signature] the body hash is over the raw, un-minified bytes"
//! );
//! // `human()` (and Display) add an aligned table of the axes; tokens are redacted.
//! assert!(!diagnosis.human().contains("myaccesstoken"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod json;
mod search;
mod wording;

use std::borrow::Cow;
use std::fmt;

use http::HeaderMap;
use http::header::HOST;
use serde::Serialize;

use self::search::{Attempt, Axes, Plan, decode, write_string_to_sign};
use crate::asymmetric::AsymmetricVerifier;
use crate::body::EmptyBodyRule;
use crate::endpoint::{EndpointError, EndpointUrlPolicy, endpoint_url_from_str};
use crate::headers::{AUTHORIZATION, X_CLIENT_KEY, X_SIGNATURE, X_TIMESTAMP};
use crate::keys::RsaPublicKey;
use crate::profile::{ProviderProfile, TransactionSignature};
use crate::signature::SignatureEncoding;
use crate::string_to_sign::bare_token;
use crate::symmetric::{ClientSecret, SymmetricSigner};

/// Default bound on the number of string-to-sign candidates tried.
pub const DEFAULT_MAX_ATTEMPTS: usize = 4096;

// ------------------------------------------------------------------ inputs

/// A request as it was sent or received: method, request target, headers and
/// body bytes, all borrowed.
///
/// The signature is read from `X-SIGNATURE`, the timestamp from `X-TIMESTAMP`,
/// the access token from `Authorization`, the client id of token requests from
/// `X-CLIENT-KEY`, and the host of absolute-URL variants from `Host`.
#[derive(Clone)]
pub struct CapturedRequest<'a> {
    method: &'a str,
    target: Cow<'a, str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl<'a> CapturedRequest<'a> {
    /// `target` is the request target as sent: `/path?query`, or an absolute
    /// `https://host/path?query`. `method` is used as given (SNAP signs it upper case).
    #[must_use]
    pub fn new(method: &'a str, target: &'a str, headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        Self {
            method,
            target: Cow::Borrowed(target),
            headers,
            body,
        }
    }

    /// From the parts of a received `http::Request` and its collected body.
    #[must_use]
    pub fn from_parts(parts: &'a http::request::Parts, body: &'a [u8]) -> Self {
        let target = match (parts.uri.scheme(), parts.uri.path_and_query()) {
            (None, Some(pq)) => Cow::Borrowed(pq.as_str()),
            // Absolute-form (or an odd URI without a path): keep everything it says.
            _ => Cow::Owned(parts.uri.to_string()),
        };
        Self {
            method: parts.method.as_str(),
            target,
            headers: &parts.headers,
            body,
        }
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &str {
        self.method
    }

    /// The request target.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }
}

impl fmt::Debug for CapturedRequest<'_> {
    // Headers carry the token and signature, bodies customer data: names and sizes only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapturedRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field(
                "headers",
                &self
                    .headers
                    .keys()
                    .map(http::HeaderName::as_str)
                    .collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Holds the credentials and the standard to compare against, and explains
/// captured requests.
///
/// Give the client secret for symmetric (HMAC-SHA512) signatures and/or the
/// signer's public key for asymmetric transaction and access-token signatures.
/// The standard is the ASPI one unless [`profile`](Self::profile) says
/// otherwise (for example BRI's hex encoding or BCA's canonical query).
#[derive(Debug, Clone)]
pub struct Explainer {
    symmetric: Option<SymmetricSigner>,
    asymmetric: Option<AsymmetricVerifier>,
    client_id: Option<String>,
    expected_scheme: Option<SignatureScheme>,
    profile: ProviderProfile,
    max_attempts: usize,
}

impl Default for Explainer {
    fn default() -> Self {
        Self::new()
    }
}

impl Explainer {
    /// No credentials yet, the ASPI standard, [`DEFAULT_MAX_ATTEMPTS`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            symmetric: None,
            asymmetric: None,
            client_id: None,
            expected_scheme: None,
            profile: ProviderProfile::aspi_standard(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// The client secret, for symmetric signatures.
    #[must_use]
    pub fn client_secret(mut self, secret: &ClientSecret) -> Self {
        self.symmetric = Some(SymmetricSigner::new(secret));
        self
    }

    /// Like [`client_secret`](Self::client_secret), with a keyed signer the
    /// caller already holds (a server's [`Partner`](crate::server::Partner)),
    /// so that no second copy of the secret is needed.
    #[must_use]
    pub fn symmetric_signer(mut self, signer: SymmetricSigner) -> Self {
        self.symmetric = Some(signer);
        self
    }

    /// The signer's public key, for asymmetric transaction and token signatures.
    #[must_use]
    pub fn public_key(self, key: RsaPublicKey) -> Self {
        self.verifier(AsymmetricVerifier::new(key))
    }

    /// Like [`public_key`](Self::public_key), sharing an existing verifier's key.
    #[must_use]
    pub fn verifier(mut self, verifier: AsymmetricVerifier) -> Self {
        self.asymmetric = Some(verifier);
        self
    }

    /// The client id of access-token requests; without it `X-CLIENT-KEY` is used.
    #[must_use]
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The scheme the request should have been signed with. Without it, the
    /// scheme follows from the credentials, the path (access-token endpoints)
    /// and the profile.
    #[must_use]
    pub fn expect_scheme(mut self, scheme: SignatureScheme) -> Self {
        self.expected_scheme = Some(scheme);
        self
    }

    /// The provider whose conventions count as standard (EndpointUrl policy,
    /// encoding, empty-body rule, body policy, transaction scheme).
    #[must_use]
    pub fn profile(mut self, profile: ProviderProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Bounds the number of strings-to-sign tried. Each costs one HMAC
    /// (about a microsecond) or one RSA verification (tens of microseconds).
    #[must_use]
    pub fn max_attempts(mut self, max_attempts: usize) -> Self {
        self.max_attempts = max_attempts;
        self
    }
}

/// The captured request cannot be explained at all.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// Neither a client secret nor a public key was given.
    #[error(
        "no credentials: give the client secret (symmetric) and/or the signer's public key (asymmetric, token)"
    )]
    NoCredentials,
    /// A header the signature depends on is absent.
    #[error("the request has no {name} header")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A header holds bytes that are not visible ASCII.
    #[error("the {name} header is not visible ASCII text")]
    HeaderNotText {
        /// The header's name.
        name: &'static str,
    },
    /// The request target is neither a path nor an absolute URL.
    #[error(transparent)]
    Target(#[from] EndpointError),
    /// The expected scheme needs a credential that was not given.
    #[error("{scheme} signatures need {needs}")]
    MissingCredential {
        /// The scheme.
        scheme: SignatureScheme,
        /// What is missing.
        needs: &'static str,
    },
}

// ------------------------------------------------------------------ variants

/// Which string-to-sign and algorithm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureScheme {
    /// HMAC-SHA512 over `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp`.
    Symmetric,
    /// SHA256withRSA over `METHOD:EndpointUrl:bodyhash:Timestamp`.
    Asymmetric,
    /// SHA256withRSA over `clientId|Timestamp` (access-token requests).
    Token,
}

impl SignatureScheme {
    fn label(self) -> &'static str {
        match self {
            Self::Symmetric => "symmetric, HMAC-SHA512",
            Self::Asymmetric => "asymmetric, SHA256withRSA",
            Self::Token => "token, SHA256withRSA over clientId|timestamp",
        }
    }

    fn is_transaction(self) -> bool {
        matches!(self, Self::Symmetric | Self::Asymmetric)
    }
}

impl fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Symmetric => "symmetric",
            Self::Asymmetric => "asymmetric",
            Self::Token => "token",
        })
    }
}

/// Which EndpointUrl was signed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointUrlForm {
    /// Path and query as sent ([`EndpointUrlPolicy::AsSent`], the standard).
    AsSent,
    /// The path without the query ([`EndpointUrlPolicy::PathOnly`]).
    PathOnly,
    /// BCA's sorted, RFC 3986-encoded form ([`EndpointUrlPolicy::CanonicalQuery`]).
    CanonicalQuery,
    /// Scheme, host, path and query (`https://host/path?query`).
    AbsoluteUrl,
    /// The path with a `/` appended.
    TrailingSlashAdded,
    /// The path without its trailing `/`.
    TrailingSlashRemoved,
    /// The path without its first one or two segments (a base path such as
    /// `/snap` or `/openapi` the client kept out of what it signed).
    BasePathStripped,
}

impl From<EndpointUrlPolicy> for EndpointUrlForm {
    fn from(policy: EndpointUrlPolicy) -> Self {
        match policy {
            EndpointUrlPolicy::PathOnly => Self::PathOnly,
            EndpointUrlPolicy::CanonicalQuery => Self::CanonicalQuery,
            _ => Self::AsSent,
        }
    }
}

impl EndpointUrlForm {
    fn label(self) -> &'static str {
        match self {
            Self::AsSent => "as sent",
            Self::PathOnly => "path only",
            Self::CanonicalQuery => "canonical query (BCA)",
            Self::AbsoluteUrl => "absolute URL",
            Self::TrailingSlashAdded => "trailing slash added",
            Self::TrailingSlashRemoved => "trailing slash removed",
            Self::BasePathStripped => "base path stripped",
        }
    }
}

/// Which bytes the body hash was taken over.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyForm {
    /// The body minified ([`minify`](crate::minify::minify)), the standard.
    Minified,
    /// The body exactly as received, whitespace included.
    Raw,
    /// The body parsed and printed again by some JSON library.
    Reencoded(Reencoding),
    /// An empty body (or `{}` / `[]`) signed as this.
    Empty(EmptyBodyForm),
}

/// How a re-serialising JSON library printed the body. Each field is one way
/// libraries differ; [`Reencoding::library`] names the usual suspects.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Reencoding {
    /// How strings were escaped.
    pub escapes: EscapeStyle,
    /// How numbers were printed.
    pub numbers: NumberStyle,
    /// How object keys were ordered.
    pub keys: KeyOrder,
}

impl Reencoding {
    /// A re-encoding.
    #[must_use]
    pub const fn new(escapes: EscapeStyle, numbers: NumberStyle, keys: KeyOrder) -> Self {
        Self {
            escapes,
            numbers,
            keys,
        }
    }

    /// Which common library prints JSON this way, if one is known to.
    #[must_use]
    pub fn library(self) -> Option<&'static str> {
        use EscapeStyle as E;
        use KeyOrder as K;
        use NumberStyle as N;
        Some(match (self.escapes, self.numbers, self.keys) {
            (E::Minimal, N::Shortest, K::AsSent) => "JavaScript's JSON.stringify(JSON.parse(body))",
            (E::Php, N::Float | N::AsSent, K::AsSent) => "PHP's json_encode with default flags",
            (E::Ascii, N::Float | N::AsSent, K::AsSent) => "Python's json.dumps",
            (E::Minimal, N::Float, K::Sorted) => "serde_json::Value",
            (E::Minimal, N::Float, K::AsSent) => "Jackson's readTree().toString()",
            (E::HtmlSafe, N::Shortest | N::AsSent, K::Sorted) => "Go's json.Marshal of a map",
            (E::HtmlSafe, N::Shortest | N::AsSent, K::AsSent) => "Go's json.Marshal",
            _ => return None,
        })
    }

    fn describe(self) -> String {
        let mut changes = Vec::new();
        match self.escapes {
            EscapeStyle::AsSent => {}
            EscapeStyle::Minimal => changes.push("escapes decoded (\\/ as /, \\u00e9 as é)"),
            EscapeStyle::Php => changes.push("/ escaped as \\/ and non-ASCII as \\uXXXX"),
            EscapeStyle::Ascii => changes.push("non-ASCII escaped as \\uXXXX"),
            EscapeStyle::HtmlSafe => {
                changes.push("<, > and & escaped as \\u003c, \\u003e, \\u0026")
            }
        }
        match self.numbers {
            NumberStyle::AsSent => {}
            NumberStyle::Shortest => changes.push("numbers re-printed (10000.00 as 10000)"),
            NumberStyle::Float => {
                changes.push("numbers re-printed as floats (10000.00 as 10000.0)")
            }
        }
        if self.keys == KeyOrder::Sorted {
            changes.push("keys sorted");
        }
        let mut text = changes.join(", ");
        if let Some(library) = self.library() {
            text.push_str(", as ");
            text.push_str(library);
            text.push_str(" prints it");
        }
        text
    }

    /// A few words for the table: `PHP escapes, f64 numbers, sorted keys`.
    fn short(self) -> String {
        let mut changes = Vec::new();
        match self.escapes {
            EscapeStyle::AsSent => {}
            EscapeStyle::Minimal => changes.push("escapes decoded"),
            EscapeStyle::Php => changes.push("PHP escapes"),
            EscapeStyle::Ascii => changes.push("ASCII escapes"),
            EscapeStyle::HtmlSafe => changes.push("Go HTML escapes"),
        }
        match self.numbers {
            NumberStyle::AsSent => {}
            NumberStyle::Shortest => changes.push("JS numbers"),
            NumberStyle::Float => changes.push("f64 numbers"),
        }
        if self.keys == KeyOrder::Sorted {
            changes.push("sorted keys");
        }
        changes.join(", ")
    }

    fn changes(self) -> usize {
        usize::from(self.escapes != EscapeStyle::AsSent)
            + usize::from(self.numbers != NumberStyle::AsSent)
            + usize::from(self.keys != KeyOrder::AsSent)
    }
}

/// How strings were escaped by a re-serialiser.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscapeStyle {
    /// Unchanged.
    AsSent,
    /// Only what JSON requires (`\"`, `\\`, control characters): JavaScript,
    /// serde_json, Jackson.
    Minimal,
    /// PHP `json_encode` defaults: `/` as `\/`, non-ASCII as `\uXXXX`.
    Php,
    /// Python `json.dumps` defaults: non-ASCII (and DEL) as `\uXXXX`.
    Ascii,
    /// Go `encoding/json`: `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`.
    HtmlSafe,
}

/// How numbers were printed by a re-serialiser.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberStyle {
    /// Unchanged.
    AsSent,
    /// As an IEEE double in its shortest form, without `.0`: `10000.00` as
    /// `10000` (JavaScript, Go).
    Shortest,
    /// Fractions and exponents as `f64` with `.0` kept, integers as integers:
    /// `10000.00` as `10000.0` (serde_json, Python, PHP, Jackson).
    Float,
}

/// How object keys were ordered by a re-serialiser.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOrder {
    /// As sent.
    AsSent,
    /// Sorted by code point (Go maps, `serde_json::Value` without `preserve_order`).
    Sorted,
}

/// What an empty body was signed as.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyBodyForm {
    /// SHA-256 of the empty string ([`EmptyBodyRule::HashOfEmpty`], the standard).
    HashOfEmpty,
    /// SHA-256 of `{}`.
    HashOfEmptyObject,
    /// SHA-256 of `[]`.
    HashOfEmptyArray,
    /// An empty field ([`EmptyBodyRule::EmptySegment`]).
    EmptySegment,
    /// No field ([`EmptyBodyRule::DropSegment`]).
    DropSegment,
}

impl From<EmptyBodyRule> for EmptyBodyForm {
    fn from(rule: EmptyBodyRule) -> Self {
        match rule {
            EmptyBodyRule::EmptySegment => Self::EmptySegment,
            EmptyBodyRule::DropSegment => Self::DropSegment,
            _ => Self::HashOfEmpty,
        }
    }
}

impl EmptyBodyForm {
    fn label(self) -> &'static str {
        match self {
            Self::HashOfEmpty => "the SHA-256 of \"\"",
            Self::HashOfEmptyObject => "the SHA-256 of \"{}\"",
            Self::HashOfEmptyArray => "the SHA-256 of \"[]\"",
            Self::EmptySegment => "an empty field (::)",
            Self::DropSegment => "no field at all",
        }
    }
}

/// How the access token went into a symmetric string-to-sign.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenForm {
    /// Without `Bearer ` (the standard).
    Bare,
    /// With the `Bearer ` prefix of the header value.
    WithBearer,
}

/// Which timestamp string was signed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampForm {
    /// The `X-TIMESTAMP` value byte for byte (the standard).
    AsSent,
    /// The same instant as [`TimestampFormat::JakartaSeconds`](crate::TimestampFormat::JakartaSeconds).
    JakartaSeconds,
    /// The same instant as [`TimestampFormat::JakartaMillis`](crate::TimestampFormat::JakartaMillis).
    JakartaMillis,
    /// The same instant as [`TimestampFormat::UtcSeconds`](crate::TimestampFormat::UtcSeconds).
    UtcSeconds,
    /// The same instant as [`TimestampFormat::UtcMillis`](crate::TimestampFormat::UtcMillis).
    UtcMillis,
}

impl TimestampForm {
    fn label(self) -> &'static str {
        match self {
            Self::AsSent => "as sent",
            Self::JakartaSeconds => "+07:00, seconds",
            Self::JakartaMillis => "+07:00, milliseconds",
            Self::UtcSeconds => "UTC Z, seconds",
            Self::UtcMillis => "UTC Z, milliseconds",
        }
    }
}

/// How the received `X-SIGNATURE` encodes the signature bytes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingForm {
    /// Standard base64 of the raw bytes.
    Base64,
    /// Hex of the raw bytes.
    Hex,
    /// Base64 of the hex digest text (PHP's `base64_encode(hash_hmac(…))`
    /// without the raw-output flag).
    Base64OfHex,
}

impl EncodingForm {
    fn label(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::Hex => "hex",
            Self::Base64OfHex => "base64 of the hex digest",
        }
    }
}

/// One way of signing: a choice along every axis. Axes that are not part of the
/// scheme's string-to-sign are `None` (no token in an asymmetric string; only
/// the timestamp in a token string).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Variant {
    /// Algorithm and string-to-sign shape.
    pub scheme: SignatureScheme,
    /// Which EndpointUrl.
    pub endpoint_url: Option<EndpointUrlForm>,
    /// Which body bytes were hashed.
    pub body: Option<BodyForm>,
    /// How the token went in.
    pub token: Option<TokenForm>,
    /// Which timestamp string.
    pub timestamp: TimestampForm,
    /// How the signature is encoded.
    pub encoding: EncodingForm,
}

// ------------------------------------------------------------------ diagnosis

/// The outcome of an explanation.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The signature matches the standard string-to-sign.
    Valid,
    /// The signature matches only a non-standard variant.
    NonStandard,
    /// No variant tried matches.
    NoMatch,
    /// `X-SIGNATURE` does not decode to a signature of any expected size.
    MalformedSignature,
}

/// An axis of the table.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// Algorithm and string-to-sign shape.
    Scheme,
    /// The EndpointUrl.
    EndpointUrl,
    /// The body hash.
    Body,
    /// The access token.
    Token,
    /// The timestamp.
    Timestamp,
    /// The signature encoding.
    Encoding,
}

impl Axis {
    fn name(self) -> &'static str {
        match self {
            Self::Scheme => "scheme",
            Self::EndpointUrl => "EndpointUrl",
            Self::Body => "body",
            Self::Token => "token",
            Self::Timestamp => "timestamp",
            Self::Encoding => "encoding",
        }
    }
}

/// One row of the table: an axis, its standard value and the value that matched.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Which axis.
    pub axis: Axis,
    /// What the standard signs.
    pub standard: String,
    /// What the matching variant signed, if one matched.
    pub matched: Option<String>,
    /// What the sender did differently, when the matched value differs.
    pub difference: Option<String>,
}

/// What [`Explainer::explain`] found. Display (and [`human`](Self::human)) is a
/// verdict line and a table; Serialize gives the same as JSON. Tokens appear
/// only redacted, and no secret or signature appears at all.
#[non_exhaustive]
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    verdict: Verdict,
    summary: String,
    #[serde(skip)]
    detail: String,
    standard: Variant,
    matched: Option<Variant>,
    rows: Vec<Row>,
    standard_string_to_sign: String,
    standard_body_sha256: Option<String>,
    matched_string_to_sign: Option<String>,
    likely_causes: Vec<String>,
    notes: Vec<String>,
    variants_tried: usize,
}

impl Diagnosis {
    /// The verdict.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Whether the signature is valid under the standard.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }

    /// The one-line verdict: `valid`, `non-standard: <what differs>`,
    /// `no known variant matches: …` or `malformed: …`.
    #[must_use]
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The standard variant (what a conforming sender signs).
    #[must_use]
    pub fn standard(&self) -> &Variant {
        &self.standard
    }

    /// The variant the signature matches, if any.
    #[must_use]
    pub fn matched(&self) -> Option<&Variant> {
        self.matched.as_ref()
    }

    /// The table, one row per axis.
    #[must_use]
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows whose matched value differs from the standard.
    pub fn differences(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|row| row.difference.is_some())
    }

    /// The standard string-to-sign, with the access token redacted.
    #[must_use]
    pub fn standard_string_to_sign(&self) -> &str {
        &self.standard_string_to_sign
    }

    /// The standard body hash (lowercase hex SHA-256), for transaction signatures.
    #[must_use]
    pub fn standard_body_sha256(&self) -> Option<&str> {
        self.standard_body_sha256.as_deref()
    }

    /// The string-to-sign that matched, with the access token redacted.
    #[must_use]
    pub fn matched_string_to_sign(&self) -> Option<&str> {
        self.matched_string_to_sign.as_deref()
    }

    /// When nothing matched: what probably went wrong.
    #[must_use]
    pub fn likely_causes(&self) -> &[String] {
        &self.likely_causes
    }

    /// Observations about the request (invalid JSON body, odd headers, a truncated search).
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// How many strings-to-sign were tried.
    #[must_use]
    pub fn variants_tried(&self) -> usize {
        self.variants_tried
    }

    /// A one-line `responseMessage` for a `401xx00` rejection:
    /// `Unauthorized. [Signature]`, followed by what differs when that is known.
    #[must_use]
    pub fn rejection_message(&self) -> String {
        if self.detail.is_empty() {
            "Unauthorized. [Signature]".to_owned()
        } else {
            format!("Unauthorized. [Signature] {}", self.detail)
        }
    }

    /// The verdict line, then [`details`](Self::details).
    #[must_use]
    pub fn human(&self) -> String {
        format!("{}\n\n{}", self.summary, self.details())
    }

    /// The table of axes, the standard string-to-sign and body hash, the matched
    /// string-to-sign, likely causes and notes; everything but the verdict line.
    #[must_use]
    pub fn details(&self) -> String {
        let mut out = String::new();
        let with_matched = self.matched.is_some();
        let mut table: Vec<[&str; 4]> = vec![["", "axis", "standard", "matched"]];
        for row in &self.rows {
            table.push([
                if row.difference.is_some() { "*" } else { "" },
                row.axis.name(),
                &row.standard,
                match &row.matched {
                    Some(matched) if *matched == row.standard => "same",
                    Some(matched) => matched,
                    None => "",
                },
            ]);
        }
        let columns = if with_matched { 4 } else { 3 };
        let mut widths = [0usize; 4];
        for line in &table {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for line in &table {
            let mut text = String::new();
            for (i, cell) in line.iter().take(columns).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.chars().count();
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out.push('\n');
        out.push_str("standard string-to-sign: ");
        out.push_str(&self.standard_string_to_sign);
        out.push('\n');
        if let Some(hash) = &self.standard_body_sha256 {
            out.push_str("standard body sha256:    ");
            out.push_str(hash);
            out.push('\n');
        }
        if let Some(matched) = &self.matched_string_to_sign
            && *matched != self.standard_string_to_sign
        {
            out.push_str("matched string-to-sign:  ");
            out.push_str(matched);
            out.push('\n');
        }
        if !self.likely_causes.is_empty() {
            out.push_str("likely causes:\n");
            for cause in &self.likely_causes {
                out.push_str("  - ");
                out.push_str(cause);
                out.push('\n');
            }
        }
        for note in &self.notes {
            out.push_str("note: ");
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(&format!("variants tried: {}\n", self.variants_tried));
        out
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.human())
    }
}

// ------------------------------------------------------------------ explain

impl Explainer {
    /// Explains why `request`'s `X-SIGNATURE` does or does not verify.
    ///
    /// # Errors
    /// [`ExplainError`] when there are no usable credentials, `X-SIGNATURE` or
    /// `X-TIMESTAMP` is missing or not text, or the target is not a URL.
    /// A signature that does not match, or cannot be decoded, is a
    /// [`Diagnosis`], not an error.
    pub fn explain(&self, request: &CapturedRequest<'_>) -> Result<Diagnosis, ExplainError> {
        let sent = SentHeaders::read(request.headers)?;
        let mut notes = Vec::new();
        let client_id = match (&self.client_id, sent.client_key) {
            (Some(given), Some(sent)) if given != sent => {
                notes.push(format!(
                    "X-CLIENT-KEY is {sent:?} but the client id given is {given:?}; the given one was used"
                ));
                Some(given.clone())
            }
            (Some(given), _) => Some(given.clone()),
            (None, sent) => sent.map(str::to_owned),
        };
        let path = endpoint_url_from_str(&request.target, EndpointUrlPolicy::PathOnly)?;
        let standard_scheme = self.standard_scheme(&path, client_id.is_some())?;
        let schemes = self.schemes(standard_scheme, client_id.is_some());
        // The schemes whose signature size X-SIGNATURE decodes to.
        let plans: Vec<Plan> = schemes
            .iter()
            .filter_map(|&scheme| {
                let (raw, encoding) = decode(sent.signature, self.signature_len(scheme)?)?;
                Some(Plan {
                    scheme,
                    raw,
                    encoding,
                })
            })
            .collect();
        if schemes.contains(&SignatureScheme::Symmetric) {
            match sent.authorization {
                None => notes.push(
                    "no Authorization header: the token field of the symmetric string-to-sign was left empty"
                        .to_owned(),
                ),
                Some(value) if bare_token(value) == value => {
                    notes.push("Authorization has no `Bearer ` prefix".to_owned());
                }
                Some(_) => {}
            }
        }
        let axes = Axes::new(request, &sent, client_id, &self.profile, &mut notes)?;
        let standard_encoding = match self.profile.encoding() {
            SignatureEncoding::Hex => EncodingForm::Hex,
            _ => EncodingForm::Base64,
        };
        let standard = axes.variant(standard_scheme, standard_encoding, &Attempt::STANDARD);

        let attempts = axes.attempts(&plans, &standard);
        if attempts.len() > self.max_attempts {
            notes.push(format!(
                "the search stopped after {} of {} candidate strings; combinations of more changes were not tried",
                self.max_attempts,
                attempts.len()
            ));
        }
        let mut message = Vec::with_capacity(512);
        let mut tried = 0;
        let mut found = None;
        for attempt in attempts.iter().take(self.max_attempts) {
            tried += 1;
            let plan = &plans[attempt.plan];
            message.clear();
            write_string_to_sign(
                &mut message,
                request.method,
                &axes,
                plan.scheme,
                attempt,
                false,
            );
            if self.verifies(plan, &message) {
                found = Some((plan, *attempt));
                break;
            }
        }

        let shown = |scheme, attempt: &Attempt| {
            let mut text = Vec::new();
            write_string_to_sign(&mut text, request.method, &axes, scheme, attempt, true);
            String::from_utf8_lossy(&text).into_owned()
        };
        let matched = found
            .map(|(plan, attempt)| (axes.variant(plan.scheme, plan.encoding, &attempt), attempt));
        let verdict = match &matched {
            Some((variant, _)) if *variant == standard => Verdict::Valid,
            Some(_) => Verdict::NonStandard,
            None if plans.is_empty() => Verdict::MalformedSignature,
            None => Verdict::NoMatch,
        };
        let rows = wording::rows(&axes, standard, matched.as_ref(), sent.timestamp, request);
        let detail = match verdict {
            Verdict::Valid => String::new(),
            Verdict::NonStandard => rows
                .iter()
                .filter_map(|row| row.difference.as_deref())
                .collect::<Vec<_>>()
                .join("; "),
            Verdict::NoMatch => {
                "no known signing variant matches: check the key, and that the body and X-TIMESTAMP are the ones signed"
                    .to_owned()
            }
            _ => {
                let expected: Vec<(SignatureScheme, usize)> = schemes
                    .iter()
                    .filter_map(|&scheme| Some((scheme, self.signature_len(scheme)?)))
                    .collect();
                wording::malformed(sent.signature, &expected)
            }
        };
        let summary = match verdict {
            Verdict::Valid => "valid".to_owned(),
            Verdict::NonStandard => format!("non-standard: {detail}"),
            Verdict::NoMatch => "no known variant matches".to_owned(),
            _ => format!("malformed: {detail}"),
        };
        Ok(Diagnosis {
            verdict,
            summary,
            detail,
            standard,
            matched: matched.map(|(variant, _)| variant),
            rows,
            standard_string_to_sign: shown(standard_scheme, &Attempt::STANDARD),
            standard_body_sha256: standard_scheme
                .is_transaction()
                .then(|| axes.bodies[0].value.digest().map(|d| d.as_str().to_owned()))
                .flatten(),
            matched_string_to_sign: found.map(|(plan, attempt)| shown(plan.scheme, &attempt)),
            likely_causes: if verdict == Verdict::NoMatch {
                wording::likely_causes(&schemes)
            } else {
                Vec::new()
            },
            notes,
            variants_tried: tried,
        })
    }

    /// Every scheme the credentials allow, `standard` first.
    fn schemes(&self, standard: SignatureScheme, client_id_known: bool) -> Vec<SignatureScheme> {
        let mut schemes = vec![standard];
        for (scheme, available) in [
            (SignatureScheme::Symmetric, self.symmetric.is_some()),
            (SignatureScheme::Asymmetric, self.asymmetric.is_some()),
            (
                SignatureScheme::Token,
                self.asymmetric.is_some() && client_id_known,
            ),
        ] {
            if available && !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
        schemes
    }

    fn standard_scheme(
        &self,
        path: &str,
        client_id_known: bool,
    ) -> Result<SignatureScheme, ExplainError> {
        let has_secret = self.symmetric.is_some();
        let has_key = self.asymmetric.is_some();
        if !has_secret && !has_key {
            return Err(ExplainError::NoCredentials);
        }
        let missing = |scheme, needs| Err(ExplainError::MissingCredential { scheme, needs });
        match self.expected_scheme {
            Some(SignatureScheme::Symmetric) if !has_secret => {
                return missing(SignatureScheme::Symmetric, "the client secret");
            }
            Some(scheme @ (SignatureScheme::Asymmetric | SignatureScheme::Token)) if !has_key => {
                return missing(scheme, "the signer's public key");
            }
            Some(SignatureScheme::Token) if !client_id_known => {
                return missing(
                    SignatureScheme::Token,
                    "the client id (an X-CLIENT-KEY header or an explicit client id)",
                );
            }
            Some(scheme) => return Ok(scheme),
            None => {}
        }
        if has_key && self.is_token_path(path) {
            if !client_id_known {
                return missing(
                    SignatureScheme::Token,
                    "the client id (an X-CLIENT-KEY header or an explicit client id)",
                );
            }
            return Ok(SignatureScheme::Token);
        }
        Ok(match (has_secret, has_key) {
            (true, false) => SignatureScheme::Symmetric,
            (false, _) => SignatureScheme::Asymmetric,
            (true, true) => match self.profile.transaction_signature() {
                TransactionSignature::Asymmetric => SignatureScheme::Asymmetric,
                _ => SignatureScheme::Symmetric,
            },
        })
    }

    fn is_token_path(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        let token = self.profile.token();
        path == token.b2b_path()
            || path == token.b2b2c_path()
            || [
                "/access-token/b2b",
                "/access-token/b2b2c",
                "/access-token/b2b.htm",
                "/access-token/b2b2c.htm",
            ]
            .iter()
            .any(|suffix| path.ends_with(suffix))
    }

    fn signature_len(&self, scheme: SignatureScheme) -> Option<usize> {
        match scheme {
            SignatureScheme::Symmetric => self
                .symmetric
                .as_ref()
                .map(|_| SymmetricSigner::SIGNATURE_LEN),
            _ => self.asymmetric.as_ref().map(|v| v.key().signature_len()),
        }
    }

    fn verifies(&self, plan: &Plan, message: &[u8]) -> bool {
        match plan.scheme {
            SignatureScheme::Symmetric => self
                .symmetric
                .as_ref()
                .is_some_and(|signer| signer.verify_raw(message, &plan.raw)),
            _ => self
                .asymmetric
                .as_ref()
                .is_some_and(|verifier| verifier.key().verify_raw(message, &plan.raw)),
        }
    }
}

/// The headers a signature depends on, as text.
struct SentHeaders<'h> {
    signature: &'h str,
    timestamp: &'h str,
    authorization: Option<&'h str>,
    client_key: Option<&'h str>,
    host: Option<&'h str>,
}

impl<'h> SentHeaders<'h> {
    fn read(headers: &'h HeaderMap) -> Result<Self, ExplainError> {
        Ok(Self {
            signature: header(headers, &X_SIGNATURE, "X-SIGNATURE")?.ok_or(
                ExplainError::MissingHeader {
                    name: "X-SIGNATURE",
                },
            )?,
            timestamp: header(headers, &X_TIMESTAMP, "X-TIMESTAMP")?.ok_or(
                ExplainError::MissingHeader {
                    name: "X-TIMESTAMP",
                },
            )?,
            authorization: header(headers, &AUTHORIZATION, "Authorization")?,
            client_key: header(headers, &X_CLIENT_KEY, "X-CLIENT-KEY")?,
            host: header(headers, &HOST, "Host")?,
        })
    }
}

fn header<'h>(
    headers: &'h HeaderMap,
    name: &http::HeaderName,
    shown: &'static str,
) -> Result<Option<&'h str>, ExplainError> {
    headers
        .get(name)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| ExplainError::HeaderNotText { name: shown })
        })
        .transpose()
}

#[cfg(test)]
mod tests;
