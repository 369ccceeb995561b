#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(feature = "aws-lc-rs"))]
compile_error!("snap-bi needs its `aws-lc-rs` feature (on by default) for SHA256withRSA");

pub mod asymmetric;
pub mod body;
pub mod client;
mod collect;
mod digits;
pub mod endpoint;
pub mod explain;
pub mod external_id;
pub mod headers;
pub mod keys;
pub mod minify;
pub mod mock;
pub mod observability;
pub mod profile;
pub mod qris;
pub mod response_code;
pub mod server;
pub mod signature;
pub mod string_to_sign;
pub mod symmetric;
pub mod timestamp;
pub mod token;

pub mod payment;
// The macro-defining module comes first: `macro_rules!` scope is textual.
#[cfg(any(feature = "kiriminaja", feature = "fazz"))]
#[macro_use]
pub mod lenient_json;
#[cfg(feature = "fazz")]
pub mod fazz;
#[cfg(feature = "kiriminaja")]
pub mod kiriminaja;
pub mod paydia;
#[cfg(any(feature = "kiriminaja", feature = "fazz"))]
pub mod provider_client;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "redis")]
pub mod redis_store;

pub use asymmetric::{AsymmetricSigner, AsymmetricVerifier, SignError};
pub use body::{BodyDigest, CanonicalBody, EmptyBodyRule};
pub use client::{CallError, SnapCall, SnapClient};
pub use endpoint::{EndpointUrlPolicy, endpoint_url};
pub use external_id::{ExternalId, ExternalIdGenerator};
pub use keys::{KeyError, KeyOptions, RsaPrivateKey, RsaPublicKey};
pub use minify::{BodyPolicy, MinifyError, minify};
pub use profile::{ProviderProfile, TransactionSignature};
pub use response_code::{CaseCode, ResponseCode};
pub use signature::{Signature, SignatureEncoding, VerifyError};
pub use string_to_sign::{StringToSign, TransactionParts, token_string_to_sign};
pub use symmetric::{ClientSecret, SecretError, SymmetricSigner};
pub use timestamp::{Clock, SystemClock, Timestamp, TimestampFormat};
pub use token::{AccessToken, TokenError, TokenSource};
