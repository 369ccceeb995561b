//! `POST /payments`: the JSON:API request body.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;

/// The method-specific `paymentMethodOptions`, which also fix
/// `paymentMethodType`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentMethodOptions {
    /// `virtual_bank_account`.
    VirtualBankAccount {
        /// `bankShortCode`: `BCA`, `BRI`, `BNI`, `MANDIRI` (dynamic VA) …
        bank_short_code: String,
        /// `suffixNo`: a fixed account-number suffix, if wanted.
        suffix_no: Option<String>,
        /// `displayName`: the name the payer sees.
        display_name: Option<String>,
    },
    /// `retail_outlet`.
    RetailOutlet {
        /// `retailOutletName`: `ALFAMART` or `INDOMARET`.
        retail_outlet_name: String,
        /// `displayName`.
        display_name: Option<String>,
    },
    /// `qris`.
    Qris {
        /// `displayName`.
        display_name: Option<String>,
    },
    /// `e-wallet` (with a hyphen).
    EWallet {
        /// `providerCode`: `SHOPEEPAY` …
        provider_code: String,
        /// `afterSettlementReturnUrl`: where the payer returns to.
        after_settlement_return_url: Option<String>,
    },
}

impl PaymentMethodOptions {
    /// The `paymentMethodType` these options go with.
    pub fn method_type(&self) -> &'static str {
        match self {
            Self::VirtualBankAccount { .. } => "virtual_bank_account",
            Self::RetailOutlet { .. } => "retail_outlet",
            Self::Qris { .. } => "qris",
            Self::EWallet { .. } => "e-wallet",
        }
    }

    fn wire(&self) -> WireOptions<'_> {
        let mut wire = WireOptions::default();
        match self {
            Self::VirtualBankAccount {
                bank_short_code,
                suffix_no,
                display_name,
            } => {
                wire.bank_short_code = Some(bank_short_code);
                wire.suffix_no = suffix_no.as_deref();
                wire.display_name = display_name.as_deref();
            }
            Self::RetailOutlet {
                retail_outlet_name,
                display_name,
            } => {
                wire.retail_outlet_name = Some(retail_outlet_name);
                wire.display_name = display_name.as_deref();
            }
            Self::Qris { display_name } => wire.display_name = display_name.as_deref(),
            Self::EWallet {
                provider_code,
                after_settlement_return_url,
            } => {
                wire.provider_code = Some(provider_code);
                wire.after_settlement_return_url = after_settlement_return_url.as_deref();
            }
        }
        wire
    }

    /// The option that must not be empty, if any: (JSON name, value).
    fn required(&self) -> Option<(&'static str, &str)> {
        match self {
            Self::VirtualBankAccount {
                bank_short_code, ..
            } => Some(("bankShortCode", bank_short_code)),
            Self::RetailOutlet {
                retail_outlet_name, ..
            } => Some(("retailOutletName", retail_outlet_name)),
            Self::Qris { .. } => None,
            Self::EWallet { provider_code, .. } => Some(("providerCode", provider_code)),
        }
    }
}

#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct WireOptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_short_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suffix_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retail_outlet_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_settlement_return_url: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireAttributes<'a> {
    payment_method_type: &'static str,
    amount: u64,
    currency: &'static str,
    reference_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    payment_method_options: WireOptions<'a>,
}

#[derive(Serialize)]
struct WireData<'a> {
    attributes: WireAttributes<'a>,
}

#[derive(Serialize)]
struct WireDocument<'a> {
    data: WireData<'a>,
}

/// Why a payment request is refused before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A required attribute was not given.
    #[error("payment request lacks `{0}`")]
    Missing(&'static str),
    /// An attribute is empty, too long, or out of range.
    #[error("payment request `{field}` is invalid: {reason}")]
    Invalid {
        /// Its JSON name.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Most characters Fazz accepts in `description`.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A validated `POST /payments` body.
///
/// ```
/// use snap_bi::fazz::{CreatePaymentRequest, PaymentMethodOptions};
///
/// let request = CreatePaymentRequest::builder()
///     .reference_id("ORDER_0001")
///     .amount(100_000)
///     .options(PaymentMethodOptions::RetailOutlet {
///         retail_outlet_name: "ALFAMART".into(),
///         display_name: Some("Nama Tampilan".into()),
///     })
///     .expired_at(chrono::DateTime::parse_from_rfc3339("2020-10-20T09:12:48+07:00")?)
///     .description("Order Number 0001")
///     .build()?;
/// assert_eq!(
///     String::from_utf8(request.to_json())?,
///     r#"{"data":{"attributes":{"paymentMethodType":"retail_outlet","amount":100000,"currency":"IDR","referenceId":"ORDER_0001","expiredAt":"2020-10-20T09:12:48+07:00","description":"Order Number 0001","paymentMethodOptions":{"retailOutletName":"ALFAMART","displayName":"Nama Tampilan"}}}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePaymentRequest {
    reference_id: String,
    amount: u64,
    options: PaymentMethodOptions,
    expired_at: Option<DateTime<FixedOffset>>,
    description: Option<String>,
}

impl CreatePaymentRequest {
    /// Starts a request.
    pub fn builder() -> CreatePaymentRequestBuilder {
        CreatePaymentRequestBuilder::default()
    }

    /// `referenceId`: the idempotency key. Retrying a POST must reuse it.
    pub fn reference_id(&self) -> &str {
        &self.reference_id
    }

    /// `amount`, whole rupiah.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    /// The method options.
    pub fn options(&self) -> &PaymentMethodOptions {
        &self.options
    }

    /// The exact bytes to send (JSON:API, `currency` always `IDR`).
    pub fn to_json(&self) -> Vec<u8> {
        let document = WireDocument {
            data: WireData {
                attributes: WireAttributes {
                    payment_method_type: self.options.method_type(),
                    amount: self.amount,
                    currency: "IDR",
                    reference_id: &self.reference_id,
                    expired_at: self
                        .expired_at
                        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
                    description: self.description.as_deref(),
                    payment_method_options: self.options.wire(),
                },
            },
        };
        // Strings and integers only: serialisation cannot fail.
        serde_json::to_vec(&document).unwrap_or_default()
    }
}

/// Builds a [`CreatePaymentRequest`]; problems are reported by
/// [`build`](Self::build).
#[derive(Debug, Clone, Default)]
pub struct CreatePaymentRequestBuilder {
    reference_id: Option<String>,
    amount: Option<u64>,
    options: Option<PaymentMethodOptions>,
    expired_at: Option<DateTime<FixedOffset>>,
    description: Option<String>,
}

impl CreatePaymentRequestBuilder {
    /// `referenceId` (required): your order id, and the idempotency key.
    #[must_use]
    pub fn reference_id(mut self, reference_id: impl Into<String>) -> Self {
        self.reference_id = Some(reference_id.into());
        self
    }

    /// `amount` (required): whole rupiah, 1 to 2,147,483,647.
    #[must_use]
    pub fn amount(mut self, rupiah: u64) -> Self {
        self.amount = Some(rupiah);
        self
    }

    /// The method and its options (required).
    #[must_use]
    pub fn options(mut self, options: PaymentMethodOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// `expiredAt` (Fazz's default: 24 h).
    #[must_use]
    pub fn expired_at(mut self, expired_at: DateTime<FixedOffset>) -> Self {
        self.expired_at = Some(expired_at);
        self
    }

    /// `description`, at most 1000 characters.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Validates and builds.
    ///
    /// # Errors
    /// [`RequestError`] naming the attribute.
    pub fn build(self) -> Result<CreatePaymentRequest, RequestError> {
        let reference_id = self
            .reference_id
            .ok_or(RequestError::Missing("referenceId"))?;
        if reference_id.trim().is_empty() || reference_id.chars().any(char::is_control) {
            return Err(RequestError::Invalid {
                field: "referenceId",
                reason: "must be non-empty text without control characters",
            });
        }
        let amount = self.amount.ok_or(RequestError::Missing("amount"))?;
        if amount == 0 || amount > i32::MAX as u64 {
            return Err(RequestError::Invalid {
                field: "amount",
                reason: "must be 1 to 2147483647 rupiah (an int32)",
            });
        }
        let options = self
            .options
            .ok_or(RequestError::Missing("paymentMethodOptions"))?;
        if let Some((field, value)) = options.required()
            && value.trim().is_empty()
        {
            return Err(RequestError::Invalid {
                field,
                reason: "must not be empty",
            });
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
        {
            return Err(RequestError::Invalid {
                field: "description",
                reason: "must be at most 1000 characters",
            });
        }
        Ok(CreatePaymentRequest {
            reference_id,
            amount,
            options,
            expired_at: self.expired_at,
            description: self.description,
        })
    }
}
