//! Unit tests of the parent module, kept in their own file.

use super::*;
use crate::qris::Amount;
use crate::qris::emv::{AdditionalData, QrisMerchant};

fn payload() -> String {
    let data = AdditionalData {
        reference_label: Some("INV-2024-0001".into()),
        ..AdditionalData::default()
    };
    QrisMerchant::new("WARUNG SNAP", "JAKARTA")
        .dynamic_payload(&Amount::parse("12000.00").unwrap(), &data)
        .unwrap()
}

/// Decodes a greyscale bitmap with rqrr, an independent QR decoder.
fn decode(width: usize, height: usize, pixel: impl Fn(usize, usize) -> u8) -> Vec<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    image
        .detect_grids()
        .into_iter()
        .map(|grid| grid.decode().unwrap().1)
        .collect()
}

#[test]
fn png_decodes_back_to_the_payload() {
    let payload = payload();
    let code = QrisCode::new(&payload).unwrap();
    let png_bytes = code.to_png(4).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let side = info.width as usize;
    assert_eq!(side, (code.width() + 2 * QUIET_ZONE) * 4);
    assert_eq!(decode(side, side, |x, y| buffer[y * side + x]), [payload]);
}

/// Reads terminal text back into "block drawn" flags per module.
fn text_matrix(text: &str) -> Vec<Vec<bool>> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for c in line.chars() {
            let (t, b) = match c {
                ' ' => (false, false),
                '▀' => (true, false),
                '▄' => (false, true),
                '█' => (true, true),
                other => panic!("unexpected {other:?}"),
            };
            top.push(t);
            bottom.push(b);
        }
        rows.push(top);
        rows.push(bottom);
    }
    rows
}

#[test]
fn text_is_dense_with_a_quiet_zone_and_decodes() {
    let payload = payload();
    let code = QrisCode::new(&payload).unwrap();
    let side = code.width() + 2 * QUIET_ZONE;
    for colors in [TextColors::LightOnDark, TextColors::DarkOnLight] {
        let text = code.to_text(colors);
        assert_eq!(text.lines().count(), side.div_ceil(2), "{colors:?}");
        let matrix = text_matrix(&text);
        assert!(matrix.len() >= side && matrix.iter().all(|row| row.len() == side));
        // An odd side leaves a padding half row at the bottom: not compared.
        for (y, row) in matrix.iter().enumerate().take(side) {
            for (x, &drawn) in row.iter().enumerate() {
                let dark = x >= QUIET_ZONE
                    && y >= QUIET_ZONE
                    && code.is_dark(x - QUIET_ZONE, y - QUIET_ZONE);
                let expected = match colors {
                    TextColors::LightOnDark => !dark,
                    TextColors::DarkOnLight => dark,
                };
                assert_eq!(drawn, expected, "{colors:?} at ({x},{y})");
            }
        }
        // Drawn blocks as black on paper: the DarkOnLight text is the code itself.
        if colors == TextColors::DarkOnLight {
            let scale = 4;
            let decoded = decode(side * scale, side * scale, |x, y| {
                if matrix[y / scale][x / scale] { 0 } else { 255 }
            });
            assert_eq!(decoded, std::slice::from_ref(&payload));
        }
    }
}

#[test]
fn svg_has_the_expected_size() {
    let code = QrisCode::new(&payload()).unwrap();
    let svg = code.to_svg(5);
    let side = (code.width() + 2 * QUIET_ZONE) * 5;
    assert!(svg.starts_with("<?xml"), "{svg}");
    assert!(
        svg.contains(&format!("width=\"{side}\" height=\"{side}\"")),
        "{svg}"
    );
    assert!(svg.contains("<path"), "{svg}");
    assert_eq!(code.to_svg(0), code.to_svg(1));
}

#[test]
fn a_wrong_crc_gives_expected_and_found() {
    let payload = payload();
    let (body, crc) = payload.split_at(payload.len() - 4);
    let wrong = if crc == "0000" { "FFFF" } else { "0000" };
    let err = QrisCode::new(&format!("{body}{wrong}")).unwrap_err();
    assert_eq!(
        err,
        QrError::CrcMismatch {
            expected: crc.to_owned(),
            found: wrong.to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        format!("QRIS payload CRC is {wrong}, expected {crc}")
    );
    // Lower-case hex is the same CRC.
    assert!(QrisCode::new(&format!("{body}{}", crc.to_lowercase())).is_ok());
}

#[test]
fn other_bad_payloads() {
    assert_eq!(
        QrisCode::new("000201").unwrap_err(),
        QrError::Payload(EmvError::MissingCrc)
    );
    assert!(matches!(
        QrisCode::new("00X2").unwrap_err(),
        QrError::Payload(EmvError::Malformed { .. })
    ));
    assert_eq!(
        QrisCode::new("").unwrap_err(),
        QrError::Payload(EmvError::MissingCrc)
    );
    let long = "0".repeat(513);
    assert_eq!(
        QrisCode::new(&long).unwrap_err(),
        QrError::TooLong { len: 513 }
    );
    let code = QrisCode::new(&payload()).unwrap();
    assert_eq!(code.to_png(0).unwrap_err(), QrError::ModuleSize(0));
    assert_eq!(code.to_png(17).unwrap_err(), QrError::ModuleSize(17));
    assert!(!code.is_dark(code.width(), 0));
    assert!(format!("{code:?}").contains("width"));
}
