//! `snap-bi qr render`: a QRIS payload, CRC-checked, as a QR code.

use std::io::{self, IsTerminal, Read, Write};

use snap_bi::qr::{QrError, QrisCode, TextColors};

use crate::cli::args::{QrFormatArg, QrRenderArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::output::Output;

/// Pixels per QR module in SVG and PNG output: about 300 px for a typical
/// QRIS code, enough to scan from a screen.
const MODULE_PIXELS: u32 = 8;

/// The most read from standard input: a QRIS payload is at most 512
/// characters; anything much longer is not one.
const STDIN_LIMIT: u64 = 64 * 1024;

/// Renders the payload in the chosen format to stdout or `--output`.
pub(crate) fn render(args: &QrRenderArgs, out: &mut Output) -> CliResult {
    let payload = match &args.payload {
        Some(payload) => payload.clone(),
        None => read_stdin()?,
    };
    let payload = payload.trim_end_matches(['\r', '\n']);
    if payload.is_empty() {
        return Err(CliError::input(
            "no QRIS payload (argument or standard input)",
        ));
    }
    let code = QrisCode::new(payload).map_err(|e| match e {
        QrError::CrcMismatch { expected, found } => CliError::input(format!(
            "QRIS payload CRC is wrong: expected {expected}, found {found}"
        )),
        other => CliError::input(other.to_string()),
    })?;
    let bytes = match args.format {
        QrFormatArg::Text => code.to_text(TextColors::LightOnDark).into_bytes(),
        QrFormatArg::Svg => code.to_svg(MODULE_PIXELS).into_bytes(),
        QrFormatArg::Png => code
            .to_png(MODULE_PIXELS)
            .map_err(|e| CliError::failed(e.to_string()))?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))?;
            out.line(path.display().to_string());
        }
        None if args.format == QrFormatArg::Png => {
            if io::stdout().is_terminal() {
                return Err(CliError::input(
                    "a PNG is binary: give --output FILE or redirect stdout",
                ));
            }
            let mut stdout = io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| CliError::input(format!("cannot write to stdout: {e}")))?;
        }
        None => out.line(bytes.strip_suffix(b"\n").unwrap_or(&bytes)),
    }
    Ok(())
}

/// The payload from standard input.
fn read_stdin() -> CliResult<String> {
    let mut text = String::new();
    io::stdin()
        .lock()
        .take(STDIN_LIMIT)
        .read_to_string(&mut text)
        .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
    Ok(text)
}
