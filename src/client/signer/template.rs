//! The signer's headers for a request that arrives without any (the common
//! case), cloned from a map built once per signer instead of inserted one by
//! one: each insertion hashes the name, probes the table and may move the
//! map, which added up to more than the rest of the header work.

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};

use crate::headers as names;

/// Stands in for a per-request value in a template; always replaced by
/// [`HeaderTemplates::fill`]. Empty, so a configured value is never mistaken
/// for it unless it is empty too, and then no placeholder name matches it.
const PLACEHOLDER: HeaderValue = HeaderValue::from_static("");

/// The per-request SNAP header values.
#[cfg_attr(test, derive(Clone))]
pub(super) struct RequestHeaders {
    /// `Some` only to correct a `Content-Length` the caller set.
    pub(super) content_length: Option<HeaderValue>,
    pub(super) timestamp: HeaderValue,
    /// `None` when the caller set `X-EXTERNAL-ID`.
    pub(super) external_id: Option<HeaderValue>,
    pub(super) authorization: Option<HeaderValue>,
    pub(super) authorization_customer: Option<HeaderValue>,
    pub(super) signature: HeaderValue,
}

/// The headers [`RequestSigner`](super::RequestSigner) sends, in the order
/// its general path inserts them, with placeholders for the per-request
/// values; one map with `Authorization`, one without.
#[derive(Clone)]
pub(super) struct HeaderTemplates {
    bearer: HeaderMap,
    anonymous: HeaderMap,
}

impl fmt::Debug for HeaderTemplates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The configured values are shown by the signer itself.
        f.debug_struct("HeaderTemplates").finish_non_exhaustive()
    }
}

impl HeaderTemplates {
    /// Templates carrying the configured `X-PARTNER-ID`, `CHANNEL-ID` and
    /// `ORIGIN`.
    pub(super) fn new(
        partner_id: Option<&HeaderValue>,
        channel_id: Option<&HeaderValue>,
        origin: Option<&HeaderValue>,
    ) -> Self {
        let template = |bearer: bool| {
            let mut map = HeaderMap::new();
            map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            map.insert(names::X_TIMESTAMP, PLACEHOLDER);
            map.insert(names::X_EXTERNAL_ID, PLACEHOLDER);
            let defaults = [
                (names::X_PARTNER_ID, partner_id),
                (names::CHANNEL_ID, channel_id),
                (names::ORIGIN, origin),
            ];
            for (name, value) in defaults {
                if let Some(value) = value {
                    map.insert(name, value.clone());
                }
            }
            if bearer {
                map.insert(AUTHORIZATION, PLACEHOLDER);
            }
            map.insert(names::X_SIGNATURE, PLACEHOLDER);
            map
        };
        Self {
            bearer: template(true),
            anonymous: template(false),
        }
    }

    /// The complete headers of a request that had none, or the values back
    /// when no template fits (a customer token; a caller's external id).
    // The values come back by move when no template fits; boxing them would
    // allocate on every request.
    #[allow(clippy::result_large_err)]
    pub(super) fn fill(&self, values: RequestHeaders) -> Result<HeaderMap, RequestHeaders> {
        let RequestHeaders {
            content_length: None,
            timestamp,
            external_id: Some(external_id),
            authorization,
            authorization_customer: None,
            signature,
        } = values
        else {
            return Err(values);
        };
        let mut headers = match authorization {
            Some(_) => self.bearer.clone(),
            None => self.anonymous.clone(),
        };
        let mut timestamp = Some(timestamp);
        let mut external_id = Some(external_id);
        let mut authorization = authorization;
        let mut signature = Some(signature);
        // Matched by name, not position: `HeaderMap` leaves its iteration
        // order unspecified.
        for (name, value) in headers.iter_mut() {
            if !value.is_empty() {
                continue;
            }
            let fresh = if name == names::X_TIMESTAMP {
                timestamp.take()
            } else if name == names::X_EXTERNAL_ID {
                external_id.take()
            } else if name == AUTHORIZATION {
                authorization.take()
            } else if name == names::X_SIGNATURE {
                signature.take()
            } else {
                None
            };
            if let Some(fresh) = fresh {
                *value = fresh;
            }
        }
        Ok(headers)
    }
}
