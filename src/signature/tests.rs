//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn decodes_both_encodings() {
    let raw = [7u8; 64];
    for enc in [SignatureEncoding::Base64, SignatureEncoding::Hex] {
        let s = Signature::encode(&raw, enc);
        assert_eq!(
            decode_signature(s.as_str(), 64).unwrap(),
            (raw.to_vec(), enc)
        );
    }
    // Upper-case hex is accepted too.
    let upper = hex::encode_upper(raw);
    assert_eq!(decode_signature(&upper, 64).unwrap().0, raw.to_vec());
}

#[test]
fn rejects_wrong_lengths_and_garbage() {
    let short = Signature::encode(&[1u8; 63], SignatureEncoding::Base64);
    assert!(decode_signature(short.as_str(), 64).is_err());
    assert!(decode_signature("not base64!!", 64).is_err());
    assert!(decode_signature(&"A".repeat(10_000), 64).is_err());
    assert!(decode_signature("", 64).is_err());
    // Unpadded base64 is not standard SNAP.
    let unpadded = Signature::encode(&[1u8; 64], SignatureEncoding::Base64)
        .into_string()
        .trim_end_matches('=')
        .to_owned();
    assert!(decode_signature(&unpadded, 64).is_err());
}

#[test]
fn header_value_is_sensitive() {
    let s = Signature::encode(&[1, 2, 3], SignatureEncoding::Base64);
    assert!(s.to_header_value().is_sensitive());
    assert!(!format!("{s:?}").contains(s.as_str()));
}

#[test]
fn into_header_value_matches_to_header_value() {
    for encoding in [SignatureEncoding::Base64, SignatureEncoding::Hex] {
        let s = Signature::encode(&[0xfb, 0xff, 0x00, 0x7f], encoding);
        let borrowed = s.to_header_value();
        let owned = s.clone().into_header_value();
        assert_eq!(owned, borrowed);
        assert_eq!(owned, s.as_str());
        assert!(owned.is_sensitive());
    }
}
