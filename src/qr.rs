//! The QR code itself: a QRIS payload (the `qrContent` / `qr_content` a
//! provider returns) rendered as terminal text, SVG or PNG.
//!
//! The payload is checked first with the EMVCo CRC of tag `63`
//! ([`emv::check_crc`]): a payload whose CRC is wrong would render into a
//! code every wallet refuses, so it is a [`QrError::CrcMismatch`] carrying
//! the expected and the found CRC. Encoding is done by the `qrcode` crate,
//! at error-correction level M, with the standard quiet zone of four modules.
//!
//! ```
//! use snap_bi::qr::{QrError, QrisCode, TextColors};
//! use snap_bi::qris::Amount;
//! use snap_bi::qris::emv::{AdditionalData, QrisMerchant};
//!
//! let payload = QrisMerchant::new("WARUNG SNAP", "JAKARTA")
//!     .dynamic_payload(&Amount::parse("15000.00")?, &AdditionalData::default())?;
//! let code = QrisCode::new(&payload)?;
//! let text = code.to_text(TextColors::LightOnDark);   // print this in a terminal
//! assert!(text.lines().count() < code.width() + 8);   // two module rows per line
//! assert!(code.to_svg(8).starts_with("<?xml"));
//! assert!(code.to_png(4)?.starts_with(b"\x89PNG"));
//!
//! // One character changed: refused, with both CRCs.
//! let broken = payload.replace("15000.00", "95000.00");
//! let Err(QrError::CrcMismatch { expected, found }) = QrisCode::new(&broken) else { panic!() };
//! assert_ne!(expected, found);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use qrcode::render::{svg, unicode};
use qrcode::{Color, EcLevel, QrCode};

use crate::qris::emv::{self, EmvError};

/// Modules of light margin around the code, as the QR standard requires.
pub const QUIET_ZONE: usize = 4;

/// Longest QRIS payload (EMVCo MPM: 512 characters).
pub const MAX_PAYLOAD_LEN: usize = 512;

/// Largest PNG module size accepted, in pixels (keeps images below ~3000 px).
pub const MAX_PNG_MODULE_PIXELS: u32 = 16;

/// Why a payload cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The CRC in tag `63` does not match the payload.
    #[error("QRIS payload CRC is {found}, expected {expected}")]
    CrcMismatch {
        /// The CRC computed over the payload (four upper-case hex digits).
        expected: String,
        /// The four characters the payload carries.
        found: String,
    },
    /// The payload is not a well-formed EMVCo payload ending in a CRC.
    #[error("not a QRIS payload: {0}")]
    Payload(EmvError),
    /// Longer than [`MAX_PAYLOAD_LEN`].
    #[error("QRIS payload of {len} characters exceeds {MAX_PAYLOAD_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The QR encoder refused the data.
    #[error("QR encoding failed: {0}")]
    Encode(String),
    /// A PNG module size outside 1..=[`MAX_PNG_MODULE_PIXELS`].
    #[error("PNG module size {0} is outside 1..={MAX_PNG_MODULE_PIXELS}")]
    ModuleSize(u32),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// How terminal text draws the code.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextColors {
    /// Light modules as blocks, dark ones as spaces: right for the usual
    /// light-on-dark terminal.
    #[default]
    LightOnDark,
    /// Dark modules as blocks: right for a light background (and for paper).
    DarkOnLight,
}

/// A CRC-checked QRIS payload and its QR code.
#[derive(Clone)]
pub struct QrisCode {
    payload: String,
    code: QrCode,
}

impl QrisCode {
    /// Checks the payload's CRC and encodes it.
    ///
    /// # Errors
    /// [`QrError::CrcMismatch`], [`QrError::Payload`], [`QrError::TooLong`]
    /// or [`QrError::Encode`].
    pub fn new(payload: &str) -> Result<Self, QrError> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(QrError::TooLong { len: payload.len() });
        }
        emv::check_crc(payload).map_err(|e| match e {
            EmvError::CrcMismatch { found, computed } => QrError::CrcMismatch {
                expected: format!("{computed:04X}"),
                found,
            },
            other => QrError::Payload(other),
        })?;
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| QrError::Encode(e.to_string()))?;
        Ok(Self {
            payload: payload.to_owned(),
            code,
        })
    }

    /// The payload.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.code.width()
    }

    /// Whether the module at (`x`, `y`) is dark (`false` outside the code).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let width = self.width();
        x < width
            && y < width
            && self
                .code
                .to_colors()
                .get(y * width + x)
                .is_some_and(|c| *c == Color::Dark)
    }

    /// Unicode half blocks, two module rows per line, with the quiet zone.
    pub fn to_text(&self, colors: TextColors) -> String {
        let mut renderer = self.code.render::<unicode::Dense1x2>();
        renderer.quiet_zone(true);
        if colors == TextColors::LightOnDark {
            renderer
                .dark_color(unicode::Dense1x2::Light)
                .light_color(unicode::Dense1x2::Dark);
        }
        renderer.build()
    }

    /// An SVG document, `module_pixels` per module (at least 1), with the
    /// quiet zone.
    pub fn to_svg(&self, module_pixels: u32) -> String {
        self.code
            .render::<svg::Color<'_>>()
            .quiet_zone(true)
            .module_dimensions(module_pixels.max(1), module_pixels.max(1))
            .build()
    }

    /// A greyscale PNG, `module_pixels` per module, with the quiet zone.
    ///
    /// # Errors
    /// [`QrError::ModuleSize`] outside 1..=[`MAX_PNG_MODULE_PIXELS`];
    /// [`QrError::Png`] if encoding fails.
    pub fn to_png(&self, module_pixels: u32) -> Result<Vec<u8>, QrError> {
        if !(1..=MAX_PNG_MODULE_PIXELS).contains(&module_pixels) {
            return Err(QrError::ModuleSize(module_pixels));
        }
        let scale = module_pixels as usize;
        let modules = self.width();
        let colors = self.code.to_colors();
        let side_modules = modules + 2 * QUIET_ZONE;
        let side = side_modules * scale;
        let mut pixels = vec![255u8; side * side];
        for (index, color) in colors.iter().enumerate() {
            if *color != Color::Dark {
                continue;
            }
            let (mx, my) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
            for row in my * scale..(my + 1) * scale {
                let start = row * side + mx * scale;
                if let Some(run) = pixels.get_mut(start..start + scale) {
                    run.fill(0);
                }
            }
        }
        let side_u32 = u32::try_from(side).map_err(|e| QrError::Png(e.to_string()))?;
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out)
    }
}

impl fmt::Debug for QrisCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QrisCode")
            .field("payload", &self.payload)
            .field("width", &self.width())
            .finish()
    }
}

#[cfg(test)]
mod tests;
