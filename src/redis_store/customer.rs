//! Customers' tokens for a fleet on Redis.

use std::time::Duration;

use super::token::{get_with_ttl, millis, put_and_release, release, shared, try_lock};
use super::{RedisStore, RedisStoreError};
use crate::token::{
    AccessToken, BoxFuture, RefreshToken, SharedCustomerTokenStore, SharedStoreError,
    StoredCustomerToken,
};

/// A [`SharedCustomerTokenStore`] on Redis; see the [module docs](super).
/// Cheap to clone.
///
/// One entry per customer, `<ttl ms> <lifetime ms> <remaining ms> <refresh
/// remaining ms or -> <access token>[ <refresh token>]`, expiring (`PX`)
/// with the longer-lived of the two tokens (the access token's lifetime
/// when the refresh token's expiry is unknown). The remaining times are
/// counted from the write; a reader subtracts what the key's `PTTL` says
/// has elapsed since, so only Redis's clock is involved.
#[derive(Debug, Clone)]
pub struct RedisCustomerTokenStore {
    store: RedisStore,
}

impl RedisCustomerTokenStore {
    pub(super) fn new(store: RedisStore) -> Self {
        Self { store }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredCustomerToken>, RedisStoreError> {
        let Some((value, pttl)) = get_with_ttl(&self.store, key).await? else {
            return Ok(None);
        };
        decode(&value, pttl).map(Some)
    }

    async fn put(&self, key: &str, token: &StoredCustomerToken) -> Result<(), RedisStoreError> {
        let (value, ttl) = encode(token);
        if ttl == 0 {
            return Ok(());
        }
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.store.key(key)).arg(value).arg("PX").arg(ttl);
        self.store.run::<()>(cmd).await
    }

    async fn remove(&self, key: &str) -> Result<(), RedisStoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.store.key(key));
        self.store.run::<()>(cmd).await
    }
}

/// The entry and its `PX`.
fn encode(token: &StoredCustomerToken) -> (String, u64) {
    let remaining = millis(token.remaining);
    let refresh_remaining = token.refresh_remaining.map(millis);
    let ttl = remaining.max(refresh_remaining.unwrap_or(0));
    let mut value = format!(
        "{ttl} {} {remaining} {} {}",
        millis(token.lifetime),
        refresh_remaining.map_or_else(|| "-".to_owned(), |r| r.to_string()),
        token.access_token.expose_secret()
    );
    if let Some(refresh) = &token.refresh_token {
        value.push(' ');
        value.push_str(refresh.expose_secret());
    }
    (value, ttl)
}

/// The entry as of now, `pttl` milliseconds before it expires.
fn decode(value: &str, pttl: u64) -> Result<StoredCustomerToken, RedisStoreError> {
    // The refresh token comes last: it is the one value that may hold spaces.
    let mut parts = value.splitn(6, ' ');
    let mut next = || parts.next().ok_or(RedisStoreError::Malformed);
    let number = |s: &str| s.parse::<u64>().map_err(|_| RedisStoreError::Malformed);
    let ttl = number(next()?)?;
    let lifetime = number(next()?)?;
    let remaining = number(next()?)?;
    let refresh_remaining = match next()? {
        "-" => None,
        r => Some(number(r)?),
    };
    let access_token = AccessToken::new(next()?).map_err(|_| RedisStoreError::Malformed)?;
    let refresh_token = parts
        .next()
        .map(|r| RefreshToken::new(r).map_err(|_| RedisStoreError::Malformed))
        .transpose()?;
    let elapsed = ttl.saturating_sub(pttl);
    let left = |ms: u64| Duration::from_millis(ms.saturating_sub(elapsed));
    Ok(StoredCustomerToken {
        access_token,
        lifetime: Duration::from_millis(lifetime),
        remaining: left(remaining),
        refresh_token,
        refresh_remaining: refresh_remaining.map(left),
    })
}

impl SharedCustomerTokenStore for RedisCustomerTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredCustomerToken>, SharedStoreError>> {
        Box::pin(async move { self.get(key).await.map_err(shared) })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            try_lock(&self.store, key, fencing, ttl)
                .await
                .map_err(shared)
        })
    }

    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        token: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            let (value, ttl) = encode(token);
            put_and_release(&self.store, key, fencing, value, ttl)
                .await
                .map_err(shared)
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move { self.put(key, token).await.map_err(shared) })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move { release(&self.store, key, fencing).await.map_err(shared) })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move { self.remove(key).await.map_err(shared) })
    }
}

#[cfg(test)]
pub(super) fn round_trip_for_tests(
    token: &StoredCustomerToken,
    elapsed_ms: u64,
) -> Result<StoredCustomerToken, RedisStoreError> {
    let (value, ttl) = encode(token);
    decode(&value, ttl.saturating_sub(elapsed_ms))
}
