//! Serving on a socket with limits: what the crate's own servers (the
//! [`MockProvider`](super::MockProvider)) do against slow or greedy
//! clients, and what a user of [`VerifyLayer`](crate::server::VerifyLayer)
//! should configure in their own server for the same protection.
//!
//! | limit | default | what it stops |
//! |---|---|---|
//! | [`header_read_timeout`](ServeLimits::with_header_read_timeout) | 10 s | a client that opens a connection and sends its head slowly (slowloris), or idles on a kept-alive connection |
//! | [`request_timeout`](ServeLimits::with_request_timeout) | 30 s | a body that trickles in, or any request that takes too long: answered `408` with `4080000 Request Timeout` |
//! | [`max_connections`](ServeLimits::with_max_connections) | 256 | file-descriptor and memory exhaustion: beyond it, new connections wait in the kernel's backlog |
//! | pause after a failed `accept` | 100 ms doubling to 1 s | a busy loop when the process runs out of file descriptors |
//!
//! With hyper-util or axum in your own server, the same protection is:
//! `hyper::server::conn::http1::Builder::header_read_timeout` (with
//! `.timer(hyper_util::rt::TokioTimer::new())`), a
//! `tower::timeout::TimeoutLayer` (or `tower_http`'s) around the
//! `VerifyLayer`, a `tokio::sync::Semaphore` (or
//! `tower::limit::ConcurrencyLimitLayer`, which bounds requests, not
//! connections) and a short sleep after `accept` errors. The `VerifyLayer`
//! itself bounds the body size (1 MiB by default) but not the time.
//!
//! ```
//! use std::time::Duration;
//! use snap_bi::mock::ServeLimits;
//!
//! let limits = ServeLimits::default()
//!     .with_header_read_timeout(Duration::from_secs(5))
//!     .with_max_connections(64);
//! assert_eq!(limits.max_connections(), 64);
//! assert_eq!(limits.request_timeout(), Duration::from_secs(30));
//! ```

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::ServiceExt;
use tower_service::Service;

use super::MockBody;

/// Limits of a served socket (see the [module docs](self)).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    header_read_timeout: Duration,
    request_timeout: Duration,
    max_connections: usize,
}

impl Default for ServeLimits {
    /// 10 s for the request head, 30 s per request, 256 connections.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

impl ServeLimits {
    /// How long a client has to send a request head, on a new connection
    /// or on a kept-alive one (at least 1 ms).
    #[must_use]
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long one request may take from its head to the answer, reading
    /// the body included (at least 1 ms).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The most connections served at once (at least 1).
    #[must_use]
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// The head timeout.
    #[must_use]
    pub fn header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// The per-request timeout.
    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The connection cap.
    #[must_use]
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }
}

/// The pause after consecutive failed `accept`s: 100 ms, doubling to 1 s.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(100);
    const MAX: Duration = Duration::from_secs(1);

    /// The pause after one more failure.
    pub(crate) fn failed(&mut self) -> Duration {
        let pause = Self::FIRST
            .saturating_mul(1 << self.failures.min(4))
            .min(Self::MAX);
        self.failures = self.failures.saturating_add(1);
        pause
    }

    /// An `accept` succeeded.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// `408` with a SNAP-shaped body.
fn request_timeout_response() -> Response<MockBody> {
    let body = Full::new(Bytes::from_static(
        br#"{"responseCode":"4080000","responseMessage":"Request Timeout"}"#,
    ))
    .map_err(|never| match never {})
    .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Serves `service` on `listener` under `limits` until `stop` fires (or
/// its sender is dropped).
pub(crate) async fn serve<S>(
    listener: tokio::net::TcpListener,
    limits: ServeLimits,
    service: S,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) where
    S: Service<Request<hyper::body::Incoming>, Response = Response<MockBody>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut backoff = AcceptBackoff::default();
    loop {
        // A free slot first: at the cap, connections wait in the backlog
        // instead of each costing a task and a descriptor here.
        let permit = tokio::select! {
            _ = &mut stop => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
        };
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff.reset();
                    stream
                }
                Err(error) => {
                    // Typically EMFILE: retrying at once would spin a core.
                    let pause = backoff.failed();
                    tracing::warn!(target: "snap_bi::mock", %error, ?pause, "accept failed");
                    tokio::select! {
                        _ = &mut stop => break,
                        () = tokio::time::sleep(pause) => continue,
                    }
                }
            },
        };
        let service = service.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let request_timeout = limits.request_timeout;
            let handler = hyper::service::service_fn(move |request| {
                let answer = service.clone().oneshot(request);
                async move {
                    Ok::<_, Infallible>(match tokio::time::timeout(request_timeout, answer).await {
                        Ok(Ok(response)) => response,
                        Ok(Err(never)) => match never {},
                        Err(_) => request_timeout_response(),
                    })
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            // Connection errors (client hung up, head too slow) concern only
            // that connection.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(io, handler)
                .await;
        });
    }
}

#[cfg(test)]
mod tests;
