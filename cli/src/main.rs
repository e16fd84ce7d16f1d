//! The `contactport` binary: parse, run, report, exit 0 / 1 / 2.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Debug logs of each request (method, path, status; never headers or bodies) with
    // CONTACTPORT_LOG=debug.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CONTACTPORT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let code = match contactport_cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`contactport convert … | head`) is not a failure.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Messages can quote a file or a provider: escaped for the terminal.
            use contactport_cli::shown::shown;
            eprintln!("contactport: error: {}", shown(&err.to_string()));
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {}", shown(&cause.to_string()));
            }
            2
        }
    };
    ExitCode::from(code)
}
