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

/// What a fmt subscriber at TRACE writes while `run` runs on this thread.
fn traced(run: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, run);
    let bytes = buffer.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[tokio::test(start_paused = true)]
async fn failures_and_refusals_are_traced_with_their_delays() {
    let mut flight = Flight::<u32>::default();
    let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
    let jitter = FixedJitter::new(1.0);
    let started = Instant::now();
    let now = started + Duration::from_millis(250);
    let failed = Err(TokenError::Timeout {
        after: Duration::from_secs(3),
    });
    let log = traced(|| {
        flight.finish((0, started), &failed, now, &backoff, &jitter);
        flight.finish((1, started), &failed, now, &backoff, &jitter);
        let refused = flight.join_or_launch(now, |launch| async move { drop(launch) });
        assert!(matches!(refused, Err(TokenError::BackingOff { .. })));
    });
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines[0].contains("WARN snap_bi::token: token fetch failed "),
        "{log}"
    );
    assert!(lines[0].contains("latency_ms=250 failures=1"), "{log}");
    assert!(!lines[0].contains("retry_in_ms"), "{log}");
    assert!(
        lines[1].contains("token fetch failed, backing off"),
        "{log}"
    );
    assert!(lines[1].contains("failures=2 retry_in_ms=1000"), "{log}");
    assert!(
        lines[1].contains("token request timed out after 3s"),
        "{log}"
    );
    assert!(lines[2].contains("DEBUG snap_bi::token: token fetch refused: backing off"));
    assert!(lines[2].contains("retry_in_ms=1000 failures=2"), "{log}");
}
