//! Buffering an HTTP body with a size limit: the one place that knows how
//! `http_body_util::Limited` reports "too large", shared by the client layer,
//! the verifying layer, the token issuer, the token client and the mock.

use bytes::Bytes;
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
/// already says it is larger is refused without reading it.
pub(crate) async fn collect_limited<B>(body: B, limit: usize) -> Result<Bytes, CollectError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(CollectError::TooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(CollectError::TooLarge { limit }),
        Err(err) => Err(CollectError::Read(err)),
    }
}
