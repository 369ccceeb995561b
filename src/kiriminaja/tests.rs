//! Unit tests of the parent module, kept in their own file.

use super::time::{parse_pay_time, parse_timestamp};
use super::webhook::*;
use super::*;
use crate::lenient_json::DecodeError;
use crate::payment::PaymentStatus;

const SEEDS: [(&str, &[u8], Product); 6] = [
    (
        "000 express",
        include_bytes!("../../tests/fixtures/seeds/000-kiriminaja-express.json"),
        Product::Express,
    ),
    (
        "000 instant",
        include_bytes!("../../tests/fixtures/seeds/000-kiriminaja-instant.json"),
        Product::Instant,
    ),
    (
        "001 express",
        include_bytes!("../../tests/fixtures/seeds/001-kiriminaja-express.json"),
        Product::Express,
    ),
    (
        "001 instant",
        include_bytes!("../../tests/fixtures/seeds/001-kiriminaja-instant.json"),
        Product::Instant,
    ),
    (
        "002 express",
        include_bytes!("../../tests/fixtures/seeds/002-kiriminaja-express.json"),
        Product::Express,
    ),
    (
        "002 instant",
        include_bytes!("../../tests/fixtures/seeds/002-kiriminaja-instant.json"),
        Product::Instant,
    ),
];

#[test]
fn every_seed_sample_parses_and_round_trips_byte_stable() {
    for (name, body, product) in SEEDS {
        let payment = decode_get_payment(200, body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(payment.product(), product, "{name}");
        let minified = crate::minify(body).unwrap();
        assert_eq!(
            String::from_utf8(serde_json::to_vec(&payment).unwrap()).unwrap(),
            String::from_utf8(minified.into_owned()).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn express_seed_reads_as_documented() {
    let GetPayment::Express(response) = decode_get_payment(200, SEEDS[0].1).unwrap() else {
        panic!("not express");
    };
    let data = &response.data;
    assert_eq!(data.payment_id, "XID-5732095327");
    assert_eq!(data.qr_content.as_deref(), Some("XXX"));
    assert_eq!(data.method.as_deref(), Some("08"));
    assert_eq!(data.status.as_deref(), Some("Billing berhasil dibuat"));
    assert_eq!(data.status_code.as_str(), "9");
    assert!(!data.status_code.0.is_number());
    assert_eq!(data.paid_at, None);
    assert_eq!(response.method.as_deref(), Some("payment"));
    // pay_time is set although unpaid: it is not a payment signal.
    let pay_time = parse_pay_time(data.pay_time.as_deref().unwrap()).unwrap();
    let created = parse_timestamp(data.created_at.as_deref().unwrap()).unwrap();
    assert_eq!(created.to_rfc3339(), "2021-07-12T03:35:42+00:00");
    assert_eq!(pay_time.to_rfc3339(), "2021-07-12T10:36:44+07:00");
    assert_eq!((pay_time - created).num_seconds(), 62);

    let summary = GetPayment::Express(response).summary();
    assert_eq!(
        serde_json::to_string(&summary).unwrap(),
        r#"{"provider":"kiriminaja","paymentId":"XID-5732095327","status":"pending","providerStatus":"9","amount":"65000.00","currency":"IDR","qrContent":"XXX","paidAt":null}"#
    );
}

#[test]
fn instant_seed_has_packages_with_both_ends() {
    let GetPayment::Instant(response) = decode_get_payment(200, SEEDS[1].1).unwrap() else {
        panic!("not instant");
    };
    assert_eq!(response.method, None);
    assert_eq!(response.code, None);
    let result = &response.result;
    assert!(result.status_code.0.is_number());
    assert_eq!(result.status_code.unified(), PaymentStatus::Paid);
    assert_eq!(result.qr_content, None);
    assert_eq!(result.pay_time, None);
    let packages = result.packages.as_ref().unwrap();
    assert_eq!(packages.len(), 1);
    let package = &packages[0];
    assert_eq!(package.awb.as_deref(), Some("GK-11-2239895"));
    assert_eq!(package.service.as_deref(), Some("gosend"));
    assert_eq!(package.live_track_url, None);
    let status = package.package_status().unwrap();
    assert_eq!(status, PackageStatus(105));
    assert_eq!(status.group(), PackageStatusGroup::New);
    assert_eq!(
        status.to_string(),
        "105 (waiting for pickup / waiting for AWB)"
    );
    let origin = package.origin.as_ref().unwrap();
    let destination = package.destination.as_ref().unwrap();
    assert_eq!(origin.latitude.as_ref().unwrap().as_str(), "-6.2184034");
    assert!(
        destination
            .address
            .as_deref()
            .unwrap()
            .contains("RT.3/RW.4")
    );
    assert_eq!(destination.phone.as_deref(), Some("08967872837"));
}

#[test]
fn status_code_mapping_value_by_value() {
    let cases = [
        (r#""0""#, PaymentStatus::Paid),
        ("0", PaymentStatus::Paid),
        (r#""9""#, PaymentStatus::Pending),
        ("9", PaymentStatus::Pending),
        (r#""1""#, PaymentStatus::Unknown("1".into())),
        ("00", PaymentStatus::Unknown("00".into())),
        (r#""paid""#, PaymentStatus::Unknown("paid".into())),
    ];
    for (json, expected) in cases {
        // "00" is not JSON; read it as a string instead.
        let value = crate::lenient_json::NumberOrString::from_json(json).unwrap_or_else(|_| {
            crate::lenient_json::NumberOrString::from_json(&format!("\"{json}\"")).unwrap()
        });
        let code = PaymentStatusCode(value);
        assert_eq!(code.unified(), expected, "{json}");
        assert_eq!(code.is_paid(), expected == PaymentStatus::Paid, "{json}");
    }
}

fn express(data: &str) -> String {
    format!(r#"{{"status":true,"text":"Success","method":"payment","data":{data}}}"#)
}

#[test]
fn null_is_accepted_for_every_string() {
    let body = express(
        r#"{"payment_id":"XID-1","qr_content":null,"method":null,"pay_time":null,"status":null,"status_code":"0","amount":65000,"paid_at":"2021-07-12T03:40:00.000000Z","created_at":null}"#,
    );
    let payment = decode_get_payment(200, body.as_bytes()).unwrap();
    assert_eq!(payment.qr_content(), None);
    let summary = payment.summary();
    assert_eq!(summary.status, PaymentStatus::Paid);
    assert_eq!(
        summary.paid_at.unwrap().to_rfc3339(),
        "2021-07-12T03:40:00+00:00"
    );
    // Nulls are written back as nulls.
    assert_eq!(serde_json::to_string(&payment).unwrap(), body);

    let instant = r#"{"status":true,"text":null,"method":null,"result":{"payment_id":"PID-1","amount":1,"status_code":0,"qr_content":null,"pay_time":null,"packages":[{"awb":null,"order_id":null,"service":null,"service_name":null,"status":null,"live_track_url":null,"origin":null,"destination":null}]},"code":null}"#;
    let payment = decode_get_payment(200, instant.as_bytes()).unwrap();
    assert_eq!(serde_json::to_string(&payment).unwrap(), instant);
}

#[test]
fn code_is_a_number_a_string_or_null() {
    for (code, expected) in [
        ("4001", Some("4001")),
        (r#""4002""#, Some("4002")),
        ("null", None),
    ] {
        let body =
            format!(r#"{{"status":false,"text":"Gagal","method":"get_payment","code":{code}}}"#);
        let err = decode_get_payment(200, body.as_bytes()).unwrap_err();
        assert_eq!(err.api_code(), expected, "{code}");
    }
    let ok = r#"{"status":true,"text":"x","method":null,"result":{"payment_id":"P","status_code":0},"code":"200"}"#;
    let GetPayment::Instant(response) = decode_get_payment(200, ok.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(response.code.unwrap().as_str(), "200");
}

#[test]
fn status_false_with_http_200_is_a_typed_api_error() {
    for code in ["4001", "4002", "4003", "422", "2"] {
        let body = format!(
            r#"{{"status":false,"code":{code},"text":"Pesan {code}","method":"get_payment"}}"#
        );
        let err = decode_get_payment(200, body.as_bytes()).unwrap_err();
        let KiriminAjaError::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.http_status, 200);
        assert_eq!(api.code.as_deref(), Some(code));
        assert_eq!(api.text.as_deref(), Some(format!("Pesan {code}").as_str()));
        assert!(err.to_string().contains(code), "{err}");
    }
    // status:false wins even when data is present and of another shape.
    let err = decode_get_payment(
        200,
        br#"{"status":false,"code":422,"text":"invalid","data":{"payment_id":["required"]}}"#,
    )
    .unwrap_err();
    assert_eq!(err.api_code(), Some("422"));
}

#[test]
fn http_errors_without_envelope_and_missing_payment() {
    assert_eq!(
        decode_get_payment(429, b"Too Many Requests").unwrap_err(),
        KiriminAjaError::Http { http_status: 429 }
    );
    assert_eq!(
        decode_get_payment(500, br#"{"status":true}"#).unwrap_err(),
        KiriminAjaError::Http { http_status: 500 }
    );
    assert_eq!(
        decode_get_payment(401, br#"{"status":false,"text":"Unauthenticated"}"#)
            .unwrap_err()
            .api_code(),
        None
    );
    assert_eq!(
        decode_get_payment(200, br#"{"status":true,"text":"ok","data":null}"#).unwrap_err(),
        KiriminAjaError::NoPayment
    );
}

#[test]
fn bad_shapes_name_the_member() {
    let cases: [(&str, &str); 6] = [
        (r#"{"text":"x"}"#, "status"),
        (r#"{"status":"true","data":{}}"#, "status"),
        (
            &express(r#"{"payment_id":"X","status_code":true}"#),
            "data.status_code",
        ),
        (&express(r#"{"status_code":"9"}"#), "data.payment_id"),
        (
            &express(r#"{"payment_id":"X","status_code":"9","amount":[1]}"#),
            "data.amount",
        ),
        (
            r#"{"status":true,"result":{"payment_id":"P","status_code":0,"packages":[{"origin":{"latitude":true}}]}}"#,
            "result.packages[0].origin.latitude",
        ),
    ];
    for (body, field) in cases {
        let err = decode_get_payment(200, body.as_bytes()).unwrap_err();
        let KiriminAjaError::Decode(decode) = &err else {
            panic!("{body}: {err:?}")
        };
        assert_eq!(decode.field(), field, "{body}");
    }
    assert!(matches!(
        decode_get_payment(200, b"<html>").unwrap_err(),
        KiriminAjaError::Decode(DecodeError::NotAnObject { .. })
    ));
}

#[test]
fn request_and_legacy_path() {
    let request = GetPaymentRequest::new("XID-5732095327").unwrap();
    assert_eq!(request.to_json(), br#"{"payment_id":"XID-5732095327"}"#);
    for bad in ["", " X", "X\n", ".", ".."] {
        assert!(GetPaymentRequest::new(bad).is_err(), "{bad:?}");
        assert!(legacy::legacy_instant_payment_path(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        legacy::legacy_instant_payment_path("PID 1/é").unwrap(),
        "/open-api/v1/instants/payment/PID%201%2F%C3%A9"
    );
}

#[test]
fn package_status_table() {
    use PackageStatusGroup as G;
    let table = [
        (100, G::New),
        (101, G::New),
        (102, G::New),
        (103, G::New),
        (104, G::New),
        (105, G::New),
        (110, G::New),
        (106, G::InTransit),
        (107, G::InTransit),
        (152, G::InTransit),
        (200, G::Delivered),
        (300, G::Cancelled),
        (301, G::Cancelled),
        (302, G::Cancelled),
        (303, G::Cancelled),
        (310, G::Cancelled),
        (311, G::Cancelled),
        (333, G::Cancelled),
        (350, G::Cancelled),
        (400, G::Returned),
        (401, G::Returned),
        (406, G::Returned),
        (500, G::Problem),
        (555, G::Problem),
        (701, G::Problem),
        (704, G::Problem),
        (901, G::Problem),
        (905, G::Problem),
        (99, G::Unknown),
        (108, G::Unknown),
        (407, G::Unknown),
        (906, G::Unknown),
    ];
    for (code, group) in table {
        assert_eq!(PackageStatus(code).group(), group, "{code}");
    }
    assert_eq!(PackageStatus(200).description(), Some("delivered"));
    assert_eq!(PackageStatus(906).description(), None);
}

#[test]
fn times() {
    assert!(parse_pay_time("2021071210364").is_err());
    assert!(parse_pay_time("20211332103644").is_err());
    assert!(parse_pay_time("2021-07-12 10:36").is_err());
    assert_eq!(
        parse_timestamp("2022-05-05 00:00:00").unwrap().to_rfc3339(),
        "2022-05-05T00:00:00+00:00"
    );
    assert_eq!(
        parse_timestamp("2024-01-10T08:21:28.301662Z")
            .unwrap()
            .timestamp(),
        1_704_874_888
    );
    assert!(parse_timestamp("yesterday").is_err());
}

#[test]
fn api_key_is_redacted_and_trimmed() {
    let key = ApiKey::new("secret-key\n").unwrap();
    assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
    assert_eq!(key.expose_secret(), "secret-key");
    assert_eq!(ApiKey::new(" \n").unwrap_err(), EmptyApiKey);
}

#[test]
fn webhook_bearer_genuine_and_forged() {
    let key = ApiKey::new("ka-key-123").unwrap();
    for genuine in [
        "Bearer ka-key-123",
        "bearer ka-key-123",
        "BEARER   ka-key-123  ",
        " Bearer\tka-key-123",
    ] {
        assert_eq!(
            verify_webhook_authorization(Some(genuine.as_bytes()), &key),
            Ok(()),
            "{genuine:?}"
        );
    }
    let refused = [
        (Some("Bearer ka-key-12"), WebhookAuthError::Mismatch),
        (Some("Bearer ka-key-1234"), WebhookAuthError::Mismatch),
        (Some("Bearer KA-KEY-123"), WebhookAuthError::Mismatch),
        (Some("Bearer "), WebhookAuthError::NotBearer),
        (Some("Bearerka-key-123"), WebhookAuthError::NotBearer),
        (Some("Basic ka-key-123"), WebhookAuthError::NotBearer),
        (Some("ka-key-123"), WebhookAuthError::NotBearer),
        (Some(""), WebhookAuthError::NotBearer),
        (None, WebhookAuthError::Missing),
    ];
    for (value, expected) in refused {
        assert_eq!(
            verify_webhook_authorization(value.map(str::as_bytes), &key),
            Err(expected),
            "{value:?}"
        );
    }

    let mut headers = http::HeaderMap::new();
    assert_eq!(
        verify_webhook_headers(&headers, &key),
        Err(WebhookAuthError::Missing)
    );
    headers.insert(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer ka-key-123"),
    );
    assert_eq!(verify_webhook_headers(&headers, &key), Ok(()));
    headers.append(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer other"),
    );
    assert_eq!(
        verify_webhook_headers(&headers, &key),
        Err(WebhookAuthError::Repeated)
    );
}

#[test]
fn webhook_events_parse_from_raw_bodies() {
    let kinds = [
        ("processed_packages", WebhookEventKind::ProcessedPackages),
        ("shipped_packages", WebhookEventKind::ShippedPackages),
        ("canceled_packages", WebhookEventKind::CanceledPackages),
        ("finished_packages", WebhookEventKind::FinishedPackages),
        ("returned_packages", WebhookEventKind::ReturnedPackages),
        (
            "return_finished_packages",
            WebhookEventKind::ReturnFinishedPackages,
        ),
        ("validated_packages", WebhookEventKind::ValidatedPackages),
        ("rejected_packages", WebhookEventKind::RejectedPackages),
        (
            "update_instant_packages",
            WebhookEventKind::UpdateInstantPackages,
        ),
        (
            "something_new",
            WebhookEventKind::Other("something_new".into()),
        ),
    ];
    for (method, kind) in kinds {
        let body = format!(r#"{{"method":"{method}","data":[{{"order_id":"X","awb":"Y"}}]}}"#);
        let event = WebhookEvent::from_json(body.as_bytes()).unwrap();
        assert_eq!(event.kind(), kind);
        assert_eq!(serde_json::to_string(&event).unwrap(), body);
    }

    // Packages under `packages`, with the payment object (status_code a number).
    let body = br#"{"method":"processed_packages","packages":[{"order_id":"A","awb":"B","sorting_code":"S1"},{"order_id":"C","awb":null}],"payment":{"payment_id":"XID-1","amount":65000,"status_code":0,"qr_content":null,"pay_time":"20210712103644"}}"#;
    let event = WebhookEvent::from_json(body).unwrap();
    let orders: Vec<_> = event
        .packages()
        .filter_map(|p| p.order_id.as_deref())
        .collect();
    assert_eq!(orders, ["A", "C"]);
    let payment = event.payment.as_ref().unwrap();
    assert!(payment.status_code.as_ref().unwrap().is_paid());
    assert_eq!(serde_json::to_vec(&event).unwrap(), body);

    // Instant update: one object under data, status a word.
    let body = br#"{"method":"update_instant_packages","data":{"order_id":"NBL2-1704870212382","status":"cancel","awb":"GK-11-3114100","driver":{"name":"string"},"shipping_price":34000,"event_date":"2024-01-10T08:21:28.301662Z"}}"#;
    let event = WebhookEvent::from_json(body).unwrap();
    let package = event.packages().next().unwrap();
    assert_eq!(package.status.as_ref().unwrap().as_str(), "cancel");
    assert!(package.extra.get("driver").is_some());
    assert_eq!(serde_json::to_vec(&event).unwrap(), body);

    // Bad shapes.
    assert_eq!(
        WebhookEvent::from_json(br#"{"data":[]}"#)
            .unwrap_err()
            .field(),
        "method"
    );
    assert_eq!(
        WebhookEvent::from_json(br#"{"method":"x","data":[{"order_id":1}]}"#)
            .unwrap_err()
            .field(),
        "data[0].order_id"
    );
    assert_eq!(
        WebhookEvent::from_json(br#"{"method":"x","data":"oops"}"#)
            .unwrap_err()
            .field(),
        "data"
    );
}
