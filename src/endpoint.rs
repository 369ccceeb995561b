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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url(target: &str, policy: EndpointUrlPolicy) -> String {
        endpoint_url_from_str(target, policy).unwrap().into_owned()
    }

    const PLAIN: &str = "/snap/v1.0/transfer-va/create-va";

    #[test]
    fn default_is_as_sent() {
        assert_eq!(EndpointUrlPolicy::default(), EndpointUrlPolicy::AsSent);
    }

    #[test]
    fn plain_path_is_unchanged_by_every_policy() {
        for policy in [
            EndpointUrlPolicy::AsSent,
            EndpointUrlPolicy::PathOnly,
            EndpointUrlPolicy::CanonicalQuery,
        ] {
            assert_eq!(url(PLAIN, policy), PLAIN, "{policy:?}");
        }
    }

    #[test]
    fn as_sent_keeps_query_bytes() {
        let t = "/a/b?z=1&a=Budi+Santoso&c=%2c,x&e=%7e";
        assert_eq!(url(t, EndpointUrlPolicy::AsSent), t);
        assert_eq!(url("/a/b?", EndpointUrlPolicy::AsSent), "/a/b?");
        assert_eq!(url("/a%zz?q=%zz", EndpointUrlPolicy::AsSent), "/a%zz?q=%zz");
    }

    #[test]
    fn as_sent_and_path_only_borrow_from_uri() {
        let uri = Uri::from_static("https://h:8443/a/b?x=1");
        assert!(matches!(
            endpoint_url(&uri, EndpointUrlPolicy::AsSent),
            Cow::Borrowed("/a/b?x=1")
        ));
        assert!(matches!(
            endpoint_url(&uri, EndpointUrlPolicy::PathOnly),
            Cow::Borrowed("/a/b")
        ));
    }

    #[test]
    fn from_str_borrows_from_target() {
        let target = String::from("https://h/a/b?x=1#frag");
        let got = endpoint_url_from_str(&target, EndpointUrlPolicy::AsSent).unwrap();
        assert_eq!(got, "/a/b?x=1");
        assert!(matches!(got, Cow::Borrowed(_)));
    }

    #[test]
    fn absolute_uri() {
        let t = "https://h:8443/a/b?x=1";
        assert_eq!(url(t, EndpointUrlPolicy::AsSent), "/a/b?x=1");
        assert_eq!(url(t, EndpointUrlPolicy::PathOnly), "/a/b");
        assert_eq!(url(t, EndpointUrlPolicy::CanonicalQuery), "/a/b?x=1");
    }

    #[test]
    fn absolute_uri_with_query_but_no_path() {
        let t = "https://h?x=1";
        assert_eq!(url(t, EndpointUrlPolicy::AsSent), "/?x=1");
        assert_eq!(url(t, EndpointUrlPolicy::PathOnly), "/");
        assert_eq!(url(t, EndpointUrlPolicy::CanonicalQuery), "/?x=1");
    }

    #[test]
    fn root() {
        for t in ["/", "https://h", "https://h/"] {
            for policy in [
                EndpointUrlPolicy::AsSent,
                EndpointUrlPolicy::PathOnly,
                EndpointUrlPolicy::CanonicalQuery,
            ] {
                assert_eq!(url(t, policy), "/", "{t} {policy:?}");
            }
        }
        assert_eq!(
            url("/?b=1&a", EndpointUrlPolicy::CanonicalQuery),
            "/?a=&b=1"
        );
    }

    #[test]
    fn authority_form_uri_is_root() {
        let uri = Uri::from_static("h:8443");
        assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::AsSent), "/");
        assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::PathOnly), "/");
        assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::CanonicalQuery), "/");
    }

    #[test]
    fn empty_query() {
        assert_eq!(url("/a?", EndpointUrlPolicy::AsSent), "/a?");
        assert_eq!(url("/a?", EndpointUrlPolicy::PathOnly), "/a");
        assert_eq!(url("/a?", EndpointUrlPolicy::CanonicalQuery), "/a");
        assert_eq!(url("/a?&&", EndpointUrlPolicy::CanonicalQuery), "/a");
    }

    #[test]
    fn path_only_drops_query() {
        assert_eq!(
            url("/v1.0/x.htm?a=1&b=2", EndpointUrlPolicy::PathOnly),
            "/v1.0/x.htm"
        );
    }

    #[test]
    fn bca_sorts_by_name_then_value() {
        assert_eq!(
            url(
                "/openapi/v1.0/x?b=2&a=3&a=1",
                EndpointUrlPolicy::CanonicalQuery
            ),
            "/openapi/v1.0/x?a=1&a=3&b=2"
        );
    }

    #[test]
    fn bca_encodes_values() {
        assert_eq!(
            url(
                "/openapi/v1.0/x?name=Budi%20Santoso&city=Jakarta,Indonesia",
                EndpointUrlPolicy::CanonicalQuery
            ),
            "/openapi/v1.0/x?city=Jakarta%2CIndonesia&name=Budi%20Santoso"
        );
    }

    #[test]
    fn bca_plus_is_a_literal_plus() {
        assert_eq!(
            url(
                "/x?name=Budi+Santoso&p=%2B",
                EndpointUrlPolicy::CanonicalQuery
            ),
            "/x?name=Budi%2BSantoso&p=%2B"
        );
    }

    #[test]
    fn bca_normalises_escapes_and_unreserved() {
        // Lowercase hex, needlessly escaped unreserved bytes and raw sub-delims all converge.
        assert_eq!(
            url(
                "/a%7eb/c:d@e/f%2fg?k%61y=%2c;x",
                EndpointUrlPolicy::CanonicalQuery
            ),
            "/a~b/c%3Ad%40e/f%2Fg?kay=%2C%3Bx"
        );
        assert_eq!(
            url("/caf%C3%A9/é?q=é", EndpointUrlPolicy::CanonicalQuery),
            "/caf%C3%A9/%C3%A9?q=%C3%A9"
        );
    }

    #[test]
    fn bca_parameter_without_equals_and_extra_equals() {
        assert_eq!(
            url("/x?flag&a=b=c&=v", EndpointUrlPolicy::CanonicalQuery),
            "/x?=v&a=b%3Dc&flag="
        );
    }

    #[test]
    fn bca_invalid_escape_is_encoded_literally() {
        assert_eq!(
            url("/a%zz?q=%zz&r=%4", EndpointUrlPolicy::CanonicalQuery),
            "/a%25zz?q=%25zz&r=%254"
        );
        assert_eq!(
            url("/x?q=%FF", EndpointUrlPolicy::CanonicalQuery),
            "/x?q=%FF"
        );
    }

    #[test]
    fn from_str_errors_carry_input() {
        match endpoint_url_from_str("/a b", EndpointUrlPolicy::AsSent) {
            Err(EndpointError::InvalidUri { input, .. }) => assert_eq!(input, "/a b"),
            other => panic!("unexpected {other:?}"),
        }
        for t in ["api.example.com", "api.example.com:443", "*"] {
            match endpoint_url_from_str(t, EndpointUrlPolicy::AsSent) {
                Err(EndpointError::NoPath { input }) => assert_eq!(input, t),
                other => panic!("unexpected {other:?} for {t}"),
            }
        }
        assert!(endpoint_url_from_str("", EndpointUrlPolicy::AsSent).is_err());
        let err = endpoint_url_from_str("a/b", EndpointUrlPolicy::AsSent).unwrap_err();
        assert!(err.to_string().contains("\"a/b\""), "{err}");
    }

    fn is_canonical_output(s: &str) -> bool {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' => {
                    let hex = |c: u8| c.is_ascii_digit() || (b'A'..=b'F').contains(&c);
                    if i + 2 >= b.len() {
                        return false;
                    }
                    if !(hex(b[i + 1]) && hex(b[i + 2])) {
                        return false;
                    }
                    i += 3;
                }
                c if c.is_ascii_alphanumeric() || b"-_.~/?=&".contains(&c) => i += 1,
                _ => return false,
            }
        }
        true
    }

    // Path and query pieces that `http::Uri` accepts, with escapes (valid and not), sub-delims,
    // `+`, `=`, `&` and non-ASCII text.
    const SEGMENT: &str = "(%[0-9A-Fa-f]{2}|%[g-z]|[a-zA-Z0-9._~!$'()*+,;=:@%é-]){0,6}";
    const QUERY: &str = "(%[0-9A-Fa-f]{2}|%[g-z]|[a-zA-Z0-9._~!$'()*+,;=:@%/?&é-]){0,24}";

    proptest! {
        #[test]
        fn canonical_query_is_idempotent_and_clean(
            segments in proptest::collection::vec(SEGMENT, 0..5),
            query in proptest::option::of(QUERY),
        ) {
            let mut target = String::new();
            for s in &segments {
                target.push('/');
                target.push_str(s);
            }
            if target.is_empty() {
                target.push('/');
            }
            if let Some(q) = &query {
                target.push('?');
                target.push_str(q);
            }
            let once = endpoint_url_from_str(&target, EndpointUrlPolicy::CanonicalQuery);
            prop_assume!(once.is_ok());
            let once = once.unwrap().into_owned();
            prop_assert!(is_canonical_output(&once), "{target} -> {once}");
            prop_assert!(once.starts_with('/'));
            let twice = url(&once, EndpointUrlPolicy::CanonicalQuery);
            prop_assert_eq!(&twice, &once, "target {}", target);
            // AsSent never changes a target it can parse.
            prop_assert_eq!(url(&target, EndpointUrlPolicy::AsSent), target);
        }
    }
}
