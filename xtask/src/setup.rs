//! Installs what is missing, from the package registries only, and skips what is there.
//!
//! - Rust target `wasm32-unknown-unknown` (rustup)
//! - `wasm-bindgen` CLI, pinned to the library version in web/Cargo.toml (crates.io)
//! - npm packages in package.json: `binaryen` (wasm-opt), `playwright-core` (npm registry)
//! - for tests: Debian's `chromium`, `chromium-driver`, `tshark` and a CJK font (apt)

use std::process::Command;

use crate::util::{cargo, have, output, root, run};

/// Must equal the `wasm-bindgen` version pinned in web/Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// What building and serving the web app needs.
pub fn web_toolchain() -> Result<(), String> {
    wasm_target()?;
    wasm_bindgen_cli()?;
    npm_packages()
}

/// What the test command needs on top of the web toolchain.
pub fn test_tools() -> Result<(), String> {
    apt_packages(&[
        ("chromium", "/usr/bin/chromium"),
        ("chromium-driver", "/usr/bin/chromedriver"),
        ("tshark", "/usr/bin/tshark"),
        // A CJK font, so that screenshots of the Chinese interface show characters, not boxes.
        ("fonts-wqy-microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ])
}

fn wasm_target() -> Result<(), String> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|l| l.trim() == "wasm32-unknown-unknown") => Ok(()),
        Some(_) => run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"])),
        None => Err("rustup was not found; install Rust with rustup (https://rustup.rs), then run \
                     `rustup target add wasm32-unknown-unknown`"
            .into()),
    }
}

fn wasm_bindgen_cli() -> Result<(), String> {
    let version = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(WASM_BINDGEN_VERSION) && have("wasm-bindgen-test-runner") {
        return Ok(());
    }
    println!("installing wasm-bindgen-cli {WASM_BINDGEN_VERSION} (takes about two minutes)");
    // Not `--locked`: the CLI's own lockfile names a crate version the registry no longer serves.
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION]))
}

fn npm_packages() -> Result<(), String> {
    let root = root();
    let wanted = ["binaryen", "playwright-core"];
    if wanted.iter().all(|p| root.join("node_modules").join(p).join("package.json").exists()) {
        return Ok(());
    }
    if !have("npm") {
        return Err(missing_debian(&["nodejs", "npm"]));
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root))
}

fn apt_packages(packages: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = packages.iter().filter(|(_, path)| !have(path)).map(|(p, _)| *p).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !have("apt-get") {
        return Err(format!(
            "missing {} and apt-get is not available; this setup expects Debian 12",
            missing.join(", ")
        ));
    }
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let sudo: &[&str] = if is_root {
        &[]
    } else if have("sudo") {
        &["sudo", "-n"]
    } else {
        return Err(missing_debian(&missing));
    };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-qq"])).map_err(|e| format!("{e}\n{}", missing_debian(&missing)))?;
    let mut args = vec!["install", "-y", "-qq"];
    args.extend_from_slice(&missing);
    run(&mut apt(&args)).map_err(|e| format!("{e}\n{}", missing_debian(&missing)))
}

fn missing_debian(packages: &[&str]) -> String {
    let list = packages.join(" ");
    format!(
        "missing Debian package(s): {list}. Install them as root with: \
         apt-get update && apt-get install -y {list}"
    )
}
