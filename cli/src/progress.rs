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

/// The providers' progress events drawn on `bar`: totals, counts, waits for a quota (said once
/// a wait on stderr too when there is no bar, unless `quiet`: an hour's silent wait looks
/// hung), and a dry run's plan, one line a contact on stdout.
pub fn events(bar: &ProgressBar, quiet: bool) -> contactport_providers::Events {
    use contactport_providers::Event;
    let bar = bar.clone();
    let said = std::sync::Mutex::new(None);
    std::sync::Arc::new(move |event| match event {
        Event::Total(n) => bar.set_length(n),
        Event::Done {
            created,
            updated,
            unchanged,
            failed,
        } => {
            bar.inc(1);
            bar.set_message(format!(
                "created {created} updated {updated} unchanged {unchanged} failed {failed}"
            ));
        }
        Event::Waiting { provider, until } => {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let at = chrono::Local::now()
                + chrono::Duration::from_std(left).unwrap_or_else(|_| chrono::Duration::zero());
            let msg = format!(
                "waiting for {provider}'s quota until {}",
                at.format("%H:%M:%S")
            );
            bar.set_message(msg.clone());
            let mut said = said.lock().expect("lock");
            if *said != Some(until) && left > std::time::Duration::from_secs(1) {
                *said = Some(until);
                if !quiet && bar.is_hidden() {
                    eprintln!("{msg}");
                }
            }
        }
        Event::Plan(line) => {
            use std::io::Write;
            // A provider's message may be in it: each tab-separated column escaped like
            // everything shown (the tabs are the plan's own).
            let cols: Vec<_> = line.split('\t').map(crate::shown::shown).collect();
            let _ = writeln!(std::io::stdout().lock(), "{}", cols.join("\t"));
        }
    })
}
