//! A client-side rate limiter: requests are spaced evenly at `rate` per second, so a run stays
//! under the provider's limit (Kojo: 20 requests a second) instead of bouncing off it.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Spaces requests `1 / rate` seconds apart, across all tasks.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    /// A pacer for `rate` requests a second; `None` for a rate of 0 (no limit).
    pub fn new(rate: f64) -> Option<Pacer> {
        (rate > 0.0).then(|| Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(Instant::now()),
        })
    }

    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().expect("pacer lock");
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Pushes every later slot back by `d` (after a 429: the provider asked for a pause).
    pub fn pause(&self, d: Duration) {
        let mut next = self.next.lock().expect("pacer lock");
        let until = Instant::now() + d;
        if *next < until {
            *next = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests() {
        let p = Pacer::new(10.0).unwrap();
        let start = Instant::now();
        for _ in 0..5 {
            p.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        assert!(Pacer::new(0.0).is_none());
    }
}
