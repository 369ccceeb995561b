//! Fazz's one-time payment endpoints on the mock provider (feature
//! `fazz`): HTTP Basic enforced, JSON:API documents shaped like Fazz's, an
//! in-memory store, and a pay trigger that sends the HMAC-signed callback.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/v4/payments` | creates a `pending` payment (201); the same `referenceId` again answers the payment already created (200), as an idempotency key does |
//! | `GET /api/v4/payments/{id}` | the payment; unknown: 404 `{"errors":[{"code":"004",…}]}` |
//! | `POST /mock/fazz/pay` | test control, unauthenticated: `{"id"}` marks it `paid` and POSTs the Payment document to the callback URL, signed with HMAC-SHA256 (lower-case hex in `Xfers-Signature`) |
//!
//! Wrong or missing credentials: 401 with an error document. So the Fazz
//! base URL of a running mock is `base_url() + "/api/v4"`.
//!
//! ```
//! use snap_bi::fazz::{CreatePaymentRequest, Credentials, FazzClient, PaymentMethodOptions};
//! use snap_bi::mock::{FazzMock, MockProvider};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let credentials = Credentials::new("mock-api-key", "mock-secret-key")?;
//! let mock = MockProvider::builder().fazz(FazzMock::new(credentials.clone())).build()?;
//! let running = mock.bind(([127, 0, 0, 1], 0).into()).await?;
//! let client = FazzClient::builder()
//!     .credentials(credentials)
//!     .base_url(format!("{}/api/v4", running.base_url()))
//!     .build()?;
//! let request = CreatePaymentRequest::builder()
//!     .reference_id("ORDER_0001")
//!     .amount(100_000)
//!     .options(PaymentMethodOptions::Qris { display_name: None })
//!     .build()?;
//! let created = client.create_payment(&request).await?;
//! assert_eq!(created.status().as_str(), "pending");
//! running.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, SecondsFormat, Utc};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tower::BoxError;

use super::deliver::{control, deliver, qr_content, read_trigger};
use super::provider::{CONTROL_BODY_LIMIT, MockBody, json_response, not_found};
use crate::collect::collect_limited;
use crate::fazz::callback::{SigningSecret, sign_callback};
use crate::fazz::{CONTENT_TYPE, Credentials};

const PAYMENTS: &str = "/api/v4/payments";

/// Fazz on the mock: the credentials it enforces, where callbacks go, and
/// the payments.
pub struct FazzMock {
    /// SHA-256 of the one `Authorization` value accepted.
    expected_authorization: [u8; 32],
    callback: Option<(String, SigningSecret)>,
    signature_header: HeaderName,
    book: Mutex<Book>,
}

#[derive(Default)]
struct Book {
    /// id → Payment document.
    payments: BTreeMap<String, Value>,
    /// referenceId → id.
    by_reference: BTreeMap<String, String>,
}

impl fmt::Debug for FazzMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FazzMock")
            .field("callback_url", &self.callback.as_ref().map(|(url, _)| url))
            .field("signature_header", &self.signature_header)
            .finish_non_exhaustive()
    }
}

impl FazzMock {
    /// Enforces `credentials` as HTTP Basic.
    pub fn new(credentials: Credentials) -> Self {
        use base64::Engine as _;
        let pair = format!(
            "{}:{}",
            credentials.expose_api_key(),
            credentials.expose_secret_key()
        );
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        );
        Self {
            expected_authorization: Sha256::digest(value.as_bytes()).into(),
            callback: None,
            signature_header: HeaderName::from_static("xfers-signature"),
            book: Mutex::new(Book::default()),
        }
    }

    /// Where the pay trigger POSTs callbacks, and the secret that signs them.
    #[must_use]
    pub fn callback(mut self, url: impl Into<String>, signing_secret: SigningSecret) -> Self {
        self.callback = Some((url.into(), signing_secret));
        self
    }

    /// The header the signature goes in (default
    /// [`DEFAULT_SIGNATURE_HEADER`](crate::fazz::callback::DEFAULT_SIGNATURE_HEADER)).
    #[must_use]
    pub fn signature_header(mut self, header: HeaderName) -> Self {
        self.signature_header = header;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Book> {
        // Nothing panics under the lock: a poisoned book is still consistent.
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `path` is one of Fazz's routes.
    pub(crate) fn serves(path: &str) -> bool {
        path == PAYMENTS || path.starts_with("/api/v4/payments/") || path == "/mock/fazz/pay"
    }

    fn authorized(&self, headers: &http::HeaderMap) -> bool {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return false;
        };
        let presented = Sha256::digest(value.as_bytes());
        bool::from(presented.as_slice().ct_eq(&self.expected_authorization))
    }

    pub(crate) async fn handle<B>(
        &self,
        path: &str,
        request: Request<B>,
        now: DateTime<Utc>,
    ) -> Response<MockBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        if path == "/mock/fazz/pay" {
            return match read_trigger(request, r#"{"id":"…"}"#).await {
                Ok(trigger) => self.pay(trigger).await,
                Err(refusal) => refusal,
            };
        }
        if !self.authorized(request.headers()) {
            return error(
                StatusCode::UNAUTHORIZED,
                "001",
                "Unauthorized",
                "invalid API key or secret key",
            );
        }
        if path == PAYMENTS {
            if request.method() != Method::POST {
                return not_found();
            }
            let Ok(body) = collect_limited(request.into_body(), CONTROL_BODY_LIMIT).await else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "005",
                    "Invalid parameters",
                    "unreadable body",
                );
            };
            return self.create(&body, now);
        }
        if request.method() != Method::GET {
            return not_found();
        }
        let id = path.trim_start_matches("/api/v4/payments/");
        let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
        match self.lock().payments.get(id.as_ref()) {
            Some(document) => document_response(StatusCode::OK, document),
            None => error(
                StatusCode::NOT_FOUND,
                "004",
                "Not found",
                "no payment with this id",
            ),
        }
    }

    fn create(&self, body: &[u8], now: DateTime<Utc>) -> Response<MockBody> {
        let Ok(request) = serde_json::from_slice::<Value>(body) else {
            return error(
                StatusCode::BAD_REQUEST,
                "005",
                "Invalid parameters",
                "body is not JSON",
            );
        };
        let attributes = &request["data"]["attributes"];
        let method = attributes["paymentMethodType"].as_str();
        let amount = attributes["amount"].as_u64();
        let reference = attributes["referenceId"].as_str();
        let (Some(method), Some(amount), Some(reference)) = (method, amount, reference) else {
            return error(
                StatusCode::BAD_REQUEST,
                "005",
                "Invalid parameters",
                "paymentMethodType, amount (an integer) and referenceId are required",
            );
        };
        let mut book = self.lock();
        if let Some(existing) = book
            .by_reference
            .get(reference)
            .and_then(|id| book.payments.get(id))
        {
            // referenceId is the idempotency key: a retried POST gets the
            // payment the first one created.
            return document_response(StatusCode::OK, existing);
        }
        let id = format!("contract_{}", uuid::Uuid::new_v4().simple());
        let options = &attributes["paymentMethodOptions"];
        let instructions = match method {
            "retail_outlet" => json!({
                "retailOutletName": options["retailOutletName"],
                "paymentCode": format!("8887{:08}", amount % 100_000_000),
                "displayName": options["displayName"],
            }),
            "virtual_bank_account" => json!({
                "bankShortCode": options["bankShortCode"],
                "accountNo": format!("8808{:010}", amount % 10_000_000_000),
                "displayName": options["displayName"],
            }),
            "qris" => {
                json!({"imageUrl": null, "qrContent": qr_content("FAZZ MOCK", reference, amount)})
            }
            _ => options.clone(),
        };
        let created_at = now.to_rfc3339_opts(SecondsFormat::Secs, false);
        let expired_at = attributes["expiredAt"].as_str().map_or_else(
            || (now + chrono::Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true),
            str::to_owned,
        );
        let document = json!({"data": {
            "id": id,
            "type": "payment",
            "attributes": {
                "status": "pending",
                "amount": format!("{amount}.0"),
                "currency": "IDR",
                "createdAt": created_at,
                "description": attributes["description"],
                "expiredAt": expired_at,
                "referenceId": reference,
                "fees": "0.0",
                "paymentMethod": {
                    "id": format!("{}", amount % 10_000),
                    "type": method,
                    "referenceId": reference,
                    "instructions": instructions,
                },
            },
        }});
        let response = document_response(StatusCode::CREATED, &document);
        book.by_reference.insert(reference.to_owned(), id.clone());
        book.payments.insert(id, document);
        response
    }

    async fn pay(&self, trigger: Trigger) -> Response<MockBody> {
        let document = {
            let mut book = self.lock();
            let Some(document) = book.payments.get_mut(&trigger.id) else {
                return control(StatusCode::NOT_FOUND, json!({"error": "no such payment"}));
            };
            if document["data"]["attributes"]["status"] != "pending" {
                return control(StatusCode::CONFLICT, json!({"error": "not pending"}));
            }
            // Fazz's document carries no payment time: only the status changes.
            document["data"]["attributes"]["status"] = json!("paid");
            document.clone()
        };
        let raw = document.to_string().into_bytes();
        let url = self.callback.as_ref().map(|(url, _)| url.as_str());
        let signature = self
            .callback
            .as_ref()
            .map(|(_, secret)| sign_callback(&raw, secret));
        let headers = || -> Result<HeaderMap, BoxError> {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            if let Some(signature) = signature {
                headers.insert(&self.signature_header, HeaderValue::try_from(signature)?);
            }
            Ok(headers)
        };
        let delivery = deliver(url, "callback", headers, raw).await;
        tracing::info!(target: "snap_bi::mock", id = trigger.id.as_str(), %delivery, "fazz payment marked paid");
        control(
            StatusCode::OK,
            json!({"callback": document, "delivery": delivery}),
        )
    }
}

/// The pay trigger's body.
#[derive(serde::Deserialize)]
struct Trigger {
    id: String,
}

fn document_response(status: StatusCode, document: &Value) -> Response<MockBody> {
    let mut response = json_response(status, document.to_string().into_bytes());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

fn error(status: StatusCode, code: &str, title: &str, detail: &str) -> Response<MockBody> {
    document_response(
        status,
        &json!({"errors": [{"code": code, "title": title, "detail": detail}]}),
    )
}
