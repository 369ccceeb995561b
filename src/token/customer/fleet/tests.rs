//! The customer cache's fleet logic against an in-memory shared store
//! (paused Tokio time; each cache is one "instance" with its own durable
//! store).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

use super::*;
use crate::token::tests::support::{Provider, join_all, signer};
use crate::token::{
    CustomerTokenCache, FixedJitter, InMemoryCustomerTokenStore, SharedTokenSettings, TokenError,
    TokioClock, WhenStoreUnreachable,
};

const ISSUED: &str = r#"{"responseCode":"2007400","accessToken":"c-{n}","tokenType":"Bearer","expiresIn":"900","refreshToken":"r-{n}","refreshTokenExpiryTime":"2024-09-11T06:24:42Z"}"#;

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_725_949_482, 0).unwrap()
}

/// Redis's semantics in memory: entries expire with the longer-lived
/// token, locks with their TTL; `down` makes every call fail.
#[derive(Debug, Default)]
struct FakeShared {
    entries: Mutex<HashMap<String, (StoredCustomerToken, Instant)>>,
    locks: Mutex<HashMap<String, (String, Instant)>>,
    down: AtomicBool,
}

impl FakeShared {
    fn check(&self) -> Result<(), SharedStoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(SharedStoreError::new("connection refused"))
        } else {
            Ok(())
        }
    }

    fn entry(&self, key: &str) -> Option<StoredCustomerToken> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (stored, written) = entries.get(key)?;
        let elapsed = written.elapsed();
        let ttl = stored
            .remaining
            .max(stored.refresh_remaining.unwrap_or_default());
        (elapsed < ttl).then(|| StoredCustomerToken {
            remaining: stored.remaining.saturating_sub(elapsed),
            refresh_remaining: stored.refresh_remaining.map(|r| r.saturating_sub(elapsed)),
            ..stored.clone()
        })
    }

    fn held_by(&self, key: &str, fencing: &str) -> bool {
        let locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        locks
            .get(key)
            .is_some_and(|(f, until)| f == fencing && Instant::now() < *until)
    }

    fn store(&self, key: &str, token: &StoredCustomerToken) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), (token.clone(), Instant::now()));
    }

    fn unlock(&self, key: &str) {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

impl SharedCustomerTokenStore for FakeShared {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredCustomerToken>, SharedStoreError>> {
        Box::pin(async move { self.check().map(|()| self.entry(key)) })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            self.check()?;
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if locks.get(key).is_some_and(|(_, until)| now < *until) {
                return Ok(false);
            }
            locks.insert(key.to_owned(), (fencing.to_owned(), now + ttl));
            Ok(true)
        })
    }

    fn put_and_release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
        token: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            self.check()?;
            if !self.held_by(key, fencing) {
                return Ok(false);
            }
            self.store(key, token);
            self.unlock(key);
            Ok(true)
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredCustomerToken,
    ) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move {
            self.check()?;
            self.store(key, token);
            Ok(())
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        fencing: &'a str,
    ) -> BoxFuture<'a, Result<bool, SharedStoreError>> {
        Box::pin(async move {
            self.check()?;
            let held = self.held_by(key, fencing);
            if held {
                self.unlock(key);
            }
            Ok(held)
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), SharedStoreError>> {
        Box::pin(async move {
            self.check()?;
            self.entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(key);
            Ok(())
        })
    }
}

/// `n` instances, each with its own durable store, sharing `shared`.
fn fleet(
    n: usize,
    provider: &Provider,
    shared: &Arc<FakeShared>,
    settings: SharedTokenSettings,
) -> Vec<CustomerTokenCache> {
    (0..n)
        .map(|_| {
            CustomerTokenCache::builder(signer().unwrap())
                .store(Arc::new(InMemoryCustomerTokenStore::new()))
                .clock(Arc::new(TokioClock::starting_at(start())))
                .jitter(Arc::new(FixedJitter::new(0.0)))
                .shared_store(Arc::clone(shared) as _, settings)
                .build(provider.service())
        })
        .collect()
}

/// Every instance asks `callers` times at once; the tokens handed out.
async fn stampede(fleet: &[CustomerTokenCache], customer: &CustomerKey) -> Vec<String> {
    let calls = fleet
        .iter()
        .flat_map(|cache| (0..10).map(|_| cache.token(customer)))
        .collect();
    join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().expose_secret().to_owned())
        .collect()
}

fn all(tokens: &[String], expected: &str) -> bool {
    tokens.iter().all(|t| t == expected)
}

#[tokio::test(start_paused = true)]
async fn an_authorization_on_one_instance_serves_the_fleet_and_expiry_refreshes_once() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::from_millis(50));
    let shared = Arc::new(FakeShared::default());
    let fleet = fleet(4, &provider, &shared, SharedTokenSettings::default());
    let alice = CustomerKey::new("alice");
    fleet[0].authorize(&alice, "code").await.unwrap();
    assert!(all(&stampede(&fleet, &alice).await, "c-1"));
    assert_eq!(provider.count(), 1);

    tokio::time::advance(Duration::from_secs(901)).await;
    assert!(all(&stampede(&fleet, &alice).await, "c-2"));
    assert_eq!(provider.count(), 2);
    assert!(provider.bodies()[1].contains(r#""refreshToken":"r-1""#));

    // The next refresh spends the rotated token, whoever holds the lock.
    tokio::time::advance(Duration::from_secs(901)).await;
    assert!(all(&stampede(&fleet, &alice).await, "c-3"));
    assert_eq!(provider.count(), 3);
    assert!(provider.bodies()[2].contains(r#""refreshToken":"r-2""#));
}

#[tokio::test(start_paused = true)]
async fn a_lagging_instance_refreshes_with_the_fleets_rotated_refresh_token() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let shared = Arc::new(FakeShared::default());
    let fleet = fleet(2, &provider, &shared, SharedTokenSettings::default());
    let alice = CustomerKey::new("alice");
    fleet[0].authorize(&alice, "code").await.unwrap();
    assert_eq!(fleet[1].token(&alice).await.unwrap().expose_secret(), "c-1");
    tokio::time::advance(Duration::from_secs(901)).await;
    // Instance 0 refreshes (r-1 is spent); instance 1 still holds c-1/r-1.
    assert_eq!(fleet[0].token(&alice).await.unwrap().expose_secret(), "c-2");
    tokio::time::advance(Duration::from_secs(901)).await;
    // c-2 has expired too: instance 1 must refresh with r-2, not r-1.
    assert_eq!(fleet[1].token(&alice).await.unwrap().expose_secret(), "c-3");
    assert_eq!(provider.count(), 3);
    assert!(provider.bodies()[2].contains(r#""refreshToken":"r-2""#));
}

#[tokio::test(start_paused = true)]
async fn an_invalidation_seen_by_every_instance_refreshes_once() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::from_millis(50));
    let shared = Arc::new(FakeShared::default());
    let fleet = fleet(4, &provider, &shared, SharedTokenSettings::default());
    let alice = CustomerKey::new("alice");
    let first = fleet[0].authorize(&alice, "code").await.unwrap();
    assert!(all(&stampede(&fleet, &alice).await, "c-1"));
    for cache in &fleet[..2] {
        cache.invalidate(&alice, &first).await.unwrap();
    }
    assert!(all(&stampede(&fleet[..2], &alice).await, "c-2"));
    // The others see the rejection later: they adopt c-2.
    for cache in &fleet[2..] {
        cache.invalidate(&alice, &first).await.unwrap();
    }
    assert!(all(&stampede(&fleet, &alice).await, "c-2"));
    assert_eq!(provider.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_dead_lock_holder_blocks_the_customer_at_most_the_lock_ttl() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let shared = Arc::new(FakeShared::default());
    let lock_ttl = Duration::from_secs(3);
    let fleet = fleet(
        2,
        &provider,
        &shared,
        SharedTokenSettings::default().lock_ttl(lock_ttl),
    );
    let alice = CustomerKey::new("alice");
    fleet[0].authorize(&alice, "code").await.unwrap();
    assert_eq!(fleet[1].token(&alice).await.unwrap().expose_secret(), "c-1");
    tokio::time::advance(Duration::from_secs(901)).await;
    // A holder that died: its lock stays until the TTL.
    let key = shared_key(signer().unwrap().client_id(), &alice);
    assert!(
        SharedCustomerTokenStore::try_lock(&*shared, &key, "dead", lock_ttl)
            .await
            .unwrap()
    );
    let waited = Instant::now();
    assert_eq!(fleet[1].token(&alice).await.unwrap().expose_secret(), "c-2");
    let waited = waited.elapsed();
    assert!(
        waited >= lock_ttl && waited <= lock_ttl + Duration::from_millis(200),
        "{waited:?}"
    );
    assert_eq!(provider.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_store_falls_back_or_fails_closed_per_policy() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let shared = Arc::new(FakeShared::default());
    let falling_back = fleet(1, &provider, &shared, SharedTokenSettings::default());
    let closed = fleet(
        1,
        &provider,
        &shared,
        SharedTokenSettings::default().when_unreachable(WhenStoreUnreachable::FailClosed),
    );
    let alice = CustomerKey::new("alice");
    falling_back[0].authorize(&alice, "code").await.unwrap();
    assert_eq!(
        closed[0].token(&alice).await.unwrap().expose_secret(),
        "c-1"
    );
    shared.down.store(true, Ordering::SeqCst);
    // Fresh local tokens do not need the store.
    assert_eq!(
        closed[0].token(&alice).await.unwrap().expose_secret(),
        "c-1"
    );
    tokio::time::advance(Duration::from_secs(901)).await;
    assert!(matches!(
        closed[0].token(&alice).await,
        Err(TokenError::SharedStore(_))
    ));
    assert_eq!(provider.count(), 1);
    assert_eq!(
        falling_back[0].token(&alice).await.unwrap().expose_secret(),
        "c-2"
    );
    assert_eq!(provider.count(), 2);
    // A logout that cannot reach the fleet's copy is an error.
    assert!(matches!(
        falling_back[0].forget(&alice).await,
        Err(TokenError::SharedStore(_))
    ));
    shared.down.store(false, Ordering::SeqCst);
    falling_back[0].forget(&alice).await.unwrap();
    assert!(
        shared
            .entry(&shared_key(signer().unwrap().client_id(), &alice))
            .is_none()
    );
}

#[test]
fn keys_escape_separators_so_customers_cannot_collide() {
    assert_eq!(
        shared_key("client", &CustomerKey::new("alice")),
        "b2b2c:client:alice"
    );
    let tricky = shared_key("c:1", &CustomerKey::new("a%b:lock"));
    assert_eq!(tricky, "b2b2c:c%3A1:a%25b%3Alock");
    // Customer "x:lock" is not customer "x"'s lock.
    assert_ne!(
        shared_key("c", &CustomerKey::new("x:lock")),
        format!("{}:lock", shared_key("c", &CustomerKey::new("x")))
    );
}

#[test]
fn the_stored_view_counts_durations_and_converts_back_to_the_local_clock() {
    let t0 = start();
    let token = CustomerToken::new(
        AccessToken::new("c-1").unwrap(),
        t0,
        t0 + TimeDelta::seconds(900),
    )
    .with_refresh_token(
        RefreshToken::new("r 1").unwrap(),
        Some(t0 + TimeDelta::days(1)),
    );
    let stored = StoredCustomerToken::at(&token, t0 + TimeDelta::seconds(100));
    assert_eq!(stored.lifetime, Duration::from_secs(900));
    assert_eq!(stored.remaining, Duration::from_secs(800));
    assert_eq!(stored.refresh_remaining, Some(Duration::from_secs(86_300)));
    assert!(!format!("{stored:?}").contains("c-1"));
    // Another machine whose clock is an hour ahead sees the same lifetimes.
    let skewed = t0 + TimeDelta::seconds(3_700);
    let local = stored.into_token(skewed);
    assert_eq!(local.access_expires_at(), skewed + TimeDelta::seconds(800));
    assert_eq!(local.obtained_at(), skewed - TimeDelta::seconds(100));
    assert_eq!(
        local.refresh_expires_at(),
        Some(skewed + TimeDelta::seconds(86_300))
    );
    assert_eq!(local.refresh_token().unwrap().expose_secret(), "r 1");
}
