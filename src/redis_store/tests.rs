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
