//! The shared replay store on Redis.

use chrono::{DateTime, Utc};

use super::{RedisStore, RedisStoreError};
use crate::server::{JakartaDay, ReplayError, ReplayStore, ReplayVerdict};
use crate::token::BoxFuture;

/// What [`RedisReplayStore`] answers when Redis cannot be reached.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ReplayWhenUnreachable {
    /// Refuse the request: the verifying layer answers
    /// `503xx00 Service Unavailable` (the default). A replay can never slip
    /// through while Redis is down.
    #[default]
    FailClosed,
    /// Let the request through unchecked (logged at `WARN`): availability
    /// over replay protection, for endpoints whose handlers are idempotent
    /// anyway.
    Allow,
}

/// A [`ReplayStore`] on Redis shared by every server of a fleet: one
/// `SET key 1 NX EXAT keep_until` per request. See the [module docs](super).
#[derive(Debug, Clone)]
pub struct RedisReplayStore {
    store: RedisStore,
    when_unreachable: ReplayWhenUnreachable,
}

impl RedisReplayStore {
    pub(super) fn new(store: RedisStore) -> Self {
        Self {
            store,
            when_unreachable: ReplayWhenUnreachable::default(),
        }
    }

    /// What to answer when Redis cannot be reached.
    #[must_use]
    pub fn when_unreachable(mut self, policy: ReplayWhenUnreachable) -> Self {
        self.when_unreachable = policy;
        self
    }

    /// `<prefix>xid:<day>:<partner id length>:<partner id>:<external id>`:
    /// the length keeps `("a:b", "c")` and `("a", "b:c")` apart.
    pub(super) fn key(&self, partner_id: &str, external_id: &str, day: JakartaDay) -> String {
        self.store.key(&format!(
            "xid:{day}:{}:{partner_id}:{external_id}",
            partner_id.len()
        ))
    }

    async fn check(
        &self,
        partner_id: &str,
        external_id: &str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> Result<ReplayVerdict, RedisStoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(partner_id, external_id, day))
            .arg(1)
            .arg("NX")
            .arg("EXAT")
            .arg(keep_until.timestamp().max(1));
        let set: Option<String> = self.store.run(cmd).await?;
        Ok(if set.is_some() {
            ReplayVerdict::Fresh
        } else {
            ReplayVerdict::Duplicate
        })
    }
}

impl ReplayStore for RedisReplayStore {
    fn check_and_insert<'a>(
        &'a self,
        partner_id: &'a str,
        external_id: &'a str,
        day: JakartaDay,
        keep_until: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<ReplayVerdict, ReplayError>> {
        Box::pin(async move {
            match self.check(partner_id, external_id, day, keep_until).await {
                Ok(verdict) => Ok(verdict),
                Err(error) => match self.when_unreachable {
                    ReplayWhenUnreachable::FailClosed => {
                        tracing::warn!(target: "snap_bi::server", %error, "replay store unreachable: refusing the request");
                        Err(ReplayError::Unavailable(Box::new(error)))
                    }
                    ReplayWhenUnreachable::Allow => {
                        tracing::warn!(target: "snap_bi::server", %error, "replay store unreachable: letting the request through unchecked");
                        Ok(ReplayVerdict::Fresh)
                    }
                },
            }
        })
    }
}
