//! The block scanner: the fast path of [`minify`](super::minify).
//!
//! Input is read 64 bytes at a time. SIMD compares (the `wide` crate, SSE2 on
//! x86-64) turn each block into bit masks of quotes, backslashes, whitespace
//! and control characters; a few integer operations on those masks then find
//! the escaped bytes, the bytes inside strings (a prefix XOR of the unescaped
//! quotes, carried from block to block) and so the whitespace between tokens.
//! String contents are never looked at one byte at a time: only the tokens
//! outside strings (and each string's opening quote) go through the grammar.
//!
//! The scanner only ever answers "valid, and here is the output" or "not
//! sure": every problem, and anything unusual, returns `None`, and the caller
//! runs the scalar [`reference`](super::reference) scanner, which reports
//! the exact error. Both accept exactly the same texts (property-tested);
//! the only valid texts left to the reference are those nested deeper than
//! [`MAX_DEPTH`].

use std::borrow::Cow;

use wide::u8x64;

use super::scan_number;

const BLOCK: usize = 64;

/// Minifies `input`, or returns `None` when it is not valid (or when this
/// scanner would rather let the reference decide).
pub(super) fn minify(input: &[u8]) -> Option<Cow<'_, [u8]>> {
    let (full, tail) = input.as_chunks::<BLOCK>();
    let mut scanner = Scanner::new(input);
    let mut output = Output::Borrowing(None);
    let mut base = 0;
    for block in full {
        let kept = scanner.block(base, block, u64::MAX)?;
        output.keep(input, base, kept)?;
        base += BLOCK;
    }
    if !tail.is_empty() {
        // The last partial block, padded with spaces; `valid` keeps the
        // padding out of the grammar and the output.
        let mut padded = [b' '; BLOCK];
        padded.get_mut(..tail.len())?.copy_from_slice(tail);
        let valid = (1u64 << tail.len()) - 1;
        let kept = scanner.block(base, &padded, valid)?;
        output.keep(input, base, kept)?;
    }
    scanner.finish()?;
    Some(match output {
        Output::Borrowing(Some((start, end))) => Cow::Borrowed(input.get(start..end)?),
        Output::Borrowing(None) => Cow::Borrowed(&[]),
        Output::Copying(mut out, written) => {
            out.truncate(written);
            Cow::Owned(out)
        }
    })
}

/// The minified bytes so far.
enum Output {
    /// The kept bytes so far are this one range of the input (if any):
    /// nothing is copied yet, and compact input (or input with whitespace
    /// only at its ends) is returned borrowed.
    Borrowing(Option<(usize, usize)>),
    /// A buffer with room to spare (see [`copy_runs`]), and how much of it
    /// is written.
    Copying(Vec<u8>, usize),
}

impl Output {
    /// Keeps the runs of set bits of `kept`, the bytes of the block at
    /// `base` that are not whitespace between tokens.
    #[inline(always)]
    fn keep(&mut self, input: &[u8], base: usize, mut kept: u64) -> Option<()> {
        let range = match self {
            Self::Copying(out, written) => {
                *written = copy_runs(out, *written, input, base, kept)?;
                return Some(());
            }
            Self::Borrowing(range) => range,
        };
        while kept != 0 {
            let start = base + kept.trailing_zeros() as usize;
            let end = base + run_end(kept);
            match range {
                None => *range = Some((start, end)),
                Some((_, range_end)) if *range_end == start => *range_end = end,
                Some((range_start, range_end)) => {
                    // The first gap between kept bytes: copy from here on.
                    let mut out = vec![0; input.len() + SPARE];
                    let written = *range_end - *range_start;
                    out.get_mut(..written)?
                        .copy_from_slice(input.get(*range_start..*range_end)?);
                    let written = copy_runs(&mut out, written, input, base, kept)?;
                    *self = Self::Copying(out, written);
                    return Some(());
                }
            }
            kept &= run_cleared(kept);
        }
        Some(())
    }
}

/// Per-block classification: bit `i` of a mask describes byte `i`.
struct Classes {
    quote: u64,
    whitespace: u64,
    /// Bytes below 0x20 (tab, LF and CR included).
    control: u64,
    /// Backslashes, kept as a vector: most blocks have none, so the mask is
    /// only made when `any_backslash`.
    backslash: u8x64,
    any_backslash: bool,
    /// Whether any byte is 0x80 or above.
    non_ascii: bool,
}

#[inline(always)]
fn classify(block: &[u8; BLOCK]) -> Classes {
    let v = u8x64::from(*block);
    let eq = |v: u8x64, c: u8| v.simd_eq(u8x64::splat(c));
    // Tab (0x09) and CR (0x0D) differ only in bit 2.
    let whitespace = eq(v, b' ') | eq(v, b'\n') | eq(v & u8x64::splat(!0x04), b'\t');
    // b <= 0x1F  <=>  max(b, 0x1F) == 0x1F
    let control = eq(v.max(u8x64::splat(0x1F)), 0x1F);
    let backslash = eq(v, b'\\');
    Classes {
        quote: eq(v, b'"').to_bitmask(),
        whitespace: whitespace.to_bitmask(),
        control: control.to_bitmask(),
        backslash,
        any_backslash: backslash.any(),
        // `any` tests each lane's high bit.
        non_ascii: v.any(),
    }
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Mask of bits `k..64` (none when `k >= 64`).
#[inline(always)]
fn bits_from(k: usize) -> u64 {
    u32::try_from(k)
        .ok()
        .and_then(|k| u64::MAX.checked_shl(k))
        .unwrap_or(0)
}

/// One past the last bit of the lowest run of set bits of `bits` (nonzero).
#[inline(always)]
fn run_end(bits: u64) -> usize {
    // Adding the lowest set bit carries through the run.
    bits.wrapping_add(bits & bits.wrapping_neg())
        .trailing_zeros() as usize
}

/// `bits` without its lowest run of set bits.
#[inline(always)]
fn run_cleared(bits: u64) -> u64 {
    bits & bits.wrapping_add(bits & bits.wrapping_neg())
}

/// Bytes copied at once by [`copy_runs`].
const CHUNK: usize = 32;
/// Bytes [`copy_runs`] may touch from the start of a block (in the input)
/// or from the output position at the start of a block: offsets are below
/// `2 * BLOCK`, and a run is copied in at most two chunks.
const WINDOW: usize = 3 * BLOCK;
/// Spare room at the end of the output buffer, so that a window fits there
/// whenever it fits in the input.
const SPARE: usize = WINDOW;

/// Copies the runs of set bits of `kept` (bytes of the block at `base`) to
/// `out` at `written` and returns the new length written.
///
/// A run is copied as one or two `CHUNK`-byte pieces, whatever its length:
/// a fixed-size copy is a few instructions where a variable-length copy is a
/// call. The overshoot lands in bytes that the next run overwrites or that
/// are cut off at the end. Within fixed-size windows of the input and the
/// output the offsets are provably in bounds (masked below `2 * BLOCK`), so
/// the loop has no bounds checks; the last blocks, where the input is too
/// short for a window, take a checked path.
#[inline(always)]
fn copy_runs(out: &mut [u8], written: usize, src: &[u8], base: usize, kept: u64) -> Option<usize> {
    let (Some(from), Some(to)) = (
        src.get(base..).and_then(<[u8]>::first_chunk::<WINDOW>),
        out.get_mut(written..)
            .and_then(<[u8]>::first_chunk_mut::<WINDOW>),
    ) else {
        return copy_runs_checked(out, written, src, base, kept);
    };
    // Run starts (first kept byte after a gap or at the block start) and
    // ends (first gap byte after a run; a run that reaches the end of the
    // block has none, and `trailing_zeros` then gives 64): walked as two
    // masks, no step waits for the previous one's arithmetic.
    let mut starts = kept & !(kept << 1);
    let mut ends = !kept & (kept << 1);
    // Bytes written so far for this block: at most BLOCK.
    let mut done = 0;
    while starts != 0 {
        let start = starts.trailing_zeros() as usize;
        let len = ends.trailing_zeros() as usize - start;
        starts &= starts - 1;
        ends &= ends.wrapping_sub(1);
        let at = done % (2 * BLOCK);
        let start = start % (2 * BLOCK);
        copy_chunk(to, at, from, start);
        if len > CHUNK {
            copy_chunk(to, at + CHUNK, from, start + CHUNK);
        }
        done += len;
    }
    Some(written + done)
}

#[inline(always)]
fn copy_chunk(to: &mut [u8; WINDOW], at: usize, from: &[u8; WINDOW], start: usize) {
    if let (Some(dst), Some(src)) = (
        to.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<CHUNK>),
        from.get(start..).and_then(<[u8]>::first_chunk::<CHUNK>),
    ) {
        *dst = *src;
    }
}

/// [`copy_runs`] for the last blocks, with every copy checked.
#[cold]
#[inline(never)]
fn copy_runs_checked(
    out: &mut [u8],
    mut written: usize,
    src: &[u8],
    base: usize,
    mut kept: u64,
) -> Option<usize> {
    while kept != 0 {
        let start = base + kept.trailing_zeros() as usize;
        let end = base + run_end(kept);
        kept &= run_cleared(kept);
        out.get_mut(written..written + (end - start))?
            .copy_from_slice(src.get(start..end)?);
        written += end - start;
    }
    Some(written)
}

/// Whether the backslash at `at` starts a valid escape sequence.
fn valid_escape(src: &[u8], at: usize) -> bool {
    match src.get(at + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => true,
        Some(b'u') => src
            .get(at + 2..at + 6)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)),
        _ => false,
    }
}

// The grammar is checked on windows of three consecutive tokens (x, y, z),
// each reduced to a class, plus the kind of the innermost container: for
// JSON that is enough, because a string's role (key or value) follows from
// the token before it, and everything else from the pair (y, z). Unlike a
// state machine, where each step waits for the previous one's table load,
// the windows are independent of each other, so the processor checks
// several at once. Only brackets (which change the context) and numbers and
// literals (checked byte by byte) take a slower path.

/// Token classes. Those from `SCALAR` up take the slow path.
const ERR: u8 = 0;
const STRING: u8 = 1;
const COLON: u8 = 2;
const COMMA: u8 = 3;
/// Before the first token (the window starts as `(START, START)`).
const START: u8 = 4;
/// After the last token.
const END: u8 = 5;
/// The first byte of a number or literal.
const SCALAR: u8 = 6;
const OPEN_OBJECT: u8 = 7;
const OPEN_ARRAY: u8 = 8;
const CLOSE_OBJECT: u8 = 9;
const CLOSE_ARRAY: u8 = 10;

/// Innermost container kinds (the context of a window).
const TOP: usize = 0;
const OBJECT: usize = 1;
const ARRAY: usize = 2;

/// How many containers [`Scanner`] tracks (two bits each in a `u64`).
const MAX_DEPTH: u32 = 32;

/// The innermost container's kind from the container stack, placed above
/// the twelve bits of token classes in a window's index.
#[inline(always)]
fn context_bits(containers: u64) -> usize {
    ((containers % 4) as usize) << 12
}

static CLASS: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut t = [ERR; 256];
    t[b'"' as usize] = STRING;
    t[b':' as usize] = COLON;
    t[b',' as usize] = COMMA;
    t[b'{' as usize] = OPEN_OBJECT;
    t[b'[' as usize] = OPEN_ARRAY;
    t[b'}' as usize] = CLOSE_OBJECT;
    t[b']' as usize] = CLOSE_ARRAY;
    let scalar_starts = b"-0123456789tfn";
    let mut i = 0;
    while i < scalar_starts.len() {
        t[scalar_starts[i] as usize] = SCALAR;
        i += 1;
    }
    t
}

/// Index of the window `(x, y, z)` in context `ctx` in [`VALID`].
#[inline(always)]
const fn window(ctx: usize, x: u8, y: u8, z: u8) -> usize {
    (ctx << 12 | (x as usize) << 8 | (y as usize) << 4 | z as usize) % VALID_LEN
}

const VALID_LEN: usize = 4 << 12;
/// 1 for the windows that occur in valid JSON, else 0.
static VALID: [u8; VALID_LEN] = valid_windows();

const fn valid_windows() -> [u8; VALID_LEN] {
    let mut t = [0; VALID_LEN];
    let mut ctx = TOP;
    while ctx <= ARRAY {
        let mut x = 0;
        while x < 16 {
            let mut y = 0;
            while y < 16 {
                let mut z = 0;
                while z < 16 {
                    if valid_window(ctx, x, y, z) {
                        t[window(ctx, x, y, z)] = 1;
                    }
                    z += 1;
                }
                y += 1;
            }
            x += 1;
        }
        ctx += 1;
    }
    t
}

/// Whether token `z` may follow `y` (which followed `x`) when the innermost
/// open container (after `y`, before `z`) is `ctx`.
const fn valid_window(ctx: usize, x: u8, y: u8, z: u8) -> bool {
    const fn value_start(z: u8) -> bool {
        matches!(z, STRING | SCALAR | OPEN_OBJECT | OPEN_ARRAY)
    }
    /// What may follow a complete value.
    const fn after_value(ctx: usize, z: u8) -> bool {
        match ctx {
            TOP => z == END,
            OBJECT => z == COMMA || z == CLOSE_OBJECT,
            _ => z == COMMA || z == CLOSE_ARRAY,
        }
    }
    match y {
        START => x == START && ctx == TOP && value_start(z),
        OPEN_OBJECT => ctx == OBJECT && (z == STRING || z == CLOSE_OBJECT),
        OPEN_ARRAY => ctx == ARRAY && (value_start(z) || z == CLOSE_ARRAY),
        COLON => ctx == OBJECT && value_start(z),
        COMMA => match ctx {
            OBJECT => z == STRING,
            ARRAY => value_start(z),
            _ => false,
        },
        // A key comes right after `{`, or after `,` in an object.
        STRING if ctx == OBJECT && (x == OPEN_OBJECT || x == COMMA) => z == COLON,
        STRING | SCALAR | CLOSE_OBJECT | CLOSE_ARRAY => after_value(ctx, z),
        _ => false,
    }
}

/// Everything carried from one block to the next except the output.
struct Scanner<'a> {
    src: &'a [u8],
    /// All ones when the previous block ended inside a string.
    string_carry: u64,
    /// Whether the first byte of the next block is escaped by a backslash
    /// that ended the previous block.
    escape_carry: bool,
    /// Start of a stretch of blocks with non-ASCII bytes not yet checked as
    /// UTF-8. It always follows an ASCII byte (or is 0), so it is a
    /// character boundary.
    utf8_from: Option<usize>,
    /// The classes of the latest tokens, four bits each, the newest in the
    /// low bits; the last two are what the next window needs.
    recent: usize,
    /// The open containers, innermost in the low bits: two bits each
    /// (`OBJECT` or `ARRAY`), `TOP` (0) below the outermost. Deeper
    /// nesting than fits is left to the reference scanner.
    containers: u64,
    /// How many containers are open.
    depth: u32,
    /// Bytes before this offset belong to a number or literal already checked.
    skip_to: usize,
}

impl<'a> Scanner<'a> {
    fn new(src: &'a [u8]) -> Self {
        Self {
            src,
            string_carry: 0,
            escape_carry: false,
            utf8_from: None,
            recent: usize::from(START) << 4 | usize::from(START),
            containers: 0,
            depth: 0,
            skip_to: 0,
        }
    }

    /// Scans the block at offset `base` and returns the mask of its bytes
    /// to keep. `valid` masks the bytes that are part of the input (all but
    /// the padding of the last block).
    #[inline(always)]
    fn block(&mut self, base: usize, block: &[u8; BLOCK], valid: u64) -> Option<u64> {
        let c = classify(block);
        if c.non_ascii {
            self.utf8_from.get_or_insert(base);
        } else if let Some(from) = self.utf8_from.take() {
            // This block is ASCII, so `base` ends the stretch on a character
            // boundary (or the stretch ends inside a character: invalid).
            check_utf8(self.src, from, base)?;
        }
        let escaped = if c.any_backslash || self.escape_carry {
            escapes(
                self.src,
                base,
                c.backslash.to_bitmask(),
                &mut self.escape_carry,
            )?
        } else {
            0
        };
        let quote = c.quote & !escaped & valid;
        // Inside a string: from its opening quote up to (not including) its
        // closing quote.
        let in_string = prefix_xor(quote) ^ self.string_carry;
        self.string_carry = ((in_string as i64) >> 63) as u64;
        let outside = !(in_string | quote);
        let gaps = c.whitespace & outside & valid;
        // Control characters are only allowed as whitespace between tokens.
        if c.control & valid & !gaps != 0 {
            return None;
        }
        let mut tokens = ((outside & !c.whitespace) | (quote & in_string)) & valid;
        if self.skip_to > base {
            tokens &= bits_from(self.skip_to - base);
        }
        if tokens != 0 {
            self.tokens(base, block, tokens)?;
        }
        Some(!gaps & valid)
    }

    /// Checks the tokens of one block: each bit is a byte outside strings
    /// that is not whitespace, or an opening quote.
    #[inline(always)]
    fn tokens(&mut self, base: usize, block: &[u8; BLOCK], mut tokens: u64) -> Option<()> {
        // The classes of the last three tokens, four bits each: the low
        // twelve bits of a window's index; the context is above them.
        let mut recent = self.recent;
        let mut containers = self.containers;
        let mut context = context_bits(containers);
        let mut ok = 1;
        while tokens != 0 {
            let i = tokens.trailing_zeros() as usize % BLOCK;
            tokens &= tokens - 1;
            let z = CLASS[usize::from(block[i])];
            recent = (recent << 4 | usize::from(z)) % (1 << 12);
            ok &= VALID[(context | recent) % VALID_LEN];
            if z >= SCALAR {
                match z {
                    OPEN_OBJECT | OPEN_ARRAY => {
                        if self.depth == MAX_DEPTH {
                            return None;
                        }
                        self.depth += 1;
                        let kind = if z == OPEN_OBJECT { OBJECT } else { ARRAY };
                        containers = containers << 2 | kind as u64;
                    }
                    // The window check made sure the closer matches.
                    CLOSE_OBJECT | CLOSE_ARRAY => {
                        self.depth = self.depth.saturating_sub(1);
                        containers >>= 2;
                    }
                    _ => {
                        let end = scalar(self.src, base + i, block[i])?;
                        // The number's or literal's other bytes are not tokens.
                        self.skip_to = end;
                        tokens &= bits_from(end - base);
                    }
                }
                context = context_bits(containers);
            }
        }
        self.recent = recent;
        self.containers = containers;
        (ok != 0).then_some(())
    }

    /// Final checks once every block is scanned: strings closed, UTF-8
    /// valid, and exactly one complete value (or none at all).
    fn finish(&self) -> Option<()> {
        if self.string_carry != 0 || self.escape_carry {
            return None;
        }
        if let Some(from) = self.utf8_from {
            check_utf8(self.src, from, self.src.len())?;
        }
        // No token at all is empty or whitespace-only input.
        let recent = (self.recent << 4 | usize::from(END)) % (1 << 12);
        let done = self.recent % 16 == usize::from(START)
            || (self.depth == 0
                && VALID[(context_bits(self.containers) | recent) % VALID_LEN] != 0);
        done.then_some(())
    }
}

/// Validates the escape sequences started in a block and returns the mask
/// of escaped bytes (the byte after each escaping backslash). Escapes are
/// rare, so this walks them one by one.
#[cold]
fn escapes(src: &[u8], base: usize, backslash: u64, carry: &mut bool) -> Option<u64> {
    let mut escaped = 0;
    let mut starts = backslash;
    if *carry {
        escaped = 1;
        starts &= !1;
        *carry = false;
    }
    while starts != 0 {
        let i = starts.trailing_zeros();
        starts &= starts - 1;
        // A backslash outside a string is a grammar error that the token
        // walk catches; treating it as an escape here is harmless.
        if !valid_escape(src, base + i as usize) {
            return None;
        }
        if i == 63 {
            *carry = true;
        } else {
            let next = 1u64 << (i + 1);
            escaped |= next;
            starts &= !next;
        }
    }
    Some(escaped)
}

/// Checks the number or literal starting at `at` (whose first byte is
/// `first`) and returns its end.
#[cold]
fn scalar(src: &[u8], at: usize, first: u8) -> Option<usize> {
    let word: &[u8] = match first {
        b't' => b"true",
        b'f' => b"false",
        b'n' => b"null",
        _ => return scan_number(src, at).ok(),
    };
    src.get(at..)?.starts_with(word).then_some(at + word.len())
}

#[cold]
fn check_utf8(src: &[u8], from: usize, to: usize) -> Option<()> {
    std::str::from_utf8(src.get(from..to)?).ok().map(drop)
}

#[cfg(test)]
mod tests;
