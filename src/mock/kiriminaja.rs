//! KiriminAja's endpoints on the mock provider (feature `kiriminaja`):
//! `get_payment` (and the legacy Instant `GET`) with the bearer enforced,
//! seed-shaped answers from an in-memory store, and a pay trigger that sends
//! the webhook the way KiriminAja does.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/mitra/v2/get_payment` | `{"payment_id"}` → `data` (Express, `XID-…`) or `result` (Instant, `PID-…`); unknown id: HTTP 200 `{"status":false,"code":2,…}` |
//! | `GET /open-api/v1/instants/payment/{id}` | the legacy Instant call, same `result` shape |
//! | `POST /mock/kiriminaja/pay` | test control, unauthenticated: `{"payment_id"}` marks it paid and POSTs a `processed_packages` webhook (with the `payment` object) to the webhook URL, `Authorization: Bearer <api key>`, `User-Agent: KiriminAja-Push-Services` |
//!
//! A wrong or missing bearer is HTTP 401 `{"status":false,"code":401,…}`.
//! The store starts with KiriminAja's two documented samples,
//! `XID-5732095327` (Express, 54 000, unpaid) and `PID-1683603627`
//! (Instant, 54 000, unpaid); add more with [`KiriminAjaMock::payment`].
//!
//! ```
//! use snap_bi::kiriminaja::{ApiKey, KiriminAjaClient};
//! use snap_bi::mock::{KiriminAjaMock, MockProvider};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let key = ApiKey::new("mock-kiriminaja-key")?;
//! let mock = MockProvider::builder().kiriminaja(KiriminAjaMock::new(key.clone())).build()?;
//! let running = mock.bind(([127, 0, 0, 1], 0).into()).await?;
//! let client = KiriminAjaClient::builder().api_key(key).base_url(running.base_url()).build()?;
//! let payment = client.get_payment("XID-5732095327").await?;
//! assert_eq!(payment.summary().status.as_str(), "pending");
//! running.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, FixedOffset, Utc};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use tower::BoxError;

use super::deliver::{control, deliver, qr_content, read_trigger};
use super::provider::{CONTROL_BODY_LIMIT, MockBody, json_response, not_found};
use crate::collect::collect_limited;
use crate::kiriminaja::webhook::{USER_AGENT, verify_webhook_headers};
use crate::kiriminaja::{ApiKey, GetPaymentRequest};

const LEGACY_PREFIX: &str = "/open-api/v1/instants/payment/";

/// KiriminAja on the mock: its API key, the webhook URL and the payments.
pub struct KiriminAjaMock {
    api_key: ApiKey,
    webhook_url: Option<String>,
    payments: Mutex<BTreeMap<String, Payment>>,
}

impl fmt::Debug for KiriminAjaMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiriminAjaMock")
            .field("api_key", &self.api_key)
            .field("webhook_url", &self.webhook_url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct Payment {
    amount: u64,
    paid_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl KiriminAjaMock {
    /// Enforces `api_key` as the bearer value (and sends it on webhooks).
    pub fn new(api_key: ApiKey) -> Self {
        let created_at = DateTime::from_timestamp(1_683_603_627, 0).unwrap_or_default();
        let sample = Payment {
            amount: 54_000,
            paid_at: None,
            created_at,
        };
        let payments = BTreeMap::from([
            ("XID-5732095327".to_owned(), sample.clone()),
            ("PID-1683603627".to_owned(), sample),
        ]);
        Self {
            api_key,
            webhook_url: None,
            payments: Mutex::new(payments),
        }
    }

    /// Where the pay trigger POSTs the webhook (`http://127.0.0.1:…/…`).
    #[must_use]
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// Adds an unpaid payment of `amount` whole rupiah. Ids starting `PID-`
    /// are Instant payments, any other Express.
    #[must_use]
    pub fn payment(self, payment_id: impl Into<String>, amount: u64) -> Self {
        self.lock().insert(
            payment_id.into(),
            Payment {
                amount,
                paid_at: None,
                created_at: Utc::now(),
            },
        );
        self
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Payment>> {
        // Nothing panics under the lock: a poisoned map is still consistent.
        self.payments.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `path` is one of KiriminAja's routes.
    pub(crate) fn serves(path: &str) -> bool {
        path == GetPaymentRequest::PATH
            || path.starts_with(LEGACY_PREFIX)
            || path == "/mock/kiriminaja/pay"
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
        if path == "/mock/kiriminaja/pay" {
            return match read_trigger(request, r#"{"payment_id":"…"}"#).await {
                Ok(trigger) => self.pay(trigger, now).await,
                Err(refusal) => refusal,
            };
        }
        if verify_webhook_headers(request.headers(), &self.api_key).is_err() {
            return kiriminaja_json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({"status": false, "code": 401, "text": "Unauthenticated", "method": null}),
            );
        }
        let payment_id = if let Some(id) = path.strip_prefix(LEGACY_PREFIX) {
            if request.method() != Method::GET {
                return not_found();
            }
            percent_encoding::percent_decode_str(id)
                .decode_utf8_lossy()
                .into_owned()
        } else {
            if request.method() != Method::POST {
                return not_found();
            }
            #[derive(serde::Deserialize)]
            struct Query {
                payment_id: Option<String>,
            }
            let body = collect_limited(request.into_body(), CONTROL_BODY_LIMIT)
                .await
                .ok();
            let query = body.and_then(|b| serde_json::from_slice::<Query>(&b).ok());
            match query.and_then(|q| q.payment_id) {
                Some(id) => id,
                None => {
                    return kiriminaja_json(
                        StatusCode::OK,
                        serde_json::json!({"status": false, "code": 422, "text": "payment_id is required", "method": "get_payment", "data": {"payment_id": ["required"]}}),
                    );
                }
            }
        };
        let Some(payment) = self.lock().get(&payment_id).cloned() else {
            return kiriminaja_json(
                StatusCode::OK,
                serde_json::json!({"status": false, "code": 2, "text": "Data tidak ditemukan", "method": "get_payment"}),
            );
        };
        kiriminaja_json(StatusCode::OK, answer(&payment_id, &payment))
    }

    async fn pay(&self, trigger: Trigger, now: DateTime<Utc>) -> Response<MockBody> {
        let payment = {
            let mut payments = self.lock();
            let Some(payment) = payments.get_mut(&trigger.payment_id) else {
                return control(
                    StatusCode::NOT_FOUND,
                    serde_json::json!({"error": "no such payment"}),
                );
            };
            if payment.paid_at.is_some() {
                return control(
                    StatusCode::CONFLICT,
                    serde_json::json!({"error": "already paid"}),
                );
            }
            payment.paid_at = Some(now);
            payment.clone()
        };
        let webhook = webhook_body(&trigger.payment_id, &payment);
        let headers = || -> Result<HeaderMap, BoxError> {
            let mut authorization =
                HeaderValue::try_from(format!("Bearer {}", self.api_key.expose_secret()))?;
            authorization.set_sensitive(true);
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
            headers.insert(header::AUTHORIZATION, authorization);
            Ok(headers)
        };
        let url = self.webhook_url.as_deref();
        let delivery = deliver(url, "webhook", headers, webhook.clone()).await;
        tracing::info!(target: "snap_bi::mock", payment_id = trigger.payment_id.as_str(), %delivery, "kiriminaja payment marked paid");
        let webhook: serde_json::Value =
            serde_json::from_slice(&webhook).unwrap_or(serde_json::Value::Null);
        control(
            StatusCode::OK,
            serde_json::json!({"webhook": webhook, "delivery": delivery}),
        )
    }
}

fn jakarta(time: DateTime<Utc>) -> DateTime<FixedOffset> {
    match FixedOffset::east_opt(7 * 3600) {
        Some(offset) => time.with_timezone(&offset),
        None => time.fixed_offset(),
    }
}

/// The answer body: Express `data` (string `status_code`) or Instant
/// `result` (numeric `status_code`), as KiriminAja's samples have them.
fn answer(payment_id: &str, payment: &Payment) -> serde_json::Value {
    let paid = payment.paid_at.is_some();
    // KiriminAja sets `pay_time` on unpaid payments too (the deadline).
    let pay_time = jakarta(
        payment
            .paid_at
            .unwrap_or(payment.created_at + chrono::Duration::hours(1)),
    )
    .format("%Y%m%d%H%M%S")
    .to_string();
    if payment_id.starts_with("PID-") {
        serde_json::json!({
            "status": true, "text": "get_payment", "method": null,
            "result": {
                "payment_id": payment_id,
                "amount": payment.amount,
                "status_code": if paid { 0 } else { 9 },
                "qr_content": null,
                "pay_time": paid.then_some(pay_time),
                "packages": [],
            },
            "code": null,
        })
    } else {
        serde_json::json!({
            "status": true, "text": "Success", "method": "payment",
            "data": {
                "payment_id": payment_id,
                "qr_content": qr_content("KIRIMINAJA MOCK", payment_id, payment.amount),
                "method": "08",
                "pay_time": pay_time,
                "status": if paid { "Pembayaran berhasil" } else { "Billing berhasil dibuat" },
                "status_code": if paid { "0" } else { "9" },
                "amount": payment.amount,
                "paid_at": payment.paid_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                "created_at": payment.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            },
        })
    }
}

/// The pay trigger's body.
#[derive(serde::Deserialize)]
struct Trigger {
    payment_id: String,
}

/// The `processed_packages` webhook sent when a payment is paid: the AWB is
/// created (KiriminAja has no "paid" event), with the `payment` object.
fn webhook_body(payment_id: &str, payment: &Payment) -> Vec<u8> {
    let body = serde_json::json!({
        "method": "processed_packages",
        "data": [{"order_id": format!("ORDER-{payment_id}"), "awb": format!("AWB{}", payment.amount)}],
        "payment": {
            "payment_id": payment_id,
            "amount": payment.amount,
            "status_code": 0,
            "qr_content": null,
            "pay_time": payment.paid_at.map(|t| jakarta(t).format("%Y%m%d%H%M%S").to_string()),
        },
    });
    body.to_string().into_bytes()
}

fn kiriminaja_json(status: StatusCode, body: serde_json::Value) -> Response<MockBody> {
    json_response(status, body.to_string().into_bytes())
}
