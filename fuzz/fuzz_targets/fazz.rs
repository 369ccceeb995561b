//! Fazz: `decode_payment_response` and the callback HMAC check. An accepted
//! document serialises back to its minified input, byte for byte; a
//! callback verifies iff its signature is the body's HMAC.
#![no_main]

use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::fazz::callback::{CallbackVerifier, SigningSecret, sign_callback, verify_callback};
use snap_bi::fazz::{ErrorDocument, FazzError, decode_payment_response};
use snap_bi::minify;

#[derive(Debug, arbitrary::Arbitrary)]
enum Input<'a> {
    Payment {
        status: u16,
        body: &'a [u8],
    },
    Callback {
        signature: &'a str,
        body: &'a [u8],
        secret: &'a str,
        sign: bool,
    },
}

/// The lenient models' promise: serialising gives back the minified input
/// byte for byte. Known gap (reported): a member *name* the model does not
/// know is re-serialised unescaped (`"a\\/b"` comes back as `"a/b"`), so where
/// the input has escapes the check falls back to value equality.
fn same_as_minified<T: serde::Serialize>(value: &T, input: &[u8]) {
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

fuzz_target!(|input: Input<'_>| match input {
    Input::Payment { status, body } => match decode_payment_response(status, body) {
        Ok(document) => {
            assert!((200..300).contains(&status));
            same_as_minified(&document, body);
            let _ = (
                document.id(),
                document.status(),
                document.instructions(),
                document.dedup_key(),
                document.summary(),
            );
        }
        Err(FazzError::Api { errors, .. }) => {
            let _ = errors;
            assert!(ErrorDocument::from_json(body).is_ok());
        }
        Err(error) => {
            let _ = (error.to_string(), error.api_code());
        }
    },
    Input::Callback {
        signature,
        body,
        secret,
        sign,
    } => {
        let Ok(secret) = SigningSecret::new(secret) else {
            return;
        };
        let good = sign_callback(body, &secret);
        assert_eq!(good.len(), 64);
        assert!(verify_callback(&good, body, &secret).is_ok());
        assert!(verify_callback(&good.to_ascii_uppercase(), body, &secret).is_ok());
        let presented = if sign { good.as_str() } else { signature };
        let verdict = verify_callback(presented, body, &secret);
        assert_eq!(
            verdict.is_ok(),
            presented.trim().eq_ignore_ascii_case(&good),
            "{presented:?} vs {good:?}"
        );
        let verifier = CallbackVerifier::new(secret);
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(presented) {
            headers.insert(verifier.header().clone(), value);
            assert_eq!(verifier.verify(&headers, body).is_ok(), verdict.is_ok());
        }
    }
});
