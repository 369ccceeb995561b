use super::*;

use crate::qris::{QrMpmQueryResponse, StatusDialect, StatusMeaning};

fn answer(status: u16, body: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(body.as_bytes()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
}

const PAID: &str = r#"{"responseCode":"2005100","responseMessage":"Success","originalReferenceNo":"A1","serviceCode":"51","latestTransactionStatus":"00"}"#;

#[test]
fn a_2xx_with_a_success_code_is_the_typed_response() {
    let response = interpret::<QrMpmQueryRequest>(answer(200, PAID)).unwrap();
    assert_eq!(response.response_code.as_str(), "2005100");
    assert_eq!(
        response
            .latest_transaction_status
            .map(|s| s.meaning(StatusDialect::Standard)),
        Some(StatusMeaning::Success)
    );
    // In progress is a success; the caller checks `is_in_progress`.
    let pending = interpret::<QrMpmQueryRequest>(answer(
        202,
        r#"{"responseCode":"2025100","responseMessage":"Request In Progress"}"#,
    ))
    .unwrap();
    assert!(pending.response_code.is_in_progress());
}

#[test]
fn any_other_answer_is_refused_with_status_code_and_body() {
    let body = r#"{"responseCode":"4045101","responseMessage":"Transaction Not Found"}"#;
    let error = interpret::<QrMpmQueryRequest>(answer(404, body)).unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.response_code().map(|c| c.as_str()), Some("4045101"));
    assert_eq!(error.response_message(), Some("Transaction Not Found"));
    assert_eq!(error.body().map(RawBody::as_bytes), Some(body.as_bytes()));
    assert_eq!(
        error.to_string(),
        "the provider refused the call: HTTP 404, responseCode 4045101 (Transaction Not Found)"
    );

    // A 200 carrying an error code is refused too.
    let error = interpret::<QrMpmQueryRequest>(answer(200, body)).unwrap_err();
    assert!(matches!(error, CallError::Refused { status, .. } if status == StatusCode::OK));

    // A non-JSON error page: refused, no code.
    let error =
        interpret::<QrMpmQueryRequest>(answer(502, "<html>bad gateway</html>")).unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(error.response_code().is_none());
    assert_eq!(
        error.body().and_then(RawBody::as_str),
        Some("<html>bad gateway</html>")
    );
    assert_eq!(error.to_string(), "the provider refused the call: HTTP 502");

    // A malformed code is kept out of `code`, the body keeps it.
    let error =
        interpret::<QrMpmQueryRequest>(answer(400, r#"{"responseCode":"40051"}"#)).unwrap_err();
    assert!(error.response_code().is_none());
}

#[test]
fn a_success_that_does_not_parse_is_an_invalid_response() {
    // QrMpmQueryResponse needs responseMessage.
    let error =
        interpret::<QrMpmQueryRequest>(answer(200, r#"{"responseCode":"2005100"}"#)).unwrap_err();
    let CallError::InvalidResponse {
        status,
        body,
        source,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*status, StatusCode::OK);
    assert_eq!(body.as_bytes(), br#"{"responseCode":"2005100"}"#);
    assert!(source.to_string().contains("responseMessage"), "{source}");
    assert_eq!(error.status(), Some(StatusCode::OK));

    let error = interpret::<QrMpmQueryRequest>(answer(200, "not json")).unwrap_err();
    assert!(
        matches!(error, CallError::InvalidResponse { .. }),
        "{error:?}"
    );
}

#[test]
fn the_qris_requests_know_their_service() {
    fn info<T: SnapCall>() -> (&'static str, &'static str, Method, bool, bool) {
        (
            T::SERVICE_CODE,
            T::PATH,
            T::METHOD,
            T::IDEMPOTENT,
            T::CUSTOMER_TOKEN,
        )
    }
    assert_eq!(
        info::<QrMpmGenerateRequest>(),
        ("47", "/v1.0/qr/qr-mpm-generate", Method::POST, false, false)
    );
    assert_eq!(
        info::<QrMpmQueryRequest>(),
        ("51", "/v1.0/qr/qr-mpm-query", Method::POST, true, false)
    );
    assert_eq!(
        info::<QrMpmCancelRequest>(),
        ("77", "/v1.0/qr/qr-mpm-cancel", Method::POST, false, false)
    );
    assert_eq!(
        info::<QrMpmRefundRequest>(),
        ("78", "/v1.0/qr/qr-mpm-refund", Method::POST, false, false)
    );
    // The response type is the qris module's.
    let parsed: QrMpmQueryResponse = QrMpmQueryRequest::parse_response(PAID.as_bytes()).unwrap();
    assert_eq!(parsed.original_reference_no.as_deref(), Some("A1"));
}

#[test]
fn debug_of_a_body_is_bounded() {
    let long = RawBody(Bytes::from(vec![b'x'; 1000]));
    let debug = format!("{long:?}");
    assert!(debug.len() < 300, "{debug}");
    assert!(debug.ends_with("… (1000 bytes)"), "{debug}");
    let short = RawBody(Bytes::from_static(b"{\"a\":1}"));
    assert_eq!(format!("{short:?}"), r#""{\"a\":1}""#);
    // Invalid UTF-8 never panics, even cut mid-character.
    let mut bytes = vec![b'a'; 255];
    bytes.extend_from_slice("é".as_bytes());
    bytes.extend_from_slice(&[0xff; 10]);
    let debug = format!("{:?}", RawBody(Bytes::from(bytes)));
    assert!(debug.ends_with("(267 bytes)"), "{debug}");
}

#[test]
fn layer_errors_are_sorted_into_nothing_sent_and_transport() {
    let refused: BoxError = Box::new(ClientError::MissingToken);
    assert!(matches!(
        CallError::from_layer(refused),
        CallError::Client(ClientError::MissingToken)
    ));
    let transport: BoxError = "connection refused".into();
    let error = CallError::from_layer(transport);
    assert!(matches!(error, CallError::Transport(_)));
    assert!(error.is_transient());
    assert!(error.status().is_none() && error.body().is_none());
}

#[test]
fn the_envelope_reads_only_code_and_message() {
    let e = envelope(PAID.as_bytes());
    assert_eq!(e.code.map(|c| c.to_string()).as_deref(), Some("2005100"));
    assert_eq!(e.message.as_deref(), Some("Success"));
    let e = envelope(b"[1,2]");
    assert!(e.code.is_none() && e.message.is_none());
    let e = envelope(br#"{"responseCode":2005100}"#);
    assert!(e.code.is_none());
}
