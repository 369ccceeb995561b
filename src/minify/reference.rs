//! The scalar reference scanner: one byte (or one SWAR word) at a time.
//!
//! It defines what [`minify`](super::minify) accepts and which error it
//! reports where. The block scanner ([`super::blocks`]) handles valid input
//! faster and hands everything it cannot accept back to this one, so error
//! offsets and kinds always come from here.

use std::borrow::Cow;

use super::{MinifyError, MinifyErrorKind, scan_number};

/// Minifies `input` byte by byte; see [`minify`](super::minify).
pub(super) fn minify(input: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
    // UTF-8 is checked once up front (word-at-a-time in std); the scanner
    // below then only looks at ASCII structure and skips other bytes.
    if let Err(e) = std::str::from_utf8(input) {
        return Err(MinifyError::new(
            e.valid_up_to(),
            MinifyErrorKind::InvalidUtf8,
        ));
    }
    let mut s = Scanner {
        src: input,
        pos: 0,
        out: None,
        copied: 0,
    };
    s.ws();
    if s.pos == input.len() {
        return Ok(Cow::Borrowed(&[]));
    }
    s.value_sequence()?;
    if s.out.is_none() {
        return Ok(Cow::Borrowed(&input[s.copied..]));
    }
    s.copy_kept(input.len());
    Ok(match s.out {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(&input[s.copied..]),
    })
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Container kinds on the nesting stack: the first 128 levels live in a
/// bit set so typical bodies never allocate; deeper ones spill to a Vec.
#[derive(Default)]
struct Nesting {
    depth: usize,
    bits: u128,
    spill: Vec<bool>,
}

impl Nesting {
    #[inline]
    fn push(&mut self, is_object: bool) {
        if self.depth < 128 {
            let mask = 1u128 << self.depth;
            if is_object {
                self.bits |= mask;
            } else {
                self.bits &= !mask;
            }
        } else {
            self.spill.push(is_object);
        }
        self.depth += 1;
    }

    #[inline]
    fn pop(&mut self) {
        if self.depth > 128 {
            self.spill.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// `None` at the top level, else whether the innermost container is an object.
    #[inline]
    fn top_is_object(&self) -> Option<bool> {
        match self.depth {
            0 => None,
            d if d <= 128 => Some(self.bits & (1u128 << (d - 1)) != 0),
            _ => self.spill.last().copied(),
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn load(src: &[u8], i: usize) -> Option<u64> {
    let chunk = src.get(i..i + 8)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    Some(u64::from_le_bytes(word))
}

/// High bit set in each byte of `w` that is `"`, `\\` or below 0x20 (exact
/// for the lowest flagged byte; see [`string_stop`]).
#[inline(always)]
fn stop_bits(w: u64) -> u64 {
    let q = w ^ (LO * u64::from(b'"'));
    let b = w ^ (LO * u64::from(b'\\'));
    ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b) | (w.wrapping_sub(LO * 0x20) & !w)) & HI
}

/// Index of the first byte at or after `i` that ends a run of plain string
/// content: `"`, `\` or a control character; `src.len()` if none.
///
/// Eight bytes at a time (SWAR): the classic "has zero byte" and "has byte
/// less than n" tricks set a byte's high bit when it matches. A borrow can
/// only flag bytes *above* a real match, so the lowest flagged byte is exact.
/// Bytes >= 0x80 (UTF-8, already validated) never match.
#[inline]
fn string_stop(src: &[u8], mut i: usize) -> usize {
    while let Some(w) = load(src, i) {
        let hits = stop_bits(w);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = src.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    src.len()
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    /// Allocated lazily at the first whitespace gap; stays `None` for input
    /// that is already compact, so that case never copies.
    out: Option<Vec<u8>>,
    /// Everything before this offset is already in `out` (or skipped).
    copied: usize,
}

impl Scanner<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    #[cold]
    fn err(&self, kind: MinifyErrorKind) -> MinifyError {
        let kind = if self.pos >= self.src.len() && kind != MinifyErrorKind::TrailingCharacters {
            MinifyErrorKind::UnexpectedEnd
        } else {
            kind
        };
        MinifyError::new(self.pos, kind)
    }

    /// Skips whitespace at the cursor. The common compact case (no
    /// whitespace) is one comparison; runs go to the out-of-line path.
    #[inline(always)]
    fn ws(&mut self) {
        if let Some(&b) = self.src.get(self.pos)
            && is_ws(b)
        {
            self.ws_run();
        }
    }

    /// Skips a whitespace run and records it as a gap to leave out.
    #[inline(never)]
    fn ws_run(&mut self) {
        let src = self.src;
        let start = self.pos;
        let mut pos = start + 1;
        // Indentation: skip eight spaces at a time.
        while load(src, pos) == Some(LO * u64::from(b' ')) {
            pos += 8;
        }
        while let Some(&b) = src.get(pos) {
            if !is_ws(b) {
                break;
            }
            pos += 1;
        }
        self.copy_kept(start);
        self.copied = pos;
        self.pos = pos;
    }

    /// Appends the kept bytes `src[copied..end]` to the output.
    #[inline(always)]
    fn copy_kept(&mut self, end: usize) {
        let src = self.src;
        self.out
            .get_or_insert_with(|| Vec::with_capacity(src.len()))
            .extend_from_slice(&src[self.copied..end]);
    }

    /// Parses an object key (cursor on whitespace or the opening quote) and
    /// the `:` after it.
    #[inline]
    fn key(&mut self) -> Result<(), MinifyError> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.err(MinifyErrorKind::ExpectedKey));
        }
        self.string()?;
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.err(MinifyErrorKind::ExpectedColon));
        }
        self.pos += 1;
        Ok(())
    }

    /// Parses one complete top-level value, iteratively (no recursion, so
    /// deep nesting cannot overflow the stack), then requires the end.
    fn value_sequence(&mut self) -> Result<(), MinifyError> {
        let mut nesting = Nesting::default();
        'value: loop {
            self.ws();
            match self.peek() {
                Some(b'"') => self.string()?,
                Some(b'{') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        nesting.push(true);
                        self.key()?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        nesting.push(false);
                        continue 'value;
                    }
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return Err(self.err(MinifyErrorKind::ExpectedValue)),
            }
            // A value has just ended: close containers or move to the next element.
            loop {
                self.ws();
                let Some(is_object) = nesting.top_is_object() else {
                    return if self.pos == self.src.len() {
                        Ok(())
                    } else {
                        Err(self.err(MinifyErrorKind::TrailingCharacters))
                    };
                };
                match (self.peek(), is_object) {
                    (Some(b','), true) => {
                        self.pos += 1;
                        self.key()?;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.pos += 1;
                        continue 'value;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        nesting.pop();
                    }
                    (_, true) => return Err(self.err(MinifyErrorKind::ExpectedCommaOrBrace)),
                    (_, false) => return Err(self.err(MinifyErrorKind::ExpectedCommaOrBracket)),
                }
            }
        }
    }

    /// Scans a string starting at its opening quote.
    #[inline]
    fn string(&mut self) -> Result<(), MinifyError> {
        let mut pos = self.pos + 1;
        loop {
            pos = string_stop(self.src, pos);
            match self.src.get(pos) {
                Some(b'"') => {
                    self.pos = pos + 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos = pos;
                    self.escape()?;
                    pos = self.pos;
                }
                Some(_) => {
                    self.pos = pos;
                    return Err(self.err(MinifyErrorKind::ControlCharacterInString));
                }
                None => {
                    self.pos = pos;
                    return Err(self.err(MinifyErrorKind::UnexpectedEnd));
                }
            }
        }
    }

    /// Validates the escape sequence at the cursor (which is on the backslash).
    fn escape(&mut self) -> Result<(), MinifyError> {
        match self.src.get(self.pos + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => match self.src.get(self.pos + 2..self.pos + 6) {
                Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {
                    self.pos += 6;
                    Ok(())
                }
                Some(_) => Err(self.err(MinifyErrorKind::InvalidEscape)),
                None => {
                    self.pos = self.src.len();
                    Err(self.err(MinifyErrorKind::UnexpectedEnd))
                }
            },
            Some(_) => Err(self.err(MinifyErrorKind::InvalidEscape)),
            None => {
                self.pos = self.src.len();
                Err(self.err(MinifyErrorKind::UnexpectedEnd))
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), MinifyError> {
        match scan_number(self.src, self.pos) {
            Ok(end) => {
                self.pos = end;
                Ok(())
            }
            Err(at) => {
                self.pos = at;
                Err(self.err(MinifyErrorKind::InvalidNumber))
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), MinifyError> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.err(MinifyErrorKind::ExpectedValue))
        }
    }
}
