//! Unit tests of the parent module, kept in their own file.

use std::task::{Context, Poll, Waker};

use super::*;
use crate::token::Backoff;
use crate::token::FixedJitter;
use crate::token::tests::support::{Provider, join_all, signer};

fn builder() -> B2bTokenCacheBuilder {
    B2bTokenCache::builder(signer().unwrap()).jitter(Arc::new(FixedJitter::new(0.0)))
}

fn secret(r: Result<AccessToken, TokenError>) -> String {
    r.unwrap().expose_secret().to_owned()
}

#[tokio::test(start_paused = true)]
async fn concurrent_cold_callers_share_one_request() {
    let provider = Provider::issuing(900, Duration::from_millis(50));
    let cache = builder().build(provider.service());
    assert_eq!(cache.ready_token(), None, "nothing cached yet");
    let calls: Vec<_> = (0..200).map(|_| cache.token()).collect();
    for result in join_all(calls).await {
        assert_eq!(secret(result), "t-1");
    }
    assert_eq!(provider.count(), 1);
    assert_eq!(secret(cache.token().await), "t-1");
    assert_eq!(provider.count(), 1);
    assert!(format!("{cache:?}").contains("fresh"));
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_hands_out_the_current_token_while_one_refresh_runs() {
    let provider = Provider::issuing(100, Duration::from_millis(10));
    let cache = builder().build(provider.service());
    assert_eq!(secret(cache.token().await), "t-1");
    // Margin = min(60 s, 100 s / 10) = 10 s, counted from the send time.
    tokio::time::advance(Duration::from_secs(89)).await;
    assert_eq!(secret(cache.token().await), "t-1");
    assert_eq!(provider.count(), 1);
    assert_eq!(
        cache.ready_token().map(|t| t.expose_secret().to_owned()),
        Some("t-1".to_owned())
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    // In the refresh window no token is ready without `token()`, which
    // starts the refresh.
    assert_eq!(cache.ready_token(), None);
    assert_eq!(provider.count(), 1);
    // In the refresh window: no waiting, old token, one background fetch.
    for _ in 0..10 {
        assert_eq!(secret(cache.token().await), "t-1");
    }
    assert!(format!("{cache:?}").contains("refresh due"));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(provider.count(), 2);
    assert_eq!(secret(cache.token().await), "t-2");
}

#[tokio::test(start_paused = true)]
async fn expiry_causes_exactly_one_refetch() {
    let provider = Provider::issuing(100, Duration::from_millis(10));
    let cache = builder()
        .refresh_margin(Duration::ZERO)
        .build(provider.service());
    assert_eq!(secret(cache.token().await), "t-1");
    tokio::time::advance(Duration::from_secs(100)).await;
    assert!(cache.cached().is_none());
    assert_eq!(cache.ready_token(), None, "expired");
    let calls: Vec<_> = (0..50).map(|_| cache.token()).collect();
    for result in join_all(calls).await {
        assert_eq!(secret(result), "t-2");
    }
    assert_eq!(provider.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn failures_are_typed_not_cached_and_back_off() {
    let refused = r#"{"responseCode":"5007300","responseMessage":"General Error"}"#;
    let provider = Provider::new(
        &[
            (500, refused),
            (500, refused),
            (500, refused),
            (200, "LIFETIME 900"),
        ],
        Duration::ZERO,
    );
    let cache = builder()
        .backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(4)))
        .build(provider.service());
    assert!(matches!(
        cache.token().await,
        Err(TokenError::Refused { code, .. }) if code == "5007300"
    ));
    // The next call retries at once…
    assert!(matches!(
        cache.token().await,
        Err(TokenError::Refused { .. })
    ));
    assert_eq!(provider.count(), 2);
    // …but after two failures in a row the endpoint is left alone.
    match cache.token().await {
        Err(TokenError::BackingOff { retry_in, last }) => {
            assert_eq!(retry_in, Duration::from_millis(500));
            assert!(matches!(*last, TokenError::Refused { .. }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(provider.count(), 2);
    tokio::time::advance(Duration::from_millis(500)).await;
    assert!(matches!(
        cache.token().await,
        Err(TokenError::Refused { .. })
    ));
    assert!(
        matches!(cache.token().await, Err(TokenError::BackingOff { retry_in, .. }) if retry_in == Duration::from_millis(1000))
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(secret(cache.token().await), "t-4");
    assert_eq!(provider.count(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_fetch_has_a_timeout() {
    let provider = Provider::issuing(900, Duration::from_secs(60));
    let cache = builder()
        .fetch_timeout(Duration::from_secs(5))
        .build(provider.service());
    assert!(matches!(
        cache.token().await,
        Err(TokenError::Timeout { after }) if after == Duration::from_secs(5)
    ));
}

#[tokio::test(start_paused = true)]
async fn invalidate_drops_only_the_rejected_token() {
    let provider = Provider::issuing(900, Duration::ZERO);
    let cache = builder().build(provider.service());
    let first = cache.token().await.unwrap();
    cache.invalidate(&AccessToken::new("someone-else").unwrap());
    assert_eq!(cache.cached().as_ref(), Some(&first));
    for _ in 0..100 {
        cache.invalidate(&first);
    }
    assert!(cache.cached().is_none());
    assert_eq!(secret(cache.token().await), "t-2");
    // A late 401 for the old token does not evict the new one.
    cache.invalidate(&first);
    assert_eq!(secret(cache.token().await), "t-2");
    assert_eq!(provider.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_caller_does_not_cancel_the_fetch() {
    let provider = Provider::issuing(900, Duration::from_secs(2));
    let cache = builder().build(provider.service());
    let mut first = cache.token();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(first.as_mut().poll(&mut cx).is_pending());
    drop(first);
    assert_eq!(secret(cache.token().await), "t-1");
    assert_eq!(provider.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn refresh_joins_a_running_fetch() {
    let provider = Provider::issuing(900, Duration::from_millis(10));
    let cache = builder().build(provider.service());
    let (a, b) = tokio::join!(cache.token(), cache.refresh());
    assert_eq!((secret(a), secret(b)), ("t-1".into(), "t-1".into()));
    assert_eq!(secret(cache.refresh().await), "t-2");
    assert_eq!(provider.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_refresher_renews_without_callers_and_stops_with_its_guard() {
    let provider = Provider::issuing(100, Duration::from_millis(10));
    let cache = builder().build(provider.service());
    let guard = cache.spawn_refresher().unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(provider.count(), 1);
    assert_eq!(
        cache
            .cached()
            .map(|t| t.expose_secret().to_owned())
            .as_deref(),
        Some("t-1")
    );
    // Renewed at 90 s (10 s margin), long before expiry, with nobody asking.
    tokio::time::sleep(Duration::from_secs(91)).await;
    assert_eq!(provider.count(), 2);
    assert_eq!(
        cache
            .cached()
            .map(|t| t.expose_secret().to_owned())
            .as_deref(),
        Some("t-2")
    );
    guard.stop();
    tokio::time::sleep(Duration::from_secs(500)).await;
    assert_eq!(provider.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_refresher_backs_off_on_failure() {
    let provider = Provider::new(&[(503, "down")], Duration::ZERO);
    let cache = builder()
        .backoff(Backoff::new(
            Duration::from_secs(10),
            Duration::from_secs(10),
        ))
        .build(provider.service());
    let _guard = cache.spawn_refresher().unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    // 0 s, 1 s (the minimum pause), then every 5–10 s: a handful, not thousands.
    let n = provider.count();
    assert!((3..=14).contains(&n), "{n} requests");
}

#[test]
fn outside_a_runtime_token_fails_instead_of_panicking() {
    let provider = Provider::issuing(900, Duration::ZERO);
    let cache = builder().build(provider.service());
    let mut future = cache.token();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(
        future.as_mut().poll(&mut cx),
        Poll::Ready(Err(TokenError::NoRuntime))
    ));
    assert!(matches!(
        cache.spawn_refresher(),
        Err(TokenError::NoRuntime)
    ));
}
