//! Unit tests of the parent module, kept in their own file.

use super::*;

#[tokio::test(start_paused = true)]
async fn follows_tokio_time() {
    let start = DateTime::from_timestamp(1_725_949_482, 0).unwrap();
    let clock = TokioClock::starting_at(start);
    assert_eq!(clock.now(), start);
    tokio::time::advance(Duration::from_secs(90)).await;
    assert_eq!(clock.now(), start + TimeDelta::seconds(90));
    assert!(TokioClock::from_system().now() > start);
}
