//! `cargo xtask test`: every test the project has, in three stages, each run even if an earlier
//! one failed, with a summary at the end.
//!
//! 1. native: the core and the integration tests (`cargo test`)
//! 2. wasm: `wasm-bindgen-test` tests of the web crate in headless Chromium
//! 3. end to end: Playwright (playwright-core + Debian's Chromium) against the served release build

use std::process::Command;

use crate::util::{cargo, root, run};
use crate::{build, serve, setup, size};

pub fn run_all() -> Result<(), String> {
    setup::web_toolchain()?;
    setup::test_tools()?;
    let root = root();
    let mut failed = Vec::new();

    let native = run(cargo().current_dir(&root).args([
        "test",
        "--package",
        "fishbowl-core",
        "--package",
        "fishbowl-tests",
        "--package",
        "xtask",
    ]));
    if let Err(e) = native {
        failed.push(format!("native tests: {e}"));
    }

    let wasm = run(cargo()
        .current_dir(root.join("web"))
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .args(["test", "--package", "fishbowl-web", "--target", "wasm32-unknown-unknown", "--lib", "--test", "browser"]));
    if let Err(e) = wasm {
        failed.push(format!("wasm tests in Chromium: {e}"));
    }

    match build::web_release() {
        Ok(dist) => {
            let addr = serve::serve_in_background(dist.clone(), 0)?;
            let e2e = run(Command::new("node")
                .current_dir(&root)
                .env("FISHBOWL_URL", format!("http://{addr}/"))
                .args(["--test", "--test-concurrency=1", "tests/e2e/"]));
            if let Err(e) = e2e {
                failed.push(format!("end-to-end tests: {e}"));
            }
            size::report(&dist)?;
        }
        Err(e) => failed.push(format!("release build: {e}")),
    }

    if failed.is_empty() {
        println!("all test stages passed");
        Ok(())
    } else {
        Err(format!("{} test stage(s) failed:\n  {}", failed.len(), failed.join("\n  ")))
    }
}
