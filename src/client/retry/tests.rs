use super::*;

use chrono::TimeZone;
use http::HeaderValue;
use tower::retry::Policy;

use crate::client::ClientError;
use crate::token::FixedJitter;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 9, 10, 6, 0, 0).unwrap()
}

fn policy() -> RetryPolicy {
    RetryPolicy::new()
        .backoff(Duration::from_millis(100), Duration::from_millis(350))
        .max_retry_after(Duration::from_secs(10))
}

fn headers(retry_after: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
    }
    headers
}

/// The wait `policy()` gives before the first retry after this answer, with
/// full jitter (factor 1).
fn wait_after(status: u16, retry_after: Option<&str>, body: &str) -> Option<Duration> {
    let headers = headers(retry_after);
    policy().delay(
        1,
        Outcome::Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: &headers,
            body: body.as_bytes(),
        },
        now(),
        1.0,
    )
}

const INTERNAL: &str = r#"{"responseCode":"5005101","responseMessage":"Internal Server Error"}"#;
const NOT_FOUND: &str = r#"{"responseCode":"4045101","responseMessage":"Transaction Not Found"}"#;
const SUCCESS: &str = r#"{"responseCode":"2005100","responseMessage":"Success"}"#;

#[test]
fn retryable_codes_and_try_later_statuses_are_retried() {
    let backoff = Some(Duration::from_millis(100));
    // 500xx01, 504xx00 and 429xx00 by their code.
    assert_eq!(wait_after(500, None, INTERNAL), backoff);
    assert_eq!(
        wait_after(504, None, r#"{"responseCode":"5045100"}"#),
        backoff
    );
    assert_eq!(
        wait_after(429, None, r#"{"responseCode":"4295100"}"#),
        backoff
    );
    // A retryable code under HTTP 200 still counts.
    assert_eq!(wait_after(200, None, INTERNAL), backoff);
    // 429 and 503 whatever the body says.
    assert_eq!(wait_after(503, None, ""), backoff);
    assert_eq!(
        wait_after(503, None, r#"{"responseCode":"5035100"}"#),
        backoff
    );
    assert_eq!(wait_after(429, None, "<html>slow down</html>"), backoff);
    // A gateway's 502/504 without a SNAP code.
    assert_eq!(wait_after(502, None, "<html>bad gateway</html>"), backoff);
    assert_eq!(wait_after(504, None, ""), backoff);
}

#[test]
fn final_answers_are_not_retried() {
    assert_eq!(wait_after(200, None, SUCCESS), None);
    assert_eq!(wait_after(404, None, NOT_FOUND), None);
    // 500xx00 General Error and 500xx02 External Server Error: no sign that
    // trying again helps.
    assert_eq!(wait_after(500, None, r#"{"responseCode":"5005100"}"#), None);
    assert_eq!(wait_after(500, None, r#"{"responseCode":"5005102"}"#), None);
    // A 502 that carries the provider's own non-retryable code.
    assert_eq!(wait_after(502, None, r#"{"responseCode":"5005100"}"#), None);
    // A plain 500 without a code, and a token rejection (the layer handles that).
    assert_eq!(wait_after(500, None, "oops"), None);
    assert_eq!(wait_after(401, None, r#"{"responseCode":"4015101"}"#), None);
    // Retry-After alone does not make an answer retryable.
    assert_eq!(wait_after(404, Some("1"), NOT_FOUND), None);
}

#[test]
fn retry_after_seconds_and_http_dates_set_the_wait() {
    assert_eq!(wait_after(503, Some("3"), ""), Some(Duration::from_secs(3)));
    assert_eq!(wait_after(503, Some(" 0 "), ""), Some(Duration::ZERO));
    // 2024-09-10T06:00:07Z is 7 s after `now()`.
    assert_eq!(
        wait_after(429, Some("Tue, 10 Sep 2024 06:00:07 GMT"), ""),
        Some(Duration::from_secs(7))
    );
    // A date in the past: at once.
    assert_eq!(
        wait_after(429, Some("Tue, 10 Sep 2024 05:00:00 GMT"), ""),
        Some(Duration::ZERO)
    );
    // Unreadable: the backoff applies.
    assert_eq!(
        wait_after(503, Some("soon"), ""),
        Some(Duration::from_millis(100))
    );
    assert_eq!(
        wait_after(503, Some("-1"), ""),
        Some(Duration::from_millis(100))
    );
}

#[test]
fn a_retry_after_beyond_the_cap_ends_the_retries() {
    assert_eq!(
        wait_after(503, Some("10"), ""),
        Some(Duration::from_secs(10))
    );
    assert_eq!(wait_after(503, Some("11"), ""), None);
    assert_eq!(wait_after(503, Some("99999999999999999999999"), ""), None);
    assert_eq!(
        wait_after(429, Some("Tue, 10 Sep 2024 07:00:00 GMT"), ""),
        None
    );
}

#[test]
fn backoff_doubles_is_capped_and_jittered() {
    let p = policy();
    let headers = HeaderMap::new();
    let answer = Outcome::Answer {
        status: StatusCode::SERVICE_UNAVAILABLE,
        headers: &headers,
        body: b"",
    };
    let wait = |retry, jitter| p.delay(retry, answer, now(), jitter);
    assert_eq!(wait(1, 1.0), Some(Duration::from_millis(100)));
    assert_eq!(wait(2, 1.0), Some(Duration::from_millis(200)));
    assert_eq!(wait(3, 1.0), Some(Duration::from_millis(350)));
    assert_eq!(wait(60, 1.0), Some(Duration::from_millis(350)));
    // Jitter scales into [0.5, 1] of the step.
    assert_eq!(wait(1, 0.0), Some(Duration::from_millis(50)));
    assert_eq!(wait(2, 0.5), Some(Duration::from_millis(150)));
    // Out-of-range jitter is clamped; NaN takes the full step.
    assert_eq!(wait(1, 7.0), Some(Duration::from_millis(100)));
    assert_eq!(wait(1, f64::NAN), Some(Duration::from_millis(100)));
}

#[test]
fn only_transient_errors_are_retried() {
    let p = policy();
    let timeout = CallError::Timeout {
        after: Duration::from_secs(1),
    };
    let transport = CallError::Transport("connection reset".into());
    let refused_locally = CallError::Client(ClientError::MissingToken);
    let too_large = CallError::ResponseTooLarge { limit: 10 };
    assert_eq!(
        p.delay(1, Outcome::Failed(&timeout), now(), 1.0),
        Some(Duration::from_millis(100))
    );
    assert_eq!(
        p.delay(1, Outcome::Failed(&transport), now(), 1.0),
        Some(Duration::from_millis(100))
    );
    assert_eq!(
        p.delay(1, Outcome::Failed(&refused_locally), now(), 1.0),
        None
    );
    assert_eq!(p.delay(1, Outcome::Failed(&too_large), now(), 1.0), None);
}

fn request(idempotent: bool) -> Request<Bytes> {
    let mut request = Request::new(Bytes::from_static(b"{\"a\":1}"));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = "http://127.0.0.1/v1.0/qr/qr-mpm-query".parse().unwrap();
    request
        .headers_mut()
        .insert("x-caller", HeaderValue::from_static("kept"));
    if idempotent {
        request.extensions_mut().insert(Idempotent);
    }
    request
}

fn unavailable() -> Result<Response<Bytes>, CallError> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    Ok(response)
}

#[tokio::test(start_paused = true)]
async fn the_policy_counts_attempts_and_copies_only_idempotent_requests() {
    let mut p = policy()
        .max_attempts(3)
        .jitter(Arc::new(FixedJitter::new(1.0)));
    let mut read = request(true);
    let copy = p.clone_request(&read).expect("a read is copied");
    assert_eq!(copy.body(), read.body());
    assert_eq!(copy.uri(), read.uri());
    assert_eq!(copy.headers()["x-caller"], "kept");
    assert!(copy.extensions().get::<Idempotent>().is_some());

    // Attempt 1 and 2 fail: retried; attempt 3 is the last.
    assert!(p.retry(&mut read, &mut unavailable()).is_some());
    assert!(p.clone_request(&read).is_some());
    assert!(p.retry(&mut read, &mut unavailable()).is_some());
    assert!(p.clone_request(&read).is_none());
    assert!(p.retry(&mut read, &mut unavailable()).is_none());

    // A write is never copied nor retried by default.
    let mut p = policy();
    let mut write = request(false);
    assert!(p.clone_request(&write).is_none());
    assert!(p.retry(&mut write, &mut unavailable()).is_none());

    // ... unless the policy is told to.
    let mut p = policy().retry_writes(true);
    assert!(p.clone_request(&write).is_some());
    assert!(p.retry(&mut write, &mut unavailable()).is_some());

    // One attempt in all: nothing to copy.
    let mut p = policy().max_attempts(1);
    assert!(p.clone_request(&read).is_none());
}

#[tokio::test(start_paused = true)]
async fn the_policy_sleeps_for_the_decided_wait() {
    let mut p = policy().jitter(Arc::new(FixedJitter::new(0.0)));
    let mut read = request(true);
    let start = tokio::time::Instant::now();
    p.retry(&mut read, &mut unavailable()).unwrap().await;
    assert_eq!(start.elapsed(), Duration::from_millis(50));
}

#[test]
fn settings_are_checked() {
    assert!(RetryPolicy::new().check().is_ok());
    assert!(RetryPolicy::new().max_attempts(0).check().is_err());
    assert!(
        RetryPolicy::new()
            .backoff(Duration::from_secs(2), Duration::from_secs(1))
            .check()
            .is_err()
    );
    let debug = format!("{:?}", RetryPolicy::new());
    assert!(debug.contains("max_attempts: 3"), "{debug}");
}
