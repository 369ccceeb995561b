//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::qris::emv;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 9, 10, 6, 0, 0).unwrap()
}

fn at(minutes: i64) -> CallContext {
    CallContext::at(t0() + TimeDelta::minutes(minutes))
}

fn idr(value: &str) -> Money {
    Money::idr(Amount::parse_lenient(value).unwrap())
}

fn generate_request(partner: &str, amount: &str) -> QrMpmGenerateRequest {
    let mut request = QrMpmGenerateRequest::new();
    request.partner_reference_no = Some(partner.to_owned());
    request.amount = Some(idr(amount));
    request
}

/// A ledger with one unpaid payment `REF-1` / `INV-1` of 12000.00 created at t0.
fn ledger_with_payment(config: LedgerConfig) -> Ledger {
    let ledger = Ledger::new(config);
    let response = ledger.generate(
        &generate_request("INV-1", "12000.00"),
        &at(0).with_external_id("1725948000"),
        "REF-1",
    );
    assert_eq!(response.response_code.as_str(), "2004700");
    ledger
}

fn query_by_reference(ledger: &Ledger, reference: &str, call: &CallContext) -> QrMpmQueryResponse {
    let mut query = QrMpmQueryRequest::new("47");
    query.original_reference_no = Some(reference.to_owned());
    ledger.query(&query, call)
}

fn cancel_request(reference: &str) -> QrMpmCancelRequest {
    let mut cancel = QrMpmCancelRequest::new("M-1", "customer changed their mind");
    cancel.original_reference_no = Some(reference.to_owned());
    cancel
}

fn refund_request(partner: &str, refund: &str, amount: Option<&str>) -> QrMpmRefundRequest {
    let mut request = QrMpmRefundRequest::new(partner, refund);
    request.refund_amount = amount.map(idr);
    request
}

fn assert_code<R: crate::qris::ServiceResponse>(response: &R, code: &str, message: &str) {
    assert_eq!(
        (
            response.response_code().as_str(),
            response.response_message()
        ),
        (code, message)
    );
}

/// An error response carries only code and message.
fn assert_bare<R: crate::qris::ServiceResponse>(response: &R, code: &str, message: &str) {
    assert_code(response, code, message);
    let json = serde_json::to_string(response).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"responseCode":"{code}","responseMessage":{}}}"#,
            serde_json::to_string(message).unwrap()
        )
    );
}

#[test]
fn ledger_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Ledger>();
}

#[test]
fn config_builder_checks_its_settings() {
    assert_eq!(
        LedgerConfig::builder().capacity(0).build(),
        Err(LedgerConfigError::ZeroCapacity)
    );
    assert_eq!(
        LedgerConfig::builder()
            .default_validity(TimeDelta::zero())
            .build(),
        Err(LedgerConfigError::NonPositiveValidity)
    );
    let too_big = Amount::parse("10000000000.00").unwrap();
    assert!(matches!(
        LedgerConfig::builder().max_amount(too_big).build(),
        Err(LedgerConfigError::Merchant(EmvError::ValueLength {
            tag: 54,
            ..
        }))
    ));
    let bad_merchant = QrisMerchant::new("x".repeat(26), "JAKARTA");
    assert!(matches!(
        LedgerConfig::builder().merchant(bad_merchant).build(),
        Err(LedgerConfigError::Merchant(_))
    ));
    // The default passes the builder's checks.
    let rebuilt = LedgerConfig::builder().build().unwrap();
    assert_eq!(rebuilt, LedgerConfig::default());
    assert_eq!(rebuilt.max_amount().as_str(), "10000000.00");
    assert_eq!(rebuilt.capacity(), 10_000);
    assert_eq!(rebuilt.currency(), Currency::IDR);
    assert_eq!(rebuilt.merchant_id(), None);
    assert_eq!(rebuilt.default_validity(), TimeDelta::minutes(30));
}

#[test]
fn generate_creates_a_payment_with_a_valid_qr() {
    let ledger = Ledger::new(LedgerConfig::default());
    let mut request = generate_request("INV-1", "12000.00");
    request.store_id = Some("STORE-9".into());
    request.terminal_id = Some("T01".into());
    let response = ledger.generate(&request, &at(0), "REF-1");
    assert_code(&response, "2004700", "Successful");
    assert_eq!(response.reference_no.as_deref(), Some("REF-1"));
    assert_eq!(response.partner_reference_no.as_deref(), Some("INV-1"));
    assert_eq!(response.merchant_name.as_deref(), Some("SNAP-BI MOCK"));
    assert_eq!(response.store_id.as_deref(), Some("STORE-9"));
    assert_eq!(response.terminal_id.as_deref(), Some("T01"));

    let qr = response.qr_content.unwrap();
    emv::check_crc(&qr).unwrap();
    let fields = emv::parse(&qr).unwrap();
    let get = |tag: u8| fields.iter().find(|f| f.tag == tag).map(|f| f.value);
    assert_eq!(get(1), Some("12"), "dynamic QR");
    assert_eq!(get(54), Some("12000.00"));
    assert_eq!(get(59), Some("SNAP-BI MOCK"));
    let labels = emv::parse(get(62).unwrap()).unwrap();
    let labels: Vec<(u8, &str)> = labels.iter().map(|f| (f.tag, f.value)).collect();
    assert_eq!(labels, [(1, "INV-1"), (5, "REF-1"), (7, "T01")]);

    let snapshot = ledger.payment("REF-1", t0()).unwrap();
    assert_eq!(snapshot.status, StatusMeaning::Initiated);
    assert_eq!(snapshot.qr_content, qr);
    assert_eq!(snapshot.expires_at, t0() + TimeDelta::minutes(30));
    assert_eq!(snapshot.fee_amount, idr("0.00"));
    assert_eq!(ledger.payment("INV-1", t0()), Some(snapshot));
    assert_eq!(ledger.len(), 1);
    assert!(!ledger.is_empty());
}

#[test]
fn generate_leaves_long_or_non_ascii_references_out_of_the_qr() {
    let ledger = Ledger::new(LedgerConfig::default());
    let long_ref = "R".repeat(40);
    let response = ledger.generate(&generate_request("INVOICE-Ω", "5.00"), &at(0), &long_ref);
    assert_code(&response, "2004700", "Successful");
    let qr = response.qr_content.unwrap();
    let fields = emv::parse(&qr).unwrap();
    assert!(fields.iter().all(|f| f.tag != 62));
}

#[test]
fn generate_rejects_bad_fields_with_the_field_named() {
    let ledger = Ledger::new(LedgerConfig::default());
    let cases: Vec<(QrMpmGenerateRequest, &str, &str)> = vec![
        (
            QrMpmGenerateRequest::new(),
            "4004702",
            "Invalid Mandatory Field {amount}",
        ),
        (
            generate_request("INV", "12000"),
            "4004701",
            "Invalid Field Format {amount.value}",
        ),
        (
            {
                let mut r = generate_request("INV", "1.00");
                r.amount = Some(Money::new(
                    Amount::parse("1.00").unwrap(),
                    Currency::new("USD").unwrap(),
                ));
                r
            },
            "4004701",
            "Invalid Field Format {amount.currency}",
        ),
        (
            {
                let mut r = generate_request("INV", "1.00");
                r.fee_amount = Some(idr("1"));
                r
            },
            "4004701",
            "Invalid Field Format {feeAmount.value}",
        ),
        (
            generate_request(&"P".repeat(65), "1.00"),
            "4004701",
            "Invalid Field Format {partnerReferenceNo}",
        ),
        (
            generate_request("", "1.00"),
            "4004701",
            "Invalid Field Format {partnerReferenceNo}",
        ),
        (
            {
                let mut r = generate_request("INV", "1.00");
                r.terminal_id = Some("T".repeat(17));
                r
            },
            "4004701",
            "Invalid Field Format {terminalId}",
        ),
        (
            {
                let mut r = generate_request("INV", "1.00");
                r.sub_merchant_id = Some("S".repeat(33));
                r
            },
            "4004701",
            "Invalid Field Format {subMerchantId}",
        ),
        (
            {
                let mut r = generate_request("INV", "1.00");
                r.validity_period = Some("tomorrow".into());
                r
            },
            "4004701",
            "Invalid Field Format {validityPeriod}",
        ),
        (
            {
                let mut r = generate_request("INV", "1.00");
                r.validity_period = Some("2024-09-10T12:59:59+07:00".into()); // before t0
                r
            },
            "4004701",
            "Invalid Field Format {validityPeriod}",
        ),
        (generate_request("INV", "0.00"), "4044713", "Invalid Amount"),
        (
            generate_request("INV", "10000000.01"),
            "4034702",
            "Exceeds Transaction Amount Limit",
        ),
    ];
    for (request, code, message) in cases {
        let response = ledger.generate(&request, &at(0), "REF-X");
        assert_bare(&response, code, message);
    }
    assert!(ledger.is_empty(), "no refused request created a payment");
    // The limit itself is allowed.
    let response = ledger.generate(&generate_request("INV", "10000000.00"), &at(0), "REF-X");
    assert_code(&response, "2004700", "Successful");
}

#[test]
fn generate_honours_validity_period() {
    let ledger = Ledger::new(LedgerConfig::default());
    let mut request = generate_request("INV-1", "1.00");
    request.validity_period = Some("2024-09-10T13:05:00+07:00".into()); // t0 + 5 min
    assert_code(
        &ledger.generate(&request, &at(0), "REF-1"),
        "2004700",
        "Successful",
    );
    let snapshot = ledger.payment("REF-1", t0()).unwrap();
    assert_eq!(snapshot.expires_at, t0() + TimeDelta::minutes(5));
    assert_eq!(
        ledger
            .payment("REF-1", t0() + TimeDelta::minutes(5))
            .unwrap()
            .status,
        StatusMeaning::Canceled
    );
}

#[test]
fn generate_refuses_duplicates() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let duplicate = ledger.generate(&generate_request("INV-1", "1.00"), &at(1), "REF-2");
    assert_bare(&duplicate, "4094701", "Duplicate partnerReferenceNo");
    let same_external_id = ledger.generate(
        &generate_request("INV-2", "1.00"),
        &at(1).with_external_id("1725948000"),
        "REF-2",
    );
    assert_bare(&same_external_id, "4094700", "Conflict");
    let same_reference = ledger.generate(&generate_request("INV-2", "1.00"), &at(1), "REF-1");
    assert_bare(&same_reference, "5004700", "General Error");
    let empty_reference = ledger.generate(&generate_request("INV-2", "1.00"), &at(1), "");
    assert_bare(&empty_reference, "5004700", "General Error");
    assert_eq!(ledger.len(), 1);
    // Without a partnerReferenceNo there is nothing to collide on.
    let mut anonymous = QrMpmGenerateRequest::new();
    anonymous.amount = Some(idr("1.00"));
    assert_code(
        &ledger.generate(&anonymous, &at(1), "REF-3"),
        "2004700",
        "Successful",
    );
    assert_code(
        &ledger.generate(&anonymous, &at(1), "REF-4"),
        "2004700",
        "Successful",
    );
}

#[test]
fn generate_checks_the_merchant_when_configured() {
    let config = LedgerConfig::builder().merchant_id("M-1").build().unwrap();
    let ledger = Ledger::new(config);
    let mut request = generate_request("INV-1", "1.00");
    request.merchant_id = Some("M-2".into());
    assert_bare(
        &ledger.generate(&request, &at(0), "REF-1"),
        "4044708",
        "Invalid Merchant",
    );
    request.merchant_id = Some("M-1".into());
    assert_code(
        &ledger.generate(&request, &at(0), "REF-1"),
        "2004700",
        "Successful",
    );
    // Cancel always names a merchant.
    let mut cancel = QrMpmCancelRequest::new("M-2", "r");
    cancel.original_reference_no = Some("REF-1".into());
    assert_bare(
        &ledger.cancel(&cancel, &at(1)),
        "4047708",
        "Invalid Merchant",
    );
}

#[test]
fn capacity_forgets_the_oldest_payment() {
    let config = LedgerConfig::builder().capacity(2).build().unwrap();
    let ledger = Ledger::new(config);
    for i in 1..=3 {
        let response = ledger.generate(
            &generate_request(&format!("INV-{i}"), "1.00"),
            &at(0).with_external_id(format!("{i}")),
            &format!("REF-{i}"),
        );
        assert_code(&response, "2004700", "Successful");
    }
    assert_eq!(ledger.len(), 2);
    assert_bare(
        &query_by_reference(&ledger, "REF-1", &at(1)),
        "4045101",
        "Transaction Not Found",
    );
    assert_code(
        &query_by_reference(&ledger, "REF-3", &at(1)),
        "2005100",
        "Successful",
    );
    // The forgotten payment's identifiers are free again.
    let again = ledger.generate(
        &generate_request("INV-1", "1.00"),
        &at(2).with_external_id("1"),
        "REF-1",
    );
    assert_code(&again, "2004700", "Successful");
    assert_eq!(ledger.payment("REF-2", t0()), None);
}

#[test]
fn query_finds_a_payment_by_any_identifier() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let mut by_partner = QrMpmQueryRequest::new("51");
    by_partner.original_partner_reference_no = Some("INV-1".into());
    let mut by_external = QrMpmQueryRequest::new("47");
    by_external.original_external_id = Some("1725948000".into());
    let mut by_all = QrMpmQueryRequest::new("47");
    by_all.original_reference_no = Some("REF-1".into());
    by_all.original_partner_reference_no = Some("INV-1".into());
    by_all.original_external_id = Some("1725948000".into());
    for request in [by_partner, by_external, by_all] {
        let response = ledger.query(&request, &at(1));
        assert_code(&response, "2005100", "Successful");
        assert_eq!(response.original_reference_no.as_deref(), Some("REF-1"));
        assert_eq!(
            response.original_partner_reference_no.as_deref(),
            Some("INV-1")
        );
        assert_eq!(response.original_external_id.as_deref(), Some("1725948000"));
        assert_eq!(response.service_code, Some(request.service_code.clone()));
        assert_eq!(
            response.latest_transaction_status,
            Some(TransactionStatus::INITIATED)
        );
        assert_eq!(
            response.transaction_status_desc.as_deref(),
            Some("Initiated")
        );
        assert_eq!(response.paid_time, None);
        assert_eq!(response.amount, Some(idr("12000.00")));
        assert_eq!(response.fee_amount, Some(idr("0.00")));
    }
}

#[test]
fn query_refusals() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    assert_bare(
        &query_by_reference(&ledger, "REF-404", &at(1)),
        "4045101",
        "Transaction Not Found",
    );
    let mut mismatched = QrMpmQueryRequest::new("47");
    mismatched.original_reference_no = Some("REF-1".into());
    mismatched.original_partner_reference_no = Some("INV-2".into());
    assert_bare(
        &ledger.query(&mismatched, &at(1)),
        "4045101",
        "Transaction Not Found",
    );
    assert_bare(
        &ledger.query(&QrMpmQueryRequest::new("47"), &at(1)),
        "4005102",
        "Invalid Mandatory Field {originalReferenceNo}",
    );
    for service_code in ["", "4", "470", "4a"] {
        let mut bad = QrMpmQueryRequest::new(service_code);
        bad.original_reference_no = Some("REF-1".into());
        assert_bare(
            &ledger.query(&bad, &at(1)),
            "4005102",
            "Invalid Mandatory Field {serviceCode}",
        );
    }
    let mut long_external = QrMpmQueryRequest::new("47");
    long_external.original_external_id = Some("9".repeat(33));
    assert_bare(
        &ledger.query(&long_external, &at(1)),
        "4005101",
        "Invalid Field Format {originalExternalId}",
    );
}

#[test]
fn mark_paid_returns_the_notification_and_query_reports_paid() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let notify = ledger.mark_paid("REF-1", &at(3)).unwrap();
    assert_eq!(notify.original_reference_no, "REF-1");
    assert_eq!(
        notify.original_partner_reference_no.as_deref(),
        Some("INV-1")
    );
    assert_eq!(notify.latest_transaction_status, TransactionStatus::SUCCESS);
    assert_eq!(notify.transaction_status_desc.as_deref(), Some("Success"));
    assert_eq!(notify.amount, Some(idr("12000.00")));
    assert_eq!(
        serde_json::to_string(&notify).unwrap(),
        r#"{"originalReferenceNo":"REF-1","originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","transactionStatusDesc":"Success","amount":{"value":"12000.00","currency":"IDR"}}"#
    );

    let response = query_by_reference(&ledger, "REF-1", &at(60));
    assert_eq!(
        response.latest_transaction_status,
        Some(TransactionStatus::SUCCESS)
    );
    assert_eq!(
        response.paid_time.as_deref(),
        Some("2024-09-10T13:03:00+07:00")
    );
    // Paid payments do not expire.
    assert_eq!(
        ledger
            .payment("REF-1", t0() + TimeDelta::days(1))
            .unwrap()
            .status,
        StatusMeaning::Success
    );
    assert_eq!(ledger.notification("INV-1", t0()), Some(notify));
}

#[test]
fn mark_paid_refusals() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    assert_eq!(
        ledger.mark_paid("nope", &at(1)),
        Err(TriggerError::NotFound {
            reference: "nope".into()
        })
    );
    // Expired: validity is 30 minutes.
    assert_eq!(
        ledger.mark_paid("REF-1", &at(30)),
        Err(TriggerError::Expired {
            reference_no: "REF-1".into()
        })
    );
    // By partnerReferenceNo, within validity.
    ledger.mark_paid("INV-1", &at(29)).unwrap();
    assert_eq!(
        ledger.mark_paid("REF-1", &at(29)),
        Err(TriggerError::AlreadyPaid {
            reference_no: "REF-1".into()
        })
    );
    assert_eq!(
        ledger.mark_failed("REF-1", &at(29)),
        Err(TriggerError::AlreadyPaid {
            reference_no: "REF-1".into()
        })
    );

    let ledger = ledger_with_payment(LedgerConfig::default());
    assert_code(
        &ledger.cancel(&cancel_request("REF-1"), &at(1)),
        "2007700",
        "Successful",
    );
    assert_eq!(
        ledger.mark_paid("REF-1", &at(2)),
        Err(TriggerError::Canceled {
            reference_no: "REF-1".into()
        })
    );
    assert_eq!(ledger.notification("nope", t0()), None);
}

#[test]
fn failed_status_is_written_in_the_configured_dialect() {
    for (dialect, code) in [
        (StatusDialect::Standard, "06"),
        (StatusDialect::Paydia, "07"),
    ] {
        let config = LedgerConfig::builder()
            .status_dialect(dialect)
            .build()
            .unwrap();
        let ledger = ledger_with_payment(config);
        let notify = ledger.mark_failed("REF-1", &at(1)).unwrap();
        assert_eq!(notify.latest_transaction_status.code(), code);
        assert_eq!(
            notify.latest_transaction_status.meaning(dialect),
            StatusMeaning::Failed
        );
        assert_eq!(notify.transaction_status_desc.as_deref(), Some("Failed"));
        let response = query_by_reference(&ledger, "REF-1", &at(2));
        assert_eq!(
            response
                .latest_transaction_status
                .as_ref()
                .map(|s| s.code()),
            Some(code)
        );
        assert_eq!(
            ledger.mark_paid("REF-1", &at(2)),
            Err(TriggerError::Failed {
                reference_no: "REF-1".into()
            })
        );
        assert_bare(
            &ledger.cancel(&cancel_request("REF-1"), &at(2)),
            "4057701",
            "Requested Opearation Is Not Allowed",
        );
    }
}

#[test]
fn expired_payments_report_canceled_with_an_expired_description() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let response = query_by_reference(&ledger, "REF-1", &at(30));
    assert_eq!(
        response.latest_transaction_status,
        Some(TransactionStatus::CANCELED)
    );
    assert_eq!(response.transaction_status_desc.as_deref(), Some("Expired"));
    let just_before = query_by_reference(&ledger, "REF-1", &at(29));
    assert_eq!(
        just_before.latest_transaction_status,
        Some(TransactionStatus::INITIATED)
    );
    // An expired payment can still be canceled explicitly.
    assert_code(
        &ledger.cancel(&cancel_request("REF-1"), &at(31)),
        "2007700",
        "Successful",
    );
    let canceled = query_by_reference(&ledger, "REF-1", &at(32));
    assert_eq!(
        canceled.transaction_status_desc.as_deref(),
        Some("Canceled")
    );
}

#[test]
fn cancel_closes_an_unpaid_payment_once() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let response = ledger.cancel(&cancel_request("REF-1"), &at(2));
    assert_code(&response, "2007700", "Successful");
    assert_eq!(response.original_reference_no.as_deref(), Some("REF-1"));
    assert_eq!(
        response.original_partner_reference_no.as_deref(),
        Some("INV-1")
    );
    assert_eq!(
        response.cancel_time.as_deref(),
        Some("2024-09-10T13:02:00+07:00")
    );
    assert_eq!(
        response.transaction_date.as_deref(),
        Some("2024-09-10T13:00:00+07:00")
    );
    // Again: same answer, original cancel time.
    let again = ledger.cancel(&cancel_request("REF-1"), &at(5));
    assert_eq!(again, response);
    let snapshot = ledger.payment("REF-1", t0()).unwrap();
    assert_eq!(snapshot.status, StatusMeaning::Canceled);
    assert_eq!(snapshot.canceled_at, Some(t0() + TimeDelta::minutes(2)));
    let query = query_by_reference(&ledger, "REF-1", &at(6));
    assert_eq!(
        query.latest_transaction_status,
        Some(TransactionStatus::CANCELED)
    );
}

#[test]
fn cancel_refusals() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    assert_bare(
        &ledger.cancel(&cancel_request("REF-404"), &at(1)),
        "4047701",
        "Transaction Not Found",
    );
    let mut no_merchant = cancel_request("REF-1");
    no_merchant.merchant_id.clear();
    assert_bare(
        &ledger.cancel(&no_merchant, &at(1)),
        "4007702",
        "Invalid Mandatory Field {merchantId}",
    );
    let mut no_reason = cancel_request("REF-1");
    no_reason.reason.clear();
    assert_bare(
        &ledger.cancel(&no_reason, &at(1)),
        "4007702",
        "Invalid Mandatory Field {reason}",
    );
    let mut long_reason = cancel_request("REF-1");
    long_reason.reason = "r".repeat(257);
    assert_bare(
        &ledger.cancel(&long_reason, &at(1)),
        "4007702",
        "Invalid Mandatory Field {reason}",
    );
    let no_identifier = QrMpmCancelRequest::new("M-1", "r");
    assert_bare(
        &ledger.cancel(&no_identifier, &at(1)),
        "4007702",
        "Invalid Mandatory Field {originalReferenceNo}",
    );
    let mut other_amount = cancel_request("REF-1");
    other_amount.amount = Some(idr("12000.01"));
    assert_bare(
        &ledger.cancel(&other_amount, &at(1)),
        "4047713",
        "Invalid Amount",
    );
    let mut same_amount = cancel_request("REF-1");
    same_amount.amount = Some(idr("12000.00"));
    // Nothing above changed the payment.
    assert_eq!(
        ledger.payment("REF-1", t0()).unwrap().status,
        StatusMeaning::Initiated
    );

    ledger.mark_paid("REF-1", &at(1)).unwrap();
    assert_bare(
        &ledger.cancel(&same_amount, &at(2)),
        "4057701",
        "Requested Opearation Is Not Allowed",
    );
    assert_eq!(
        ledger.payment("REF-1", t0()).unwrap().status,
        StatusMeaning::Success
    );
}

#[test]
fn refund_needs_a_paid_payment() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let request = refund_request("INV-1", "RF-1", None);
    assert_bare(
        &ledger.refund(&request, &at(1), "PRF-1"),
        "4057801",
        "Requested Opearation Is Not Allowed",
    );
    assert_bare(
        &ledger.refund(&refund_request("INV-404", "RF-1", None), &at(1), "PRF-1"),
        "4047801",
        "Transaction Not Found",
    );
    let mut mismatched = refund_request("INV-1", "RF-1", None);
    mismatched.original_reference_no = Some("REF-2".into());
    assert_bare(
        &ledger.refund(&mismatched, &at(1), "PRF-1"),
        "4047801",
        "Transaction Not Found",
    );
}

#[test]
fn full_refund_by_default() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    ledger.mark_paid("REF-1", &at(1)).unwrap();
    let response = ledger.refund(&refund_request("INV-1", "RF-1", None), &at(5), "PRF-1");
    assert_code(&response, "2007800", "Successful");
    assert_eq!(response.refund_no.as_deref(), Some("PRF-1"));
    assert_eq!(response.partner_refund_no.as_deref(), Some("RF-1"));
    assert_eq!(response.refund_amount, Some(idr("12000.00")));
    assert_eq!(
        response.refund_time.as_deref(),
        Some("2024-09-10T13:05:00+07:00")
    );
    assert_eq!(response.original_reference_no.as_deref(), Some("REF-1"));
    assert_eq!(
        response.original_partner_reference_no.as_deref(),
        Some("INV-1")
    );
    assert_eq!(response.original_external_id.as_deref(), Some("1725948000"));
    let query = query_by_reference(&ledger, "REF-1", &at(6));
    assert_eq!(
        query.latest_transaction_status,
        Some(TransactionStatus::REFUNDED)
    );
    assert_eq!(query.transaction_status_desc.as_deref(), Some("Refunded"));
    // Nothing left to refund.
    assert_bare(
        &ledger.refund(&refund_request("INV-1", "RF-2", None), &at(7), "PRF-2"),
        "4047813",
        "Invalid Amount",
    );
    assert_eq!(
        ledger.payment("REF-1", t0()).unwrap().refunded,
        Amount::parse("12000.00").unwrap()
    );
}

#[test]
fn partial_refunds_up_to_the_paid_amount() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    ledger.mark_paid("REF-1", &at(1)).unwrap();
    let first = ledger.refund(
        &refund_request("INV-1", "RF-1", Some("2000.00")),
        &at(2),
        "PRF-1",
    );
    assert_code(&first, "2007800", "Successful");
    let query = query_by_reference(&ledger, "REF-1", &at(3));
    assert_eq!(
        query.latest_transaction_status,
        Some(TransactionStatus::REFUNDED)
    );
    assert_eq!(
        query.transaction_status_desc.as_deref(),
        Some("Partially Refunded")
    );
    // 10000.00 left: more is refused, zero is refused.
    assert_bare(
        &ledger.refund(
            &refund_request("INV-1", "RF-2", Some("10000.01")),
            &at(4),
            "PRF-2",
        ),
        "4047813",
        "Invalid Amount",
    );
    assert_bare(
        &ledger.refund(
            &refund_request("INV-1", "RF-2", Some("0.00")),
            &at(4),
            "PRF-2",
        ),
        "4047813",
        "Invalid Amount",
    );
    let rest = ledger.refund(&refund_request("INV-1", "RF-2", None), &at(5), "PRF-2");
    assert_code(&rest, "2007800", "Successful");
    assert_eq!(rest.refund_amount, Some(idr("10000.00")));
    assert_eq!(
        query_by_reference(&ledger, "REF-1", &at(6))
            .transaction_status_desc
            .as_deref(),
        Some("Refunded")
    );
}

#[test]
fn repeated_partner_refund_no_replays_or_conflicts() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    ledger.mark_paid("REF-1", &at(1)).unwrap();
    let first = ledger.refund(
        &refund_request("INV-1", "RF-1", Some("2000.00")),
        &at(2),
        "PRF-1",
    );
    assert_code(&first, "2007800", "Successful");
    // Same request later (a client retry): the original answer, no second refund.
    let replay = ledger.refund(
        &refund_request("INV-1", "RF-1", Some("2000.00")),
        &at(9),
        "PRF-9",
    );
    assert_eq!(replay, first);
    assert_eq!(
        ledger.payment("REF-1", t0()).unwrap().refunded,
        Amount::parse("2000.00").unwrap()
    );
    // Same partnerRefundNo, different amount: inconsistent.
    assert_bare(
        &ledger.refund(
            &refund_request("INV-1", "RF-1", Some("3000.00")),
            &at(9),
            "PRF-9",
        ),
        "4047818",
        "Inconsistent Request",
    );
    // Same partnerRefundNo on another payment: inconsistent.
    ledger.generate(&generate_request("INV-2", "5000.00"), &at(10), "REF-2");
    ledger.mark_paid("REF-2", &at(10)).unwrap();
    assert_bare(
        &ledger.refund(&refund_request("INV-2", "RF-1", None), &at(11), "PRF-10"),
        "4047818",
        "Inconsistent Request",
    );
    // A minted refundNo used twice is the caller's bug.
    assert_bare(
        &ledger.refund(&refund_request("INV-2", "RF-2", None), &at(11), "PRF-1"),
        "5007800",
        "General Error",
    );
    assert_bare(
        &ledger.refund(&refund_request("INV-2", "RF-2", None), &at(11), ""),
        "5007800",
        "General Error",
    );
}

#[test]
fn refund_field_checks() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    ledger.mark_paid("REF-1", &at(1)).unwrap();
    assert_bare(
        &ledger.refund(&refund_request("", "RF-1", None), &at(2), "PRF-1"),
        "4007802",
        "Invalid Mandatory Field {originalPartnerReferenceNo}",
    );
    assert_bare(
        &ledger.refund(&refund_request("INV-1", "", None), &at(2), "PRF-1"),
        "4007802",
        "Invalid Mandatory Field {partnerRefundNo}",
    );
    let mut usd = refund_request("INV-1", "RF-1", None);
    usd.refund_amount = Some(Money::new(
        Amount::parse("1.00").unwrap(),
        Currency::new("USD").unwrap(),
    ));
    assert_bare(
        &ledger.refund(&usd, &at(2), "PRF-1"),
        "4007801",
        "Invalid Field Format {refundAmount.currency}",
    );
    assert_bare(
        &ledger.refund(&refund_request("INV-1", "RF-1", Some("1")), &at(2), "PRF-1"),
        "4007801",
        "Invalid Field Format {refundAmount.value}",
    );
    let mut long_reason = refund_request("INV-1", "RF-1", None);
    long_reason.reason = Some("r".repeat(257));
    assert_bare(
        &ledger.refund(&long_reason, &at(2), "PRF-1"),
        "4007801",
        "Invalid Field Format {reason}",
    );
    assert!(ledger.payment("REF-1", t0()).unwrap().refunded.is_zero());
}

#[test]
fn refund_count_is_bounded() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    ledger.mark_paid("REF-1", &at(1)).unwrap();
    for i in 0..MAX_REFUNDS_PER_PAYMENT {
        let response = ledger.refund(
            &refund_request("INV-1", &format!("RF-{i}"), Some("0.01")),
            &at(2),
            &format!("PRF-{i}"),
        );
        assert_code(&response, "2007800", "Successful");
    }
    assert_bare(
        &ledger.refund(
            &refund_request("INV-1", "RF-X", Some("0.01")),
            &at(2),
            "PRF-X",
        ),
        "4037804",
        "Activity Count Limit Exceeded",
    );
}

#[test]
fn timestamps_follow_the_configured_format() {
    let config = LedgerConfig::builder()
        .timestamp_format(TimestampFormat::UtcMillis)
        .build()
        .unwrap();
    let ledger = ledger_with_payment(config);
    ledger.mark_paid("REF-1", &at(1)).unwrap();
    let response = query_by_reference(&ledger, "REF-1", &at(2));
    assert_eq!(
        response.paid_time.as_deref(),
        Some("2024-09-10T06:01:00.000Z")
    );
}

#[test]
fn concurrent_generates_are_all_recorded() {
    let ledger = Ledger::new(LedgerConfig::default());
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let ledger = &ledger;
            scope.spawn(move || {
                for i in 0..50 {
                    let id = format!("{thread}-{i}");
                    let response = ledger.generate(
                        &generate_request(&format!("INV-{id}"), "1.00"),
                        &at(0).with_external_id(id.clone()),
                        &format!("REF-{id}"),
                    );
                    assert_eq!(response.response_code.as_str(), "2004700");
                }
            });
        }
    });
    assert_eq!(ledger.len(), 400);
    // And the same partner reference from many threads succeeds exactly once.
    let successes = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|thread| {
                let ledger = &ledger;
                scope.spawn(move || {
                    ledger
                        .generate(
                            &generate_request("INV-RACE", "1.00"),
                            &at(0),
                            &format!("RACE-{thread}"),
                        )
                        .response_code
                        .is_success()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .filter(|joined| matches!(joined, Ok(true)))
            .count()
    });
    assert_eq!(successes, 1);
}

#[test]
fn debug_shows_the_size_not_the_payments() {
    let ledger = ledger_with_payment(LedgerConfig::default());
    let debug = format!("{ledger:?}");
    assert!(debug.contains("payments: 1"), "{debug}");
    assert!(!debug.contains("INV-1"), "{debug}");
}
