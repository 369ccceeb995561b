use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{Empty, Full};

use super::*;

/// A body that yields the given frames one by one and announces no size.
struct Frames(VecDeque<Result<Frame<Bytes>, std::io::Error>>);

impl Frames {
    fn data(chunks: &[&'static [u8]]) -> Self {
        Self(
            chunks
                .iter()
                .map(|c| Ok(Frame::data(Bytes::from_static(c))))
                .collect(),
        )
    }
}

impl Body for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(self.0.pop_front())
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// A body whose frames are not `Bytes`, to cover the copying path.
struct Chained(Option<bytes::buf::Chain<&'static [u8], &'static [u8]>>);

impl Body for Chained {
    type Data = bytes::buf::Chain<&'static [u8], &'static [u8]>;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, std::io::Error>>> {
        Poll::Ready(self.0.take().map(|data| Ok(Frame::data(data))))
    }
}

#[tokio::test]
async fn one_frame_is_returned_without_a_copy() {
    let bytes = Bytes::from(b"{\"a\":1}".to_vec());
    let collected = collect_limited(Full::new(bytes.clone()), 64).await.unwrap();
    assert_eq!(collected, bytes);
    assert_eq!(collected.as_ptr(), bytes.as_ptr());
}

#[tokio::test]
async fn frames_are_joined_in_order() {
    let body = Frames::data(&[b"{\"a\":", b"", b"1,", b"\"b\":2}"]);
    assert_eq!(
        collect_limited(body, 64).await.unwrap(),
        &b"{\"a\":1,\"b\":2}"[..]
    );
    // An empty first frame does not count as the first chunk.
    let body = Frames::data(&[b"", b"abc"]);
    assert_eq!(collect_limited(body, 64).await.unwrap(), &b"abc"[..]);
    let chained = Chained(Some((&b"ab"[..]).chain(&b"cd"[..])));
    assert_eq!(collect_limited(chained, 64).await.unwrap(), &b"abcd"[..]);
}

#[tokio::test]
async fn empty_bodies_and_trailers() {
    assert!(
        collect_limited(Empty::<Bytes>::new(), 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        collect_limited(Frames::data(&[]), 0)
            .await
            .unwrap()
            .is_empty()
    );
    let mut trailers = http::HeaderMap::new();
    trailers.insert("x-trailer", http::HeaderValue::from_static("1"));
    let body = Frames(VecDeque::from([
        Ok(Frame::data(Bytes::from_static(b"ab"))),
        Ok(Frame::trailers(trailers)),
    ]));
    assert_eq!(collect_limited(body, 64).await.unwrap(), &b"ab"[..]);
}

#[tokio::test]
async fn limit_is_inclusive_and_enforced_with_or_without_a_size_hint() {
    assert_eq!(
        collect_limited(Full::new(Bytes::from_static(b"abcd")), 4)
            .await
            .unwrap(),
        &b"abcd"[..]
    );
    assert!(matches!(
        collect_limited(Full::new(Bytes::from_static(b"abcde")), 4).await,
        Err(CollectError::TooLarge { limit: 4 })
    ));
    assert_eq!(
        collect_limited(Frames::data(&[b"ab", b"cd"]), 4)
            .await
            .unwrap(),
        &b"abcd"[..]
    );
    assert!(matches!(
        collect_limited(Frames::data(&[b"ab", b"cd", b"e"]), 4).await,
        Err(CollectError::TooLarge { limit: 4 })
    ));
    assert!(matches!(
        collect_limited(Frames::data(&[b"abcde"]), 4).await,
        Err(CollectError::TooLarge { limit: 4 })
    ));
}

#[tokio::test]
async fn read_errors_are_kept() {
    let body = Frames(VecDeque::from([
        Ok(Frame::data(Bytes::from_static(b"ab"))),
        Err(std::io::Error::other("connection reset")),
    ]));
    match collect_limited(body, 64).await {
        Err(CollectError::Read(err)) => assert_eq!(err.to_string(), "connection reset"),
        other => panic!("{other:?}"),
    }
}
