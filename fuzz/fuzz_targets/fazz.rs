//! Fazz: `decode_payment_response` and the callback HMAC check. An accepted
//! document serialises back to its minified input, byte for byte; a
//! callback verifies iff its signature is the body's HMAC.
#![no_main]

use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::fazz::callback::{CallbackVerifier, SigningSecret, sign_callback, verify_callback};
use snap_bi::fazz::{ErrorDocument, FazzError, decode_payment_response};
#[path = "shared/lenient.rs"]
mod lenient;

use lenient::same_as_minified;

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
