//! The Payment document: what `POST /payments` and `GET /payments/{id}`
//! answer, and what a callback carries.

use core::fmt;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::lenient_json::{Decode, DecodeError, Text};
use crate::payment::{PaymentProvider, PaymentStatus, PaymentSummary};
use crate::qris::{Amount, Currency, RawObject};

/// A Fazz payment status.
///
/// `pending → paid → completed`, or `pending → expired | cancelled |
/// failed`. `paid` is safe to fulfil; `completed` means the funds are
/// available to withdraw. `processing` is tolerated (listed by client
/// libraries, not by a Fazz Indonesia page); anything else is kept.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FazzPaymentStatus {
    /// `pending`: waiting for the payer.
    Pending,
    /// `processing`.
    Processing,
    /// `paid`: the payer paid.
    Paid,
    /// `completed`: settled, funds available.
    Completed,
    /// `expired`: past `expiredAt`.
    Expired,
    /// `cancelled`.
    Cancelled,
    /// `failed`.
    Failed,
    /// Anything else, as received.
    Other(String),
}

impl FazzPaymentStatus {
    /// Reads a status string.
    pub fn from_name(name: &str) -> Self {
        match name {
            "pending" => Self::Pending,
            "processing" => Self::Processing,
            "paid" => Self::Paid,
            "completed" => Self::Completed,
            "expired" => Self::Expired,
            "cancelled" => Self::Cancelled,
            "failed" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The status string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Paid => "paid",
            Self::Completed => "completed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
            Self::Other(other) => other,
        }
    }

    /// The unified status: `pending`/`processing` → pending, `paid` → paid,
    /// `completed` → settled, `expired`, `cancelled`, `failed` as named,
    /// anything else unknown (kept).
    pub fn unified(&self) -> PaymentStatus {
        match self {
            Self::Pending | Self::Processing => PaymentStatus::Pending,
            Self::Paid => PaymentStatus::Paid,
            Self::Completed => PaymentStatus::Settled,
            Self::Expired => PaymentStatus::Expired,
            Self::Cancelled => PaymentStatus::Cancelled,
            Self::Failed => PaymentStatus::Failed,
            Self::Other(other) => PaymentStatus::Unknown(other.clone()),
        }
    }
}

impl fmt::Display for FazzPaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Decode for FazzPaymentStatus {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        Text::decode(raw).map(|t| Self::from_name(&t))
    }
}

impl Serialize for FazzPaymentStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A payment method type (`paymentMethod.type`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentMethodType {
    /// `virtual_bank_account`.
    VirtualBankAccount,
    /// `retail_outlet`.
    RetailOutlet,
    /// `qris`.
    Qris,
    /// `e-wallet`.
    EWallet,
    /// Anything else, as received.
    Other(String),
}

impl PaymentMethodType {
    /// Reads a type string.
    pub fn from_name(name: &str) -> Self {
        match name {
            "virtual_bank_account" => Self::VirtualBankAccount,
            "retail_outlet" => Self::RetailOutlet,
            "qris" => Self::Qris,
            "e-wallet" => Self::EWallet,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The type string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::VirtualBankAccount => "virtual_bank_account",
            Self::RetailOutlet => "retail_outlet",
            Self::Qris => "qris",
            Self::EWallet => "e-wallet",
            Self::Other(other) => other,
        }
    }
}

impl Decode for PaymentMethodType {
    fn decode(raw: &RawValue) -> Result<Self, DecodeError> {
        Text::decode(raw).map(|t| Self::from_name(&t))
    }
}

impl Serialize for PaymentMethodType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

lenient_object! {
    /// Instructions of a `retail_outlet` payment: the code to pay at the till.
    pub struct RetailOutletInstructions {
        /// `retailOutletName`.
        optional "retailOutletName" retail_outlet_name: Text,
        /// `paymentCode`: what the payer shows at the outlet.
        required "paymentCode" payment_code: Text,
        /// `displayName`.
        optional "displayName" display_name: Text,
    }
}

lenient_object! {
    /// Instructions of a `virtual_bank_account` payment: where to transfer.
    pub struct VirtualAccountInstructions {
        /// `bankShortCode`.
        optional "bankShortCode" bank_short_code: Text,
        /// `accountNo`: the virtual account number.
        required "accountNo" account_no: Text,
        /// `displayName`.
        optional "displayName" display_name: Text,
    }
}

lenient_object! {
    /// Instructions of a `qris` payment (from client libraries, not a Fazz
    /// Indonesia page: both members optional, anything else in `extra`).
    pub struct QrisInstructions {
        /// `imageUrl`: a rendered QR image.
        optional "imageUrl" image_url: Text,
        /// `qrContent`: the QRIS payload, when sent.
        optional "qrContent" qr_content: Text,
    }
}

/// Method-specific payment instructions, typed by `paymentMethod.type`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Instructions {
    /// `retail_outlet`.
    RetailOutlet(RetailOutletInstructions),
    /// `virtual_bank_account`.
    VirtualBankAccount(VirtualAccountInstructions),
    /// `qris`.
    Qris(QrisInstructions),
    /// `e-wallet` or another type: kept as received.
    Other(RawObject),
}

lenient_object! {
    /// `attributes.paymentMethod`.
    pub struct PaymentMethod {
        /// `id`.
        optional "id" id: Text,
        /// `type`.
        optional "type" method_type: PaymentMethodType,
        /// `referenceId`.
        optional "referenceId" reference_id: Text,
        /// `instructions`, kept raw; read them with [`PaymentMethod::typed_instructions`].
        optional "instructions" instructions: RawObject,
    }
}

impl PaymentMethod {
    /// The instructions, typed by `type`; `None` when absent.
    ///
    /// # Errors
    /// [`DecodeError`] naming the member (`instructions.paymentCode`).
    pub fn typed_instructions(&self) -> Result<Option<Instructions>, DecodeError> {
        let Some(raw) = &self.instructions else {
            return Ok(None);
        };
        let within = |e: DecodeError| e.within("instructions");
        let instructions = match &self.method_type {
            Some(PaymentMethodType::RetailOutlet) => Instructions::RetailOutlet(
                RetailOutletInstructions::from_object(raw.clone()).map_err(within)?,
            ),
            Some(PaymentMethodType::VirtualBankAccount) => Instructions::VirtualBankAccount(
                VirtualAccountInstructions::from_object(raw.clone()).map_err(within)?,
            ),
            Some(PaymentMethodType::Qris) => {
                Instructions::Qris(QrisInstructions::from_object(raw.clone()).map_err(within)?)
            }
            _ => Instructions::Other(raw.clone()),
        };
        Ok(Some(instructions))
    }
}

lenient_object! {
    /// `data.attributes` of a Payment.
    pub struct PaymentAttributes {
        /// `status`.
        required "status" status: FazzPaymentStatus,
        /// `amount`: a decimal string (`"100000.0"`), kept as sent.
        required "amount" amount: Amount,
        /// `currency` (`IDR`).
        optional "currency" currency: Text,
        /// `createdAt`, RFC 3339 (offsets differ between members).
        optional "createdAt" created_at: Text,
        /// `description`; may be null.
        optional "description" description: Text,
        /// `expiredAt`, RFC 3339.
        optional "expiredAt" expired_at: Text,
        /// `referenceId`: your idempotency key.
        optional "referenceId" reference_id: Text,
        /// `fees`: a decimal string.
        optional "fees" fees: Amount,
        /// `paymentMethod`.
        optional "paymentMethod" payment_method: PaymentMethod,
    }
}

impl PaymentAttributes {
    /// `createdAt` parsed (its own offset kept).
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] naming `createdAt` when it is not RFC 3339.
    pub fn created_at_time(&self) -> Result<Option<DateTime<FixedOffset>>, DecodeError> {
        parse_time(self.created_at.as_ref(), "createdAt")
    }

    /// `expiredAt` parsed (its own offset kept).
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] naming `expiredAt` when it is not RFC 3339.
    pub fn expired_at_time(&self) -> Result<Option<DateTime<FixedOffset>>, DecodeError> {
        parse_time(self.expired_at.as_ref(), "expiredAt")
    }
}

fn parse_time(
    text: Option<&Text>,
    field: &'static str,
) -> Result<Option<DateTime<FixedOffset>>, DecodeError> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(t).map_err(|e| DecodeError::Invalid {
            field: field.to_owned(),
            reason: format!("not an RFC 3339 time: {e}"),
        })
    })
    .transpose()
}

lenient_object! {
    /// `data` of a Payment document.
    pub struct PaymentResource {
        /// `id` (`contract_…`).
        required "id" id: Text,
        /// `type` (`payment`).
        required "type" resource_type: Text,
        /// `attributes`.
        required "attributes" attributes: PaymentAttributes,
    }
}

lenient_object! {
    /// A Payment document (`{"data":{"id","type","attributes"}}`): the answer
    /// to create and get, and the body of a callback.
    pub struct PaymentDocument {
        /// `data`.
        required "data" data: PaymentResource,
    }
}

impl PaymentDocument {
    /// The payment id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// The status.
    pub fn status(&self) -> &FazzPaymentStatus {
        &self.data.attributes.status
    }

    /// The typed instructions (see [`PaymentMethod::typed_instructions`]).
    ///
    /// # Errors
    /// [`DecodeError`] naming the member from the document root.
    pub fn instructions(&self) -> Result<Option<Instructions>, DecodeError> {
        match &self.data.attributes.payment_method {
            Some(method) => method
                .typed_instructions()
                .map_err(|e| e.within("data.attributes.paymentMethod")),
            None => Ok(None),
        }
    }

    /// The key to de-duplicate callbacks on: `data.id` and the status
    /// (`contract_…:paid`). Callbacks have no timestamp or event id, and one
    /// payment normally sends two (at `paid` and at `completed`).
    pub fn dedup_key(&self) -> String {
        format!("{}:{}", self.id(), self.status())
    }

    /// The unified summary. `qrContent` is the QRIS payload when the
    /// instructions carry one; `paidAt` is always null (the document has no
    /// payment time).
    pub fn summary(&self) -> PaymentSummary {
        let attributes = &self.data.attributes;
        let mut summary = PaymentSummary::new(
            PaymentProvider::Fazz,
            self.id(),
            attributes.status.unified(),
            attributes.status.as_str(),
        );
        summary.amount = Some(attributes.amount.clone());
        summary.currency = attributes
            .currency
            .as_deref()
            .and_then(|c| Currency::new(c).ok());
        summary.qr_content = match self.instructions() {
            Ok(Some(Instructions::Qris(qris))) => qris.qr_content.as_deref().map(str::to_owned),
            _ => None,
        };
        summary
    }
}
