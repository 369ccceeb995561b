#![cfg(feature = "hyper")]
//! `MockProvider` on 127.0.0.1, called through the crate's own client
//! stack (B2bTokenCache + SnapLayer over hyper).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use snap_bi::client::{RequestSigner, SnapLayer, hyper_client};
use snap_bi::mock::MockProvider;
use snap_bi::server::Partner;
use snap_bi::token::{B2bTokenCache, TokenRequestSigner};
use snap_bi::{ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey};
use tower::{Layer, ServiceExt};

const PUBLIC: &str = include_str!("vectors/keys/partner-test-public.pem");
const PRIVATE: &str = include_str!("vectors/keys/partner-test-private.pem");

/// Generates a QR at `base` + the standard path and returns status and body.
async fn generate(base: &str) -> (u16, serde_json::Value) {
    let tokens = TokenRequestSigner::builder("CLIENT01", RsaPrivateKey::from_pem(PRIVATE).unwrap())
        .base_url(base)
        .build()
        .unwrap();
    let cache = B2bTokenCache::builder(tokens).build(hyper_client());
    let signer = RequestSigner::builder(ProviderProfile::aspi_standard())
        .client_secret(ClientSecret::new("secret").unwrap())
        .partner_id("PARTNER01")
        .and_then(|b| b.channel_id("95221"))
        .and_then(|b| b.build())
        .unwrap();
    let client = SnapLayer::builder(signer)
        .token_source(cache)
        .build()
        .unwrap()
        .layer(hyper_client());
    let request = http::Request::post(format!("{base}/v1.0/qr/qr-mpm-generate"))
        .body(Full::new(Bytes::from_static(
            br#"{"partnerReferenceNo":"INV-1","amount":{"value":"12000.00","currency":"IDR"}}"#,
        )))
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixed_provider_verifies_the_full_received_path() {
    let provider = MockProvider::builder()
        .partner(
            Partner::new("PARTNER01")
                .with_client_id("CLIENT01")
                .with_public_key(RsaPublicKey::from_pem(PUBLIC).unwrap()),
            ClientSecret::new("secret").unwrap(),
        )
        .prefix("/snap")
        .build()
        .unwrap();
    let running = provider.bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    // base_url() ends in /snap: the client signs /snap/v1.0/qr/qr-mpm-generate.
    let (status, body) = generate(&running.base_url()).await;
    assert_eq!(
        (status, &body["responseCode"]),
        (200, &"2004700".into()),
        "{body}"
    );
    running.shutdown().await;
}
