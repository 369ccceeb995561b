//! Generate QR MPM (service 47, `POST …/v1.0/qr/qr-mpm-generate`), snap-spec §7.2.

use super::{Money, RawObject};
use crate::ResponseCode;

snap_message! {
    /// Request body of Generate QR MPM: the merchant asks the PJP for a
    /// dynamic QRIS code. Every field is optional in the standard.
    pub struct QrMpmGenerateRequest {
        /// `partnerReferenceNo` (≤ 64): the merchant's own transaction id.
        optional "partnerReferenceNo" partner_reference_no: String,
        /// `amount`: what the customer pays.
        optional "amount" amount: Money,
        /// `feeAmount`.
        optional "feeAmount" fee_amount: Money,
        /// `merchantId` (≤ 64).
        optional "merchantId" merchant_id: String,
        /// `subMerchantId` (≤ 32).
        optional "subMerchantId" sub_merchant_id: String,
        /// `storeId` (≤ 64).
        optional "storeId" store_id: String,
        /// `terminalId` (≤ 16).
        optional "terminalId" terminal_id: String,
        /// `validityPeriod` (≤ 25): when the QR expires, ISO 8601 such as
        /// `2009-07-03T12:08:56+07:00`. Kept as the exact string.
        optional "validityPeriod" validity_period: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmGenerateRequest {
    /// A request with no field set.
    pub fn new() -> Self {
        Self {
            partner_reference_no: None,
            amount: None,
            fee_amount: None,
            merchant_id: None,
            sub_merchant_id: None,
            store_id: None,
            terminal_id: None,
            validity_period: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

impl Default for QrMpmGenerateRequest {
    fn default() -> Self {
        Self::new()
    }
}

snap_message! {
    /// Response body of Generate QR MPM. Only `responseCode` and
    /// `responseMessage` are present on errors; `referenceNo` and one of
    /// `qrContent` / `qrUrl` / `qrImage` are filled on success.
    pub struct QrMpmGenerateResponse {
        /// `responseCode`, e.g. `2004700`.
        required "responseCode" response_code: ResponseCode,
        /// `responseMessage` (≤ 150).
        required "responseMessage" response_message: String,
        /// `referenceNo` (≤ 64): the PJP's transaction id.
        optional "referenceNo" reference_no: String,
        /// `partnerReferenceNo` (≤ 64), echoed.
        optional "partnerReferenceNo" partner_reference_no: String,
        /// `qrContent` (≤ 512): the EMVCo QRIS payload to render.
        optional "qrContent" qr_content: String,
        /// `qrUrl` (≤ 256).
        optional "qrUrl" qr_url: String,
        /// `qrImage`: a base64 image.
        optional "qrImage" qr_image: String,
        /// `redirectUrl` (≤ 512).
        optional "redirectUrl" redirect_url: String,
        /// `merchantName` (≤ 25).
        optional "merchantName" merchant_name: String,
        /// `storeId` (≤ 64).
        optional "storeId" store_id: String,
        /// `terminalId` (≤ 16).
        optional "terminalId" terminal_id: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmGenerateResponse {
    /// A response with only `responseCode` and `responseMessage` set.
    pub fn new(response_code: ResponseCode, response_message: impl Into<String>) -> Self {
        Self {
            response_code,
            response_message: response_message.into(),
            reference_no: None,
            partner_reference_no: None,
            qr_content: None,
            qr_url: None,
            qr_image: None,
            redirect_url: None,
            merchant_name: None,
            store_id: None,
            terminal_id: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_request!(
    QrMpmGenerateRequest,
    "47",
    "/v1.0/qr/qr-mpm-generate",
    QrMpmGenerateResponse
);
snap_response!(QrMpmGenerateResponse);
