//! A Redis server for integration tests: the one CI started
//! (`SNAP_BI_TEST_REDIS_URL`), or a `redis-server` this test spawns on a
//! free loopback port without persistence. No `redis-server` and no URL is a
//! failure with instructions, never a silent pass.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis to test against; stops the server it spawned when dropped.
pub struct TestRedis {
    /// `redis://127.0.0.1:<port>/`.
    pub url: String,
    child: Option<Child>,
}

impl TestRedis {
    /// CI's shared server when `SNAP_BI_TEST_REDIS_URL` is set, else a
    /// spawned one. Tests isolate themselves with [`unique_prefix`].
    pub fn any() -> Self {
        match std::env::var("SNAP_BI_TEST_REDIS_URL") {
            Ok(url) if !url.is_empty() => Self { url, child: None },
            _ => Self::spawn(),
        }
    }

    /// A server of this test's own (to stop it mid-test).
    pub fn spawn() -> Self {
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): install it (apt-get install redis-server) \
                     or set SNAP_BI_TEST_REDIS_URL=redis://HOST:PORT/"
                )
            });
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            url: format!("redis://127.0.0.1:{port}/"),
            child: Some(child),
        }
    }

    /// Stops the spawned server now (panics for CI's shared one).
    pub fn stop(&mut self) {
        let mut child = self
            .child
            .take()
            .expect("only a spawned server can be stopped");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A key prefix no other test uses.
pub fn unique_prefix() -> String {
    format!("test-{}:", uuid::Uuid::new_v4().simple())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
