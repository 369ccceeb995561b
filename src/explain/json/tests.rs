//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::minify::minify;
use proptest::prelude::*;

fn how(escapes: EscapeStyle, numbers: NumberStyle, keys: KeyOrder) -> Reencoding {
    Reencoding {
        escapes,
        numbers,
        keys,
    }
}

fn re(text: &str, how: Reencoding) -> Option<String> {
    reencode(&parse(text)?, how)
}

const AS_SENT: Reencoding = Reencoding {
    escapes: EscapeStyle::AsSent,
    numbers: NumberStyle::AsSent,
    keys: KeyOrder::AsSent,
};

#[test]
fn identity_when_nothing_changes() {
    let text = r#"{"a":[1,2.50,{"b":"x\/y\u00e9"}],"c":null,"d":true,"e":-0.0e+1}"#;
    assert_eq!(re(text, AS_SENT).as_deref(), Some(text));
}

#[test]
fn php_escaping_matches_the_spec_example() {
    // snap-spec §3.4: the PHP json_encode form of this body, and its hash.
    let out = re(
        r#"{"callbackUrl":"https://a.id/cb","name":"Café"}"#,
        how(EscapeStyle::Php, NumberStyle::AsSent, KeyOrder::AsSent),
    )
    .unwrap();
    assert_eq!(
        out,
        r#"{"callbackUrl":"https:\/\/a.id\/cb","name":"Caf\u00e9"}"#
    );
    assert_eq!(
        crate::body::BodyDigest::of(out.as_bytes()).as_str(),
        "d89bf8c4688f4b891ef752644855b637fdcfb02856736ab3e6f35ba588c5805f"
    );
}

#[test]
fn escape_styles() {
    let text = r#"["a\/b","é😀","<&>","\u0001\u007f","\"\\\n"]"#;
    let go = |e| re(text, how(e, NumberStyle::AsSent, KeyOrder::AsSent)).unwrap();
    assert_eq!(
        go(EscapeStyle::Minimal),
        "[\"a/b\",\"é😀\",\"<&>\",\"\\u0001\u{7f}\",\"\\\"\\\\\\n\"]"
    );
    assert_eq!(
        go(EscapeStyle::Php),
        "[\"a\\/b\",\"\\u00e9\\ud83d\\ude00\",\"<&>\",\"\\u0001\u{7f}\",\"\\\"\\\\\\n\"]"
    );
    assert_eq!(
        go(EscapeStyle::Ascii),
        "[\"a/b\",\"\\u00e9\\ud83d\\ude00\",\"<&>\",\"\\u0001\\u007f\",\"\\\"\\\\\\n\"]"
    );
    assert_eq!(
        go(EscapeStyle::HtmlSafe),
        "[\"a/b\",\"é😀\",\"\\u003c\\u0026\\u003e\",\"\\u0001\u{7f}\",\"\\\"\\\\\\n\"]"
    );
}

#[test]
fn lone_surrogates_and_bad_numbers_cannot_be_reencoded() {
    let minimal = how(EscapeStyle::Minimal, NumberStyle::AsSent, KeyOrder::AsSent);
    assert_eq!(re(r#"["\ud800"]"#, minimal), None);
    assert_eq!(re(r#"["\udc00x"]"#, minimal), None);
    assert_eq!(re(r#"["\ud800\u0041"]"#, minimal), None);
    // As sent, the same text is fine.
    assert!(re(r#"["\ud800"]"#, AS_SENT).is_some());
    let shortest = how(EscapeStyle::AsSent, NumberStyle::Shortest, KeyOrder::AsSent);
    assert_eq!(re("[1e400]", shortest), None);
}

#[test]
fn numbers() {
    let text = "[10000.00,1.50,1E3,0.1,-0,-0.0,12,1e21,1.5e-7,12345678901234567890]";
    let go = |n| re(text, how(EscapeStyle::AsSent, n, KeyOrder::AsSent)).unwrap();
    assert_eq!(
        go(NumberStyle::Shortest),
        "[10000,1.5,1000,0.1,0,0,12,1e+21,1.5e-7,12345678901234567000]"
    );
    assert_eq!(
        go(NumberStyle::Float),
        // What serde_json really prints: `-0` becomes a float, exponents get a sign.
        "[10000.0,1.5,1000.0,0.1,-0.0,-0.0,12,1e+21,1.5e-7,12345678901234567890]"
    );
}

#[test]
fn sorted_keys_and_duplicates() {
    let text = r#"{"b":1,"a":{"d":1,"c":2},"b":3,"\u0061a":4}"#;
    assert_eq!(
        re(
            text,
            how(EscapeStyle::AsSent, NumberStyle::AsSent, KeyOrder::Sorted)
        )
        .unwrap(),
        r#"{"a":{"c":2,"d":1},"\u0061a":4,"b":3}"#
    );
    assert_eq!(
        re(
            text,
            how(EscapeStyle::Minimal, NumberStyle::AsSent, KeyOrder::AsSent)
        )
        .unwrap(),
        r#"{"b":3,"a":{"d":1,"c":2},"aa":4}"#
    );
}

#[test]
fn depth_is_bounded() {
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert!(parse(&deep).is_none());
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(parse(&ok).is_some());
}

#[test]
fn parse_rejects_what_is_not_minified_json() {
    for text in ["", "{", "[1,]x", "\"abc", "{\"a\" 1}", "[1] "] {
        assert!(parse(text).is_none(), "{text}");
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e30f64..1e30).prop_map(Value::from),
        "(\\PC|[\"\\\\/\u{1}\u{7f}<>&é😀])*".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(("[a-zé/\"]{0,4}", inner), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Spells a value's numbers and strings in ways serialisers differ on.
fn spelled(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => format!("{:.3}", n.as_f64().unwrap_or_default()),
        Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '/' => out.push_str("\\/"),
                    c if !c.is_ascii() => push_u_escape(&mut out, c),
                    c => {
                        let quoted = serde_json::to_string(&c.to_string()).unwrap();
                        out.push_str(&quoted[1..quoted.len() - 1]);
                    }
                }
            }
            out.push('"');
            out
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(spelled).collect();
            format!("[ {} ]", parts.join(" , "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .rev()
                .map(|(k, v)| format!("{} : {}", spelled(&Value::String(k.clone())), spelled(v)))
                .collect();
            format!("{{\n {} }}", parts.join(",\n "))
        }
        other => other.to_string(),
    }
}

proptest! {
    /// The re-encoding named after serde_json::Value is exactly what it prints.
    #[test]
    fn float_sorted_minimal_is_serde_json_value(value in arb_json()) {
        let text = spelled(&value);
        let minified = minify(text.as_bytes()).unwrap();
        let minified = std::str::from_utf8(&minified).unwrap();
        let via_serde = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&text).unwrap()).unwrap();
        let ours = re(minified, how(EscapeStyle::Minimal, NumberStyle::Float, KeyOrder::Sorted));
        prop_assert_eq!(ours, Some(via_serde));
    }

    /// Every re-encoding is minified JSON with the same meaning when numbers are kept.
    #[test]
    fn reencodings_keep_the_meaning(value in arb_json()) {
        let text = spelled(&value);
        let minified = minify(text.as_bytes()).unwrap().into_owned();
        let minified = String::from_utf8(minified).unwrap();
        let tree = parse(&minified).unwrap();
        let original: serde_json::Value = serde_json::from_str(&minified).unwrap();
        for escapes in [EscapeStyle::AsSent, EscapeStyle::Minimal, EscapeStyle::Php, EscapeStyle::Ascii, EscapeStyle::HtmlSafe] {
            for keys in [KeyOrder::AsSent, KeyOrder::Sorted] {
                let out = reencode(&tree, how(escapes, NumberStyle::AsSent, keys)).unwrap();
                let again = minify(out.as_bytes()).unwrap();
                prop_assert_eq!(again.as_ref(), out.as_bytes());
                let back: serde_json::Value = serde_json::from_str(&out).unwrap();
                prop_assert_eq!(&back, &original);
            }
        }
    }
}
