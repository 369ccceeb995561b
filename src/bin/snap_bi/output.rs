//! Standard output, buffered so a subcommand's result is written in one go.

use std::io::{self, Write};

/// Lines for standard output. The last line is the subcommand's result.
#[derive(Debug, Default)]
pub(crate) struct Output {
    buf: Vec<u8>,
}

impl Output {
    /// Appends `text` and a newline. The bytes are written as given (bodies
    /// are UTF-8 once minified; `--raw-body` bodies are passed through).
    pub(crate) fn line(&mut self, text: impl AsRef<[u8]>) {
        self.buf.extend_from_slice(text.as_ref());
        self.buf.push(b'\n');
    }

    /// Appends a `label: value` line.
    pub(crate) fn labelled(&mut self, label: &str, value: impl AsRef<[u8]>) {
        self.buf.extend_from_slice(label.as_bytes());
        self.buf.extend_from_slice(b": ");
        self.line(value);
    }

    /// Writes everything to standard output.
    pub(crate) fn flush_to_stdout(&self) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(&self.buf)?;
        stdout.flush()
    }
}
