//! A token store shared by many processes, behind the in-process B2B cache.
//!
//! When 20 instances of a service each fetch their own B2B token, the
//! provider sees 20× the token traffic, and a provider that revokes the
//! previous token on every issue kills instance 7's token when instance 12
//! fetches. A [`SharedTokenStore`] (Redis: [`redis_store`](crate::redis_store),
//! feature `redis`) holds the fleet's one token and a lock, and the cache runs
//! a fleet-wide single flight through it:
//!
//! 1. The in-process cache stays in front: a fresh local token never touches
//!    the store (the hot path is unchanged).
//! 2. On a local miss (cold start, expiry, `401xx01` invalidation) the one
//!    in-process fetch task reads the store; a stored token that is neither
//!    the one being replaced nor in its refresh window is adopted, with the
//!    store's remaining lifetime.
//! 3. Otherwise it takes the lock (`SET lock <random fencing value> NX PX
//!    ttl`); the holder reads again, fetches from the provider, stores the
//!    token and releases the lock in one step that checks the fencing value.
//!    The others poll with backoff and take the new token.
//! 4. A holder that dies mid-fetch blocks the fleet for at most the lock TTL:
//!    the lock expires and a waiter takes it.
//! 5. The store unreachable: [`WhenStoreUnreachable`] decides — fetch per
//!    process (the default, logged at `WARN`) or fail. A request is never
//!    sent unsigned: a failed token lookup fails the request.
//!
//! An invalidation does not make every instance refetch: the token being
//! replaced is compared with the stored one, and a different stored token is
//! simply adopted.
//!
//! The customer (B2B2C) cache runs the same flight with one lock per
//! customer, through a [`SharedCustomerTokenStore`](super::SharedCustomerTokenStore):
//! see [its docs](super::customer#many-instances).
//!
//! ```
//! use std::time::Duration;
//! use snap_bi::token::{SharedTokenSettings, WhenStoreUnreachable};
//!
//! let settings = SharedTokenSettings::default()
//!     .lock_ttl(Duration::from_secs(15))
//!     .when_unreachable(WhenStoreUnreachable::FailClosed);
//! assert_eq!(settings.lock_ttl_value(), Duration::from_secs(15));
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::policy::{JitterSource, RandomJitter};
use super::{AccessToken, BoxError, BoxFuture, TokenError, refresh_margin};

/// A token as the shared store holds it.
#[derive(Debug, Clone)]
pub struct StoredToken {
    /// The token.
    pub token: AccessToken,
    /// Its whole lifetime as issued (for the refresh margin).
    pub lifetime: Duration,
    /// How long it remains valid, as the store counts it (no clock of
    /// this process is involved, so machines' clock skew does not matter).
    pub remaining: Duration,
}

/// The shared store could not answer (connection refused, timeout, a
/// malformed entry). The cache then follows its [`WhenStoreUnreachable`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("shared token store failed: {0}")]
pub struct SharedStoreError(#[source] Arc<dyn std::error::Error + Send + Sync>);

impl SharedStoreError {
    /// Wraps a backend error.
    pub fn new(error: impl Into<BoxError>) -> Self {
        Self(Arc::from(error.into()))
    }
}

/// Where a fleet keeps its shared token and its fetch lock.
///
/// `key` names one token (the B2B cache passes `b2b:<client id>`); the store
/// namespaces it and derives the lock's key from it. Every method is one
/// round trip with a timeout.
pub trait SharedTokenStore: Send + Sync + fmt::Debug {
    /// The stored token, if there is an unexpired one.
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredToken>, SharedStoreError>>;

    /// Takes the fetch lock for `ttl` with the random `fencing` value, if
    /// nobody holds it. `true` when taken.
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    /// Stores `token` (valid for `remaining` of its `lifetime`) and releases
    /// the lock, both only if the lock is still held with `fencing`: a
    /// holder whose lock expired must not overwrite its successor's token.
    /// `true` when stored.
    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        token: &'a AccessToken,
        lifetime: Duration,
        remaining: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    /// Releases the lock if it is still held with `fencing` (after a failed
    /// fetch). `true` when released.
    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;
}

/// What a token cache does when its shared store cannot be reached.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum WhenStoreUnreachable {
    /// Fetch a token for this process alone, as without a store (logged at
    /// `WARN`). Availability first; the provider may see one token request
    /// per instance while the store is down.
    #[default]
    FallbackToLocal,
    /// Fail the token lookup with [`TokenError::SharedStore`],
    /// so no request is sent: for providers that revoke the previous token
    /// on every issue, where per-process tokens would knock each other out.
    FailClosed,
}

/// How a cache uses its shared store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedTokenSettings {
    lock_ttl: Option<Duration>,
    when_unreachable: WhenStoreUnreachable,
    max_poll: Duration,
}

impl Default for SharedTokenSettings {
    /// Lock TTL = fetch timeout + 2 s, fallback to local fetching, polls
    /// up to 100 ms apart.
    fn default() -> Self {
        Self {
            lock_ttl: None,
            when_unreachable: WhenStoreUnreachable::default(),
            max_poll: Duration::from_millis(100),
        }
    }
}

impl SharedTokenSettings {
    /// How long the fetch lock lives (default: the cache's fetch timeout
    /// plus 2 s, so a live holder never loses it). This is what a holder
    /// that dies mid-fetch costs the fleet at most.
    #[must_use]
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = Some(ttl);
        self
    }

    /// The configured lock TTL (`Duration::ZERO` when left to the default).
    #[must_use]
    pub fn lock_ttl_value(&self) -> Duration {
        self.lock_ttl.unwrap_or(Duration::ZERO)
    }

    /// What to do when the store cannot be reached.
    #[must_use]
    pub fn when_unreachable(mut self, policy: WhenStoreUnreachable) -> Self {
        self.when_unreachable = policy;
        self
    }

    /// The configured unreachable-store policy.
    #[must_use]
    pub fn unreachable_policy(&self) -> WhenStoreUnreachable {
        self.when_unreachable
    }

    /// The longest pause between two polls of a waiter (default 100 ms;
    /// polls start at 5 ms and double). Kept within 1 ms ..= 10 s.
    #[must_use]
    pub fn max_poll_interval(mut self, pause: Duration) -> Self {
        self.max_poll = pause.clamp(Duration::from_millis(1), Duration::from_secs(10));
        self
    }

    pub(crate) fn effective_lock_ttl(&self, fetch_timeout: Duration) -> Duration {
        self.lock_ttl
            .unwrap_or_else(|| fetch_timeout.saturating_add(Duration::from_secs(2)))
            .max(Duration::from_millis(10))
    }

    pub(crate) fn max_poll(&self) -> Duration {
        self.max_poll
    }
}

/// A shared store and how to use it, as a cache holds them.
pub(crate) struct Shared<S: ?Sized = dyn SharedTokenStore> {
    pub(crate) store: Arc<S>,
    pub(crate) settings: SharedTokenSettings,
}

impl<S: ?Sized> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            settings: self.settings,
        }
    }
}

impl<S: ?Sized + fmt::Debug> fmt::Debug for Shared<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("store", &self.store)
            .field("settings", &self.settings)
            .finish()
    }
}

/// What the single flight needs to know of a stored entry (a B2B token,
/// or a customer's access and refresh tokens).
pub(crate) trait FleetEntry {
    /// The access token.
    fn token(&self) -> &AccessToken;
    /// Its whole lifetime as issued.
    fn lifetime(&self) -> Duration;
    /// How long it remains valid.
    fn remaining(&self) -> Duration;
}

impl FleetEntry for StoredToken {
    fn token(&self) -> &AccessToken {
        &self.token
    }

    fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn remaining(&self) -> Duration {
        self.remaining
    }
}

/// The store operations of the single flight, over the public store
/// traits of both caches (one lock protocol, one polling loop).
pub(crate) trait FleetStore: Send + Sync {
    /// What the store holds under a key.
    type Entry: FleetEntry;
    /// The cache's name in traces.
    const CACHE: &'static str;

    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Self::Entry>, SharedStoreError>>;

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        entry: &'a Self::Entry,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;
}

impl FleetStore for dyn SharedTokenStore + '_ {
    type Entry = StoredToken;
    const CACHE: &'static str = "b2b";

    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredToken>, SharedStoreError>> {
        SharedTokenStore::get(self, key)
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        SharedTokenStore::try_lock(self, key, fencing, ttl)
    }

    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        entry: &'a StoredToken,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        SharedTokenStore::put_and_release(
            self,
            key,
            fencing,
            &entry.token,
            entry.lifetime,
            entry.remaining,
        )
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        SharedTokenStore::release(self, key, fencing)
    }
}

/// A random fencing value for one lock acquisition.
fn fencing_value() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Where a fleet-wide fetch got its token.
pub(crate) enum FleetOutcome<E, F> {
    /// Another instance's token, taken from the store.
    Adopted(E),
    /// Fetched by this process (as the lock holder, or alone while the
    /// store was unreachable).
    Fetched(F),
}

/// Whether a stored token may be handed out instead of fetching: not the
/// token being replaced, and not yet in its (unjittered) refresh window.
fn usable(
    stored: &impl FleetEntry,
    replacing: Option<&AccessToken>,
    margin: Option<Duration>,
) -> bool {
    replacing.is_none_or(|r| r != stored.token())
        && stored.remaining() > refresh_margin(stored.lifetime(), margin, 0.0)
}

/// The fleet-wide single flight (see the [module docs](self)). Runs inside
/// the cache's one in-process fetch task.
///
/// `fetch` asks the provider (with its own timeout); it is handed the
/// entry the lock holder found in the store, if any (a customer's refresh
/// token may have been rotated by another instance). `issued` says what
/// the fetch got. Store failures before the fetch follow the unreachable
/// policy; after it, a failed store write is only logged (the token is
/// good).
pub(crate) async fn fleet_fetch<S, F, Fut>(
    shared: &Shared<S>,
    key: &str,
    replacing: Option<&AccessToken>,
    margin: Option<Duration>,
    fetch_timeout: Duration,
    fetch: impl FnOnce(Option<S::Entry>) -> Fut,
    issued: impl FnOnce(&F) -> S::Entry,
) -> Result<FleetOutcome<S::Entry, F>, TokenError>
where
    S: FleetStore + ?Sized,
    Fut: Future<Output = Result<F, TokenError>>,
{
    let store = &*shared.store;
    let lock_ttl = shared.settings.effective_lock_ttl(fetch_timeout);
    // A dead holder's lock expires after `lock_ttl`; a live one finishes
    // within `fetch_timeout`. Waiting longer than both means something else
    // is wrong.
    let give_up_at = lock_ttl
        .saturating_mul(2)
        .checked_add(fetch_timeout)
        .and_then(|wait| Instant::now().checked_add(wait));
    let fencing = fencing_value();
    let mut pause = Duration::from_millis(5);
    let mut polls = 0u32;
    loop {
        let stored = match store.get(key).await {
            Ok(stored) => stored,
            Err(e) => return unreachable(shared, e, fetch, "read").await,
        };
        if let Some(stored) = stored.filter(|s| usable(s, replacing, margin)) {
            tracing::debug!(target: "snap_bi::token", cache = S::CACHE, polls, "token taken from the shared store");
            return Ok(FleetOutcome::Adopted(stored));
        }
        match store.try_lock(key, &fencing, lock_ttl).await {
            Err(e) => return unreachable(shared, e, fetch, "lock").await,
            Ok(true) => {
                return holder(store, key, &fencing, replacing, margin, fetch, issued).await;
            }
            Ok(false) => {}
        }
        if give_up_at.is_some_and(|at| Instant::now() >= at) {
            return Err(TokenError::SharedStore(SharedStoreError::new(
                "gave up waiting for the shared token lock",
            )));
        }
        polls = polls.saturating_add(1);
        // Jittered, so that waiters do not poll in lockstep.
        let jitter = 0.75 + RandomJitter.fraction() / 2.0;
        tokio::time::sleep(pause.mul_f64(jitter)).await;
        pause = pause.saturating_mul(2).min(shared.settings.max_poll());
    }
}

/// The lock holder: read once more (the previous holder may have stored a
/// token between our read and our lock), fetch, store and release.
async fn holder<S, F, Fut>(
    store: &S,
    key: &str,
    fencing: &str,
    replacing: Option<&AccessToken>,
    margin: Option<Duration>,
    fetch: impl FnOnce(Option<S::Entry>) -> Fut,
    issued: impl FnOnce(&F) -> S::Entry,
) -> Result<FleetOutcome<S::Entry, F>, TokenError>
where
    S: FleetStore + ?Sized,
    Fut: Future<Output = Result<F, TokenError>>,
{
    let current = match store.get(key).await {
        Ok(Some(stored)) if usable(&stored, replacing, margin) => {
            release(store, key, fencing).await;
            return Ok(FleetOutcome::Adopted(stored));
        }
        Ok(stored) => stored,
        Err(_) => None,
    };
    match fetch(current).await {
        Ok(fetched) => {
            let entry = issued(&fetched);
            match store.put_and_release(key, fencing, &entry).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    target: "snap_bi::token",
                    cache = S::CACHE,
                    "shared token lock expired during the fetch: token kept for this process only"
                ),
                Err(error) => tracing::warn!(
                    target: "snap_bi::token",
                    cache = S::CACHE,
                    %error,
                    "storing the token in the shared store failed: token kept for this process only"
                ),
            }
            Ok(FleetOutcome::Fetched(fetched))
        }
        Err(e) => {
            release(store, key, fencing).await;
            Err(e)
        }
    }
}

async fn release<S: FleetStore + ?Sized>(store: &S, key: &str, fencing: &str) {
    if let Err(error) = store.release(key, fencing).await {
        // The lock expires by itself; the fleet waits at most its TTL.
        tracing::warn!(target: "snap_bi::token", cache = S::CACHE, %error, "releasing the shared token lock failed");
    }
}

async fn unreachable<S, F, Fut>(
    shared: &Shared<S>,
    error: SharedStoreError,
    fetch: impl FnOnce(Option<S::Entry>) -> Fut,
    step: &'static str,
) -> Result<FleetOutcome<S::Entry, F>, TokenError>
where
    S: FleetStore + ?Sized,
    Fut: Future<Output = Result<F, TokenError>>,
{
    match shared.settings.when_unreachable {
        WhenStoreUnreachable::FallbackToLocal => {
            tracing::warn!(
                target: "snap_bi::token",
                cache = S::CACHE,
                %error,
                step,
                "shared token store unreachable: fetching a token for this process alone"
            );
            fetch(None).await.map(FleetOutcome::Fetched)
        }
        WhenStoreUnreachable::FailClosed => {
            tracing::warn!(
                target: "snap_bi::token",
                cache = S::CACHE,
                %error,
                step,
                "shared token store unreachable: failing closed"
            );
            Err(TokenError::SharedStore(error))
        }
    }
}

#[cfg(test)]
mod tests;
