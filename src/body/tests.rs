//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn empty_constant_matches_sha256_of_nothing() {
    assert_eq!(BodyDigest::of(b""), BodyDigest::EMPTY);
}

#[test]
fn digest_is_lowercase_hex_of_minified_bytes() {
    let body = CanonicalBody::new(b"{\"a\" : 1}", BodyPolicy::Minify).unwrap();
    assert_eq!(body.digest(), &BodyDigest::of(br#"{"a":1}"#));
    assert!(
        body.digest()
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
}

#[test]
fn empty_body_rules() {
    let empty = CanonicalBody::empty();
    assert_eq!(
        empty.segment(EmptyBodyRule::HashOfEmpty),
        BodySegment::Digest(&BodyDigest::EMPTY)
    );
    assert_eq!(
        empty.segment(EmptyBodyRule::EmptySegment),
        BodySegment::Empty
    );
    assert_eq!(
        empty.segment(EmptyBodyRule::DropSegment),
        BodySegment::Omitted
    );
    let braces = CanonicalBody::new(b"{}", BodyPolicy::Minify).unwrap();
    assert!(matches!(
        braces.segment(EmptyBodyRule::DropSegment),
        BodySegment::Digest(_)
    ));
}

#[test]
fn debug_hides_content() {
    let body = CanonicalBody::new(br#"{"pan":"4111"}"#, BodyPolicy::Raw).unwrap();
    assert!(!format!("{body:?}").contains("4111"));
}
