//! Provider profiles: one value that bundles every way a SNAP provider departs
//! from the ASPI standard, so that supporting a provider is configuration, not
//! a fork.
//!
//! A profile says how transactions are signed (HMAC-SHA512 or SHA256withRSA),
//! how the signature is encoded, how `X-TIMESTAMP` is written, which
//! `EndpointUrl` is signed, what an empty body hashes to, how the body is
//! canonicalised, and how token requests are shaped. The presets follow the
//! sources quoted on each constructor; a custom profile starts from any preset:
//!
//! ```
//! use snap_bi::profile::{ProviderProfile, TransactionSignature};
//! use snap_bi::{EndpointUrlPolicy, SignatureEncoding};
//!
//! let bri = ProviderProfile::bri();
//! assert_eq!(bri.encoding(), SignatureEncoding::Hex);
//!
//! let mine = ProviderProfile::aspi_standard()
//!     .to_builder()
//!     .name("my-bank")
//!     .token_path("/my-bank/v1.0/access-token/b2b")
//!     .endpoint_url_policy(EndpointUrlPolicy::PathOnly)
//!     .build();
//! assert_eq!(mine.transaction_signature(), TransactionSignature::Symmetric);
//! assert_eq!(mine.token().b2b_path(), "/my-bank/v1.0/access-token/b2b");
//! ```

use std::borrow::Cow;

use crate::qris::StatusDialect;
use crate::{BodyPolicy, EmptyBodyRule, EndpointUrlPolicy, SignatureEncoding, TimestampFormat};

/// How transactional requests are signed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TransactionSignature {
    /// HMAC-SHA512 keyed with the client secret over
    /// `METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp` ("signature type 1",
    /// the standard's default).
    #[default]
    Symmetric,
    /// SHA256withRSA with the partner's private key over
    /// `METHOD:EndpointUrl:bodyhash:Timestamp` ("signature type 2"; DANA,
    /// Winpay, Faspay). `Authorization` is still sent when a token is known.
    Asymmetric,
}

/// How the grant-type field of a token request body is spelled.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum GrantTypeField {
    /// `"grantType"`, the standard.
    #[default]
    CamelCase,
    /// `"grant_type"` (BNC / Bank Neo).
    SnakeCase,
}

impl GrantTypeField {
    /// The JSON field name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CamelCase => "grantType",
            Self::SnakeCase => "grant_type",
        }
    }
}

/// How B2B2C grant-type values are written: `AUTHORIZATION_CODE` /
/// `REFRESH_TOKEN` or `authorization_code` / `refresh_token`.
/// (The B2B value is always `client_credentials`.)
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum GrantValueCase {
    /// `AUTHORIZATION_CODE`, `REFRESH_TOKEN` (the ASPI table text, DANA).
    #[default]
    Upper,
    /// `authorization_code`, `refresh_token` (the ASPI code sample, DOKU).
    Lower,
}

impl GrantValueCase {
    /// The authorization-code grant value.
    pub fn authorization_code(self) -> &'static str {
        match self {
            Self::Upper => "AUTHORIZATION_CODE",
            Self::Lower => "authorization_code",
        }
    }

    /// The refresh-token grant value.
    pub fn refresh_token(self) -> &'static str {
        match self {
            Self::Upper => "REFRESH_TOKEN",
            Self::Lower => "refresh_token",
        }
    }
}

/// How the B2B2C customer token is written in `Authorization-Customer`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum CustomerTokenStyle {
    /// `Authorization-Customer: Bearer <token>` (the ASPI standard).
    #[default]
    Bearer,
    /// `Authorization-Customer: <token>`, without a prefix (Paydia's seed
    /// sample sends the raw 411-character JWT).
    Raw,
}

/// The token-endpoint half of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenProfile {
    b2b_path: Cow<'static, str>,
    b2b2c_path: Cow<'static, str>,
    grant_type_field: GrantTypeField,
    grant_value_case: GrantValueCase,
    timestamp_format: TimestampFormat,
    send_partner_id: bool,
}

impl TokenProfile {
    /// Path of the B2B token endpoint, e.g. `/v1.0/access-token/b2b`.
    pub fn b2b_path(&self) -> &str {
        &self.b2b_path
    }
    /// Path of the B2B2C token endpoint.
    pub fn b2b2c_path(&self) -> &str {
        &self.b2b2c_path
    }
    /// Spelling of the grant-type field.
    pub fn grant_type_field(&self) -> GrantTypeField {
        self.grant_type_field
    }
    /// Casing of B2B2C grant values.
    pub fn grant_value_case(&self) -> GrantValueCase {
        self.grant_value_case
    }
    /// `X-TIMESTAMP` layout for token requests (can differ from transactions:
    /// BRI documents milliseconds for its token API).
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.timestamp_format
    }
    /// Whether token requests also carry `X-PARTNER-ID` (DANA).
    pub fn send_partner_id(&self) -> bool {
        self.send_partner_id
    }
}

/// Every deviation of one provider from the standard, in one value.
///
/// Build one from a preset ([`ProviderProfile::aspi_standard`],
/// [`bca`](ProviderProfile::bca), [`bri`](ProviderProfile::bri),
/// [`dana`](ProviderProfile::dana), [`doku`](ProviderProfile::doku),
/// [`midtrans`](ProviderProfile::midtrans), [`paydia`](ProviderProfile::paydia)),
/// adjusted through [`ProviderProfile::to_builder`] if needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProviderProfile {
    name: Cow<'static, str>,
    transaction_signature: TransactionSignature,
    encoding: SignatureEncoding,
    timestamp_format: TimestampFormat,
    endpoint_url_policy: EndpointUrlPolicy,
    empty_body_rule: EmptyBodyRule,
    body_policy: BodyPolicy,
    token: TokenProfile,
    status_dialect: StatusDialect,
    customer_token_style: CustomerTokenStyle,
}

impl Default for ProviderProfile {
    fn default() -> Self {
        Self::aspi_standard()
    }
}

impl ProviderProfile {
    /// The ASPI standard (SNAP security guideline): HMAC-SHA512 in base64,
    /// `+07:00` whole-second timestamps, the EndpointUrl as sent, SHA-256 of
    /// `""` for an empty body, token at `/v1.0/access-token/b2b` with
    /// `grantType`. Sources: snap-spec §1, §3, §5 (ASPI pages).
    pub fn aspi_standard() -> Self {
        Self {
            name: Cow::Borrowed("aspi-standard"),
            transaction_signature: TransactionSignature::Symmetric,
            encoding: SignatureEncoding::Base64,
            timestamp_format: TimestampFormat::JakartaSeconds,
            endpoint_url_policy: EndpointUrlPolicy::AsSent,
            empty_body_rule: EmptyBodyRule::HashOfEmpty,
            body_policy: BodyPolicy::Minify,
            token: TokenProfile {
                b2b_path: Cow::Borrowed("/v1.0/access-token/b2b"),
                b2b2c_path: Cow::Borrowed("/v1.0/access-token/b2b2c"),
                grant_type_field: GrantTypeField::CamelCase,
                grant_value_case: GrantValueCase::Upper,
                timestamp_format: TimestampFormat::JakartaSeconds,
                send_partner_id: false,
            },
            status_dialect: StatusDialect::Standard,
            customer_token_style: CustomerTokenStyle::Bearer,
        }
    }

    /// BCA: standard HMAC-SHA512 base64, but the EndpointUrl is the path plus
    /// the RFC 3986-encoded query sorted by name
    /// ([`EndpointUrlPolicy::CanonicalQuery`]); token at
    /// `/openapi/v1.0/access-token/b2b`. Source: BCA developer docs (snap-spec §9).
    pub fn bca() -> Self {
        Self::aspi_standard()
            .to_builder()
            .name("bca")
            .endpoint_url_policy(EndpointUrlPolicy::CanonicalQuery)
            .token_path("/openapi/v1.0/access-token/b2b")
            .b2b2c_token_path("/openapi/v1.0/access-token/b2b2c")
            .build()
    }

    /// BRI: HMAC-SHA512 written as **lowercase hex**, EndpointUrl = path only,
    /// token at `/snap/v1.0/access-token/b2b`. Source: BRI's PHP SDK
    /// (`Signature.php`, `parse_url(PATH)`), snap-spec §9. BRI's documentation
    /// asks for millisecond timestamps on the token API while its SDK sends
    /// whole seconds; the preset follows the SDK.
    pub fn bri() -> Self {
        Self::aspi_standard()
            .to_builder()
            .name("bri")
            .encoding(SignatureEncoding::Hex)
            .endpoint_url_policy(EndpointUrlPolicy::PathOnly)
            .token_path("/snap/v1.0/access-token/b2b")
            .b2b2c_token_path("/snap/v1.0/access-token/b2b2c")
            .build()
    }

    /// DANA: every transactional call is signed with **SHA256withRSA** over the
    /// 4-field string (no token), EndpointUrl = path only, `.htm` token paths,
    /// `X-PARTNER-ID` on token requests, upper-case B2B2C grants. Source: DANA
    /// Go/Python SDKs (`utils/snap_header.go`), snap-spec §9.
    pub fn dana() -> Self {
        Self::aspi_standard()
            .to_builder()
            .name("dana")
            .transaction_signature(TransactionSignature::Asymmetric)
            .endpoint_url_policy(EndpointUrlPolicy::PathOnly)
            .token_path("/v1.0/access-token/b2b.htm")
            .b2b2c_token_path("/v1.0/access-token/b2b2c.htm")
            .token_sends_partner_id(true)
            .grant_value_case(GrantValueCase::Upper)
            .build()
    }

    /// DOKU: HMAC-SHA512 base64 with **UTC** timestamps (`…Z`, whole
    /// seconds), token at `/authorization/v1/access-token/b2b`, lower-case
    /// B2B2C grants. Source: DOKU docs and Python SDK (`commons/config.py`),
    /// snap-spec §5.1, §9.
    pub fn doku() -> Self {
        Self::aspi_standard()
            .to_builder()
            .name("doku")
            .timestamp_format(TimestampFormat::UtcSeconds)
            .token_timestamp_format(TimestampFormat::UtcSeconds)
            .token_path("/authorization/v1/access-token/b2b")
            .b2b2c_token_path("/authorization/v1/access-token/b2b2c")
            .grant_value_case(GrantValueCase::Lower)
            .build()
    }

    /// Midtrans: standard HMAC-SHA512 base64 over the path and query;
    /// timestamps as in Midtrans' samples (JavaScript `toISOString()`, UTC
    /// with milliseconds). Source: Midtrans SNAP sample code (snap-spec §8.1
    /// vectors V1–V3).
    pub fn midtrans() -> Self {
        Self::aspi_standard()
            .to_builder()
            .name("midtrans")
            .timestamp_format(TimestampFormat::UtcMillis)
            .token_timestamp_format(TimestampFormat::UtcMillis)
            .build()
    }

    /// Paydia: standard HMAC-SHA512 base64, fixed-length `+07:00` timestamps,
    /// every path under `/snap` (token at `/snap/v1.0/access-token/b2b`),
    /// upper-case B2B2C grants (`AUTHORIZATION_CODE` / `REFRESH_TOKEN`),
    /// `latestTransactionStatus` `07` meaning Failed ([`StatusDialect::Paydia`]),
    /// and the customer token sent **raw** in `Authorization-Customer`
    /// ([`CustomerTokenStyle::Raw`]). Source: Paydia's QRIS MPM API document
    /// (the product owner's seed 004) and Paydia's access-token pages.
    pub fn paydia() -> Self {
        Self::aspi_standard()
            .to_builder()
            .name("paydia")
            .token_path("/snap/v1.0/access-token/b2b")
            .b2b2c_token_path("/snap/v1.0/access-token/b2b2c")
            .grant_value_case(GrantValueCase::Upper)
            .status_dialect(StatusDialect::Paydia)
            .customer_token_style(CustomerTokenStyle::Raw)
            .build()
    }

    /// Every preset, in the order above.
    pub fn presets() -> [Self; 7] {
        [
            Self::aspi_standard(),
            Self::bca(),
            Self::bri(),
            Self::dana(),
            Self::doku(),
            Self::midtrans(),
            Self::paydia(),
        ]
    }

    /// The preset called `name` (`aspi-standard` (alias `standard`), `bca`,
    /// `bri`, `dana`, `doku`, `midtrans`, `paydia`; case-insensitive).
    pub fn preset(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        if name == "standard" || name == "aspi" {
            return Some(Self::aspi_standard());
        }
        Self::presets().into_iter().find(|p| p.name == name)
    }

    /// A builder starting from this profile.
    pub fn to_builder(&self) -> ProviderProfileBuilder {
        ProviderProfileBuilder(self.clone())
    }

    /// The profile's name (a preset's name, or what the builder set).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// How transactions are signed.
    pub fn transaction_signature(&self) -> TransactionSignature {
        self.transaction_signature
    }
    /// How `X-SIGNATURE` is encoded.
    pub fn encoding(&self) -> SignatureEncoding {
        self.encoding
    }
    /// How transactional `X-TIMESTAMP`s are written.
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.timestamp_format
    }
    /// Which EndpointUrl is signed.
    pub fn endpoint_url_policy(&self) -> EndpointUrlPolicy {
        self.endpoint_url_policy
    }
    /// What an empty body contributes to the string-to-sign.
    pub fn empty_body_rule(&self) -> EmptyBodyRule {
        self.empty_body_rule
    }
    /// How bodies are canonicalised before hashing (validating minify by
    /// default).
    pub fn body_policy(&self) -> BodyPolicy {
        self.body_policy
    }
    /// The token-endpoint settings.
    pub fn token(&self) -> &TokenProfile {
        &self.token
    }
    /// How the provider's `latestTransactionStatus` codes read (`07` is
    /// *Not found* in the standard, *Failed* at Paydia).
    pub fn status_dialect(&self) -> StatusDialect {
        self.status_dialect
    }
    /// How `Authorization-Customer` carries the customer token (`Bearer …`
    /// in the standard, raw at Paydia).
    pub fn customer_token_style(&self) -> CustomerTokenStyle {
        self.customer_token_style
    }
}

/// Builds a [`ProviderProfile`]; start from a preset with
/// [`ProviderProfile::to_builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ProviderProfileBuilder(ProviderProfile);

impl ProviderProfileBuilder {
    /// Names the profile (shown in logs and errors).
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.0.name = name.into();
        self
    }
    /// Sets the transactional signature scheme.
    pub fn transaction_signature(mut self, scheme: TransactionSignature) -> Self {
        self.0.transaction_signature = scheme;
        self
    }
    /// Sets the `X-SIGNATURE` encoding.
    pub fn encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.0.encoding = encoding;
        self
    }
    /// Sets the transactional `X-TIMESTAMP` layout.
    pub fn timestamp_format(mut self, format: TimestampFormat) -> Self {
        self.0.timestamp_format = format;
        self
    }
    /// Sets which EndpointUrl is signed.
    pub fn endpoint_url_policy(mut self, policy: EndpointUrlPolicy) -> Self {
        self.0.endpoint_url_policy = policy;
        self
    }
    /// Sets the empty-body rule.
    pub fn empty_body_rule(mut self, rule: EmptyBodyRule) -> Self {
        self.0.empty_body_rule = rule;
        self
    }
    /// Sets the body policy ([`BodyPolicy::Raw`] hashes bodies as given,
    /// without validation).
    pub fn body_policy(mut self, policy: BodyPolicy) -> Self {
        self.0.body_policy = policy;
        self
    }
    /// Sets the B2B token path.
    pub fn token_path(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.0.token.b2b_path = path.into();
        self
    }
    /// Sets the B2B2C token path.
    pub fn b2b2c_token_path(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.0.token.b2b2c_path = path.into();
        self
    }
    /// Sets the grant-type field spelling.
    pub fn grant_type_field(mut self, field: GrantTypeField) -> Self {
        self.0.token.grant_type_field = field;
        self
    }
    /// Sets the B2B2C grant value casing.
    pub fn grant_value_case(mut self, case: GrantValueCase) -> Self {
        self.0.token.grant_value_case = case;
        self
    }
    /// Sets the token requests' `X-TIMESTAMP` layout.
    pub fn token_timestamp_format(mut self, format: TimestampFormat) -> Self {
        self.0.token.timestamp_format = format;
        self
    }
    /// Whether token requests carry `X-PARTNER-ID`.
    pub fn token_sends_partner_id(mut self, send: bool) -> Self {
        self.0.token.send_partner_id = send;
        self
    }
    /// How `latestTransactionStatus` codes read.
    pub fn status_dialect(mut self, dialect: StatusDialect) -> Self {
        self.0.status_dialect = dialect;
        self
    }
    /// How `Authorization-Customer` carries the customer token.
    pub fn customer_token_style(mut self, style: CustomerTokenStyle) -> Self {
        self.0.customer_token_style = style;
        self
    }
    /// The finished profile.
    pub fn build(self) -> ProviderProfile {
        self.0
    }
}

#[cfg(test)]
mod tests;
