//! Payment Notification (service 52, `POST …/v1.0/qr/qr-mpm-notify`),
//! snap-spec §7.5. The PJP calls the merchant.

use super::{Money, RawObject, TransactionStatus};
use crate::ResponseCode;

snap_message! {
    /// Request body of Payment Notification, sent by the PJP to the merchant
    /// when a payment's status changes (usually: paid).
    pub struct QrMpmNotifyRequest {
        /// `originalReferenceNo` (mandatory, ≤ 64): the PJP's id.
        required "originalReferenceNo" original_reference_no: String,
        /// `originalPartnerReferenceNo` (≤ 64): the merchant's id.
        optional "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `latestTransactionStatus` (mandatory, 2).
        required "latestTransactionStatus" latest_transaction_status: TransactionStatus,
        /// `transactionStatusDesc` (≤ 50).
        optional "transactionStatusDesc" transaction_status_desc: String,
        /// `customerNumber` (≤ 64).
        optional "customerNumber" customer_number: String,
        /// `accountType` (≤ 25).
        optional "accountType" account_type: String,
        /// `destinationNumber` (≤ 25).
        optional "destinationNumber" destination_number: String,
        /// `destinationAccountName` (≤ 25).
        optional "destinationAccountName" destination_account_name: String,
        /// `amount`.
        optional "amount" amount: Money,
        /// `sessionId` (≤ 25).
        optional "sessionId" session_id: String,
        /// `bankCode` (≤ 11).
        optional "bankCode" bank_code: String,
        /// `externalStoreId` (≤ 64).
        optional "externalStoreId" external_store_id: String,
        /// `additionalInfo`, kept verbatim (BRI adds `reffId`, `issuerName`,
        /// `issuerRrn` here).
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmNotifyRequest {
    /// A notification with its two mandatory fields.
    pub fn new(original_reference_no: impl Into<String>, status: TransactionStatus) -> Self {
        Self {
            original_reference_no: original_reference_no.into(),
            original_partner_reference_no: None,
            latest_transaction_status: status,
            transaction_status_desc: None,
            customer_number: None,
            account_type: None,
            destination_number: None,
            destination_account_name: None,
            amount: None,
            session_id: None,
            bank_code: None,
            external_store_id: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_message! {
    /// Response body the merchant returns for a Payment Notification.
    pub struct QrMpmNotifyResponse {
        /// `responseCode`, e.g. `2005200`.
        required "responseCode" response_code: ResponseCode,
        /// `responseMessage` (≤ 150).
        required "responseMessage" response_message: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmNotifyResponse {
    /// A response with only `responseCode` and `responseMessage` set.
    pub fn new(response_code: ResponseCode, response_message: impl Into<String>) -> Self {
        Self {
            response_code,
            response_message: response_message.into(),
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_request!(
    QrMpmNotifyRequest,
    "52",
    "/v1.0/qr/qr-mpm-notify",
    QrMpmNotifyResponse
);
snap_response!(QrMpmNotifyResponse);
