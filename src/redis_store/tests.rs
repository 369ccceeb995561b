use super::*;
use crate::server::JakartaDay;

#[tokio::test]
async fn keys_are_prefixed_and_partner_ids_cannot_collide() {
    let store = RedisStore::builder("redis://127.0.0.1:1/")
        .prefix("app:")
        .build()
        .unwrap();
    assert_eq!(store.key("b2b:client"), "app:b2b:client");
    assert_eq!(token::lock_key_for_tests(&store, "b2b:c"), "app:b2b:c:lock");
    let replay = store.replay_store();
    let day = JakartaDay::of(chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap());
    let a = replay.key("a:b", "c", day);
    let b = replay.key("a", "b:c", day);
    assert_ne!(a, b);
    assert_eq!(a, format!("app:xid:{day}:3:a:b:c"));
}

#[tokio::test]
async fn invalid_url_is_a_typed_error_and_debug_hides_the_url() {
    assert!(matches!(
        RedisStore::builder("http://nope").build(),
        Err(RedisStoreError::InvalidUrl(_))
    ));
    let store = RedisStore::builder("redis://:hunter2@127.0.0.1:1/")
        .build()
        .unwrap();
    assert!(!format!("{store:?}").contains("hunter2"));
}

#[test]
fn building_outside_a_runtime_is_a_typed_error() {
    assert!(matches!(
        RedisStore::builder("redis://127.0.0.1:1/").build(),
        Err(RedisStoreError::NoRuntime)
    ));
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_within_the_timeout() {
    // Port 1 on loopback refuses connections.
    let store = RedisStore::builder("redis://127.0.0.1:1/")
        .response_timeout(Duration::from_millis(200))
        .connection_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert!(store.ping().await.is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn customer_entries_round_trip_and_age_by_the_keys_ttl() {
    use crate::token::{AccessToken, RefreshToken, StoredCustomerToken};
    let token = StoredCustomerToken {
        access_token: AccessToken::new("c-1").unwrap(),
        lifetime: Duration::from_secs(900),
        remaining: Duration::from_secs(800),
        // Refresh tokens may hold spaces: stored last.
        refresh_token: Some(RefreshToken::new("r 1 x").unwrap()),
        refresh_remaining: Some(Duration::from_secs(86_000)),
    };
    assert_eq!(
        customer::round_trip_for_tests(&token, 0).unwrap(),
        token.clone()
    );
    let aged = customer::round_trip_for_tests(&token, 100_000).unwrap();
    assert_eq!(aged.remaining, Duration::from_secs(700));
    assert_eq!(aged.refresh_remaining, Some(Duration::from_secs(85_900)));
    assert_eq!(aged.lifetime, Duration::from_secs(900));
    // Past the access token's expiry the refresh token is still there.
    let late = customer::round_trip_for_tests(&token, 900_000).unwrap();
    assert_eq!(late.remaining, Duration::ZERO);
    assert!(late.refresh_token.is_some());
    let bare = StoredCustomerToken {
        refresh_token: None,
        refresh_remaining: None,
        ..token
    };
    assert_eq!(customer::round_trip_for_tests(&bare, 0).unwrap(), bare);
}
