//! `snap-bi explain`: why a captured request's signature is rejected.

use http::{HeaderMap, HeaderName, HeaderValue};
use snap_bi::body::{BodySegment, body_digest};
use snap_bi::endpoint::{EndpointUrlPolicy, endpoint_url_from_str};
use snap_bi::explain::{CapturedRequest, Explainer, SignatureScheme};
use snap_bi::headers::{
    AUTHORIZATION, AUTHORIZATION_CUSTOMER, X_CLIENT_KEY, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::string_to_sign::bare_token;
use snap_bi::{BodyPolicy, CanonicalBody, ClientSecret, ProviderProfile, TransactionParts};

use super::compare::{Field, Outcome, compare};

use crate::cli::args::{ExplainArgs, PublicKeyArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{optional_client_secret, public_key, read_file, read_input};
use crate::cli::output::Output;

/// Prints the table and the verdict (or the JSON document); exit 1 unless the
/// signature is valid under the standard. With `--their-string-to-sign`, the
/// comparison comes first, and alone when no credentials are given.
pub(crate) fn explain(args: &ExplainArgs, out: &mut Output) -> CliResult {
    let mut headers = HeaderMap::new();
    let file_text = match &args.headers_file {
        Some(path) => {
            let bytes = read_file(path, "headers file")?;
            let text = String::from_utf8(bytes).map_err(|_| {
                CliError::input(format!("headers file {} is not UTF-8 text", path.display()))
            })?;
            Some((path, text))
        }
        None => None,
    };
    let mut request_line = None;
    if let Some((path, text)) = &file_text {
        let lines = headers_file_lines(text);
        request_line = lines.request_line;
        for (number, line) in lines.headers {
            add_header(&mut headers, line).map_err(|e| {
                CliError::input(format!(
                    "headers file {} line {number}: {e}",
                    path.display()
                ))
            })?;
        }
    }
    for line in &args.headers {
        add_header(&mut headers, line).map_err(|e| CliError::input(format!("--header: {e}")))?;
    }
    let (method, url) = method_and_url(args, request_line)?;
    let body = match &args.body {
        Some(path) => read_input(Some(path), "body file")?,
        None => Vec::new(),
    };
    let profile = crate::cli::input::preset(&args.profile, "profile")?;

    let mut explainer = Explainer::new().profile(profile.clone());
    let secret = optional_client_secret(args.secret_file.as_deref())?;
    if let Some(secret) = &secret {
        explainer = explainer.client_secret(secret);
    }
    if let Some(path) = &args.public_key {
        explainer = explainer.public_key(public_key(&PublicKeyArgs {
            public_key: path.clone(),
            allow_legacy_1024: args.allow_legacy_1024,
        })?);
    }
    if let Some(id) = &args.client_id {
        explainer = explainer.client_id(id);
    }
    if let Some(scheme) = args.scheme {
        explainer = explainer.expect_scheme(scheme.into());
    }

    let method = method.to_ascii_uppercase();
    let request = CapturedRequest::new(&method, url, &headers, &body);
    let comparison = match &args.their_string_to_sign {
        Some(theirs) => {
            let has_secret = secret.is_some();
            let scheme = comparison_scheme(args, &explainer, &request, &headers, has_secret);
            let ours = our_fields(
                &request,
                &headers,
                &body,
                &profile,
                scheme,
                args.client_id.as_deref(),
            )?;
            Some(compare(&ours.fields, ours.separator, theirs))
        }
        None => None,
    };
    let has_credentials = secret.is_some() || args.public_key.is_some();
    if let (Some(outcome), false) = (&comparison, has_credentials) {
        // Nothing to verify with: the comparison is the whole answer.
        return report_comparison(outcome, out, true);
    }

    let diagnosis = explainer
        .explain(&request)
        .map_err(|e| CliError::input(e.to_string()))?;
    // A secret file written by `echo` or an editor may carry more trailing
    // whitespace than the one line break the CLI drops: try without it.
    let trimmed = match (&secret, diagnosis.is_valid()) {
        (Some(secret), false) => trimmed_secret_match(secret, &explainer, &request),
        _ => None,
    };
    if let Some(outcome) = &comparison {
        report_comparison(outcome, out, false)?;
    }
    if args.json {
        let json = serde_json::to_string(&diagnosis)
            .map_err(|e| CliError::input(format!("cannot render JSON: {e}")))?;
        out.line(json);
    } else {
        out.line(diagnosis.details().trim_end());
        if let Some(note) = &trimmed {
            out.labelled("note", note);
        }
        out.line(diagnosis.summary());
    }
    if diagnosis.is_valid() {
        Ok(())
    } else {
        Err(CliError::invalid(match &trimmed {
            Some(note) => format!("{}; {note}", diagnosis.summary()),
            None => diagnosis.summary().to_owned(),
        }))
    }
}

/// `--method` and `--url`, else the request line of a `curl -v` headers file.
fn method_and_url<'a>(
    args: &'a ExplainArgs,
    request_line: Option<(&'a str, &'a str)>,
) -> CliResult<(&'a str, &'a str)> {
    let from_file = request_line.unzip();
    match (
        args.method.as_deref().or(from_file.0),
        args.url.as_deref().or(from_file.1),
    ) {
        (Some(method), Some(url)) => Ok((method, url)),
        _ => Err(CliError::input(
            "pass --method and --url (or a --headers-file with the request line, as `curl -v` prints it)",
        )),
    }
}

/// When the signature does not verify with `secret`, tries it without its
/// trailing whitespace; the note to print when that makes it verify.
fn trimmed_secret_match(
    secret: &ClientSecret,
    explainer: &Explainer,
    request: &CapturedRequest<'_>,
) -> Option<String> {
    let text = secret.expose_secret();
    let trimmed = text.trim_end();
    if trimmed.len() == text.len() || trimmed.is_empty() {
        return None;
    }
    let shorter = ClientSecret::new(trimmed).ok()?;
    let diagnosis = explainer
        .clone()
        .client_secret(&shorter)
        .explain(request)
        .ok()?;
    diagnosis.is_valid().then(|| {
        format!(
            "the signature is valid with the client secret minus its trailing whitespace \
             ({} characters dropped): the sender's secret has no trailing whitespace, yours does \
             (check the secret file; ClientSecret::from_file drops only one line break)",
            text.len() - trimmed.len()
        )
    })
}

/// Prints the comparison's line; as the last line (no credentials) it also
/// decides the exit status.
fn report_comparison(outcome: &Outcome, out: &mut Output, last: bool) -> CliResult {
    let line = match outcome {
        Outcome::Same => "their string-to-sign is identical to ours".to_owned(),
        Outcome::Differs { detail, .. } => format!("their string-to-sign differs: {detail}"),
    };
    out.line(&line);
    match (outcome, last) {
        (Outcome::Differs { .. }, true) => Err(CliError::invalid(line)),
        _ => Ok(()),
    }
}

/// The scheme whose string-to-sign to compare: `--scheme`; else a token
/// request when theirs has a `|`; else symmetric with a secret or an
/// Authorization header, asymmetric otherwise.
fn comparison_scheme(
    args: &ExplainArgs,
    explainer: &Explainer,
    request: &CapturedRequest<'_>,
    headers: &HeaderMap,
    has_secret: bool,
) -> SignatureScheme {
    if let Some(scheme) = args.scheme {
        return scheme.into();
    }
    if let Ok(diagnosis) = explainer.explain(request) {
        return diagnosis.standard().scheme;
    }
    let theirs = args.their_string_to_sign.as_deref().unwrap_or_default();
    if theirs.contains('|') {
        SignatureScheme::Token
    } else if has_secret || headers.contains_key(AUTHORIZATION) {
        SignatureScheme::Symmetric
    } else {
        SignatureScheme::Asymmetric
    }
}

/// Our string-to-sign for `scheme`, as fields with their known variants.
struct OurString {
    fields: Vec<Field>,
    separator: char,
}

fn our_fields(
    request: &CapturedRequest<'_>,
    headers: &HeaderMap,
    body: &[u8],
    profile: &ProviderProfile,
    scheme: SignatureScheme,
    client_id: Option<&str>,
) -> CliResult<OurString> {
    let text = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp = text(&X_TIMESTAMP).ok_or_else(|| {
        CliError::input("the request has no X-TIMESTAMP header (needed for our string-to-sign)")
    })?;
    if scheme == SignatureScheme::Token {
        let client_id = client_id.or(text(&X_CLIENT_KEY)).ok_or_else(|| {
            CliError::input("no client id: pass --client-id or an X-CLIENT-KEY header")
        })?;
        return Ok(OurString {
            fields: vec![
                Field::new("client id", client_id),
                Field::new("timestamp", timestamp),
            ],
            separator: '|',
        });
    }
    let target = request.target();
    let url_for = |policy| {
        endpoint_url_from_str(target, policy)
            .map(|url| url.into_owned())
            .map_err(|e| CliError::input(e.to_string()))
    };
    let endpoint = url_for(profile.endpoint_url_policy())?;
    let mut url_field = Field::new("EndpointUrl", endpoint)
        .variant(
            url_for(EndpointUrlPolicy::AsSent)?,
            "the path with its query",
        )
        .variant(
            url_for(EndpointUrlPolicy::PathOnly)?,
            "the path without the query",
        )
        .variant(
            url_for(EndpointUrlPolicy::CanonicalQuery)?,
            "the path with the query sorted and re-encoded",
        );
    if target.contains("://") {
        url_field = url_field.variant(target, "the absolute URL");
    }

    // An invalid JSON body cannot be minified: the sender can only have
    // hashed it as it is.
    let canonical = CanonicalBody::new(body, profile.body_policy())
        .or_else(|_| CanonicalBody::new(body, BodyPolicy::Raw))
        .map_err(|e| CliError::input(e.to_string()))?;
    let parts = TransactionParts::new(request.method(), "", &canonical, timestamp)
        .with_empty_body_rule(profile.empty_body_rule());
    let raw_hash = body_digest(body).as_str().to_owned();
    let empty_hash = body_digest(b"").as_str().to_owned();

    let method = request.method();
    let mut fields = vec![
        Field::new("method", method).variant(method.to_ascii_lowercase(), "a lower-case method"),
        url_field,
    ];
    if scheme == SignatureScheme::Symmetric {
        let authorization = text(&AUTHORIZATION).unwrap_or_default();
        let token = bare_token(authorization);
        fields.push(Field::new("access token", token).secret().variant(
            authorization,
            "the whole Authorization value, `Bearer ` included",
        ));
    }
    let hash_field = |value: &str| {
        Field::new("body hash", value)
            .variant(raw_hash.clone(), "the hash of the raw, un-minified body")
            .variant(empty_hash.clone(), "the hash of an empty body")
            .variant(value.to_ascii_uppercase(), "upper-case hex")
            .variant("", "an empty field")
    };
    match parts.body() {
        BodySegment::Digest(digest) => fields.push(hash_field(digest.as_str())),
        BodySegment::Empty => fields.push(hash_field("")),
        // The profile drops the field for an empty body.
        _ => {}
    }
    fields.push(Field::new("timestamp", timestamp));
    Ok(OurString {
        fields,
        separator: ':',
    })
}

/// A headers file, split: the header lines (numbered from 1) and the
/// request line's method and target, when the file has one.
struct HeadersFile<'t> {
    headers: Vec<(usize, &'t str)>,
    request_line: Option<(&'t str, &'t str)>,
}

/// Reads a headers file. `curl -v` output (a `> POST /path HTTP/1.1` line)
/// is read by its `> ` lines only, everything else in it being connection
/// chatter, the response and data markers; a plain file by every line but
/// blanks, `#` comments, `<`/`*` lines, data markers and a leading request
/// line, with any `> ` prefix dropped.
fn headers_file_lines(text: &str) -> HeadersFile<'_> {
    // Real `curl -v` output has its request line behind `> `; hand-made
    // files may mix `> ` lines with plain ones and keep every line.
    let curl = text.lines().any(|line| {
        line.strip_prefix("> ")
            .is_some_and(|rest| request_line_parts(rest.trim()).is_some())
    });
    let mut headers = Vec::new();
    let mut request_line = None;
    let mut first = true;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let line = match (line.strip_prefix('>'), curl) {
            (Some(rest), _) => rest,
            (None, true) => continue,
            (None, false) => line,
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || (!curl && trimmed.starts_with(['#', '<', '*'])) {
            continue;
        }
        if !curl && is_data_marker(trimmed) {
            continue;
        }
        let was_first = std::mem::replace(&mut first, false);
        if was_first && let Some(parsed) = request_line_parts(trimmed) {
            request_line = Some(parsed);
            continue;
        }
        headers.push((index + 1, trimmed));
    }
    HeadersFile {
        headers,
        request_line,
    }
}

/// curl's `{ [5 bytes data]` / `} [5 bytes data]` lines.
fn is_data_marker(line: &str) -> bool {
    line.strip_prefix(['{', '}'])
        .is_some_and(|rest| rest.trim_start().starts_with('[') && rest.trim_end().ends_with(']'))
}

/// `POST /path HTTP/1.1` as its method and target.
fn request_line_parts(line: &str) -> Option<(&str, &str)> {
    let mut words = line.split(' ');
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some(method), Some(target), Some(version), None)
            if !method.is_empty()
                && method.bytes().all(|b| b.is_ascii_uppercase())
                && version.starts_with("HTTP/") =>
        {
            Some((method, target))
        }
        _ => None,
    }
}

/// Parses `Name: value` into `headers`, marking token and signature values sensitive.
pub(super) fn add_header(headers: &mut HeaderMap, line: &str) -> Result<(), String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("expected `Name: value`, got {:?}", shorten(line)))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("invalid header name {:?}", shorten(name.trim())))?;
    let mut value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("invalid value for header {name}"))?;
    if name == AUTHORIZATION || name == AUTHORIZATION_CUSTOMER || name == X_SIGNATURE {
        value.set_sensitive(true);
    }
    headers.append(name, value);
    Ok(())
}

/// At most 40 characters of user input for error messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests;
