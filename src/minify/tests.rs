//! Unit tests of the parent module, kept in their own file.

use super::*;

fn ok(input: &str) -> String {
    String::from_utf8(minify(input.as_bytes()).unwrap().into_owned()).unwrap()
}

fn bad(input: &[u8]) -> MinifyError {
    minify(input).unwrap_err()
}

#[test]
fn strips_only_between_tokens() {
    assert_eq!(
        ok(" { \"a b\" : [ 1 , \"x  y\" ] } "),
        "{\"a b\":[1,\"x  y\"]}"
    );
}

#[test]
fn compact_input_is_borrowed() {
    let input = br#"{"a":[1,2,{"b":null}]}"#;
    assert!(matches!(minify(input).unwrap(), Cow::Borrowed(_)));
}

#[test]
fn leading_and_trailing_whitespace_only_still_borrowed_slice_is_correct() {
    assert_eq!(ok("  {\"a\":1}"), "{\"a\":1}");
    assert_eq!(ok("{\"a\":1}\n"), "{\"a\":1}");
}

#[test]
fn empty_and_whitespace_only_are_no_body() {
    assert!(minify(b"").unwrap().is_empty());
    assert!(minify(b" \r\n\t").unwrap().is_empty());
}

#[test]
fn scalars_at_top_level() {
    assert_eq!(ok(" 12.5e-3 "), "12.5e-3");
    assert_eq!(ok("true"), "true");
    assert_eq!(ok("\"s\""), "\"s\"");
    assert_eq!(ok("-0"), "-0");
}

#[test]
fn offsets_point_at_the_problem() {
    assert_eq!(bad(b"{\"a\":1,}").offset(), 7);
    assert_eq!(bad(b"{\"a\":1,}").kind(), MinifyErrorKind::ExpectedKey);
    assert_eq!(
        bad(b"[1 2]").kind(),
        MinifyErrorKind::ExpectedCommaOrBracket
    );
    assert_eq!(bad(b"[1 2]").offset(), 3);
    assert_eq!(bad(b"{\"a\" 1}").kind(), MinifyErrorKind::ExpectedColon);
    assert_eq!(
        bad(b"{\"a\":1} x").kind(),
        MinifyErrorKind::TrailingCharacters
    );
    assert_eq!(bad(b"{\"a\":1} x").offset(), 8);
    assert_eq!(bad(b"\"ab\x01\"").offset(), 3);
    assert_eq!(
        bad(b"\"ab\x01").kind(),
        MinifyErrorKind::ControlCharacterInString
    );
    assert_eq!(bad(b"\"a\\q\"").kind(), MinifyErrorKind::InvalidEscape);
    assert_eq!(bad(b"\"a\\u12g4\"").kind(), MinifyErrorKind::InvalidEscape);
    assert_eq!(bad(b"\"a\\u12").kind(), MinifyErrorKind::UnexpectedEnd);
    assert_eq!(bad(b"\"a\\").kind(), MinifyErrorKind::UnexpectedEnd);
    assert_eq!(bad(b"{\"a\":").kind(), MinifyErrorKind::UnexpectedEnd);
    assert_eq!(bad(b"{\"a\":").offset(), 5);
    assert_eq!(bad(b"[\"x").kind(), MinifyErrorKind::UnexpectedEnd);
    assert_eq!(bad(b"[\xff]").kind(), MinifyErrorKind::InvalidUtf8);
    assert_eq!(bad(b"[\xff]").offset(), 1);
}

#[test]
fn numbers() {
    for good in ["0", "-0", "10000.00", "1e10", "1E+2", "1.50E-2", "123"] {
        assert_eq!(ok(good), good);
    }
    for b in ["01", "+1", "1.", ".5", "1e", "1e+", "-", "--1", "0x10"] {
        assert!(minify(b.as_bytes()).is_err(), "{b} should be rejected");
    }
}

#[test]
fn literals() {
    for b in ["tru", "nul", "falsey", "True", "NaN", "Infinity"] {
        assert!(minify(b.as_bytes()).is_err(), "{b} should be rejected");
    }
}

#[test]
fn deep_nesting_spills_without_recursion() {
    let depth = 10_000;
    let mut s = "[".repeat(depth);
    s.push_str(&"]".repeat(depth));
    assert_eq!(ok(&s), s);
    let mut o = String::new();
    for _ in 0..300 {
        o.push_str("{\"k\" : [ ");
    }
    o.push('1');
    for _ in 0..300 {
        o.push_str(" ] }");
    }
    assert_eq!(ok(&o), o.replace(' ', ""));
    // Mismatched closer deep in the spill area.
    let mut m = "[".repeat(200);
    m.push_str("1}");
    assert_eq!(
        bad(m.as_bytes()).kind(),
        MinifyErrorKind::ExpectedCommaOrBracket
    );
}

#[test]
fn raw_policy_passes_bytes_through() {
    let body = b"{ not json";
    assert_eq!(&*BodyPolicy::Raw.apply(body).unwrap(), body);
    assert!(BodyPolicy::Minify.apply(body).is_err());
}

#[test]
fn error_display_names_offset() {
    let e = bad(b"{\"a\":+1}");
    assert_eq!(
        e.to_string(),
        "invalid JSON body at byte 5: expected a JSON value"
    );
}
