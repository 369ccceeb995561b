//! Cancel (service 77, `POST …/v1.0/qr/qr-mpm-cancel`), snap-spec §7.6.

use super::{Money, RawObject};
use crate::ResponseCode;

snap_message! {
    /// Request body of QR MPM Cancel: the merchant cancels an unpaid payment.
    pub struct QrMpmCancelRequest {
        /// `originalPartnerReferenceNo` (≤ 64): the merchant's id.
        optional "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `originalReferenceNo` (≤ 64): the PJP's id.
        optional "originalReferenceNo" original_reference_no: String,
        /// `originalExternalId` (≤ 32).
        optional "originalExternalId" original_external_id: String,
        /// `merchantId` (mandatory, ≤ 64).
        required "merchantId" merchant_id: String,
        /// `subMerchantId` (≤ 32).
        optional "subMerchantId" sub_merchant_id: String,
        /// `externalStoreId` (≤ 64).
        optional "externalStoreId" external_store_id: String,
        /// `reason` (mandatory, ≤ 256).
        required "reason" reason: String,
        /// `amount`: if given, must match the payment.
        optional "amount" amount: Money,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmCancelRequest {
    /// A request with its two mandatory fields and no identifier yet.
    pub fn new(merchant_id: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            original_partner_reference_no: None,
            original_reference_no: None,
            original_external_id: None,
            merchant_id: merchant_id.into(),
            sub_merchant_id: None,
            external_store_id: None,
            reason: reason.into(),
            amount: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_message! {
    /// Response body of QR MPM Cancel.
    pub struct QrMpmCancelResponse {
        /// `responseCode`, e.g. `2007700`.
        required "responseCode" response_code: ResponseCode,
        /// `responseMessage` (≤ 150).
        required "responseMessage" response_message: String,
        /// `originalReferenceNo` (≤ 64).
        optional "originalReferenceNo" original_reference_no: String,
        /// `originalPartnerReferenceNo` (≤ 64).
        optional "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `cancelTime` (ISO 8601), filled on success. Kept as the exact string.
        optional "cancelTime" cancel_time: String,
        /// `transactionDate` (ISO 8601): when the payment was created.
        optional "transactionDate" transaction_date: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmCancelResponse {
    /// A response with only `responseCode` and `responseMessage` set.
    pub fn new(response_code: ResponseCode, response_message: impl Into<String>) -> Self {
        Self {
            response_code,
            response_message: response_message.into(),
            original_reference_no: None,
            original_partner_reference_no: None,
            cancel_time: None,
            transaction_date: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_request!(
    QrMpmCancelRequest,
    "77",
    "/v1.0/qr/qr-mpm-cancel",
    QrMpmCancelResponse
);
snap_response!(QrMpmCancelResponse);
