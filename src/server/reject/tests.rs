//! Unit tests of the parent module, kept in their own file.

use super::*;

fn svc(code: &str) -> ServiceCode {
    ServiceCode::new(code).unwrap()
}

#[test]
fn messages_follow_the_table() {
    let cases = [
        (
            CaseCode::InvalidMandatoryField,
            Some("X-TIMESTAMP"),
            "Invalid Mandatory Field [X-TIMESTAMP]",
        ),
        (
            CaseCode::InvalidFieldFormat,
            Some("X-SIGNATURE"),
            "Invalid Field Format [X-SIGNATURE]",
        ),
        (
            CaseCode::Unauthorized,
            Some("Signature"),
            "Unauthorized. [Signature]",
        ),
        (CaseCode::Unauthorized, None, "Unauthorized."),
        (CaseCode::InvalidToken, None, "Invalid Token (B2B)"),
        (CaseCode::Conflict, None, "Conflict"),
        (CaseCode::BadRequest, Some("body"), "Bad Request [body]"),
        (
            CaseCode::InvalidCardAccountCustomer,
            Some("X"),
            "Invalid Card/Account/Customer [X]/Virtual Account",
        ),
        (
            CaseCode::InvalidCardAccountCustomer,
            None,
            "Invalid Card/Account/Customer/Virtual Account",
        ),
    ];
    for (case, detail, want) in cases {
        assert_eq!(standard_message(case, detail), want, "{case:?}");
    }
    // Every row renders without a leftover placeholder.
    for &case in CaseCode::ALL {
        let m = standard_message(case, None);
        assert!(!m.contains(['{', '[']), "{case:?}: {m}");
    }
}

#[test]
fn codes_carry_the_service() {
    let r = Rejection::new(CaseCode::Conflict, svc("51"));
    assert_eq!(r.response_code().as_str(), "4095100");
    assert_eq!(r.http_status(), StatusCode::CONFLICT);
    let t = Rejection::with_detail(
        CaseCode::Unauthorized,
        ServiceCode::ACCESS_TOKEN_B2B,
        "Unknown client",
    );
    assert_eq!(t.to_string(), "4017300 Unauthorized. [Unknown client]");
}

#[test]
fn service_codes_are_validated() {
    assert!(ServiceCode::new("5").is_err());
    assert!(ServiceCode::new("5!").is_err());
    assert!(ServiceCode::new("510").is_err());
    assert_eq!(svc("US").as_str(), "US");
}

#[test]
fn response_has_snap_headers_and_escaped_json() {
    let ts = Timestamp::parse("2026-11-22T10:00:00+07:00").unwrap();
    let r = Rejection::custom(
        ResponseCode::parse("4135100").unwrap(),
        "Payload \"Too\" Large",
    );
    let resp = r.to_response(&ts);
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["x-timestamp"], "2026-11-22T10:00:00+07:00");
    let json: serde_json::Value = serde_json::from_slice(&r.json_body()).unwrap();
    assert_eq!(json["responseMessage"], "Payload \"Too\" Large");
    assert_eq!(json["responseCode"], "4135100");
}

#[test]
fn every_way_of_writing_a_message_is_clipped_to_150_characters() {
    let long_path = "/x".repeat(3_000);
    let code = ResponseCode::parse("4045100").unwrap();
    let messages = [
        Rejection::with_detail(CaseCode::InvalidFieldFormat, svc("51"), &long_path),
        Rejection::custom(code, long_path.clone()),
        Rejection::new(CaseCode::Unauthorized, svc("51")).with_message(long_path.clone()),
        Rejection::custom(code, "é".repeat(400)),
    ];
    for rejection in messages {
        assert_eq!(rejection.message().chars().count(), 150, "{rejection}");
        assert!(rejection.message().ends_with("..."));
        let json: serde_json::Value = serde_json::from_slice(&rejection.json_body()).unwrap();
        assert_eq!(
            json["responseMessage"].as_str().unwrap().chars().count(),
            150
        );
    }
    // Exactly at the limit: kept whole.
    let exact = "y".repeat(150);
    let kept = Rejection::custom(ResponseCode::parse("4045100").unwrap(), exact.clone());
    assert_eq!(kept.message(), exact);
}
