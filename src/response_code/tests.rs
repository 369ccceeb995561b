//! Unit tests of the parent module, kept in their own file.

use super::*;

fn parse_err(input: &str) -> ResponseCodeError {
    match ResponseCode::parse(input) {
        Ok(code) => panic!("{input:?} parsed as {code:?}, expected an error"),
        Err(e) => e,
    }
}

#[test]
fn parses_spec_examples() {
    let cases = [
        ("2007300", 200, "73", "00", Some(CaseCode::Successful)),
        ("4017300", 401, "73", "00", Some(CaseCode::Unauthorized)),
        ("4091100", 409, "11", "00", Some(CaseCode::Conflict)),
        (
            "400US01",
            400,
            "US",
            "01",
            Some(CaseCode::InvalidFieldFormat),
        ),
        ("504IC00", 504, "IC", "00", Some(CaseCode::Timeout)),
        ("2005100", 200, "51", "00", Some(CaseCode::Successful)),
    ];
    for (input, status, service, case, info) in cases {
        let code = ResponseCode::parse(input).unwrap();
        assert_eq!(code.as_str(), input);
        assert_eq!(code.to_string(), input);
        assert_eq!(code.status_u16(), status, "{input}");
        assert_eq!(code.http_status().as_u16(), status, "{input}");
        assert_eq!(code.service_code(), service, "{input}");
        assert_eq!(code.case_code(), case, "{input}");
        assert_eq!(code.case_info(), info, "{input}");
        assert_eq!(input.parse::<ResponseCode>(), Ok(code));
        assert_eq!(ResponseCode::try_from(input), Ok(code));
    }
}

#[test]
fn service_info_from_code() {
    let code = ResponseCode::parse("2005100").unwrap();
    assert_eq!(
        code.service_info().map(|s| s.path),
        Some("/qr/qr-mpm-query")
    );
    assert_eq!(ResponseCode::parse("400US01").unwrap().service_info(), None);
}

#[test]
fn unknown_well_formed_codes_are_preserved() {
    for input in ["4999999", "2997300", "5037300", "4037399", "1000000"] {
        let code = ResponseCode::parse(input).unwrap();
        assert_eq!(code.as_str(), input);
        assert_eq!(code.case_info(), None, "{input}");
    }
    // The service part is any two ASCII alphanumerics, mixed ones included.
    let mixed = ResponseCode::parse("2007X00").unwrap();
    assert_eq!(mixed.service_code(), "7X");
    assert_eq!(mixed.case_info(), Some(CaseCode::Successful));
    // Lower case is preserved exactly.
    assert_eq!(ResponseCode::parse("400us01").unwrap().service_code(), "us");
}

#[test]
fn rejects_wrong_length() {
    for (input, len) in [("", 0), ("200730", 6), ("20073000", 8), ("200７300", 9)] {
        assert_eq!(
            parse_err(input),
            ResponseCodeError::Length {
                input: input.to_owned(),
                len
            }
        );
    }
}

#[test]
fn rejects_bad_http_status() {
    for (input, part) in [
        ("20A7300", "20A"),
        ("9997300", "999"),
        ("6007300", "600"),
        ("0997300", "099"),
        ("+207300", "+20"),
        ("é07300", "é0"),
    ] {
        assert_eq!(
            parse_err(input),
            ResponseCodeError::HttpStatus {
                input: input.to_owned(),
                part: part.to_owned()
            },
            "{input}"
        );
    }
}

#[test]
fn rejects_bad_service_code() {
    for (input, part) in [("2007-00", "7-"), ("200 700", " 7"), ("200é00", "é")] {
        assert_eq!(
            parse_err(input),
            ResponseCodeError::ServiceCode {
                input: input.to_owned(),
                part: part.to_owned()
            },
            "{input}"
        );
    }
}

#[test]
fn rejects_bad_case_code() {
    for (input, part) in [("20073X0", "X0"), ("200730 ", "0 ")] {
        assert!(
            matches!(
                parse_err(input),
                ResponseCodeError::CaseCode { input: i, part: p } if i == input && p == part
            ),
            "{input}"
        );
    }
    // Non-ASCII in the case position.
    assert!(matches!(
        parse_err("20073é"),
        ResponseCodeError::CaseCode { part, .. } if part == "é"
    ));
    // A multi-byte character split across the service and case parts.
    assert!(matches!(
        parse_err("2007é0"),
        ResponseCodeError::ServiceCode { part, .. } if part == "7\u{FFFD}"
    ));
}

#[test]
fn error_messages_name_the_input() {
    for input in ["200730", "9997300", "2007-00", "20073X0"] {
        let message = parse_err(input).to_string();
        assert!(message.contains(input), "{message}");
    }
    assert!(parse_err("9997300").to_string().contains("100..=599"));
}

#[test]
fn new_builds_codes() {
    let code = ResponseCode::new(StatusCode::UNAUTHORIZED, "73", "00").unwrap();
    assert_eq!(code, ResponseCode::parse("4017300").unwrap());
    assert_eq!(
        ResponseCode::new(504u16, "IC", "00").unwrap().as_str(),
        "504IC00"
    );
    assert_eq!(
        ResponseCode::new(100u16, "00", "00").unwrap().as_str(),
        "1000000"
    );
    assert_eq!(
        ResponseCode::new(599u16, "Zz", "99").unwrap().as_str(),
        "599Zz99"
    );
}

#[test]
fn new_checks_each_part() {
    assert!(matches!(
        ResponseCode::new(700u16, "73", "00"),
        Err(ResponseCodeError::HttpStatus { part, .. }) if part == "700"
    ));
    assert!(matches!(
        ResponseCode::new(99u16, "73", "00"),
        Err(ResponseCodeError::HttpStatus { part, .. }) if part == "99"
    ));
    // Joined, these parts would read as the valid `2007300`.
    assert!(matches!(
        ResponseCode::new(200u16, "7", "300"),
        Err(ResponseCodeError::ServiceCode { input, part }) if input == "2007300" && part == "7"
    ));
    assert!(matches!(
        ResponseCode::new(200u16, "73", "0"),
        Err(ResponseCodeError::CaseCode { part, .. }) if part == "0"
    ));
    assert!(matches!(
        ResponseCode::new(200u16, "é", "00"),
        Err(ResponseCodeError::ServiceCode { .. })
    ));
    assert!(matches!(
        ResponseCode::new(200u16, "73", "0A"),
        Err(ResponseCodeError::CaseCode { part, .. }) if part == "0A"
    ));
}

#[test]
fn serde_round_trips_the_exact_string() {
    for input in ["2005100", "400US01", "504IC00", "4045199"] {
        let json = format!("\"{input}\"");
        let code: ResponseCode = serde_json::from_str(&json).unwrap();
        assert_eq!(code.as_str(), input);
        assert_eq!(serde_json::to_string(&code).unwrap(), json);
    }
    for bad in [
        r#""""#,
        r#""200510""#,
        r#""20051000""#,
        r#""600xx00""#,
        "null",
        "2005100",
    ] {
        assert!(serde_json::from_str::<ResponseCode>(bad).is_err(), "{bad}");
    }
    let err = serde_json::from_str::<ResponseCode>(r#""2005""#).unwrap_err();
    assert!(err.to_string().contains("expected exactly 7"), "{err}");
}

#[test]
fn internal_fallback_is_a_well_formed_code() {
    assert_eq!(
        ResponseCode::INTERNAL_FALLBACK,
        ResponseCode::parse("5000001").unwrap()
    );
    assert_eq!(
        ResponseCode::INTERNAL_FALLBACK.case_info(),
        Some(CaseCode::InternalServerError)
    );
}

#[test]
fn message_with_fills_every_placeholder_shape() {
    let cases = [
        (
            CaseCode::InvalidFieldFormat,
            "Invalid Field Format {amount.value}",
        ),
        (CaseCode::Unauthorized, "Unauthorized. [X]"),
        (CaseCode::FeatureNotAllowed, "Feature Not Allowed [X]"),
        (
            CaseCode::TransactionNotPermitted,
            "Transaction Not Permitted.[X]",
        ),
        (
            CaseCode::InvalidCardAccountCustomer,
            "Invalid Card/Account/Customer [X]/Virtual Account",
        ),
        (CaseCode::Successful, "Successful"),
    ];
    for (case, expected) in cases {
        let detail = if case == CaseCode::InvalidFieldFormat {
            "amount.value"
        } else {
            "X"
        };
        assert_eq!(case.message_with(detail), expected, "{case:?}");
    }
    for &case in CaseCode::ALL {
        let filled = case.message_with("D");
        let has_placeholder = case.message().contains(['{', '[']);
        assert_eq!(filled != case.message(), has_placeholder, "{case:?}");
    }
}

#[test]
fn codes_are_copy_and_hashable() {
    let code = ResponseCode::parse("4017300").unwrap();
    let copy = code;
    let set: std::collections::HashSet<ResponseCode> = [code, copy].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_ne!(code, ResponseCode::parse("4017301").unwrap());
}

/// §6.2 of the spec, transcribed: (code, message, category).
    #[rustfmt::skip]
    const SPEC_ROWS: &[(&str, &str, Category)] = &[
        ("200xx00", "Successful", Category::Success),
        ("202xx00", "Request In Progress", Category::Success),
        ("400xx00", "Bad Request", Category::System),
        ("400xx01", "Invalid Field Format {field name}", Category::Message),
        ("400xx02", "Invalid Mandatory Field {field name}", Category::Message),
        ("401xx00", "Unauthorized. [reason]", Category::System),
        ("401xx01", "Invalid Token (B2B)", Category::System),
        ("401xx02", "Invalid Customer Token", Category::System),
        ("401xx03", "Token Not Found (B2B)", Category::System),
        ("401xx04", "Customer Token Not Found", Category::System),
        ("403xx00", "Transaction Expired", Category::Business),
        ("403xx01", "Feature Not Allowed [Reason]", Category::System),
        ("403xx02", "Exceeds Transaction Amount Limit", Category::Business),
        ("403xx03", "Suspected Fraud", Category::Business),
        ("403xx04", "Activity Count Limit Exceeded", Category::Business),
        ("403xx05", "Do Not Honor", Category::Business),
        ("403xx06", "Feature Not Allowed At This Time. [reason]", Category::System),
        ("403xx07", "Card Blocked", Category::Business),
        ("403xx08", "Card Expired", Category::Business),
        ("403xx09", "Dormant Account", Category::Business),
        ("403xx10", "Need To Set Token Limit", Category::Business),
        ("403xx11", "OTP Blocked", Category::System),
        ("403xx12", "OTP Lifetime Expired", Category::System),
        ("403xx13", "OTP Sent To Cardholer", Category::System),
        ("403xx14", "Insufficient Funds", Category::Business),
        ("403xx15", "Transaction Not Permitted.[reason]", Category::Business),
        ("403xx16", "Suspend Transaction", Category::Business),
        ("403xx17", "Token Limit Exceeded", Category::Business),
        ("403xx18", "Inactive Card/Account/Customer", Category::Business),
        ("403xx19", "Merchant Blacklisted", Category::Business),
        ("403xx20", "Merchant Limit Exceed", Category::Business),
        ("403xx21", "Set Limit Not Allowed", Category::Business),
        ("403xx22", "Token Limit Invalid", Category::Business),
        ("403xx23", "Account Limit Exceed", Category::Business),
        ("404xx00", "Invalid Transaction Status", Category::Business),
        ("404xx01", "Transaction Not Found", Category::Business),
        ("404xx02", "Invalid Routing", Category::System),
        ("404xx03", "Bank Not Supported By Switch", Category::System),
        ("404xx04", "Transaction Cancelled", Category::Business),
        ("404xx05", "Merchant Is Not Registered For Card Registration Services", Category::Business),
        ("404xx06", "Need To Request OTP", Category::System),
        ("404xx07", "Journey Not Found", Category::System),
        ("404xx08", "Invalid Merchant", Category::Business),
        ("404xx09", "No Issuer", Category::Business),
        ("404xx10", "Invalid API Transition", Category::System),
        ("404xx11", "Invalid Card/Account/Customer [info]/Virtual Account", Category::Business),
        ("404xx12", "Invalid Bill/Virtual Account [Reason]", Category::Business),
        ("404xx13", "Invalid Amount", Category::Business),
        ("404xx14", "Paid Bill", Category::Business),
        ("404xx15", "Invalid OTP", Category::System),
        ("404xx16", "Partner Not Found", Category::Business),
        ("404xx17", "Invalid Terminal", Category::Business),
        ("404xx18", "Inconsistent Request", Category::Business),
        ("404xx19", "Invalid Bill/Virtual Account", Category::Business),
        ("405xx00", "Requested Function Is Not Supported", Category::System),
        ("405xx01", "Requested Opearation Is Not Allowed", Category::Business),
        ("409xx00", "Conflict", Category::System),
        ("409xx01", "Duplicate partnerReferenceNo", Category::System),
        ("429xx00", "Too Many Requests", Category::System),
        ("500xx00", "General Error", Category::System),
        ("500xx01", "Internal Server Error", Category::System),
        ("500xx02", "External Server Error", Category::System),
        ("504xx00", "Timeout", Category::System),
    ];

#[test]
fn case_table_has_one_variant_per_spec_row() {
    // §6.2 has 63 rows: 2 success rows and 61 error rows.
    assert_eq!(SPEC_ROWS.len(), 63);
    assert_eq!(CaseCode::ALL.len(), 63);
    for (i, case) in CaseCode::ALL.iter().enumerate() {
        // ALL is in declaration order, so no variant is listed twice.
        assert_eq!(*case as usize, i, "{case:?}");
        let (code, message, category) = SPEC_ROWS[i];
        let expected = format!("{}xx{}", case.http_status(), case.case());
        assert_eq!(code, expected, "{case:?}");
        assert_eq!(case.message(), message, "{case:?}");
        assert_eq!(case.category(), category, "{case:?}");
    }
}

#[test]
fn lookup_finds_every_spec_row() {
    for &(code, message, _) in SPEC_ROWS {
        let status: u16 = code[..3].parse().unwrap();
        let found = CaseCode::lookup(status, &code[5..]).unwrap();
        assert_eq!(found.message(), message);
    }
    assert_eq!(CaseCode::lookup(401, "05"), None);
    assert_eq!(CaseCode::lookup(200, "01"), None);
    assert_eq!(CaseCode::lookup(402, "00"), None);
}

#[test]
fn sic_spellings_are_kept() {
    assert_eq!(
        CaseCode::OtpSentToCardholder.message(),
        "OTP Sent To Cardholer"
    );
    assert_eq!(
        CaseCode::RequestedOperationNotAllowed.message(),
        "Requested Opearation Is Not Allowed"
    );
}

#[test]
fn every_case_round_trips() {
    for &case in CaseCode::ALL {
        for service in ["73", "51", "US"] {
            let built = case.with_service(service).unwrap();
            let parsed = ResponseCode::parse(built.as_str()).unwrap();
            assert_eq!(parsed, built);
            assert_eq!(parsed.case_info(), Some(case));
            assert_eq!(parsed.service_code(), service);
            assert_eq!(parsed.status_u16(), case.http_status());
            assert_eq!(parsed.case_code(), case.case());
        }
    }
    assert_eq!(
        CaseCode::Unauthorized.with_service("73").unwrap().as_str(),
        "4017300"
    );
    assert!(matches!(
        CaseCode::Unauthorized.with_service("7"),
        Err(ResponseCodeError::ServiceCode { .. })
    ));
}

#[test]
fn predicates_per_code() {
    // (code, success, in progress, token invalid, customer token invalid,
    //  retryable, client error, server error)
    let cases = [
        ("2007300", true, false, false, false, false, false, false),
        ("2025100", true, true, false, false, false, false, false),
        ("2025101", true, false, false, false, false, false, false),
        ("4007300", false, false, false, false, false, true, false),
        ("4017300", false, false, false, false, false, true, false),
        ("4015101", false, false, true, false, false, true, false),
        ("4015102", false, false, false, true, false, true, false),
        ("4015103", false, false, true, false, false, true, false),
        ("4015104", false, false, false, true, false, true, false),
        ("4015105", false, false, false, false, false, true, false),
        ("4091100", false, false, false, false, false, true, false),
        ("4295100", false, false, false, false, true, true, false),
        ("5005100", false, false, false, false, false, false, true),
        ("5005101", false, false, false, false, true, false, true),
        ("5005102", false, false, false, false, false, false, true),
        ("5035100", false, false, false, false, false, false, true),
        ("5045100", false, false, false, false, true, false, true),
        ("504IC00", false, false, false, false, true, false, true),
        ("5045101", false, false, false, false, false, false, true),
    ];
    for (input, success, progress, token, customer, retry, client, server) in cases {
        let code = ResponseCode::parse(input).unwrap();
        assert_eq!(code.is_success(), success, "{input} success");
        assert_eq!(code.is_in_progress(), progress, "{input} in progress");
        assert_eq!(code.is_token_invalid(), token, "{input} token");
        assert_eq!(
            code.is_customer_token_invalid(),
            customer,
            "{input} customer"
        );
        assert_eq!(code.is_retryable(), retry, "{input} retryable");
        assert_eq!(code.is_client_error(), client, "{input} client");
        assert_eq!(code.is_server_error(), server, "{input} server");
    }
}

#[test]
fn retryable_codes_are_exactly_three() {
    let retryable: Vec<CaseCode> = CaseCode::ALL
        .iter()
        .copied()
        .filter(|c| c.with_service("00").unwrap().is_retryable())
        .collect();
    assert_eq!(
        retryable,
        [
            CaseCode::TooManyRequests,
            CaseCode::InternalServerError,
            CaseCode::Timeout
        ]
    );
}

#[test]
fn service_table_shape() {
    assert_eq!(STANDARD_SERVICES.len(), 80);
    let mut previous = 0;
    for s in STANDARD_SERVICES {
        assert!(
            s.code.len() == 2 && s.code.bytes().all(|b| b.is_ascii_digit()),
            "{s:?}"
        );
        let n: u32 = s.code.parse().unwrap();
        assert!(n > previous, "{s:?} out of order");
        previous = n;
        assert!(s.path.starts_with('/') && !s.path.ends_with('/'), "{s:?}");
        assert_eq!(service_by_code(s.code), Some(s));
    }
    assert_eq!(previous, 81);
    assert_eq!(service_by_code("04"), None);
    assert_eq!(service_by_code("82"), None);
    let mut paths: Vec<&str> = STANDARD_SERVICES.iter().map(|s| s.path).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), 80, "standard paths are unique");
}

#[test]
fn service_rows() {
    let row = |code| service_by_code(code).unwrap();
    assert_eq!(row("51").path, "/qr/qr-mpm-query");
    assert_eq!(row("51").method, Method::POST);
    assert_eq!(row("10").path, "/get-auth-code");
    assert_eq!(row("10").method, Method::GET);
    assert_eq!(row("28").method, Method::PUT);
    assert_eq!(row("31").method, Method::DELETE);
    assert_eq!(row("63").method, Method::GET);
    assert_eq!(row("73").name, "Access Token B2B");
    assert_eq!(row("02").path, "/registration/card-bind-limit");
}

#[test]
fn service_for_path_examples() {
    let code = |path| service_for_path(path).map(|s| s.code);
    assert_eq!(code("/snap/v1.0/qr/qr-mpm-query"), Some("51"));
    assert_eq!(code("/v1.0/access-token/b2b"), Some("73"));
    assert_eq!(code("/v1.0/access-token/b2b2c"), Some("74"));
    assert_eq!(code("/openapi/v1.0/transfer-va/create-va"), Some("27"));
    assert_eq!(code("/v1.0/access-token/b2b.htm"), Some("73"));
    assert_eq!(code("/v1.0/transfer-va/inquiry-va?x=1#top"), Some("30"));
    assert_eq!(code("/v1.0/get-auth-code?state=a&scopes=b"), Some("10"));
    assert_eq!(code("/v1.0/debit/notify/"), Some("56"));
    assert_eq!(code("/x/transfer-va/inquiry-va"), Some("30"));
    assert_eq!(code("/x/transfer-va/inquiry"), Some("24"));
    assert_eq!(code("https://api.example.com/v1.0/otp"), Some("81"));
}

#[test]
fn service_for_path_rejects_partial_segments() {
    for path in [
        "",
        "/",
        "/v1.0/unknown",
        "/v1.0/xaccess-token/b2b",
        "/v1.0/access-token/b2b/extra",
        "/v1.0/access-token/b2b.html",
        "/v1.0/transfer-va/inquiry-vax",
        "/v1.0/motp",
    ] {
        assert_eq!(service_for_path(path), None, "{path}");
    }
}

#[test]
fn every_standard_path_maps_back_to_its_service() {
    for s in STANDARD_SERVICES {
        for prefix in ["", "/v1.0", "/provider/api/v1.1"] {
            let path = format!("{prefix}{}", s.path);
            assert_eq!(service_for_path(&path), Some(s), "{path}");
            assert_eq!(
                service_for_path(&format!("{path}.htm")),
                Some(s),
                "{path}.htm"
            );
        }
    }
}

#[test]
fn longest_standard_path_wins() {
    // No two rows of the real table are suffixes of one another, so use a
    // table where a short path is a suffix of a longer one.
    let table = [
        svc("01", "short", Method::POST, "/notify"),
        svc("02", "long", Method::POST, "/debit/notify"),
        svc("03", "other", Method::POST, "/status"),
    ];
    let code = |path| longest_suffix_match(&table, path).map(|s| s.code);
    assert_eq!(code("/v1.0/debit/notify"), Some("02"));
    assert_eq!(code("/v1.0/qr/notify"), Some("01"));
    let reversed = [table[1].clone(), table[0].clone()];
    assert_eq!(
        longest_suffix_match(&reversed, "/v1.0/debit/notify").map(|s| s.code),
        Some("02")
    );
}
