#![cfg(all(feature = "redis", feature = "hyper"))]
//! A fleet of B2B2C customer token caches sharing one Redis, against the
//! mock provider (Paydia profile) on 127.0.0.1. Every instance has its own
//! `RedisStore` and its own durable store, as separate processes would;
//! the mock and the caches share a clock that tests move forward (the
//! Paydia customer token lives 182.5 days).

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use snap_bi::client::hyper_client;
use snap_bi::mock::{MockProvider, RunningMock};
use snap_bi::paydia::CUSTOMER_TOKEN_LIFETIME;
use snap_bi::redis_store::RedisStore;
use snap_bi::server::Partner;
use snap_bi::token::{
    CustomerKey, CustomerTokenCache, SharedCustomerTokenStore, SharedTokenSettings, TokenError,
    TokenRequestSigner, WhenStoreUnreachable,
};
use snap_bi::{AccessToken, ClientSecret, Clock, ProviderProfile, RsaPrivateKey, RsaPublicKey};
use support::redis::{TestRedis, unique_prefix};

const CLIENT: &str = "35d1a1127182a65e4fe0256242a40a6d";
const SECRET: &str = "paydia-test-secret";
const PRIVATE: &str = include_str!("vectors/keys/partner-test-private.pem");
const PUBLIC: &str = include_str!("vectors/keys/partner-test-public.pem");
const AUTH_CODE: &str = "BOUND-ACCOUNT-7";
const INSTANCES: usize = 8;
const CALLERS: usize = 50;

/// The wall clock plus an offset the test moves forward, shared by the
/// mock and every cache (time still flows, so signatures differ).
#[derive(Debug, Clone, Default)]
struct ShiftedClock(Arc<Mutex<TimeDelta>>);

impl ShiftedClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += TimeDelta::from_std(by).unwrap();
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.0.lock().unwrap()
    }
}

struct Provider {
    mock: MockProvider,
    running: RunningMock,
    clock: ShiftedClock,
}

impl Provider {
    async fn start() -> Self {
        let clock = ShiftedClock::default();
        let mock = MockProvider::builder()
            .profile(ProviderProfile::paydia())
            .prefix("/snap")
            .partner(
                Partner::new(CLIENT)
                    .with_client_id(CLIENT)
                    .with_public_key(RsaPublicKey::from_pem(PUBLIC).unwrap()),
                ClientSecret::new(SECRET).unwrap(),
            )
            .auth_code(AUTH_CODE, "customer-7")
            // Longer than the 182.5-day customer token, so that it can be
            // refreshed at its expiry.
            .refresh_token_lifetime(Duration::from_secs(400 * 86_400))
            .clock(clock.clone())
            .build()
            .unwrap();
        let running = mock.clone().bind(([127, 0, 0, 1], 0).into()).await.unwrap();
        Self {
            mock,
            running,
            clock,
        }
    }

    /// Authorization-code exchanges and refreshes so far.
    fn requests(&self) -> u64 {
        self.mock.b2b2c_token_requests()
    }
}

fn redis_store(redis_url: &str, prefix: &str) -> RedisStore {
    RedisStore::builder(redis_url)
        .prefix(prefix)
        .response_timeout(Duration::from_millis(300))
        .connection_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

fn instance(
    provider: &Provider,
    redis_url: &str,
    prefix: &str,
    settings: SharedTokenSettings,
) -> CustomerTokenCache {
    let signer = TokenRequestSigner::builder(CLIENT, RsaPrivateKey::from_pem(PRIVATE).unwrap())
        .profile(&ProviderProfile::paydia())
        .base_url(format!("http://{}", provider.running.local_addr()))
        .build()
        .unwrap();
    CustomerTokenCache::builder(signer)
        .clock(Arc::new(provider.clock.clone()))
        .fetch_timeout(Duration::from_secs(5))
        .shared_store(
            Arc::new(redis_store(redis_url, prefix).customer_token_store()),
            settings,
        )
        .build(hyper_client())
}

fn fleet(
    provider: &Provider,
    redis: &TestRedis,
    prefix: &str,
    settings: SharedTokenSettings,
) -> Vec<CustomerTokenCache> {
    (0..INSTANCES)
        .map(|_| instance(provider, &redis.url, prefix, settings))
        .collect()
}

fn customer() -> CustomerKey {
    CustomerKey::new("customer-7")
}

/// `CALLERS` concurrent `token()` calls on every instance; the distinct
/// tokens handed out.
async fn stampede(fleet: &[CustomerTokenCache]) -> HashSet<String> {
    let mut tasks = Vec::new();
    for cache in fleet {
        for _ in 0..CALLERS {
            let cache = cache.clone();
            tasks.push(tokio::spawn(async move { cache.token(&customer()).await }));
        }
    }
    let mut tokens = HashSet::new();
    for task in tasks {
        tokens.insert(task.await.unwrap().unwrap().expose_secret().to_owned());
    }
    tokens
}

fn only(token: &AccessToken) -> HashSet<String> {
    HashSet::from([token.expose_secret().to_owned()])
}

/// One token, not `old`.
fn single_new(tokens: &HashSet<String>, old: &AccessToken) -> String {
    assert_eq!(tokens.len(), 1, "{} distinct tokens", tokens.len());
    let token = tokens.iter().next().unwrap().clone();
    assert_ne!(token, old.expose_secret());
    token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_authorized_once_is_served_by_8_instances_and_refreshed_once_at_expiry() {
    let redis = TestRedis::any();
    let provider = Provider::start().await;
    let fleet = fleet(
        &provider,
        &redis,
        &unique_prefix(),
        SharedTokenSettings::default(),
    );
    let first = fleet[0].authorize(&customer(), AUTH_CODE).await.unwrap();
    assert_eq!(provider.requests(), 1);
    // 8 × 50 callers: every instance adopts the token from Redis.
    assert_eq!(stampede(&fleet).await, only(&first));
    assert_eq!(provider.requests(), 1);

    // Into the refresh window (the last 60 s): callers are served the
    // current token while one instance refreshes for the fleet.
    provider
        .clock
        .advance(CUSTOMER_TOKEN_LIFETIME - Duration::from_secs(30));
    let during = stampede(&fleet).await;
    assert!(during.contains(first.expose_secret()), "{}", during.len());
    assert!(during.len() <= 2, "{}", during.len());
    // Past the old token's expiry: everyone has the one new token.
    tokio::time::sleep(Duration::from_millis(500)).await;
    provider.clock.advance(Duration::from_secs(60));
    let after = stampede(&fleet).await;
    single_new(&after, &first);
    assert_eq!(provider.requests(), 2);
    provider.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missed_refresh_window_still_refreshes_once_fleet_wide() {
    let redis = TestRedis::any();
    let provider = Provider::start().await;
    let fleet = fleet(
        &provider,
        &redis,
        &unique_prefix(),
        SharedTokenSettings::default(),
    );
    let first = fleet[0].authorize(&customer(), AUTH_CODE).await.unwrap();
    assert_eq!(stampede(&fleet).await, only(&first));
    // Straight past the expiry: every caller of every instance misses.
    provider
        .clock
        .advance(CUSTOMER_TOKEN_LIFETIME + Duration::from_secs(1));
    single_new(&stampede(&fleet).await, &first);
    assert_eq!(provider.requests(), 2);
    provider.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invalidation_seen_by_all_8_instances_causes_one_refresh() {
    let redis = TestRedis::any();
    let provider = Provider::start().await;
    let fleet = fleet(
        &provider,
        &redis,
        &unique_prefix(),
        SharedTokenSettings::default(),
    );
    let first = fleet[0].authorize(&customer(), AUTH_CODE).await.unwrap();
    assert_eq!(stampede(&fleet).await, only(&first));
    // Half the fleet sees 4015102 for the token at once ...
    for cache in &fleet[..4] {
        cache.invalidate(&customer(), &first).await.unwrap();
    }
    let renewed = single_new(&stampede(&fleet[..4]).await, &first);
    // ... and the other half later, still holding it: they take the new
    // token from Redis instead of refreshing again.
    for cache in &fleet[4..] {
        cache.invalidate(&customer(), &first).await.unwrap();
    }
    assert_eq!(stampede(&fleet).await, HashSet::from([renewed]));
    assert_eq!(provider.requests(), 2);
    provider.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_holder_dying_blocks_the_customer_at_most_the_lock_ttl() {
    let redis = TestRedis::any();
    let provider = Provider::start().await;
    let prefix = unique_prefix();
    let lock_ttl = Duration::from_secs(1);
    let settings = SharedTokenSettings::default().lock_ttl(lock_ttl);
    let fleet = fleet(&provider, &redis, &prefix, settings);
    let first = fleet[0].authorize(&customer(), AUTH_CODE).await.unwrap();
    assert_eq!(stampede(&fleet).await, only(&first));
    provider
        .clock
        .advance(CUSTOMER_TOKEN_LIFETIME + Duration::from_secs(1));

    // An instance took the customer's lock and died: nobody releases it.
    let key = format!("b2b2c:{CLIENT}:customer-7");
    let dead = redis_store(&redis.url, &prefix).customer_token_store();
    assert!(dead.try_lock(&key, "dead-holder", lock_ttl).await.unwrap());
    let died_at = Instant::now();

    single_new(&stampede(&fleet).await, &first);
    let recovered = died_at.elapsed();
    // The survivors waited for the lock rather than refreshing past it ...
    assert!(
        recovered >= lock_ttl - Duration::from_millis(200),
        "took {recovered:?}"
    );
    // ... and no longer than its TTL.
    assert!(
        recovered <= lock_ttl + Duration::from_millis(500),
        "took {recovered:?}"
    );
    assert_eq!(provider.requests(), 2);
    provider.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_stopped_falls_back_per_process_or_fails_closed_and_forget_reports_it() {
    let mut redis = TestRedis::spawn();
    let provider = Provider::start().await;
    let prefix = unique_prefix();
    let falling_back: Vec<_> = (0..4)
        .map(|_| {
            instance(
                &provider,
                &redis.url,
                &prefix,
                SharedTokenSettings::default(),
            )
        })
        .collect();
    let closed_settings =
        SharedTokenSettings::default().when_unreachable(WhenStoreUnreachable::FailClosed);
    let failing_closed: Vec<_> = (0..4)
        .map(|_| instance(&provider, &redis.url, &prefix, closed_settings))
        .collect();
    let first = falling_back[0]
        .authorize(&customer(), AUTH_CODE)
        .await
        .unwrap();
    assert_eq!(stampede(&falling_back).await, only(&first));
    assert_eq!(stampede(&failing_closed).await, only(&first));
    assert_eq!(provider.requests(), 1);

    redis.stop();
    // Fresh local tokens are still served without Redis.
    assert_eq!(stampede(&falling_back).await, only(&first));

    // FailClosed: a typed error, and no request reaches the provider.
    for cache in &failing_closed {
        cache.invalidate(&customer(), &first).await.unwrap();
        assert!(matches!(
            cache.token(&customer()).await,
            Err(TokenError::SharedStore(_))
        ));
    }
    assert_eq!(provider.requests(), 1);

    // FallbackToLocal: each process refreshes for itself.
    for cache in &falling_back {
        cache.invalidate(&customer(), &first).await.unwrap();
    }
    let tokens = stampede(&falling_back).await;
    assert_eq!(tokens.len(), 4, "{} distinct tokens", tokens.len());
    assert!(!tokens.contains(first.expose_secret()));
    assert_eq!(provider.requests(), 5);

    // A logout that cannot reach Redis is reported, not silently local.
    assert!(matches!(
        falling_back[0].forget(&customer()).await,
        Err(TokenError::SharedStore(_))
    ));
    provider.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forget_removes_the_customer_from_redis_for_the_whole_fleet() {
    let redis = TestRedis::any();
    let provider = Provider::start().await;
    let fleet = fleet(
        &provider,
        &redis,
        &unique_prefix(),
        SharedTokenSettings::default(),
    );
    fleet[0].authorize(&customer(), AUTH_CODE).await.unwrap();
    fleet[0].forget(&customer()).await.unwrap();
    // A fresh instance finds nothing to adopt.
    assert!(matches!(
        fleet[1].token(&customer()).await,
        Err(TokenError::CustomerAuthorizationRequired)
    ));
    assert_eq!(provider.requests(), 1);
    provider.running.shutdown().await;
}
