//! KiriminAja: `decode_get_payment`, webhook events and the webhook's bearer
//! check. An accepted document serialises back to its minified input, byte
//! for byte (the lenient models' promise).
#![no_main]

use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::kiriminaja::webhook::{
    WebhookEvent, verify_webhook_authorization, verify_webhook_headers,
};
use snap_bi::kiriminaja::{ApiKey, GetPayment, decode_get_payment, time};
#[path = "shared/lenient.rs"]
mod lenient;

use lenient::same_as_minified;

#[derive(Debug, arbitrary::Arbitrary)]
enum Input<'a> {
    GetPayment {
        status: u16,
        body: &'a [u8],
    },
    Webhook {
        body: &'a [u8],
    },
    Authorization {
        header: Option<&'a [u8]>,
        key: &'a str,
    },
    Time {
        text: &'a str,
    },
}

fuzz_target!(|input: Input<'_>| match input {
    Input::GetPayment { status, body } => match decode_get_payment(status, body) {
        Ok(payment) => {
            assert!((200..300).contains(&status));
            match &payment {
                GetPayment::Express(r) => same_as_minified(r, body),
                GetPayment::Instant(r) => same_as_minified(r, body),
                _ => {}
            }
            let _ = (
                payment.summary(),
                payment.payment_id(),
                payment.status_code(),
                payment.qr_content(),
            );
        }
        Err(error) => {
            let _ = (error.to_string(), error.api_code());
        }
    },
    Input::Webhook { body } => {
        if let Ok(event) = WebhookEvent::from_json(body) {
            same_as_minified(&event, body);
            let _ = event.kind();
            for package in event.packages() {
                let _ = format!("{package:?}");
            }
        }
    }
    Input::Authorization { header, key } => {
        let Ok(api_key) = ApiKey::new(key) else {
            return;
        };
        let verdict = verify_webhook_authorization(header, &api_key);
        let expected = format!("Bearer {key}");
        if header == Some(expected.as_bytes()) {
            assert!(
                verdict.is_ok() || key.trim() != key || key.is_empty(),
                "{verdict:?}"
            );
        }
        if verdict.is_ok() {
            let text = header.unwrap();
            assert!(text.trim_ascii().len() > 6);
        }
        let mut headers = http::HeaderMap::new();
        if let Some(value) = header.and_then(|h| http::HeaderValue::from_bytes(h).ok()) {
            headers.insert(http::header::AUTHORIZATION, value);
            assert_eq!(
                verify_webhook_headers(&headers, &api_key).is_ok(),
                verdict.is_ok()
            );
        }
    }
    Input::Time { text } => {
        let _ = time::parse_pay_time(text);
        let _ = time::parse_timestamp(text);
    }
});
