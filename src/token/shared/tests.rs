use super::*;

fn stored(token: &str, lifetime: u64, remaining: u64) -> StoredToken {
    StoredToken {
        token: AccessToken::new(token).unwrap(),
        lifetime: Duration::from_secs(lifetime),
        remaining: Duration::from_secs(remaining),
    }
}

#[test]
fn a_stored_token_is_adopted_unless_it_is_the_one_being_replaced_or_due() {
    let old = AccessToken::new("old").unwrap();
    // Fresh and different: adopt.
    assert!(usable(&stored("new", 900, 800), Some(&old), None));
    // Cold start: anything fresh.
    assert!(usable(&stored("old", 900, 800), None, None));
    // The rejected / due token itself: never.
    assert!(!usable(&stored("old", 900, 800), Some(&old), None));
    // In its refresh window (60 s for 900 s): refresh instead.
    assert!(!usable(&stored("new", 900, 59), Some(&old), None));
    assert!(!usable(
        &stored("new", 900, 30),
        None,
        Some(Duration::from_secs(40))
    ));
}

#[test]
fn the_lock_ttl_defaults_to_the_fetch_timeout_plus_two_seconds() {
    let settings = SharedTokenSettings::default();
    assert_eq!(
        settings.effective_lock_ttl(Duration::from_secs(10)),
        Duration::from_secs(12)
    );
    assert_eq!(
        settings.unreachable_policy(),
        WhenStoreUnreachable::FallbackToLocal
    );
    let settings = settings.lock_ttl(Duration::from_secs(3));
    assert_eq!(
        settings.effective_lock_ttl(Duration::from_secs(10)),
        Duration::from_secs(3)
    );
}
