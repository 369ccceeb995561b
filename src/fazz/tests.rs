//! Unit tests of the parent module, kept in their own file.

use super::callback::*;
use super::*;
use crate::lenient_json::DecodeError;
use crate::payment::PaymentStatus;

const SEED_REQUEST: &str =
    include_str!("../../tests/fixtures/seeds/003-fazz-create-payment-request.jsonc");
const SEED_RESPONSE: &str =
    include_str!("../../tests/fixtures/seeds/003-fazz-retail-outlet-response.jsonc");
const SEED_CALLBACK: &str = include_str!("../../tests/fixtures/seeds/003-fazz-callback-paid.jsonc");

/// Removes `//` comments outside strings: the seed's annotated JSON.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else if b == b'"' {
                in_string = true;
            } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                cut = i;
                break;
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

#[test]
fn seed_response_and_callback_parse_and_round_trip_byte_stable() {
    for (name, seed, status) in [
        ("response", SEED_RESPONSE, FazzPaymentStatus::Pending),
        ("callback", SEED_CALLBACK, FazzPaymentStatus::Paid),
    ] {
        assert!(
            serde_json::from_str::<serde_json::Value>(seed).is_err(),
            "{name}: the seed has comments"
        );
        let json = strip_comments(seed);
        let document =
            decode_payment_response(200, json.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(document.status(), &status, "{name}");
        assert_eq!(document.id(), "contract_ea9c4b10df49446eafd4fb3f25a713bd");
        let minified = crate::minify(json.as_bytes()).unwrap();
        assert_eq!(serde_json::to_vec(&document).unwrap(), &*minified, "{name}");
        // A callback body is the same document.
        assert_eq!(
            PaymentDocument::from_json(json.as_bytes()).unwrap(),
            document
        );
    }
}

#[test]
fn seed_response_reads_as_documented() {
    let document = PaymentDocument::from_json(strip_comments(SEED_RESPONSE).as_bytes()).unwrap();
    let attributes = &document.data.attributes;
    assert_eq!(document.data.resource_type, "payment");
    assert_eq!(attributes.amount.as_str(), "100000.0");
    assert_eq!(attributes.amount.minor_units(), 10_000_000);
    assert_eq!(attributes.fees.as_ref().unwrap().as_str(), "4400.0");
    assert_eq!(attributes.description, None);
    assert_eq!(attributes.reference_id.as_deref(), Some("ORDER_0001"));
    // Mixed offsets within one object: +07:00 and Z, exactly 24 h apart.
    let created = attributes.created_at_time().unwrap().unwrap();
    let expired = attributes.expired_at_time().unwrap().unwrap();
    assert_eq!(created.offset().local_minus_utc(), 7 * 3600);
    assert_eq!(expired.offset().local_minus_utc(), 0);
    assert_eq!((expired - created).num_hours(), 24);
    let method = attributes.payment_method.as_ref().unwrap();
    assert_eq!(method.method_type, Some(PaymentMethodType::RetailOutlet));
    let Some(Instructions::RetailOutlet(instructions)) = document.instructions().unwrap() else {
        panic!("not retail")
    };
    assert_eq!(instructions.retail_outlet_name.as_deref(), Some("ALFAMART"));
    assert_eq!(instructions.payment_code, "8887322");
    assert_eq!(instructions.display_name.as_deref(), Some("Nama Tampilan"));

    assert_eq!(
        document.dedup_key(),
        "contract_ea9c4b10df49446eafd4fb3f25a713bd:pending"
    );
    assert_eq!(
        serde_json::to_string(&document.summary()).unwrap(),
        r#"{"provider":"fazz","paymentId":"contract_ea9c4b10df49446eafd4fb3f25a713bd","status":"pending","providerStatus":"pending","amount":"100000.00","currency":"IDR","qrContent":null,"paidAt":null}"#
    );
}

#[test]
fn seed_request_is_what_the_builder_sends() {
    let request = CreatePaymentRequest::builder()
        .reference_id("ORDER_0001")
        .amount(100_000)
        .options(PaymentMethodOptions::RetailOutlet {
            retail_outlet_name: "ALFAMART".into(),
            display_name: Some("Nama Tampilan".into()),
        })
        .expired_at(chrono::DateTime::parse_from_rfc3339("2020-10-20T09:12:48+07:00").unwrap())
        .description("Order Number 0001")
        .build()
        .unwrap();
    // The seed lacks the comma after `description` (its comment took its place).
    let seed = strip_comments(SEED_REQUEST)
        .replace("\"Order Number 0001\" \n", "\"Order Number 0001\",\n");
    let seed: serde_json::Value = serde_json::from_str(&seed).unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&request.to_json()).unwrap();
    assert_eq!(sent, seed);
    // And the order of members is the seed's.
    assert_eq!(
        String::from_utf8(request.to_json()).unwrap(),
        r#"{"data":{"attributes":{"paymentMethodType":"retail_outlet","amount":100000,"currency":"IDR","referenceId":"ORDER_0001","expiredAt":"2020-10-20T09:12:48+07:00","description":"Order Number 0001","paymentMethodOptions":{"retailOutletName":"ALFAMART","displayName":"Nama Tampilan"}}}}"#
    );
}

#[test]
fn every_method_type_and_its_options() {
    let build = |options| {
        let request = CreatePaymentRequest::builder()
            .reference_id("R1")
            .amount(15_000)
            .options(options)
            .build()
            .unwrap();
        String::from_utf8(request.to_json()).unwrap()
    };
    let prefix = |t: &str| {
        format!(
            r#"{{"data":{{"attributes":{{"paymentMethodType":"{t}","amount":15000,"currency":"IDR","referenceId":"R1","paymentMethodOptions":"#
        )
    };
    assert_eq!(
        build(PaymentMethodOptions::VirtualBankAccount {
            bank_short_code: "BCA".into(),
            suffix_no: Some("1234".into()),
            display_name: Some("Toko".into())
        }),
        prefix("virtual_bank_account")
            + r#"{"bankShortCode":"BCA","suffixNo":"1234","displayName":"Toko"}}}}"#
    );
    assert_eq!(
        build(PaymentMethodOptions::Qris { display_name: None }),
        prefix("qris") + "{}}}}"
    );
    assert_eq!(
        build(PaymentMethodOptions::EWallet {
            provider_code: "SHOPEEPAY".into(),
            after_settlement_return_url: Some("https://shop.example/done".into())
        }),
        prefix("e-wallet")
            + r#"{"providerCode":"SHOPEEPAY","afterSettlementReturnUrl":"https://shop.example/done"}}}}"#
    );
}

#[test]
fn request_errors_name_the_attribute() {
    let retail = || PaymentMethodOptions::RetailOutlet {
        retail_outlet_name: "ALFAMART".into(),
        display_name: None,
    };
    let base = || {
        CreatePaymentRequest::builder()
            .reference_id("R")
            .amount(1)
            .options(retail())
    };
    assert_eq!(
        CreatePaymentRequest::builder()
            .amount(1)
            .options(retail())
            .build()
            .unwrap_err(),
        RequestError::Missing("referenceId")
    );
    assert_eq!(
        CreatePaymentRequest::builder()
            .reference_id("R")
            .options(retail())
            .build()
            .unwrap_err(),
        RequestError::Missing("amount")
    );
    assert_eq!(
        CreatePaymentRequest::builder()
            .reference_id("R")
            .amount(1)
            .build()
            .unwrap_err(),
        RequestError::Missing("paymentMethodOptions")
    );
    let field = |e: RequestError| match e {
        RequestError::Invalid { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(base().reference_id(" ").build().unwrap_err()),
        "referenceId"
    );
    assert_eq!(field(base().amount(0).build().unwrap_err()), "amount");
    assert_eq!(
        field(base().amount(2_147_483_648).build().unwrap_err()),
        "amount"
    );
    assert!(base().amount(2_147_483_647).build().is_ok());
    assert_eq!(
        field(base().description("x".repeat(1001)).build().unwrap_err()),
        "description"
    );
    assert!(base().description("é".repeat(1000)).build().is_ok());
    let empty_bank = base().options(PaymentMethodOptions::VirtualBankAccount {
        bank_short_code: String::new(),
        suffix_no: None,
        display_name: None,
    });
    assert_eq!(field(empty_bank.build().unwrap_err()), "bankShortCode");
    let empty_wallet = base().options(PaymentMethodOptions::EWallet {
        provider_code: " ".into(),
        after_settlement_return_url: None,
    });
    assert_eq!(field(empty_wallet.build().unwrap_err()), "providerCode");
}

#[test]
fn status_mapping_value_by_value() {
    use FazzPaymentStatus as F;
    let table = [
        ("pending", F::Pending, PaymentStatus::Pending),
        ("processing", F::Processing, PaymentStatus::Pending),
        ("paid", F::Paid, PaymentStatus::Paid),
        ("completed", F::Completed, PaymentStatus::Settled),
        ("expired", F::Expired, PaymentStatus::Expired),
        ("cancelled", F::Cancelled, PaymentStatus::Cancelled),
        ("failed", F::Failed, PaymentStatus::Failed),
        (
            "refunded",
            F::Other("refunded".into()),
            PaymentStatus::Unknown("refunded".into()),
        ),
        (
            "PAID",
            F::Other("PAID".into()),
            PaymentStatus::Unknown("PAID".into()),
        ),
    ];
    for (name, fazz, unified) in table {
        let parsed = F::from_name(name);
        assert_eq!(parsed, fazz, "{name}");
        assert_eq!(parsed.as_str(), name);
        assert_eq!(parsed.unified(), unified, "{name}");
    }
}

fn document(attributes: &str) -> String {
    format!(r#"{{"data":{{"id":"contract_1","type":"payment","attributes":{attributes}}}}}"#)
}

#[test]
fn unknown_status_is_kept_raw_on_a_round_trip() {
    let body = document(r#"{"status":"on_hold","amount":"5000.0"}"#);
    let parsed = PaymentDocument::from_json(body.as_bytes()).unwrap();
    assert_eq!(parsed.status(), &FazzPaymentStatus::Other("on_hold".into()));
    assert_eq!(
        parsed.summary().status,
        PaymentStatus::Unknown("on_hold".into())
    );
    assert_eq!(parsed.summary().provider_status, "on_hold");
    assert_eq!(serde_json::to_string(&parsed).unwrap(), body);
}

#[test]
fn typed_instructions_for_each_method() {
    let with_method = |t: &str, instructions: &str| {
        document(&format!(
            r#"{{"status":"pending","amount":"10000.0","paymentMethod":{{"type":"{t}","instructions":{instructions}}}}}"#
        ))
    };
    let va = PaymentDocument::from_json(
        with_method(
            "virtual_bank_account",
            r#"{"bankShortCode":"BRI","accountNo":"8881234567","displayName":"Toko"}"#,
        )
        .as_bytes(),
    )
    .unwrap();
    let Some(Instructions::VirtualBankAccount(va)) = va.instructions().unwrap() else {
        panic!()
    };
    assert_eq!(
        (va.bank_short_code.as_deref(), va.account_no.as_str()),
        (Some("BRI"), "8881234567")
    );

    let qris = PaymentDocument::from_json(
        with_method("qris", r#"{"imageUrl":"https://img.example/qr.png","qrContent":"00020101021226","extraKey":1}"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(qris.summary().qr_content.as_deref(), Some("00020101021226"));
    let Some(Instructions::Qris(q)) = qris.instructions().unwrap() else {
        panic!()
    };
    assert_eq!(q.image_url.as_deref(), Some("https://img.example/qr.png"));
    assert!(q.extra.get("extraKey").is_some());

    let wallet =
        PaymentDocument::from_json(with_method("e-wallet", r#"{"redirect":"x"}"#).as_bytes())
            .unwrap();
    assert!(matches!(
        wallet.instructions().unwrap(),
        Some(Instructions::Other(_))
    ));

    let bad = PaymentDocument::from_json(
        with_method("retail_outlet", r#"{"paymentCode":8887322}"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(
        bad.instructions().unwrap_err().field(),
        "data.attributes.paymentMethod.instructions.paymentCode"
    );
    let missing =
        PaymentDocument::from_json(with_method("virtual_bank_account", "{}").as_bytes()).unwrap();
    assert_eq!(
        missing.instructions().unwrap_err(),
        DecodeError::Missing {
            field: "data.attributes.paymentMethod.instructions.accountNo".into()
        }
    );
}

#[test]
fn bad_shapes_name_the_member() {
    let cases = [
        (
            document(r#"{"status":"paid","amount":100000}"#),
            "data.attributes.amount",
        ),
        (
            document(r#"{"status":"paid","amount":"10.000"}"#),
            "data.attributes.amount",
        ),
        (
            document(r#"{"status":"paid","amount":"1.0","fees":"-1"}"#),
            "data.attributes.fees",
        ),
        (document(r#"{"amount":"1.0"}"#), "data.attributes.status"),
        (
            document(r#"{"status":null,"amount":"1.0"}"#),
            "data.attributes.status",
        ),
        (
            document(r#"{"status":"paid","amount":"1.0","paymentMethod":[]}"#),
            "data.attributes.paymentMethod",
        ),
        (
            r#"{"data":{"type":"payment","attributes":{"status":"paid","amount":"1.0"}}}"#
                .to_owned(),
            "data.id",
        ),
        (r#"{"meta":{}}"#.to_owned(), "data"),
    ];
    for (body, field) in cases {
        let err = decode_payment_response(200, body.as_bytes()).unwrap_err();
        let FazzError::Decode(decode) = &err else {
            panic!("{body}: {err:?}")
        };
        assert_eq!(decode.field(), field, "{body}");
    }
    let times = PaymentDocument::from_json(
        document(r#"{"status":"paid","amount":"1.0","createdAt":"yesterday"}"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(
        times.data.attributes.created_at_time().unwrap_err().field(),
        "createdAt"
    );
}

#[test]
fn error_documents_are_typed() {
    let body = br#"{"errors":[{"code":"004","title":"Not Found","detail":"Payment contract_x does not exist"},{"code":5,"title":"Invalid"}]}"#;
    let err = decode_payment_response(404, body).unwrap_err();
    let FazzError::Api {
        http_status,
        errors,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*http_status, 404);
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].title.as_deref(), Some("Not Found"));
    assert_eq!(
        errors[0].detail.as_deref(),
        Some("Payment contract_x does not exist")
    );
    assert_eq!(errors[1].code.as_ref().unwrap().as_str(), "5");
    assert_eq!(err.api_code(), Some("004"));
    assert_eq!(
        err.to_string(),
        "Fazz refused the call (HTTP 404): 004: Not Found (Payment contract_x does not exist) and 1 more"
    );
    assert_eq!(
        decode_payment_response(502, b"Bad Gateway").unwrap_err(),
        FazzError::Http { http_status: 502 }
    );
    assert_eq!(
        decode_payment_response(429, br#"{"data":{}}"#).unwrap_err(),
        FazzError::Http { http_status: 429 }
    );
    assert!(matches!(
        decode_payment_response(200, b"").unwrap_err(),
        FazzError::Decode(DecodeError::NotAnObject { .. })
    ));
}

#[test]
fn genuine_callbacks_pass_and_forged_ones_fail() {
    let secret = SigningSecret::new("ss_0123456789abcdef\n").unwrap();
    let body = strip_comments(SEED_CALLBACK);
    let body = body.as_bytes();
    let signature = sign_callback(body, &secret);
    // Reference value, computed independently with HMAC-SHA256 (Python hmac).
    assert_eq!(signature, hmac_sha256_hex(b"ss_0123456789abcdef", body));
    assert!(
        signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );

    assert_eq!(verify_callback(&signature, body, &secret), Ok(()));
    assert_eq!(
        verify_callback(&format!(" {signature}\n"), body, &secret),
        Ok(())
    );
    assert_eq!(
        verify_callback(&signature.to_uppercase(), body, &secret),
        Ok(())
    );

    let other_secret = SigningSecret::new("ss_other").unwrap();
    assert_eq!(
        verify_callback(&signature, body, &other_secret),
        Err(CallbackError::Mismatch)
    );
    let mut tampered = body.to_vec();
    let at = tampered.iter().position(|&b| b == b'8').unwrap();
    tampered[at] = b'9';
    assert_eq!(
        verify_callback(&signature, &tampered, &secret),
        Err(CallbackError::Mismatch)
    );
    // Re-serialised JSON (whitespace changed) is not what was signed.
    let minified = crate::minify(body).unwrap();
    assert_eq!(
        verify_callback(&signature, &minified, &secret),
        Err(CallbackError::Mismatch)
    );
    let mut flipped = signature.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        verify_callback(std::str::from_utf8(&flipped).unwrap(), body, &secret),
        Err(CallbackError::Mismatch)
    );
    for malformed in [
        "",
        &signature[..63],
        &format!("{signature}00"),
        &"g".repeat(64),
    ] {
        assert_eq!(
            verify_callback(malformed, body, &secret),
            Err(CallbackError::MalformedSignature),
            "{malformed}"
        );
    }
}

/// HMAC-SHA256 written out from its definition (RFC 2104), so the test does
/// not check the code against itself.
fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let inner: Vec<u8> = block
        .iter()
        .map(|b| b ^ 0x36)
        .chain(message.iter().copied())
        .collect();
    let inner = Sha256::digest(inner);
    let outer: Vec<u8> = block
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    hex::encode(Sha256::digest(outer))
}

#[test]
fn verifier_reads_the_configured_header() {
    let secret = SigningSecret::new("ss_x").unwrap();
    let body = br#"{"data":{"id":"c","type":"payment","attributes":{"status":"completed","amount":"1.0"}}}"#;
    let signature = sign_callback(body, &secret);
    let verifier = CallbackVerifier::new(secret.clone());
    assert_eq!(
        verifier.header().as_str(),
        DEFAULT_SIGNATURE_HEADER.to_ascii_lowercase()
    );

    let mut headers = http::HeaderMap::new();
    assert_eq!(
        verifier.verify(&headers, body),
        Err(CallbackError::MissingSignature)
    );
    headers.insert("xfers-signature", signature.parse().unwrap());
    assert_eq!(verifier.verify(&headers, body), Ok(()));
    headers.append("xfers-signature", signature.parse().unwrap());
    assert_eq!(
        verifier.verify(&headers, body),
        Err(CallbackError::RepeatedSignature)
    );

    let custom = CallbackVerifier::new(secret)
        .with_header(http::HeaderName::from_static("x-xfers-signature"));
    let mut headers = http::HeaderMap::new();
    headers.insert("xfers-signature", signature.parse().unwrap());
    assert_eq!(
        custom.verify(&headers, body),
        Err(CallbackError::MissingSignature)
    );
    headers.insert("x-xfers-signature", signature.parse().unwrap());
    assert_eq!(custom.verify(&headers, body), Ok(()));
}

#[test]
fn secrets_are_redacted() {
    let credentials = Credentials::new("test_key", "secret\n").unwrap();
    assert_eq!(format!("{credentials:?}"), "Credentials(<redacted>)");
    assert_eq!(
        (
            credentials.expose_api_key(),
            credentials.expose_secret_key()
        ),
        ("test_key", "secret")
    );
    assert_eq!(
        Credentials::new("", "s").unwrap_err(),
        EmptyCredential("API key")
    );
    assert_eq!(
        Credentials::new("k", " ").unwrap_err(),
        EmptyCredential("secret key")
    );
    let secret = SigningSecret::new("ss_abc").unwrap();
    assert_eq!(format!("{secret:?}"), "SigningSecret(<redacted>)");
    assert!(format!("{:?}", CallbackVerifier::new(secret)).contains("<redacted>"));
    assert!(SigningSecret::new("\n").is_err());
}

#[test]
fn paths() {
    assert_eq!(payment_path("contract_ea9c"), "/payments/contract_ea9c");
    assert_eq!(payment_path("../x"), "/payments/..%2Fx");
    assert_eq!(payment_path(".."), "/payments/%2E%2E");
    assert_eq!(PAYMENTS_PATH, "/payments");
    assert_eq!(CONTENT_TYPE, "application/vnd.api+json");
}
