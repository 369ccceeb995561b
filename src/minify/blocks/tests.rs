//! Unit tests of the parent module, kept in their own file.

use proptest::prelude::*;

use super::super::reference;

/// The block scanner agrees with the reference: the same output when
/// the reference accepts, `None` when it rejects; and `minify` (which
/// falls back to the reference) returns exactly what the reference does.
fn check(input: &[u8]) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(input);
    let expected = reference::minify(input);
    match (super::minify(input), &expected) {
        (Some(out), Ok(want)) => prop_assert_eq!(&*out, &**want, "input {:?}", shown),
        (None, Err(_)) => {}
        // Deep nesting is left to the reference.
        (None, Ok(_)) if max_depth(input) > super::MAX_DEPTH as usize => {}
        (got, want) => prop_assert!(
            false,
            "block scanner {:?} but reference {:?} for {:?}",
            got.map(|o| String::from_utf8_lossy(&o).into_owned()),
            want,
            shown
        ),
    }
    prop_assert_eq!(super::super::minify(input), expected);
    Ok(())
}

/// `text` behind 0 to 130 spaces, so that each of its bytes meets every
/// position in a block (and the end of the input falls everywhere).
fn check_at_every_offset(text: &[u8]) {
    for pad in 0..130 {
        let mut input = vec![b' '; pad];
        input.extend_from_slice(text);
        if let Err(e) = check(&input) {
            panic!("padding {pad}: {e}");
        }
        // And with the text cut short at every length near the end.
        for cut in input.len().saturating_sub(3)..input.len() {
            if let Err(e) = check(&input[..cut]) {
                panic!("padding {pad}, cut at {cut}: {e}");
            }
        }
    }
}

/// How deeply containers nest in `input` (brackets outside strings).
fn max_depth(input: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in input {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => {
                depth += 1;
                max = max.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn valid(text: &[u8]) -> bool {
    reference::minify(text).is_ok()
}

#[test]
fn strings_and_escapes_across_block_boundaries() {
    let cases: &[&[u8]] = &[
            br#"{"a":"x"}"#,
            br#"["\"", "\\", "\\\"", "\\\\\"\\"]"#,
            br#"["\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"]"#,
            br#"["\u00e9\u0041\ud800\udc00\ud800 \udc00", "\/\b\f\n\r\t"]"#,
            br#"{"k" : "a long string value that is well over sixty-four bytes long, with \"quotes\" inside"}"#,
            br#"[1, -0.5e+10, true, false, null, 123456789012345678901234567890123456789012345678901234567890123456789]"#,
            "[\"é\", \"日本語\", \"𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞\", {\"ключ\": \"значение\"}]".as_bytes(),
            b"{\r\n\t\"a\" :\t[ ]\r\n, \"b\" : { } }\n",
        ];
    for case in cases {
        assert!(valid(case), "{}", String::from_utf8_lossy(case));
        check_at_every_offset(case);
    }
}

#[test]
fn invalid_input_across_block_boundaries() {
    let cases: &[&[u8]] = &[
        br#"["\q"]"#,
        br#"["\u12g4"]"#,
        br#"["\u12"]"#,
        br#"["abc\"]"#,
        br#"["abc\\\"]"#,
        b"[\"tab\there\"]",
        b"[\"nl\nhere\"]",
        b"[\"nul\x00here\"]",
        b"[1,\x0b2]",
        b"[\"\xff\"]",
        b"[\"\xe6\x97\"]",
        b"[\"\xed\xa0\x80\"]",
        b"[\"\xc3\"]",
        b"[\"x\"] \xc3\xa9",
        br#"{"a" 1}"#,
        br#"{"a":1,}"#,
        br#"{"a":1 "b":2}"#,
        br#"["a":1]"#,
        br#"{"a":1]"#,
        br#"[1}"#,
        br#"{"a","b"}"#,
        br#"{1:2}"#,
        br#"[1 2]"#,
        br#"[01]"#,
        br#"[1.]"#,
        br#"[-]"#,
        br#"[truex]"#,
        br#"[nul]"#,
        br#"[tru e]"#,
        br#"1 2"#,
        br#""a" "b""#,
        br#"{} {}"#,
        br#"]"#,
        br#"[\"a"]"#,
        br#"[1]]"#,
        br#"[[1]"#,
        br#"{"a":{"b":[1,{"c":null}]}"#,
        br#"[,1]"#,
        br#"[1,,2]"#,
        br#"{"a"::1}"#,
    ];
    for case in cases {
        assert!(!valid(case), "{}", String::from_utf8_lossy(case));
        check_at_every_offset(case);
    }
}

#[test]
fn quotes_and_backslashes_at_the_last_bytes_of_a_block() {
    // A string whose closing quote, or an escaping backslash, falls on
    // bytes 62, 63, 64 and 65 of the input.
    for len in 58..68 {
        for tail in [&br#"""#[..], br#"\"""#, br#"\\""#, br#"\\\"""#] {
            let mut text = b"[\"".to_vec();
            text.resize(len, b'a');
            text.extend_from_slice(tail);
            text.extend_from_slice(b", 1]");
            check(&text).unwrap();
            text.truncate(text.len() - 4);
            check(&text).unwrap();
        }
    }
}

#[test]
fn deep_nesting() {
    for depth in [1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 300] {
        let mut text = "[ ".repeat(depth);
        text.push('1');
        text.push_str(&" ]".repeat(depth));
        check(text.as_bytes()).unwrap();
        let mut object = "{\"k\": ".repeat(depth);
        object.push_str("{}");
        object.push_str(&"}".repeat(depth));
        check(object.as_bytes()).unwrap();
        // One closer of the wrong kind, at each level.
        for level in 0..depth.min(70) {
            let mut wrong = text.clone().into_bytes();
            let closer = wrong.len() - 2 * (level + 1) + 1;
            wrong[closer] = b'}';
            check(&wrong).unwrap();
        }
    }
}

#[test]
fn compact_input_and_whitespace_at_the_ends_are_borrowed() {
    let mut compact = b"[".to_vec();
    for i in 0..20 {
        compact.extend_from_slice(format!("{{\"k{i}\":\"v a l u e\"}},").as_bytes());
    }
    compact.extend_from_slice(b"1]");
    for (lead, trail) in [(0, 0), (1, 0), (0, 1), (63, 64), (64, 63), (130, 7)] {
        let mut input = vec![b'\n'; lead];
        input.extend_from_slice(&compact);
        input.resize(input.len() + trail, b' ');
        match super::minify(&input) {
            Some(std::borrow::Cow::Borrowed(out)) => {
                assert_eq!(out, &compact[..]);
                assert!(std::ptr::eq(out, &input[lead..lead + compact.len()]));
            }
            other => panic!("{lead}+{trail}: {other:?}"),
        }
    }
}

#[test]
fn blank_and_tiny_inputs() {
    for text in [
        &b""[..],
        b" ",
        b"\n\t\r ",
        b"0",
        b"\"\"",
        b"{}",
        b"[]",
        b" 1 ",
        b"-",
    ] {
        check_at_every_offset(text);
    }
    check(&[b' '; 200]).unwrap();
}

/// A JSON text with whitespace chosen by `gaps`, built from `seed` values.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?",
        "\"([a-zA-Z0-9 ]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}|[é日𝄞\u{7f}]){0,80}\"",
    ];
    let gap = "[ \t\r\n]{0,3}|[ ]{0,12}";
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec((inner.clone(), gap, gap), 0..8).prop_map(|items| {
                let body: Vec<String> = items
                    .into_iter()
                    .map(|(v, a, b)| format!("{a}{v}{b}"))
                    .collect();
                format!("[{}]", body.join(","))
            }),
            prop::collection::vec(
                ("\"([a-z_]|\\\\\"|\\\\\\\\){0,10}\"", inner, gap, gap, gap),
                0..8
            )
            .prop_map(|members| {
                let body: Vec<String> = members
                    .into_iter()
                    .map(|(k, v, a, b, c)| format!("{a}{k}{b}:{c}{v}{a}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

fn jsonish_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => prop::sample::select(b"{}[]:,\"\\/ \t\r\n0123456789-+.eEtrufalsnu".to_vec()),
        1 => any::<u8>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn agrees_with_reference_on_arbitrary_bytes(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            prop::collection::vec(jsonish_byte(), 0..300),
        ]
    ) {
        check(&bytes)?;
    }

    #[test]
    fn agrees_with_reference_on_valid_json(text in json_text(), pad in 0usize..64) {
        let mut input = vec![b' '; pad];
        input.extend_from_slice(text.as_bytes());
        prop_assert!(reference::minify(&input).is_ok(), "generator made invalid JSON: {}", text);
        check(&input)?;
    }

    #[test]
    fn agrees_with_reference_on_perturbed_json(
        text in json_text(),
        pad in 0usize..64,
        edits in prop::collection::vec((0u8..3, any::<prop::sample::Index>(), jsonish_byte()), 1..4),
    ) {
        let mut input = vec![b' '; pad];
        input.extend_from_slice(text.as_bytes());
        for (kind, at, byte) in edits {
            match kind {
                0 if !input.is_empty() => {
                    input.remove(at.index(input.len()));
                }
                1 if !input.is_empty() => {
                    let i = at.index(input.len());
                    input[i] = byte;
                }
                _ => {
                    let i = at.index(input.len() + 1);
                    input.insert(i, byte);
                }
            }
        }
        check(&input)?;
    }
}
