//! Unit tests of the parent module, kept in their own file.

use std::task::{Context, Waker};

use super::*;
use crate::token::tests::support::{Provider, join_all, signer};
use crate::token::{FixedJitter, TokioClock};

const ISSUED: &str = r#"{"responseCode":"2007400","accessToken":"c-{n}","tokenType":"Bearer","expiresIn":"900","refreshToken":"r-{n}","refreshTokenExpiryTime":"2024-09-11T06:24:42Z"}"#;

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_725_949_482, 0).unwrap()
}

fn cache(provider: &Provider, store: Arc<InMemoryCustomerTokenStore>) -> CustomerTokenCache {
    cache_at(start(), provider, store)
}

/// A cache (a "process") whose clock reads `now` at creation.
fn cache_at(
    now: DateTime<Utc>,
    provider: &Provider,
    store: Arc<InMemoryCustomerTokenStore>,
) -> CustomerTokenCache {
    CustomerTokenCache::builder(signer().unwrap())
        .store(store)
        .clock(Arc::new(TokioClock::starting_at(now)))
        .jitter(Arc::new(FixedJitter::new(0.0)))
        .build(provider.service())
}

fn secret(r: Result<AccessToken, TokenError>) -> String {
    r.unwrap().expose_secret().to_owned()
}

#[tokio::test(start_paused = true)]
async fn authorization_code_exchange_is_stored_and_served_from_cache() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = cache(&provider, Arc::clone(&store));
    let alice = CustomerKey::new("alice");
    assert!(matches!(
        customers.token(&alice).await,
        Err(TokenError::CustomerAuthorizationRequired)
    ));
    assert_eq!(provider.count(), 0);

    assert_eq!(secret(customers.authorize(&alice, "code-1").await), "c-1");
    assert_eq!(
        provider.bodies(),
        [r#"{"grantType":"AUTHORIZATION_CODE","authCode":"code-1"}"#]
    );
    let stored = store.get(&alice).unwrap();
    assert_eq!(stored.refresh_token().unwrap().expose_secret(), "r-1");
    assert_eq!(
        stored.access_expires_at(),
        start() + TimeDelta::seconds(900)
    );
    assert_eq!(
        stored.refresh_expires_at(),
        Some(start() + TimeDelta::days(1))
    );
    for _ in 0..10 {
        assert_eq!(secret(customers.token(&alice).await), "c-1");
    }
    assert_eq!(provider.count(), 1);
    assert!(format!("{customers:?}").contains("cached_customers: 1"));
    assert!(!format!("{stored:?}").contains("r-1"));
}

#[tokio::test(start_paused = true)]
async fn expiry_refreshes_once_per_customer_with_the_refresh_token() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::from_millis(10));
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = cache(&provider, Arc::clone(&store));
    let (alice, bob) = (CustomerKey::new("alice"), CustomerKey::new("bob"));
    assert_eq!(secret(customers.authorize(&alice, "code-a").await), "c-1");
    assert_eq!(secret(customers.authorize(&bob, "code-b").await), "c-2");
    tokio::time::advance(Duration::from_secs(901)).await;

    let calls: Vec<_> = (0..50)
        .map(|i| customers.token(if i % 2 == 0 { &alice } else { &bob }))
        .collect();
    let results: Vec<String> = join_all(calls).await.into_iter().map(secret).collect();
    let alice_tokens: Vec<&String> = results.iter().step_by(2).collect();
    let bob_tokens: Vec<&String> = results.iter().skip(1).step_by(2).collect();
    assert!(alice_tokens.windows(2).all(|w| w[0] == w[1]));
    assert!(bob_tokens.windows(2).all(|w| w[0] == w[1]));
    assert_ne!(alice_tokens[0], bob_tokens[0]);
    // Two authorizations + exactly one refresh per customer.
    assert_eq!(provider.count(), 4);
    let bodies = provider.bodies();
    let mut refreshes: Vec<&str> = bodies[2..].iter().map(String::as_str).collect();
    refreshes.sort_unstable();
    assert_eq!(
        refreshes,
        [
            r#"{"grantType":"REFRESH_TOKEN","refreshToken":"r-1"}"#,
            r#"{"grantType":"REFRESH_TOKEN","refreshToken":"r-2"}"#
        ]
    );
    // The rotated refresh tokens were stored.
    let rotated: Vec<String> = [&alice, &bob]
        .iter()
        .map(|c| {
            store
                .get(c)
                .unwrap()
                .refresh_token()
                .unwrap()
                .expose_secret()
                .to_owned()
        })
        .collect();
    assert!(
        rotated.iter().all(|r| r == "r-3" || r == "r-4"),
        "{rotated:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_serves_the_current_token_while_renewing() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::from_millis(10));
    let customers = cache(&provider, Arc::new(InMemoryCustomerTokenStore::new()));
    let alice = CustomerKey::new("alice");
    customers.authorize(&alice, "code").await.unwrap();
    // 900 s lifetime: margin 60 s.
    tokio::time::advance(Duration::from_secs(841)).await;
    assert_eq!(secret(customers.token(&alice).await), "c-1");
    assert_eq!(secret(customers.token(&alice).await), "c-1");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(provider.count(), 2);
    assert_eq!(secret(customers.token(&alice).await), "c-2");
}

#[tokio::test(start_paused = true)]
async fn tokens_survive_a_restart_through_the_store() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let alice = CustomerKey::new("alice");
    cache(&provider, Arc::clone(&store))
        .authorize(&alice, "code")
        .await
        .unwrap();
    // A new process: nothing in memory, the store still has the tokens.
    let restarted = cache(&provider, Arc::clone(&store));
    assert_eq!(secret(restarted.token(&alice).await), "c-1");
    assert_eq!(provider.count(), 1);
    tokio::time::advance(Duration::from_secs(1000)).await;
    let later = start() + TimeDelta::seconds(1000);
    let restarted = cache_at(later, &provider, Arc::clone(&store));
    assert_eq!(secret(restarted.token(&alice).await), "c-2");
    assert!(provider.bodies()[1].contains(r#""refreshToken":"r-1""#));
}

#[tokio::test(start_paused = true)]
async fn without_a_usable_refresh_token_the_customer_must_authorize_again() {
    // This provider issues no refresh token.
    let provider = Provider::new(
        &[(200, r#"{"accessToken":"c-{n}","expiresIn":"900"}"#)],
        Duration::ZERO,
    );
    let customers = cache(&provider, Arc::new(InMemoryCustomerTokenStore::new()));
    let alice = CustomerKey::new("alice");
    customers.authorize(&alice, "code").await.unwrap();
    // Inside the margin there is nothing to renew with: used until expiry.
    tokio::time::advance(Duration::from_secs(899)).await;
    assert_eq!(secret(customers.token(&alice).await), "c-1");
    tokio::time::advance(Duration::from_secs(2)).await;
    assert!(matches!(
        customers.token(&alice).await,
        Err(TokenError::CustomerAuthorizationRequired)
    ));

    // An expired refresh token is as good as none.
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let customers = cache(&provider, Arc::new(InMemoryCustomerTokenStore::new()));
    customers.authorize(&alice, "code").await.unwrap();
    tokio::time::advance(Duration::from_secs(86_400)).await;
    assert!(matches!(
        customers.token(&alice).await,
        Err(TokenError::CustomerAuthorizationRequired)
    ));
    assert_eq!(provider.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn providers_that_do_not_rotate_keep_the_old_refresh_token() {
    let provider = Provider::new(
        &[
            (200, ISSUED),
            (200, r#"{"accessToken":"c-{n}","expiresIn":"900"}"#),
        ],
        Duration::ZERO,
    );
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = cache(&provider, Arc::clone(&store));
    let alice = CustomerKey::new("alice");
    customers.authorize(&alice, "code").await.unwrap();
    tokio::time::advance(Duration::from_secs(901)).await;
    assert_eq!(secret(customers.token(&alice).await), "c-2");
    let stored = store.get(&alice).unwrap();
    assert_eq!(stored.refresh_token().unwrap().expose_secret(), "r-1");
    assert_eq!(
        stored.refresh_expires_at(),
        Some(start() + TimeDelta::days(1))
    );
}

#[tokio::test(start_paused = true)]
async fn invalidation_renews_once_and_is_persisted() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = cache(&provider, Arc::clone(&store));
    let alice = CustomerKey::new("alice");
    let rejected = customers.authorize(&alice, "code").await.unwrap();
    let source = customers.source(alice.clone());
    assert_eq!(source.customer(), &alice);
    for _ in 0..20 {
        source.invalidate(&rejected);
    }
    customers.invalidate(&alice, &rejected).await.unwrap();
    assert_eq!(secret(source.token().await), "c-2");
    assert_eq!(secret(customers.token(&alice).await), "c-2");
    assert_eq!(provider.count(), 2);
    // A late rejection of the old token changes nothing.
    customers.invalidate(&alice, &rejected).await.unwrap();
    assert_eq!(secret(customers.token(&alice).await), "c-2");
    assert_eq!(
        store.get(&alice).unwrap().access_token().expose_secret(),
        "c-2"
    );
}

#[tokio::test(start_paused = true)]
async fn forget_removes_everywhere() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = cache(&provider, Arc::clone(&store));
    let alice = CustomerKey::from("alice");
    customers.authorize(&alice, "code").await.unwrap();
    assert!(!store.is_empty());
    customers.forget(&alice).await.unwrap();
    assert!(store.is_empty());
    assert!(matches!(
        customers.token(&alice).await,
        Err(TokenError::CustomerAuthorizationRequired)
    ));
}

#[tokio::test(start_paused = true)]
async fn refresh_failures_are_typed_and_back_off_per_customer() {
    let refused = r#"{"responseCode":"4017401","responseMessage":"Invalid Customer Token"}"#;
    let provider = Provider::new(
        &[(200, ISSUED), (401, refused), (401, refused)],
        Duration::ZERO,
    );
    let customers = cache(&provider, Arc::new(InMemoryCustomerTokenStore::new()));
    let alice = CustomerKey::new("alice");
    customers.authorize(&alice, "code").await.unwrap();
    tokio::time::advance(Duration::from_secs(901)).await;
    for _ in 0..2 {
        assert!(matches!(
            customers.token(&alice).await,
            Err(TokenError::Refused { code, .. }) if code == "4017401"
        ));
    }
    assert!(matches!(
        customers.token(&alice).await,
        Err(TokenError::BackingOff { .. })
    ));
    assert_eq!(provider.count(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_authorize_still_stores_the_token() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::from_secs(1));
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = cache(&provider, Arc::clone(&store));
    let alice = CustomerKey::new("alice");
    let mut authorize = Box::pin(customers.authorize(&alice, "code"));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(authorize.as_mut().poll(&mut cx).is_pending());
    drop(authorize);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        store.get(&alice).unwrap().access_token().expose_secret(),
        "c-1"
    );
    assert_eq!(secret(customers.token(&alice).await), "c-1");
}

/// A store whose writes fail (a database that is down).
#[derive(Debug)]
struct ReadOnlyStore;

impl CustomerTokenStore for ReadOnlyStore {
    fn load<'a>(
        &'a self,
        _customer: &'a CustomerKey,
    ) -> BoxFuture<'a, Result<Option<CustomerToken>, BoxError>> {
        Box::pin(ready(Ok(None)))
    }
    fn save<'a>(
        &'a self,
        _customer: &'a CustomerKey,
        _token: &'a CustomerToken,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(ready(Err("database is read-only".into())))
    }
    fn remove<'a>(&'a self, _customer: &'a CustomerKey) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(ready(Err("database is read-only".into())))
    }
}

#[tokio::test(start_paused = true)]
async fn store_failures_are_reported_and_the_token_is_kept_in_memory() {
    let provider = Provider::new(&[(200, ISSUED)], Duration::ZERO);
    let customers = CustomerTokenCache::builder(signer().unwrap())
        .store(Arc::new(ReadOnlyStore))
        .clock(Arc::new(TokioClock::starting_at(start())))
        .build(provider.service());
    let alice = CustomerKey::new("alice");
    match customers.authorize(&alice, "code").await {
        Err(TokenError::Store(e)) => assert_eq!(e.to_string(), "database is read-only"),
        other => panic!("{other:?}"),
    }
    // The issued token is not lost: this process keeps using it.
    assert_eq!(secret(customers.token(&alice).await), "c-1");
    assert!(matches!(
        customers.forget(&alice).await,
        Err(TokenError::Store(_))
    ));
}

#[test]
fn newest_prefers_the_earlier_expiry_of_the_same_token_else_the_latest() {
    let t0 = start();
    let token = |s: &str, obtained: i64, expires: i64| {
        CustomerToken::new(
            AccessToken::new(s).unwrap(),
            t0 + TimeDelta::seconds(obtained),
            t0 + TimeDelta::seconds(expires),
        )
    };
    let invalidated = token("a", 0, 0);
    let stored = token("a", 0, 900);
    assert_eq!(
        newest(Some(invalidated.clone()), Some(stored.clone())),
        Some(invalidated)
    );
    let other_process = token("b", 100, 1000);
    assert_eq!(
        newest(Some(stored.clone()), Some(other_process.clone())),
        Some(other_process)
    );
    assert_eq!(newest(None, Some(stored.clone())), Some(stored.clone()));
    assert_eq!(newest(Some(stored.clone()), None), Some(stored));
    assert_eq!(newest(None, None), None);
}
