//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::response_code::{CaseCode, service_by_code, service_for_path};

fn check_service<R: ServiceRequest>(code: &str, path: &str) {
    assert_eq!(R::SERVICE_CODE, code);
    assert_eq!(R::PATH, path);
    let by_path = service_for_path(R::PATH).map(|s| s.code);
    assert_eq!(by_path, Some(code), "{path}");
    let info = R::service_info().unwrap();
    assert_eq!(Some(info), service_by_code(code));
    assert_eq!(info.method, http::Method::POST);
    assert_eq!(R::PATH, format!("/v1.0{}", info.path));
    let ok = R::response_code(CaseCode::Successful);
    assert_eq!(ok.as_str(), format!("200{code}00"));
}

#[test]
fn requests_know_their_service() {
    check_service::<QrMpmGenerateRequest>("47", "/v1.0/qr/qr-mpm-generate");
    check_service::<QrMpmQueryRequest>("51", "/v1.0/qr/qr-mpm-query");
    check_service::<QrMpmNotifyRequest>("52", "/v1.0/qr/qr-mpm-notify");
    check_service::<QrMpmCancelRequest>("77", "/v1.0/qr/qr-mpm-cancel");
    check_service::<QrMpmRefundRequest>("78", "/v1.0/qr/qr-mpm-refund");
    assert_eq!(QrMpmQueryRequest::SERVICE_CODE, "51");
}

#[test]
fn missing_mandatory_field_is_named() {
    let err = QrMpmQueryRequest::from_json(br#"{"originalReferenceNo":"x"}"#).unwrap_err();
    assert!(matches!(
        err,
        MessageError::MissingField {
            field: "serviceCode"
        }
    ));
    assert_eq!(err.case_code(), CaseCode::InvalidMandatoryField);
    let reply = QrMpmQueryRequest::reject(&err);
    assert_eq!(reply.response_code.as_str(), "4005102");
    assert_eq!(
        reply.response_message,
        "Invalid Mandatory Field {serviceCode}"
    );
    // Through serde the same failure reads as serde's missing-field error.
    let serde_err =
        serde_json::from_str::<QrMpmQueryRequest>(r#"{"originalReferenceNo":"x"}"#).unwrap_err();
    assert!(
        serde_err
            .to_string()
            .contains("missing field `serviceCode`")
    );
}

#[test]
fn invalid_fields_map_to_format_or_mandatory() {
    let err = QrMpmGenerateRequest::from_json(
        br#"{"partnerReferenceNo":"p","amount":{"value":"10.000","currency":"IDR"}}"#,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        MessageError::InvalidField {
            field: "amount",
            mandatory: false,
            ..
        }
    ));
    assert_eq!(
        QrMpmGenerateRequest::reject(&err).response_code.as_str(),
        "4004701"
    );
    assert_eq!(err.response_message(), "Invalid Field Format {amount}");
    assert!(err.to_string().contains("3 decimals"), "{err}");

    let err = QrMpmNotifyRequest::from_json(
        br#"{"originalReferenceNo":"r","latestTransactionStatus":0}"#,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        MessageError::InvalidField {
            field: "latestTransactionStatus",
            mandatory: true,
            ..
        }
    ));
    assert_eq!(
        QrMpmNotifyRequest::reject(&err).response_code.as_str(),
        "4005202"
    );
}

#[test]
fn bodies_that_are_not_objects_are_bad_requests() {
    for body in [&b""[..], b"[]", b"{", b"null", b"{\"a\":1}x"] {
        let err = QrMpmRefundRequest::from_json(body).unwrap_err();
        assert!(matches!(err, MessageError::NotAnObject(_)), "{body:?}");
        assert_eq!(err.field(), None);
        let reply = QrMpmRefundRequest::reject(&err);
        assert_eq!(reply.response_code.as_str(), "4007800");
        assert_eq!(reply.response_message, "Bad Request");
    }
}

#[test]
fn duplicate_modelled_fields_are_refused() {
    let err =
        QrMpmQueryRequest::from_json(br#"{"serviceCode":"47","serviceCode":"51"}"#).unwrap_err();
    assert!(matches!(
        err,
        MessageError::DuplicateField {
            field: "serviceCode"
        }
    ));
    assert_eq!(err.case_code(), CaseCode::BadRequest);
}

#[test]
fn unknown_members_are_kept_after_the_modelled_ones() {
    let body = br#"{"merchantId":"M1","serviceCode":"47","x-vendor":{"k":[1,2.50]},"originalReferenceNo":"R1"}"#;
    let request = QrMpmQueryRequest::from_json(body).unwrap();
    assert_eq!(request.original_reference_no.as_deref(), Some("R1"));
    assert_eq!(
        request.extra.get("x-vendor").map(|v| v.get()),
        Some(r#"{"k":[1,2.50]}"#)
    );
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"originalReferenceNo":"R1","serviceCode":"47","merchantId":"M1","x-vendor":{"k":[1,2.50]}}"#
    );
}

#[test]
fn extra_members_never_shadow_modelled_fields() {
    let mut request = QrMpmQueryRequest::new("47");
    request.extra.insert("serviceCode", "99").unwrap();
    request.extra.insert("vendor", "v").unwrap();
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"serviceCode":"47","vendor":"v"}"#
    );
}

#[test]
fn null_optional_fields_read_as_absent() {
    let request =
        QrMpmQueryRequest::from_json(br#"{"originalReferenceNo":null,"serviceCode":"47"}"#)
            .unwrap();
    assert_eq!(request.original_reference_no, None);
    assert!(QrMpmQueryRequest::from_json(br#"{"serviceCode":null}"#).is_err());
}

#[test]
fn error_responses_with_only_code_and_message_parse() {
    for body in
            [
            &br#"{"responseCode":"4045101","responseMessage":"Transaction Not Found"}"#[..],
            br#"{"responseCode":"4005102","responseMessage":"Invalid Mandatory Field {serviceCode}","additionalInfo":{}}"#,
        ] {
            let response = QrMpmQueryResponse::from_json(body).unwrap();
            assert!(response.response_code.is_client_error());
            assert_eq!(response.latest_transaction_status, None);
            assert_eq!(serde_json::to_vec(&response).unwrap(), body);
        }
    assert!(QrMpmRefundResponse::from_json(br#"{"responseCode":"2007800"}"#).is_err());
}

#[test]
fn constructors_leave_optional_fields_empty() {
    let code = CaseCode::Successful.with_service("52").unwrap();
    assert_eq!(
        serde_json::to_string(&QrMpmNotifyResponse::new(code, "Successful")).unwrap(),
        r#"{"responseCode":"2005200","responseMessage":"Successful"}"#
    );
    assert_eq!(
        serde_json::to_string(&QrMpmGenerateRequest::default()).unwrap(),
        "{}"
    );
    assert_eq!(
        serde_json::to_string(&QrMpmCancelRequest::new("M", "r")).unwrap(),
        r#"{"merchantId":"M","reason":"r"}"#
    );
    assert_eq!(
        serde_json::to_string(&QrMpmRefundRequest::new("P", "RF")).unwrap(),
        r#"{"originalPartnerReferenceNo":"P","partnerRefundNo":"RF"}"#
    );
    assert_eq!(
        serde_json::to_string(&QrMpmNotifyRequest::new("R", TransactionStatus::SUCCESS)).unwrap(),
        r#"{"originalReferenceNo":"R","latestTransactionStatus":"00"}"#
    );
}

#[test]
fn field_lists_follow_the_standard_order() {
    assert_eq!(
        QrMpmQueryResponse::FIELDS,
        [
            "responseCode",
            "responseMessage",
            "originalReferenceNo",
            "originalPartnerReferenceNo",
            "originalExternalId",
            "serviceCode",
            "latestTransactionStatus",
            "transactionStatusDesc",
            "paidTime",
            "amount",
            "feeAmount",
            "terminalId",
            "additionalInfo"
        ]
    );
    assert_eq!(<QrMpmNotifyResponse as SnapMessage>::FIELDS.len(), 3);
}

#[test]
fn unmodelled_names_keep_their_escapes() {
    // Regression: names such as `RT.3\/RW.4` came back unescaped, so the
    // re-serialised body differed from the one received (and signed).
    let mut request = QrMpmQueryRequest::new("47");
    request.original_partner_reference_no = Some("INV-1".into());
    let head = serde_json::to_string(&request).unwrap();
    let open = head.strip_suffix('}').unwrap();
    let received =
        format!(r#"{open},"additionalInfo":{{"RT.3\/RW.4":"x\/y"}},"RT.3\/RW.4":1,"plain":"\/"}}"#);
    let parsed = QrMpmQueryRequest::from_json(received.as_bytes()).unwrap();
    assert_eq!(parsed.extra.get("RT.3/RW.4").map(|v| v.get()), Some("1"));
    assert_eq!(serde_json::to_string(&parsed).unwrap(), received);
}
