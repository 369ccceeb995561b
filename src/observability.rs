//! What the crate traces: [`tracing`] targets, events and fields.
//!
//! The crate emits `tracing` events and spans; it installs no subscriber.
//! With none installed, or none interested in a target or level, an event
//! costs a cached check and its fields are never evaluated: the signing path
//! stays allocation-free. Choose what to see by target, e.g.
//! `RUST_LOG=snap_bi=debug` with tracing-subscriber's `EnvFilter`, or
//! `snap_bi::client=debug,snap_bi::server=info`.
//!
//! **Never recorded**: client secrets, private keys, access or refresh
//! tokens, `X-SIGNATURE` values, token-request signatures, request or
//! response bodies. Only ids (partner, client, external id, customer key),
//! paths without their query, lengths, statuses, SNAP response codes and
//! messages (a rejection's `responseMessage`, which never quotes a signature
//! or token), durations and redacted errors.
//!
//! | target | level | message | fields |
//! |---|---|---|---|
//! | `snap_bi::client` | DEBUG | `signed request` | `profile`, `method`, `path`, `external_id`, `external_id_generated`, `body_len` |
//! | `snap_bi::client` | DEBUG | `token rejected (401xx01/401xx03), retrying once with a fresh token` | |
//! | `snap_bi::token` | TRACE | `token cache hit` | `cache` (`b2b` / `customer`), `customer` |
//! | `snap_bi::token` | DEBUG | `token cache miss` | `cache`, `customer` |
//! | `snap_bi::token` | DEBUG | `token cache hit, refresh due: refreshing in the background` | `cache`, `customer` |
//! | `snap_bi::token` | DEBUG span | `token_fetch` (around each fetch task) | `cache`, `customer` |
//! | `snap_bi::token` | DEBUG | `token fetched` | `status`, `latency_ms` (the HTTP exchange), `expires_in_s` |
//! | `snap_bi::token` | WARN | `token fetch failed` / `token fetch failed, backing off` | `error`, `latency_ms`, `failures`, `retry_in_ms` |
//! | `snap_bi::token` | DEBUG | `token fetch refused: backing off` | `retry_in_ms`, `failures` |
//! | `snap_bi::token` | DEBUG | `token invalidated` | `cache`, `customer`, `dropped` |
//! | `snap_bi::server` | DEBUG | `request verified` | `method`, `path`, `partner_id`, `external_id`, `service_code`, `body_len` |
//! | `snap_bi::server` | INFO (WARN for `5xx`) | `request rejected` | `method`, `path`, `partner`, `external_id`, `response_code`, `response_message` |
//! | `snap_bi::server` | INFO | `token issued` / `token request rejected` | `path`, `client_id`, `response_code`, `response_message` |
//! | `snap_bi::mock` | INFO | `payment service answered` | `action` (`generate`, `query`, `cancel`, `refund`), `path`, `status`, `minted_reference` |
//! | `snap_bi::mock` | INFO | `payment marked` | `action` (`qr-mpm-pay` / `qr-mpm-fail`), `reference`, `status` |
//! | `snap_bi::mock` | INFO / WARN | `notification sent` / `notification not delivered` | `url`, `merchant_status` / `error` |
//!
//! The mock provider's token issuance is the issuer's `token issued` event
//! (target `snap_bi::server`).
//!
//! ```
//! use std::io::Write;
//! use std::sync::{Arc, Mutex};
//! use bytes::Bytes;
//! use snap_bi::client::RequestSigner;
//! use snap_bi::{AccessToken, ClientSecret, ProviderProfile};
//!
//! // Collect what a fmt subscriber writes.
//! #[derive(Clone, Default)]
//! struct Buffer(Arc<Mutex<Vec<u8>>>);
//! impl Write for Buffer {
//!     fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
//!         self.0.lock().map_err(|_| std::io::ErrorKind::Other)?.extend_from_slice(bytes);
//!         Ok(bytes.len())
//!     }
//!     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
//! }
//! let buffer = Buffer::default();
//! let writer = buffer.clone();
//! let subscriber = tracing_subscriber::fmt()
//!     .with_max_level(tracing::Level::TRACE)
//!     .with_writer(move || writer.clone())
//!     .finish();
//!
//! let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
//!     .client_secret(ClientSecret::new("a-client-secret")?)
//!     .partner_id("PARTNER01")?
//!     .channel_id("95221")?
//!     .build()?;
//! let mut request = http::Request::post("http://127.0.0.1/v1.0/qr/qr-mpm-query?ref=1")
//!     .body(Bytes::from_static(br#"{"originalReferenceNo":"A1"}"#))?;
//! let token = AccessToken::new("b2b-token")?;
//! tracing::subscriber::with_default(subscriber, || {
//!     signer.sign(&mut request, Some(&token), None)
//! })?;
//!
//! let log = String::from_utf8(buffer.0.lock().map_err(|_| "poisoned")?.clone())?;
//! assert!(log.contains("signed request"));
//! assert!(log.contains(r#"path="/v1.0/qr/qr-mpm-query""#) && !log.contains("ref=1"));
//! assert!(!log.contains("b2b-token"));
//! assert!(!log.contains(request.headers()["x-signature"].to_str()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
