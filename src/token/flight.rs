//! Single flight with backoff: at most one fetch per key runs at a time, as
//! a spawned Tokio task, and every caller that wants its result waits on a
//! watch channel.
//!
//! The task owns the fetch, so a caller that drops its future only stops
//! waiting; the fetch goes on for everyone else and still fills the cache.
//! Failures are counted to open a [`Backoff`] window; they are never cached
//! as results.

use std::future::Future;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::time::Instant;

use super::{Backoff, JitterSource, TokenError};

type Outcome<T> = Result<T, TokenError>;

/// What a cache holds for a key at one instant.
pub(crate) enum Lookup<T> {
    /// Hand it out.
    Fresh(T),
    /// Hand it out, and start a refresh.
    RefreshDue(T),
    /// Nothing usable: fetch and wait.
    Missing,
}

/// The fetch state of one key. Lives behind the owner's mutex; nothing here
/// awaits.
#[derive(Debug)]
pub(crate) struct Flight<T> {
    running: Option<Running<T>>,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<TokenError>,
    next_id: u64,
}

#[derive(Debug)]
struct Running<T> {
    id: u64,
    rx: watch::Receiver<Option<Outcome<T>>>,
}

/// A caller's place in the queue for a running fetch's result.
#[derive(Debug)]
pub(crate) struct Ticket<T> {
    rx: watch::Receiver<Option<Outcome<T>>>,
}

/// What the fetch task needs to report back.
#[derive(Debug)]
pub(crate) struct Launch<T> {
    pub(crate) id: u64,
    /// When the fetch was launched, for its latency.
    pub(crate) started: Instant,
    tx: watch::Sender<Option<Outcome<T>>>,
}

impl<T> Default for Flight<T> {
    fn default() -> Self {
        Self {
            running: None,
            failures: 0,
            retry_at: None,
            last_error: None,
            next_id: 0,
        }
    }
}

impl<T: Clone> Flight<T> {
    /// A ticket for the running fetch, if one is alive.
    pub(crate) fn join(&mut self) -> Option<Ticket<T>> {
        let running = self.running.as_ref()?;
        // The task clears `running` before it publishes, so a closed channel
        // here means the task died without finishing (runtime shutdown).
        if running.rx.has_changed().is_err() {
            self.running = None;
            return None;
        }
        Some(Ticket {
            rx: running.rx.clone(),
        })
    }

    /// Whether a fetch is running.
    pub(crate) fn is_running(&mut self) -> bool {
        self.join().is_some()
    }

    /// The error to answer with while a backoff window is open.
    pub(crate) fn backoff_error(&self, now: Instant) -> Option<TokenError> {
        let retry_at = self.retry_at?;
        let retry_in = retry_at.checked_duration_since(now)?;
        if retry_in.is_zero() {
            return None;
        }
        Some(TokenError::BackingOff {
            retry_in,
            last: Box::new(self.last_error.clone().unwrap_or(TokenError::FetchAborted)),
        })
    }

    /// When the backoff window closes, if one is open.
    pub(crate) fn retry_at(&self, now: Instant) -> Option<Instant> {
        self.retry_at.filter(|&at| at > now)
    }

    /// Joins the running fetch, refuses during backoff, or spawns `fetch`
    /// (built from the launch id) as a new task.
    pub(crate) fn join_or_launch<F>(
        &mut self,
        now: Instant,
        fetch: impl FnOnce(Launch<T>) -> F,
    ) -> Result<Ticket<T>, TokenError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if let Some(ticket) = self.join() {
            return Ok(ticket);
        }
        if let Some(e) = self.backoff_error(now) {
            tracing::debug!(
                target: "snap_bi::token",
                retry_in_ms = self.retry_at(now).map(|at| millis(at.saturating_duration_since(now))),
                failures = self.failures,
                "token fetch refused: backing off"
            );
            return Err(e);
        }
        self.launch(fetch)
    }

    /// Spawns `fetch` as a new task unconditionally.
    pub(crate) fn launch<F>(
        &mut self,
        fetch: impl FnOnce(Launch<T>) -> F,
    ) -> Result<Ticket<T>, TokenError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = Handle::try_current().map_err(|_| TokenError::NoRuntime)?;
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let (tx, rx) = watch::channel(None);
        self.running = Some(Running { id, rx: rx.clone() });
        handle.spawn(fetch(Launch {
            id,
            started: Instant::now(),
            tx,
        }));
        Ok(Ticket { rx })
    }

    /// Records the outcome of fetch `id`, launched at `started` (clearing it
    /// as the running fetch), updates the failure count and backoff window,
    /// and traces a failure.
    pub(crate) fn finish(
        &mut self,
        (id, started): (u64, Instant),
        outcome: &Outcome<T>,
        now: Instant,
        backoff: &Backoff,
        jitter: &dyn JitterSource,
    ) {
        self.record(id, outcome, now, backoff, jitter);
        let latency_ms = millis(now.saturating_duration_since(started));
        if let Err(error) = outcome {
            let retry_in = self
                .retry_at(now)
                .map(|at| at.saturating_duration_since(now));
            // The error's Display carries statuses and provider messages,
            // never a token or signature (see `TokenError`).
            if retry_in.is_some() {
                tracing::warn!(
                    target: "snap_bi::token",
                    %error,
                    latency_ms,
                    failures = self.failures,
                    retry_in_ms = retry_in.map(millis),
                    "token fetch failed, backing off"
                );
            } else {
                tracing::warn!(
                    target: "snap_bi::token",
                    %error,
                    latency_ms,
                    failures = self.failures,
                    "token fetch failed"
                );
            }
        }
    }

    fn record(
        &mut self,
        id: u64,
        outcome: &Outcome<T>,
        now: Instant,
        backoff: &Backoff,
        jitter: &dyn JitterSource,
    ) {
        if self.running.as_ref().is_some_and(|r| r.id == id) {
            self.running = None;
        }
        match outcome {
            Ok(_) => {
                self.failures = 0;
                self.retry_at = None;
                self.last_error = None;
            }
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                let delay = backoff.delay(self.failures, jitter.fraction());
                self.retry_at = (!delay.is_zero()).then(|| now.checked_add(delay)).flatten();
                self.last_error = Some(e.clone());
            }
        }
    }

    /// Nothing running and no failure on record: the state can be dropped.
    pub(crate) fn is_idle(&self) -> bool {
        self.running.is_none() && self.failures == 0
    }
}

impl<T> Launch<T> {
    /// Publishes the outcome to every waiting caller.
    pub(crate) fn publish(self, outcome: Outcome<T>) {
        // No receivers left means nobody is waiting any more: nothing to do.
        let _ = self.tx.send(Some(outcome));
    }
}

impl<T: Clone> Ticket<T> {
    /// Waits for the fetch's outcome.
    pub(crate) async fn wait(mut self) -> Outcome<T> {
        match self.rx.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or(Err(TokenError::FetchAborted)),
            Err(_) => Err(TokenError::FetchAborted),
        }
    }
}

/// Whole milliseconds, for trace fields.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Runs `fetch` with a timeout.
pub(crate) async fn with_timeout<T>(
    timeout: Duration,
    fetch: impl Future<Output = Outcome<T>>,
) -> Outcome<T> {
    tokio::time::timeout(timeout, fetch)
        .await
        .unwrap_or(Err(TokenError::Timeout { after: timeout }))
}

#[cfg(test)]
mod tests;
