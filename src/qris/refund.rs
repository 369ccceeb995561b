//! Refund (service 78, `POST …/v1.0/qr/qr-mpm-refund`), snap-spec §7.6.

use super::{Money, RawObject};
use crate::ResponseCode;

snap_message! {
    /// Request body of QR MPM Refund: the merchant refunds all or part of a
    /// paid payment.
    pub struct QrMpmRefundRequest {
        /// `merchantId` (≤ 64).
        optional "merchantId" merchant_id: String,
        /// `subMerchantId` (≤ 32).
        optional "subMerchantId" sub_merchant_id: String,
        /// `externalStoreId` (≤ 64).
        optional "externalStoreId" external_store_id: String,
        /// `originalPartnerReferenceNo` (mandatory, ≤ 64): the merchant's id
        /// of the payment.
        required "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `originalReferenceNo` (≤ 64): the PJP's id of the payment.
        optional "originalReferenceNo" original_reference_no: String,
        /// `originalExternalId` (≤ 32).
        optional "originalExternalId" original_external_id: String,
        /// `partnerRefundNo` (mandatory, ≤ 64): the merchant's id of this refund.
        required "partnerRefundNo" partner_refund_no: String,
        /// `refundAmount`; the whole remaining amount if absent.
        optional "refundAmount" refund_amount: Money,
        /// `reason` (≤ 256).
        optional "reason" reason: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmRefundRequest {
    /// A request with its two mandatory fields.
    pub fn new(
        original_partner_reference_no: impl Into<String>,
        partner_refund_no: impl Into<String>,
    ) -> Self {
        Self {
            merchant_id: None,
            sub_merchant_id: None,
            external_store_id: None,
            original_partner_reference_no: original_partner_reference_no.into(),
            original_reference_no: None,
            original_external_id: None,
            partner_refund_no: partner_refund_no.into(),
            refund_amount: None,
            reason: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_message! {
    /// Response body of QR MPM Refund. `refundNo` and `refundTime` are
    /// mandatory on success but optional here, because error responses carry
    /// only `responseCode` and `responseMessage`.
    pub struct QrMpmRefundResponse {
        /// `responseCode`, e.g. `2007800`.
        required "responseCode" response_code: ResponseCode,
        /// `responseMessage` (≤ 150).
        required "responseMessage" response_message: String,
        /// `originalPartnerReferenceNo` (≤ 64).
        optional "originalPartnerReferenceNo" original_partner_reference_no: String,
        /// `originalReferenceNo` (≤ 64).
        optional "originalReferenceNo" original_reference_no: String,
        /// `originalExternalId` (≤ 32).
        optional "originalExternalId" original_external_id: String,
        /// `refundNo` (≤ 64): the PJP's id of this refund.
        optional "refundNo" refund_no: String,
        /// `partnerRefundNo` (≤ 64), echoed.
        optional "partnerRefundNo" partner_refund_no: String,
        /// `refundAmount`.
        optional "refundAmount" refund_amount: Money,
        /// `refundTime` (ISO 8601). Kept as the exact string.
        optional "refundTime" refund_time: String,
        /// `additionalInfo`, kept verbatim.
        optional "additionalInfo" additional_info: RawObject,
    }
}

impl QrMpmRefundResponse {
    /// A response with only `responseCode` and `responseMessage` set.
    pub fn new(response_code: ResponseCode, response_message: impl Into<String>) -> Self {
        Self {
            response_code,
            response_message: response_message.into(),
            original_partner_reference_no: None,
            original_reference_no: None,
            original_external_id: None,
            refund_no: None,
            partner_refund_no: None,
            refund_amount: None,
            refund_time: None,
            additional_info: None,
            extra: RawObject::new(),
        }
    }
}

snap_request!(
    QrMpmRefundRequest,
    "78",
    "/v1.0/qr/qr-mpm-refund",
    QrMpmRefundResponse
);
snap_response!(QrMpmRefundResponse);
