//! The SNAP `Money` object: an exact decimal amount string plus an ISO 4217
//! currency (snap-spec §7.1).
//!
//! `value` is a string such as `"12345678.00"`: up to 16 integer digits, a
//! dot, exactly two decimals. [`Amount`] checks that shape and keeps the value
//! as an integer count of minor units (`u64`), so no floating point is
//! involved anywhere.
//!
//! [`Amount`] describes what is accepted: strict parsing for the standard
//! shape, lenient deserialisation that keeps a provider's spelling.
//!
//! ```
//! use snap_bi::qris::{Amount, Currency, Money};
//!
//! let price = Money::idr(Amount::from_minor_units(1_200_000)?);
//! assert_eq!(price.value.as_str(), "12000.00");
//! assert_eq!(serde_json::to_string(&price)?, r#"{"value":"12000.00","currency":"IDR"}"#);
//!
//! // A provider that leaves out the decimals: accepted, kept as sent.
//! let received: Money = serde_json::from_str(r#"{"value":"12000","currency":"IDR"}"#)?;
//! assert_eq!(received, price);
//! assert!(!received.value.is_canonical());
//! assert_eq!(serde_json::to_string(&received)?, r#"{"value":"12000","currency":"IDR"}"#);
//! assert_eq!(received.value.to_canonical().as_str(), "12000.00");
//!
//! assert!("10.000".parse::<Amount>().is_err());
//! assert_eq!(Currency::IDR.as_str(), "IDR");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// Most integer digits an amount may have ("16,2" in the standard).
pub const MAX_INTEGER_DIGITS: usize = 16;

/// Largest amount in minor units: 16 nines, then two more for the cents.
pub const MAX_MINOR_UNITS: u64 = 999_999_999_999_999_999;

/// Longest input quoted back in an [`AmountError`].
const QUOTE_LIMIT: usize = 40;

/// Why a string or a number is not a valid SNAP amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// The string is empty.
    #[error("amount is empty")]
    Empty,
    /// Something other than ASCII digits and one dot: a sign, an exponent,
    /// a comma, a space, a second dot.
    #[error("amount {input:?} is not a plain decimal like \"10000.00\"")]
    NotDecimal {
        /// The rejected input (cut to 40 bytes).
        input: String,
    },
    /// The integer part is missing (`".50"`) or has a leading zero (`"01.00"`).
    #[error("amount {input:?} must start with a digit and have no leading zero")]
    IntegerPart {
        /// The rejected input (cut to 40 bytes).
        input: String,
    },
    /// More than 16 integer digits.
    #[error("amount {input:?} has {digits} integer digits, at most 16 are allowed")]
    TooManyIntegerDigits {
        /// The rejected input (cut to 40 bytes).
        input: String,
        /// How many integer digits it has.
        digits: usize,
    },
    /// Fewer than two decimals where the standard shape is required
    /// ([`Amount::parse`]), or a dot with nothing after it.
    #[error("amount {input:?} must have exactly two decimals, like \"10000.00\"")]
    MissingDecimals {
        /// The rejected input (cut to 40 bytes).
        input: String,
    },
    /// Three or more decimals. Never guessed: `"10.000"` means ten thousand
    /// in Indonesian notation.
    #[error("amount {input:?} has {decimals} decimals, at most 2 are allowed")]
    TooManyDecimals {
        /// The rejected input (cut to 40 bytes).
        input: String,
        /// How many decimals it has.
        decimals: usize,
    },
    /// A minor-unit count above [`MAX_MINOR_UNITS`].
    #[error("{minor_units} minor units exceed the largest SNAP amount (16 integer digits)")]
    TooLarge {
        /// The rejected count.
        minor_units: u64,
    },
    /// A negative minor-unit count.
    #[error("amount cannot be negative ({minor_units} minor units)")]
    Negative {
        /// The rejected count.
        minor_units: i64,
    },
}

/// A non-negative decimal amount with at most two decimals, kept as the exact
/// string it was built from or received as, and as an integer count of minor
/// units (no floating point anywhere).
///
/// Strict and lenient parsing:
///
/// - [`Amount::parse`] (and `FromStr`) accept only the standard shape: `0` or
///   1–16 digits without a leading zero, a dot, exactly two digits.
/// - Deserialisation uses [`Amount::parse_lenient`], which also accepts what
///   real providers send: no decimals (`"10000"`) or one (`"10000.0"`). The
///   received string is kept and serialised back unchanged, so a value never
///   changes silently on a round trip; [`Amount::is_canonical`] tells whether
///   it had the standard shape, and [`Amount::to_canonical`] rewrites it.
/// - Both reject signs, exponents, spaces, commas, leading zeros and three or
///   more decimals: `"10.000"` is ten thousand in Indonesian notation, so
///   guessing would risk a thousandfold error. JSON numbers are refused too.
///
/// Equality, ordering and hashing compare the numeric value (minor units), so
/// `"10000"` equals `"10000.00"`; [`as_str`](Self::as_str) gives the original
/// spelling.
///
/// ```
/// use snap_bi::qris::Amount;
///
/// let lenient = Amount::parse_lenient("12000")?;
/// assert_eq!(lenient, Amount::from_minor_units(1_200_000)?);
/// assert_eq!((lenient.as_str(), lenient.is_canonical()), ("12000", false));
/// assert_eq!(lenient.to_canonical().as_str(), "12000.00");
/// assert!(Amount::parse("12000").is_err());
/// assert!(Amount::parse_lenient("10.000").is_err());
/// # Ok::<(), snap_bi::qris::AmountError>(())
/// ```
#[derive(Clone)]
pub struct Amount {
    text: String,
    minor: u64,
}

impl Amount {
    /// Zero, as `"0.00"`.
    pub fn zero() -> Self {
        Self {
            text: "0.00".to_owned(),
            minor: 0,
        }
    }

    /// Builds the canonical amount for a count of minor units (cents):
    /// `1_200_000` → `"12000.00"`.
    ///
    /// # Errors
    /// [`AmountError::TooLarge`] above [`MAX_MINOR_UNITS`].
    pub fn from_minor_units(minor_units: u64) -> Result<Self, AmountError> {
        if minor_units > MAX_MINOR_UNITS {
            return Err(AmountError::TooLarge { minor_units });
        }
        Ok(Self {
            text: format!("{}.{:02}", minor_units / 100, minor_units % 100),
            minor: minor_units,
        })
    }

    /// [`from_minor_units`](Self::from_minor_units) for a signed count.
    ///
    /// # Errors
    /// [`AmountError::Negative`] below zero, [`AmountError::TooLarge`] above
    /// [`MAX_MINOR_UNITS`].
    pub fn from_minor_units_i64(minor_units: i64) -> Result<Self, AmountError> {
        let unsigned =
            u64::try_from(minor_units).map_err(|_| AmountError::Negative { minor_units })?;
        Self::from_minor_units(unsigned)
    }

    /// Parses the standard shape only: `0` or 1–16 digits without a leading
    /// zero, a dot, exactly two digits.
    ///
    /// # Errors
    /// [`AmountError`] saying what is wrong.
    ///
    /// ```
    /// use snap_bi::qris::Amount;
    ///
    /// assert_eq!(Amount::parse("12345678.00")?.minor_units(), 1_234_567_800);
    /// assert!(Amount::parse("12345678").is_err());
    /// assert!(Amount::parse("-1.00").is_err());
    /// # Ok::<(), snap_bi::qris::AmountError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, AmountError> {
        let amount = Self::parse_lenient(input)?;
        if amount.is_canonical() {
            Ok(amount)
        } else {
            Err(AmountError::MissingDecimals {
                input: quote(input),
            })
        }
    }

    /// Parses what providers send: the standard shape, or no decimals, or one
    /// decimal (`"10000"`, `"10000.5"`). The string is kept as given.
    ///
    /// # Errors
    /// [`AmountError`] for anything else (see [`Amount`]).
    pub fn parse_lenient(input: &str) -> Result<Self, AmountError> {
        if input.is_empty() {
            return Err(AmountError::Empty);
        }
        let (integer, fraction) = match input.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (input, None),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(integer) || !fraction.is_none_or(all_digits) {
            return Err(AmountError::NotDecimal {
                input: quote(input),
            });
        }
        if integer.is_empty() || (integer.len() > 1 && integer.starts_with('0')) {
            return Err(AmountError::IntegerPart {
                input: quote(input),
            });
        }
        if integer.len() > MAX_INTEGER_DIGITS {
            return Err(AmountError::TooManyIntegerDigits {
                input: quote(input),
                digits: integer.len(),
            });
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > 2 {
            return Err(AmountError::TooManyDecimals {
                input: quote(input),
                decimals: fraction.len(),
            });
        }
        if input.ends_with('.') {
            return Err(AmountError::MissingDecimals {
                input: quote(input),
            });
        }
        // At most 16 + 2 digits, so the value stays below 10^18 < u64::MAX.
        let digits_value = |s: &str| {
            s.bytes()
                .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
        };
        let cents = match fraction.len() {
            0 => 0,
            1 => digits_value(fraction) * 10,
            _ => digits_value(fraction),
        };
        Ok(Self {
            text: input.to_owned(),
            minor: digits_value(integer) * 100 + cents,
        })
    }

    /// The string exactly as built or received.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value in minor units (hundredths): `"12000.00"` → `1_200_000`.
    pub fn minor_units(&self) -> u64 {
        self.minor
    }

    /// Whether the string has the standard shape (exactly two decimals).
    pub fn is_canonical(&self) -> bool {
        let bytes = self.text.as_bytes();
        bytes.len() >= 4 && bytes.get(bytes.len() - 3) == Some(&b'.')
    }

    /// The same value in the standard shape (`"10000"` → `"10000.00"`).
    #[must_use]
    pub fn to_canonical(&self) -> Self {
        Self {
            text: format!("{}.{:02}", self.minor / 100, self.minor % 100),
            minor: self.minor,
        }
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }
}

/// Cuts a rejected input for an error message (on a character boundary).
fn quote(input: &str) -> String {
    if input.len() <= QUOTE_LIMIT {
        return input.to_owned();
    }
    let mut end = QUOTE_LIMIT;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &input[..end])
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Amount").field(&self.text).finish()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.minor == other.minor
    }
}

impl Eq for Amount {}

impl Hash for Amount {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.minor.hash(state);
    }
}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Amount {
    fn cmp(&self, other: &Self) -> Ordering {
        self.minor.cmp(&other.minor)
    }
}

/// Strict: the standard shape only ([`Amount::parse`]).
impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Lenient ([`Amount::parse_lenient`]); JSON numbers are refused because the
/// standard sends strings and a number may already have passed through a float.
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;

        impl serde::de::Visitor<'_> for AmountVisitor {
            type Value = Amount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount string such as \"10000.00\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Amount, E> {
                Amount::parse_lenient(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(AmountVisitor)
    }
}

/// Why a string is not an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CurrencyError {
    /// Not exactly three ASCII upper-case letters.
    #[error("currency {input:?} is not three upper-case letters (ISO 4217, e.g. \"IDR\")")]
    Invalid {
        /// The rejected input (cut to 40 bytes).
        input: String,
    },
}

/// An ISO 4217 alphabetic currency code: three ASCII upper-case letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Indonesian rupiah, the currency of every QRIS transaction.
    pub const IDR: Currency = Currency(*b"IDR");

    /// Validates a currency code.
    ///
    /// # Errors
    /// [`CurrencyError::Invalid`] unless `code` is three ASCII upper-case
    /// letters (lower case is refused, as ISO 4217 codes are upper case).
    pub fn new(code: &str) -> Result<Self, CurrencyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(CurrencyError::Invalid { input: quote(code) }),
        }
    }

    /// The three letters.
    pub fn as_str(&self) -> &str {
        // Construction admits only ASCII letters, so this never falls back.
        core::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Currency").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CurrencyVisitor;

        impl serde::de::Visitor<'_> for CurrencyVisitor {
            type Value = Currency;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a three-letter ISO 4217 currency code such as \"IDR\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Currency, E> {
                Currency::new(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CurrencyVisitor)
    }
}

/// The SNAP `Money` object: `{"value":"10000.00","currency":"IDR"}`.
///
/// Serialised with `value` first, as in every standard sample; a provider
/// that sends `currency` first (DANA) parses fine but is re-serialised in the
/// standard order. Unknown members are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, including the two decimals.
    pub value: Amount,
    /// The ISO 4217 currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in a currency.
    pub fn new(value: Amount, currency: Currency) -> Self {
        Self { value, currency }
    }

    /// An amount in rupiah.
    pub fn idr(value: Amount) -> Self {
        Self::new(value, Currency::IDR)
    }
}

#[cfg(test)]
mod tests {
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
}
