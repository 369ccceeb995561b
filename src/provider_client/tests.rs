use super::*;

#[test]
fn base_urls_are_checked_and_trimmed() {
    assert_eq!(
        base_url("https://tdev.kiriminaja.com/").unwrap(),
        "https://tdev.kiriminaja.com"
    );
    assert_eq!(
        base_url(" https://sandbox-id.xfers.com/api/v4 ").unwrap(),
        "https://sandbox-id.xfers.com/api/v4"
    );
    assert_eq!(
        base_url("http://127.0.0.1:8080").unwrap(),
        "http://127.0.0.1:8080"
    );
    for bad in [
        "",
        "tdev.kiriminaja.com",
        "ftp://host",
        "https://host/?q=1",
        "https:///path",
        "not a url",
    ] {
        let error = base_url(bad).unwrap_err();
        assert_eq!(error.field(), "base_url", "{bad:?}");
    }
}

#[tokio::test]
async fn a_late_answer_is_a_timeout_and_a_large_one_is_refused() {
    use http::Response;

    let slow = tower::service_fn(|_: Request<Full<Bytes>>| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::new())))
    });
    let service = crate::client::box_http(slow);
    let request = Request::new(Full::new(Bytes::new()));
    let late = send(&service, request, Duration::from_millis(20), 16).await;
    assert!(matches!(late, Err(TransportError::Timeout(_))), "{late:?}");

    let large = tower::service_fn(|_: Request<Full<Bytes>>| async {
        Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(vec![b'x'; 64]))))
    });
    let service = crate::client::box_http(large);
    let request = Request::new(Full::new(Bytes::new()));
    let refused = send(&service, request, Duration::from_secs(1), 16).await;
    assert!(
        matches!(refused, Err(TransportError::ResponseTooLarge { limit: 16 })),
        "{refused:?}"
    );
}
