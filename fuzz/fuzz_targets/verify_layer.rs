//! Whole requests through `VerifyLayer` (fixed clock, two partners, a real
//! token issuer and replay store). Each input is a short sequence of
//! requests, each signed correctly or not and then tampered with. Property:
//! everything the handler receives verifies with the pure verifier, is
//! inside the timestamp window, and its (partner, X-EXTERNAL-ID, day) was
//! not handed over before.
#![no_main]

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{HeaderName, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full};
use libfuzzer_sys::{arbitrary, fuzz_target};
use snap_bi::headers::{
    AUTHORIZATION_CUSTOMER, CHANNEL_ID, X_CLIENT_KEY, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE,
    X_TIMESTAMP,
};
use snap_bi::server::{
    InMemoryReplayStore, JakartaDay, Partner, StaticPartners, TokenIssuer, VerifiedRequest,
    VerifyLayer,
};
use snap_bi::string_to_sign::bare_token;
use snap_bi::timestamp::{FixedClock, Timestamp, TimestampFormat};
use snap_bi::{
    BodyPolicy, CanonicalBody, ClientSecret, EndpointUrlPolicy, ProviderProfile, SymmetricSigner,
    TransactionParts, endpoint_url,
};
use tower::{Layer, ServiceExt};

const NOW: i64 = 1_795_000_000; // 2026-11-18
const WINDOW: Duration = Duration::from_secs(300);
const PARTNERS: [(&str, &str, &str); 2] = [
    ("partner-01", "client-01", "partner-01-client-secret"),
    ("partner-02", "client-02", "partner-02-secret"),
];
const PATHS: [&str; 4] = [
    "/v1.0/qr/qr-mpm-query",
    "/v1.0/qr/qr-mpm-generate",
    "/v1.0/transfer-va/payment",
    "/",
];
const TAMPER_HEADERS: [HeaderName; 9] = [
    X_TIMESTAMP,
    X_SIGNATURE,
    X_PARTNER_ID,
    X_EXTERNAL_ID,
    CHANNEL_ID,
    http::header::AUTHORIZATION,
    X_CLIENT_KEY,
    AUTHORIZATION_CUSTOMER,
    http::header::CONTENT_LENGTH,
];

struct Fixture {
    partners: Arc<StaticPartners>,
    issuer: TokenIssuer,
    tokens: Vec<String>,
    signers: Vec<SymmetricSigner>,
    runtime: tokio::runtime::Runtime,
}

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(NOW, 0).unwrap()
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut builder = StaticPartners::builder();
        for (partner, client, secret) in PARTNERS {
            builder = builder.partner(
                Partner::new(partner)
                    .with_client_id(client)
                    .with_client_secret(&ClientSecret::new(secret).unwrap()),
            );
        }
        let partners = Arc::new(builder.build().unwrap());
        let issuer = TokenIssuer::builder_shared(partners.clone())
            .clock(FixedClock(now()))
            .build()
            .unwrap();
        let tokens = PARTNERS
            .iter()
            .map(|(_, client, _)| {
                issuer
                    .issue_b2b(client)
                    .unwrap()
                    .access_token
                    .expose_secret()
                    .to_owned()
            })
            .collect();
        let signers = PARTNERS
            .iter()
            .map(|(_, _, secret)| SymmetricSigner::new(&ClientSecret::new(*secret).unwrap()))
            .collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        Fixture {
            partners,
            issuer,
            tokens,
            signers,
            runtime,
        }
    })
}

#[derive(Debug, arbitrary::Arbitrary)]
enum When {
    /// Seconds from now.
    Offset(i16),
    Raw(String),
}

#[derive(Debug, arbitrary::Arbitrary)]
struct Req {
    post: bool,
    path: u8,
    raw_path: Option<String>,
    query: Option<String>,
    body: Vec<u8>,
    when: When,
    millis: bool,
    /// Index into a small pool, so that sequences repeat ids.
    external_id: u8,
    partner: u8,
    /// Token of another partner, or of nobody.
    token: Option<u8>,
    sign: bool,
    /// Sign for this body, then send another.
    sent_body: Option<Vec<u8>>,
    tamper: Vec<(u8, Vec<u8>)>,
}

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    requests: Vec<Req>,
}

/// What the handler saw.
struct Seen {
    request: http::request::Parts,
    body: Bytes,
    verified: Option<VerifiedRequest>,
}

fn build(fixture: &Fixture, req: &Req) -> Option<Request<Full<Bytes>>> {
    let partner = usize::from(req.partner) % PARTNERS.len();
    let method = if req.post { "POST" } else { "GET" };
    let path = match &req.raw_path {
        Some(raw) => raw.as_str(),
        None => PATHS[usize::from(req.path) % PATHS.len()],
    };
    let target = match &req.query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let uri: http::Uri = target.parse().ok()?;
    let timestamp = match &req.when {
        When::Offset(seconds) => {
            let format = if req.millis {
                TimestampFormat::JakartaMillis
            } else {
                TimestampFormat::UtcSeconds
            };
            format
                .format(now() + TimeDelta::seconds(i64::from(*seconds)))
                .into_string()
        }
        When::Raw(raw) => raw.clone(),
    };
    let token = match req.token {
        None => fixture.tokens[partner].clone(),
        Some(i) => fixture
            .tokens
            .get(usize::from(i))
            .cloned()
            .unwrap_or_else(|| format!("tok{i}")),
    };
    let signature = if req.sign {
        let canonical = CanonicalBody::new(&req.body, BodyPolicy::Minify).ok()?;
        let endpoint = endpoint_url(&uri, EndpointUrlPolicy::AsSent);
        let parts = TransactionParts::new(method, &endpoint, &canonical, &timestamp);
        fixture.signers[partner].sign(&parts, &token).into_string()
    } else {
        "c2lnbmF0dXJl".to_owned()
    };
    let body = req.sent_body.clone().unwrap_or_else(|| req.body.clone());
    let builder = Request::builder().method(method).uri(uri);
    let headers = [
        (X_TIMESTAMP, timestamp.into_bytes()),
        (X_SIGNATURE, signature.into_bytes()),
        (X_PARTNER_ID, PARTNERS[partner].0.as_bytes().to_vec()),
        (
            X_EXTERNAL_ID,
            format!("ext-{}", req.external_id % 8).into_bytes(),
        ),
        (CHANNEL_ID, b"95221".to_vec()),
        (
            http::header::AUTHORIZATION,
            format!("Bearer {token}").into_bytes(),
        ),
    ];
    let mut request = builder.body(Full::new(Bytes::from(body))).ok()?;
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            request.headers_mut().insert(name, value);
        }
    }
    for (which, value) in &req.tamper {
        let name = TAMPER_HEADERS[usize::from(*which) % TAMPER_HEADERS.len()].clone();
        if value.is_empty() {
            request.headers_mut().remove(&name);
        } else if let Ok(value) = HeaderValue::from_bytes(value) {
            if which & 0x80 != 0 {
                request.headers_mut().append(name, value);
            } else {
                request.headers_mut().insert(name, value);
            }
        }
    }
    Some(request)
}

/// The property, from the pure pieces only.
fn check(fixture: &Fixture, seen: &Seen, replayed: &mut HashSet<(String, String, JakartaDay)>) {
    let headers = &seen.request.headers;
    // The layer reads header values without surrounding blanks (as they
    // arrive off the wire), so the oracle does too.
    let one = |name: &HeaderName| -> &str {
        let mut all = headers.get_all(name).iter();
        let value = all.next().unwrap_or_else(|| panic!("{name} missing"));
        assert!(all.next().is_none(), "{name} repeated but accepted");
        value
            .to_str()
            .unwrap_or_else(|_| panic!("{name} not text"))
            .trim_matches([' ', '\t'])
    };
    let verified = seen.verified.as_ref().expect("no VerifiedRequest");
    let partner_index = PARTNERS
        .iter()
        .position(|(p, _, _)| *p == verified.partner_id())
        .expect("unknown partner");
    assert_eq!(one(&X_PARTNER_ID), verified.partner_id());
    let timestamp = Timestamp::parse(one(&X_TIMESTAMP)).expect("bad X-TIMESTAMP accepted");
    assert!(
        timestamp.within_window(now(), WINDOW),
        "stale {timestamp:?} accepted"
    );
    let token = bare_token(one(&http::header::AUTHORIZATION));
    assert_eq!(
        token, fixture.tokens[partner_index],
        "another partner's token accepted"
    );
    let canonical = CanonicalBody::new(&seen.body, ProviderProfile::default().body_policy())
        .expect("body the layer could not canonicalise");
    let endpoint = endpoint_url(
        &seen.request.uri,
        ProviderProfile::default().endpoint_url_policy(),
    );
    let parts = TransactionParts::new(
        seen.request.method.as_str(),
        &endpoint,
        &canonical,
        timestamp.as_str(),
    )
    .with_empty_body_rule(ProviderProfile::default().empty_body_rule());
    fixture.signers[partner_index]
        .verify(&parts, token, one(&X_SIGNATURE))
        .expect("handler got a request whose signature does not verify");
    let external_id = one(&X_EXTERNAL_ID);
    assert_eq!(verified.external_id(), Some(external_id));
    let key = (
        verified.partner_id().to_owned(),
        external_id.to_owned(),
        JakartaDay::of_timestamp(&timestamp),
    );
    assert!(
        replayed.insert(key),
        "replay reached the handler: {external_id}"
    );
}

fuzz_target!(|input: Input| {
    let fixture = fixture();
    let layer = VerifyLayer::builder_shared(fixture.partners.clone())
        .token_validator(fixture.issuer.clone())
        .clock(FixedClock(now()))
        .timestamp_window(WINDOW)
        .replay_store(
            InMemoryReplayStore::builder()
                .clock(FixedClock(now()))
                .build(),
        )
        .build()
        .unwrap();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let sink = seen.clone();
    let service = layer.layer(tower::service_fn(move |req: Request<Full<Bytes>>| {
        let sink = sink.clone();
        async move {
            let (request, body) = req.into_parts();
            let verified = request.extensions.get::<VerifiedRequest>().cloned();
            let body = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            sink.lock().unwrap().push(Seen {
                request,
                body,
                verified,
            });
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
        }
    }));
    let mut replayed = HashSet::new();
    for req in input.requests.iter().take(6) {
        let Some(request) = build(fixture, req) else {
            continue;
        };
        let answer = fixture.runtime.block_on(service.clone().oneshot(request));
        let answer = answer.expect("the layer's error type is Infallible-like");
        let _ = answer.status();
        for seen in seen.lock().unwrap().drain(..) {
            check(fixture, &seen, &mut replayed);
        }
    }
});
