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

/// Issue 11: a wrong token path must fail locally as it would against the
/// real provider, and say where the token is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_served_only_on_the_profiles_paths() {
    let partner = || {
        (
            Partner::new("PARTNER01")
                .with_client_id("CLIENT01")
                .with_public_key(RsaPublicKey::from_pem(PUBLIC).unwrap()),
            ClientSecret::new("secret").unwrap(),
        )
    };
    let (p, s) = partner();
    let standard = MockProvider::builder()
        .partner(p, s)
        .prefix("/snap")
        .build()
        .unwrap();
    assert_eq!(
        standard.token_paths(),
        [
            "/snap/v1.0/access-token/b2b",
            "/snap/v1.0/access-token/b2b2c"
        ]
    );
    let (p, s) = partner();
    let paydia = MockProvider::builder()
        .partner(p, s)
        .profile(ProviderProfile::paydia())
        .prefix("/snap")
        .build()
        .unwrap();
    // The profile's path already carries the prefix: not doubled.
    assert_eq!(paydia.token_paths()[0], "/snap/v1.0/access-token/b2b");
    let (p, s) = partner();
    let dana = MockProvider::builder()
        .partner(p, s)
        .profile(ProviderProfile::dana())
        .build()
        .unwrap();
    assert_eq!(dana.token_paths()[0], "/v1.0/access-token/b2b.htm");

    let running = standard.bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let origin = format!("http://{}", running.local_addr());
    let token = |path: &str| {
        let signer =
            TokenRequestSigner::builder("CLIENT01", RsaPrivateKey::from_pem(PRIVATE).unwrap())
                .b2b_url(format!("{origin}{path}"))
                .b2b2c_url(format!("{origin}{path}"))
                .build()
                .unwrap();
        async move {
            let now = snap_bi::TimestampFormat::JakartaSeconds.format(chrono::Utc::now());
            let request = signer.b2b(&now).unwrap();
            let (parts, body) = request.into_parts();
            let response = hyper_client()
                .request(http::Request::from_parts(parts, Full::new(body)))
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
            )
        }
    };
    // The wrong prefix twice over, and a made-up version: refused, with the
    // right path in the message.
    for wrong in [
        "/snap/snap/v1.0/access-token/b2b",
        "/snap/v2.0/access-token/b2b",
        "/snap/v1.0/access-token/b2b.htm",
    ] {
        let (status, body) = token(wrong).await;
        assert_eq!(
            (status, &body["responseCode"]),
            (404, &"4040002".into()),
            "{wrong}: {body}"
        );
        let message = body["responseMessage"].as_str().unwrap();
        assert!(
            message.contains("/snap/v1.0/access-token/b2b and /snap/v1.0/access-token/b2b2c"),
            "{message}"
        );
    }
    let (status, body) = token("/snap/v1.0/access-token/b2b").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["accessToken"].is_string(), "{body}");
    running.shutdown().await;
}
