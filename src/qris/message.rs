//! What every message type shares: parse errors that map to SNAP response
//! codes, and the traits that tie a request to its service and response.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RawObject;
use crate::response_code::{CaseCode, ResponseCode, ServiceInfo, service_by_code};

/// Why a body does not parse as a message, naming the field at fault.
///
/// [`case_code`](Self::case_code) and
/// [`response_message`](Self::response_message) give what a SNAP server
/// answers (snap-spec §6.2): `400xx00` for a body that is not a JSON object,
/// `400xx02 Invalid Mandatory Field {name}` for a missing or malformed
/// mandatory field, `400xx01 Invalid Field Format {name}` for a malformed
/// optional one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The body is not one JSON object (syntax error, array, empty body …).
    #[error("body is not a JSON object: {0}")]
    NotAnObject(#[source] serde_json::Error),
    /// A mandatory field is absent.
    #[error("mandatory field `{field}` is missing")]
    MissingField {
        /// Its JSON name.
        field: &'static str,
    },
    /// A modelled field appears twice.
    #[error("field `{field}` appears more than once")]
    DuplicateField {
        /// Its JSON name.
        field: &'static str,
    },
    /// A field is present but has the wrong type or shape (an amount such as
    /// `"10.000"`, a number where a string is expected, …).
    #[error("field `{field}` is invalid: {source}")]
    InvalidField {
        /// Its JSON name.
        field: &'static str,
        /// Whether the field is mandatory for this message.
        mandatory: bool,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
}

impl MessageError {
    /// The JSON name of the field at fault, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::NotAnObject(_) => None,
            Self::MissingField { field }
            | Self::DuplicateField { field }
            | Self::InvalidField { field, .. } => Some(field),
        }
    }

    /// The §6.2 case a server reports for this error.
    pub fn case_code(&self) -> CaseCode {
        match self {
            Self::NotAnObject(_) | Self::DuplicateField { .. } => CaseCode::BadRequest,
            Self::MissingField { .. }
            | Self::InvalidField {
                mandatory: true, ..
            } => CaseCode::InvalidMandatoryField,
            Self::InvalidField {
                mandatory: false, ..
            } => CaseCode::InvalidFieldFormat,
        }
    }

    /// The `responseMessage` a server sends, e.g.
    /// `Invalid Mandatory Field {serviceCode}`.
    pub fn response_message(&self) -> String {
        match self.field() {
            Some(field) => self.case_code().message_with(field),
            None => self.case_code().message().to_owned(),
        }
    }

    /// Converts to a serde error, for the `Deserialize` impls.
    pub(crate) fn into_de_error<E: serde::de::Error>(self) -> E {
        match self {
            Self::MissingField { field } => E::missing_field(field),
            other => E::custom(other),
        }
    }
}

/// A SNAP message body (request or response) of this module.
pub trait SnapMessage: Serialize + DeserializeOwned + Sized {
    /// The JSON names of the modelled fields, in serialisation order.
    const FIELDS: &'static [&'static str];

    /// Parses a JSON body, naming the field at fault on error.
    ///
    /// # Errors
    /// [`MessageError`].
    fn from_json(body: &[u8]) -> Result<Self, MessageError>;

    /// The top-level members the type does not model.
    fn extra(&self) -> &RawObject;
}

/// A request of a standard SNAP service: its service code, path and response.
///
/// ```
/// use snap_bi::CaseCode;
/// use snap_bi::qris::{QrMpmQueryRequest, ServiceRequest, ServiceResponse};
///
/// assert_eq!(QrMpmQueryRequest::SERVICE_CODE, "51");
/// assert_eq!(QrMpmQueryRequest::PATH, "/v1.0/qr/qr-mpm-query");
///
/// // A server rejecting a body that lacks the mandatory serviceCode:
/// let error = QrMpmQueryRequest::from_json(br#"{"originalReferenceNo":"A1"}"#).unwrap_err();
/// let response = QrMpmQueryRequest::reject(&error);
/// assert_eq!(response.response_code().as_str(), "4005102");
/// assert_eq!(response.response_message(), "Invalid Mandatory Field {serviceCode}");
/// ```
pub trait ServiceRequest: SnapMessage {
    /// The two-digit standard service code, e.g. `"51"`.
    const SERVICE_CODE: &'static str;
    /// The standard path including the version, e.g. `"/v1.0/qr/qr-mpm-query"`.
    const PATH: &'static str;
    /// The response body type.
    type Response: ServiceResponse;

    /// The standard service-table row for [`SERVICE_CODE`](Self::SERVICE_CODE).
    fn service_info() -> Option<&'static ServiceInfo> {
        service_by_code(Self::SERVICE_CODE)
    }

    /// The response code of `case` for this service, e.g.
    /// `CaseCode::TransactionNotFound` → `4045101` for service 51.
    fn response_code(case: CaseCode) -> ResponseCode {
        // Every SERVICE_CODE in this crate is two digits (tested), so the
        // fallback is unreachable; it only keeps this path panic-free.
        case.with_service(Self::SERVICE_CODE)
            .unwrap_or(ResponseCode::INTERNAL_FALLBACK)
    }

    /// A response carrying only `responseCode` / `responseMessage` for `case`.
    fn reply(case: CaseCode, message: impl Into<String>) -> Self::Response {
        Self::Response::from_code(Self::response_code(case), message.into())
    }

    /// The response a server sends for a body that failed to parse.
    fn reject(error: &MessageError) -> Self::Response {
        Self::reply(error.case_code(), error.response_message())
    }
}

/// A response body: every one carries `responseCode` and `responseMessage`.
pub trait ServiceResponse: SnapMessage {
    /// A response with only `responseCode` and `responseMessage` set.
    fn from_code(response_code: ResponseCode, response_message: String) -> Self;

    /// The `responseCode`.
    fn response_code(&self) -> &ResponseCode;

    /// The `responseMessage`.
    fn response_message(&self) -> &str;
}
