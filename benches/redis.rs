//! The `redis` feature's costs, each next to its in-memory counterpart
//! measured in the same run:
//!
//! - **token hit**: `B2bTokenCache::token()` on a fresh token, without and
//!   with a Redis shared store configured. The hot path must not touch
//!   Redis (target: within 2× the in-memory hit).
//! - **refresh**: one cache's forced refresh against an in-process
//!   provider, next to a fleet-wide refresh through local Redis (4
//!   instances invalidate the token at once; one fetches under the lock,
//!   three poll and adopt; measured until all four hold the new token).
//! - **replay check**: a signed request (new `X-EXTERNAL-ID`) through the
//!   verifying layer with the in-memory replay store and with Redis
//!   (`SET … NX EXAT`, one round trip).
//!
//! Needs `redis-server` on the PATH (started on a free port without
//! persistence) or `SNAP_BI_TEST_REDIS_URL`; without either, the Redis
//! cases are skipped with a note. Run `cargo bench --features redis --bench redis`.

use std::convert::Infallible;
use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http_body_util::Full;
use snap_bi::headers::{
    AUTHORIZATION, CHANNEL_ID, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_bi::redis_store::RedisStore;
use snap_bi::server::{
    InMemoryReplayStore, Partner, ReplayStore, StaticPartners, TokenIssuer, VerifyLayer,
};
use snap_bi::timestamp::TimestampFormat;
use snap_bi::token::{
    AccessToken, B2bTokenCache, FixedJitter, SharedTokenSettings, TokenRequestSigner, TokenSource,
};
use snap_bi::{
    BodyPolicy, CanonicalBody, ClientSecret, RsaPrivateKey, SymmetricSigner, TransactionParts,
};
use tower::{Layer, ServiceExt};

const PRIVATE_PEM: &str = include_str!("../tests/vectors/keys/partner-test-private.pem");

/// A Redis for the bench: CI's, or one spawned here (killed on drop).
struct BenchRedis {
    url: String,
    child: Option<Child>,
}

impl BenchRedis {
    fn find() -> Option<Self> {
        if let Ok(url) = std::env::var("SNAP_BI_TEST_REDIS_URL") {
            return Some(Self { url, child: None });
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self {
                    url: format!("redis://127.0.0.1:{port}/"),
                    child: Some(child),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for BenchRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Counts token requests and issues `tok-<n>` for a day.
fn provider(
    counter: Arc<AtomicU64>,
) -> impl tower::Service<
    http::Request<Full<Bytes>>,
    Response = http::Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(move |_req: http::Request<Full<Bytes>>| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            let body = format!(
                r#"{{"responseCode":"2007300","accessToken":"tok-{n}","tokenType":"Bearer","expiresIn":"86400"}}"#
            );
            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(body))))
        }
    })
}

fn cache(counter: &Arc<AtomicU64>, shared: Option<&RedisStore>) -> B2bTokenCache {
    let key = RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap_or_else(|e| panic!("{e}"));
    let signer = TokenRequestSigner::builder("bench-client", key)
        .base_url("http://127.0.0.1:1")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut builder = B2bTokenCache::builder(signer).jitter(Arc::new(FixedJitter::new(0.0)));
    if let Some(store) = shared {
        builder = builder.shared_store(
            Arc::new(store.token_store()),
            SharedTokenSettings::default().max_poll_interval(Duration::from_millis(5)),
        );
    }
    builder.build(provider(Arc::clone(counter)))
}

fn hit(cache: &B2bTokenCache, cx: &mut Context<'_>) -> AccessToken {
    match cache.token().as_mut().poll(cx) {
        Poll::Ready(Ok(token)) => token,
        other => panic!("not a cache hit: {other:?}"),
    }
}

fn redis_bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let redis = BenchRedis::find();
    if redis.is_none() {
        eprintln!("note: no redis-server and no SNAP_BI_TEST_REDIS_URL: Redis cases skipped");
    }
    let store = redis.as_ref().map(|r| {
        let _entered = runtime.enter();
        RedisStore::builder(&r.url)
            .prefix(format!("bench-{}:", uuid::Uuid::new_v4().simple()))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    });

    // Token hit path.
    let counter = Arc::new(AtomicU64::new(0));
    let mut group = c.benchmark_group("redis_token_hit");
    let mut cx = Context::from_waker(Waker::noop());
    let local = cache(&counter, None);
    runtime
        .block_on(local.token())
        .unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("in-memory cache", |b| {
        b.iter(|| black_box(hit(&local, &mut cx)))
    });
    if let Some(store) = &store {
        let shared = cache(&counter, Some(store));
        runtime
            .block_on(shared.token())
            .unwrap_or_else(|e| panic!("{e}"));
        group.bench_function("with Redis shared store", |b| {
            b.iter(|| black_box(hit(&shared, &mut cx)));
        });
    }
    group.finish();

    // Refresh latency.
    let mut group = c.benchmark_group("redis_refresh");
    group.sample_size(20);
    group.bench_function("one in-memory cache, forced refresh", |b| {
        b.iter(|| {
            runtime
                .block_on(local.refresh())
                .unwrap_or_else(|e| panic!("{e}"))
        });
    });
    if let Some(store) = &store {
        let fleet: Vec<_> = (0..4)
            .map(|_| {
                let _entered = runtime.enter();
                let own = RedisStore::builder(redis.as_ref().map_or("", |r| r.url.as_str()))
                    .prefix(store.prefix())
                    .build()
                    .unwrap_or_else(|e| panic!("{e}"));
                cache(&counter, Some(&own))
            })
            .collect();
        runtime.block_on(async {
            for cache in &fleet {
                cache.token().await.unwrap_or_else(|e| panic!("{e}"));
            }
        });
        group.bench_function("fleet of 4 over Redis, invalidate -> all refreshed", |b| {
            b.iter(|| {
                runtime.block_on(async {
                    for cache in &fleet {
                        if let Some(token) = cache.cached() {
                            cache.invalidate(&token);
                        }
                    }
                    let all: Vec<_> = fleet
                        .iter()
                        .map(|cache| {
                            let cache = cache.clone();
                            tokio::spawn(async move { cache.token().await })
                        })
                        .collect();
                    for task in all {
                        let token = task.await.unwrap_or_else(|e| panic!("{e}"));
                        black_box(token.unwrap_or_else(|e| panic!("{e}")));
                    }
                });
            });
        });
    }
    group.finish();

    // Replay check through the verifying layer.
    let secret = ClientSecret::new("bench-secret").unwrap_or_else(|e| panic!("{e}"));
    let partners = || {
        StaticPartners::builder()
            .partner(Partner::new("partner-01").with_client_secret(&secret))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let issuer = TokenIssuer::builder(partners())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jwt = issuer
        .issue_b2b("partner-01")
        .unwrap_or_else(|e| panic!("{e}"))
        .access_token
        .expose_secret()
        .to_owned();
    let timestamp = TimestampFormat::JakartaSeconds.format(chrono::Utc::now());
    let body = Bytes::from_static(br#"{"originalPartnerReferenceNo":"INV-1","serviceCode":"47"}"#);
    let canonical = CanonicalBody::new(&body, BodyPolicy::Minify).unwrap_or_else(|e| panic!("{e}"));
    let path = "/snap/v1.0/qr/qr-mpm-query";
    let signature = SymmetricSigner::new(&secret)
        .sign(
            &TransactionParts::new("POST", path, &canonical, timestamp.as_str()),
            &jwt,
        )
        .into_string();
    let next_id = AtomicU64::new(0);
    let run = uuid::Uuid::new_v4().as_u64_pair().0 % 1_000_000;
    let request = || {
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        http::Request::post(path)
            .header(X_TIMESTAMP, timestamp.as_str())
            .header(X_SIGNATURE, signature.as_str())
            .header(X_PARTNER_ID, "partner-01")
            .header(X_EXTERNAL_ID, format!("{run:06}{id:014}"))
            .header(CHANNEL_ID, "95221")
            .header(AUTHORIZATION, format!("Bearer {jwt}"))
            .body(Full::new(body.clone()))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let inner = tower::service_fn(|req: http::Request<Full<Bytes>>| async move {
        Ok::<_, Infallible>(http::Response::new(req.into_body()))
    });
    let mut stores: Vec<(&str, Arc<dyn ReplayStore>)> = vec![(
        "in-memory replay store",
        Arc::new(InMemoryReplayStore::new()),
    )];
    if let Some(store) = &store {
        stores.push(("Redis replay store", Arc::new(store.replay_store())));
    }
    let mut group = c.benchmark_group("redis_replay_check_through_layer");
    for (name, replay) in stores {
        let service = VerifyLayer::builder(partners())
            .token_validator(issuer.clone())
            .shared_replay_store(replay)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .layer(inner);
        group.bench_function(name, |b| {
            b.iter_batched(
                request,
                |req| {
                    let response = runtime
                        .block_on(service.clone().oneshot(req))
                        .unwrap_or_else(|e| match e {});
                    assert_eq!(response.status(), 200);
                    black_box(response)
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, redis_bench);
criterion_main!(benches);
