//! Unit tests of the parent module, kept in their own file.

use super::*;
use proptest::prelude::*;

#[test]
fn strict_parse_accepts_the_standard_shape() {
    for (input, minor) in [
        ("0.00", 0),
        ("0.01", 1),
        ("1.00", 100),
        ("12000.00", 1_200_000),
        ("12345678.00", 1_234_567_800),
        ("9999999999999999.99", MAX_MINOR_UNITS),
    ] {
        let amount = Amount::parse(input).unwrap();
        assert_eq!(amount.minor_units(), minor, "{input}");
        assert_eq!(amount.as_str(), input);
        assert!(amount.is_canonical());
        assert_eq!(input.parse::<Amount>().unwrap(), amount);
    }
}

#[test]
fn strict_parse_refuses_what_lenient_accepts() {
    for input in ["10000", "10000.5", "0", "0.5"] {
        assert!(Amount::parse_lenient(input).is_ok(), "{input}");
        assert!(
            matches!(
                Amount::parse(input),
                Err(AmountError::MissingDecimals { .. })
            ),
            "{input}"
        );
    }
}

#[test]
fn lenient_parse_keeps_the_spelling_and_reads_the_value() {
    for (input, minor) in [("10000", 1_000_000), ("10000.5", 1_000_050), ("7.0", 700)] {
        let amount = Amount::parse_lenient(input).unwrap();
        assert_eq!(amount.as_str(), input);
        assert_eq!(amount.minor_units(), minor);
        assert!(!amount.is_canonical());
        let canonical = amount.to_canonical();
        assert!(canonical.is_canonical());
        assert_eq!(canonical, amount);
    }
}

#[test]
fn rejects_each_bad_shape_with_its_own_error() {
    use AmountError as E;
    type Check = fn(&AmountError) -> bool;
    let cases: &[(&str, Check)] = &[
        ("", |e| matches!(e, E::Empty)),
        ("-1.00", |e| matches!(e, E::NotDecimal { .. })),
        ("+1.00", |e| matches!(e, E::NotDecimal { .. })),
        ("1e5", |e| matches!(e, E::NotDecimal { .. })),
        ("1,000.00", |e| matches!(e, E::NotDecimal { .. })),
        (" 1.00", |e| matches!(e, E::NotDecimal { .. })),
        ("1.00 ", |e| matches!(e, E::NotDecimal { .. })),
        ("1.0.0", |e| matches!(e, E::NotDecimal { .. })),
        ("１.00", |e| matches!(e, E::NotDecimal { .. })),
        (".50", |e| matches!(e, E::IntegerPart { .. })),
        ("01.00", |e| matches!(e, E::IntegerPart { .. })),
        ("00", |e| matches!(e, E::IntegerPart { .. })),
        ("10000000000000000.00", |e| {
            matches!(e, E::TooManyIntegerDigits { digits: 17, .. })
        }),
        ("10.000", |e| {
            matches!(e, E::TooManyDecimals { decimals: 3, .. })
        }),
        ("1.", |e| matches!(e, E::MissingDecimals { .. })),
    ];
    for (input, expected) in cases {
        let err = Amount::parse_lenient(input).unwrap_err();
        assert!(expected(&err), "{input:?}: {err:?}");
        assert!(Amount::parse(input).is_err(), "{input:?}");
    }
}

#[test]
fn errors_quote_at_most_forty_bytes() {
    let long = "é".repeat(100);
    let err = Amount::parse(&long).unwrap_err();
    let AmountError::NotDecimal { input } = &err else {
        panic!("{err:?}")
    };
    assert!(input.len() <= QUOTE_LIMIT + '…'.len_utf8(), "{input}");
}

#[test]
fn minor_unit_constructors() {
    assert_eq!(Amount::from_minor_units(0).unwrap().as_str(), "0.00");
    assert_eq!(Amount::from_minor_units(5).unwrap().as_str(), "0.05");
    assert_eq!(
        Amount::from_minor_units(1_200_000).unwrap().as_str(),
        "12000.00"
    );
    assert_eq!(
        Amount::from_minor_units(MAX_MINOR_UNITS).unwrap().as_str(),
        "9999999999999999.99"
    );
    assert_eq!(
        Amount::from_minor_units(MAX_MINOR_UNITS + 1),
        Err(AmountError::TooLarge {
            minor_units: MAX_MINOR_UNITS + 1
        })
    );
    assert!(Amount::from_minor_units(u64::MAX).is_err());
    assert_eq!(Amount::from_minor_units_i64(250).unwrap().as_str(), "2.50");
    assert_eq!(
        Amount::from_minor_units_i64(-1),
        Err(AmountError::Negative { minor_units: -1 })
    );
    assert!(Amount::from_minor_units_i64(i64::MAX).is_err());
    assert_eq!(Amount::zero(), Amount::from_minor_units(0).unwrap());
    assert!(Amount::zero().is_zero());
}

#[test]
fn equality_and_order_follow_the_value() {
    let a = Amount::parse_lenient("10000").unwrap();
    let b = Amount::parse("10000.00").unwrap();
    let c = Amount::parse("10000.01").unwrap();
    assert_eq!(a, b);
    assert!(b < c);
    let set: std::collections::HashSet<Amount> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn serde_is_lenient_in_and_exact_out() {
    let m: Money = serde_json::from_str(r#"{"currency":"IDR","value":"100000.00"}"#).unwrap();
    assert_eq!(m.value.minor_units(), 10_000_000);
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        r#"{"value":"100000.00","currency":"IDR"}"#
    );
    let m: Money = serde_json::from_str(r#"{"value":"5","currency":"IDR","x":1}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        r#"{"value":"5","currency":"IDR"}"#
    );
    for bad in [
        r#"{"value":10000.00,"currency":"IDR"}"#,
        r#"{"value":10000,"currency":"IDR"}"#,
        r#"{"value":"10.000","currency":"IDR"}"#,
        r#"{"value":"1.00","currency":"idr"}"#,
        r#"{"value":"1.00","currency":"IDRX"}"#,
        r#"{"value":"1.00"}"#,
        r#"{"currency":"IDR"}"#,
    ] {
        assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
    }
    let err = serde_json::from_str::<Money>(r#"{"value":"10.000","currency":"IDR"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("3 decimals"), "{err}");
}

#[test]
fn currency_codes() {
    assert_eq!(Currency::new("USD").unwrap().as_str(), "USD");
    assert_eq!("IDR".parse::<Currency>().unwrap(), Currency::IDR);
    for bad in ["", "ID", "IDRR", "idr", "ID1", "ÍDR"] {
        assert!(Currency::new(bad).is_err(), "{bad}");
    }
    assert_eq!(format!("{:?}", Currency::IDR), r#"Currency("IDR")"#);
    assert_eq!(Currency::IDR.to_string(), "IDR");
}

proptest! {
    #[test]
    fn minor_units_format_then_parse_round_trips(minor in 0..=MAX_MINOR_UNITS) {
        let amount = Amount::from_minor_units(minor).unwrap();
        prop_assert!(amount.is_canonical());
        let parsed = Amount::parse(amount.as_str()).unwrap();
        prop_assert_eq!(parsed.minor_units(), minor);
        prop_assert_eq!(parsed.as_str(), amount.as_str());
    }

    #[test]
    fn canonical_strings_parse_then_format_round_trip(
        integer in "(0|[1-9][0-9]{0,15})",
        cents in "[0-9]{2}",
    ) {
        let text = format!("{integer}.{cents}");
        let amount = Amount::parse(&text).unwrap();
        prop_assert_eq!(amount.as_str(), text.as_str());
        let rebuilt = Amount::from_minor_units(amount.minor_units()).unwrap();
        prop_assert_eq!(rebuilt.as_str(), text.as_str());
    }

    #[test]
    fn lenient_strings_keep_their_spelling_through_serde(
        integer in "(0|[1-9][0-9]{0,15})",
        fraction in "(|\\.[0-9]{1,2})",
    ) {
        let text = format!("{integer}{fraction}");
        let json = format!("\"{text}\"");
        let amount: Amount = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&amount).unwrap(), json);
        let canonical = amount.to_canonical();
        prop_assert_eq!(canonical.minor_units(), amount.minor_units());
        prop_assert_eq!(Amount::parse(canonical.as_str()).unwrap(), amount);
    }

    #[test]
    fn arbitrary_strings_never_panic(input in ".{0,40}") {
        if let Ok(amount) = Amount::parse_lenient(&input) {
            prop_assert_eq!(amount.as_str(), input.as_str());
            prop_assert!(amount.minor_units() <= MAX_MINOR_UNITS);
        }
    }
}
