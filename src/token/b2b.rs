//! The B2B token cache: fetched once, shared, refreshed ahead of expiry.
//!
//! [`B2bTokenCache`] is the [`TokenSource`] the signing layer asks for "a
//! valid B2B token". It fetches over any `tower::Service` (see
//! [`transport`](super::transport)) and guarantees:
//!
//! - **One slot, read without waiting.** A fresh cached token costs a
//!   read lock and an `Arc` clone; the lock is never held across IO.
//! - **Single flight.** However many callers miss the cache at once (cold
//!   start, expiry, invalidation), one token request is sent and all of
//!   them get its result. The request runs as its own Tokio task, so a
//!   caller that gives up does not cancel or poison it for the others.
//! - **Refresh ahead.** From `expiry − margin` (default
//!   `min(60 s, lifetime / 10)`, plus jitter) callers still get the current
//!   token immediately while one background fetch renews it; nobody waits.
//!   [`spawn_refresher`](B2bTokenCache::spawn_refresher) renews on a timer
//!   even when idle.
//! - **Errors are not cached**; after repeated failures the endpoint is
//!   left alone for a bounded, jittered [`Backoff`](super::Backoff) window. Every fetch has
//!   a timeout.
//! - **[`invalidate`](TokenSource::invalidate)** drops the token only if it
//!   is still the rejected one, so 100 concurrent `401xx01`s cause one
//!   refetch.
//!
//! Expiry is measured on `tokio::time::Instant`, so tests drive it with a
//! paused clock; `X-TIMESTAMP`s come from the injected [`Clock`](crate::timestamp::Clock). Fetches
//! run as Tokio tasks: the cache needs a Tokio runtime with its time driver
//! enabled (outside one, a fetch fails with [`TokenError::NoRuntime`]; a
//! cached token is still served).
//!
//! ```
//! use std::convert::Infallible;
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use snap_bi::RsaPrivateKey;
//! use snap_bi::token::{B2bTokenCache, TokenRequestSigner, TokenSource};
//!
//! # let pem = include_str!("../../tests/vectors/keys/partner-test-private.pem");
//! let requests = Arc::new(AtomicUsize::new(0));
//! let counter = Arc::clone(&requests);
//! // Any tower service: hyper-util's client, a reqwest adapter, or this stand-in.
//! let http = tower::service_fn(move |_req: http::Request<Full<Bytes>>| {
//!     counter.fetch_add(1, Ordering::SeqCst);
//!     async {
//!         let body = r#"{"responseCode":"2007300","accessToken":"t-1","tokenType":"Bearer","expiresIn":"900"}"#;
//!         Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(body))))
//!     }
//! });
//!
//! let signer = TokenRequestSigner::builder("client", RsaPrivateKey::from_pem(pem)?)
//!     .base_url("http://127.0.0.1:1")
//!     .build()?;
//! let cache = B2bTokenCache::builder(signer).build(http);
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
//! let (a, b) = tokio::join!(cache.token(), cache.token());
//! assert_eq!(a?.expose_secret(), "t-1");
//! assert_eq!(b?.expose_secret(), "t-1");
//! assert_eq!(cache.token().await?.expose_secret(), "t-1");
//! assert_eq!(requests.load(Ordering::SeqCst), 1);
//! # Ok::<(), snap_bi::token::TokenError>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::{Future, ready};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tower::Service;
use tracing::Instrument;

use super::error::BoxError;
use super::flight::{Flight, Launch, Lookup, with_timeout};
use super::policy::{CacheSettings, FetchRules, cache_settings_setters};
use super::shared::{
    FleetOutcome, Shared, SharedTokenSettings, SharedTokenStore, StoredToken, fleet_fetch,
};
use super::transport::{Exchanged, ServiceTransport};
use super::{AccessToken, BoxFuture, TokenError, TokenRequestSigner, TokenSource, refresh_margin};

/// Default timeout of one token request.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The smallest pause between a background refresher's attempts, whatever
/// the backoff and the token's lifetime say, so it can never spin.
const MIN_REFRESHER_PAUSE: Duration = Duration::from_secs(1);

/// A shared, self-refreshing B2B access token. Cheap to clone (clones share
/// the cache). See the [module docs](self).
#[derive(Clone)]
pub struct B2bTokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    slot: RwLock<Option<Cached>>,
    flight: Mutex<Flight<AccessToken>>,
    rules: FetchRules,
    /// The fleet's store, behind the slot (see [`shared`](super::shared)).
    shared: Option<Shared>,
    /// `b2b:<client id>`: the token's name in the shared store.
    shared_key: String,
    /// The last token invalidated here: the shared store's copy of it must
    /// not be adopted again.
    rejected: Mutex<Option<AccessToken>>,
}

struct Cached {
    token: AccessToken,
    /// From here on the token is handed out while a refresh runs.
    refresh_at: Instant,
    /// From here on the token is not handed out at all.
    expires_at: Instant,
}

impl B2bTokenCache {
    /// Starts a builder around the request signer.
    pub fn builder(signer: TokenRequestSigner) -> B2bTokenCacheBuilder {
        B2bTokenCacheBuilder {
            signer,
            settings: CacheSettings::default(),
            shared: None,
        }
    }

    /// The cached token if it can still be used, without fetching.
    pub fn cached(&self) -> Option<AccessToken> {
        match self.inner.lookup(Instant::now()) {
            Lookup::Fresh(token) | Lookup::RefreshDue(token) => Some(token),
            Lookup::Missing => None,
        }
    }

    /// Fetches a new token now, whatever is cached (joining a fetch that is
    /// already running instead of starting a second one).
    ///
    /// # Errors
    /// The fetch's [`TokenError`], or [`TokenError::BackingOff`] inside a
    /// backoff window.
    pub fn refresh(
        &self,
    ) -> impl Future<Output = Result<AccessToken, TokenError>> + Send + 'static {
        Arc::clone(&self.inner).fetch(true)
    }

    /// Spawns a task that renews the token at its refresh point (and
    /// fetches the first one right away), so that no caller ever waits on a
    /// fetch while the provider is reachable. The task stops when the
    /// returned guard is dropped or when every clone of the cache is gone.
    ///
    /// # Errors
    /// [`TokenError::NoRuntime`] outside a Tokio runtime.
    pub fn spawn_refresher(&self) -> Result<BackgroundRefresh, TokenError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| TokenError::NoRuntime)?;
        let task = handle.spawn(refresher(Arc::downgrade(&self.inner)));
        Ok(BackgroundRefresh {
            task: task.abort_handle(),
        })
    }
}

impl TokenSource for B2bTokenCache {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        match self.inner.lookup(Instant::now()) {
            Lookup::Fresh(token) => {
                trace_hit();
                Box::pin(ready(Ok(token)))
            }
            Lookup::RefreshDue(token) => {
                tracing::debug!(
                    target: "snap_bi::token",
                    cache = "b2b",
                    "token cache hit, refresh due: refreshing in the background"
                );
                let inner = Arc::clone(&self.inner);
                Box::pin(async move {
                    inner.refresh_in_background();
                    Ok(token)
                })
            }
            Lookup::Missing => {
                tracing::debug!(target: "snap_bi::token", cache = "b2b", "token cache miss");
                Box::pin(Arc::clone(&self.inner).fetch(false))
            }
        }
    }

    fn ready_token(&self) -> Option<AccessToken> {
        // Only a fresh token: in the refresh window `token` also starts the
        // background refresh.
        match self.inner.lookup(Instant::now()) {
            Lookup::Fresh(token) => {
                trace_hit();
                Some(token)
            }
            Lookup::RefreshDue(_) | Lookup::Missing => None,
        }
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let mut slot = self
            .inner
            .slot
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let dropped = slot.as_ref().is_some_and(|c| c.token == *rejected);
        if dropped {
            *slot = None;
            if self.inner.shared.is_some() {
                *self
                    .inner
                    .rejected
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(rejected.clone());
            }
        }
        tracing::debug!(
            target: "snap_bi::token",
            cache = "b2b",
            dropped,
            "token invalidated"
        );
    }
}

/// The per-request event of the usual case: `TRACE`, so that only those who
/// ask see one per signed request.
fn trace_hit() {
    tracing::trace!(target: "snap_bi::token", cache = "b2b", "token cache hit");
}

impl Inner {
    fn lookup(&self, now: Instant) -> Lookup<AccessToken> {
        let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Some(c) if now < c.refresh_at => Lookup::Fresh(c.token.clone()),
            Some(c) if now < c.expires_at => Lookup::RefreshDue(c.token.clone()),
            _ => Lookup::Missing,
        }
    }

    /// Waits for a token: the cached one unless `force`, else the running
    /// fetch's, else a new fetch's.
    async fn fetch(self: Arc<Self>, force: bool) -> Result<AccessToken, TokenError> {
        let ticket = {
            let mut flight = self.flight.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            // Checked again under the flight lock: a fetch may have finished
            // between the caller's lookup and here.
            if !force {
                match self.lookup(now) {
                    Lookup::Fresh(token) | Lookup::RefreshDue(token) => return Ok(token),
                    Lookup::Missing => {}
                }
            }
            flight.join_or_launch(now, |launch| Arc::clone(&self).run(launch))?
        };
        ticket.wait().await
    }

    /// Starts a fetch unless one is running or a backoff window is open.
    fn refresh_in_background(self: &Arc<Self>) {
        let mut flight = self.flight.lock().unwrap_or_else(PoisonError::into_inner);
        if flight.is_running() || flight.retry_at(Instant::now()).is_some() {
            return;
        }
        // Outside a runtime there is nothing to run it on; the token is still
        // valid and a later caller will try again.
        let _ = flight.launch(|launch| Arc::clone(self).run(launch));
    }

    /// The fetch task: fetch, store, record, publish.
    async fn run(self: Arc<Self>, launch: Launch<AccessToken>) {
        let span = tracing::debug_span!(target: "snap_bi::token", "token_fetch", cache = "b2b");
        let outcome = match &self.shared {
            None => with_timeout(
                self.rules.fetch_timeout,
                self.rules.exchange.run(|signer, ts| signer.b2b(ts)),
            )
            .instrument(span.clone())
            .await
            .map(|e| self.store(e)),
            Some(shared) => self.run_shared(shared).instrument(span.clone()).await,
        };
        let _entered = span.enter();
        let now = Instant::now();
        self.flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .finish(
                (launch.id, launch.started),
                &outcome,
                now,
                &self.rules.backoff,
                &*self.rules.jitter,
            );
        launch.publish(outcome);
    }

    fn store(&self, exchanged: Exchanged) -> AccessToken {
        let lifetime = exchanged.grant.lifetime();
        let sent_at = exchanged.sent_at;
        let expires_at = sent_at.checked_add(lifetime).unwrap_or(sent_at);
        self.keep(
            exchanged.grant.access_token(),
            lifetime,
            sent_at,
            expires_at,
        )
    }

    /// Puts a token valid until `expires_at` into the slot.
    fn keep(
        &self,
        token: &AccessToken,
        lifetime: Duration,
        now: Instant,
        expires_at: Instant,
    ) -> AccessToken {
        let margin = refresh_margin(lifetime, self.rules.margin, self.rules.jitter.fraction());
        let refresh_at = expires_at.checked_sub(margin).unwrap_or(now);
        *self.slot.write().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            token: token.clone(),
            refresh_at,
            expires_at,
        });
        token.clone()
    }

    /// The fetch through the fleet's shared store: adopt its token, or
    /// fetch as the fleet's one lock holder.
    async fn run_shared(&self, shared: &Shared) -> Result<AccessToken, TokenError> {
        let replacing = {
            let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
            slot.as_ref().map(|c| c.token.clone())
        }
        .or_else(|| {
            self.rejected
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        });
        let outcome = fleet_fetch(
            shared,
            &self.shared_key,
            replacing.as_ref(),
            self.rules.margin,
            self.rules.fetch_timeout,
            |_| {
                with_timeout(
                    self.rules.fetch_timeout,
                    self.rules.exchange.run(|signer, ts| signer.b2b(ts)),
                )
            },
            |e: &Exchanged| {
                let lifetime = e.grant.lifetime();
                StoredToken {
                    token: e.grant.access_token().clone(),
                    lifetime,
                    remaining: lifetime.saturating_sub(e.sent_at.elapsed()),
                }
            },
        )
        .await?;
        let token = match outcome {
            FleetOutcome::Fetched(exchanged) => self.store(exchanged),
            FleetOutcome::Adopted(stored) => {
                let now = Instant::now();
                let expires_at = now.checked_add(stored.remaining).unwrap_or(now);
                self.keep(&stored.token, stored.lifetime, now, expires_at)
            }
        };
        *self.rejected.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(token)
    }

    /// When the refresher should next act.
    fn next_refresh(&self, now: Instant) -> Instant {
        if let Some(at) = self
            .flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retry_at(now)
        {
            return at;
        }
        let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref().map_or(now, |c| c.refresh_at.max(now))
    }
}

async fn refresher(inner: Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let at = strong.next_refresh(Instant::now());
        drop(strong);
        tokio::time::sleep_until(at).await;
        let Some(strong) = inner.upgrade() else {
            return;
        };
        if let Lookup::Fresh(_) = strong.lookup(Instant::now()) {
            continue;
        }
        let _ = Arc::clone(&strong).fetch(true).await;
        drop(strong);
        // Whatever came back (an error, or a token so short-lived that it is
        // due again at once), never ask the provider in a tight loop.
        tokio::time::sleep(MIN_REFRESHER_PAUSE).await;
    }
}

impl fmt::Debug for B2bTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.lookup(Instant::now()) {
            Lookup::Fresh(_) => "fresh",
            Lookup::RefreshDue(_) => "refresh due",
            Lookup::Missing => "empty",
        };
        f.debug_struct("B2bTokenCache")
            .field("state", &state)
            .field("signer", &self.inner.rules.exchange.signer)
            .field("fetch_timeout", &self.inner.rules.fetch_timeout)
            .field("backoff", &self.inner.rules.backoff)
            .finish_non_exhaustive()
    }
}

/// Stops the task started by [`B2bTokenCache::spawn_refresher`] when
/// dropped.
#[derive(Debug)]
#[must_use = "dropping the guard stops the background refresh"]
pub struct BackgroundRefresh {
    task: AbortHandle,
}

impl BackgroundRefresh {
    /// Stops the task now.
    pub fn stop(self) {}
}

impl Drop for BackgroundRefresh {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Builds a [`B2bTokenCache`]; see [`B2bTokenCache::builder`].
#[derive(Debug)]
#[must_use]
pub struct B2bTokenCacheBuilder {
    signer: TokenRequestSigner,
    settings: CacheSettings,
    shared: Option<Shared>,
}

impl B2bTokenCacheBuilder {
    cache_settings_setters!();

    /// Shares the token with every process using the same `store` (and
    /// client id): one token request for the whole fleet at a cold start,
    /// at expiry and after an invalidation. See [`shared`](super::shared).
    /// The in-process cache stays in front: a fresh token never touches the
    /// store.
    pub fn shared_store(
        mut self,
        store: Arc<dyn SharedTokenStore>,
        settings: SharedTokenSettings,
    ) -> Self {
        self.shared = Some(Shared { store, settings });
        self
    }

    /// The cache, fetching over `service`: any cloneable
    /// `tower::Service<http::Request<Full<Bytes>>>` answering
    /// `http::Response<B>`, such as
    /// `hyper_util::client::legacy::Client<_, Full<Bytes>>`.
    pub fn build<S, B>(self, service: S) -> B2bTokenCache
    where
        S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let shared_key = format!("b2b:{}", self.signer.client_id());
        B2bTokenCache {
            inner: Arc::new(Inner {
                slot: RwLock::new(None),
                flight: Mutex::new(Flight::default()),
                shared: self.shared,
                shared_key,
                rejected: Mutex::new(None),
                rules: self
                    .settings
                    .into_rules(Arc::new(ServiceTransport::new(service)), self.signer),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
