//! `ResponseCode::parse`: never panics; an accepted code round-trips and its
//! parts are what the string says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snap_bi::response_code::{CaseCode, ResponseCode, service_by_code, service_for_path};

fuzz_target!(|input: &str| {
    let _ = service_for_path(input);
    let _ = service_by_code(input);
    let parsed = ResponseCode::parse(input);
    assert_eq!(parsed.is_ok(), input.parse::<ResponseCode>().is_ok());
    // serde reads the same language.
    let json = serde_json::to_string(input).unwrap();
    let from_serde = serde_json::from_str::<ResponseCode>(&json);
    assert_eq!(parsed.is_ok(), from_serde.is_ok(), "{input:?}");
    let Ok(code) = parsed else { return };
    assert_eq!(code.as_str(), input);
    assert_eq!(code.to_string(), input);
    assert_eq!(from_serde.unwrap(), code);
    assert_eq!(ResponseCode::parse(code.as_str()).unwrap(), code);
    let status = code.status_u16();
    assert!((100..=599).contains(&status));
    assert_eq!(code.http_status().as_u16(), status);
    assert_eq!(input[..3].parse::<u16>().unwrap(), status);
    assert_eq!(code.service_code(), &input[3..5]);
    assert_eq!(code.case_code(), &input[5..7]);
    let rebuilt = ResponseCode::new(status, code.service_code(), code.case_code()).unwrap();
    assert_eq!(rebuilt, code);
    let _ = (
        code.is_success(),
        code.is_in_progress(),
        code.is_token_invalid(),
        code.is_customer_token_invalid(),
        code.is_retryable(),
        code.is_client_error(),
        code.is_server_error(),
        code.service_info(),
    );
    if let Some(case) = code.case_info() {
        assert_eq!(CaseCode::lookup(status, code.case_code()), Some(case));
        let _ = case.message_with(input);
        let with_service = case.with_service(code.service_code()).unwrap();
        assert_eq!(with_service, code);
    }
    assert_eq!(serde_json::to_string(&code).unwrap(), json);
});
