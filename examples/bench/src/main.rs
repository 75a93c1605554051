//! `warden-bench`: serves the bench routes; `warden-bench tokens` prints one
//! `route=token` line per protected route (`hs=…`, `rs=…`, `es=…`).

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None => serve(),
        Some("tokens") => print_tokens(),
        Some(_) => {
            eprintln!("usage: warden-bench [tokens]");
            ExitCode::from(2)
        }
    }
}

/// Launches the server on a runtime with the configured `workers`.
///
/// `#[rocket::launch]` would size its runtime from Rocket's default
/// configuration sources, not from this crate's `Rocket.toml`.
fn serve() -> ExitCode {
    let figment = warden_bench::figment();
    let config = match rocket::Config::try_from(figment.clone()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers)
        .max_blocking_threads(config.max_blocking)
        .thread_name("rocket-worker-thread")
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(warden_bench::rocket_from(figment).launch()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            // Logs the details (at `critical`, too) and marks the error handled.
            eprintln!("launch failed: {}", e.pretty_print());
            ExitCode::FAILURE
        }
    }
}

// Standard output is the point: load.sh reads these lines.
#[allow(clippy::print_stdout)]
fn print_tokens() -> ExitCode {
    match warden_bench::mint_tokens(&warden_bench::figment()) {
        Ok(tokens) => {
            for token in tokens {
                println!("{}={}", token.route, token.token);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot mint tokens: {e}");
            ExitCode::FAILURE
        }
    }
}
