//! The fleet-wide token store on Redis.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use super::{RedisStore, RedisStoreError};
use crate::token::{AccessToken, BoxFuture, SharedStoreError, SharedTokenStore, StoredToken};

/// The value and its remaining lifetime in one atomic step.
static GET: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}",
    )
});

/// Store the token and release the lock, only while holding it.
static PUT_AND_RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1",
    )
});

/// Compare-and-delete: only the holder releases its lock. (Redis 7.0 has
/// no `DELEX`, hence a script.)
static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0",
    )
});

/// A [`SharedTokenStore`] on Redis; see the [module docs](super). Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct RedisTokenStore {
    store: RedisStore,
}

impl RedisTokenStore {
    pub(super) fn new(store: RedisStore) -> Self {
        Self { store }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredToken>, RedisStoreError> {
        let Some((value, remaining_ms)) = get_with_ttl(&self.store, key).await? else {
            return Ok(None);
        };
        let (lifetime_ms, token) = value.split_once(' ').ok_or(RedisStoreError::Malformed)?;
        let lifetime_ms: u64 = lifetime_ms
            .parse()
            .map_err(|_| RedisStoreError::Malformed)?;
        let token = AccessToken::new(token).map_err(|_| RedisStoreError::Malformed)?;
        Ok(Some(StoredToken {
            token,
            lifetime: Duration::from_millis(lifetime_ms),
            remaining: Duration::from_millis(remaining_ms),
        }))
    }

    async fn put_and_release(
        &self,
        key: &str,
        fencing: &str,
        token: &AccessToken,
        lifetime: Duration,
        remaining: Duration,
    ) -> Result<bool, RedisStoreError> {
        let value = format!("{} {}", millis(lifetime), token.expose_secret());
        put_and_release(&self.store, key, fencing, value, millis(remaining)).await
    }
}

/// The value under `key` and how many milliseconds it has left, read in
/// one atomic step; `None` when absent or without an expiry (never written
/// by this crate).
pub(super) async fn get_with_ttl(
    store: &RedisStore,
    key: &str,
) -> Result<Option<(String, u64)>, RedisStoreError> {
    let entry: Option<(String, i64)> = store.invoke(&GET.key(store.key(key))).await?;
    // PTTL is -1 without an expiry and -2 when gone.
    Ok(entry.and_then(|(value, pttl)| u64::try_from(pttl).ok().map(|ttl| (value, ttl))))
}

/// `SET <lock> <fencing> NX PX <ttl>`: `true` when taken.
pub(super) async fn try_lock(
    store: &RedisStore,
    key: &str,
    fencing: &str,
    ttl: Duration,
) -> Result<bool, RedisStoreError> {
    let mut cmd = redis::cmd("SET");
    cmd.arg(lock_key(store, key))
        .arg(fencing)
        .arg("NX")
        .arg("PX")
        .arg(millis(ttl).max(1));
    let taken: Option<String> = store.run(cmd).await?;
    Ok(taken.is_some())
}

/// Stores `value` for `ttl_ms` and releases the lock, only while holding
/// it with `fencing`. A value with no time left is not stored.
pub(super) async fn put_and_release(
    store: &RedisStore,
    key: &str,
    fencing: &str,
    value: String,
    ttl_ms: u64,
) -> Result<bool, RedisStoreError> {
    if ttl_ms == 0 {
        // Already expired: nothing worth sharing.
        return release(store, key, fencing).await;
    }
    let stored: i64 = store
        .invoke(
            PUT_AND_RELEASE
                .key(store.key(key))
                .key(lock_key(store, key))
                .arg(fencing)
                .arg(value)
                .arg(ttl_ms),
        )
        .await?;
    Ok(stored == 1)
}

/// Compare-and-delete of the lock: `true` when released.
pub(super) async fn release(
    store: &RedisStore,
    key: &str,
    fencing: &str,
) -> Result<bool, RedisStoreError> {
    let released: i64 = store
        .invoke(RELEASE.key(lock_key(store, key)).arg(fencing))
        .await?;
    Ok(released == 1)
}

fn lock_key(store: &RedisStore, key: &str) -> String {
    let mut lock = store.key(key);
    lock.push_str(":lock");
    lock
}

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn shared(error: RedisStoreError) -> SharedStoreError {
    SharedStoreError::new(Arc::new(error))
}

impl SharedTokenStore for RedisTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredToken>, SharedStoreError>> {
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
        token: &'a AccessToken,
        lifetime: Duration,
        remaining: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            self.put_and_release(key, fencing, token, lifetime, remaining)
                .await
                .map_err(shared)
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move { release(&self.store, key, fencing).await.map_err(shared) })
    }
}

#[cfg(test)]
pub(super) fn lock_key_for_tests(store: &RedisStore, key: &str) -> String {
    lock_key(store, key)
}
