//! What the non-SNAP providers' mocks share: reading the pay trigger,
//! answering the test control, POSTing the callback (Fazz) or webhook
//! (KiriminAja) to the merchant, and the QRIS payload of a payment.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tower::BoxError;

use super::provider::{CONTROL_BODY_LIMIT, MockBody, json_response, not_found};
use crate::client::hyper_client;
use crate::qris::Amount;
use crate::qris::emv::{AdditionalData, QrisMerchant};

/// How long the merchant has to answer a delivery.
const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The trigger's JSON body as `T`: 404 for anything but `POST`, 400 with
/// `expected` (the shape, for the tester) if it does not parse.
pub(crate) async fn read_trigger<T, B>(
    request: Request<B>,
    expected: &str,
) -> Result<T, Response<MockBody>>
where
    T: DeserializeOwned,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    if request.method() != Method::POST {
        return Err(not_found());
    }
    let body = crate::collect::collect_limited(request.into_body(), CONTROL_BODY_LIMIT)
        .await
        .ok();
    body.and_then(|b| serde_json::from_slice::<T>(&b).ok())
        .ok_or_else(|| {
            control(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("expected {expected}")}),
            )
        })
}

/// A test-control answer (plain JSON).
pub(crate) fn control(status: StatusCode, body: Value) -> Response<MockBody> {
    json_response(status, body.to_string().into_bytes())
}

/// POSTs `body` to `url` with `headers`, and says how it went as the
/// control answer's `delivery`: `{"sent":true,"merchantStatus":…}`, or
/// `{"sent":false,"reason":…}` (no `url` configured for `what`, headers
/// that could not be built, no answer within 10 s).
pub(crate) async fn deliver(
    url: Option<&str>,
    what: &str,
    headers: impl FnOnce() -> Result<HeaderMap, BoxError>,
    body: Vec<u8>,
) -> Value {
    let Some(url) = url else {
        return json!({"sent": false, "reason": format!("no {what} URL configured")});
    };
    match post(url, headers, body).await {
        Ok(status) => json!({"sent": true, "merchantStatus": status.as_u16()}),
        Err(error) => json!({"sent": false, "reason": error.to_string()}),
    }
}

async fn post(
    url: &str,
    headers: impl FnOnce() -> Result<HeaderMap, BoxError>,
    body: Vec<u8>,
) -> Result<StatusCode, BoxError> {
    let headers = headers()?;
    let mut request = Request::post(url).body(Full::new(Bytes::from(body)))?;
    *request.headers_mut() = headers;
    let response =
        tokio::time::timeout(DELIVERY_TIMEOUT, hyper_client().request(request)).await??;
    Ok(response.status())
}

/// A dynamic QRIS payload (CRC-checked) for `amount` whole rupiah, from
/// `merchant` in Jakarta, billed as `reference` (its first 25 characters).
pub(crate) fn qr_content(merchant: &str, reference: &str, amount: u64) -> Option<String> {
    let amount = Amount::from_minor_units(amount.checked_mul(100)?).ok()?;
    let labels = AdditionalData {
        bill_number: Some(reference.chars().take(25).collect()),
        ..AdditionalData::default()
    };
    QrisMerchant::new(merchant, "JAKARTA")
        .dynamic_payload(&amount, &labels)
        .ok()
}
