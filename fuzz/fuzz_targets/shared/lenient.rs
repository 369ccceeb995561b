//! What the lenient provider models (KiriminAja, Fazz) promise, checked by
//! both of their fuzz targets.

use snap_bi::minify;

/// Serialising gives back the minified input byte for byte. Where the input
/// has escapes the check falls back to value equality: the models keep the
/// escapes of member names (and of what they keep raw), but a modelled
/// string field is re-escaped by serde_json.
pub fn same_as_minified<T: serde::Serialize>(value: &T, input: &[u8]) {
    let out = serde_json::to_vec(value).unwrap();
    let minified = minify(input).unwrap();
    if out == *minified {
        return;
    }
    assert!(
        minified.contains(&b'\\'),
        "not byte-stable: {:?} vs {:?}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&minified)
    );
    let a: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&minified).unwrap();
    assert_eq!(a, b, "serialised value differs");
}
