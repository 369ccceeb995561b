//! Helpers shared by the integration tests. Each test crate includes this
//! with `mod support;` and uses what it needs.
#![allow(dead_code, unreachable_pub)]

#[cfg(feature = "hyper")]
pub mod token_server;

#[cfg(all(feature = "rustls", feature = "reqwest"))]
pub mod tls;

#[cfg(feature = "redis")]
pub mod redis;

#[cfg(feature = "hyper")]
pub mod fault_server;
