//! EMVCo merchant-presented QR payloads, the `qrContent` of QRIS: a TLV
//! writer and reader, the CRC in tag `63`, and a dynamic-QRIS builder.
//!
//! A payload is a sequence of `tag (2 digits) | length (2 digits) | value`
//! fields; templates (tags 26–51 and 62) hold nested fields the same way.
//! The last field is always `6304` followed by the CRC-16/CCITT-FALSE
//! (polynomial `0x1021`, initial value `0xFFFF`) of everything before it,
//! including the characters `6304`, as four upper-case hex digits.
//!
//! ```
//! use snap_bi::qris::Amount;
//! use snap_bi::qris::emv::{self, AdditionalData, QrisMerchant};
//!
//! let merchant = QrisMerchant::new("WARUNG SNAP", "JAKARTA");
//! let mut data = AdditionalData::default();
//! data.reference_label = Some("REF0001".into());
//! let payload = merchant.dynamic_payload(&Amount::parse("15000.00")?, &data)?;
//! assert!(payload.starts_with("000201010212"));
//! emv::check_crc(&payload)?;
//!
//! let fields = emv::parse(&payload)?;
//! let amount = fields.iter().find(|f| f.tag == 54).map(|f| f.value);
//! assert_eq!(amount, Some("15000.00"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt::Write as _;

use super::Amount;

/// CRC-16/CCITT-FALSE: polynomial `0x1021`, initial value `0xFFFF`, no
/// reflection, no final XOR (the CRC of EMVCo QR codes). `"123456789"`
/// gives `0x29B1`.
pub fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Why a payload cannot be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmvError {
    /// A tag outside `00`–`99`.
    #[error("EMV tag {tag} is not two digits")]
    TagOutOfRange {
        /// The tag.
        tag: u8,
    },
    /// A value that is empty or longer than its limit (99 for any field,
    /// less for some QRIS fields).
    #[error("EMV tag {tag:02}: value of {len} characters is outside 1..={max}")]
    ValueLength {
        /// The tag.
        tag: u8,
        /// The value's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A value with a character outside printable ASCII.
    #[error("EMV tag {tag:02}: value contains a character outside printable ASCII")]
    InvalidCharacter {
        /// The tag.
        tag: u8,
    },
    /// A QRIS merchant field that is not what the scheme expects.
    #[error("QRIS merchant field {field}: {reason}")]
    MerchantField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The whole payload is longer than the 512 characters SNAP allows for
    /// `qrContent`.
    #[error("payload of {len} characters exceeds 512")]
    PayloadTooLong {
        /// The payload's length.
        len: usize,
    },
    /// Reading: the field at `offset` is cut short or its tag or length is
    /// not two digits.
    #[error("malformed EMV field at offset {offset}")]
    Malformed {
        /// Byte offset of the field.
        offset: usize,
    },
    /// Reading: the payload does not end with a `6304xxxx` CRC field.
    #[error("payload does not end with a 6304 CRC field")]
    MissingCrc,
    /// Reading: the CRC field does not match the payload.
    #[error("CRC mismatch: payload says {found}, computed {computed:04X}")]
    CrcMismatch {
        /// The four characters in the payload.
        found: String,
        /// The CRC of the payload.
        computed: u16,
    },
}

/// Appends `tag | length | value` fields to a payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlvWriter {
    out: String,
}

impl TlvWriter {
    /// An empty payload.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a field.
    ///
    /// # Errors
    /// [`EmvError`] if `tag` is above 99 or `value` is empty, longer than 99
    /// characters or not printable ASCII.
    pub fn field(&mut self, tag: u8, value: &str) -> Result<&mut Self, EmvError> {
        self.field_max(tag, value, 99)
    }

    /// Appends a field whose value may be at most `max` characters.
    fn field_max(&mut self, tag: u8, value: &str, max: usize) -> Result<&mut Self, EmvError> {
        if tag > 99 {
            return Err(EmvError::TagOutOfRange { tag });
        }
        if !value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(EmvError::InvalidCharacter { tag });
        }
        let len = value.len();
        if len == 0 || len > max.min(99) {
            return Err(EmvError::ValueLength {
                tag,
                len,
                max: max.min(99),
            });
        }
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{tag:02}{len:02}{value}");
        Ok(self)
    }

    /// Appends a template: a field whose value is another writer's fields.
    ///
    /// # Errors
    /// As [`field`](Self::field).
    pub fn template(&mut self, tag: u8, inner: &TlvWriter) -> Result<&mut Self, EmvError> {
        self.field(tag, &inner.out)
    }

    /// The fields written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// Appends the `63` CRC field and returns the payload.
    pub fn finish_with_crc(mut self) -> String {
        self.out.push_str("6304");
        let crc = crc16_ccitt(self.out.as_bytes());
        let _ = write!(self.out, "{crc:04X}");
        self.out
    }
}

/// One field read from a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvField<'a> {
    /// The tag, `0`–`99`.
    pub tag: u8,
    /// The value (for a template, its nested fields; parse them again).
    pub value: &'a str,
}

/// Splits a payload (or a template's value) into its fields.
///
/// # Errors
/// [`EmvError::Malformed`] at the first field that is cut short or whose
/// tag or length is not two digits.
pub fn parse(payload: &str) -> Result<Vec<TlvField<'_>>, EmvError> {
    let mut fields = Vec::new();
    let mut offset = 0;
    while offset < payload.len() {
        let malformed = EmvError::Malformed { offset };
        let two_digits = |at: usize| -> Option<usize> {
            let digits = payload.get(at..at + 2)?;
            if digits.bytes().all(|b| b.is_ascii_digit()) {
                digits.parse().ok()
            } else {
                None
            }
        };
        let tag = two_digits(offset).ok_or_else(|| malformed.clone())?;
        let len = two_digits(offset + 2).ok_or_else(|| malformed.clone())?;
        let start = offset + 4;
        let value = payload.get(start..start + len).ok_or(malformed)?;
        fields.push(TlvField {
            // Two digits, so at most 99.
            tag: u8::try_from(tag).unwrap_or(u8::MAX),
            value,
        });
        offset = start + len;
    }
    Ok(fields)
}

/// Checks that the payload parses and ends with a `6304` field holding the
/// CRC of everything before it (upper- or lower-case hex accepted).
///
/// # Errors
/// [`EmvError::Malformed`], [`EmvError::MissingCrc`] or
/// [`EmvError::CrcMismatch`].
pub fn check_crc(payload: &str) -> Result<(), EmvError> {
    let fields = parse(payload)?;
    match fields.last() {
        Some(TlvField { tag: 63, value }) if value.len() == 4 => {
            let covered = payload
                .get(..payload.len() - 4)
                .ok_or(EmvError::MissingCrc)?;
            let computed = crc16_ccitt(covered.as_bytes());
            if value.eq_ignore_ascii_case(&format!("{computed:04X}")) {
                Ok(())
            } else {
                Err(EmvError::CrcMismatch {
                    found: (*value).to_owned(),
                    computed,
                })
            }
        }
        _ => Err(EmvError::MissingCrc),
    }
}

/// The QRIS switch's globally unique identifier, in merchant template 51.
const QRIS_GUID: &str = "ID.CO.QRIS.WWW";

/// What a dynamic QRIS payload says about the merchant.
///
/// The defaults of [`QrisMerchant::new`] are placeholders for tests and mock
/// servers, not a registered merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QrisMerchant {
    /// Tag `59`, at most 25 characters.
    pub name: String,
    /// Tag `60`, at most 15 characters.
    pub city: String,
    /// Tag `61`, at most 10 characters.
    pub postal_code: Option<String>,
    /// Tag `52`, the four-digit merchant category code (ISO 18245).
    pub category_code: String,
    /// Tag `26`.`00`: the acquirer's reverse domain, e.g. `ID.CO.BANK.WWW`.
    pub acquirer_domain: String,
    /// Tag `26`.`01`: the merchant PAN, at most 19 digits.
    pub merchant_pan: String,
    /// Tag `26`.`02`: the acquirer's merchant id, at most 15 characters.
    pub merchant_id: String,
    /// Tag `51`.`02`: the QRIS national merchant id (NMID), at most 15 characters.
    pub nmid: String,
    /// Tags `26`.`03` and `51`.`03`: the merchant criteria, `UMI`, `UKE`,
    /// `UME`, `UBE` or `URE`.
    pub criteria: String,
}

/// The optional tag `62` (additional data) of a payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdditionalData {
    /// `62`.`01` bill number, at most 25 characters.
    pub bill_number: Option<String>,
    /// `62`.`05` reference label, at most 25 characters.
    pub reference_label: Option<String>,
    /// `62`.`07` terminal label, at most 25 characters.
    pub terminal_label: Option<String>,
}

impl QrisMerchant {
    /// A merchant with the given name and city and placeholder ids
    /// (category `5999`, acquirer `ID.CO.SNAPBI.WWW`, criteria `UMI`).
    pub fn new(name: impl Into<String>, city: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            city: city.into(),
            postal_code: None,
            category_code: "5999".to_owned(),
            acquirer_domain: "ID.CO.SNAPBI.WWW".to_owned(),
            merchant_pan: "9360000000000000019".to_owned(),
            merchant_id: "000000000000001".to_owned(),
            nmid: "ID1000000000001".to_owned(),
            criteria: "UMI".to_owned(),
        }
    }

    /// Builds a dynamic (point of initiation `12`) QRIS payload for an IDR
    /// amount, with the CRC.
    ///
    /// # Errors
    /// [`EmvError`] if a merchant field or `additional` value is outside its
    /// limits, or the amount has more than 13 characters.
    pub fn dynamic_payload(
        &self,
        amount: &Amount,
        additional: &AdditionalData,
    ) -> Result<String, EmvError> {
        if self.category_code.len() != 4 || !self.category_code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(EmvError::MerchantField {
                field: "category_code",
                reason: "must be four digits",
            });
        }
        if self.merchant_pan.is_empty() || !self.merchant_pan.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EmvError::MerchantField {
                field: "merchant_pan",
                reason: "must be digits",
            });
        }
        if !["UMI", "UKE", "UME", "UBE", "URE"].contains(&self.criteria.as_str()) {
            return Err(EmvError::MerchantField {
                field: "criteria",
                reason: "must be UMI, UKE, UME, UBE or URE",
            });
        }

        let mut acquirer = TlvWriter::new();
        acquirer
            .field_max(0, &self.acquirer_domain, 32)?
            .field_max(1, &self.merchant_pan, 19)?
            .field_max(2, &self.merchant_id, 15)?
            .field(3, &self.criteria)?;
        let mut qris = TlvWriter::new();
        qris.field(0, QRIS_GUID)?
            .field_max(2, &self.nmid, 15)?
            .field(3, &self.criteria)?;

        let mut payload = TlvWriter::new();
        payload
            .field(0, "01")?
            .field(1, "12")?
            .template(26, &acquirer)?
            .template(51, &qris)?
            .field(52, &self.category_code)?
            .field(53, "360")?
            .field_max(54, amount.to_canonical().as_str(), 13)?
            .field(58, "ID")?
            .field_max(59, &self.name, 25)?
            .field_max(60, &self.city, 15)?;
        if let Some(postal_code) = &self.postal_code {
            payload.field_max(61, postal_code, 10)?;
        }
        let mut data = TlvWriter::new();
        for (tag, value) in [
            (1, &additional.bill_number),
            (5, &additional.reference_label),
            (7, &additional.terminal_label),
        ] {
            if let Some(value) = value {
                data.field_max(tag, value, 25)?;
            }
        }
        if !data.as_str().is_empty() {
            payload.template(62, &data)?;
        }
        let payload = payload.finish_with_crc();
        if payload.len() > 512 {
            return Err(EmvError::PayloadTooLong { len: payload.len() });
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests;
