//! The cached-token hit path of `B2bTokenCache`, next to its floors.
//!
//! A hit is: read the monotonic clock, take the slot's read lock, clone the
//! token's `Arc`, release, and (through `TokenSource::token`) box a ready
//! future. The floors are those parts alone: an `Arc` clone, a `RwLock`
//! read plus clone, `Instant::now()` (tokio's, which under the test-util
//! feature consults the runtime for a paused clock, and std's, which is what
//! tokio's is without it), and a boxed ready future. Each is measured on one thread and
//! with two threads hammering the same cache, since the lock word and the
//! `Arc` count are shared cache lines.
//!
//! Run `cargo bench --bench token`.

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::{Arc, Barrier, RwLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::Full;
use snap_bi::RsaPrivateKey;
use snap_bi::token::{
    AccessToken, B2bTokenCache, BoxFuture, FixedJitter, TokenError, TokenRequestSigner, TokenSource,
};

const PRIVATE_PEM: &str = include_str!("../tests/vectors/keys/partner-test-private.pem");
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJQYXlkaWEiLCJpYXQiOjE3MjU5NDkxMjgsImV4cCI6MTcyNjAzNTUyOCwiZGF0YSI6eyJlbnYiOiJkZXZlbG9wbWVudCJ9fQ.tqcLnoXj5BFjqarIFOx688YNATijPlzA9FzRpACGfe4";

/// A cache holding a day-long token, fetched once from an in-process service.
fn warm_cache() -> B2bTokenCache {
    let provider = tower::service_fn(|_req: http::Request<Full<Bytes>>| async {
        let body = format!(
            r#"{{"responseCode":"2007300","accessToken":"{TOKEN}","tokenType":"Bearer","expiresIn":"86400"}}"#
        );
        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(body))))
    });
    let key = RsaPrivateKey::from_pem(PRIVATE_PEM).unwrap_or_else(|e| panic!("{e}"));
    let signer = TokenRequestSigner::builder("bench-client", key)
        .base_url("http://127.0.0.1:1")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let cache = B2bTokenCache::builder(signer)
        .jitter(Arc::new(FixedJitter::new(0.0)))
        .build(provider);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime
        .block_on(cache.token())
        .unwrap_or_else(|e| panic!("{e}"));
    cache
}

/// `cache.token()` on a hit: the future is ready on its first poll.
fn hit(cache: &B2bTokenCache, cx: &mut Context<'_>) -> AccessToken {
    match cache.token().as_mut().poll(cx) {
        Poll::Ready(Ok(token)) => token,
        other => panic!("not a cache hit: {other:?}"),
    }
}

/// Runs `op` `iters` times on each of two threads started together;
/// returns the slower thread's time (per-op cost under contention).
fn two_threads<F>(iters: u64, op: F) -> Duration
where
    F: Fn() + Send + Sync + 'static,
{
    let op = Arc::new(op);
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (op, barrier) = (Arc::clone(&op), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                for _ in 0..iters {
                    op();
                }
                start.elapsed()
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().unwrap_or_default())
        .max()
        .unwrap_or_default()
}

fn uncontended(c: &mut Criterion) {
    let cache = warm_cache();
    let mut cx = Context::from_waker(Waker::noop());
    let mut group = c.benchmark_group("token_hit");
    group.bench_function("token_source_token", |b| {
        b.iter(|| black_box(hit(black_box(&cache), &mut cx)))
    });
    group.bench_function("cached", |b| {
        b.iter(|| black_box(black_box(&cache).cached()))
    });

    let shared: Arc<str> = Arc::from(TOKEN);
    group.bench_function("floor_arc_clone", |b| {
        b.iter(|| black_box(Arc::clone(black_box(&shared))))
    });
    let slot = RwLock::new(Some(Arc::clone(&shared)));
    group.bench_function("floor_rwlock_read_clone", |b| {
        b.iter(|| black_box(black_box(&slot).read().map(|s| s.clone()).ok()))
    });
    group.bench_function("floor_tokio_instant_now", |b| {
        b.iter(|| black_box(tokio::time::Instant::now()))
    });
    // Without tokio's test-util feature (which dev-dependencies turn on),
    // tokio's Instant::now() is exactly this.
    group.bench_function("floor_std_instant_now", |b| {
        b.iter(|| black_box(Instant::now()))
    });
    let token = AccessToken::new(TOKEN).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("floor_boxed_ready_future", |b| {
        b.iter(|| {
            let future: BoxFuture<'_, Result<AccessToken, TokenError>> =
                Box::pin(std::future::ready(Ok(token.clone())));
            black_box(future)
        })
    });
    group.finish();
}

fn contended(c: &mut Criterion) {
    let cache = warm_cache();
    let mut group = c.benchmark_group("token_hit_2_threads");
    {
        let cache = cache.clone();
        group.bench_function("token_source_token", move |b| {
            let cache = cache.clone();
            b.iter_custom(move |iters| {
                let cache = cache.clone();
                two_threads(iters, move || {
                    let mut cx = Context::from_waker(Waker::noop());
                    black_box(hit(&cache, &mut cx));
                })
            })
        });
    }
    group.bench_function("cached", move |b| {
        let cache = cache.clone();
        b.iter_custom(move |iters| {
            let cache = cache.clone();
            two_threads(iters, move || {
                black_box(cache.cached());
            })
        })
    });
    let shared: Arc<str> = Arc::from(TOKEN);
    {
        let shared = Arc::clone(&shared);
        group.bench_function("floor_arc_clone", move |b| {
            let shared = Arc::clone(&shared);
            b.iter_custom(move |iters| {
                let shared = Arc::clone(&shared);
                two_threads(iters, move || {
                    black_box(Arc::clone(&shared));
                })
            })
        });
    }
    let slot = Arc::new(RwLock::new(Some(shared)));
    group.bench_function("floor_rwlock_read_clone", move |b| {
        let slot = Arc::clone(&slot);
        b.iter_custom(move |iters| {
            let slot = Arc::clone(&slot);
            two_threads(iters, move || {
                black_box(slot.read().map(|s| s.clone()).ok());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, uncontended, contended);
criterion_main!(benches);
