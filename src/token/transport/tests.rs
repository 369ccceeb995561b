//! Unit tests of the parent module, kept in their own file.

use std::convert::Infallible;

use http::StatusCode;

use super::*;
use crate::timestamp::FixedClock;

fn request() -> Request<Bytes> {
    Request::new(Bytes::new())
}

fn clock() -> FixedClock {
    FixedClock(DateTime::from_timestamp(1_725_949_482, 0).unwrap())
}

#[tokio::test]
async fn body_limit_and_transport_errors_are_typed() {
    let big = tower::service_fn(|_req: Request<Full<Bytes>>| async {
        let mut response = Response::new(Full::new(Bytes::from(vec![b'x'; 100])));
        *response.status_mut() = StatusCode::OK;
        Ok::<_, Infallible>(response)
    });
    assert!(matches!(
        send_token_request(big, request(), 99).await,
        Err(TokenError::BodyTooLarge { limit: 99, .. })
    ));
    let failing = tower::service_fn(|_req: Request<Full<Bytes>>| async {
        Err::<Response<Full<Bytes>>, _>(std::io::Error::other("connection reset"))
    });
    match send_token_request(failing, request(), 99).await {
        Err(TokenError::Transport(e)) => assert_eq!(e.to_string(), "connection reset"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn provider_timestamp_is_the_reference_for_absolute_expiries() {
    // The provider's clock is one hour behind ours; its expiry time is
    // 10 minutes after its own X-TIMESTAMP.
    let provider = tower::service_fn(|_req: Request<Full<Bytes>>| async {
        let body = r#"{"accessToken":"t","accessTokenExpiryTime":"2024-09-10T12:34:42+07:00"}"#;
        let mut response = Response::new(Full::new(Bytes::from(body)));
        response.headers_mut().insert(
            X_TIMESTAMP,
            http::HeaderValue::from_static("2024-09-10T12:24:42+07:00"),
        );
        Ok::<_, Infallible>(response)
    });
    let grant = fetch_token(provider, request(), &ResponseOptions::default(), &clock())
        .await
        .unwrap();
    assert_eq!(grant.lifetime().as_secs(), 600);
}
