//! Re-serialisations of a JSON body the way common serialisers print it, so that
//! [`explain`](super) can test whether a sender hashed one of them.
//!
//! This is the one place in the crate that deliberately re-serialises JSON: the
//! point is to reproduce other libraries' mistakes, never to produce bytes to
//! sign. The input is text that [`minify`](crate::minify::minify) has already
//! validated; anything unexpected still yields `None`, never a panic.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use super::{EscapeStyle, KeyOrder, NumberStyle, Reencoding};

/// Deeper nesting is not re-encoded (serde_json's own default limit), which also
/// bounds the recursion below.
const MAX_DEPTH: usize = 128;

/// A parsed JSON value that borrows every token from the input.
#[derive(Debug)]
pub(super) enum Node<'a> {
    /// `true`, `false` or `null`, verbatim.
    Literal(&'a str),
    /// A number token, verbatim.
    Number(&'a str),
    /// A string's contents between the quotes, escapes as sent.
    Str(&'a str),
    Array(Vec<Node<'a>>),
    /// Members in the order sent, keys as raw string contents.
    Object(Vec<(&'a str, Node<'a>)>),
}

/// Parses minified JSON text. `None` when it is not (or is nested deeper than
/// [`MAX_DEPTH`]).
pub(super) fn parse(text: &str) -> Option<Node<'_>> {
    let mut parser = Parser { text, at: 0 };
    let node = parser.value(0)?;
    (parser.at == text.len()).then_some(node)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn value(&mut self, depth: usize) -> Option<Node<'a>> {
        match self.peek()? {
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let mut members = Vec::new();
                if self.eat(b'}').is_some() {
                    return Some(Node::Object(members));
                }
                loop {
                    let key = self.string()?;
                    self.eat(b':')?;
                    members.push((key, self.value(depth + 1)?));
                    match self.peek()? {
                        b',' => self.at += 1,
                        b'}' => {
                            self.at += 1;
                            return Some(Node::Object(members));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']').is_some() {
                    return Some(Node::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(Node::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(Node::Str),
            b't' | b'f' | b'n' => self
                .take_while(|b| b.is_ascii_alphabetic())
                .map(Node::Literal),
            _ => self
                .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
                .map(Node::Number),
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> Option<&'a str> {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        (self.at > start).then(|| self.text.get(start..self.at))?
    }

    /// A string token; returns the contents between the quotes.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
        let contents = self.text.get(start..self.at)?;
        self.at += 1;
        Some(contents)
    }
}

/// Decodes the escapes of a string's contents. `None` for a lone surrogate
/// (`"\ud800"`), which no re-serialiser can print back as text.
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('\\') {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let high = hex4(&mut chars)?;
                if (0xD800..0xDC00).contains(&high) {
                    // A high surrogate must be followed by `\u` and a low one.
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let low = hex4(&mut chars)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                } else {
                    char::from_u32(high)?
                }
            }
            _ => return None,
        });
    }
    Some(Cow::Owned(out))
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

/// Prints `node` as `how` says. `None` when some part cannot be printed that way
/// (a lone surrogate, a number out of `f64` range).
pub(super) fn reencode(node: &Node<'_>, how: Reencoding) -> Option<String> {
    let mut out = String::new();
    write_node(&mut out, node, how)?;
    Some(out)
}

fn write_node(out: &mut String, node: &Node<'_>, how: Reencoding) -> Option<()> {
    match node {
        Node::Literal(text) => out.push_str(text),
        Node::Number(text) => write_number(out, text, how.numbers)?,
        Node::Str(raw) => write_string(out, raw, how.escapes)?,
        Node::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_node(out, item, how)?;
            }
            out.push(']');
        }
        Node::Object(members) => {
            out.push('{');
            for (i, (key, value)) in merged_members(members, how.keys)?.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key, how.escapes)?;
                out.push(':');
                write_node(out, value, how)?;
            }
            out.push('}');
        }
    }
    Some(())
}

/// The members as a parse-into-a-map serialiser prints them: a repeated key keeps
/// its first position (insertion-ordered maps) and its last value; sorted maps
/// order by the decoded key.
fn merged_members<'n, 'a>(
    members: &'n [(&'a str, Node<'a>)],
    order: KeyOrder,
) -> Option<Vec<(&'a str, &'n Node<'a>)>> {
    let mut merged: Vec<(Cow<'a, str>, &'a str, &'n Node<'a>)> = Vec::with_capacity(members.len());
    let mut position: HashMap<Cow<'a, str>, usize> = HashMap::new();
    for (raw_key, value) in members {
        let key = unescape(raw_key)?;
        match position.get(&key) {
            Some(&at) => merged[at] = (key, raw_key, value),
            None => {
                position.insert(key.clone(), merged.len());
                merged.push((key, raw_key, value));
            }
        }
    }
    if order == KeyOrder::Sorted {
        // Code-point order, as Go maps and BTreeMap<String, _> sort.
        merged.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Some(
        merged
            .into_iter()
            .map(|(_, raw, value)| (raw, value))
            .collect(),
    )
}

fn write_string(out: &mut String, raw: &str, style: EscapeStyle) -> Option<()> {
    out.push('"');
    if style == EscapeStyle::AsSent {
        out.push_str(raw);
        out.push('"');
        return Some(());
    }
    for c in unescape(raw)?.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => push_u_escape(out, c),
            '/' if style == EscapeStyle::Php => out.push_str("\\/"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if style == EscapeStyle::HtmlSafe => {
                push_u_escape(out, c);
            }
            // Python's ensure_ascii escapes everything outside space..tilde, DEL included.
            '\u{7f}' if style == EscapeStyle::Ascii => push_u_escape(out, c),
            c if !c.is_ascii() && matches!(style, EscapeStyle::Php | EscapeStyle::Ascii) => {
                push_u_escape(out, c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Some(())
}

/// `\uXXXX` in lowercase hex (as PHP, Python, JavaScript, Go and serde_json print
/// it), as a UTF-16 surrogate pair beyond the BMP.
fn push_u_escape(out: &mut String, c: char) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        // Writing to a String cannot fail.
        let _ = write!(out, "\\u{unit:04x}");
    }
}

fn write_number(out: &mut String, token: &str, style: NumberStyle) -> Option<()> {
    match style {
        NumberStyle::AsSent => out.push_str(token),
        NumberStyle::Shortest => out.push_str(&shortest(token)?),
        NumberStyle::Float => {
            // Exactly what serde_json::Value keeps and prints: integers as integers
            // when they fit 64 bits, everything else through its own f64 parser.
            let number: serde_json::Number = serde_json::from_str(token).ok()?;
            out.push_str(&number.to_string());
        }
    }
    Some(())
}

/// A number as JavaScript's `JSON.stringify(JSON.parse(…))` prints it: an IEEE
/// double in the shortest form that reads back the same, without `.0`
/// (`10000.00` → `10000`, `1.50` → `1.5`, `1E3` → `1000`), with an exponent
/// only outside `[1e-6, 1e21)`. Go's float64 encoding agrees on that range.
fn shortest(token: &str) -> Option<String> {
    let is_integer = !token.contains(['.', 'e', 'E']);
    // Integers a double holds exactly keep their spelling (`-0` aside).
    const EXACT: i64 = 1 << 53;
    if is_integer
        && token
            .parse::<i64>()
            .is_ok_and(|v| (-EXACT..=EXACT).contains(&v))
    {
        return Some(if token == "-0" {
            "0".to_owned()
        } else {
            token.to_owned()
        });
    }
    let value: f64 = token.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        return Some("0".to_owned());
    }
    let magnitude = value.abs();
    if (1e-6..1e21).contains(&magnitude) {
        // Rust's Display is the shortest round-trip form and never uses an exponent.
        return Some(value.to_string());
    }
    // Rust writes `1e21` / `1.5e-7`; JavaScript writes `1e+21` / `1.5e-7`.
    let text = format!("{value:e}");
    Some(match text.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => {
            format!("{mantissa}e+{exponent}")
        }
        _ => text,
    })
}

#[cfg(test)]
mod tests;
