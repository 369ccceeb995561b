//! B2B2C customer tokens: exchanged from an authorization code, cached per
//! customer, renewed with their refresh token, and kept in a pluggable
//! [`CustomerTokenStore`] because real applications must keep them across
//! restarts.
//!
//! [`CustomerTokenCache`] works like the B2B cache, per customer key:
//! single flight per customer (a spawned task, so a caller that gives up
//! does not cancel the refresh), refresh ahead of expiry, errors never
//! cached, bounded backoff per customer, a timeout on every request.
//! Customer tokens live for days and outlive the process, so their expiry
//! is wall-clock time from the injected [`Clock`]; the store is the source
//! of truth and is read again before every refresh (another process may
//! have rotated the refresh token).
//!
//! ```
//! use std::convert::Infallible;
//! use std::sync::Arc;
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use snap_bi::RsaPrivateKey;
//! use snap_bi::token::{CustomerKey, CustomerTokenCache, InMemoryCustomerTokenStore, TokenRequestSigner};
//!
//! # let pem = include_str!("../../tests/vectors/keys/partner-test-private.pem");
//! let http = tower::service_fn(|_req: http::Request<Full<Bytes>>| async {
//!     let body = r#"{"responseCode":"2007400","accessToken":"cust-1","tokenType":"Bearer",
//!         "accessTokenExpiryTime":"2099-01-01T00:00:00+07:00",
//!         "refreshToken":"refresh-1","refreshTokenExpiryTime":"2099-01-02T00:00:00+07:00"}"#;
//!     Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(body))))
//! });
//! let signer = TokenRequestSigner::builder("client", RsaPrivateKey::from_pem(pem)?)
//!     .base_url("http://127.0.0.1:1")
//!     .build()?;
//! let store = Arc::new(InMemoryCustomerTokenStore::new());
//! let customers = CustomerTokenCache::builder(signer).store(store.clone()).build(http);
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
//! let alice = CustomerKey::new("alice");
//! customers.authorize(&alice, "auth-code-from-the-binding-flow").await?;
//! assert_eq!(customers.token(&alice).await?.expose_secret(), "cust-1");
//! assert_eq!(store.len(), 1);
//! # Ok::<(), snap_bi::token::TokenError>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Many instances
//!
//! Providers often rotate refresh tokens (each is good for one refresh):
//! two instances refreshing the same customer at once burn the token, and
//! one of them fails — or the customer must bind their account again.
//! [`CustomerTokenCacheBuilder::shared_store`] puts a
//! [`SharedCustomerTokenStore`] (Redis:
//! [`RedisStore::customer_token_store`](crate::redis_store::RedisStore::customer_token_store))
//! behind the in-process cache and runs the [fleet-wide single
//! flight](super::shared) per customer:
//!
//! - [`authorize`](CustomerTokenCache::authorize) stores the new tokens
//!   there too, so every instance takes them without a token request;
//! - on a local miss, a due refresh or an invalidation, the store's tokens
//!   are adopted unless they are the ones being replaced or are due
//!   themselves; otherwise one instance takes the customer's lock, reads
//!   again, refreshes (with the newest refresh token of the shared store,
//!   the [`CustomerTokenStore`] and memory), stores and releases, while the
//!   others poll and adopt;
//! - the store unreachable: [`WhenStoreUnreachable`](super::WhenStoreUnreachable)
//!   (refresh per process, or fail); [`forget`](CustomerTokenCache::forget)
//!   removes the customer there too, and fails if it cannot.
//!
//! The shared store keeps durations (remaining lifetimes), not this
//! machine's wall-clock times, so clock skew between machines does not
//! matter. The [`CustomerTokenStore`] stays the durable copy (a Redis
//! without persistence forgets): the lock holder writes every refreshed
//! token to it; adopted tokens are not written again.
//!
//! ```
//! # #[cfg(feature = "redis")] {
//! use std::convert::Infallible;
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::time::Duration;
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use snap_bi::RsaPrivateKey;
//! use snap_bi::redis_store::RedisStore;
//! use snap_bi::token::{
//!     CustomerKey, CustomerTokenCache, SharedTokenSettings, TokenError, TokenRequestSigner,
//!     WhenStoreUnreachable,
//! };
//!
//! # let pem = include_str!("../../tests/vectors/keys/partner-test-private.pem");
//! # let signer = TokenRequestSigner::builder("client", RsaPrivateKey::from_pem(pem)?)
//! #     .base_url("http://127.0.0.1:1")
//! #     .build()?;
//! let sent = Arc::new(AtomicUsize::new(0));
//! let counter = Arc::clone(&sent);
//! let http = tower::service_fn(move |_req: http::Request<Full<Bytes>>| {
//!     counter.fetch_add(1, Ordering::SeqCst);
//!     async { Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::new()))) }
//! });
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! // Nothing listens on port 1: the fleet's store is unreachable.
//! let redis = RedisStore::builder("redis://127.0.0.1:1/")
//!     .response_timeout(Duration::from_millis(100))
//!     .connection_timeout(Duration::from_millis(100))
//!     .build()?;
//! let customers = CustomerTokenCache::builder(signer)
//!     .shared_store(
//!         Arc::new(redis.customer_token_store()),
//!         SharedTokenSettings::default().when_unreachable(WhenStoreUnreachable::FailClosed),
//!     )
//!     .build(http);
//! // Failing closed: a typed error, and no token request was sent.
//! let alice = CustomerKey::new("alice");
//! assert!(matches!(customers.token(&alice).await, Err(TokenError::SharedStore(_))));
//! assert_eq!(sent.load(Ordering::SeqCst), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use tokio::time::Instant;
use tower::Service;
use tracing::Instrument;

use super::error::BoxError;
use super::flight::{Flight, Launch, Lookup, with_timeout};
use super::policy::{CacheSettings, FetchRules, cache_settings_setters};
use super::shared::{FleetOutcome, Shared, SharedTokenSettings, fleet_fetch};
use super::transport::{Exchanged, ServiceTransport};
use super::{
    AccessToken, BoxFuture, RefreshToken, TokenError, TokenRequestSigner, TokenSource,
    refresh_margin,
};
use crate::timestamp::Clock;

mod fleet;

use fleet::shared_key;
pub use fleet::{SharedCustomerTokenStore, StoredCustomerToken};

/// Identifies a customer (your application's user or account id). Cheap
/// to clone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerKey(Arc<str>);

impl CustomerKey {
    /// A key.
    pub fn new(key: impl Into<Arc<str>>) -> Self {
        Self(key.into())
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for CustomerKey {
    fn from(key: &str) -> Self {
        Self::new(key)
    }
}

impl From<String> for CustomerKey {
    fn from(key: String) -> Self {
        Self::new(key)
    }
}

/// A customer's tokens as a [`CustomerTokenStore`] keeps them: wall-clock
/// expiry times, so they stay meaningful across restarts. `Debug` redacts
/// the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerToken {
    access_token: AccessToken,
    obtained_at: DateTime<Utc>,
    access_expires_at: DateTime<Utc>,
    refresh_token: Option<RefreshToken>,
    refresh_expires_at: Option<DateTime<Utc>>,
}

impl CustomerToken {
    /// An access token obtained at `obtained_at`, valid until
    /// `access_expires_at`, without a refresh token.
    pub fn new(
        access_token: AccessToken,
        obtained_at: DateTime<Utc>,
        access_expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            access_token,
            obtained_at,
            access_expires_at,
            refresh_token: None,
            refresh_expires_at: None,
        }
    }

    /// Adds the refresh token, valid until `expires_at` (`None`: no known
    /// expiry).
    #[must_use]
    pub fn with_refresh_token(
        mut self,
        refresh_token: RefreshToken,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.refresh_token = Some(refresh_token);
        self.refresh_expires_at = expires_at;
        self
    }

    /// The access token (sent as `Authorization-Customer: Bearer …`).
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// When the access token was requested.
    pub fn obtained_at(&self) -> DateTime<Utc> {
        self.obtained_at
    }

    /// When the access token expires.
    pub fn access_expires_at(&self) -> DateTime<Utc> {
        self.access_expires_at
    }

    /// The refresh token, if the provider issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// When the refresh token expires, if known.
    pub fn refresh_expires_at(&self) -> Option<DateTime<Utc>> {
        self.refresh_expires_at
    }

    fn from_exchange(exchanged: &Exchanged) -> Self {
        let grant = &exchanged.grant;
        let at = exchanged.sent_wall;
        Self {
            access_token: grant.access_token().clone(),
            obtained_at: at,
            access_expires_at: add(at, grant.lifetime()),
            refresh_token: grant.refresh_token().cloned(),
            refresh_expires_at: grant.refresh_lifetime().map(|l| add(at, l)),
        }
    }

    /// From when on the token is renewed ahead of expiry.
    fn refresh_at(&self, margin: Option<Duration>) -> DateTime<Utc> {
        let lifetime = self
            .access_expires_at
            .signed_duration_since(self.obtained_at)
            .to_std()
            .unwrap_or_default();
        let margin = TimeDelta::from_std(refresh_margin(lifetime, margin, 0.0)).unwrap_or_default();
        self.access_expires_at
            .checked_sub_signed(margin)
            .unwrap_or(self.obtained_at)
    }

    /// Whether the access token is unusable at `now`. An expiry not after
    /// `obtained_at` is how an invalidation is recorded (and persisted): it
    /// stays expired even if the wall clock steps back before `obtained_at`,
    /// which would otherwise serve the rejected token again.
    fn access_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.access_expires_at || self.access_expires_at <= self.obtained_at
    }

    /// The refresh token, if there is one that has not expired.
    fn usable_refresh_token(&self, now: DateTime<Utc>) -> Option<&RefreshToken> {
        let token = self.refresh_token.as_ref()?;
        match self.refresh_expires_at {
            Some(at) if at <= now => None,
            _ => Some(token),
        }
    }
}

/// `t + d`, saturating at `t` if the sum cannot be represented.
fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(t)
}

/// Where customer tokens are kept between restarts: a database table, a
/// key-value store, an encrypted file. The cache reads it on a miss and
/// before every refresh, and writes every new token to it.
///
/// Implementations must keep tokens secret at rest as the application
/// requires; [`RefreshToken::expose_secret`] and
/// [`AccessToken::expose_secret`] give the values to persist.
pub trait CustomerTokenStore: Send + Sync + fmt::Debug {
    /// The stored tokens of `customer`, if any.
    fn load<'a>(
        &'a self,
        customer: &'a CustomerKey,
    ) -> BoxFuture<'a, Result<Option<CustomerToken>, BoxError>>;

    /// Stores (replaces) the tokens of `customer`.
    fn save<'a>(
        &'a self,
        customer: &'a CustomerKey,
        token: &'a CustomerToken,
    ) -> BoxFuture<'a, Result<(), BoxError>>;

    /// Forgets `customer` (logout, unbinding).
    fn remove<'a>(&'a self, customer: &'a CustomerKey) -> BoxFuture<'a, Result<(), BoxError>>;
}

/// A [`CustomerTokenStore`] in process memory: the default, and for tests.
/// Tokens are lost on restart.
#[derive(Debug, Default)]
pub struct InMemoryCustomerTokenStore {
    tokens: Mutex<HashMap<CustomerKey, CustomerToken>>,
}

impl InMemoryCustomerTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many customers have tokens stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no customer has tokens stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The stored tokens of `customer` (synchronously).
    pub fn get(&self, customer: &CustomerKey) -> Option<CustomerToken> {
        self.lock().get(customer).cloned()
    }

    /// Stores tokens directly, e.g. to seed a test.
    pub fn insert(&self, customer: CustomerKey, token: CustomerToken) {
        self.lock().insert(customer, token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CustomerKey, CustomerToken>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl CustomerTokenStore for InMemoryCustomerTokenStore {
    fn load<'a>(
        &'a self,
        customer: &'a CustomerKey,
    ) -> BoxFuture<'a, Result<Option<CustomerToken>, BoxError>> {
        Box::pin(ready(Ok(self.get(customer))))
    }

    fn save<'a>(
        &'a self,
        customer: &'a CustomerKey,
        token: &'a CustomerToken,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        self.insert(customer.clone(), token.clone());
        Box::pin(ready(Ok(())))
    }

    fn remove<'a>(&'a self, customer: &'a CustomerKey) -> BoxFuture<'a, Result<(), BoxError>> {
        self.lock().remove(customer);
        Box::pin(ready(Ok(())))
    }
}

/// Per-customer B2B2C tokens. Cheap to clone (clones share the cache). See
/// the [module docs](self).
#[derive(Clone)]
pub struct CustomerTokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    memory: RwLock<HashMap<CustomerKey, CustomerToken>>,
    flights: Mutex<HashMap<CustomerKey, Flight<AccessToken>>>,
    /// Customers forgotten while their refresh ran (set and cleared under
    /// the `flights` lock): the refresh must not store its token, which
    /// would bring back a customer who logged out.
    forgotten: Mutex<HashSet<CustomerKey>>,
    store: Arc<dyn CustomerTokenStore>,
    rules: FetchRules,
    /// The fleet's store and per-customer refresh lock, in front of
    /// `store` (see [`CustomerTokenCacheBuilder::shared_store`]).
    shared: Option<Shared<dyn SharedCustomerTokenStore>>,
    /// For the shared store's keys.
    client_id: String,
}

/// What a refresh produced: the token (already kept in memory) and whether
/// the persistent store took it. In a fleet the token is shared even when
/// the store failed: the provider may already have spent the old refresh
/// token.
struct Renewed {
    token: CustomerToken,
    saved: Result<(), TokenError>,
}

impl Renewed {
    fn into_access(self) -> Result<AccessToken, TokenError> {
        self.saved.map(|()| self.token.access_token)
    }
}

impl CustomerTokenCache {
    /// Starts a builder around the request signer.
    pub fn builder(signer: TokenRequestSigner) -> CustomerTokenCacheBuilder {
        CustomerTokenCacheBuilder {
            signer,
            store: Arc::new(InMemoryCustomerTokenStore::new()),
            settings: CacheSettings::default(),
            shared: None,
        }
    }

    /// Exchanges `auth_code` (from the customer's consent or account-binding
    /// flow) for the customer's tokens, stores them and returns the access
    /// token. Runs as its own task: dropping the future does not lose a
    /// token the provider already issued.
    ///
    /// # Errors
    /// The exchange's [`TokenError`], or [`TokenError::Store`].
    pub fn authorize(
        &self,
        customer: &CustomerKey,
        auth_code: &str,
    ) -> impl Future<Output = Result<AccessToken, TokenError>> + Send + 'static {
        let inner = Arc::clone(&self.inner);
        let customer = customer.clone();
        let code = auth_code.to_owned();
        async move {
            let handle =
                tokio::runtime::Handle::try_current().map_err(|_| TokenError::NoRuntime)?;
            let timeout = inner.rules.fetch_timeout;
            let task = handle.spawn(async move {
                with_timeout(timeout, inner.exchange_code(&customer, &code)).await
            });
            task.await.unwrap_or(Err(TokenError::FetchAborted))
        }
    }

    /// A valid access token for `customer`: the cached one, or one renewed
    /// with the refresh token (one request however many callers ask).
    ///
    /// # Errors
    /// [`TokenError::CustomerAuthorizationRequired`] when there is no token
    /// and no usable refresh token; otherwise the refresh's [`TokenError`].
    pub fn token(
        &self,
        customer: &CustomerKey,
    ) -> BoxFuture<'static, Result<AccessToken, TokenError>> {
        let now = self.inner.rules.exchange.clock.now();
        match self.inner.lookup(customer, now) {
            Lookup::Fresh(token) => {
                tracing::trace!(
                    target: "snap_bi::token",
                    cache = "customer",
                    customer = customer.as_str(),
                    "token cache hit"
                );
                Box::pin(ready(Ok(token)))
            }
            Lookup::RefreshDue(token) => {
                tracing::debug!(
                    target: "snap_bi::token",
                    cache = "customer",
                    customer = customer.as_str(),
                    "token cache hit, refresh due: refreshing in the background"
                );
                let inner = Arc::clone(&self.inner);
                let customer = customer.clone();
                Box::pin(async move {
                    inner.refresh_in_background(&customer);
                    Ok(token)
                })
            }
            Lookup::Missing => {
                tracing::debug!(
                    target: "snap_bi::token",
                    cache = "customer",
                    customer = customer.as_str(),
                    "token cache miss"
                );
                Box::pin(Arc::clone(&self.inner).fetch(customer.clone()))
            }
        }
    }

    /// Marks `rejected` as no longer valid (the provider answered
    /// `401xx02`/`401xx04`) if it is still `customer`'s token, in memory and
    /// in the store. The next [`token`](Self::token) renews it with the
    /// refresh token.
    ///
    /// # Errors
    /// [`TokenError::Store`].
    pub async fn invalidate(
        &self,
        customer: &CustomerKey,
        rejected: &AccessToken,
    ) -> Result<(), TokenError> {
        let updated = self.inner.invalidate_in_memory(customer, rejected);
        tracing::debug!(
            target: "snap_bi::token",
            cache = "customer",
            customer = customer.as_str(),
            dropped = updated.is_some(),
            "token invalidated"
        );
        if let Some(updated) = updated {
            self.inner
                .store
                .save(customer, &updated)
                .await
                .map_err(TokenError::store)?;
        }
        Ok(())
    }

    /// Forgets `customer`'s tokens, in memory, in the store and in the
    /// shared store if there is one.
    ///
    /// # Errors
    /// [`TokenError::Store`], or [`TokenError::SharedStore`] when the
    /// shared store cannot be reached, whatever the
    /// [`WhenStoreUnreachable`](super::WhenStoreUnreachable) policy: a
    /// logout must not silently leave the tokens to the rest of the fleet.
    /// A refresh running meanwhile does not store its token; its callers
    /// get [`TokenError::CustomerAuthorizationRequired`].
    pub async fn forget(&self, customer: &CustomerKey) -> Result<(), TokenError> {
        {
            let mut flights = self
                .inner
                .flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if flights.get_mut(customer).is_some_and(Flight::is_running) {
                self.inner.forgotten().insert(customer.clone());
            }
        }
        self.inner
            .memory
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(customer);
        let removed = self
            .inner
            .store
            .remove(customer)
            .await
            .map_err(TokenError::store);
        if let Some(shared) = &self.inner.shared {
            shared
                .store
                .remove(&shared_key(&self.inner.client_id, customer))
                .await?;
        }
        removed
    }

    /// A [`TokenSource`] for one customer, e.g. for a layer that sets
    /// `Authorization-Customer`.
    pub fn source(&self, customer: CustomerKey) -> CustomerTokenSource {
        CustomerTokenSource {
            cache: self.clone(),
            customer,
        }
    }
}

impl Inner {
    fn lookup(&self, customer: &CustomerKey, now: DateTime<Utc>) -> Lookup<AccessToken> {
        let memory = self.memory.read().unwrap_or_else(PoisonError::into_inner);
        let Some(t) = memory.get(customer) else {
            return Lookup::Missing;
        };
        if t.access_expired(now) {
            Lookup::Missing
        } else if now < t.refresh_at(self.rules.margin) || t.usable_refresh_token(now).is_none() {
            // Without a refresh token there is nothing to renew ahead with:
            // the token is used until it expires.
            Lookup::Fresh(t.access_token.clone())
        } else {
            Lookup::RefreshDue(t.access_token.clone())
        }
    }

    async fn fetch(self: Arc<Self>, customer: CustomerKey) -> Result<AccessToken, TokenError> {
        let ticket = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            match self.lookup(&customer, self.rules.exchange.clock.now()) {
                Lookup::Fresh(token) | Lookup::RefreshDue(token) => return Ok(token),
                Lookup::Missing => {}
            }
            let flight = flights.entry(customer.clone()).or_default();
            let ticket = flight.join_or_launch(Instant::now(), |launch| {
                Arc::clone(&self).run(customer.clone(), launch)
            });
            if flight.is_idle() {
                flights.remove(&customer);
            }
            ticket?
        };
        ticket.wait().await
    }

    fn refresh_in_background(self: &Arc<Self>, customer: &CustomerKey) {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        let flight = flights.entry(customer.clone()).or_default();
        if !flight.is_running() && flight.retry_at(Instant::now()).is_none() {
            // Outside a runtime there is nothing to run it on; the token is
            // still valid and a later caller will try again.
            let _ = flight.launch(|launch| Arc::clone(self).run(customer.clone(), launch));
        }
        if flight.is_idle() {
            flights.remove(customer);
        }
    }

    async fn run(self: Arc<Self>, customer: CustomerKey, launch: Launch<AccessToken>) {
        let span = tracing::debug_span!(
            target: "snap_bi::token",
            "token_fetch",
            cache = "customer",
            customer = customer.as_str()
        );
        let outcome = match &self.shared {
            None => with_timeout(
                self.rules.fetch_timeout,
                self.load_or_refresh(&customer, None),
            )
            .instrument(span.clone())
            .await
            .and_then(Renewed::into_access),
            Some(shared) => {
                self.run_shared(shared, &customer)
                    .instrument(span.clone())
                    .await
            }
        };
        {
            let _entered = span.enter();
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            self.forgotten().remove(&customer);
            if let Some(flight) = flights.get_mut(&customer) {
                flight.finish(
                    (launch.id, launch.started),
                    &outcome,
                    Instant::now(),
                    &self.rules.backoff,
                    &*self.rules.jitter,
                );
                if flight.is_idle() {
                    flights.remove(&customer);
                }
            }
        }
        launch.publish(outcome);
    }

    /// The refresh through the fleet's shared store: adopt the token
    /// another instance stored, or refresh as the fleet's one lock holder
    /// for this customer.
    async fn run_shared(
        &self,
        shared: &Shared<dyn SharedCustomerTokenStore>,
        customer: &CustomerKey,
    ) -> Result<AccessToken, TokenError> {
        // The token being replaced (due, expired or invalidated): the shared
        // copy of it must not be adopted again.
        let replacing = self
            .memory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(customer)
            .map(|t| t.access_token.clone());
        let clock = &self.rules.exchange.clock;
        let outcome = fleet_fetch(
            shared,
            &shared_key(&self.client_id, customer),
            replacing.as_ref(),
            self.rules.margin,
            self.rules.fetch_timeout,
            |found: Option<StoredCustomerToken>| {
                let found = found.map(|f| f.into_token(clock.now()));
                with_timeout(
                    self.rules.fetch_timeout,
                    self.load_or_refresh(customer, found),
                )
            },
            |renewed: &Renewed| StoredCustomerToken::at(&renewed.token, clock.now()),
        )
        .await?;
        match outcome {
            FleetOutcome::Adopted(stored) => {
                let token = stored.into_token(clock.now());
                let access = token.access_token.clone();
                self.remember(customer, token);
                Ok(access)
            }
            FleetOutcome::Fetched(renewed) => renewed.into_access(),
        }
    }

    /// Reads the store (the source of truth), then hands out its token if
    /// still fresh or renews it with the refresh token. `shared` is the
    /// fleet's copy, which may hold a refresh token rotated by another
    /// instance.
    async fn load_or_refresh(
        &self,
        customer: &CustomerKey,
        shared: Option<CustomerToken>,
    ) -> Result<Renewed, TokenError> {
        let stored = self.store.load(customer).await.map_err(TokenError::store)?;
        let remembered = self
            .memory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(customer)
            .cloned();
        let before = remembered.as_ref().map(|r| r.access_token.clone());
        let Some(current) = newest(newest(remembered, stored), shared) else {
            return Err(TokenError::CustomerAuthorizationRequired);
        };
        let now = self.rules.exchange.clock.now();
        let refresh = current.usable_refresh_token(now).cloned();
        let still_valid = !current.access_expired(now);
        if still_valid && (now < current.refresh_at(self.rules.margin) || refresh.is_none()) {
            self.remember(customer, current.clone());
            return Ok(Renewed {
                token: current,
                saved: Ok(()),
            });
        }
        let Some(refresh) = refresh else {
            return Err(TokenError::CustomerAuthorizationRequired);
        };
        let exchanged = self
            .rules
            .exchange
            .run(|signer, ts| signer.refresh(&refresh, ts))
            .await?;
        let mut renewed = CustomerToken::from_exchange(&exchanged);
        if renewed.refresh_token.is_none() {
            // Providers that do not rotate refresh tokens: keep the old one.
            renewed.refresh_token = Some(refresh);
            renewed.refresh_expires_at = current.refresh_expires_at;
        }
        if self.forgotten().contains(customer) {
            // `forget` ran during the refresh: the customer logged out.
            return Err(TokenError::CustomerAuthorizationRequired);
        }
        // An authorization that completed during the refresh is newer than
        // what was refreshed: keep it rather than overwrite it (while it
        // is usable).
        let now = self.rules.exchange.clock.now();
        let authorized = self
            .memory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(customer)
            .filter(|held| Some(&held.access_token) != before.as_ref())
            .filter(|held| !held.access_expired(now))
            .cloned();
        if let Some(token) = authorized {
            return Ok(Renewed {
                token,
                saved: Ok(()),
            });
        }
        Ok(self.save(customer, renewed).await)
    }

    async fn exchange_code(
        &self,
        customer: &CustomerKey,
        auth_code: &str,
    ) -> Result<AccessToken, TokenError> {
        let exchanged = self
            .rules
            .exchange
            .run(|signer, ts| signer.authorization_code(auth_code, ts))
            .await?;
        let renewed = self
            .save(customer, CustomerToken::from_exchange(&exchanged))
            .await;
        if let Some(shared) = &self.shared {
            let stored = StoredCustomerToken::at(&renewed.token, self.rules.exchange.clock.now());
            if let Err(error) = shared
                .store
                .put(&shared_key(&self.client_id, customer), &stored)
                .await
            {
                // The token is good and kept here; the rest of the fleet
                // finds it in `store` when it refreshes.
                tracing::warn!(
                    target: "snap_bi::token",
                    cache = "customer",
                    %error,
                    "storing the authorized token in the shared store failed"
                );
            }
        }
        // A new authorization clears any backoff left by failed refreshes.
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights.get_mut(customer).is_some_and(|f| !f.is_running()) {
            flights.remove(customer);
        }
        renewed.into_access()
    }

    /// Keeps `token` in memory first (so this process can use it even if
    /// the store fails), then in the store.
    async fn save(&self, customer: &CustomerKey, token: CustomerToken) -> Renewed {
        self.remember(customer, token.clone());
        let saved = self
            .store
            .save(customer, &token)
            .await
            .map_err(TokenError::store);
        Renewed { token, saved }
    }

    fn forgotten(&self) -> std::sync::MutexGuard<'_, HashSet<CustomerKey>> {
        self.forgotten
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, customer: &CustomerKey, token: CustomerToken) {
        self.memory
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(customer.clone(), token);
    }

    fn invalidate_in_memory(
        &self,
        customer: &CustomerKey,
        rejected: &AccessToken,
    ) -> Option<CustomerToken> {
        let mut memory = self.memory.write().unwrap_or_else(PoisonError::into_inner);
        let token = memory.get_mut(customer)?;
        if token.access_token != *rejected {
            return None;
        }
        token.access_expires_at = token.access_expires_at.min(token.obtained_at);
        Some(token.clone())
    }
}

/// Which of two views of a customer's tokens to trust: for the same access
/// token the earlier expiry (an invalidation not yet saved), otherwise the
/// more recently obtained (another process may have refreshed).
fn newest(memory: Option<CustomerToken>, stored: Option<CustomerToken>) -> Option<CustomerToken> {
    match (memory, stored) {
        (Some(m), Some(s)) if m.access_token == s.access_token => {
            Some(if m.access_expires_at <= s.access_expires_at {
                m
            } else {
                s
            })
        }
        (Some(m), Some(s)) => Some(if s.obtained_at >= m.obtained_at { s } else { m }),
        (m, s) => m.or(s),
    }
}

impl fmt::Debug for CustomerTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self
            .inner
            .memory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("CustomerTokenCache")
            .field("cached_customers", &cached)
            .field("store", &self.inner.store)
            .field("shared", &self.inner.shared)
            .field("signer", &self.inner.rules.exchange.signer)
            .finish_non_exhaustive()
    }
}

/// One customer's view of a [`CustomerTokenCache`], as a [`TokenSource`].
#[derive(Debug, Clone)]
pub struct CustomerTokenSource {
    cache: CustomerTokenCache,
    customer: CustomerKey,
}

impl CustomerTokenSource {
    /// The customer.
    pub fn customer(&self) -> &CustomerKey {
        &self.customer
    }
}

impl TokenSource for CustomerTokenSource {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.cache.token(&self.customer)
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let inner = &self.cache.inner;
        if let Some(updated) = inner.invalidate_in_memory(&self.customer, rejected) {
            // Persist in the background when possible; until then the
            // in-memory mark wins over the store (see `newest`).
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                let inner = Arc::clone(inner);
                let customer = self.customer.clone();
                handle.spawn(async move {
                    let _ = inner.store.save(&customer, &updated).await;
                });
            }
        }
    }
}

/// Builds a [`CustomerTokenCache`]; see [`CustomerTokenCache::builder`].
#[derive(Debug)]
#[must_use]
pub struct CustomerTokenCacheBuilder {
    signer: TokenRequestSigner,
    store: Arc<dyn CustomerTokenStore>,
    settings: CacheSettings,
    shared: Option<Shared<dyn SharedCustomerTokenStore>>,
}

impl CustomerTokenCacheBuilder {
    /// Where tokens are kept (default: [`InMemoryCustomerTokenStore`]).
    pub fn store(mut self, store: Arc<dyn CustomerTokenStore>) -> Self {
        self.store = store;
        self
    }

    cache_settings_setters!();

    /// Shares customers' tokens with every process using the same `store`
    /// (and client id), with one refresh lock per customer: one refresh
    /// request for the whole fleet at expiry and after an invalidation,
    /// and none at all for instances that find a customer authorized
    /// elsewhere. See [Many instances](crate::token::customer#many-instances). The in-process
    /// cache stays in front (a fresh token never touches `store`), and the
    /// [`store`](Self::store) stays the durable copy.
    pub fn shared_store(
        mut self,
        store: Arc<dyn SharedCustomerTokenStore>,
        settings: SharedTokenSettings,
    ) -> Self {
        self.shared = Some(Shared { store, settings });
        self
    }

    /// The cache, fetching over `service` (any cloneable
    /// `tower::Service<http::Request<Full<Bytes>>>`).
    pub fn build<S, B>(self, service: S) -> CustomerTokenCache
    where
        S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        CustomerTokenCache {
            inner: Arc::new(Inner {
                memory: RwLock::new(HashMap::new()),
                flights: Mutex::new(HashMap::new()),
                forgotten: Mutex::new(HashSet::new()),
                store: self.store,
                shared: self.shared,
                client_id: self.signer.client_id().to_owned(),
                rules: self
                    .settings
                    .into_rules(Arc::new(ServiceTransport::new(service)), self.signer),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
