//! Many instances on Redis: one B2B token per client for a whole fleet,
//! customers' tokens refreshed once per customer fleet-wide, and replay
//! protection shared by every server (feature `redis`).
//!
//! [`RedisStore`] is one connection (redis-rs's `ConnectionManager`, which
//! reconnects by itself) and a key prefix. From it come
//!
//! - [`RedisTokenStore`], a [`SharedTokenStore`](crate::token::SharedTokenStore)
//!   for [`B2bTokenCacheBuilder::shared_store`](crate::token::B2bTokenCacheBuilder::shared_store):
//!   keys `<prefix>b2b:<client id>` (value `<lifetime ms> <token>`, expiring
//!   with the token) and `<prefix>b2b:<client id>:lock` (a random fencing
//!   value, `SET … NX PX <lock TTL>`, released by a compare-and-delete
//!   script);
//! - [`RedisCustomerTokenStore`], a
//!   [`SharedCustomerTokenStore`](crate::token::SharedCustomerTokenStore) for
//!   [`CustomerTokenCacheBuilder::shared_store`](crate::token::CustomerTokenCacheBuilder::shared_store):
//!   keys `<prefix>b2b2c:<client id>:<customer key>` (the customer's access
//!   and refresh tokens with their remaining lifetimes, expiring with the
//!   longer-lived of the two) and `…:lock` (one refresh lock per customer,
//!   as above);
//! - [`RedisReplayStore`], a [`ReplayStore`](crate::server::ReplayStore):
//!   `SET <prefix>xid:<Jakarta day>:<partner id length>:<partner id>:<external id> 1 NX EXAT <keep until>`,
//!   one round trip per request, gone by itself after the day (plus the
//!   timestamp window).
//!
//! **What is stored:** token values (B2B access tokens, customers' access
//! and refresh tokens) are the only secret; Redis must be
//! treated like the place the client secret lives (a private network,
//! `requirepass`/ACLs, TLS where it crosses hosts). Replay keys hold partner
//! ids and external ids, no secrets. The default prefix is `snap-bi:`.
//!
//! Every command has a timeout (the response timeout, default 1 s), and a
//! connection attempt its own (default 1 s).
//!
//! ```no_run
//! use std::sync::Arc;
//! use snap_bi::redis_store::RedisStore;
//! use snap_bi::token::{
//!     B2bTokenCache, CustomerKey, CustomerTokenCache, SharedTokenSettings, TokenRequestSigner,
//! };
//! # async fn demo(signer: TokenRequestSigner) -> Result<(), Box<dyn std::error::Error>> {
//! let redis = RedisStore::builder("redis://127.0.0.1:6379/").prefix("shop-a:").build()?;
//! let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
//!     .build_http::<http_body_util::Full<bytes::Bytes>>();
//! let cache = B2bTokenCache::builder(signer.clone())
//!     .shared_store(Arc::new(redis.token_store()), SharedTokenSettings::default())
//!     .build(http.clone());
//! // B2B2C: a customer authorized on one instance is served by all of them,
//! // and refreshed by one of them at a time.
//! let customers = CustomerTokenCache::builder(signer)
//!     .shared_store(Arc::new(redis.customer_token_store()), SharedTokenSettings::default())
//!     .build(http);
//! let token = customers.token(&CustomerKey::new("alice")).await?;
//! # Ok(()) }
//! ```

mod customer;
mod replay;
mod token;

pub use customer::RedisCustomerTokenStore;
pub use replay::{RedisReplayStore, ReplayWhenUnreachable};
pub use token::RedisTokenStore;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Redis could not be used: a bad URL, no Tokio runtime, a connection or
/// command failure, a timeout, or an entry this crate did not write.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RedisStoreError {
    /// The URL is not a Redis URL (`redis://HOST:PORT/` …).
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(#[source] redis::RedisError),
    /// The store needs a Tokio runtime.
    #[error("the Redis store needs a Tokio runtime")]
    NoRuntime,
    /// A command failed (connection refused, reset, server error).
    #[error("Redis command failed: {0}")]
    Command(#[source] redis::RedisError),
    /// A command did not complete within the timeout.
    #[error("Redis command timed out after {0:?}")]
    Timeout(Duration),
    /// An entry under our key has a shape this crate never writes.
    #[error("malformed entry in Redis under the configured prefix")]
    Malformed,
}

/// One Redis connection (reconnecting by itself) and a key prefix; cheap to
/// clone. See the [module docs](self).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    timeout: Duration,
}

impl RedisStore {
    /// Default key prefix.
    pub const DEFAULT_PREFIX: &'static str = "snap-bi:";

    /// Starts a builder for the server at `url` (`redis://HOST:PORT/DB`,
    /// `redis://:PASSWORD@HOST:PORT/`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            response_timeout: Duration::from_secs(1),
            connection_timeout: Duration::from_secs(1),
        }
    }

    /// The fleet-wide token store on this connection.
    pub fn token_store(&self) -> RedisTokenStore {
        RedisTokenStore::new(self.clone())
    }

    /// The fleet-wide store of customers' (B2B2C) tokens on this
    /// connection.
    pub fn customer_token_store(&self) -> RedisCustomerTokenStore {
        RedisCustomerTokenStore::new(self.clone())
    }

    /// The shared replay store on this connection (fails closed when Redis
    /// is unreachable).
    pub fn replay_store(&self) -> RedisReplayStore {
        RedisReplayStore::new(self.clone())
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `PING`: whether the server answers now.
    ///
    /// # Errors
    /// [`RedisStoreError::Command`] or [`RedisStoreError::Timeout`].
    pub async fn ping(&self) -> Result<(), RedisStoreError> {
        self.run(redis::cmd("PING")).await.map(|_: String| ())
    }

    fn key(&self, name: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + name.len());
        key.push_str(&self.prefix);
        key.push_str(name);
        key
    }

    /// Runs one command with the store's timeout.
    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, RedisStoreError> {
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout, cmd.query_async(&mut conn))
            .await
            .map_err(|_| RedisStoreError::Timeout(self.timeout))?
            .map_err(RedisStoreError::Command)
    }

    /// Runs a script with the store's timeout.
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, RedisStoreError> {
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout, invocation.invoke_async(&mut conn))
            .await
            .map_err(|_| RedisStoreError::Timeout(self.timeout))?
            .map_err(RedisStoreError::Command)
    }
}

impl fmt::Debug for RedisStore {
    /// The prefix only: the URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RedisStore`]; see [`RedisStore::builder`].
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    response_timeout: Duration,
    connection_timeout: Duration,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("prefix", &self.prefix)
            .field("response_timeout", &self.response_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// The prefix of every key (default `snap-bi:`), so that several
    /// applications or environments can share one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one command may take, connection included (default 1 s).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How long one connection attempt may take (default 1 s).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// The store. It connects lazily, on the first command, and reconnects
    /// after failures; a Redis that is down at start-up is a command error
    /// later (which the token cache and the replay store handle by their
    /// policy), not a build error.
    ///
    /// # Errors
    /// [`RedisStoreError::InvalidUrl`], or [`RedisStoreError::NoRuntime`]
    /// outside a Tokio runtime.
    pub fn build(self) -> Result<RedisStore, RedisStoreError> {
        tokio::runtime::Handle::try_current().map_err(|_| RedisStoreError::NoRuntime)?;
        let client = redis::Client::open(self.url.as_str()).map_err(RedisStoreError::InvalidUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.response_timeout))
            .set_connection_timeout(Some(self.connection_timeout))
            // Reconnection runs in the background; a command fails fast
            // rather than waiting for many attempts.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(RedisStoreError::InvalidUrl)?;
        Ok(RedisStore {
            conn,
            prefix: Arc::from(self.prefix),
            timeout: self
                .response_timeout
                .saturating_add(self.connection_timeout),
        })
    }
}

#[cfg(test)]
mod tests;
