//! `parse_token_response`: never panics; a grant only from a 2xx answer,
//! with a bounded lifetime; the token never shows in Debug output.
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::token::{
    AccessToken, MAX_LIFETIME, RefreshToken, ResponseOptions, parse_token_response,
};

#[derive(Debug, arbitrary::Arbitrary)]
struct Input<'a> {
    status: u16,
    now_seconds: i64,
    default_lifetime: u32,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let Ok(status) = http::StatusCode::from_u16(100 + input.status % 500) else {
        return;
    };
    let now =
        DateTime::<Utc>::from_timestamp(input.now_seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let options = ResponseOptions::new().with_default_lifetime(std::time::Duration::from_secs(
        u64::from(input.default_lifetime),
    ));
    let result = parse_token_response(status, input.body, &options, now);
    match result {
        Ok(grant) => {
            assert!(status.is_success(), "grant from {status}");
            assert!(grant.lifetime() <= MAX_LIFETIME, "{:?}", grant.lifetime());
            if let Some(refresh) = grant.refresh_lifetime() {
                assert!(refresh <= MAX_LIFETIME);
            }
            let token = grant.access_token().expose_secret();
            assert!(!token.is_empty());
            // The response message may quote anything, so redaction is
            // checked on the token types: their Debug says nothing of the value.
            let placeholder = AccessToken::new("placeholder").unwrap();
            assert_eq!(
                format!("{:?}", grant.access_token()),
                format!("{placeholder:?}")
            );
            if let Some(refresh) = grant.refresh_token() {
                let placeholder = RefreshToken::new("placeholder").unwrap();
                assert_eq!(format!("{refresh:?}"), format!("{placeholder:?}"));
            }
            let _ = (
                grant.token_type(),
                grant.lifetime_source(),
                grant.response_code(),
                grant.response_message(),
            );
        }
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
});
