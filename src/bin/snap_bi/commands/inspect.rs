//! `request --print-curl` and the string-to-sign of `request --verbose`.
//!
//! Both look at the request exactly as it leaves the [`SnapLayer`]: an
//! inspecting service sits between the layer and the HTTP client, so what is
//! printed is what is sent (headers and body bytes), never a re-signing.
//!
//! [`SnapLayer`]: snap_bi::client::SnapLayer

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::request::Parts;
use http::{HeaderName, Request};
use http_body_util::{BodyExt, Full};
use snap_bi::endpoint::endpoint_url;
use snap_bi::headers::{AUTHORIZATION_CUSTOMER, X_SIGNATURE, X_TIMESTAMP};
use snap_bi::string_to_sign::bare_token;
use snap_bi::{CanonicalBody, ProviderProfile, TransactionParts, TransactionSignature};
use tower::{BoxError, Service, ServiceExt};

/// What to print about each signed request, on stderr.
#[derive(Debug, Clone)]
pub(crate) struct Inspector {
    profile: ProviderProfile,
    print_curl: bool,
    string_to_sign: bool,
    reveal: bool,
}

impl Inspector {
    /// `None` when there is nothing to print.
    pub(crate) fn new(
        profile: ProviderProfile,
        print_curl: bool,
        string_to_sign: bool,
        reveal: bool,
    ) -> Option<Self> {
        (print_curl || string_to_sign).then_some(Self {
            profile,
            print_curl,
            string_to_sign,
            reveal,
        })
    }

    /// Wraps `inner` so every request through it is shown first.
    pub(crate) fn wrap<S, R>(
        self,
        inner: S,
    ) -> impl Service<
        Request<Full<Bytes>>,
        Response = R,
        Error = BoxError,
        Future = impl Future<Output = Result<R, BoxError>> + Send,
    > + Clone
    + Send
    + 'static
    where
        S: Service<Request<Full<Bytes>>, Response = R, Error = BoxError> + Clone + Send + 'static,
        S::Future: Send,
        R: Send + 'static,
    {
        let shared = Arc::new(self);
        tower::service_fn(move |request: Request<Full<Bytes>>| {
            let inner = inner.clone();
            let shared = Arc::clone(&shared);
            async move {
                let (parts, body) = request.into_parts();
                // `Full` yields its one chunk at once; the bytes go on unchanged.
                let bytes = body.collect().await.map_err(BoxError::from)?.to_bytes();
                shared.show(&parts, &bytes);
                inner
                    .oneshot(Request::from_parts(parts, Full::new(bytes)))
                    .await
            }
        })
    }

    fn show(&self, parts: &Parts, body: &[u8]) {
        let mut err = io::stderr().lock();
        if self.string_to_sign {
            let line = string_to_sign(&self.profile, parts, body, self.reveal);
            let _ = writeln!(err, "# string-to-sign: {line}");
        }
        if self.print_curl {
            let curl = curl_command(parts, body, self.reveal);
            let _ = writeln!(err, "{}", curl.command);
            if curl.redacted {
                let _ = writeln!(
                    err,
                    "# the curl command above has its credentials redacted and will not replay; \
                     pass --reveal to print them"
                );
            }
            if !curl.exact_body {
                let _ = writeln!(
                    err,
                    "# the body is not UTF-8 text; the curl command above does not carry it exactly"
                );
            }
        }
    }
}

/// The string-to-sign of the request as sent, by the profile's scheme,
/// computed from the sent method, URL, X-TIMESTAMP, token and body bytes.
/// The token is shown by length unless `reveal`.
pub(crate) fn string_to_sign(
    profile: &ProviderProfile,
    parts: &Parts,
    body: &[u8],
    reveal: bool,
) -> String {
    let timestamp = parts
        .headers
        .get(X_TIMESTAMP)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let endpoint = endpoint_url(&parts.uri, profile.endpoint_url_policy());
    // The layer sends exactly the bytes it hashed: hash them as they are.
    let canonical = CanonicalBody::from_canonical(Cow::Borrowed(body));
    let signed = TransactionParts::new(parts.method.as_str(), &endpoint, &canonical, timestamp)
        .with_empty_body_rule(profile.empty_body_rule());
    match profile.transaction_signature() {
        TransactionSignature::Asymmetric => signed.asymmetric_string_to_sign().into_string(),
        _ => {
            let authorization = parts
                .headers
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let token = bare_token(authorization);
            if reveal {
                signed.symmetric_string_to_sign(token).into_string()
            } else {
                signed
                    .symmetric_string_to_sign(&redacted(token.len()))
                    .into_string()
            }
        }
    }
}

/// A rendered curl command.
#[derive(Debug)]
pub(crate) struct Curl {
    /// The command, one argument per line after the first.
    pub(crate) command: String,
    /// Whether a credential was replaced by a placeholder.
    pub(crate) redacted: bool,
    /// Whether the body is carried byte for byte (it is unless not UTF-8).
    pub(crate) exact_body: bool,
}

/// `curl` with the method, URL, every header and the exact body, each
/// argument single-quoted for POSIX shells. Without `reveal` the tokens and
/// the signature become `<redacted: N chars>`.
pub(crate) fn curl_command(parts: &Parts, body: &[u8], reveal: bool) -> Curl {
    let mut redacted_any = false;
    let mut args = vec![
        "curl".to_owned(),
        format!("-X {}", shell_quote(parts.method.as_str())),
        shell_quote(&parts.uri.to_string()),
    ];
    for (name, value) in &parts.headers {
        let text = String::from_utf8_lossy(value.as_bytes());
        let shown = if !reveal && is_credential(name) {
            redacted_any = true;
            match text.get(..7) {
                Some(p) if p.eq_ignore_ascii_case("bearer ") => {
                    format!("{p}{}", redacted(text.len() - 7))
                }
                _ => redacted(text.len()),
            }
        } else {
            text.into_owned()
        };
        args.push(format!("-H {}", shell_quote(&format!("{name}: {shown}"))));
    }
    let exact_body = std::str::from_utf8(body).is_ok();
    if !body.is_empty() {
        args.push(format!(
            "--data-binary {}",
            shell_quote(&String::from_utf8_lossy(body))
        ));
    }
    Curl {
        command: args.join(" \\\n  "),
        redacted: redacted_any,
        exact_body,
    }
}

fn is_credential(name: &HeaderName) -> bool {
    *name == AUTHORIZATION || *name == AUTHORIZATION_CUSTOMER || *name == X_SIGNATURE
}

fn redacted(len: usize) -> String {
    format!("<redacted: {len} chars>")
}

/// `text` in single quotes, each `'` written as `'\''`: safe for any bytes
/// a POSIX shell can take.
pub(crate) fn shell_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests;
