//! The `EndpointUrl` field of the SNAP string-to-sign (snap-spec §3.2).
//!
//! SNAP signs the request path and query without scheme or host, but providers disagree on
//! the exact bytes: the ASPI standard signs the target as sent, DANA signs the path alone and
//! BCA signs a canonical form with RFC 3986 encoding and sorted parameters.
//! [`endpoint_url`] renders a [`http::Uri`] under one [`EndpointUrlPolicy`], and
//! [`endpoint_url_from_str`] does the same for a request-target string.
//!
//! ```
//! use snap_bi::endpoint::{EndpointUrlPolicy, endpoint_url};
//!
//! let uri: http::Uri = "https://api.example.com/openapi/v1.0/x?b=2&a=Jakarta,ID".parse()?;
//! assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::AsSent), "/openapi/v1.0/x?b=2&a=Jakarta,ID");
//! assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::PathOnly), "/openapi/v1.0/x");
//! assert_eq!(
//!     endpoint_url(&uri, EndpointUrlPolicy::CanonicalQuery),
//!     "/openapi/v1.0/x?a=Jakarta%2CID&b=2"
//! );
//! # Ok::<(), http::uri::InvalidUri>(())
//! ```

use std::borrow::Cow;

use http::Uri;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

/// Bytes that RFC 3986 §2.3 does not list as unreserved, i.e. everything that BCA wants as `%XY`.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How the request target is turned into the `EndpointUrl` that is signed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum EndpointUrlPolicy {
    /// Path and query exactly as they appear in the request, byte for byte, without scheme
    /// and host (an empty path becomes `/`; an empty query such as `/a?` keeps its `?`).
    ///
    /// The ASPI standard, Midtrans, Faspay, Winpay and most other providers use this.
    #[default]
    AsSent,
    /// The path only; the query string is dropped.
    ///
    /// DANA (`url.Parse(endpoint).Path`), PayerMax and the BRI SDK use this.
    PathOnly,
    /// BCA's canonical form: every path segment and every query name and value is
    /// percent-decoded and re-encoded per RFC 3986 (only `A-Z a-z 0-9 - _ . ~` stay literal,
    /// everything else becomes `%XY` with uppercase hex), and the query parameters are sorted
    /// by name, then by value.
    ///
    /// Details that BCA's documentation leaves open, decided here:
    /// - sorting compares the *encoded* name and value strings in byte (ASCII) order;
    /// - `+` is **not** a space (RFC 3986 gives it no special meaning): a literal `+` becomes
    ///   `%2B`, and a space must be sent as `%20` to be signed as `%20`;
    /// - a parameter without `=` is signed as `name=`; empty parameters (`a=1&&b=2`) are
    ///   skipped, and an empty query (`/a?`) signs as the path alone, without `?`;
    /// - an invalid escape such as `%zz` is kept literally and then encoded, giving `%25zz`;
    /// - the root path is `/`.
    ///
    /// Used by BCA.
    CanonicalQuery,
}

/// The request target could not be used as an `EndpointUrl`.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// The string is not a valid URI.
    #[error("invalid request target {input:?}")]
    InvalidUri {
        /// The string as given by the caller.
        input: String,
        /// Why `http` rejected it.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The string parses, but is neither a path (`/a?x=1`) nor an absolute URI
    /// (`https://host/a?x=1`); for example a bare host name such as `api.example.com`.
    #[error("request target {input:?} has no path; expected `/path?query` or a full URI")]
    NoPath {
        /// The string as given by the caller.
        input: String,
    },
}

/// Renders the `EndpointUrl` of `uri` under `policy`.
///
/// [`EndpointUrlPolicy::AsSent`] and [`EndpointUrlPolicy::PathOnly`] borrow from `uri` and do
/// not allocate (except for the unusual absolute URI with a query but no path,
/// `https://host?x=1`, which needs a `/` inserted). [`EndpointUrlPolicy::CanonicalQuery`]
/// always allocates. Fragments never reach the result: `http::Uri` drops them when parsing.
///
/// ```
/// use snap_bi::endpoint::{EndpointUrlPolicy, endpoint_url};
///
/// let uri = http::Uri::from_static("/v1.0/transfer-va/inquiry?name=Budi%20Santoso&city=Jakarta,Indonesia");
/// assert_eq!(
///     endpoint_url(&uri, EndpointUrlPolicy::CanonicalQuery),
///     "/v1.0/transfer-va/inquiry?city=Jakarta%2CIndonesia&name=Budi%20Santoso"
/// );
/// ```
#[must_use]
pub fn endpoint_url(uri: &Uri, policy: EndpointUrlPolicy) -> Cow<'_, str> {
    match policy {
        EndpointUrlPolicy::AsSent => {
            match uri.path_and_query().map(http::uri::PathAndQuery::as_str) {
                // Authority-form URIs (`host:443`) have no path at all.
                None | Some("") => Cow::Borrowed("/"),
                // `https://host?x=1`: `http` keeps the query without a leading path.
                Some(pq) if pq.starts_with('?') => {
                    let mut out = String::with_capacity(pq.len() + 1);
                    out.push('/');
                    out.push_str(pq);
                    Cow::Owned(out)
                }
                Some(pq) => Cow::Borrowed(pq),
            }
        }
        EndpointUrlPolicy::PathOnly => Cow::Borrowed(non_empty_path(uri.path())),
        EndpointUrlPolicy::CanonicalQuery => Cow::Owned(canonical(uri.path(), uri.query())),
    }
}

/// Like [`endpoint_url`], for a request target held as a string (`/path?query` or an
/// absolute `https://host/path?query`).
///
/// When the result is a substring of `target` it is borrowed from `target`.
///
/// # Errors
///
/// [`EndpointError::InvalidUri`] when `target` is not a URI, [`EndpointError::NoPath`] when it
/// is a bare authority such as `api.example.com:443`.
///
/// ```
/// use snap_bi::endpoint::{EndpointUrlPolicy, endpoint_url_from_str};
///
/// let url = endpoint_url_from_str("https://h:8443/a/b?x=1", EndpointUrlPolicy::AsSent)?;
/// assert_eq!(url, "/a/b?x=1");
/// assert!(endpoint_url_from_str("/a b", EndpointUrlPolicy::AsSent).is_err());
/// # Ok::<(), snap_bi::endpoint::EndpointError>(())
/// ```
pub fn endpoint_url_from_str(
    target: &str,
    policy: EndpointUrlPolicy,
) -> Result<Cow<'_, str>, EndpointError> {
    let uri: Uri = target.parse().map_err(|source| EndpointError::InvalidUri {
        input: target.to_owned(),
        source,
    })?;
    // Without this check a host name typed instead of a path would silently sign as `/`.
    if uri.scheme().is_none() && !target.starts_with('/') {
        return Err(EndpointError::NoPath {
            input: target.to_owned(),
        });
    }
    Ok(match endpoint_url(&uri, policy) {
        // The result borrows from the local `uri`; any equal substring of `target` is just as
        // good and avoids the copy.
        Cow::Borrowed(s) => match target.find(s) {
            Some(start) => Cow::Borrowed(&target[start..start + s.len()]),
            None => Cow::Owned(s.to_owned()),
        },
        Cow::Owned(s) => Cow::Owned(s),
    })
}

fn non_empty_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

/// BCA's canonical form; see [`EndpointUrlPolicy::CanonicalQuery`].
fn canonical(path: &str, query: Option<&str>) -> String {
    let path = non_empty_path(path);
    // Encoding can at most triple the length; start with the common no-escape case.
    let mut out = String::with_capacity(path.len() + query.map_or(0, |q| q.len() + 1));
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        push_reencoded(&mut out, segment);
    }

    let Some(query) = query else {
        return out;
    };
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|param| !param.is_empty())
        .map(|param| {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            (reencoded(name), reencoded(value))
        })
        .collect();
    // Tuple order = by encoded name, then by encoded value; equal pairs are identical, so an
    // unstable sort is deterministic.
    params.sort_unstable();
    for (i, (name, value)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Percent-decodes `component` and appends it re-encoded with only unreserved bytes literal.
fn push_reencoded(out: &mut String, component: &str) {
    // Decode to bytes, not UTF-8: `%FF` must survive as `%FF`, not become U+FFFD.
    let decoded: Cow<'_, [u8]> = percent_decode_str(component).into();
    out.extend(percent_encode(&decoded, NOT_UNRESERVED));
}

fn reencoded(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    push_reencoded(&mut out, component);
    out
}

#[cfg(test)]
mod tests;
