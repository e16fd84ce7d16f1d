//! A client-side rate limiter: requests are spaced evenly at `rate` per second, so a run stays
//! under the provider's limit (Kojo: 20 requests a second) instead of bouncing off it.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

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
        }
    }

    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut st = self.state.lock().expect("pacer lock");
            let now = Instant::now();
            let slot = st.0.max(now);
            st.0 = slot + self.interval.max(st.1);
            slot
        };
        // A slot already due is taken at once: tokio's timer would still wait for its next
        // millisecond tick, which cost every request up to 1 ms.
        if slot > Instant::now() {
            tokio::time::sleep_until(slot).await;
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
    async fn absurd_rates_never_panic() {
        for rate in [
            1e-300,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            -1.0,
            1e300,
        ] {
            let p = Pacer::new(rate);
            p.wait().await;
            p.wait().await;
            p.pause(Duration::MAX);
        }
    }
}
