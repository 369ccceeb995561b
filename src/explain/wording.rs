//! The words of a [`Diagnosis`](super::Diagnosis): table cells, what each
//! difference means, likely causes. Tokens only ever appear redacted.

use super::search::{Attempt, Axes, Candidate, Segment, decoded_len};
use super::{
    Axis, BodyForm, CapturedRequest, EncodingForm, EndpointUrlForm, Row, SignatureScheme,
    TokenForm, Variant,
};
use crate::symmetric::SymmetricSigner;

/// The cell of an axis that a scheme's string-to-sign does not contain.
const NOT_SIGNED: &str = "n/a (not signed)";

/// The table: one row per axis that the standard or the matched scheme signs.
pub(super) fn rows(
    axes: &Axes,
    standard: Variant,
    matched: Option<&(Variant, Attempt)>,
    timestamp_sent: &str,
    request: &CapturedRequest<'_>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let matched_scheme = matched.map(|(v, _)| v.scheme);
    let row = |axis, standard: String, matched: Option<String>, difference: Option<String>| Row {
        axis,
        standard,
        matched,
        difference,
    };
    let scheme_difference = matched_scheme
        .filter(|&m| m != standard.scheme)
        .map(|m| scheme_difference(standard.scheme, m));
    rows.push(row(
        Axis::Scheme,
        standard.scheme.label().to_owned(),
        matched_scheme.map(|m| m.label().to_owned()),
        scheme_difference,
    ));

    let transaction = |scheme: SignatureScheme| scheme.is_transaction();
    if transaction(standard.scheme) || matched_scheme.is_some_and(transaction) {
        let url_text = |i: usize| format!("{}: {}", axes.urls[i].form.label(), axes.urls[i].value);
        let body_text = |i: usize| body_label(&axes.bodies[i], axes.body_is_empty);
        let std_url = transaction(standard.scheme).then(|| url_text(0));
        let std_body = transaction(standard.scheme).then(|| body_text(0));
        let (m_url, m_body, url_diff, body_diff) = match matched {
            Some((variant, attempt)) if transaction(variant.scheme) => {
                let both = transaction(standard.scheme);
                (
                    Some(url_text(attempt.url)),
                    Some(body_text(attempt.body)),
                    (both && attempt.url != 0)
                        .then(|| url_difference(&axes.urls[0], &axes.urls[attempt.url], request)),
                    (both && attempt.body != 0).then(|| {
                        body_difference(
                            &axes.bodies[0],
                            &axes.bodies[attempt.body],
                            axes.body_is_empty,
                            request.body,
                        )
                    }),
                )
            }
            Some(_) => (
                Some(NOT_SIGNED.to_owned()),
                Some(NOT_SIGNED.to_owned()),
                None,
                None,
            ),
            None => (None, None, None, None),
        };
        rows.push(row(
            Axis::EndpointUrl,
            std_url.unwrap_or_else(|| NOT_SIGNED.to_owned()),
            m_url,
            url_diff,
        ));
        rows.push(row(
            Axis::Body,
            std_body.unwrap_or_else(|| NOT_SIGNED.to_owned()),
            m_body,
            body_diff,
        ));
    }

    let symmetric = |scheme| scheme == SignatureScheme::Symmetric;
    if symmetric(standard.scheme) || matched_scheme.is_some_and(symmetric) {
        let token_text = |i: usize| match axes.tokens[i].form {
            TokenForm::Bare => format!("bare {}", axes.token_shown),
            TokenForm::WithBearer => format!("with Bearer: Bearer {}", axes.token_shown),
        };
        let (m_token, token_diff) = match matched {
            Some((variant, attempt)) if symmetric(variant.scheme) => (
                Some(token_text(attempt.token)),
                (symmetric(standard.scheme) && attempt.token != 0)
                    .then(|| "the access token was signed with its `Bearer ` prefix".to_owned()),
            ),
            Some(_) => (Some(NOT_SIGNED.to_owned()), None),
            None => (None, None),
        };
        let std_token = if symmetric(standard.scheme) {
            token_text(0)
        } else {
            NOT_SIGNED.to_owned()
        };
        rows.push(row(Axis::Token, std_token, m_token, token_diff));
    }

    let ts_text = |i: usize| {
        format!(
            "{}: {}",
            axes.timestamps[i].form.label(),
            axes.timestamps[i].value
        )
    };
    let (m_ts, ts_diff) = match matched {
        Some((_, attempt)) => (
            Some(ts_text(attempt.timestamp)),
            (attempt.timestamp != 0).then(|| {
                let signed = &axes.timestamps[attempt.timestamp];
                format!(
                    "the timestamp was signed as {} ({}) but X-TIMESTAMP says {}",
                    signed.value,
                    signed.form.label(),
                    timestamp_sent
                )
            }),
        ),
        None => (None, None),
    };
    rows.push(row(Axis::Timestamp, ts_text(0), m_ts, ts_diff));

    let (m_enc, enc_diff) = match matched {
        Some((variant, _)) => (
            Some(variant.encoding.label().to_owned()),
            (variant.encoding != standard.encoding).then(|| match variant.encoding {
                EncodingForm::Base64OfHex => format!(
                    "X-SIGNATURE is base64 of the hex digest text (as PHP's base64_encode(hash_hmac(...)) without raw output gives) instead of {}",
                    standard.encoding.label()
                ),
                other => format!(
                    "X-SIGNATURE is {}-encoded instead of {}",
                    other.label(),
                    standard.encoding.label()
                ),
            }),
        ),
        None => (None, None),
    };
    rows.push(row(
        Axis::Encoding,
        standard.encoding.label().to_owned(),
        m_enc,
        enc_diff,
    ));
    rows
}

/// Why `signature` is not a signature of any of the `expected` (scheme, byte
/// length) pairs, with a hint when its size fits another algorithm.
pub(super) fn malformed(signature: &str, expected: &[(SignatureScheme, usize)]) -> String {
    let mut sizes: Vec<String> = Vec::new();
    for &(scheme, len) in expected {
        {
            let text = match scheme {
                SignatureScheme::Symmetric => format!("{len} bytes (HMAC-SHA512)"),
                _ => format!("{len} bytes (SHA256withRSA, {}-bit key)", len * 8),
            };
            if !sizes.contains(&text) {
                sizes.push(text);
            }
        }
    }
    let mut text = format!(
        "X-SIGNATURE is neither base64 nor hex of {}",
        sizes.join(" or ")
    );
    if let Some(len) = decoded_len(signature) {
        text.push_str(&format!("; it decodes to {len} bytes"));
        if len == SymmetricSigner::SIGNATURE_LEN {
            text.push_str(", the size of an HMAC-SHA512: give the client secret to check it");
        } else if matches!(len, 128 | 256 | 384 | 512) {
            text.push_str(&format!(
                ", the size of a {}-bit RSA signature: give the matching public key to check it",
                len * 8
            ));
        }
    }
    text
}

/// `<token eyJ0…, 120 chars>`; short tokens show no characters at all.
pub(super) fn redact_token(token: &str) -> String {
    let chars = token.chars().count();
    if chars >= 16 {
        let prefix: String = token.chars().take(4).collect();
        format!("<token {prefix}…, {chars} chars>")
    } else {
        format!("<token, {chars} chars>")
    }
}

/// A body form and (the start of) its hash, for the table.
fn body_label(candidate: &Candidate<BodyForm, Segment>, body_is_empty: bool) -> String {
    let hash = match candidate.value.digest() {
        Some(digest) => format!(", sha256 {}…", &digest.as_str()[..12]),
        None => String::new(),
    };
    match candidate.form {
        BodyForm::Minified => format!("minified{hash}"),
        BodyForm::Raw => format!("raw, as received{hash}"),
        BodyForm::Reencoded(how) => format!("re-serialised: {}{hash}", how.short()),
        BodyForm::Empty(form) if body_is_empty => format!("no body: {}", form.label()),
        BodyForm::Empty(form) => format!("signed as no body: {}", form.label()),
    }
}

/// What the sender did, when the scheme differs.
fn scheme_difference(standard: SignatureScheme, matched: SignatureScheme) -> String {
    use SignatureScheme as S;
    match (standard, matched) {
        (S::Token, _) => format!(
            "a transaction string-to-sign was signed ({}) instead of clientId|timestamp",
            matched.label()
        ),
        (_, S::Token) => {
            "X-SIGNATURE is an access-token signature over clientId|timestamp, not a transaction signature"
                .to_owned()
        }
        (S::Symmetric, _) => {
            "signed with SHA256withRSA over METHOD:EndpointUrl:bodyhash:Timestamp (asymmetric, no token) instead of HMAC-SHA512 with the client secret"
                .to_owned()
        }
        _ => "signed with HMAC-SHA512 and the client secret (symmetric) instead of SHA256withRSA"
            .to_owned(),
    }
}

/// What the sender did, when the EndpointUrl differs.
fn url_difference(
    standard: &Candidate<EndpointUrlForm, String>,
    matched: &Candidate<EndpointUrlForm, String>,
    request: &CapturedRequest<'_>,
) -> String {
    let signed = &matched.value;
    match matched.form {
        EndpointUrlForm::AsSent => format!(
            "the EndpointUrl was signed as sent ({signed}), not as {}",
            standard.value
        ),
        EndpointUrlForm::PathOnly => format!(
            "the EndpointUrl was signed with the query string dropped ({signed}, not {})",
            standard.value
        ),
        EndpointUrlForm::CanonicalQuery => format!(
            "the EndpointUrl was signed in BCA's canonical form, query sorted and RFC 3986-encoded ({signed}, not {})",
            standard.value
        ),
        EndpointUrlForm::AbsoluteUrl => format!(
            "the EndpointUrl was signed as an absolute URL with scheme and host ({signed}), not the relative {}",
            standard.value
        ),
        EndpointUrlForm::TrailingSlashAdded => format!(
            "the EndpointUrl was signed with a trailing slash ({signed}, not {})",
            standard.value
        ),
        EndpointUrlForm::TrailingSlashRemoved => format!(
            "the EndpointUrl was signed without the trailing slash ({signed}, not {})",
            standard.value
        ),
        EndpointUrlForm::BasePathStripped => format!(
            "the EndpointUrl was signed without its leading base path ({signed}, but the request went to {})",
            request.target
        ),
    }
}

/// What the sender did, when the body hash differs.
fn body_difference(
    standard: &Candidate<BodyForm, Segment>,
    matched: &Candidate<BodyForm, Segment>,
    body_is_empty: bool,
    body: &[u8],
) -> String {
    match matched.form {
        BodyForm::Raw if body_is_empty => format!(
            "the body hash is over the {} whitespace bytes as received instead of an empty body",
            body.len()
        ),
        BodyForm::Raw => "the body hash is over the raw, un-minified bytes".to_owned(),
        BodyForm::Minified => {
            "the body hash is over the minified body, not the bytes as sent".to_owned()
        }
        BodyForm::Reencoded(how) => format!(
            "the body hash is over a re-serialised body ({}), not the bytes sent",
            how.describe()
        ),
        BodyForm::Empty(form) if body_is_empty => match standard.form {
            BodyForm::Empty(standard) => format!(
                "the empty body was signed as {} instead of {}",
                form.label(),
                standard.label()
            ),
            _ => format!("the empty body was signed as {}", form.label()),
        },
        BodyForm::Empty(form) => {
            let sent = String::from_utf8_lossy(body);
            format!(
                "the body {} was sent but signed as if there were no body ({})",
                sent.trim(),
                form.label()
            )
        }
    }
}

/// What to check when nothing matched, for the schemes tried.
pub(super) fn likely_causes(schemes: &[SignatureScheme]) -> Vec<String> {
    let mut causes = Vec::new();
    if schemes.contains(&SignatureScheme::Symmetric) {
        causes.push("the client secret is not the one the signature was made with".to_owned());
    }
    if schemes.iter().any(|&s| s != SignatureScheme::Symmetric) {
        causes.push(
            "the signature was made with a private key that does not match this public key"
                .to_owned(),
        );
    }
    causes.push(
        "the timestamp signed is not the X-TIMESTAMP sent (for example the clock was read twice)"
            .to_owned(),
    );
    if schemes.iter().any(|s| s.is_transaction()) {
        causes.push(
            "the body was changed after signing (a proxy, framework or charset conversion rewrote it)"
                .to_owned(),
        );
        causes.push(
            "the EndpointUrl signed differs in a way not tried (another base path or API version)"
                .to_owned(),
        );
    }
    if schemes.contains(&SignatureScheme::Symmetric) {
        causes.push("another access token was signed (an expired or refreshed one)".to_owned());
    }
    if schemes.contains(&SignatureScheme::Token) {
        causes.push("the client id signed differs from X-CLIENT-KEY".to_owned());
    }
    causes
}

#[cfg(test)]
mod tests;
