//! The stop signal every wait listens to: the pacer's slot, the hourly quota, a 429's pause,
//! a retry's backoff, a request in flight and the settling of a lost create. The CLI raises it
//! at the first Ctrl-C or SIGTERM ([`stop`]); a request that had not been answered then ends
//! with [`Error::Stopped`](crate::Error::Stopped): its record is not done (not journalled),
//! and a later run finds it by email before writing, so nothing is created twice.

use std::future::Future;
use std::sync::OnceLock;
use tokio::sync::watch;

fn flag() -> &'static watch::Sender<bool> {
    static FLAG: OnceLock<watch::Sender<bool>> = OnceLock::new();
    FLAG.get_or_init(|| watch::channel(false).0)
}

/// Ends every wait of this process, now and later.
pub fn stop() {
    flag().send_replace(true);
}

/// True once [`stop`] was called.
pub fn stopped() -> bool {
    *flag().borrow()
}

/// Runs `fut` unless the stop comes first (then `None`).
pub async fn unless_stopped<T>(fut: impl Future<Output = T>) -> Option<T> {
    let mut rx = flag().subscribe();
    tokio::select! {
        biased;
        _ = rx.wait_for(|s| *s) => None,
        v = fut => Some(v),
    }
}
