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
mod tests;
