//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::minify::BodyPolicy;

#[test]
fn shapes() {
    let body = CanonicalBody::new(br#"{"a":1}"#, BodyPolicy::Minify).unwrap();
    let d = body.digest().as_str().to_owned();
    let p = TransactionParts::new("POST", "/p?q=1", &body, "TS");
    assert_eq!(
        p.symmetric_string_to_sign("tok").as_str(),
        format!("POST:/p?q=1:tok:{d}:TS")
    );
    assert_eq!(
        p.asymmetric_string_to_sign().as_str(),
        format!("POST:/p?q=1:{d}:TS")
    );
}

#[test]
fn empty_body_rules_shape_the_string() {
    let empty = CanonicalBody::empty();
    let p = TransactionParts::new("POST", "/p", &empty, "TS");
    assert!(
        p.symmetric_string_to_sign("t")
            .as_str()
            .contains(BodyDigest::EMPTY.as_str())
    );
    let p2 = p.with_empty_body_rule(EmptyBodyRule::EmptySegment);
    assert_eq!(p2.symmetric_string_to_sign("t").as_str(), "POST:/p:t::TS");
    assert_eq!(p2.asymmetric_string_to_sign().as_str(), "POST:/p::TS");
    let p3 = p.with_empty_body_rule(EmptyBodyRule::DropSegment);
    assert_eq!(p3.symmetric_string_to_sign("t").as_str(), "POST:/p:t:TS");
    assert_eq!(p3.asymmetric_string_to_sign().as_str(), "POST:/p:TS");
    // The last rule applied wins.
    let back = p3.with_empty_body_rule(EmptyBodyRule::HashOfEmpty);
    assert_eq!(
        back.asymmetric_string_to_sign(),
        p.asymmetric_string_to_sign()
    );
}

#[test]
fn bearer_prefix_is_dropped() {
    assert_eq!(bare_token("Bearer abc"), "abc");
    assert_eq!(bare_token("bearer abc"), "abc");
    assert_eq!(bare_token("BEARER  abc"), "abc");
    assert_eq!(bare_token("abc"), "abc");
    assert_eq!(bare_token("Bearerabc"), "Bearerabc");
    assert_eq!(bare_token("é"), "é");
}

#[test]
fn streamed_pieces_equal_the_string() {
    let body = CanonicalBody::new(b"[1]", BodyPolicy::Minify).unwrap();
    let p = TransactionParts::new("PUT", "/x", &body, "2024-01-01T00:00:00+07:00");
    let mut streamed = Vec::new();
    p.write_symmetric("Bearer t", &mut |b| streamed.extend_from_slice(b));
    assert_eq!(streamed, p.symmetric_string_to_sign("t").as_bytes());
}

#[test]
fn debug_does_not_show_token() {
    let s = token_string_to_sign("id", "ts");
    assert!(!format!("{s:?}").contains("id|ts"));
    assert_eq!(s.to_string(), "id|ts");
}
