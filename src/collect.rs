//! Buffering an HTTP body with a size limit: the one place that knows how
//! `http_body_util::Limited` reports "too large", shared by the client layer,
//! the verifying layer, the token issuer, the token client and the mock.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower::BoxError;

/// Why a body could not be buffered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CollectError {
    /// More than the limit (announced by the body's size hint, or read).
    #[error("body exceeds the {limit}-byte limit")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body stream failed.
    #[error("reading the body failed")]
    Read(#[source] BoxError),
}

/// Buffers `body`, refusing more than `limit` bytes; a body whose size hint
/// already says it is larger is refused without reading it. Trailers are
/// dropped.
///
/// A body that arrives as one data frame (`Full<Bytes>`, most small request
/// and response bodies) is returned as that frame's bytes, without a copy
/// and without the frame list `http_body_util::Collected` allocates; only a
/// second data frame starts a joined buffer.
pub(crate) async fn collect_limited<B>(body: B, limit: usize) -> Result<Bytes, CollectError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(CollectError::TooLarge { limit });
    }
    let mut body = std::pin::pin!(Limited::new(body, limit));
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| {
            if err.is::<LengthLimitError>() {
                CollectError::TooLarge { limit }
            } else {
                CollectError::Read(err)
            }
        })?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        match joined.as_mut() {
            Some(buffer) => buffer.put(data),
            // For `Bytes` frames this takes the frame as it is.
            None if first.is_empty() => first = data.copy_to_bytes(data.remaining()),
            None => {
                let mut buffer = BytesMut::with_capacity(first.len() + data.remaining());
                buffer.extend_from_slice(&first);
                buffer.put(data);
                joined = Some(buffer);
            }
        }
    }
    Ok(joined.map_or(first, BytesMut::freeze))
}

/// Reads `body` up to `limit` bytes: those bytes, and whether the body had
/// more (then it is cut at `limit` and the rest is not read). For answers
/// that are passed on even when too large, such as a provider's `401`.
pub(crate) async fn collect_prefix<B>(body: B, limit: usize) -> Result<(Bytes, bool), CollectError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| CollectError::Read(err.into()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let room = limit - buffer.len();
        if data.remaining() > room {
            buffer.put(data.take(room));
            return Ok((buffer.freeze(), true));
        }
        buffer.put(data);
    }
    Ok((buffer.freeze(), false))
}

#[cfg(test)]
mod tests;
