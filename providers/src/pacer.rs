//! A client-side rate limiter: requests are spaced evenly at `rate` per second, and at most
//! `quota` go out in any window (an hour), so a run stays under the provider's limits (Kojo: 20
//! requests a second and 3,600 an hour) instead of bouncing off them.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// A quota: at most `requests` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests a window.
    pub requests: u32,
    /// The window (an hour for Kojo).
    pub window: Duration,
}

/// Spaces requests `1 / rate` seconds apart, across all tasks, and holds them all back when
/// the provider asks for a pause (429).
///
/// Besides the fixed rate, the spacing adapts: each 429 at least doubles an extra gap (up to
/// the provider's asked-for wait, at most a second), each answered request shrinks it by 5%.
/// So without `--rate` the client settles near the provider's limit instead of having every
/// waiting request come back at the same instant.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    state: Mutex<(Instant, Duration)>,
    quota: Option<Quota>,
    /// The slots of the last `quota.requests` requests, oldest first.
    slots: Mutex<VecDeque<Instant>>,
    /// The end of the current wait for the quota (or a long pause asked by the provider), for
    /// the progress line.
    waiting: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `rate` requests a second; a rate of 0 spaces nothing but still pauses.
    pub fn new(rate: f64) -> Pacer {
        Pacer {
            // A rate that is not a positive number spaces nothing; a tiny one is a request an
            // hour at most, so no slot ever lies past what a clock can hold.
            interval: if rate > 0.0 && rate.is_finite() {
                Duration::try_from_secs_f64(1.0 / rate)
                    .unwrap_or(Duration::MAX)
                    .min(Duration::from_secs(3600))
            } else {
                Duration::ZERO
            },
            state: Mutex::new((Instant::now(), Duration::ZERO)),
            quota: None,
            slots: Mutex::new(VecDeque::new()),
            waiting: Mutex::new(None),
        }
    }

    /// Adds a quota: at most `q.requests` in any `q.window` (none when 0).
    pub fn with_quota(mut self, q: Option<Quota>) -> Pacer {
        self.quota = q.filter(|q| q.requests > 0 && !q.window.is_zero());
        self
    }

    /// While requests wait for the quota (or a long pause the provider asked for): until when.
    pub fn waiting_until(&self) -> Option<Instant> {
        let w = *self.waiting.lock().expect("pacer lock");
        w.filter(|w| *w > Instant::now())
    }

    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut st = self.state.lock().expect("pacer lock");
            let now = Instant::now();
            let mut slot = st.0.max(now);
            if let Some(q) = self.quota {
                // The window's oldest request must be a window old before another goes.
                let mut slots = self.slots.lock().expect("pacer lock");
                if slots.len() >= q.requests as usize {
                    let oldest = slots.pop_front().expect("full window");
                    if oldest + q.window > slot {
                        slot = oldest + q.window;
                        *self.waiting.lock().expect("pacer lock") = Some(slot);
                    }
                }
                slots.push_back(slot);
            }
            st.0 = slot + self.interval.max(st.1);
            slot
        };
        // A slot already due is taken at once: tokio's timer would still wait for its next
        // millisecond tick, which cost every request up to 1 ms.
        if slot > Instant::now() {
            // An hour's wait for the quota ends at Ctrl-C (the caller sees `stopped()`).
            crate::stop::unless_stopped(tokio::time::sleep_until(slot)).await;
        }
    }

    /// Pushes every later slot back by `d` (after a 429: the provider asked for a pause).
    pub fn pause(&self, d: Duration) {
        let mut st = self.state.lock().expect("pacer lock");
        let d = d.min(crate::retry::MAX_WAIT);
        let until = Instant::now() + d;
        if st.0 < until {
            st.0 = until;
        }
        if d >= Duration::from_secs(2) {
            // A quota answer (Kojo's hourly limit): worth showing. The spacing stays as it is:
            // once the quota is back, the rate is the limit again.
            *self.waiting.lock().expect("pacer lock") = Some(until);
            return;
        }
        let cap = d.clamp(Duration::from_millis(1), Duration::from_secs(1));
        st.1 = (st.1 * 2).max(Duration::from_millis(1)).min(cap.max(st.1));
    }

    /// An answer that was not a 429: the adaptive gap shrinks.
    pub fn answered(&self) {
        let mut st = self.state.lock().expect("pacer lock");
        if !st.1.is_zero() {
            st.1 = st.1.mul_f64(0.95);
            if st.1 < Duration::from_micros(50) {
                st.1 = Duration::ZERO;
            }
        }
    }
}

/// How long `n` requests take at `rate` a second and at most `quota`: the time from the first
/// request to the last.
pub fn duration_for(n: u64, rate: f64, quota: Option<Quota>) -> Duration {
    if n == 0 {
        return Duration::ZERO;
    }
    let gap = if rate > 0.0 {
        Duration::from_secs_f64(1.0 / rate)
    } else {
        Duration::ZERO
    };
    match quota.filter(|q| q.requests > 0) {
        Some(q) => {
            let (windows, rest) = ((n - 1) / q.requests as u64, (n - 1) % q.requests as u64);
            q.window * windows as u32 + gap * rest as u32
        }
        None => gap * (n - 1) as u32,
    }
}

/// A duration as people say it: `2 h 05 min`, `3 min 20 s`, `45 s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests() {
        let p = Pacer::new(10.0);
        let start = Instant::now();
        for _ in 0..5 {
            p.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        let free = Pacer::new(0.0);
        let start = Instant::now();
        free.wait().await;
        free.wait().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        free.pause(Duration::from_secs(2));
        free.wait().await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn the_hourly_quota_holds_back_the_request_past_it() {
        let hour = Duration::from_secs(3600);
        let p = Pacer::new(20.0).with_quota(Some(Quota {
            requests: 3600,
            window: hour,
        }));
        let start = Instant::now();
        for _ in 0..3600 {
            p.wait().await;
        }
        // 3,600 requests at 20 a second: three minutes.
        assert_eq!(start.elapsed(), Duration::from_millis(179_950));
        assert!(p.waiting_until().is_none());
        // The next ones wait for the first to be an hour old, then go at the rate again.
        let next = tokio::spawn(async move {
            p.wait().await;
            let at = Instant::now();
            p.wait().await;
            (at, Instant::now())
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (first, second) = next.await.unwrap();
        assert_eq!(first - start, hour);
        assert_eq!(second - start, hour + Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn the_quota_wait_is_said() {
        let p = std::sync::Arc::new(Pacer::new(0.0).with_quota(Some(Quota {
            requests: 2,
            window: Duration::from_secs(60),
        })));
        let start = Instant::now();
        p.wait().await;
        p.wait().await;
        assert!(p.waiting_until().is_none());
        let waiter = tokio::spawn({
            let p = p.clone();
            async move { p.wait().await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(p.waiting_until(), Some(start + Duration::from_secs(60)));
        waiter.await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        assert!(p.waiting_until().is_none(), "the wait is over");
    }

    #[test]
    fn how_long_a_plan_takes_at_the_documented_limits() {
        let kojo = Some(Quota {
            requests: 3600,
            window: Duration::from_secs(3600),
        });
        assert_eq!(human(duration_for(1, 20.0, kojo)), "0 s");
        assert_eq!(human(duration_for(3600, 20.0, kojo)), "2 min 59 s");
        // 10,000 requests: two full hours, then 2,799 more at 20 a second.
        assert_eq!(human(duration_for(10_000, 20.0, kojo)), "2 h 02 min");
        assert_eq!(human(duration_for(101, 0.0, None)), "0 s");
    }

    /// A rate that is no positive number spaces nothing; a tiny one spaces requests an hour
    /// apart at most; a pause of any length is bounded and said.
    #[tokio::test(start_paused = true)]
    async fn absurd_rates_space_sensibly_and_pauses_are_bounded() {
        let hour = Duration::from_secs(3600);
        for (rate, gap) in [
            (1e-300, hour),
            (f64::MIN_POSITIVE, hour),
            (f64::NAN, Duration::ZERO),
            (f64::INFINITY, Duration::ZERO),
            (-1.0, Duration::ZERO),
            (1e300, Duration::ZERO),
        ] {
            let p = Pacer::new(rate);
            let t0 = Instant::now();
            p.wait().await;
            assert_eq!(
                t0.elapsed(),
                Duration::ZERO,
                "{rate}: the first request goes at once"
            );
            p.wait().await;
            assert_eq!(t0.elapsed(), gap, "{rate}: the second waits its gap");
            p.pause(Duration::MAX);
            let until = p.waiting_until().expect("a long pause is said");
            assert!(
                until <= Instant::now() + crate::retry::MAX_WAIT,
                "{rate}: a pause is at most retry::MAX_WAIT"
            );
        }
    }
}
