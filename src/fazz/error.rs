//! Fazz error documents, and the decoding of an HTTP answer.

use core::fmt;

use super::PaymentDocument;
use crate::lenient_json::{DecodeError, NumberOrString, Text};

lenient_object! {
    /// One entry of `errors`.
    pub struct ErrorObject {
        /// `code`: `"004"` (not found), `"005"` (invalid parameters),
        /// `"TXN0001"` … A string, or a number in some answers.
        optional "code" code: NumberOrString,
        /// `title`.
        optional "title" title: Text,
        /// `detail`.
        optional "detail" detail: Text,
    }
}

lenient_object! {
    /// `{"errors":[{"code","title","detail"}]}`.
    pub struct ErrorDocument {
        /// `errors`.
        required "errors" errors: Vec<ErrorObject>,
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.code.as_ref().map_or("no code", |c| c.as_str()),
            self.title.as_deref().unwrap_or("no title")
        )?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// Why a Fazz answer is not a Payment document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FazzError {
    /// Fazz answered with an error document.
    #[error("Fazz refused the call (HTTP {http_status}): {}", first_error(errors))]
    Api {
        /// The HTTP status.
        http_status: u16,
        /// The errors, in order.
        errors: Vec<ErrorObject>,
    },
    /// A non-2xx answer that is not an error document (a proxy, a 429 …).
    #[error("Fazz answered HTTP {http_status} without an error document")]
    Http {
        /// The HTTP status.
        http_status: u16,
    },
    /// The body does not have the documented shape.
    #[error("Fazz answer does not decode: {0}")]
    Decode(#[from] DecodeError),
}

fn first_error(errors: &[ErrorObject]) -> String {
    match errors {
        [] => "no error entries".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}

impl FazzError {
    /// The first error's `code`, for [`Api`](Self::Api) errors that have one.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Self::Api { errors, .. } => errors.first()?.code.as_ref().map(|c| c.as_str()),
            _ => None,
        }
    }
}

/// Decodes the answer to `POST /payments` or `GET /payments/{id}`.
///
/// # Errors
/// [`FazzError`]: an error document (any status) is
/// [`Api`](FazzError::Api); a non-2xx answer without one is
/// [`Http`](FazzError::Http); a 2xx answer of the wrong shape is
/// [`Decode`](FazzError::Decode), naming the member.
pub fn decode_payment_response(
    http_status: u16,
    body: &[u8],
) -> Result<PaymentDocument, FazzError> {
    if let Ok(document) = ErrorDocument::from_json(body) {
        return Err(FazzError::Api {
            http_status,
            errors: document.errors,
        });
    }
    if !(200..300).contains(&http_status) {
        return Err(FazzError::Http { http_status });
    }
    Ok(PaymentDocument::from_json(body)?)
}
