#![cfg(feature = "cli")]
//! `snap-bi qr render`: payload by argument or stdin, text / SVG / PNG, and
//! a wrong CRC refused with exit 2 naming both CRCs.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_snap-bi");

/// One EMVCo TLV field: tag, two-digit length, value.
fn tlv(tag: &str, value: &str) -> String {
    format!("{tag}{:02}{value}", value.len())
}

/// A QRIS payload with its correct CRC (computed here, not by the library).
fn payload() -> String {
    let merchant = [
        tlv("00", "ID.CO.QRIS.WWW"),
        tlv("01", "936009153000000000"),
        tlv("02", "000000000000000"),
    ]
    .concat();
    let body = [
        tlv("00", "01"),
        tlv("01", "12"),
        tlv("26", &merchant),
        tlv("52", "5812"),
        tlv("53", "360"),
        tlv("54", "12000.00"),
        tlv("58", "ID"),
        tlv("59", "SNAP BI DEMO"),
        tlv("60", "JAKARTA"),
        "6304".to_owned(),
    ]
    .concat();
    format!("{body}{:04X}", crc16_ccitt(body.as_bytes()))
}

/// CRC-16/CCITT-FALSE, as EMVCo tag 63 (written here so the test does not
/// trust the code under test).
fn crc16_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn run(args: &[&str], stdin: Option<&str>) -> (i32, Vec<u8>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Decodes the rendered PNG with an independent QR reader.
fn decode_png(png: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| bytes[(y * w + x) * channels]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

#[test]
fn text_from_the_argument_and_from_stdin_are_the_same() {
    let payload = payload();
    let (code, by_arg, err) = run(&["qr", "render", &payload], None);
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(by_arg.clone()).unwrap();
    assert!(text.lines().count() > 10, "{text}");
    assert!(text.contains('█') || text.contains('▀') || text.contains('▄'));
    let (code, by_stdin, err) = run(
        &["qr", "render", "--format", "text"],
        Some(&format!("{payload}\n")),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_arg, by_stdin);
}

#[test]
fn svg_and_png_encode_the_payload() {
    let payload = payload();
    let (code, svg, err) = run(&["qr", "render", &payload, "--format", "svg"], None);
    assert_eq!(code, 0, "{err}");
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("<svg"), "{svg}");

    let dir = std::env::temp_dir().join(format!("snap-bi-cli-qr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("qr.png");
    let (code, out, err) = run(
        &[
            "qr",
            "render",
            &payload,
            "--format",
            "png",
            "--output",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        String::from_utf8(out).unwrap().trim_end(),
        file.to_str().unwrap()
    );
    let png = std::fs::read(&file).unwrap();
    assert_eq!(decode_png(&png), payload);

    // PNG to a pipe: the bytes themselves.
    let (code, piped, err) = run(&["qr", "render", &payload, "--format", "png"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(piped, png);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_wrong_crc_is_exit_2_with_both_crcs() {
    let payload = payload();
    let good = &payload[payload.len() - 4..];
    let wrong = if good == "0000" { "FFFF" } else { "0000" };
    let tampered = format!("{}{wrong}", &payload[..payload.len() - 4]);
    let (code, out, err) = run(&["qr", "render", &tampered], None);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.starts_with(&format!(
            "error: QRIS payload CRC is wrong: expected {good}, found {wrong}"
        )),
        "{err}"
    );
}

#[test]
fn empty_input_and_unknown_format_are_exit_2() {
    let (code, _, err) = run(&["qr", "render"], Some(""));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["qr", "render", &payload(), "--format", "jpeg"], None);
    assert_eq!(code, 2, "{err}");
}
