//! `cargo xtask`: the project's build helper. Each command installs what it is missing first.
//!
//! ```text
//! cargo xtask serve [--port N]   set up, build the release web app, serve it on 127.0.0.1:N (8080)
//! cargo xtask test               set up, run every test: core, wasm in Chromium, end-to-end
//! cargo xtask build              set up, build the release web app into target/dist (or $CARGO_TARGET_DIR/dist)
//! cargo xtask bench              the benchmarks, native and wasm (in Node), with their ratio
//! cargo xtask setup [--all]      install what is missing (the web toolchain; --all adds test tools)
//! ```

mod bench;
mod build;
mod serve;
mod setup;
mod size;
mod tests;
mod util;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <serve [--port N] | test | build | bench | setup [--all]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => parse_port(&args[1..]).and_then(|port| {
            // Take the port first, so that a busy port is reported before a long build.
            let listener = serve::bind(port)?;
            setup::web_toolchain()?;
            let dist = build::web_release()?;
            serve::serve_forever(listener, &dist)
        }),
        Some("build") => setup::web_toolchain().and_then(|_| build::web_release().map(|_| ())),
        Some("test") => tests::run_all(),
        Some("bench") => setup::web_toolchain().and_then(|_| bench::run_all()),
        Some("setup") => {
            if args.iter().any(|a| a == "--all") {
                setup::web_toolchain().and_then(|_| setup::test_tools())
            } else {
                setup::web_toolchain()
            }
        }
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_port(args: &[String]) -> Result<u16, String> {
    let mut port = 8080;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = if a == "--port" {
            it.next().cloned().ok_or("--port needs a number")?
        } else if let Some(v) = a.strip_prefix("--port=") {
            v.to_string()
        } else {
            return Err(format!("unknown option `{a}`\n{USAGE}"));
        };
        port = value.parse().map_err(|_| format!("--port: `{value}` is not a port number (1-65535)"))?;
    }
    Ok(port)
}
