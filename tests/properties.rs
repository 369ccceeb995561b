//! Property tests: minification against JSON rendered two ways and against serde_json,
//! sign/verify round trips with tampering, `EndpointUrl` policies and timestamps.
//!
//! JSON documents are generated as a tree of our own ([`Json`]) rather than as
//! `serde_json::Value`, so that duplicate keys, key order, number spellings and string
//! escapes survive into the rendered text exactly as generated.

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use snap_bi::endpoint::endpoint_url_from_str;
use snap_bi::minify::minify;
use snap_bi::{
    AsymmetricSigner, AsymmetricVerifier, BodyPolicy, CanonicalBody, ClientSecret,
    EndpointUrlPolicy, RsaPrivateKey, RsaPublicKey, SignatureEncoding, SymmetricSigner, Timestamp,
    TimestampFormat, TransactionParts, VerifyError, endpoint_url,
};

// ---------------------------------------------------------------------------------------
// A JSON tree that keeps what serde_json::Value would lose
// ---------------------------------------------------------------------------------------

/// A JSON string: each character with a choice of how to write it (see [`push_char`]).
#[derive(Debug, Clone)]
struct JStr(Vec<(char, u8)>);

impl JStr {
    /// The decoded value.
    fn value(&self) -> String {
        self.0.iter().map(|&(c, _)| c).collect()
    }
}

#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    /// A number, already spelled in valid JSON number syntax.
    Num(String),
    Str(JStr),
    Arr(Vec<Json>),
    /// Members in order; keys may repeat.
    Obj(Vec<(JStr, Json)>),
}

/// Writes `c` inside a string literal. `style` picks among the legal spellings:
/// characters that must be escaped (`"`, `\`, U+0000–U+001F) always are, with a short
/// escape or `\uXXXX` (either hex case); others are written raw or, sometimes, as `\/`
/// or `\uXXXX` (a surrogate pair outside the BMP).
fn push_char(out: &mut String, c: char, style: u8) {
    fn u_escape(out: &mut String, c: char, upper: bool) {
        use std::fmt::Write as _;
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            // Writing to a String cannot fail.
            let _ = if upper {
                write!(out, "\\u{unit:04X}")
            } else {
                write!(out, "\\u{unit:04x}")
            };
        }
    }

    let upper = style & 1 == 1;
    match c {
        '"' | '\\' if style < 2 => {
            out.push('\\');
            out.push(c);
        }
        '"' | '\\' => u_escape(out, c, upper),
        '\u{0}'..='\u{1f}' => {
            let short = match c {
                '\u{8}' => Some('b'),
                '\u{c}' => Some('f'),
                '\n' => Some('n'),
                '\r' => Some('r'),
                '\t' => Some('t'),
                _ => None,
            };
            match short {
                Some(s) if style < 2 => {
                    out.push('\\');
                    out.push(s);
                }
                _ => u_escape(out, c, upper),
            }
        }
        '/' if style == 0 => out.push_str("\\/"),
        _ if style == 3 => u_escape(out, c, upper),
        _ => out.push(c),
    }
}

fn push_str_literal(out: &mut String, s: &JStr) {
    out.push('"');
    for &(c, style) in &s.0 {
        push_char(out, c, style);
    }
    out.push('"');
}

/// Whitespace runs put between tokens, taken in turn from a pool (empty pool: none).
struct Gaps<'a> {
    pool: &'a [String],
    next: usize,
}

impl<'a> Gaps<'a> {
    fn new(pool: &'a [String]) -> Self {
        Self { pool, next: 0 }
    }

    fn push(&mut self, out: &mut String) {
        if !self.pool.is_empty() {
            out.push_str(&self.pool[self.next % self.pool.len()]);
            self.next += 1;
        }
    }
}

fn render_value(v: &Json, gaps: &mut Gaps<'_>, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => push_str_literal(out, s),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                gaps.push(out);
                if i > 0 {
                    out.push(',');
                    gaps.push(out);
                }
                render_value(item, gaps, out);
            }
            gaps.push(out);
            out.push(']');
        }
        Json::Obj(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                gaps.push(out);
                if i > 0 {
                    out.push(',');
                    gaps.push(out);
                }
                push_str_literal(out, key);
                gaps.push(out);
                out.push(':');
                gaps.push(out);
                render_value(value, gaps, out);
            }
            gaps.push(out);
            out.push('}');
        }
    }
}

/// The text with whitespace from `pool` before, between and after all tokens.
fn render(v: &Json, pool: &[String]) -> String {
    let mut gaps = Gaps::new(pool);
    let mut out = String::new();
    gaps.push(&mut out);
    render_value(v, &mut gaps, &mut out);
    gaps.push(&mut out);
    out
}

fn compact(v: &Json) -> String {
    render(v, &[])
}

/// Drops every object member whose (decoded) key already appeared in that object.
fn without_duplicate_keys(v: Json) -> Json {
    match v {
        Json::Arr(items) => Json::Arr(items.into_iter().map(without_duplicate_keys).collect()),
        Json::Obj(members) => {
            let mut seen = std::collections::HashSet::new();
            Json::Obj(
                members
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.value()))
                    .map(|(k, v)| (k, without_duplicate_keys(v)))
                    .collect(),
            )
        }
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

fn string_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => prop::char::range(' ', '~'),
        2 => prop::sample::select(vec![
            '"', '\\', '/', ' ', ' ', '\n', '\t', '\r', '\u{8}', '\u{c}', '\u{0}', '\u{1f}',
            '\u{7f}', '\u{a0}', '\u{2028}', '\u{feff}', 'é', '☕', '😀', ':', '{', '}', '[', ']',
            ',',
        ]),
        1 => prop::char::range('\u{0}', '\u{1f}'),
    ]
}

fn jstr() -> impl Strategy<Value = JStr> {
    prop::collection::vec((string_char(), 0u8..4), 0..10).prop_map(JStr)
}

/// Keys from a tiny alphabet (so duplicates are frequent, in varying spellings) or any string.
fn key() -> impl Strategy<Value = JStr> {
    prop_oneof![
        3 => prop::collection::vec((prop::sample::select(vec!['a', 'b']), 0u8..4), 0..3)
            .prop_map(JStr),
        1 => jstr(),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        // `Display` of a finite f64 is plain decimal (no exponent): valid JSON, sometimes
        // hundreds of digits long.
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| x.to_string()),
        "-?(0|[1-9][0-9]{0,18})(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,2})?",
    ]
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number().prop_map(Json::Num),
        jstr().prop_map(Json::Str),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Arr),
            prop::collection::vec((key(), inner), 0..6).prop_map(Json::Obj),
        ]
    })
}

/// A pool of whitespace runs (spaces, tabs, CR, LF; often empty).
fn gap_pool() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[ \t\r\n]{0,4}", 1..12)
}

/// A byte that is likely to matter to a JSON parser.
fn jsonish_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        2 => prop::sample::select(b"{}[]:,\"\\/ \t\r\n0123456789-+.eEtrufalsnu".to_vec()),
        1 => any::<u8>(),
    ]
}

// ---------------------------------------------------------------------------------------
// 1–3: minify
// ---------------------------------------------------------------------------------------

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether `input` is grammatical JSON (RFC 8259) in UTF-8, by serde_json's own grammar:
/// deserialising into `IgnoredAny` checks the syntax (numbers, escapes, control
/// characters) without decoding values, so it has none of the limits of decoding into a
/// `Value` (unpaired surrogate escapes, numbers beyond f64). `IgnoredAny` does not check
/// the UTF-8 inside strings, hence the separate check.
fn grammatical(input: &[u8]) -> bool {
    std::str::from_utf8(input).is_ok()
        && serde_json::from_slice::<serde::de::IgnoredAny>(input).is_ok()
}

/// minify accepts exactly the grammatical JSON texts, plus empty or whitespace-only input
/// ("no body", documented), which it maps to nothing. When serde_json also decodes the
/// input into a `Value`, the minified text decodes to the same value; when it cannot,
/// the reason must be one that RFC 8259 leaves to implementations: unpaired surrogate
/// escapes (§8.2) or numbers outside the parser's range (§6).
fn check_agreement(input: &[u8]) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(input);
    let blank = input.iter().all(|&b| is_ws(b));
    let grammatical = grammatical(input);
    match minify(input) {
        Err(e) => {
            prop_assert!(
                !grammatical && !blank,
                "minify rejects valid JSON ({}): {:?}",
                e,
                shown
            );
            prop_assert!(
                e.offset() <= input.len(),
                "offset {} > len {}",
                e.offset(),
                input.len()
            );
        }
        Ok(out) if blank => prop_assert!(out.is_empty(), "blank input gave {:?}", out),
        Ok(out) => {
            prop_assert!(grammatical, "minify accepts invalid JSON: {:?}", shown);
            match serde_json::from_slice::<serde_json::Value>(input) {
                Ok(value) => {
                    let reparsed = serde_json::from_slice::<serde_json::Value>(&out);
                    prop_assert!(
                        reparsed.is_ok(),
                        "minified output does not parse: {:?} -> {:?}",
                        shown,
                        String::from_utf8_lossy(&out)
                    );
                    prop_assert_eq!(reparsed.ok(), Some(value), "input {:?}", shown);
                }
                Err(e) => {
                    let msg = e.to_string();
                    prop_assert!(
                        msg.contains("surrogate")
                            || msg.contains("hex escape")
                            || msg.contains("number out of range"),
                        "serde_json rejects grammatical JSON for another reason ({}): {:?}",
                        msg,
                        shown
                    );
                }
            }
        }
    }
    Ok(())
}

/// Applies one edit: 0 deletes, 1 inserts, 2 replaces the byte at `at`.
fn mutate(mut bytes: Vec<u8>, kind: u8, at: Index, byte: u8) -> Vec<u8> {
    match kind {
        0 if !bytes.is_empty() => {
            bytes.remove(at.index(bytes.len()));
        }
        2 if !bytes.is_empty() => {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        _ => {
            let i = at.index(bytes.len() + 1);
            bytes.insert(i, byte);
        }
    }
    bytes
}

proptest! {
    /// 1. Pretty and compact renderings minify to the compact one, and compact input is
    /// returned borrowed.
    #[test]
    fn minify_strips_exactly_the_inter_token_whitespace(v in json(), pool in gap_pool()) {
        let compact = compact(&v);
        let pretty = render(&v, &pool);
        let from_compact = minify(compact.as_bytes());
        prop_assert!(from_compact.is_ok(), "{:?}: {:?}", compact, from_compact);
        let from_compact = from_compact.unwrap();
        prop_assert!(
            matches!(from_compact, Cow::Borrowed(_)),
            "compact input was copied: {:?}",
            compact
        );
        prop_assert_eq!(String::from_utf8_lossy(&from_compact), compact.as_str());

        let from_pretty = minify(pretty.as_bytes());
        prop_assert!(from_pretty.is_ok(), "{:?}: {:?}", pretty, from_pretty);
        let from_pretty = from_pretty.unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&from_pretty), compact.as_str());
    }

    /// 2. minify is idempotent, and its output is a fixed point that is borrowed.
    #[test]
    fn minify_is_idempotent(v in json(), pool in gap_pool()) {
        let pretty = render(&v, &pool);
        let once = minify(pretty.as_bytes()).unwrap();
        let twice = minify(&once).unwrap();
        prop_assert!(matches!(twice, Cow::Borrowed(_)));
        prop_assert_eq!(&*twice, &*once);
    }

    /// 3a. On valid JSON (no duplicate keys), minify accepts and its output parses to the
    /// same serde_json value as the input.
    #[test]
    fn minify_preserves_the_parsed_value(v in json(), pool in gap_pool()) {
        let v = without_duplicate_keys(v);
        let pretty = render(&v, &pool);
        prop_assert!(
            serde_json::from_str::<serde_json::Value>(&pretty).is_ok(),
            "generator produced invalid JSON: {:?}",
            pretty
        );
        check_agreement(pretty.as_bytes())?;
    }

    /// 3b. minify and serde_json agree on arbitrary bytes.
    #[test]
    fn minify_agrees_with_serde_on_arbitrary_bytes(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            prop::collection::vec(jsonish_byte(), 0..64),
        ]
    ) {
        check_agreement(&bytes)?;
    }

    /// 3c. minify and serde_json agree on valid JSON with one byte deleted, inserted or
    /// replaced.
    #[test]
    fn minify_agrees_with_serde_on_mutated_json(
        v in json(),
        pool in prop_oneof![Just(Vec::new()), gap_pool()],
        kind in 0u8..3,
        at in any::<Index>(),
        byte in jsonish_byte(),
    ) {
        let text = render(&without_duplicate_keys(v), &pool);
        check_agreement(&mutate(text.into_bytes(), kind, at, byte))?;
    }
}

/// A chain of `depth` nested containers (`true`: object with key `"k"`, `false`: array)
/// around `1`, with whitespace from `pool` between all tokens; `wrong_closer` swaps the
/// closing bracket at that level for the other kind.
fn nested(kinds: &[bool], pool: &[String], wrong_closer: Option<usize>) -> String {
    let mut gaps = Gaps::new(pool);
    let mut out = String::new();
    for &is_object in kinds {
        gaps.push(&mut out);
        out.push_str(if is_object { "{" } else { "[" });
        if is_object {
            gaps.push(&mut out);
            out.push_str("\"k\"");
            gaps.push(&mut out);
            out.push(':');
        }
    }
    gaps.push(&mut out);
    out.push('1');
    for (level, &is_object) in kinds.iter().enumerate().rev() {
        gaps.push(&mut out);
        let close_object = is_object != (wrong_closer == Some(level));
        out.push(if close_object { '}' } else { ']' });
    }
    gaps.push(&mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Nesting deeper than serde_json's limit (and across minify's 128-level boundary):
    /// compared with our own compact rendering instead of serde_json.
    #[test]
    fn minify_deep_nesting(
        kinds in prop::collection::vec(any::<bool>(), 120..300),
        pool in gap_pool(),
        wrong in any::<Index>(),
    ) {
        let compact = nested(&kinds, &[], None);
        let pretty = nested(&kinds, &pool, None);
        let out = minify(pretty.as_bytes());
        prop_assert!(out.is_ok(), "{:?}", out);
        let out = out.unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&out), compact.as_str());

        let level = wrong.index(kinds.len());
        let broken = nested(&kinds, &pool, Some(level));
        prop_assert!(minify(broken.as_bytes()).is_err(), "wrong closer at level {} accepted", level);
    }
}

#[test]
fn known_rfc_leeway_cases_are_accepted_by_minify() {
    // Each is grammatical per RFC 8259 (or blank) and cannot be decoded into a
    // serde_json `Value`; `check_agreement` allows exactly these.
    for input in [
        &br#"["\ud800"]"#[..],
        br#""\udc00""#,
        br#""\ud800\n""#,
        b"[1e400]",
        b"-1e999",
        b" \r\n\t",
        b"",
    ] {
        assert!(
            minify(input).is_ok(),
            "{:?}",
            String::from_utf8_lossy(input)
        );
        assert!(
            serde_json::from_slice::<serde_json::Value>(input).is_err(),
            "{:?}",
            String::from_utf8_lossy(input)
        );
        check_agreement(input).unwrap();
        assert!(input.is_empty() || input[0] == b' ' || grammatical(input));
    }
}

// ---------------------------------------------------------------------------------------
// 4: symmetric signatures
// ---------------------------------------------------------------------------------------

/// Replaces the ASCII character at `at` with another one from `lo..lo + span`, never
/// with itself.
fn shift_ascii(s: &str, at: Index, shift: u8, lo: u8, span: u8) -> String {
    let mut bytes = s.as_bytes().to_vec();
    let i = at.index(bytes.len());
    let offset = (bytes[i] - lo + 1 + shift % (span - 1)) % span;
    bytes[i] = lo + offset;
    String::from_utf8(bytes).expect("ASCII stays ASCII")
}

/// Printable ASCII without space: `!` to `~`.
fn shift_printable(s: &str, at: Index, shift: u8) -> String {
    shift_ascii(s, at, shift, b'!', 94)
}

/// An optional JSON body: its pretty rendering and its compact rendering.
fn body() -> impl Strategy<Value = Option<(String, String)>> {
    prop::option::weighted(
        0.9,
        (json(), gap_pool()).prop_map(|(v, pool)| (render(&v, &pool), compact(&v))),
    )
}

/// Flips bits of one byte of the canonical body (or replaces an empty body with `{}`),
/// then re-canonicalises: with `Minify` when the result is still JSON, `Raw` otherwise.
/// A single-byte change of minified text never minifies back to the same text.
fn tampered_body(canonical: &[u8], at: Index, flip: u8) -> CanonicalBody<'static> {
    let mut bytes = canonical.to_vec();
    if bytes.is_empty() {
        bytes = b"{}".to_vec();
    } else {
        let i = at.index(bytes.len());
        bytes[i] ^= flip;
    }
    let canonical = match minify(&bytes) {
        Ok(out) => out.into_owned(),
        Err(_) => bytes,
    };
    CanonicalBody::from_canonical(Cow::Owned(canonical))
}

proptest! {
    /// 4. Symmetric sign → verify round-trips, and altering any one input breaks it.
    #[test]
    fn symmetric_round_trip_and_tamper(
        method in "[A-Z]{1,7}",
        url in "/[!-~]{0,40}",
        token in "[!-~]{1,40}",
        secret in "\\PC{1,24}",
        body in body(),
        timestamp in "[0-9T:.+Z-]{1,30}",
        hex in any::<bool>(),
        at in any::<Index>(),
        shift in any::<u8>(),
        flip in 1u8..=255,
    ) {
        let signer = SymmetricSigner::new(&ClientSecret::new(secret.as_str()).unwrap())
            .with_encoding(if hex { SignatureEncoding::Hex } else { SignatureEncoding::Base64 });
        let (pretty, compact) = body.unwrap_or_default();

        // The sender signs its pretty body…
        let sent = CanonicalBody::new(pretty.as_bytes(), BodyPolicy::Minify).unwrap();
        let parts = TransactionParts::new(&method, &url, &sent, &timestamp);
        let sig = signer.sign(&parts, &token);
        prop_assert_eq!(sig.as_str().len(), if hex { 128 } else { 88 });

        // …and the receiver, canonicalising a different spelling, verifies it, with or
        // without `Bearer `, with a signer built independently from the same secret.
        let received = CanonicalBody::new(compact.as_bytes(), BodyPolicy::Minify).unwrap();
        prop_assert_eq!(received.bytes(), sent.bytes());
        let rparts = TransactionParts::new(&method, &url, &received, &timestamp);
        let verifier = SymmetricSigner::new(&ClientSecret::new(secret.as_str()).unwrap());
        prop_assert_eq!(verifier.verify(&rparts, &token, sig.as_str()), Ok(()));
        prop_assert_eq!(
            verifier.verify(&rparts, &format!("Bearer {token}"), sig.as_str()),
            Ok(())
        );

        let mismatch = Err(VerifyError::Mismatch);
        let m = shift_ascii(&method, at, shift, b'A', 26);
        let p = TransactionParts::new(&m, &url, &received, &timestamp);
        prop_assert_eq!(verifier.verify(&p, &token, sig.as_str()), mismatch.clone(), "method");

        let u = shift_printable(&url, at, shift);
        let p = TransactionParts::new(&method, &u, &received, &timestamp);
        prop_assert_eq!(verifier.verify(&p, &token, sig.as_str()), mismatch.clone(), "url");

        let t = shift_printable(&token, at, shift);
        prop_assert_eq!(verifier.verify(&rparts, &t, sig.as_str()), mismatch.clone(), "token");

        let ts = shift_printable(&timestamp, at, shift);
        let p = TransactionParts::new(&method, &url, &received, &ts);
        prop_assert_eq!(verifier.verify(&p, &token, sig.as_str()), mismatch.clone(), "timestamp");

        let tb = tampered_body(received.bytes(), at, flip);
        prop_assert_ne!(tb.bytes(), received.bytes());
        let p = TransactionParts::new(&method, &url, &tb, &timestamp);
        prop_assert_eq!(verifier.verify(&p, &token, sig.as_str()), mismatch.clone(), "body");

        let other = SymmetricSigner::new(&ClientSecret::new(format!("{secret}x")).unwrap());
        prop_assert_eq!(other.verify(&rparts, &token, sig.as_str()), mismatch.clone(), "secret");

        // One flipped bit in the signature itself.
        let mut raw = if hex {
            hex::decode(sig.as_str()).unwrap()
        } else {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig.as_str())
                .unwrap()
        };
        let i = at.index(raw.len());
        raw[i] ^= 1 << (flip % 8);
        let bad = snap_bi::Signature::encode(&raw, signer.encoding());
        prop_assert_eq!(verifier.verify(&rparts, &token, bad.as_str()), mismatch, "signature");
    }
}

// ---------------------------------------------------------------------------------------
// 5: asymmetric signatures (RSA is slow: few cases)
// ---------------------------------------------------------------------------------------

fn partner_keys() -> &'static (AsymmetricSigner, AsymmetricVerifier) {
    static KEYS: OnceLock<(AsymmetricSigner, AsymmetricVerifier)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let private = include_str!("vectors/keys/partner-test-private.pem");
        let public = include_str!("vectors/keys/partner-test-public.pem");
        (
            AsymmetricSigner::new(RsaPrivateKey::from_pem(private).unwrap()),
            AsymmetricVerifier::new(RsaPublicKey::from_pem(public).unwrap()),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// 5. Asymmetric sign → verify round-trips (transaction and token shapes), and one
    /// altered byte of the signed data or of the signature breaks it.
    #[test]
    fn asymmetric_round_trip_and_tamper(
        method in "[A-Z]{1,7}",
        url in "/[!-~]{0,40}",
        body in body(),
        timestamp in "[0-9T:.+Z-]{1,30}",
        client_id in "[!-~]{1,36}",
        field in 0u8..4,
        at in any::<Index>(),
        shift in any::<u8>(),
        flip in 1u8..=255,
    ) {
        let (signer, verifier) = partner_keys();
        let (pretty, _) = body.unwrap_or_default();
        let canonical = CanonicalBody::new(pretty.as_bytes(), BodyPolicy::Minify).unwrap();
        let parts = TransactionParts::new(&method, &url, &canonical, &timestamp);
        let sig = signer.sign(&parts).unwrap();
        prop_assert_eq!(verifier.verify(&parts, sig.as_str()), Ok(()));

        let mismatch = Err(VerifyError::Mismatch);
        let (m, u, ts);
        let tb;
        let tampered = match field {
            0 => {
                m = shift_ascii(&method, at, shift, b'A', 26);
                TransactionParts::new(&m, &url, &canonical, &timestamp)
            }
            1 => {
                u = shift_printable(&url, at, shift);
                TransactionParts::new(&method, &u, &canonical, &timestamp)
            }
            2 => {
                ts = shift_printable(&timestamp, at, shift);
                TransactionParts::new(&method, &url, &canonical, &ts)
            }
            _ => {
                tb = tampered_body(canonical.bytes(), at, flip);
                TransactionParts::new(&method, &url, &tb, &timestamp)
            }
        };
        prop_assert_eq!(verifier.verify(&tampered, sig.as_str()), mismatch.clone(), "field {}", field);

        let mut raw =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig.as_str())
                .unwrap();
        let i = at.index(raw.len());
        raw[i] ^= flip;
        let bad = snap_bi::Signature::encode(&raw, SignatureEncoding::Base64);
        prop_assert_eq!(verifier.verify(&parts, bad.as_str()), mismatch.clone(), "signature");

        let token_sig = signer.sign_token(&client_id, &timestamp).unwrap();
        prop_assert_eq!(verifier.verify_token(&client_id, &timestamp, token_sig.as_str()), Ok(()));
        let other_id = shift_printable(&client_id, at, shift);
        prop_assert_eq!(
            verifier.verify_token(&other_id, &timestamp, token_sig.as_str()),
            mismatch
        );
    }
}

// ---------------------------------------------------------------------------------------
// 6: EndpointUrl
// ---------------------------------------------------------------------------------------

/// Origin-form request targets: a path and an optional query made of the characters
/// `http::Uri` accepts there, including stray `%`.
fn target() -> impl Strategy<Value = String> {
    "/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,30}(\\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,30})?"
}

proptest! {
    /// 6. `AsSent` is exactly the path and query; `CanonicalQuery` is idempotent.
    #[test]
    fn endpoint_url_policies(target in target()) {
        let uri: http::Uri = match target.parse() {
            Ok(u) => u,
            Err(_) => return Err(TestCaseError::reject("http::Uri rejects the target")),
        };
        let pq = uri.path_and_query().map(|pq| pq.as_str().to_owned());
        prop_assert_eq!(pq.as_deref(), Some(target.as_str()));
        prop_assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::AsSent), target.as_str());
        let from_str = endpoint_url_from_str(&target, EndpointUrlPolicy::AsSent).unwrap();
        prop_assert!(matches!(from_str, Cow::Borrowed(_)));
        prop_assert_eq!(from_str, target.as_str());
        let absolute = format!("https://api.example.com:8443{target}");
        prop_assert_eq!(
            endpoint_url_from_str(&absolute, EndpointUrlPolicy::AsSent).unwrap(),
            target.as_str()
        );
        prop_assert_eq!(endpoint_url(&uri, EndpointUrlPolicy::PathOnly), uri.path());

        let once = endpoint_url(&uri, EndpointUrlPolicy::CanonicalQuery).into_owned();
        prop_assert!(
            once.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%/?&=".contains(&b)),
            "{:?} -> {:?}",
            target,
            once
        );
        let reparsed: http::Uri = match once.parse() {
            Ok(u) => u,
            Err(e) => return Err(TestCaseError::fail(format!("{target:?} -> {once:?}: {e}"))),
        };
        let twice = endpoint_url(&reparsed, EndpointUrlPolicy::CanonicalQuery);
        prop_assert_eq!(twice, once.as_str(), "from {:?}", target);
    }
}

// ---------------------------------------------------------------------------------------
// 7: timestamps
// ---------------------------------------------------------------------------------------

const FORMATS: [(TimestampFormat, usize); 4] = [
    (TimestampFormat::JakartaSeconds, 25),
    (TimestampFormat::JakartaMillis, 29),
    (TimestampFormat::UtcSeconds, 20),
    (TimestampFormat::UtcMillis, 24),
];

/// Instants from 0001-01-01 to late 9999 (minus the Jakarta offset), any nanosecond, and
/// now and then a leap second (which chrono writes as `:60`).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    const SECS: std::ops::Range<i64> = -62_135_596_800..253_402_200_000;
    prop_oneof![
        9 => (SECS, 0u32..1_000_000_000)
            .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap()),
        1 => (SECS, 1_000_000_000u32..2_000_000_000).prop_map(|(secs, nanos)| {
            let last_second_of_minute = secs - secs.rem_euclid(60) + 59;
            DateTime::from_timestamp(last_second_of_minute, nanos).unwrap()
        }),
    ]
}

proptest! {
    /// 7. Formatting and then parsing gives back the same string and instant, in every
    /// format.
    #[test]
    fn timestamp_format_parse_round_trip(instant in instant()) {
        for (format, len) in FORMATS {
            let ts = format.format(instant);
            prop_assert_eq!(ts.as_str().len(), len, "{:?}: {}", format, ts.as_str());
            let parsed = Timestamp::parse(ts.as_str());
            prop_assert!(parsed.is_ok(), "{:?}: {} -> {:?}", format, ts.as_str(), parsed);
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.as_str(), ts.as_str());
            prop_assert_eq!(parsed.instant(), ts.instant());
            prop_assert_eq!(&parsed, &ts);
            // Truncation, never rounding up.
            prop_assert!(ts.instant() <= instant, "{:?}: {} > {}", format, ts.as_str(), instant);
        }
    }
}
