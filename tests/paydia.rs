//! Paydia exactly as seed 004, over real HTTP on 127.0.0.1 against the mock
//! provider with the Paydia profile: B2B and B2B2C tokens (upper-case grants,
//! the seed's lifetimes, refresh), the query with both headers and every
//! way the customer token can be missing or wrong; the seed's samples.

use std::time::Duration;

use http_body_util::BodyExt;
use snap_bi::client::{CustomerToken, SnapClient, hyper_client};
use snap_bi::mock::{MockProvider, RunningMock};
use snap_bi::paydia::{
    B2B_TOKEN_LIFETIME, CUSTOMER_TOKEN_LIFETIME, QUERY_SERVICE_CODE, QueryOutcome, SEED_CHANNEL_ID,
};
use snap_bi::profile::CustomerTokenStyle;
use snap_bi::qris::{
    Amount, Money, QrMpmGenerateRequest, QrMpmQueryRequest, QrMpmQueryResponse, StatusDialect,
    StatusMeaning,
};
use snap_bi::server::Partner;
use snap_bi::token::{ResponseOptions, TokenRequestSigner, fetch_token};
use snap_bi::{
    AccessToken, CallError, ClientSecret, ProviderProfile, RsaPrivateKey, RsaPublicKey, SystemClock,
};

const CLIENT: &str = "35d1a1127182a65e4fe0256242a40a6d";
const SECRET: &str = "paydia-test-secret";
const PRIVATE: &str = include_str!("vectors/keys/partner-test-private.pem");
const PUBLIC: &str = include_str!("vectors/keys/partner-test-public.pem");
/// The seed's `Authorization-Customer` value.
const SEED_CUSTOMER_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJQYXlkaWEiLCJpYXQiOjE3MjQ5MDA0MDEsImV4cCI6MTc0MDY2ODQwMSwianRpIjoiYjYwNDdiNTBkOTRmZWQ4YzA3ZjQzZTBjOGY0NGQ1NGMwMzUzZjE0NGM2NzI4YzhlOWYyMWNhYTBkNjFjMjBmNyIsImNsaWVudF9pZCI6ImRVVT0iLCJtZXJjaGFudF9taWQiOiJja1FFUzFVREJBSUJBZ0p3UUFSSiIsInNjb3BlIjoiUFVCTElDX0lEIiwic3RhdGUiOiI0YzVjOTZiNS04ZDJmLTQ2NzEtYTQ2Yy1kNzQ3ZDU3OTkxMjgifQ.Hmj5skRUj2TtA4fCCtREXwT9PkkdI2I83W-rDZx72n0";

async fn start() -> RunningMock {
    MockProvider::builder()
        .profile(ProviderProfile::paydia())
        .prefix("/snap")
        .partner(
            Partner::new(CLIENT)
                .with_client_id(CLIENT)
                .with_public_key(RsaPublicKey::from_pem(PUBLIC).unwrap()),
            ClientSecret::new(SECRET).unwrap(),
        )
        .auth_code("BOUND-ACCOUNT-7", "customer-7")
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn client(mock: &RunningMock, profile: ProviderProfile) -> SnapClient {
    SnapClient::builder(profile)
        .base_url(mock.base_url())
        .client_id(CLIENT)
        .private_key(RsaPrivateKey::from_pem(PRIVATE).unwrap())
        .client_secret(ClientSecret::new(SECRET).unwrap())
        .partner_id(CLIENT)
        .channel_id(SEED_CHANNEL_ID)
        .http(hyper_client())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn token_signer(mock: &RunningMock) -> TokenRequestSigner {
    TokenRequestSigner::builder(CLIENT, RsaPrivateKey::from_pem(PRIVATE).unwrap())
        .profile(&ProviderProfile::paydia())
        .base_url(format!("http://{}", mock.local_addr()))
        .build()
        .unwrap()
}

async fn fetch(
    request: http::Request<bytes::Bytes>,
) -> Result<snap_bi::token::TokenGrant, snap_bi::TokenError> {
    tokio::time::timeout(
        Duration::from_secs(10),
        fetch_token(
            hyper_client(),
            request,
            &ResponseOptions::default(),
            &SystemClock,
        ),
    )
    .await
    .unwrap()
}

/// The same query in the same second carries the same X-SIGNATURE (the
/// customer token is not signed), which the verifier refuses as a replay
/// (409): each variant below is sent a second later.
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// A generated payment's referenceNo.
async fn generate(client: &SnapClient, partner_reference: &str) -> String {
    let mut generate = QrMpmGenerateRequest::new();
    generate.partner_reference_no = Some(partner_reference.into());
    generate.amount = Some(Money::idr(Amount::parse("12000.00").unwrap()));
    client.call(&generate).await.unwrap().reference_no.unwrap()
}

fn query(reference: &str) -> QrMpmQueryRequest {
    let mut query = QrMpmQueryRequest::new(QUERY_SERVICE_CODE);
    query.original_reference_no = Some(reference.into());
    query
}

fn refused_code(result: Result<QrMpmQueryResponse, CallError>) -> String {
    match result {
        Err(CallError::Refused {
            status,
            code: Some(code),
            ..
        }) => {
            assert_eq!(status.as_u16(), 401, "{code}");
            code.as_str().to_owned()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn b2b2c_tokens_use_upper_case_grants_and_the_seed_lifetimes() {
    let mock = start().await;
    let signer = token_signer(&mock);
    let now = signer.timestamp_format().format(chrono::Utc::now());

    let b2b = fetch(signer.b2b(&now).unwrap()).await.unwrap();
    assert_eq!(b2b.lifetime(), B2B_TOKEN_LIFETIME);

    let request = signer.authorization_code("BOUND-ACCOUNT-7", &now).unwrap();
    assert_eq!(request.uri().path(), "/snap/v1.0/access-token/b2b2c");
    assert_eq!(
        request.body().as_ref(),
        br#"{"grantType":"AUTHORIZATION_CODE","authCode":"BOUND-ACCOUNT-7"}"#
    );
    let grant = fetch(request).await.unwrap();
    let lifetime = grant.lifetime().as_secs();
    // accessTokenExpiryTime has whole seconds: within a second of 182.5 days.
    assert!(
        CUSTOMER_TOKEN_LIFETIME.as_secs() - lifetime <= 1,
        "{lifetime}"
    );

    // REFRESH_TOKEN gives a new customer token for the same customer.
    let refresh = grant.refresh_token().unwrap().clone();
    let request = signer.refresh(&refresh, &now).unwrap();
    let body = String::from_utf8(request.body().to_vec()).unwrap();
    assert!(
        body.starts_with(r#"{"grantType":"REFRESH_TOKEN","refreshToken":""#),
        "{body}"
    );
    let renewed = fetch(request).await.unwrap();
    assert_ne!(renewed.access_token(), grant.access_token());

    // An auth code the mock was not told about is refused.
    let refused = fetch(signer.authorization_code("UNKNOWN", &now).unwrap()).await;
    assert!(
        matches!(&refused, Err(snap_bi::TokenError::Refused { code, .. }) if code.as_str() == "4017400"),
        "{refused:?}"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn the_query_needs_a_raw_customer_token() {
    let mock = start().await;
    let paydia = client(&mock, ProviderProfile::paydia());
    let signer = token_signer(&mock);
    let now = signer.timestamp_format().format(chrono::Utc::now());
    let grant = fetch(
        signer
            .authorization_code(MockProvider::TEST_AUTH_CODE, &now)
            .unwrap(),
    )
    .await
    .unwrap();
    let customer = CustomerToken(grant.access_token().clone());
    let reference = generate(&paydia, "INV-PD-7").await;

    // Both headers, the customer token raw: answered.
    let answer = paydia.call_as(&query(&reference), &customer).await.unwrap();
    assert_eq!(answer.response_code.as_str(), "2005100");
    assert_eq!(QueryOutcome::of(&answer), QueryOutcome::Success);
    assert_eq!(answer.service_code.as_deref(), Some("51"));
    let status = answer.latest_transaction_status.as_ref().unwrap();
    assert_eq!(
        status.meaning(StatusDialect::Paydia),
        StatusMeaning::Initiated
    );

    next_second().await;
    // No Authorization-Customer: 4015104.
    let code = refused_code(paydia.call(&query(&reference)).await);
    assert_eq!(code, "4015104");
    assert_eq!(
        QueryOutcome::from_code(&code.parse().unwrap()),
        QueryOutcome::CustomerTokenNotFound
    );

    next_second().await;
    // A token the provider never issued (the seed's own): 4015102.
    let stranger = CustomerToken(AccessToken::new(SEED_CUSTOMER_TOKEN).unwrap());
    let code = refused_code(paydia.call_as(&query(&reference), &stranger).await);
    assert_eq!(code, "4015102");

    next_second().await;
    // A B2B token in its place: 4015102 too.
    let b2b = fetch(signer.b2b(&now).unwrap()).await.unwrap();
    let wrong_kind = CustomerToken(b2b.access_token().clone());
    let code = refused_code(paydia.call_as(&query(&reference), &wrong_kind).await);
    assert_eq!(code, "4015102");

    next_second().await;
    // The right token written `Bearer …`: Paydia sends it raw, so the mock refuses.
    let bearer_profile = ProviderProfile::paydia()
        .to_builder()
        .customer_token_style(CustomerTokenStyle::Bearer)
        .build();
    let bearer = client(&mock, bearer_profile);
    let code = refused_code(bearer.call_as(&query(&reference), &customer).await);
    assert_eq!(code, "4015102");
    mock.shutdown().await;
}

#[tokio::test]
async fn other_profiles_do_not_require_the_customer_token() {
    let mock = MockProvider::builder()
        .partner(
            Partner::new(CLIENT)
                .with_client_id(CLIENT)
                .with_public_key(RsaPublicKey::from_pem(PUBLIC).unwrap()),
            ClientSecret::new(SECRET).unwrap(),
        )
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let standard = client(&mock, ProviderProfile::aspi_standard());
    let reference = generate(&standard, "INV-STD-1").await;
    let answer = standard.call(&query(&reference)).await.unwrap();
    assert_eq!(answer.response_code.as_str(), "2005100");
    mock.shutdown().await;
}

#[tokio::test]
async fn the_mock_answers_the_seed_request_sample_with_both_headers() {
    // The seed's request, pretty-printed as in the document, sent as-is
    // through the signing client: the body bytes are minified and signed.
    let mock = start().await;
    let paydia = client(&mock, ProviderProfile::paydia());
    let signer = token_signer(&mock);
    let now = signer.timestamp_format().format(chrono::Utc::now());
    let grant = fetch(
        signer
            .authorization_code(MockProvider::TEST_AUTH_CODE, &now)
            .unwrap(),
    )
    .await
    .unwrap();
    let reference = generate(&paydia, "21df2838-c9e8-4aff-8c02-274ed4390e70").await;
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/paydia/qr-mpm-query-request.json"
    ))
    .unwrap();
    let sample = QrMpmQueryRequest::from_json(sample.as_bytes()).unwrap();
    assert_eq!(sample.service_code, "51");
    let mut request = sample.clone();
    // The seed's referenceNo is Paydia's; ours comes from the mock.
    request.original_reference_no = Some(reference);
    let answer = paydia
        .call_as(&request, &CustomerToken(grant.access_token().clone()))
        .await
        .unwrap();
    assert_eq!(
        answer.original_partner_reference_no,
        sample.original_partner_reference_no
    );
    mock.shutdown().await;
}

#[test]
fn the_seed_customer_token_is_a_411_character_raw_value() {
    assert_eq!(SEED_CUSTOMER_TOKEN.len(), 411);
    let token = AccessToken::new(SEED_CUSTOMER_TOKEN).unwrap();
    assert_eq!(token.raw_header_value(), SEED_CUSTOMER_TOKEN);
    assert!(token.raw_header_value().is_sensitive());
    assert_eq!(
        token.bearer_header_value(),
        format!("Bearer {SEED_CUSTOMER_TOKEN}").as_str()
    );
}

#[test]
fn bad_shapes_are_typed_errors_naming_the_field() {
    let cases: [(&str, &str); 4] = [
        (r#"{"responseMessage":"Success"}"#, "responseCode"),
        (r#"{"responseCode":"2005100"}"#, "responseMessage"),
        (
            r#"{"responseCode":"2005100","responseMessage":"Success","latestTransactionStatus":7}"#,
            "latestTransactionStatus",
        ),
        (
            r#"{"responseCode":"2005100","responseMessage":"Success","amount":{"value":12000,"currency":"IDR"}}"#,
            "amount",
        ),
    ];
    for (body, field) in cases {
        let error = QrMpmQueryResponse::from_json(body.as_bytes()).unwrap_err();
        assert_eq!(error.field(), Some(field), "{body}: {error}");
        assert!(error.to_string().contains(field), "{error}");
    }
    let error = QrMpmQueryResponse::from_json(br#"{"responseCode":"20051","responseMessage":"x"}"#)
        .unwrap_err();
    assert_eq!(error.field(), Some("responseCode"), "{error}");
    // The query request: serviceCode is mandatory.
    let error = QrMpmQueryRequest::from_json(br#"{"originalReferenceNo":"A"}"#).unwrap_err();
    assert_eq!(error.field(), Some("serviceCode"), "{error}");
}

#[tokio::test]
async fn the_mock_token_endpoint_answers_the_raw_b2b2c_request_over_http() {
    // The bytes on the wire, not through the library's parser: the grant
    // response carries accessToken, refreshToken and their expiry times.
    let mock = start().await;
    let signer = token_signer(&mock);
    let now = signer.timestamp_format().format(chrono::Utc::now());
    let request = signer
        .authorization_code(MockProvider::TEST_AUTH_CODE, &now)
        .unwrap()
        .map(http_body_util::Full::new);
    let response = tokio::time::timeout(Duration::from_secs(10), hyper_client().request(request))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["responseCode"], "2007400");
    for field in [
        "accessToken",
        "accessTokenExpiryTime",
        "refreshToken",
        "refreshTokenExpiryTime",
    ] {
        assert!(json[field].is_string(), "{field} in {json}");
    }
    mock.shutdown().await;
}
