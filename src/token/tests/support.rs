//! Test doubles shared by the token modules' unit tests (the integration
//! tests in `tests/` use a real HTTP server instead).

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::Service;

use crate::keys::RsaPrivateKey;
use crate::token::TokenRequestSigner;

const PRIVATE: &str = include_str!("../../../tests/vectors/keys/partner-test-private.pem");

/// A signer for `client` against an address that is never dialled.
///
/// # Errors
/// When the published test key or the base URL is refused.
pub(crate) fn signer() -> Result<TokenRequestSigner, Box<dyn std::error::Error>> {
    let key = RsaPrivateKey::from_pem(PRIVATE)?;
    Ok(TokenRequestSigner::builder("client", key)
        .base_url("http://127.0.0.1:1")
        .build()?)
}

/// What the test provider answers next.
#[derive(Clone)]
pub(crate) struct Provider {
    requests: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<String>>>,
    /// (status, body) per request, by request number; the last repeats.
    script: Arc<Mutex<Vec<(u16, String)>>>,
    delay: Duration,
}

impl Provider {
    pub(crate) fn new(script: &[(u16, &str)], delay: Duration) -> Self {
        Self {
            requests: Arc::new(AtomicUsize::new(0)),
            bodies: Arc::new(Mutex::new(Vec::new())),
            script: Arc::new(Mutex::new(
                script.iter().map(|(s, b)| (*s, (*b).to_owned())).collect(),
            )),
            delay,
        }
    }

    pub(crate) fn issuing(lifetime_secs: u64, delay: Duration) -> Self {
        let p = Self::new(&[], delay);
        p.set_lifetime(lifetime_secs);
        p
    }

    /// Token `t-<n>` for request n, living `lifetime_secs`.
    pub(crate) fn set_lifetime(&self, lifetime_secs: u64) {
        *lock(&self.script) = vec![(200, format!("LIFETIME {lifetime_secs}"))];
    }

    /// The request bodies received so far.
    pub(crate) fn bodies(&self) -> Vec<String> {
        lock(&self.bodies).clone()
    }

    pub(crate) fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub(crate) fn service(
        &self,
    ) -> impl Service<
        Request<Full<Bytes>>,
        Response = Response<Full<Bytes>>,
        Error = Infallible,
        Future = impl Send,
    > + Clone
    + Send
    + 'static {
        let this = self.clone();
        tower::service_fn(move |req: Request<Full<Bytes>>| {
            let n = this.requests.fetch_add(1, Ordering::SeqCst) + 1;
            let (status, body) = {
                let script = lock(&this.script);
                script
                    .get(n - 1)
                    .or(script.last())
                    .cloned()
                    .unwrap_or((500, String::new()))
            };
            let body = match body.strip_prefix("LIFETIME ") {
                Some(secs) => format!(
                    r#"{{"responseCode":"2007300","accessToken":"t-{n}","tokenType":"Bearer","expiresIn":"{secs}"}}"#
                ),
                None => body.replace("{n}", &n.to_string()),
            };
            let delay = this.delay;
            let bodies = Arc::clone(&this.bodies);
            async move {
                let received = match req.into_body().collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(never) => match never {},
                };
                lock(&bodies).push(String::from_utf8_lossy(&received).into_owned());
                tokio::time::sleep(delay).await;
                let mut response = Response::new(Full::new(Bytes::from(body)));
                // A script with a status that is not one answers 500.
                *response.status_mut() =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Ok::<_, Infallible>(response)
            }
        })
    }
}

/// The data behind `mutex`, even if a failed test poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `join_all` without the futures crate: spawn-free, polls in order.
pub(crate) async fn join_all<F: Future + Unpin>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<F>> = futures.into_iter().map(Some).collect();
    let mut out: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(out.iter_mut()) {
            if let Some(f) = slot {
                match std::pin::Pin::new(f).poll(cx) {
                    Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    out.into_iter().flatten().collect()
}
