//! Unit tests of the parent module, kept in their own file.

use super::*;

#[test]
fn paydia_dialect_value_by_value() {
    use PaymentStatus as P;
    let table = [
        ("00", P::Paid),
        ("01", P::Pending),
        ("02", P::Pending),
        ("03", P::Pending),
        ("04", P::Refunded),
        ("05", P::Cancelled),
        ("06", P::Unknown("06".into())),
        ("07", P::Failed),
        ("08", P::Unknown("08".into())),
        ("", P::Unknown(String::new())),
    ];
    for (code, expected) in table {
        let status = TransactionStatus::from_code(code);
        assert_eq!(
            PaymentStatus::from_snap(&status, StatusDialect::Paydia),
            expected,
            "{code}"
        );
    }
}

#[test]
fn standard_dialect_differs_at_06_and_07() {
    let read = |code| {
        PaymentStatus::from_snap(&TransactionStatus::from_code(code), StatusDialect::Standard)
    };
    assert_eq!(read("06"), PaymentStatus::Failed);
    assert_eq!(read("07"), PaymentStatus::Unknown("07".into()));
    assert_eq!(read("00"), PaymentStatus::Paid);
}

#[test]
fn names_round_trip_and_unknown_is_written_unknown() {
    let all = [
        PaymentStatus::Pending,
        PaymentStatus::Paid,
        PaymentStatus::Settled,
        PaymentStatus::Refunded,
        PaymentStatus::Cancelled,
        PaymentStatus::Expired,
        PaymentStatus::Failed,
        PaymentStatus::Unknown("x".into()),
    ];
    for (status, name) in all.iter().zip(PaymentStatus::NAMES) {
        assert_eq!(status.as_str(), name);
        assert_eq!(
            serde_json::to_string(status).unwrap(),
            format!("\"{name}\"")
        );
        if name != "unknown" {
            assert_eq!(&PaymentStatus::from_name(name), status);
            let back: PaymentStatus = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(&back, status);
        }
    }
    assert_eq!(
        PaymentStatus::from_name("unknown"),
        PaymentStatus::Unknown("unknown".into())
    );
    assert_eq!(
        PaymentStatus::from_name("PAID"),
        PaymentStatus::Unknown("PAID".into())
    );
    assert!(serde_json::from_str::<PaymentStatus>("1").is_err());
}

#[test]
fn paid_and_final() {
    assert!(PaymentStatus::Paid.is_paid() && PaymentStatus::Settled.is_paid());
    assert!(!PaymentStatus::Pending.is_paid() && !PaymentStatus::Refunded.is_paid());
    assert!(!PaymentStatus::Pending.is_final());
    assert!(!PaymentStatus::Unknown(String::new()).is_final());
    assert!(PaymentStatus::Expired.is_final());
}

#[test]
fn providers_parse_by_name() {
    for provider in [
        PaymentProvider::Paydia,
        PaymentProvider::Kiriminaja,
        PaymentProvider::Fazz,
    ] {
        assert_eq!(provider.as_str().parse::<PaymentProvider>(), Ok(provider));
        assert_eq!(
            serde_json::to_string(&provider).unwrap(),
            format!("\"{provider}\"")
        );
    }
    assert!("Paydia".parse::<PaymentProvider>().is_err());
}

const PAYDIA_QUERY_RESPONSE: &[u8] =
    include_bytes!("../../tests/fixtures/paydia/qr-mpm-query-response.json");

#[test]
fn summary_of_the_paydia_seed() {
    let response = QrMpmQueryResponse::from_json(PAYDIA_QUERY_RESPONSE).unwrap();
    let summary = PaymentSummary::from_qris_query(&response, StatusDialect::Paydia).unwrap();
    assert_eq!(
        serde_json::to_string(&summary).unwrap(),
        r#"{"provider":"paydia","paymentId":"e3201ef5c7f06db5d999867b8c220809804443bbedd76d5c43fe6217c5533645","status":"paid","providerStatus":"00","amount":"12000.00","currency":"IDR","qrContent":null,"paidAt":"2024-09-10T06:20:06+07:00"}"#
    );
}

#[test]
fn summary_refuses_provider_errors_and_leaves_unpaid_time_out() {
    let error = QrMpmQueryResponse::from_json(
        br#"{"responseCode":"4045101","responseMessage":"Transaction Not Found"}"#,
    )
    .unwrap();
    assert_eq!(
        PaymentSummary::from_qris_query(&error, StatusDialect::Paydia),
        Err(SummaryError::Provider {
            code: "4045101".into(),
            message: "Transaction Not Found".into()
        })
    );
    let no_status =
        QrMpmQueryResponse::from_json(br#"{"responseCode":"2005100","responseMessage":"Success"}"#)
            .unwrap();
    assert_eq!(
        PaymentSummary::from_qris_query(&no_status, StatusDialect::Paydia),
        Err(SummaryError::Missing {
            field: "latestTransactionStatus"
        })
    );
    let pending = QrMpmQueryResponse::from_json(br#"{"responseCode":"2005100","responseMessage":"Success","originalPartnerReferenceNo":"P1","latestTransactionStatus":"01","paidTime":"2024-09-10T06:20:06+07:00"}"#).unwrap();
    let summary = PaymentSummary::from_qris_query(&pending, StatusDialect::Paydia).unwrap();
    assert_eq!(summary.payment_id, "P1");
    assert_eq!(summary.status, PaymentStatus::Pending);
    assert_eq!(summary.paid_at, None);
}
