//! Query Payment (service 51, `POST …/v1.0/qr/qr-mpm-query`), snap-spec §7.3.

use super::{Money, RawObject, TransactionStatus};
use crate::ResponseCode;

snap_message! {
    /// Request body of Query Payment: the merchant asks for the status of a
    /// QR payment, naming it by at least one of the three identifiers.
    pub struct QrMpmQueryRequest {
        /// `originalReferenceNo` (≤ 64): the PJP's id from the generate response.
        optional "originalReferenceNo" original_reference_no: String,
        /// `originalPartnerReferenceNo` (≤ 64): the merchant's id.
        optional "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `originalExternalId` (≤ 32): the `X-EXTERNAL-ID` of the generate call.
        optional "originalExternalId" original_external_id: String,
        /// `serviceCode` (mandatory, 2): the service code of the original
        /// transaction. The standard's sample sends `"47"`, Paydia's `"51"`,
        /// BRI's `"17"`.
        required "serviceCode" service_code: String,
        /// `merchantId` (≤ 64).
        optional "merchantId" merchant_id: String,
        /// `subMerchantId` (≤ 32).
        optional "subMerchantId" sub_merchant_id: String,
        /// `externalStoreId` (≤ 64).
        optional "externalStoreId" external_store_id: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmQueryRequest {
    /// A request with the mandatory `serviceCode` (the service code of the
    /// original transaction; `"47"` in the standard) and no identifier yet.
    pub fn new(service_code: impl Into<String>) -> Self {
        Self {
            original_reference_no: None,
            original_partner_reference_no: None,
            original_external_id: None,
            service_code: service_code.into(),
            merchant_id: None,
            sub_merchant_id: None,
            external_store_id: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_message! {
    /// Response body of Query Payment.
    ///
    /// `serviceCode` and `latestTransactionStatus` are mandatory in the
    /// standard but optional here, because error responses carry only
    /// `responseCode` and `responseMessage`. Read the status through a
    /// [`StatusDialect`](super::StatusDialect).
    pub struct QrMpmQueryResponse {
        /// `responseCode`, e.g. `2005100`.
        required "responseCode" response_code: ResponseCode,
        /// `responseMessage` (≤ 150).
        required "responseMessage" response_message: String,
        /// `originalReferenceNo` (≤ 64), filled on success.
        optional "originalReferenceNo" original_reference_no: String,
        /// `originalPartnerReferenceNo` (≤ 64).
        optional "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `originalExternalId` (≤ 32).
        optional "originalExternalId" original_external_id: String,
        /// `serviceCode` (2), echoed.
        optional "serviceCode" service_code: String,
        /// `latestTransactionStatus` (2).
        optional "latestTransactionStatus" latest_transaction_status: TransactionStatus,
        /// `transactionStatusDesc` (≤ 50).
        optional "transactionStatusDesc" transaction_status_desc: String,
        /// `paidTime` (≤ 25, ISO 8601), filled once paid. Kept as the exact string.
        optional "paidTime" paid_time: String,
        /// `amount`.
        optional "amount" amount: Money,
        /// `feeAmount`.
        optional "feeAmount" fee_amount: Money,
        /// `terminalId` (≤ 16).
        optional "terminalId" terminal_id: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmQueryResponse {
    /// A response with only `responseCode` and `responseMessage` set.
    pub fn new(response_code: ResponseCode, response_message: impl Into<String>) -> Self {
        Self {
            response_code,
            response_message: response_message.into(),
            original_reference_no: None,
            original_partner_reference_no: None,
            original_external_id: None,
            service_code: None,
            latest_transaction_status: None,
            transaction_status_desc: None,
            paid_time: None,
            amount: None,
            fee_amount: None,
            terminal_id: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_request!(
    QrMpmQueryRequest,
    "51",
    "/v1.0/qr/qr-mpm-query",
    QrMpmQueryResponse
);
snap_response!(QrMpmQueryResponse);
