//! Token responses, parsed leniently where providers differ and precisely
//! where it matters (snap-spec §1.5, §2).
//!
//! - `expiresIn` may be the string `"900"`, the number `900`, or missing;
//!   Durianpay even sends a date-time there. Missing or unusable, the
//!   lifetime comes from `accessTokenExpiryTime` (B2B2C), then from the
//!   `exp` claim when the access token is a JWT (read without verification
//!   and used for nothing else), then from a configured default. A source
//!   giving less than [`MIN_LIFETIME`] (30 s) — zero, or an expiry already
//!   past by our clock — is skipped like a missing one.
//! - `accessTokenExpiryTime` / `refreshTokenExpiryTime` are ISO-8601.
//! - `tokenType` is compared case-insensitively (`Bearer`, `bearer`,
//!   `BearerToken` are all bearer types); it may be absent.
//! - The HTTP status is authoritative: a non-2xx answer is never a token.
//!   A `responseCode` that is not a success code, a non-2xx status, a body
//!   that is not a JSON object or is too large, and a missing `accessToken`
//!   are each their own [`TokenError`] variant.
//!
//! ```
//! use std::time::Duration;
//! use chrono::DateTime;
//! use http::StatusCode;
//! use snap_bi::token::{LifetimeSource, ResponseOptions, TokenError, parse_token_response};
//!
//! let now = DateTime::parse_from_rfc3339("2024-09-10T06:24:42Z")?.to_utc();
//! let options = ResponseOptions::default();
//!
//! let body = br#"{"responseCode":"2007300","responseMessage":"Successful",
//!   "accessToken":"opaque-token","tokenType":"bearer","expiresIn":"900"}"#;
//! let grant = parse_token_response(StatusCode::OK, body, &options, now)?;
//! assert_eq!(grant.access_token().expose_secret(), "opaque-token");
//! assert_eq!(grant.lifetime(), Duration::from_secs(900));
//! assert_eq!(grant.lifetime_source(), LifetimeSource::ExpiresIn);
//!
//! let refused = br#"{"responseCode":"4017300","responseMessage":"Unauthorized. [Signature]"}"#;
//! match parse_token_response(StatusCode::UNAUTHORIZED, refused, &options, now) {
//!     Err(TokenError::Refused { code, .. }) => assert_eq!(code, "4017300"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::StatusCode;
use serde_json::{Map, Value};

use super::{AccessToken, RefreshToken, TokenError};
use crate::response_code::ResponseCode;

/// Shortest lifetime a token is cached for. A response whose lifetime is
/// shorter — `expiresIn: 0`, or an `accessTokenExpiryTime`, `expiresIn`
/// date-time or JWT `exp` already past (or seconds away) by the client's
/// clock — gives no usable lifetime: the next source is tried and, failing
/// all, [`ResponseOptions::default_lifetime`] applies (itself at least this).
/// One rule for every source, so a provider with a skewed clock costs one
/// token request per default lifetime, not one per call; should the token
/// really be expired, the provider's `401xx01` makes the layer invalidate it
/// and fetch once more (single-flight, backed off on failure).
pub const MIN_LIFETIME: Duration = Duration::from_secs(30);

/// Largest lifetime accepted from a response; longer claims are cut to
/// this (a year), which keeps instant arithmetic far from overflow.
pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// How responses are read: the body size limit and the lifetime assumed
/// when the response does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseOptions {
    /// Bodies larger than this are rejected ([`TokenError::BodyTooLarge`]).
    /// Default 64 KiB (an `accessToken` is at most 2048 characters).
    pub max_body_bytes: usize,
    /// Lifetime used when neither `expiresIn`, an expiry time nor a JWT
    /// `exp` claim gives a usable one (at least [`MIN_LIFETIME`]). Default
    /// 900 s, the standard's lifetime; values under [`MIN_LIFETIME`] are
    /// raised to it.
    pub default_lifetime: Duration,
}

impl Default for ResponseOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            default_lifetime: Duration::from_secs(900),
        }
    }
}

impl ResponseOptions {
    /// The defaults (64 KiB, 900 s).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the body size limit.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sets the lifetime assumed when the response gives none.
    #[must_use]
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }
}

/// Where a token's lifetime came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifetimeSource {
    /// `expiresIn` in seconds (string or number).
    ExpiresIn,
    /// `expiresIn` holding a date-time instead of seconds (Durianpay).
    ExpiresInDateTime,
    /// `accessTokenExpiryTime` (B2B2C).
    AccessTokenExpiryTime,
    /// The `exp` claim of a JWT access token (read, not verified).
    JwtExp,
    /// None of the above: [`ResponseOptions::default_lifetime`].
    Default,
}

/// A successful token response: the access token and how long it lives.
///
/// `Debug` redacts the tokens.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    access_token: AccessToken,
    token_type: Option<String>,
    lifetime: Duration,
    lifetime_source: LifetimeSource,
    refresh_token: Option<RefreshToken>,
    refresh_lifetime: Option<Duration>,
    response_code: Option<String>,
    response_message: Option<String>,
}

impl TokenGrant {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// `tokenType` as sent, if it was.
    pub fn token_type(&self) -> Option<&str> {
        self.token_type.as_deref()
    }

    /// How long the access token lives, counted from when the response was
    /// received (callers subtract nothing; caches count from the moment the
    /// request was sent, which is earlier and so on the safe side).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Where [`lifetime`](Self::lifetime) came from.
    pub fn lifetime_source(&self) -> LifetimeSource {
        self.lifetime_source
    }

    /// The refresh token (B2B2C).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// How long the refresh token lives, from `refreshTokenExpiryTime`.
    pub fn refresh_lifetime(&self) -> Option<Duration> {
        self.refresh_lifetime
    }

    /// `responseCode` as sent, if it was.
    pub fn response_code(&self) -> Option<&str> {
        self.response_code.as_deref()
    }

    /// `responseMessage` as sent, if it was.
    pub fn response_message(&self) -> Option<&str> {
        self.response_message.as_deref()
    }
}

/// Parses a token endpoint's answer.
///
/// `now` is the current wall-clock time, used to turn absolute expiry times
/// into lifetimes; pass the provider's response `X-TIMESTAMP` when it has
/// one, so clock skew between the two sides cancels out.
///
/// # Errors
/// One [`TokenError`] variant per failure shape: [`BodyTooLarge`],
/// [`HttpStatus`] (non-2xx, no `responseCode`), [`Refused`] (a
/// `responseCode` that is not 2xx, including on a 2xx answer),
/// [`NotJson`], [`MissingAccessToken`], [`MalformedField`],
/// [`UnsupportedTokenType`].
///
/// [`BodyTooLarge`]: TokenError::BodyTooLarge
/// [`HttpStatus`]: TokenError::HttpStatus
/// [`Refused`]: TokenError::Refused
/// [`NotJson`]: TokenError::NotJson
/// [`MissingAccessToken`]: TokenError::MissingAccessToken
/// [`MalformedField`]: TokenError::MalformedField
/// [`UnsupportedTokenType`]: TokenError::UnsupportedTokenType
pub fn parse_token_response(
    status: StatusCode,
    body: &[u8],
    options: &ResponseOptions,
    now: DateTime<Utc>,
) -> Result<TokenGrant, TokenError> {
    if body.len() > options.max_body_bytes {
        return Err(TokenError::BodyTooLarge {
            status,
            limit: options.max_body_bytes,
        });
    }
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    let code = object.as_ref().and_then(response_code);
    let message = object.as_ref().and_then(|m| text(m, "responseMessage"));
    if !status.is_success() {
        return Err(match code {
            Some(code) => TokenError::Refused {
                status,
                code,
                message: message.unwrap_or_default(),
            },
            None => TokenError::HttpStatus {
                status,
                message: message
                    .or_else(|| object.as_ref().and_then(|m| text(m, "message")))
                    .or_else(|| object.as_ref().and_then(|m| text(m, "error")))
                    .unwrap_or_default(),
            },
        });
    }
    let Some(map) = object else {
        return Err(TokenError::NotJson { status });
    };
    if let Some(code) = &code {
        // A 2xx answer can still carry a refusal in its responseCode; a code
        // that is not even well-formed is not a success either.
        if !ResponseCode::parse(code).is_ok_and(|c| c.is_success()) {
            return Err(TokenError::Refused {
                status,
                code: code.clone(),
                message: message.unwrap_or_default(),
            });
        }
    }
    let malformed = |field, reason| TokenError::MalformedField {
        status,
        field,
        reason,
    };
    let access_token = match field(&map, "accessToken", "access_token") {
        None | Some(Value::Null) => {
            return Err(TokenError::MissingAccessToken {
                status,
                code: code.unwrap_or_default(),
                message: message.unwrap_or_default(),
            });
        }
        Some(Value::String(s)) => AccessToken::new(s)
            .map_err(|_| malformed("accessToken", "not a non-empty visible-ASCII string"))?,
        Some(_) => return Err(malformed("accessToken", "not a string")),
    };
    let token_type = match field(&map, "tokenType", "token_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.to_ascii_lowercase().starts_with("bearer") => Some(t.clone()),
        Some(Value::String(t)) => {
            return Err(TokenError::UnsupportedTokenType {
                token_type: t.chars().take(32).collect(),
            });
        }
        Some(_) => return Err(malformed("tokenType", "not a string")),
    };
    let refresh_token = match field(&map, "refreshToken", "refresh_token") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(
            RefreshToken::new(s.as_str())
                .map_err(|_| malformed("refreshToken", "not a usable string"))?,
        ),
        Some(_) => return Err(malformed("refreshToken", "not a string")),
    };
    let refresh_lifetime = field(&map, "refreshTokenExpiryTime", "refresh_token_expiry_time")
        .and_then(Value::as_str)
        .and_then(parse_date_time)
        .map(|at| until(at, now));
    let (lifetime, lifetime_source) = lifetime(&map, &access_token, options, now);
    Ok(TokenGrant {
        access_token,
        token_type,
        lifetime,
        lifetime_source,
        refresh_token,
        refresh_lifetime,
        response_code: code,
        response_message: message,
    })
}

/// Looks a field up by its standard camelCase name, then by the snake_case
/// spelling some providers use.
fn field<'a>(map: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    map.get(camel).or_else(|| map.get(snake))
}

/// Provider-supplied text, cut to a bounded length for error messages.
fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.get(name).and_then(Value::as_str).map(clip)
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

/// `responseCode` as a string (some providers send a number).
fn response_code(map: &Map<String, Value>) -> Option<String> {
    match map.get("responseCode")? {
        Value::String(s) => Some(clip(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The lifetime from the first source that gives a usable one (at least
/// [`MIN_LIFETIME`]); a source that gives less — `expiresIn: 0`, an expiry
/// already past by our clock, a JWT `exp` seconds away — says nothing usable
/// and the next is tried, down to the default.
fn lifetime(
    map: &Map<String, Value>,
    token: &AccessToken,
    options: &ResponseOptions,
    now: DateTime<Utc>,
) -> (Duration, LifetimeSource) {
    let mut candidates: Vec<(Option<Duration>, LifetimeSource)> = Vec::with_capacity(2);
    match field(map, "expiresIn", "expires_in") {
        Some(Value::Number(n)) => {
            candidates.push((n.as_f64().map(seconds), LifetimeSource::ExpiresIn));
        }
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<f64>() {
                candidates.push((Some(seconds(n)), LifetimeSource::ExpiresIn));
            } else if let Some(at) = parse_date_time(s) {
                candidates.push((Some(until(at, now)), LifetimeSource::ExpiresInDateTime));
            }
        }
        _ => {}
    }
    for (lifetime, source) in candidates {
        if let Some(lifetime) = usable(lifetime, source) {
            return (lifetime, source);
        }
    }
    if let Some(at) = field(map, "accessTokenExpiryTime", "access_token_expiry_time")
        .and_then(Value::as_str)
        .and_then(parse_date_time)
        && let Some(lifetime) = usable(Some(until(at, now)), LifetimeSource::AccessTokenExpiryTime)
    {
        return (lifetime, LifetimeSource::AccessTokenExpiryTime);
    }
    if let Some(at) = jwt_exp(token.expose_secret())
        && let Some(lifetime) = usable(Some(until(at, now)), LifetimeSource::JwtExp)
    {
        return (lifetime, LifetimeSource::JwtExp);
    }
    (
        options.default_lifetime.max(MIN_LIFETIME).min(MAX_LIFETIME),
        LifetimeSource::Default,
    )
}

/// `lifetime` if it is at least [`MIN_LIFETIME`]; otherwise `None`, noted
/// in the trace (a provider whose clock or expiry field is off would
/// otherwise cost one token request per call, silently).
fn usable(lifetime: Option<Duration>, source: LifetimeSource) -> Option<Duration> {
    match lifetime {
        Some(lifetime) if lifetime >= MIN_LIFETIME => Some(lifetime),
        lifetime => {
            tracing::warn!(
                target: "snap_bi::token",
                ?source,
                lifetime_secs = lifetime.map(|l| l.as_secs()),
                min_secs = MIN_LIFETIME.as_secs(),
                "token lifetime from the response is unusable (under the floor, or already \
                 expired by our clock); using the next source or the default lifetime"
            );
            None
        }
    }
}

/// A number of seconds as a lifetime (capped); zero for zero, negative or
/// non-finite values, which [`usable`] then refuses.
fn seconds(seconds: f64) -> Duration {
    if seconds.is_finite() && seconds > 0.0 {
        Duration::try_from_secs_f64(seconds).map_or(MAX_LIFETIME, |d| d.min(MAX_LIFETIME))
    } else {
        Duration::ZERO
    }
}

/// Time from `now` until `at`; zero if `at` has passed.
fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    at.signed_duration_since(now)
        .to_std()
        .map_or(Duration::ZERO, |d| d.min(MAX_LIFETIME))
}

/// ISO-8601 / RFC 3339 date-times, plus the forms seen in the wild:
/// `+0700` offsets and Go's `2024-05-13 08:47:36.452492159 +0000 UTC`.
pub(crate) fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.to_utc());
    }
    // Go's time.Time String(): drop a trailing zone abbreviation.
    let go = match s.rsplit_once(' ') {
        Some((head, zone)) if zone.bytes().all(|b| b.is_ascii_alphabetic()) => head,
        _ => s,
    };
    DateTime::parse_from_str(go, "%Y-%m-%d %H:%M:%S%.f %z")
        .ok()
        .map(|t| t.to_utc())
}

/// The `exp` claim of a JWT, read **without verifying the token**: used
/// only as a lifetime hint when the response gives none, never trusted for
/// anything else.
fn jwt_exp(token: &str) -> Option<DateTime<Utc>> {
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<f64>,
    }
    if token.bytes().filter(|&b| b == b'.').count() != 2 {
        return None;
    }
    let claims: Claims = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    let exp = claims
        .exp
        .filter(|e| e.is_finite() && *e > 0.0 && *e < 1e12)?;
    // The guard above keeps the value well inside i64.
    DateTime::from_timestamp(exp as i64, 0)
}

#[cfg(test)]
mod tests;
