//! `snap-bi explain`: why a captured request's signature is rejected.

use http::{HeaderMap, HeaderName, HeaderValue};
use snap_bi::explain::{CapturedRequest, Explainer};
use snap_bi::headers::{AUTHORIZATION, AUTHORIZATION_CUSTOMER, X_SIGNATURE};

use crate::cli::args::{ExplainArgs, PublicKeyArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::input::{optional_client_secret, public_key, read_file, read_input};
use crate::cli::output::Output;

/// Prints the table and the verdict (or the JSON document); exit 1 unless the
/// signature is valid under the standard.
pub(crate) fn explain(args: &ExplainArgs, out: &mut Output) -> CliResult {
    let mut headers = HeaderMap::new();
    if let Some(path) = &args.headers_file {
        let bytes = read_file(path, "headers file")?;
        let text = String::from_utf8(bytes).map_err(|_| {
            CliError::input(format!("headers file {} is not UTF-8 text", path.display()))
        })?;
        for (number, line) in text.lines().enumerate() {
            if let Some(line) = header_line(line, number == 0) {
                add_header(&mut headers, line).map_err(|e| {
                    CliError::input(format!(
                        "headers file {} line {}: {e}",
                        path.display(),
                        number + 1
                    ))
                })?;
            }
        }
    }
    for line in &args.headers {
        add_header(&mut headers, line).map_err(|e| CliError::input(format!("--header: {e}")))?;
    }
    let body = match &args.body {
        Some(path) => read_input(Some(path), "body file")?,
        None => Vec::new(),
    };
    let profile = crate::cli::input::preset(&args.profile, "profile")?;

    let mut explainer = Explainer::new().profile(profile);
    if let Some(secret) = optional_client_secret(args.secret_file.as_deref())? {
        explainer = explainer.client_secret(&secret);
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

    let method = args.method.to_ascii_uppercase();
    let request = CapturedRequest::new(&method, &args.url, &headers, &body);
    let diagnosis = explainer
        .explain(&request)
        .map_err(|e| CliError::input(e.to_string()))?;
    if args.json {
        let json = serde_json::to_string(&diagnosis)
            .map_err(|e| CliError::input(format!("cannot render JSON: {e}")))?;
        out.line(json);
    } else {
        out.line(diagnosis.details().trim_end());
        out.line(diagnosis.summary());
    }
    if diagnosis.is_valid() {
        Ok(())
    } else {
        Err(CliError::invalid(diagnosis.summary()))
    }
}

/// The `Name: value` part of a headers-file line, or `None` for lines to skip:
/// blank lines, `#` comments, curl's `<`/`*` lines, and a request line
/// (`POST /path HTTP/1.1`) at the top.
fn header_line(line: &str, first: bool) -> Option<&str> {
    let line = line.trim_end_matches('\r');
    // `curl -v` prefixes request headers with `> `.
    let line = line.strip_prefix("> ").unwrap_or(line);
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with(['#', '<', '*']) {
        return None;
    }
    if first && is_request_line(trimmed) {
        return None;
    }
    Some(trimmed)
}

fn is_request_line(line: &str) -> bool {
    let mut words = line.split(' ');
    matches!(
        (words.next(), words.next(), words.next(), words.next()),
        (Some(method), Some(_), Some(version), None)
            if !method.is_empty()
                && method.bytes().all(|b| b.is_ascii_uppercase())
                && version.starts_with("HTTP/")
    )
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
