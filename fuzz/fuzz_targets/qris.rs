//! QRIS: every typed body's `from_json` (re-serialising an accepted body is
//! stable), `Amount` parsing, and EMV payloads (parse, CRC, re-encoding,
//! rendering).
#![no_main]

use libfuzzer_sys::{arbitrary, fuzz_target};
use serde::Serialize;
use snap_bi::qris::emv::{self, TlvWriter};
use snap_bi::qris::{
    Amount, Currency, MessageError, QrMpmCancelRequest, QrMpmCancelResponse, QrMpmGenerateRequest,
    QrMpmGenerateResponse, QrMpmNotifyRequest, QrMpmNotifyResponse, QrMpmQueryRequest,
    QrMpmQueryResponse, QrMpmRefundRequest, QrMpmRefundResponse, RawObject, ServiceRequest,
    ServiceResponse, StatusDialect, TransactionStatus,
};

#[derive(Debug, arbitrary::Arbitrary)]
enum Input<'a> {
    Body {
        which: u8,
        json: &'a [u8],
    },
    Amount {
        text: &'a str,
        minor: u64,
        signed: i64,
    },
    Emv {
        payload: &'a str,
        render: bool,
    },
    Status {
        code: &'a str,
    },
}

/// Accepted → serialise → accepted again, to the same bytes.
fn round_trip<T: Serialize>(
    json: &[u8],
    from_json: fn(&[u8]) -> Result<T, MessageError>,
) -> Option<T> {
    let value = match from_json(json) {
        Ok(value) => value,
        Err(error) => {
            let _ = (error.to_string(), error.case_code());
            return None;
        }
    };
    let once = serde_json::to_vec(&value).unwrap();
    let again = from_json(&once).unwrap_or_else(|e| {
        panic!(
            "re-serialised body refused ({e}): {:?}",
            String::from_utf8_lossy(&once)
        )
    });
    let twice = serde_json::to_vec(&again).unwrap();
    assert_eq!(once, twice, "serialisation not stable");
    Some(value)
}

fn body<R: ServiceRequest + Serialize>(json: &[u8]) {
    if round_trip(json, R::from_json).is_none()
        && let Err(error) = R::from_json(json)
    {
        let rejection = R::reject(&error);
        assert!(!rejection.response_code().is_success());
    }
}

fuzz_target!(|input: Input<'_>| match input {
    Input::Body { which, json } => match which % 11 {
        0 => body::<QrMpmGenerateRequest>(json),
        1 => drop(round_trip(json, QrMpmGenerateResponse::from_json)),
        2 => body::<QrMpmQueryRequest>(json),
        3 => drop(round_trip(json, QrMpmQueryResponse::from_json)),
        4 => body::<QrMpmNotifyRequest>(json),
        5 => drop(round_trip(json, QrMpmNotifyResponse::from_json)),
        6 => body::<QrMpmCancelRequest>(json),
        7 => drop(round_trip(json, QrMpmCancelResponse::from_json)),
        8 => body::<QrMpmRefundRequest>(json),
        9 => drop(round_trip(json, QrMpmRefundResponse::from_json)),
        _ => {
            if let Ok(text) = std::str::from_utf8(json)
                && let Ok(raw) = RawObject::from_json(text)
            {
                let once = serde_json::to_string(&raw).unwrap();
                // Names and values come back as received, escapes included:
                // only the whitespace between tokens goes.
                if let Ok(minified) = snap_bi::minify::minify(text.as_bytes()) {
                    assert_eq!(once.as_bytes(), &*minified, "not written back as received");
                }
                let again = RawObject::from_json(&once).unwrap();
                assert_eq!(serde_json::to_string(&again).unwrap(), once);
                let _ = raw.to_map();
            }
        }
    },
    Input::Amount {
        text,
        minor,
        signed,
    } => {
        let strict = Amount::parse(text);
        let lenient = Amount::parse_lenient(text);
        if let Ok(amount) = &strict {
            assert_eq!(amount.as_str(), text);
            assert_eq!(
                lenient.as_ref().ok(),
                Some(amount),
                "lenient refuses what strict takes"
            );
            assert_eq!(Amount::parse(amount.as_str()).as_ref(), Ok(amount));
        }
        for amount in strict.iter().chain(lenient.iter()) {
            let canonical = amount.to_canonical();
            assert!(canonical.is_canonical());
            assert_eq!(canonical.minor_units(), amount.minor_units());
            assert_eq!(&canonical, amount);
            assert_eq!(Amount::parse(canonical.as_str()).unwrap(), canonical);
            assert_eq!(amount.is_zero(), amount.minor_units() == 0);
            let json = serde_json::to_string(amount).unwrap();
            assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), *amount);
        }
        if let Ok(amount) = Amount::from_minor_units(minor) {
            assert_eq!(amount.minor_units(), minor);
            assert!(amount.is_canonical());
            assert_eq!(Amount::parse(amount.as_str()).unwrap(), amount);
        }
        if let Ok(amount) = Amount::from_minor_units_i64(signed) {
            assert_eq!(i64::try_from(amount.minor_units()).ok(), Some(signed));
        }
        if let Ok(currency) = Currency::new(text) {
            assert_eq!(currency.as_str().len(), 3);
        }
    }
    Input::Emv { payload, render } => {
        let crc = emv::check_crc(payload);
        let Ok(fields) = emv::parse(payload) else {
            assert!(crc.is_err());
            return;
        };
        // Fields the writer can hold (printable ASCII, not empty) re-encode
        // to exactly the payload.
        let encodable = fields
            .iter()
            .all(|f| !f.value.is_empty() && f.value.bytes().all(|b| (0x20..=0x7e).contains(&b)));
        if encodable {
            let mut writer = TlvWriter::new();
            for field in &fields {
                writer.field(field.tag, field.value).unwrap();
                let _ = emv::parse(field.value);
            }
            assert_eq!(writer.as_str(), payload);
        } else {
            assert!(
                fields
                    .iter()
                    .any(|f| TlvWriter::new().field(f.tag, f.value).is_err())
            );
        }
        if crc.is_ok() && encodable {
            let body = &payload[..payload.len() - 4];
            let mut rebuilt = TlvWriter::new();
            for field in emv::parse(&payload[..payload.len() - 8]).unwrap() {
                rebuilt.field(field.tag, field.value).unwrap();
            }
            let rebuilt = rebuilt.finish_with_crc();
            assert!(rebuilt[..rebuilt.len() - 4] == *body);
            assert!(
                payload[payload.len() - 4..].eq_ignore_ascii_case(&rebuilt[rebuilt.len() - 4..])
            );
            if render && payload.len() <= 512 {
                if let Ok(code) = snap_bi::qr::QrisCode::new(payload) {
                    assert_eq!(code.payload(), payload);
                    let _ = code.to_svg(1);
                }
            }
        }
    }
    Input::Status { code } => {
        let status = TransactionStatus::from_code(code);
        assert_eq!(status.code(), code);
        for dialect in [StatusDialect::Standard, StatusDialect::Paydia] {
            let meaning = status.meaning(dialect);
            if let Some(back) = dialect.status_for(meaning) {
                assert_eq!(back.meaning(dialect), meaning);
            }
        }
    }
});
