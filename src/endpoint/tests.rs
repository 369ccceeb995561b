//! Unit tests of the parent module, kept in their own file.

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
