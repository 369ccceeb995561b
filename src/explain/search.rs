//! The search behind [`explain`](super): the candidate values along each axis,
//! the combinations to try in order, and the strings-to-sign they make.
//!
//! Index 0 of every axis is the standard value, so an attempt's distance from
//! the standard is the number of non-zero indices; candidates that produce the
//! same bytes as an earlier one are dropped, so the simpler explanation wins.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::json;
use super::wording::redact_token;
use super::{
    BodyForm, CapturedRequest, EmptyBodyForm, EncodingForm, EndpointUrlForm, EscapeStyle, KeyOrder,
    NumberStyle, Reencoding, SentHeaders, SignatureScheme, TimestampForm, TokenForm, Variant,
};
use crate::body::{BodyDigest, BodySegment, CanonicalBody};
use crate::endpoint::{EndpointError, EndpointUrlPolicy, endpoint_url_from_str};
use crate::minify::{BodyPolicy, minify};
use crate::profile::ProviderProfile;
use crate::signature::{SignatureEncoding, decode_signature};
use crate::string_to_sign::{TransactionParts, bare_token, token_string_to_sign};
use crate::timestamp::{Timestamp, TimestampFormat};

/// Bodies larger than this are not re-serialised (each form costs a copy and a hash).
const MAX_REENCODED_BODY: usize = 256 * 1024;

/// One value along an axis. Index 0 of every axis list is the standard value.
pub(super) struct Candidate<F, V> {
    pub(super) form: F,
    pub(super) value: V,
}

/// Pushes unless an earlier candidate already produces the same value (the
/// earlier, simpler explanation wins).
pub(super) fn push_unique<F, V: PartialEq>(list: &mut Vec<Candidate<F, V>>, form: F, value: V) {
    if !list.iter().any(|c| c.value == value) {
        list.push(Candidate { form, value });
    }
}

/// The body-hash field of a string-to-sign, owned (see [`BodySegment`]).
#[derive(PartialEq)]
pub(super) enum Segment {
    Digest(BodyDigest),
    Empty,
    Omitted,
}

impl Segment {
    pub(super) fn of(bytes: &[u8]) -> Self {
        Self::Digest(BodyDigest::of(bytes))
    }

    pub(super) fn as_body_segment(&self) -> BodySegment<'_> {
        match self {
            Self::Digest(digest) => BodySegment::Digest(digest),
            Self::Empty => BodySegment::Empty,
            Self::Omitted => BodySegment::Omitted,
        }
    }

    pub(super) fn digest(&self) -> Option<&BodyDigest> {
        match self {
            Self::Digest(digest) => Some(digest),
            _ => None,
        }
    }
}

/// A scheme whose signature size the received `X-SIGNATURE` decodes to.
pub(super) struct Plan {
    pub(super) scheme: SignatureScheme,
    pub(super) raw: Vec<u8>,
    pub(super) encoding: EncodingForm,
}

/// One combination: an index into each axis (0 is the standard value) and
/// into the plans.
#[derive(Clone, Copy)]
pub(super) struct Attempt {
    /// How many axes differ from the standard.
    pub(super) distance: usize,
    pub(super) plan: usize,
    pub(super) url: usize,
    pub(super) body: usize,
    pub(super) timestamp: usize,
    pub(super) token: usize,
}

impl Attempt {
    /// The standard value on every axis.
    pub(super) const STANDARD: Self = Self {
        distance: 0,
        plan: 0,
        url: 0,
        body: 0,
        timestamp: 0,
        token: 0,
    };
}

/// Everything the search varies, computed once per request.
pub(super) struct Axes {
    pub(super) urls: Vec<Candidate<EndpointUrlForm, String>>,
    pub(super) bodies: Vec<Candidate<BodyForm, Segment>>,
    pub(super) timestamps: Vec<Candidate<TimestampForm, String>>,
    pub(super) tokens: Vec<Candidate<TokenForm, String>>,
    /// The redacted token, for display.
    pub(super) token_shown: String,
    /// The request has no body (or only whitespace).
    pub(super) body_is_empty: bool,
    /// The client id of token strings-to-sign.
    pub(super) client_id: Option<String>,
}

impl Axes {
    /// Every candidate value of every axis for `request`, the standard of
    /// `profile` first on each.
    pub(super) fn new(
        request: &CapturedRequest<'_>,
        sent: &SentHeaders<'_>,
        client_id: Option<String>,
        profile: &ProviderProfile,
        notes: &mut Vec<String>,
    ) -> Result<Self, EndpointError> {
        let urls = endpoint_candidates(&request.target, sent.host, profile.endpoint_url_policy())?;
        let (bodies, body_is_empty) = body_candidates(request.body, profile, notes);
        let timestamps = timestamp_candidates(sent.timestamp, notes);
        let bare = sent.authorization.map_or("", bare_token);
        let mut tokens = Vec::new();
        push_unique(&mut tokens, TokenForm::Bare, bare.to_owned());
        push_unique(&mut tokens, TokenForm::WithBearer, format!("Bearer {bare}"));
        Ok(Self {
            urls,
            bodies,
            timestamps,
            tokens,
            token_shown: redact_token(bare),
            body_is_empty,
            client_id,
        })
    }

    /// The variant that `attempt` stands for under `scheme` and `encoding`.
    pub(super) fn variant(
        &self,
        scheme: SignatureScheme,
        encoding: EncodingForm,
        attempt: &Attempt,
    ) -> Variant {
        let transaction = scheme.is_transaction();
        Variant {
            scheme,
            endpoint_url: transaction.then(|| self.urls[attempt.url].form),
            body: transaction.then(|| self.bodies[attempt.body].form),
            token: (scheme == SignatureScheme::Symmetric).then(|| self.tokens[attempt.token].form),
            timestamp: self.timestamps[attempt.timestamp].form,
            encoding,
        }
    }

    /// Every combination of every plan, fewest differences from `standard` first.
    pub(super) fn attempts(&self, plans: &[Plan], standard: &Variant) -> Vec<Attempt> {
        let mut attempts = Vec::new();
        for (index, plan) in plans.iter().enumerate() {
            let base = usize::from(plan.scheme != standard.scheme)
                + usize::from(plan.encoding != standard.encoding);
            let (urls, bodies, tokens) = match plan.scheme {
                SignatureScheme::Symmetric => {
                    (self.urls.len(), self.bodies.len(), self.tokens.len())
                }
                SignatureScheme::Asymmetric => (self.urls.len(), self.bodies.len(), 1),
                // The token string has neither EndpointUrl nor body nor token.
                SignatureScheme::Token => (1, 1, 1),
            };
            for url in 0..urls {
                for body in 0..bodies {
                    for timestamp in 0..self.timestamps.len() {
                        for token in 0..tokens {
                            let changed = [url, body, timestamp, token]
                                .iter()
                                .filter(|&&index| index != 0)
                                .count();
                            attempts.push(Attempt {
                                distance: base + changed,
                                plan: index,
                                url,
                                body,
                                timestamp,
                                token,
                            });
                        }
                    }
                }
            }
        }
        // Fewest changes first: the simplest explanation is the likeliest.
        attempts.sort_by_key(|attempt| attempt.distance);
        attempts
    }
}

/// The body forms, the standard of `profile` first; the second value says
/// whether the request has no body.
fn body_candidates(
    body: &[u8],
    profile: &ProviderProfile,
    notes: &mut Vec<String>,
) -> (Vec<Candidate<BodyForm, Segment>>, bool) {
    let mut list = Vec::new();
    let minified = match minify(body) {
        Ok(minified) => Some(minified),
        Err(e) => {
            notes.push(format!(
                "the body is not valid JSON ({e}); its standard hash was taken over the bytes as received"
            ));
            None
        }
    };
    let empty_forms = [
        EmptyBodyForm::HashOfEmpty,
        EmptyBodyForm::EmptySegment,
        EmptyBodyForm::DropSegment,
        EmptyBodyForm::HashOfEmptyObject,
        EmptyBodyForm::HashOfEmptyArray,
    ];
    let empty_segment = |form| match form {
        EmptyBodyForm::EmptySegment => Segment::Empty,
        EmptyBodyForm::DropSegment => Segment::Omitted,
        EmptyBodyForm::HashOfEmptyObject => Segment::of(b"{}"),
        EmptyBodyForm::HashOfEmptyArray => Segment::of(b"[]"),
        _ => Segment::Digest(BodyDigest::EMPTY),
    };
    let Some(minified) = minified else {
        push_unique(&mut list, BodyForm::Raw, Segment::of(body));
        return (list, false);
    };
    if minified.is_empty() {
        // No body: the provider's empty-body rule is the standard.
        let standard = EmptyBodyForm::from(profile.empty_body_rule());
        push_unique(
            &mut list,
            BodyForm::Empty(standard),
            empty_segment(standard),
        );
        for form in empty_forms {
            push_unique(&mut list, BodyForm::Empty(form), empty_segment(form));
        }
        push_unique(&mut list, BodyForm::Raw, Segment::of(body));
        return (list, true);
    }
    let minified_segment = Segment::of(&minified);
    let raw_segment = Segment::of(body);
    if profile.body_policy() == BodyPolicy::Raw {
        push_unique(&mut list, BodyForm::Raw, raw_segment);
        push_unique(&mut list, BodyForm::Minified, minified_segment);
    } else {
        push_unique(&mut list, BodyForm::Minified, minified_segment);
        push_unique(&mut list, BodyForm::Raw, raw_segment);
    }
    if matches!(&*minified, b"{}" | b"[]") {
        for form in empty_forms {
            push_unique(&mut list, BodyForm::Empty(form), empty_segment(form));
        }
    }
    if minified.len() > MAX_REENCODED_BODY {
        notes.push(format!(
            "the body is larger than {} KiB; re-serialised forms were not tried",
            MAX_REENCODED_BODY / 1024
        ));
        return (list, false);
    }
    // minify validated UTF-8, so this only fails if that changes.
    let tree = std::str::from_utf8(&minified).ok().and_then(json::parse);
    let Some(tree) = tree else {
        notes.push("the body is nested too deeply to re-serialise".to_owned());
        return (list, false);
    };
    for how in reencodings() {
        if let Some(text) = json::reencode(&tree, how) {
            push_unique(
                &mut list,
                BodyForm::Reencoded(how),
                Segment::of(text.as_bytes()),
            );
        }
    }
    (list, false)
}

/// The EndpointUrl forms of `target`, `policy`'s first.
fn endpoint_candidates(
    target: &str,
    host: Option<&str>,
    policy: EndpointUrlPolicy,
) -> Result<Vec<Candidate<EndpointUrlForm, String>>, EndpointError> {
    let mut list = Vec::new();
    let path = endpoint_url_from_str(target, EndpointUrlPolicy::PathOnly)?;
    let path = path.as_ref();
    let standard = endpoint_url_from_str(target, policy)?.into_owned();
    push_unique(&mut list, EndpointUrlForm::from(policy), standard);
    for policy in [
        EndpointUrlPolicy::AsSent,
        EndpointUrlPolicy::PathOnly,
        EndpointUrlPolicy::CanonicalQuery,
    ] {
        let url = endpoint_url_from_str(target, policy)?.into_owned();
        push_unique(&mut list, EndpointUrlForm::from(policy), url);
    }
    let as_sent = endpoint_url_from_str(target, EndpointUrlPolicy::AsSent)?.into_owned();
    let uri: http::Uri = target.parse().map_err(|source| EndpointError::InvalidUri {
        input: target.to_owned(),
        source,
    })?;
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => push_unique(
            &mut list,
            EndpointUrlForm::AbsoluteUrl,
            format!("{scheme}://{authority}{as_sent}"),
        ),
        _ => {
            if let Some(host) = host {
                for scheme in ["https", "http"] {
                    push_unique(
                        &mut list,
                        EndpointUrlForm::AbsoluteUrl,
                        format!("{scheme}://{host}{as_sent}"),
                    );
                }
            }
        }
    }
    let query = as_sent.strip_prefix(path).unwrap_or_default();
    if path.len() > 1 && path.ends_with('/') {
        push_unique(
            &mut list,
            EndpointUrlForm::TrailingSlashRemoved,
            format!("{}{query}", path.trim_end_matches('/')),
        );
    } else if !path.ends_with('/') {
        push_unique(
            &mut list,
            EndpointUrlForm::TrailingSlashAdded,
            format!("{path}/{query}"),
        );
    }
    // Keep at least two segments: `/v1.0/x` is a plausible signed path, `/x` rarely.
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for strip in 1..=2 {
        if segments.len() >= strip + 2 {
            push_unique(
                &mut list,
                EndpointUrlForm::BasePathStripped,
                format!("/{}{query}", segments[strip..].join("/")),
            );
        }
    }
    Ok(list)
}

/// The timestamp as sent, then the same instant in every other format.
fn timestamp_candidates(
    timestamp: &str,
    notes: &mut Vec<String>,
) -> Vec<Candidate<TimestampForm, String>> {
    let mut list = Vec::new();
    push_unique(&mut list, TimestampForm::AsSent, timestamp.to_owned());
    match Timestamp::parse(timestamp) {
        Ok(parsed) => {
            let instant = parsed.instant().to_utc();
            for (form, format) in [
                (
                    TimestampForm::JakartaSeconds,
                    TimestampFormat::JakartaSeconds,
                ),
                (TimestampForm::JakartaMillis, TimestampFormat::JakartaMillis),
                (TimestampForm::UtcSeconds, TimestampFormat::UtcSeconds),
                (TimestampForm::UtcMillis, TimestampFormat::UtcMillis),
            ] {
                push_unique(&mut list, form, format.format(instant).into_string());
            }
        }
        Err(e) => notes.push(format!(
            "X-TIMESTAMP is not an RFC 3339 timestamp ({e}); no re-formatted timestamps were tried"
        )),
    }
    list
}

/// Every re-encoding, fewest changes first.
fn reencodings() -> Vec<Reencoding> {
    let mut all = Vec::new();
    for escapes in [
        EscapeStyle::AsSent,
        EscapeStyle::Php,
        EscapeStyle::Minimal,
        EscapeStyle::Ascii,
        EscapeStyle::HtmlSafe,
    ] {
        for numbers in [
            NumberStyle::AsSent,
            NumberStyle::Shortest,
            NumberStyle::Float,
        ] {
            for keys in [KeyOrder::AsSent, KeyOrder::Sorted] {
                let how = Reencoding::new(escapes, numbers, keys);
                if how.changes() > 0 {
                    all.push(how);
                }
            }
        }
    }
    all.sort_by_key(|how| how.changes());
    all
}

/// Writes the string-to-sign of `attempt` under `scheme` into `out`; with
/// `redacted`, the token is replaced by its redacted form.
pub(super) fn write_string_to_sign(
    out: &mut Vec<u8>,
    method: &str,
    axes: &Axes,
    scheme: SignatureScheme,
    attempt: &Attempt,
    redacted: bool,
) {
    let timestamp = &axes.timestamps[attempt.timestamp].value;
    if scheme == SignatureScheme::Token {
        let client_id = axes.client_id.as_deref().unwrap_or_default();
        out.extend_from_slice(token_string_to_sign(client_id, timestamp).as_bytes());
        return;
    }
    let no_body = CanonicalBody::empty();
    let parts = TransactionParts::new(method, &axes.urls[attempt.url].value, &no_body, timestamp)
        .with_body_segment(axes.bodies[attempt.body].value.as_body_segment());
    let mut sink = |piece: &[u8]| out.extend_from_slice(piece);
    if scheme == SignatureScheme::Asymmetric {
        parts.write_asymmetric(&mut sink);
        return;
    }
    let token = &axes.tokens[attempt.token];
    if redacted {
        let shown = match token.form {
            TokenForm::WithBearer => format!("Bearer {}", axes.token_shown),
            TokenForm::Bare => axes.token_shown.clone(),
        };
        parts.write_symmetric_verbatim(&shown, &mut sink);
    } else {
        parts.write_symmetric_verbatim(&token.value, &mut sink);
    }
}

/// Decodes a received signature of `len` bytes as base64, hex, or base64 of hex.
pub(super) fn decode(signature: &str, len: usize) -> Option<(Vec<u8>, EncodingForm)> {
    if let Ok((raw, encoding)) = decode_signature(signature, len) {
        let form = match encoding {
            SignatureEncoding::Hex => EncodingForm::Hex,
            _ => EncodingForm::Base64,
        };
        return Some((raw, form));
    }
    let signature = signature.trim();
    if signature.len() > (2 * len).div_ceil(3) * 4 {
        return None;
    }
    let text = STANDARD.decode(signature).ok()?;
    if text.len() != 2 * len {
        return None;
    }
    Some((hex::decode(&text).ok()?, EncodingForm::Base64OfHex))
}

/// How many bytes `signature` decodes to as hex or base64, for malformed-signature hints.
pub(super) fn decoded_len(signature: &str) -> Option<usize> {
    let signature = signature.trim();
    if signature.len() > 4096 {
        return None;
    }
    if signature.len().is_multiple_of(2)
        && let Ok(raw) = hex::decode(signature)
    {
        return Some(raw.len());
    }
    STANDARD.decode(signature).ok().map(|raw| raw.len())
}

#[cfg(test)]
mod tests;
