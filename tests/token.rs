#![cfg(feature = "hyper")]
//! The token lifecycle over real HTTP on 127.0.0.1: hyper-util's client
//! against a token server that verifies every signature.

mod support;

use std::sync::Arc;
use std::time::Duration;

use snap_bi::token::{
    B2bTokenCache, B2bTokenCacheBuilder, CustomerKey, CustomerTokenCache,
    InMemoryCustomerTokenStore, LifetimeSource, ResponseOptions, TokenError, TokenRequestSigner,
    TokenSource, TokioClock, fetch_token,
};
use snap_bi::{ProviderProfile, RsaPrivateKey, SystemClock};
use support::token_server::{
    AUTH_CODE, Behavior, CLIENT_ID, CUSTOMER_TOKEN_SECS, ExpiresIn, OTHER_PRIVATE_PEM, PRIVATE_PEM,
    TokenServer, http_client,
};

fn signer(server: &TokenServer) -> TokenRequestSigner {
    signer_with(server, PRIVATE_PEM, &ProviderProfile::aspi_standard())
}

fn signer_with(server: &TokenServer, pem: &str, profile: &ProviderProfile) -> TokenRequestSigner {
    TokenRequestSigner::builder(CLIENT_ID, RsaPrivateKey::from_pem(pem).unwrap())
        .profile(profile)
        .base_url(server.base_url())
        .build()
        .unwrap()
}

fn cache(server: &TokenServer) -> B2bTokenCacheBuilder {
    B2bTokenCache::builder(signer(server)).jitter(Arc::new(snap_bi::token::FixedJitter::new(0.0)))
}

fn secret(r: Result<snap_bi::AccessToken, TokenError>) -> String {
    r.unwrap().expose_secret().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_cause_one_request() {
    let server = TokenServer::start_with(Behavior::Issue {
        expires_in: ExpiresIn::String(900),
        delay: Duration::from_millis(200),
    })
    .await;
    let cache = cache(&server).build(http_client());
    let barrier = Arc::new(tokio::sync::Barrier::new(1000));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let cache = cache.clone();
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                cache.token().await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(secret(task.await.unwrap()), "tok-1");
    }
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn expiry_causes_exactly_one_refresh() {
    let server = TokenServer::start_with(Behavior::Issue {
        expires_in: ExpiresIn::Number(60),
        delay: Duration::ZERO,
    })
    .await;
    let cache = cache(&server)
        .refresh_margin(Duration::ZERO)
        .build(http_client());
    assert_eq!(secret(cache.token().await), "tok-1");
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(secret(cache.token().await), "tok-1");
    tokio::time::advance(Duration::from_secs(2)).await;
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(secret(task.await.unwrap()), "tok-2");
    }
    assert_eq!(server.requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn refresh_ahead_happens_before_expiry_and_nobody_waits() {
    let server = TokenServer::start_with(Behavior::issue(100)).await;
    let cache = cache(&server).build(http_client());
    assert_eq!(secret(cache.token().await), "tok-1");
    // 100 s token, margin min(60, 100/10) = 10 s: due at 90 s.
    tokio::time::advance(Duration::from_secs(91)).await;
    // The server now takes 5 s to answer; callers still get the current
    // token at once.
    server.set(Behavior::Issue {
        expires_in: ExpiresIn::String(100),
        delay: Duration::from_secs(5),
    });
    let started = tokio::time::Instant::now();
    assert_eq!(secret(cache.token().await), "tok-1");
    assert_eq!(started.elapsed(), Duration::ZERO);
    tokio::time::sleep(Duration::from_secs(6)).await;
    // Renewed at 97 s, before the old token's expiry at 100 s.
    assert_eq!(server.requests(), 2);
    assert_eq!(secret(cache.token().await), "tok-2");
}

#[tokio::test(start_paused = true)]
async fn the_background_refresher_renews_ahead_of_expiry() {
    let server = TokenServer::start_with(Behavior::issue(300)).await;
    let cache = cache(&server).build(http_client());
    let _refresher = cache.spawn_refresher().unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(server.requests(), 1);
    // Margin 30 s: renewed at 270 s without any caller.
    tokio::time::sleep(Duration::from_secs(271)).await;
    assert_eq!(server.requests(), 2);
    assert_eq!(cache.cached().unwrap().expose_secret(), "tok-2");
}

#[tokio::test(start_paused = true)]
async fn a_failing_endpoint_gives_a_typed_error_and_the_next_call_retries() {
    let server = TokenServer::start_with(Behavior::Fail {
        status: 500,
        code: "5007301",
        message: "Internal Server Error",
    })
    .await;
    let cache = cache(&server).build(http_client());
    match cache.token().await {
        Err(TokenError::Refused {
            status,
            code,
            message,
        }) => {
            assert_eq!(status, 500);
            assert_eq!(code, "5007301");
            assert_eq!(message, "Internal Server Error");
        }
        other => panic!("{other:?}"),
    }
    server.set(Behavior::issue(900));
    assert_eq!(secret(cache.token().await), "tok-2");
    assert_eq!(server.requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn repeated_failures_back_off_instead_of_hammering() {
    let server = TokenServer::start_with(Behavior::Fail {
        status: 503,
        code: "5037300",
        message: "Service Unavailable",
    })
    .await;
    let cache = cache(&server).build(http_client());
    for _ in 0..100 {
        let _ = cache.token().await;
    }
    // Two attempts, then a backoff window.
    assert_eq!(server.requests(), 2);
    assert!(matches!(
        cache.token().await,
        Err(TokenError::BackingOff { .. })
    ));
    tokio::time::advance(Duration::from_secs(1)).await;
    server.set(Behavior::issue(900));
    assert_eq!(secret(cache.token().await), "tok-3");
}

#[tokio::test(start_paused = true)]
async fn invalidation_after_401_refetches_once() {
    let server = TokenServer::start().await;
    let cache = cache(&server).build(http_client());
    let rejected = cache.token().await.unwrap();
    // 100 requests come back 401xx01 with the same token.
    for _ in 0..100 {
        cache.invalidate(&rejected);
    }
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(secret(task.await.unwrap()), "tok-2");
    }
    assert_eq!(server.requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_caller_dropped_mid_fetch_does_not_cancel_it_for_the_others() {
    let server = TokenServer::start_with(Behavior::Issue {
        expires_in: ExpiresIn::String(900),
        delay: Duration::from_secs(3),
    })
    .await;
    let cache = cache(&server).build(http_client());
    let first = {
        let cache = cache.clone();
        tokio::spawn(async move { cache.token().await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(server.requests(), 1);
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    assert_eq!(secret(cache.token().await), "tok-1");
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_fetch_times_out() {
    let server = TokenServer::start_with(Behavior::Issue {
        expires_in: ExpiresIn::String(900),
        delay: Duration::from_secs(60),
    })
    .await;
    let cache = cache(&server)
        .fetch_timeout(Duration::from_secs(2))
        .build(http_client());
    assert!(matches!(
        cache.token().await,
        Err(TokenError::Timeout { after }) if after == Duration::from_secs(2)
    ));
}

#[tokio::test]
async fn the_server_rejects_a_signature_from_another_key() {
    let server = TokenServer::start().await;
    let wrong = signer_with(
        &server,
        OTHER_PRIVATE_PEM,
        &ProviderProfile::aspi_standard(),
    );
    let cache = B2bTokenCache::builder(wrong).build(http_client());
    assert!(matches!(
        cache.token().await,
        Err(TokenError::Refused { status, code, message })
            if status == 401 && code == "4017300" && message == "Unauthorized. [Signature]"
    ));
}

/// Every `expiresIn` shape, through the one-shot API.
#[tokio::test]
async fn every_expires_in_variant() {
    let server = TokenServer::start().await;
    let signer = signer(&server);
    let options = ResponseOptions::default().with_default_lifetime(Duration::from_secs(123));
    let cases = [
        (ExpiresIn::String(900), LifetimeSource::ExpiresIn, 900),
        (ExpiresIn::Number(600), LifetimeSource::ExpiresIn, 600),
        (ExpiresIn::JwtExp(1200), LifetimeSource::JwtExp, 1200),
        (ExpiresIn::Missing, LifetimeSource::Default, 123),
    ];
    for (shape, source, secs) in cases {
        server.set(Behavior::Issue {
            expires_in: shape,
            delay: Duration::ZERO,
        });
        let request = signer
            .b2b(&signer.timestamp_format().format(chrono::Utc::now()))
            .unwrap();
        let grant = fetch_token(http_client(), request, &options, &SystemClock)
            .await
            .unwrap();
        assert_eq!(grant.lifetime_source(), source, "{shape:?}");
        // JWT exp is whole seconds against the wall clock: allow a second.
        let lifetime = grant.lifetime().as_secs();
        assert!(
            lifetime == secs || lifetime + 1 == secs,
            "{shape:?}: {lifetime}"
        );
        assert_eq!(grant.token_type(), Some("Bearer"));
    }
}

/// Every malformed response shape gives its own error.
#[tokio::test]
async fn every_malformed_response_has_its_own_error() {
    let server = TokenServer::start().await;
    let raw = |status: u16, body: &str| Behavior::Raw {
        status,
        body: body.as_bytes().to_vec(),
    };
    type Check = fn(&TokenError) -> bool;
    let cases: Vec<(Behavior, Check)> = vec![
        (
            raw(200, "<html>maintenance</html>"),
            |e| matches!(e, TokenError::NotJson { status } if *status == 200),
        ),
        (raw(200, r#"["accessToken"]"#), |e| {
            matches!(e, TokenError::NotJson { .. })
        }),
        (
            Behavior::Raw {
                status: 200,
                body: vec![b' '; 65 * 1024],
            },
            |e| matches!(e, TokenError::BodyTooLarge { limit: 65_536, .. }),
        ),
        (
            raw(502, "<html>Bad Gateway</html>"),
            |e| matches!(e, TokenError::HttpStatus { status, .. } if *status == 502),
        ),
        (
            raw(
                200,
                r#"{"responseCode":"4017300","responseMessage":"Unauthorized. [Unknown client]"}"#,
            ),
            |e| {
                matches!(e, TokenError::Refused { status, code, message }
                    if *status == 200 && code == "4017300" && message == "Unauthorized. [Unknown client]")
            },
        ),
        (
            raw(
                200,
                r#"{"responseCode":"2007300","responseMessage":"Successful"}"#,
            ),
            |e| {
                matches!(e, TokenError::MissingAccessToken { code, message, .. }
                    if code == "2007300" && message == "Successful")
            },
        ),
        (raw(200, r#"{"accessToken":12345}"#), |e| {
            matches!(
                e,
                TokenError::MalformedField {
                    field: "accessToken",
                    ..
                }
            )
        }),
        (
            raw(200, r#"{"accessToken":"leak-me","tokenType":"Mac"}"#),
            |e| matches!(e, TokenError::UnsupportedTokenType { token_type } if token_type == "Mac"),
        ),
    ];
    let mut expected_requests = 0;
    for (behavior, check) in cases {
        server.set(behavior.clone());
        // A fresh cache per case: two failures in a row would open a backoff window.
        let cache = cache(&server).build(http_client());
        let error = cache.token().await.unwrap_err();
        expected_requests += 1;
        assert!(check(&error), "{behavior:?} gave {error:?}");
        // Token values never leak into messages.
        assert!(!error.to_string().contains("leak-me"), "{error}");
        assert!(!format!("{error:?}").contains("leak-me"), "{error:?}");
    }
    assert_eq!(server.requests(), expected_requests);
}

#[tokio::test]
async fn provider_variants_reach_the_wire() {
    let server = TokenServer::start().await;
    let dana = signer_with(&server, PRIVATE_PEM, &ProviderProfile::dana());
    let cache = B2bTokenCache::builder(dana).build(http_client());
    assert_eq!(secret(cache.token().await), "tok-1");
    let doku = signer_with(&server, PRIVATE_PEM, &ProviderProfile::doku());
    let cache = B2bTokenCache::builder(doku).build(http_client());
    assert_eq!(secret(cache.token().await), "tok-2");

    let seen = server.seen();
    assert_eq!(seen[0].path, "/v1.0/access-token/b2b.htm");
    assert_eq!(seen[0].headers["x-partner-id"], CLIENT_ID);
    assert_eq!(seen[0].body, r#"{"grantType":"client_credentials"}"#);
    assert_eq!(seen[1].path, "/authorization/v1/access-token/b2b");
    assert!(seen[1].headers.get("x-partner-id").is_none());
    let ts = seen[1].headers["x-timestamp"].to_str().unwrap();
    assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
}

#[tokio::test(start_paused = true)]
async fn customer_tokens_exchange_refresh_and_cache_per_customer() {
    let server = TokenServer::start().await;
    let store = Arc::new(InMemoryCustomerTokenStore::new());
    let customers = CustomerTokenCache::builder(signer(&server))
        .store(store.clone())
        .clock(Arc::new(TokioClock::from_system()))
        .build(http_client());
    let (alice, bob) = (CustomerKey::new("alice"), CustomerKey::new("bob"));

    assert!(matches!(
        customers.token(&alice).await,
        Err(TokenError::CustomerAuthorizationRequired)
    ));
    assert!(matches!(
        customers.authorize(&alice, "stolen-code").await,
        Err(TokenError::Refused { code, .. }) if code == "4017401"
    ));
    assert_eq!(
        secret(customers.authorize(&alice, AUTH_CODE).await),
        "cust-2"
    );
    assert_eq!(secret(customers.authorize(&bob, AUTH_CODE).await), "cust-3");
    assert_eq!(store.len(), 2);
    for _ in 0..10 {
        assert_eq!(secret(customers.token(&alice).await), "cust-2");
        assert_eq!(secret(customers.token(&bob).await), "cust-3");
    }
    assert_eq!(server.requests(), 3);

    // Past expiry: each customer is refreshed once, with its own refresh token.
    let expiry = u64::try_from(CUSTOMER_TOKEN_SECS).unwrap();
    tokio::time::advance(Duration::from_secs(expiry + 1)).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let customers = customers.clone();
            let who = if i % 2 == 0 {
                alice.clone()
            } else {
                bob.clone()
            };
            tokio::spawn(async move { (i % 2, customers.token(&who).await) })
        })
        .collect();
    let mut per_customer = [Vec::new(), Vec::new()];
    for task in tasks {
        let (who, token) = task.await.unwrap();
        per_customer[who].push(secret(token));
    }
    for tokens in &per_customer {
        assert!(tokens.windows(2).all(|w| w[0] == w[1]), "{tokens:?}");
    }
    assert_ne!(per_customer[0][0], per_customer[1][0]);
    assert_eq!(server.requests(), 5);
    let refreshes: Vec<String> = server.seen()[3..].iter().map(|s| s.body.clone()).collect();
    for body in &refreshes {
        assert!(
            body.starts_with(r#"{"grantType":"REFRESH_TOKEN","refreshToken":"refresh-"#),
            "{body}"
        );
    }
    // The server rotates refresh tokens and accepts each once: both
    // refreshes succeeding proves each customer used its own.
    assert_eq!(
        store.get(&alice).unwrap().access_token().expose_secret(),
        per_customer[0][0]
    );
}
