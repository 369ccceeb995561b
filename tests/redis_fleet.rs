#![cfg(all(feature = "redis", feature = "hyper"))]
//! A fleet of B2B token caches sharing one Redis, against a real token
//! endpoint on 127.0.0.1. Every instance has its own `RedisStore` (its own
//! connection manager), as separate processes would.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use snap_bi::RsaPrivateKey;
use snap_bi::redis_store::RedisStore;
use snap_bi::token::{
    B2bTokenCache, SharedTokenSettings, TokenError, TokenRequestSigner, TokenSource,
    WhenStoreUnreachable,
};
use support::redis::{TestRedis, unique_prefix};
use support::token_server::{
    Behavior, CLIENT_ID, ExpiresIn, PRIVATE_PEM, TokenServer, http_client,
};

const INSTANCES: usize = 8;
const CALLERS: usize = 200;

fn instance(
    server: &TokenServer,
    redis_url: &str,
    prefix: &str,
    settings: SharedTokenSettings,
) -> B2bTokenCache {
    let signer =
        TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap())
            .base_url(server.base_url())
            .build()
            .unwrap();
    let store = RedisStore::builder(redis_url)
        .prefix(prefix)
        .response_timeout(Duration::from_millis(300))
        .connection_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    B2bTokenCache::builder(signer)
        .shared_store(Arc::new(store.token_store()), settings)
        .build(http_client())
}

fn fleet(
    server: &TokenServer,
    redis: &TestRedis,
    settings: SharedTokenSettings,
) -> Vec<B2bTokenCache> {
    let prefix = unique_prefix();
    (0..INSTANCES)
        .map(|_| instance(server, &redis.url, &prefix, settings))
        .collect()
}

/// `CALLERS` concurrent `token()` calls on every instance; the distinct
/// tokens handed out.
async fn stampede(fleet: &[B2bTokenCache]) -> HashSet<String> {
    let mut tasks = Vec::new();
    for cache in fleet {
        for _ in 0..CALLERS {
            let cache = cache.clone();
            tasks.push(tokio::spawn(async move { cache.token().await }));
        }
    }
    let mut tokens = HashSet::new();
    for task in tasks {
        tokens.insert(task.await.unwrap().unwrap().expose_secret().to_owned());
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cold_start_of_8_instances_x_200_callers_sends_one_token_request() {
    let redis = TestRedis::any();
    let server = TokenServer::start().await;
    let fleet = fleet(&server, &redis, SharedTokenSettings::default());
    assert_eq!(stampede(&fleet).await, HashSet::from(["tok-1".to_owned()]));
    assert_eq!(server.requests(), 1);
    // The hot path: fresh local tokens, nothing more is asked.
    assert_eq!(stampede(&fleet).await.len(), 1);
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_causes_exactly_one_refresh_fleet_wide() {
    let redis = TestRedis::any();
    // 31 s: the shortest lifetime the cache takes (token::MIN_LIFETIME is
    // 30 s); refresh-ahead starts 3.1 s before expiry.
    let server = TokenServer::start_with(Behavior::issue(31)).await;
    let fleet = fleet(&server, &redis, SharedTokenSettings::default());
    assert_eq!(stampede(&fleet).await, HashSet::from(["tok-1".to_owned()]));
    // Past the refresh point: every instance sees its token due.
    tokio::time::sleep(Duration::from_millis(28_500)).await;
    let tokens = stampede(&fleet).await;
    // Callers in the refresh window may still get tok-1 while tok-2 is fetched.
    assert!(
        tokens.iter().all(|t| t == "tok-1" || t == "tok-2"),
        "{tokens:?}"
    );
    // Past the old token's expiry: everyone has the one new token.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    assert_eq!(stampede(&fleet).await, HashSet::from(["tok-2".to_owned()]));
    assert_eq!(server.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invalidation_seen_by_all_8_instances_causes_one_refetch() {
    let redis = TestRedis::any();
    let server = TokenServer::start().await;
    let fleet = fleet(&server, &redis, SharedTokenSettings::default());
    let first = fleet[0].token().await.unwrap();
    assert_eq!(stampede(&fleet).await, HashSet::from(["tok-1".to_owned()]));
    // Half the fleet sees 4015101 for tok-1 at once ...
    for cache in &fleet[..4] {
        cache.invalidate(&first);
    }
    assert_eq!(
        stampede(&fleet[..4]).await,
        HashSet::from(["tok-2".to_owned()])
    );
    // ... and the other half later, still holding tok-1: they take tok-2
    // from the store instead of fetching again.
    for cache in &fleet[4..] {
        cache.invalidate(&first);
    }
    assert_eq!(stampede(&fleet).await, HashSet::from(["tok-2".to_owned()]));
    assert_eq!(server.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_holder_dying_mid_fetch_blocks_the_fleet_at_most_the_lock_ttl() {
    let redis = TestRedis::any();
    let server = TokenServer::start_with(Behavior::Issue {
        expires_in: ExpiresIn::String(900),
        delay: Duration::from_secs(30),
    })
    .await;
    let lock_ttl = Duration::from_secs(1);
    let settings = SharedTokenSettings::default().lock_ttl(lock_ttl);
    let prefix = unique_prefix();

    // The doomed instance runs on a runtime of its own: shutting that
    // runtime down mid-fetch is the process dying with the lock held.
    let doomed = instance(&server, &redis.url, &prefix, settings);
    let dying = std::thread::spawn({
        let doomed = doomed.clone();
        move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.spawn(async move {
                let _ = doomed.token().await;
            });
            runtime
        }
    });
    let dying_runtime = dying.join().unwrap();
    let waited = Instant::now();
    while server.requests() == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(5),
            "the doomed fetch never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    dying_runtime.shutdown_background();
    drop(doomed);
    let died_at = Instant::now();
    server.set(Behavior::issue(900));

    let fleet: Vec<_> = (0..INSTANCES)
        .map(|_| instance(&server, &redis.url, &prefix, settings))
        .collect();
    assert_eq!(stampede(&fleet).await, HashSet::from(["tok-2".to_owned()]));
    let recovered = died_at.elapsed();
    assert!(
        recovered <= lock_ttl + Duration::from_millis(500),
        "took {recovered:?}"
    );
    // The survivors waited for the lock rather than fetching past it.
    assert!(
        recovered >= lock_ttl - Duration::from_millis(200),
        "took {recovered:?}"
    );
    assert_eq!(server.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_stopped_mid_test_falls_back_per_process_or_fails_closed_never_unsigned() {
    let mut redis = TestRedis::spawn();
    let server = TokenServer::start().await;
    let prefix = unique_prefix();
    let falling_back: Vec<_> = (0..4)
        .map(|_| instance(&server, &redis.url, &prefix, SharedTokenSettings::default()))
        .collect();
    let closed_settings =
        SharedTokenSettings::default().when_unreachable(WhenStoreUnreachable::FailClosed);
    let failing_closed: Vec<_> = (0..4)
        .map(|_| instance(&server, &redis.url, &prefix, closed_settings))
        .collect();
    let first = falling_back[0].token().await.unwrap();
    assert_eq!(
        stampede(&falling_back).await,
        HashSet::from(["tok-1".to_owned()])
    );
    assert_eq!(
        stampede(&failing_closed).await,
        HashSet::from(["tok-1".to_owned()])
    );
    assert_eq!(server.requests(), 1);

    redis.stop();
    // Fresh local tokens are still served without Redis.
    assert_eq!(stampede(&falling_back).await.len(), 1);

    // FailClosed: a typed error, and no request reaches the provider.
    for cache in &failing_closed {
        cache.invalidate(&first);
        assert!(matches!(
            cache.token().await,
            Err(TokenError::SharedStore(_))
        ));
    }
    assert_eq!(server.requests(), 1);

    // FallbackToLocal: each process fetches for itself (one request each).
    for cache in &falling_back {
        cache.invalidate(&first);
    }
    let tokens = stampede(&falling_back).await;
    assert_eq!(tokens.len(), 4, "{tokens:?}");
    assert!(!tokens.contains("tok-1"));
    assert_eq!(server.requests(), 5);
}
