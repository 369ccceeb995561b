//! Unit tests of the parent module, kept in their own file.

use super::*;

/// A dynamic QRIS payload published in a payment gateway's integration
/// notes (amount `100003.00`); its CRC was recomputed independently.
const PUBLISHED_DYNAMIC: &str = "00020101021226610016ID.CO.SHOPEE.WWW01189360091800216005230208216005230303UME51440014ID.CO.QRIS.WWW0215ID10243228429300303UME5204792953033605409100003.005802ID5907Pakasir6012KAB. KEBUMEN61055439262230519SP25RZRATEQI2HQ65Q46304A079";

#[test]
fn crc_check_value() {
    // The CRC catalogue's check value for CRC-16/CCITT-FALSE.
    assert_eq!(crc16_ccitt(b"123456789"), 0x29B1);
    assert_eq!(crc16_ccitt(b""), 0xFFFF);
}

#[test]
fn crc_of_a_published_payload() {
    let body = &PUBLISHED_DYNAMIC[..PUBLISHED_DYNAMIC.len() - 4];
    assert_eq!(crc16_ccitt(body.as_bytes()), 0xA079);
    check_crc(PUBLISHED_DYNAMIC).unwrap();
    let fields = parse(PUBLISHED_DYNAMIC).unwrap();
    let tags: Vec<u8> = fields.iter().map(|f| f.tag).collect();
    assert_eq!(tags, [0, 1, 26, 51, 52, 53, 54, 58, 59, 60, 61, 62, 63]);
    assert_eq!(fields[6].value, "100003.00");
    let qris = parse(fields[3].value).unwrap();
    assert_eq!(qris[0].value, QRIS_GUID);
}

#[test]
fn crc_mismatch_and_missing_crc_are_reported() {
    let mut tampered = PUBLISHED_DYNAMIC.replace("100003.00", "100004.00");
    assert!(matches!(
        check_crc(&tampered),
        Err(EmvError::CrcMismatch { found, .. }) if found == "A079"
    ));
    tampered.truncate(tampered.len() - 8);
    assert_eq!(check_crc(&tampered), Err(EmvError::MissingCrc));
    assert_eq!(check_crc(""), Err(EmvError::MissingCrc));
    let lower = PUBLISHED_DYNAMIC.replace("6304A079", "6304a079");
    assert_eq!(check_crc(&lower), Ok(()));
}

#[test]
fn malformed_payloads_are_rejected_without_panics() {
    for (payload, offset) in [
        ("0", 0),
        ("000", 0),
        ("0002", 0),
        ("00020", 0),
        ("000201X", 6),
        ("0A0201", 0),
        ("00A201", 0),
        ("0002é1", 6),
        ("00021é", 0),
    ] {
        assert_eq!(
            parse(payload),
            Err(EmvError::Malformed { offset }),
            "{payload}"
        );
    }
}

#[test]
fn writer_checks_tags_lengths_and_characters() {
    let mut w = TlvWriter::new();
    assert_eq!(
        w.field(100, "x").err(),
        Some(EmvError::TagOutOfRange { tag: 100 })
    );
    assert!(matches!(
        w.field(1, ""),
        Err(EmvError::ValueLength { len: 0, .. })
    ));
    assert!(matches!(
        w.field(1, &"x".repeat(100)),
        Err(EmvError::ValueLength {
            len: 100,
            max: 99,
            ..
        })
    ));
    assert_eq!(
        w.field(59, "CAFÉ").err(),
        Some(EmvError::InvalidCharacter { tag: 59 })
    );
    assert_eq!(
        w.field(59, "a\nb").err(),
        Some(EmvError::InvalidCharacter { tag: 59 })
    );
    w.field(0, "01")
        .unwrap()
        .field(59, &"x".repeat(99))
        .unwrap();
    assert!(w.as_str().starts_with("00020159"));
}

#[test]
fn dynamic_payload_round_trips_through_the_reader() {
    let mut merchant = QrisMerchant::new("WARUNG SNAP", "JAKARTA");
    merchant.postal_code = Some("10110".into());
    let data = AdditionalData {
        bill_number: Some("INV-1".into()),
        reference_label: Some("REF-2".into()),
        terminal_label: Some("T01".into()),
    };
    let payload = merchant
        .dynamic_payload(&Amount::parse_lenient("12000").unwrap(), &data)
        .unwrap();
    check_crc(&payload).unwrap();
    let fields = parse(&payload).unwrap();
    let get = |tag: u8| fields.iter().find(|f| f.tag == tag).map(|f| f.value);
    assert_eq!(get(0), Some("01"));
    assert_eq!(get(1), Some("12"));
    assert_eq!(get(53), Some("360"));
    assert_eq!(get(54), Some("12000.00"));
    assert_eq!(get(58), Some("ID"));
    assert_eq!(get(59), Some("WARUNG SNAP"));
    assert_eq!(get(60), Some("JAKARTA"));
    assert_eq!(get(61), Some("10110"));
    let acquirer = parse(get(26).unwrap()).unwrap();
    assert_eq!(acquirer[0].value, "ID.CO.SNAPBI.WWW");
    assert_eq!(acquirer[3].value, "UMI");
    let qris = parse(get(51).unwrap()).unwrap();
    assert_eq!((qris[0].value, qris[1].tag), (QRIS_GUID, 2));
    let extra = parse(get(62).unwrap()).unwrap();
    let extra: Vec<(u8, &str)> = extra.iter().map(|f| (f.tag, f.value)).collect();
    assert_eq!(extra, [(1, "INV-1"), (5, "REF-2"), (7, "T01")]);
    assert_eq!(fields.last().map(|f| f.tag), Some(63));
}

#[test]
fn dynamic_payload_without_additional_data_has_no_tag_62() {
    let payload = QrisMerchant::new("A", "B")
        .dynamic_payload(&Amount::parse("1.00").unwrap(), &AdditionalData::default())
        .unwrap();
    assert!(parse(&payload).unwrap().iter().all(|f| f.tag != 62));
}

#[test]
fn dynamic_payload_limits() {
    let ok = Amount::parse("9999999999.99").unwrap(); // 13 characters
    let too_long = Amount::parse("10000000000.00").unwrap();
    let merchant = QrisMerchant::new("A", "B");
    let none = AdditionalData::default();
    assert!(merchant.dynamic_payload(&ok, &none).is_ok());
    assert!(matches!(
        merchant.dynamic_payload(&too_long, &none),
        Err(EmvError::ValueLength { tag: 54, .. })
    ));
    let mut long_name = merchant.clone();
    long_name.name = "x".repeat(26);
    assert!(matches!(
        long_name.dynamic_payload(&ok, &none),
        Err(EmvError::ValueLength {
            tag: 59,
            max: 25,
            ..
        })
    ));
    let mut bad = merchant.clone();
    bad.category_code = "59A9".into();
    assert!(matches!(
        bad.dynamic_payload(&ok, &none),
        Err(EmvError::MerchantField {
            field: "category_code",
            ..
        })
    ));
    let mut bad = merchant.clone();
    bad.criteria = "XYZ".into();
    assert!(bad.dynamic_payload(&ok, &none).is_err());
    let mut bad = merchant.clone();
    bad.merchant_pan = "93600A".into();
    assert!(bad.dynamic_payload(&ok, &none).is_err());
    let long_ref = AdditionalData {
        reference_label: Some("r".repeat(26)),
        ..AdditionalData::default()
    };
    assert!(matches!(
        merchant.dynamic_payload(&ok, &long_ref),
        Err(EmvError::ValueLength { tag: 5, .. })
    ));
}
