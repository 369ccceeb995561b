use super::*;

#[test]
fn accept_pauses_double_from_100_ms_to_1_s_and_reset() {
    let mut backoff = AcceptBackoff::default();
    let pauses: Vec<u64> = (0..7)
        .map(|_| backoff.failed().as_millis() as u64)
        .collect();
    assert_eq!(pauses, [100, 200, 400, 800, 1000, 1000, 1000]);
    backoff.reset();
    assert_eq!(backoff.failed(), Duration::from_millis(100));
}

#[test]
fn limits_have_floors() {
    let limits = ServeLimits::default()
        .with_max_connections(0)
        .with_header_read_timeout(Duration::ZERO)
        .with_request_timeout(Duration::ZERO);
    assert_eq!(limits.max_connections(), 1);
    assert_eq!(limits.header_read_timeout(), Duration::from_millis(1));
    assert_eq!(limits.request_timeout(), Duration::from_millis(1));
}
