//! Serving SNAP: verify incoming requests, answer with SNAP errors, issue
//! access tokens.
//!
//! | piece | what it does |
//! |---|---|
//! | [`VerifyLayer`] | a Tower layer that checks headers, timestamp window, partner, tokens, signature and `X-EXTERNAL-ID` replay, then hands the handler the exact received body |
//! | [`PartnerDirectory`] / [`StaticPartners`] | who may call, with the client secret and/or public key of each partner |
//! | [`TokenIssuer`] | the `access-token/b2b` and `access-token/b2b2c` endpoints (JWTs), and the [`TokenValidator`] the layer uses |
//! | [`ReplayStore`] / [`InMemoryReplayStore`] | one `X-EXTERNAL-ID` per partner per Jakarta day, one use of each `X-SIGNATURE` per partner while its timestamp is fresh |
//! | [`Rejection`] | SNAP error answers (`{"responseCode":"4015100","responseMessage":"Unauthorized. [Signature]"}`) |
//! | [`ExplainRejections`] | answers a bad signature with what the sender did differently ([`VerifyLayerBuilder::explain_rejections`]) |
//!
//! Everything is plain `tower::Service`, so it runs in axum
//! (`Router::layer(verify_layer)`, `route_service(path, issuer)`) and on any
//! Tower-compatible server (hyper-util). Verification outcomes are traced
//! (target `snap_bi::server`, see [the crate's table](crate::observability));
//! secrets, tokens and signatures are never recorded and are redacted in
//! `Debug`; comparisons are constant-time. A merchant receiving a PJP's
//! notifications starts from [`VerifyLayer::notifications`].
//!
//! A provider (or a merchant receiving notifications) wires it like this:
//!
//! ```
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use snap_bi::server::{Partner, StaticPartners, TokenIssuer, VerifiedRequest, VerifyLayer};
//! use snap_bi::{ClientSecret, RsaPublicKey};
//! use std::sync::Arc;
//! use tower::Layer;
//!
//! # let partner_public_pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys/partner-test-public.pem"));
//! let partners = Arc::new(
//!     StaticPartners::builder()
//!         .partner(
//!             Partner::new("partner-01")
//!                 .with_client_secret(&ClientSecret::new("s3cret")?)
//!                 .with_public_key(RsaPublicKey::from_pem(partner_public_pem)?),
//!         )
//!         .build()?,
//! );
//! let issuer = TokenIssuer::builder_shared(partners.clone()).build()?;
//! let verify = VerifyLayer::builder_shared(partners)
//!     .token_validator(issuer.clone())
//!     .build()?;
//!
//! // `issuer` answers POST /v1.0/access-token/b2b and …/b2b2c;
//! // `verify.layer(handler)` guards the transactional routes.
//! let handler = verify.layer(tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
//!     let partner = req.extensions().get::<VerifiedRequest>().map(|v| v.partner_id().to_owned());
//!     Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(partner.unwrap_or_default()))))
//! }));
//! # let _ = (handler, issuer);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod claims;
mod explain_rejections;
mod headers;
mod issue;
mod partner;
pub(crate) mod reject;
mod replay;
mod verify;

pub use claims::{TokenClaims, TokenKind, TokenRejection, TokenValidator};
pub use explain_rejections::{ExplainRejections, MAX_RESPONSE_MESSAGE};
pub use issue::{
    AuthCodeValidator, IssueError, IssueFuture, IssuedCustomerToken, IssuedToken,
    IssuerConfigError, StaticAuthCodes, TokenIssuer, TokenIssuerBuilder,
};
pub use partner::{
    DuplicatePartner, LookupError, Partner, PartnerDirectory, StaticPartners, StaticPartnersBuilder,
};
pub use reject::{Rejection, ServiceCode};
pub use replay::{
    InMemoryReplayStore, InMemoryReplayStoreBuilder, JakartaDay, ReplayError, ReplayStore,
    ReplayVerdict, WhenFull,
};
pub use verify::{
    CustomerTokenPolicy, PartnerHeader, SignatureFailure, SignatureRejectionHook, VerifiedRequest,
    VerifyConfigError, VerifyFuture, VerifyLayer, VerifyLayerBuilder, VerifyService,
};
