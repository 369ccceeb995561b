//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::token::FixedJitter;

#[tokio::test(start_paused = true)]
async fn backoff_window_opens_after_the_second_failure_and_closes() {
    let mut flight = Flight::<u32>::default();
    let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
    let jitter = FixedJitter::new(1.0);
    let now = Instant::now();
    let failed = Err(TokenError::Timeout {
        after: Duration::from_secs(3),
    });
    flight.finish((0, now), &failed, now, &backoff, &jitter);
    assert!(flight.backoff_error(now).is_none());
    flight.finish((1, now), &failed, now, &backoff, &jitter);
    match flight.backoff_error(now) {
        Some(TokenError::BackingOff { retry_in, last }) => {
            assert_eq!(retry_in, Duration::from_secs(1));
            assert!(matches!(*last, TokenError::Timeout { .. }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        flight.retry_at(now),
        now.checked_add(Duration::from_secs(1))
    );
    let later = now + Duration::from_secs(1);
    assert!(flight.backoff_error(later).is_none());
    assert!(!flight.is_idle());
    flight.finish((2, now), &Ok(7), later, &backoff, &jitter);
    assert!(flight.is_idle());
    assert!(flight.backoff_error(later).is_none());
}

#[tokio::test]
async fn waiters_share_one_outcome_and_an_abandoned_task_is_noticed() {
    let mut flight = Flight::<u32>::default();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = flight
        .launch(|launch| async move {
            let _ = released.await;
            launch.publish(Ok(5));
        })
        .unwrap();
    let second = flight.join().unwrap();
    assert!(flight.is_running());
    release.send(()).unwrap();
    assert_eq!(first.wait().await.unwrap(), 5);
    assert_eq!(second.wait().await.unwrap(), 5);

    // A task that drops its launch without publishing.
    let mut flight = Flight::<u32>::default();
    let ticket = flight.launch(|launch| async move { drop(launch) }).unwrap();
    assert!(matches!(ticket.wait().await, Err(TokenError::FetchAborted)));
    assert!(flight.join().is_none());
}

#[test]
fn launching_outside_a_runtime_is_an_error_not_a_panic() {
    let mut flight = Flight::<u32>::default();
    let result = flight.launch(|launch| async move { launch.publish(Ok(1)) });
    assert!(matches!(result, Err(TokenError::NoRuntime)));
    assert!(flight.is_idle());
}
