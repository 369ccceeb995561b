//! `minify`: Ok iff the input is one JSON text (or only whitespace); an Ok
//! output is the same JSON value and minifying it again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use snap_bi::minify;
use std::borrow::Cow;

/// serde_json's own nesting limit; deeper texts are valid JSON it refuses.
fn is_recursion_limit(error: &serde_json::Error) -> bool {
    error.to_string().contains("recursion limit")
}

fuzz_target!(|input: &[u8]| {
    let result = minify(input);
    let only_whitespace = input
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if only_whitespace {
        assert_eq!(
            result.as_deref().ok(),
            Some(&b""[..]),
            "whitespace-only input"
        );
        return;
    }
    // `IgnoredAny` checks the grammar only: no number range, no surrogate
    // pairing, which RFC 8259 does not require either.
    // serde_json skips UTF-8 checks inside ignored strings; RFC 8259 texts
    // are UTF-8 throughout, so check that first.
    let oracle = std::str::from_utf8(input)
        .map_err(|_| None)
        .and_then(|text| serde_json::from_str::<IgnoredAny>(text).map_err(Some));
    match (&result, &oracle) {
        (_, Err(Some(e))) if is_recursion_limit(e) => return,
        (Ok(_), Ok(_)) | (Err(_), Err(_)) => {}
        (Ok(out), Err(e)) => panic!(
            "minify accepted what serde_json rejects ({e:?}): {:?} -> {:?}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(out)
        ),
        (Err(e), Ok(_)) => panic!(
            "minify rejected valid JSON ({e}): {:?}",
            String::from_utf8_lossy(input)
        ),
    }
    let Ok(out) = result else {
        if let Err(e) = &result {
            // The offset points into the input (or at its end).
            assert!(
                e.offset() <= input.len(),
                "offset {} > len {}",
                e.offset(),
                input.len()
            );
        }
        return;
    };
    // Idempotent, and borrowed the second time: nothing left to strip.
    match minify(&out) {
        Ok(Cow::Borrowed(again)) => assert_eq!(again, &*out, "not idempotent"),
        Ok(Cow::Owned(again)) => panic!(
            "second minify still changed the text: {:?} -> {:?}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&again)
        ),
        Err(e) => panic!(
            "minify rejected its own output ({e}): {:?}",
            String::from_utf8_lossy(&out)
        ),
    }
    assert!(out.len() <= input.len());
    // Same value. Values serde_json cannot hold (lone surrogates, numbers out
    // of f64 range) are compared as text only above.
    if let (Ok(before), Ok(after)) = (
        serde_json::from_slice::<serde_json::Value>(input),
        serde_json::from_slice::<serde_json::Value>(&out),
    ) {
        assert_eq!(before, after, "minify changed the value");
    }
});
