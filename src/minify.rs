//! JSON body minification: a validating whitespace strip.
//!
//! SNAP hashes `minify(RequestBody)`. Re-serialising JSON (parse, then print)
//! reorders keys, rewrites numbers and changes escapes, so the hash no longer
//! matches the bytes on the wire. [`minify`] instead removes only the
//! whitespace *between* tokens (space, tab, CR, LF) and copies every other byte
//! verbatim: key order, duplicate keys, escapes such as `\/` or `\u00e9`, and
//! number spellings such as `10000.00` survive unchanged. While it strips, it
//! checks that the input is exactly one JSON value (RFC 8259, UTF-8) and
//! reports the byte offset of the first problem.
//!
//! Empty or whitespace-only input means "no body" and minifies to nothing.
//!
//! ```
//! use snap_bi::minify::minify;
//!
//! let pretty = b"{\n  \"amount\": {\"value\": \"10000.00\", \"currency\": \"IDR\"},\n  \"note\": \"a  b\"\n}";
//! let compact = minify(pretty)?;
//! assert_eq!(&*compact, br#"{"amount":{"value":"10000.00","currency":"IDR"},"note":"a  b"}"#);
//!
//! let err = minify(br#"{"a":1,}"#).unwrap_err();
//! assert_eq!(err.offset(), 7);
//! # Ok::<(), snap_bi::minify::MinifyError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

mod blocks;
mod reference;

/// How a request body is turned into the bytes that are hashed (and sent).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum BodyPolicy {
    /// Validate the body as JSON and strip insignificant whitespace ([`minify`]).
    /// The standard behaviour, and the default.
    #[default]
    Minify,
    /// Hash the bytes exactly as given, without validating them. For callers
    /// whose bodies are already compact, or not JSON at all.
    Raw,
}

impl BodyPolicy {
    /// Applies the policy to `body`, borrowing when nothing changes.
    ///
    /// # Errors
    /// [`MinifyError`] when the policy is [`BodyPolicy::Minify`] and `body`
    /// is not exactly one valid JSON value.
    pub fn apply(self, body: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
        match self {
            Self::Minify => minify(body),
            Self::Raw => Ok(Cow::Borrowed(body)),
        }
    }
}

/// Why a body is not valid JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinifyError {
    offset: usize,
    kind: MinifyErrorKind,
}

impl MinifyError {
    fn new(offset: usize, kind: MinifyErrorKind) -> Self {
        Self { offset, kind }
    }

    /// Byte offset into the input where the problem was found.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong.
    #[must_use]
    pub fn kind(&self) -> MinifyErrorKind {
        self.kind
    }
}

impl fmt::Display for MinifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid JSON body at byte {}: {}",
            self.offset, self.kind
        )
    }
}

impl std::error::Error for MinifyError {}

/// The kinds of problem [`minify`] reports.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinifyErrorKind {
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A value (object, array, string, number, `true`, `false`, `null`) was expected.
    ExpectedValue,
    /// An object key (a string) was expected.
    ExpectedKey,
    /// A `:` was expected after an object key.
    ExpectedColon,
    /// A `,` or `}` was expected inside an object.
    ExpectedCommaOrBrace,
    /// A `,` or `]` was expected inside an array.
    ExpectedCommaOrBracket,
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
    InvalidEscape,
    /// An unescaped control character (U+0000 to U+001F) inside a string.
    ControlCharacterInString,
    /// A malformed number (leading `+`, leading zeros, missing digits).
    InvalidNumber,
    /// Something other than whitespace follows the single top-level value.
    TrailingCharacters,
}

impl fmt::Display for MinifyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidUtf8 => "not valid UTF-8",
            Self::UnexpectedEnd => "unexpected end of input",
            Self::ExpectedValue => "expected a JSON value",
            Self::ExpectedKey => "expected an object key (a string)",
            Self::ExpectedColon => "expected ':' after the object key",
            Self::ExpectedCommaOrBrace => "expected ',' or '}'",
            Self::ExpectedCommaOrBracket => "expected ',' or ']'",
            Self::InvalidEscape => "invalid escape sequence in string",
            Self::ControlCharacterInString => "unescaped control character in string",
            Self::InvalidNumber => "invalid number",
            Self::TrailingCharacters => "characters after the JSON value",
        })
    }
}

/// Strips insignificant whitespace from a JSON text, validating it.
///
/// Valid input is read 64 bytes at a time with SIMD compares; invalid input
/// is scanned again byte by byte to find where the first problem is.
///
/// Returns the input unchanged (borrowed, no copy) when it contains no
/// whitespace between tokens, and an empty slice for empty or
/// whitespace-only input.
///
/// # Errors
/// [`MinifyError`] with the byte offset of the first problem when the input
/// is not exactly one JSON value in UTF-8.
pub fn minify(input: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
    // The block scanner accepts exactly the valid texts; anything it gives up
    // on goes to the scalar reference, which finds and names the problem.
    match blocks::minify(input) {
        Some(out) => Ok(out),
        None => reference::minify(input),
    }
}

/// Scans the number starting at `pos`:
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
/// Returns the offset just past it, or the offset of the first byte that
/// does not fit.
fn scan_number(src: &[u8], mut pos: usize) -> Result<usize, usize> {
    fn digits(src: &[u8], pos: &mut usize) -> usize {
        let start = *pos;
        while matches!(src.get(*pos), Some(b'0'..=b'9')) {
            *pos += 1;
        }
        *pos - start
    }
    if src.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match src.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            digits(src, &mut pos);
        }
        _ => return Err(pos),
    }
    if src.get(pos) == Some(&b'.') {
        pos += 1;
        if digits(src, &mut pos) == 0 {
            return Err(pos);
        }
    }
    if matches!(src.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(src.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        if digits(src, &mut pos) == 0 {
            return Err(pos);
        }
    }
    Ok(pos)
}

#[cfg(test)]
mod tests;
