//! Who may call: the partners a server knows, with the keys that verify them.
//!
//! The application implements [`PartnerDirectory`] over wherever it keeps
//! partners (a database, a config file). Transactional requests are looked up
//! by `X-PARTNER-ID`, token requests by client id (`X-CLIENT-KEY`).
//! [`StaticPartners`] is the in-memory implementation for fixed partner lists,
//! tests and mock servers.
//!
//! ```
//! use snap_bi::server::{Partner, PartnerDirectory, StaticPartners};
//! use snap_bi::{ClientSecret, RsaPublicKey};
//!
//! # let public_pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/keys/partner-test-public.pem"));
//! let partners = StaticPartners::builder()
//!     .partner(
//!         Partner::new("partner-01")
//!             .with_client_id("client-01")
//!             .with_client_secret(&ClientSecret::new("s3cret")?)
//!             .with_public_key(RsaPublicKey::from_pem(public_pem)?),
//!     )
//!     .build()?;
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let by_client = partners.by_client_id("client-01").await?.ok_or("unknown")?;
//! assert_eq!(by_client.partner_id(), "partner-01");
//! assert!(partners.by_partner_id("nobody").await?.is_none());
//! assert!(!format!("{by_client:?}").contains("s3cret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::asymmetric::AsymmetricVerifier;
use crate::keys::RsaPublicKey;
use crate::symmetric::{ClientSecret, SymmetricSigner};
use crate::token::BoxFuture;

/// One partner (client) known to the server, with the keys that verify its
/// signatures.
///
/// The client secret is held as a keyed HMAC state (the key schedule runs
/// once, here); the public key is parsed once. `Debug` shows only ids and
/// which keys are present.
#[derive(Clone)]
pub struct Partner {
    partner_id: String,
    client_id: String,
    symmetric: Option<SymmetricSigner>,
    asymmetric: Option<AsymmetricVerifier>,
}

impl Partner {
    /// A partner whose client id is its partner id (DANA, Durianpay and
    /// BRI's notifications use the same value for both).
    #[must_use]
    pub fn new(partner_id: impl Into<String>) -> Self {
        let partner_id = partner_id.into();
        Self {
            client_id: partner_id.clone(),
            partner_id,
            symmetric: None,
            asymmetric: None,
        }
    }

    /// Sets the client id (`X-CLIENT-KEY` on token requests).
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Sets the client secret that keys symmetric (HMAC-SHA512) signatures.
    #[must_use]
    pub fn with_client_secret(mut self, secret: &ClientSecret) -> Self {
        self.symmetric = Some(SymmetricSigner::new(secret));
        self
    }

    /// Sets the public key that verifies the partner's token requests and
    /// asymmetric (SHA256withRSA) transactions or notifications.
    #[must_use]
    pub fn with_public_key(mut self, key: RsaPublicKey) -> Self {
        self.asymmetric = Some(AsymmetricVerifier::new(key));
        self
    }

    /// Like [`with_public_key`](Self::with_public_key), for a key shared with
    /// other components.
    #[must_use]
    pub fn with_shared_public_key(mut self, key: Arc<RsaPublicKey>) -> Self {
        self.asymmetric = Some(AsymmetricVerifier::from_shared(key));
        self
    }

    /// The `X-PARTNER-ID`.
    #[must_use]
    pub fn partner_id(&self) -> &str {
        &self.partner_id
    }

    /// The client id (`X-CLIENT-KEY`).
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The keyed HMAC verifier, if the partner has a client secret.
    #[must_use]
    pub fn symmetric(&self) -> Option<&SymmetricSigner> {
        self.symmetric.as_ref()
    }

    /// The RSA verifier, if the partner has a public key.
    #[must_use]
    pub fn asymmetric(&self) -> Option<&AsymmetricVerifier> {
        self.asymmetric.as_ref()
    }
}

impl fmt::Debug for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partner")
            .field("partner_id", &self.partner_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.symmetric.as_ref().map(|_| "<redacted>"),
            )
            .field("public_key", &self.asymmetric.as_ref().map(|v| v.key()))
            .finish()
    }
}

/// A partner lookup failed (the backing store is unreachable, say): not the
/// same as "no such partner", which is `Ok(None)`. Answered with
/// `500xx01 Internal Server Error`.
#[derive(Debug, thiserror::Error)]
#[error("partner lookup failed: {0}")]
pub struct LookupError(#[source] pub tower::BoxError);

impl LookupError {
    /// Wraps the backing store's error.
    pub fn new(error: impl Into<tower::BoxError>) -> Self {
        Self(error.into())
    }
}

/// Where the server finds partners and their keys. Implemented by the
/// application; [`StaticPartners`] is the in-memory implementation.
pub trait PartnerDirectory: Send + Sync {
    /// The partner whose `X-PARTNER-ID` is `partner_id`, or `None`.
    fn by_partner_id<'a>(
        &'a self,
        partner_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>>;

    /// The partner whose client id (`X-CLIENT-KEY`) is `client_id`, or `None`.
    fn by_client_id<'a>(
        &'a self,
        client_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>>;
}

impl<T: PartnerDirectory + ?Sized> PartnerDirectory for Arc<T> {
    fn by_partner_id<'a>(
        &'a self,
        partner_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>> {
        (**self).by_partner_id(partner_id)
    }
    fn by_client_id<'a>(
        &'a self,
        client_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>> {
        (**self).by_client_id(client_id)
    }
}

/// A fixed, in-memory [`PartnerDirectory`]. Build it with
/// [`StaticPartners::builder`].
#[derive(Clone, Default)]
pub struct StaticPartners {
    by_partner_id: HashMap<String, Arc<Partner>>,
    by_client_id: HashMap<String, Arc<Partner>>,
}

impl StaticPartners {
    /// An empty builder.
    pub fn builder() -> StaticPartnersBuilder {
        StaticPartnersBuilder::default()
    }

    /// The partner with this `X-PARTNER-ID`.
    #[must_use]
    pub fn get(&self, partner_id: &str) -> Option<&Arc<Partner>> {
        self.by_partner_id.get(partner_id)
    }

    /// The partner with this client id.
    #[must_use]
    pub fn get_by_client_id(&self, client_id: &str) -> Option<&Arc<Partner>> {
        self.by_client_id.get(client_id)
    }

    /// How many partners there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_partner_id.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_partner_id.is_empty()
    }
}

impl fmt::Debug for StaticPartners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.by_partner_id.values()).finish()
    }
}

impl PartnerDirectory for StaticPartners {
    fn by_partner_id<'a>(
        &'a self,
        partner_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>> {
        let found = self.by_partner_id.get(partner_id).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }
    fn by_client_id<'a>(
        &'a self,
        client_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Partner>>, LookupError>> {
        let found = self.by_client_id.get(client_id).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }
}

/// Builds a [`StaticPartners`].
#[derive(Debug, Default)]
#[must_use]
pub struct StaticPartnersBuilder {
    partners: Vec<Partner>,
}

impl StaticPartnersBuilder {
    /// Adds a partner.
    pub fn partner(mut self, partner: Partner) -> Self {
        self.partners.push(partner);
        self
    }

    /// The directory.
    ///
    /// # Errors
    /// [`DuplicatePartner`] when two partners share a partner id or a client id.
    pub fn build(self) -> Result<StaticPartners, DuplicatePartner> {
        let mut out = StaticPartners::default();
        for partner in self.partners {
            let partner = Arc::new(partner);
            if out.by_partner_id.contains_key(partner.partner_id()) {
                return Err(DuplicatePartner::PartnerId(partner.partner_id().to_owned()));
            }
            if out.by_client_id.contains_key(partner.client_id()) {
                return Err(DuplicatePartner::ClientId(partner.client_id().to_owned()));
            }
            out.by_partner_id
                .insert(partner.partner_id().to_owned(), Arc::clone(&partner));
            out.by_client_id
                .insert(partner.client_id().to_owned(), partner);
        }
        Ok(out)
    }
}

/// Two partners given to [`StaticPartnersBuilder`] share an id.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DuplicatePartner {
    /// The partner id appears twice.
    #[error("partner id {0:?} is listed twice")]
    PartnerId(String),
    /// The client id appears twice.
    #[error("client id {0:?} is listed twice")]
    ClientId(String),
}

#[cfg(test)]
mod tests;
