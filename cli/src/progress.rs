//! Progress on stderr: an indicatif bar when stderr is a terminal, nothing otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A bar over input bytes (or a spinner when the size is unknown), hidden when `quiet` or when
/// stderr is not a terminal.
pub fn bytes_bar(len: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .expect("template"),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {bytes} {binary_bytes_per_sec} {msg}")
                .expect("template"),
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
    bar
}

/// A counter of records with the total (once the source knows or estimates it), the rate and
/// the time left, on a terminal only.
pub fn records_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::no_length().with_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} records {per_sec} {elapsed}, ETA {eta} {msg}",
        )
        .expect("template"),
    );
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
    bar
}

/// A bar that draws nothing.
pub fn hidden() -> ProgressBar {
    ProgressBar::hidden()
}
