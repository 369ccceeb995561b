//! Customer tokens shared by a fleet: the store seam and the conversions
//! between the cache's wall-clock view and the store's durations.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{CustomerKey, CustomerToken, add};
use crate::token::shared::{FleetEntry, FleetStore, SharedStoreError};
use crate::token::{AccessToken, BoxFuture, RefreshToken};

/// A customer's tokens as a [`SharedCustomerTokenStore`] holds them:
/// durations counted by the store rather than wall-clock times, so that
/// machines' clock skew does not matter. `Debug` redacts the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCustomerToken {
    /// The access token.
    pub access_token: AccessToken,
    /// Its whole lifetime as issued (for the refresh margin).
    pub lifetime: Duration,
    /// How long it remains valid.
    pub remaining: Duration,
    /// The refresh token, if the provider issued one.
    pub refresh_token: Option<RefreshToken>,
    /// How long the refresh token remains valid (`None`: no known expiry).
    pub refresh_remaining: Option<Duration>,
}

impl StoredCustomerToken {
    /// The stored view of `token` at `now` (the cache's clock).
    pub(super) fn at(token: &CustomerToken, now: DateTime<Utc>) -> Self {
        let until = |at: DateTime<Utc>| at.signed_duration_since(now).to_std().unwrap_or_default();
        Self {
            access_token: token.access_token.clone(),
            lifetime: token
                .access_expires_at
                .signed_duration_since(token.obtained_at)
                .to_std()
                .unwrap_or_default(),
            remaining: until(token.access_expires_at),
            refresh_token: token.refresh_token.clone(),
            refresh_remaining: token.refresh_expires_at.map(until),
        }
    }

    /// The cache's view of this entry at `now` (the cache's clock): the
    /// remaining lifetimes, counted from `now`.
    pub(super) fn into_token(self, now: DateTime<Utc>) -> CustomerToken {
        let access_expires_at = add(now, self.remaining);
        let age = self.lifetime.saturating_sub(self.remaining);
        let obtained_at = chrono::TimeDelta::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
            .unwrap_or(now);
        CustomerToken {
            access_token: self.access_token,
            obtained_at,
            access_expires_at,
            refresh_token: self.refresh_token,
            refresh_expires_at: self.refresh_remaining.map(|r| add(now, r)),
        }
    }
}

impl FleetEntry for StoredCustomerToken {
    fn token(&self) -> &AccessToken {
        &self.access_token
    }

    fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn remaining(&self) -> Duration {
        self.remaining
    }
}

/// Where a fleet keeps its customers' tokens and one refresh lock per
/// customer, so that one instance refreshes a customer's token at a time:
/// providers that rotate refresh tokens (single use) would otherwise see
/// the second instance's refresh with a spent token.
///
/// `key` names one customer of one client
/// (`b2b2c:<client id>:<customer key>`, `%` and `:` percent-encoded in
/// both parts); the store namespaces it and derives the lock's key from it.
/// Every method is one round trip with a timeout. Redis:
/// [`RedisStore::customer_token_store`](crate::redis_store::RedisStore::customer_token_store)
/// (feature `redis`).
pub trait SharedCustomerTokenStore: Send + Sync + fmt::Debug {
    /// The stored tokens, if the entry has not expired.
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredCustomerToken>, SharedStoreError>>;

    /// Takes the refresh lock for `ttl` with the random `fencing` value, if
    /// nobody holds it. `true` when taken.
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    /// Stores `token` and releases the lock, both only if the lock is
    /// still held with `fencing`. `true` when stored.
    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        token: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    /// Stores `token` without the lock: a new authorization, which does not
    /// spend a refresh token.
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>>;

    /// Releases the lock if it is still held with `fencing`. `true` when
    /// released.
    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>>;

    /// Forgets the customer's tokens (logout, unbinding).
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), SharedStoreError>>;
}

impl FleetStore for dyn SharedCustomerTokenStore + '_ {
    type Entry = StoredCustomerToken;
    const CACHE: &'static str = "customer";

    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredCustomerToken>, SharedStoreError>> {
        SharedCustomerTokenStore::get(self, key)
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        SharedCustomerTokenStore::try_lock(self, key, fencing, ttl)
    }

    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        entry: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        SharedCustomerTokenStore::put_and_release(self, key, fencing, entry)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        SharedCustomerTokenStore::release(self, key, fencing)
    }
}

/// `b2b2c:<client id>:<customer key>`, with `%` and `:` percent-encoded in
/// both parts: no customer key can then name another client's customer, or
/// another customer's lock (`<key>:lock`).
pub(super) fn shared_key(client_id: &str, customer: &CustomerKey) -> String {
    let mut key = String::from("b2b2c:");
    escape_into(&mut key, client_id);
    key.push(':');
    escape_into(&mut key, customer.as_str());
    key
}

fn escape_into(out: &mut String, part: &str) {
    for c in part.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
