//! Builds the release web app: cargo (wasm32, size profile) → wasm-bindgen → wasm-opt → dist.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{cargo, root, run, target_dir};

/// Builds into `dist/` under the target directory and returns that folder.
pub fn web_release() -> Result<PathBuf, String> {
    let root = root();
    let dist = target_dir().join("dist");
    run(cargo().current_dir(&root).args([
        "build",
        "--package",
        "fishbowl-web",
        "--bin",
        "fishbowl-web",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "web-release",
    ]))?;
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/web-release/fishbowl-web.wasm");
    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-name", "fishbowl", "--out-dir"])
        .arg(&dist)
        .arg(&wasm))?;
    let bg = dist.join("fishbowl_bg.wasm");
    run(Command::new(root.join("node_modules/.bin/wasm-opt"))
        .args(["-Oz", "--strip-debug", "--strip-producers"])
        // The features rustc enables by default for wasm32-unknown-unknown; every current browser has them.
        .args([
            "--enable-bulk-memory",
            "--enable-bulk-memory-opt",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "-o",
        ])
        .arg(&bg)
        .arg(&bg))?;
    copy_dir(&root.join("static"), &dist)?;
    Ok(dist)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}
