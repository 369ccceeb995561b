//! The QRIS MPM models against real bodies: Paydia's samples (tests/fixtures/paydia),
//! the Midtrans generate body and the DANA / Midtrans notifications in tests/vectors.
//!
//! Round trips are checked on bytes: a body whose fields come in the standard order must
//! serialise back to exactly its minified form.

use std::path::PathBuf;

use serde::Deserialize;
use snap_bi::minify::minify;
use snap_bi::qris::{
    Amount, QrMpmGenerateRequest, QrMpmNotifyRequest, QrMpmQueryRequest, QrMpmQueryResponse,
    ServiceResponse, SnapMessage, StatusDialect, StatusMeaning, TransactionStatus,
};
use snap_bi::response_code::service_for_path;

fn fixture(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    #[serde(default)]
    endpoint_url: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

fn vector_body(file: &str, name: &str) -> (String, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let vectors: Vec<Vector> = serde_json::from_str(&text).unwrap();
    let vector = vectors
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector {name} in {file}"));
    (
        vector.endpoint_url.unwrap_or_default(),
        vector.body.unwrap_or_default().into_bytes(),
    )
}

/// Parses `body` both ways (typed `from_json` and plain serde) and checks that each
/// serialises back to exactly `minify(body)`.
fn assert_byte_identical_round_trip<M: SnapMessage + std::fmt::Debug + PartialEq>(
    body: &[u8],
) -> M {
    let expected = minify(body).unwrap().into_owned();
    let typed = M::from_json(body).unwrap();
    let via_serde: M = serde_json::from_slice(body).unwrap();
    assert_eq!(typed, via_serde);
    let out = serde_json::to_vec(&typed).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected),
        "round trip changed the bytes"
    );
    assert!(
        typed.extra().is_empty(),
        "unexpected extra members: {:?}",
        typed.extra()
    );
    typed
}

#[test]
fn paydia_query_request_round_trips_byte_for_byte() {
    let body = fixture("paydia/qr-mpm-query-request.json");
    let request: QrMpmQueryRequest = assert_byte_identical_round_trip(&body);
    assert_eq!(
        request.original_reference_no.as_deref(),
        Some("e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645")
    );
    assert_eq!(
        request.original_partner_reference_no.as_deref(),
        Some("21df2838-c9e8-4aff-8c02-274ed4390e70")
    );
    assert_eq!(request.original_external_id, None);
    assert_eq!(request.service_code, "51");
    // Paydia's URL maps to the request's service.
    let service = service_for_path("/snap/v1.0/qr/qr-mpm-query").unwrap();
    assert_eq!(service.code, QrMpmQueryRequest::SERVICE_CODE);
}

#[test]
fn paydia_query_response_round_trips_byte_for_byte() {
    let body = fixture("paydia/qr-mpm-query-response.json");
    let response: QrMpmQueryResponse = assert_byte_identical_round_trip(&body);
    assert_eq!(response.response_code.as_str(), "2005100");
    assert!(response.response_code.is_success());
    assert_eq!(
        response.response_code.service_code(),
        QrMpmQueryRequest::SERVICE_CODE
    );
    assert_eq!(response.response_message(), "Success");
    assert_eq!(response.original_external_id.as_deref(), Some("1725949206"));
    assert_eq!(response.service_code.as_deref(), Some("51"));
    let status = response.latest_transaction_status.as_ref().unwrap();
    assert_eq!(*status, TransactionStatus::SUCCESS);
    assert_eq!(
        status.meaning(StatusDialect::Paydia),
        StatusMeaning::Success
    );
    assert_eq!(
        response.paid_time.as_deref(),
        Some("2024-09-10T06:20:06+07:00")
    );
    let amount = response.amount.as_ref().unwrap();
    assert_eq!(amount.value, Amount::parse("12000.00").unwrap());
    assert_eq!(amount.value.minor_units(), 1_200_000);
    assert_eq!(amount.currency.as_str(), "IDR");
    let fee = response.fee_amount.as_ref().unwrap();
    assert!(fee.value.is_zero());
    assert_eq!(fee.value.as_str(), "0.00");
}

#[test]
fn paydia_status_07_is_failed_while_the_standard_says_not_found() {
    let body = String::from_utf8(fixture("paydia/qr-mpm-query-response.json")).unwrap();
    let failed = body.replace(
        r#""latestTransactionStatus": "00""#,
        r#""latestTransactionStatus": "07""#,
    );
    assert_ne!(failed, body);
    let response = QrMpmQueryResponse::from_json(failed.as_bytes()).unwrap();
    let status = response.latest_transaction_status.as_ref().unwrap();
    assert_eq!(status.meaning(StatusDialect::Paydia), StatusMeaning::Failed);
    assert_eq!(
        status.meaning(StatusDialect::Standard),
        StatusMeaning::NotFound
    );
    assert_eq!(
        serde_json::to_vec(&response).unwrap(),
        &*minify(failed.as_bytes()).unwrap()
    );
}

#[test]
fn paydia_error_response_parses() {
    // Paydia's response-code table, as a body: only code and message.
    let body = br#"{"responseCode":"4045101","responseMessage":"Transaction Not Found"}"#;
    let response: QrMpmQueryResponse = assert_byte_identical_round_trip(body);
    assert_eq!(
        response.response_code.http_status(),
        http::StatusCode::NOT_FOUND
    );
    assert_eq!(response.latest_transaction_status, None);
}

#[test]
fn midtrans_generate_body_round_trips_byte_for_byte() {
    let (path, body) = vector_body("symmetric.json", "midtrans-demo-symmetric");
    assert_eq!(path, QrMpmGenerateRequest::PATH);
    let request: QrMpmGenerateRequest = assert_byte_identical_round_trip(&body);
    assert_eq!(
        request.amount.as_ref().map(|m| m.value.as_str()),
        Some("12345678.00")
    );
    assert_eq!(
        request.validity_period.as_deref(),
        Some("2009-07-03T12:08:56-07:00")
    );
}

#[test]
fn pretty_qris_notification_round_trips_to_its_minified_form() {
    let (path, body) = vector_body("asymmetric.json", "pjp-notify-qris");
    assert_eq!(
        service_for_path(&path).map(|s| s.code),
        Some(QrMpmNotifyRequest::SERVICE_CODE)
    );
    let notify: QrMpmNotifyRequest = assert_byte_identical_round_trip(&body);
    assert_eq!(notify.latest_transaction_status, TransactionStatus::SUCCESS);
}

#[test]
fn provider_notifications_with_extra_fields_keep_every_member() {
    for name in [
        "dana-sandbox-webhook-1",
        "dana-sandbox-webhook-2",
        "midtrans-demo-notification-generate",
        "midtrans-demo-notification-verify",
    ] {
        let (_, body) = vector_body("asymmetric.json", name);
        let notify = QrMpmNotifyRequest::from_json(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            notify
                .latest_transaction_status
                .meaning(StatusDialect::Standard),
            StatusMeaning::Success,
            "{name}"
        );
        let out = serde_json::to_vec(&notify).unwrap();

        // Field order may differ (modelled fields first), but every member survives with
        // its value's bytes intact.
        let original =
            snap_bi::qris::RawObject::from_json(std::str::from_utf8(&body).unwrap()).unwrap();
        let reserialised =
            snap_bi::qris::RawObject::from_json(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(original.len(), reserialised.len(), "{name}");
        for (key, value) in original.iter() {
            let again = reserialised.get(key).map(|v| v.get());
            if key == "amount" {
                // Money is written value-first; DANA sends currency first.
                let money: snap_bi::qris::Money = serde_json::from_str(value.get()).unwrap();
                assert_eq!(notify.amount.as_ref(), Some(&money), "{name}");
            } else {
                assert_eq!(again, Some(value.get()), "{name}: {key}");
            }
        }
        // Parsing the output again gives the same message.
        assert_eq!(
            QrMpmNotifyRequest::from_json(&out).unwrap(),
            notify,
            "{name}"
        );
    }
}

#[test]
fn dana_webhook_extras_are_readable() {
    let (_, body) = vector_body("asymmetric.json", "dana-sandbox-webhook-1");
    let notify = QrMpmNotifyRequest::from_json(&body).unwrap();
    assert_eq!(
        notify
            .extra
            .get_as::<String>("merchantId")
            .unwrap()
            .as_deref(),
        Some("216620080007039826152")
    );
    assert_eq!(
        notify
            .extra
            .get_as::<String>("createdTime")
            .unwrap()
            .as_deref(),
        Some("1757998647000")
    );
    let info = notify.additional_info.as_ref().unwrap();
    // The escaped JSON-in-a-string stays exactly as sent.
    let payment_info = info.get("paymentInfo").unwrap().get();
    assert!(
        payment_info.contains(r#""extendInfo":"{\"externalPromoInfos\":[]}""#),
        "{payment_info}"
    );
    assert_eq!(
        notify.amount.as_ref().map(|m| m.value.minor_units()),
        Some(10_000_000)
    );
}
