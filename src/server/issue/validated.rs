//! The tokens an issuer has validated, so that a token presented again is
//! not decoded, parsed and MAC- or RSA-verified again on every request.
//!
//! Sound because an issuer's verdict on a token depends only on the token's
//! bytes and the clock: the signature, the issuer name and the token use
//! are fixed by the bytes, and the expiry is checked against the issuer's
//! clock on every hit. Only tokens that passed the full check enter, so
//! only the holders of valid tokens can fill it, and it is bounded.
//!
//! Tokens are secrets: they are looked up by a randomly keyed SipHash (so
//! where an attacker's guess lands says nothing about a stored token) and
//! then compared in constant time; the type has no `Debug`.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::server::claims::{TokenClaims, TokenKind};

/// How many validated tokens are remembered: far more than the live tokens
/// of a server's partners, at a few hundred bytes each.
pub(super) const CAPACITY: usize = 1024;

struct Entry {
    token: Box<[u8]>,
    kind: TokenKind,
    /// The `exp` claim, in seconds.
    expires: i64,
    claims: TokenClaims,
}

/// See the module documentation.
pub(super) struct ValidatedTokens {
    hasher: RandomState,
    entries: Mutex<HashMap<u64, Entry>>,
}

/// What the cache knows about a token.
pub(super) enum Cached {
    /// Validated before and not expired at `now`: its claims.
    Valid(TokenClaims),
    /// Validated before, expired now.
    Expired,
    /// Not known: validate it.
    Unknown,
}

impl ValidatedTokens {
    pub(super) fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        // Nothing panics while the lock is held; a poisoned map is intact.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The claims of `token` as a token of `kind`, if it was validated as
    /// one and has not expired at `now`.
    pub(super) fn get(&self, kind: TokenKind, token: &str, now: DateTime<Utc>) -> Cached {
        let hash = self.hasher.hash_one(token.as_bytes());
        let mut entries = self.lock();
        let Some(entry) = entries.get(&hash) else {
            return Cached::Unknown;
        };
        // CRYPTO_memcmp: constant time, and word-wise rather than the
        // byte-at-a-time `subtle` loop.
        let same =
            aws_lc_rs::constant_time::verify_slices_are_equal(&entry.token, token.as_bytes());
        if same.is_err() || entry.kind != kind {
            return Cached::Unknown;
        }
        if now.timestamp() < entry.expires {
            Cached::Valid(entry.claims.clone())
        } else {
            entries.remove(&hash);
            Cached::Expired
        }
    }

    /// Remembers that `token` is a valid token of `kind` until `expires`
    /// (the `exp` claim), with these claims.
    pub(super) fn insert(
        &self,
        kind: TokenKind,
        token: &str,
        expires: i64,
        claims: &TokenClaims,
        now: DateTime<Utc>,
    ) {
        let hash = self.hasher.hash_one(token.as_bytes());
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&hash) {
            let now = now.timestamp();
            entries.retain(|_, entry| now < entry.expires);
            if entries.len() >= CAPACITY {
                // All live: start over rather than track use (rare, and
                // costs one full validation per live token).
                entries.clear();
            }
        }
        entries.insert(
            hash,
            Entry {
                token: token.as_bytes().into(),
                kind,
                expires,
                claims: claims.clone(),
            },
        );
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}
