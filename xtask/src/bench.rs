//! `cargo xtask bench`: the native benchmarks (`cargo bench`), then the same workloads built for
//! wasm32 and timed in Node, with the wasm/native ratio.

use std::process::Command;

use crate::util::{cargo, display, root, run};

pub fn run_all() -> Result<(), String> {
    let root = root();
    let mut native = cargo();
    native.current_dir(&root).args(["bench", "--package", "fishbowl-core", "--bench", "control_plane"]);
    println!("$ {}", display(&native));
    let out = native.output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    if !out.status.success() {
        return Err(format!("native benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let native_cold = seconds_after(&text, "wall time, cold").ok_or("the native benchmark printed no cold wall time")?;
    let native_warm = seconds_after(&text, "wall time, warm").ok_or("the native benchmark printed no warm wall time")?;

    run(cargo().current_dir(&root).args([
        "build",
        "--package",
        "fishbowl-wasm-bench",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;
    let out_dir = root.join("target/wasm-bench");
    run(Command::new("wasm-bindgen")
        .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
        .arg(&out_dir)
        .arg(root.join("target/wasm32-unknown-unknown/release/fishbowl_wasm_bench.wasm")))?;
    let mut node = Command::new("node");
    node.current_dir(&root)
        .arg("tests/wasm-bench/run.mjs")
        .arg(out_dir.join("fishbowl_wasm_bench.js"))
        .arg("150000");
    println!("$ {}", display(&node));
    let out = node.output().map_err(|e| e.to_string())?;
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("wasm benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let field = |name: &str| -> Result<f64, String> {
        json.split(&format!("\"{name}\":"))
            .nth(1)
            .and_then(|s| s.split([',', '}']).next())
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| format!("unexpected output from the wasm benchmark: {json}"))
    };
    let (wasm_cold, wasm_warm) = (field("cold")?, field("warm")?);
    println!("control-plane write path in wasm (Node {}):", node_version());
    println!("  wall time, cold    {wasm_cold:>10.3} s");
    println!("  wall time, warm    {wasm_warm:>10.3} s");
    println!("  wasm / native      {:>10.2}x cold, {:.2}x warm (target <= 1.6x)", wasm_cold / native_cold, wasm_warm / native_warm);
    Ok(())
}

fn seconds_after(text: &str, label: &str) -> Option<f64> {
    let line = text.lines().find_map(|l| l.trim_start().strip_prefix(label))?;
    line.split_whitespace().next()?.parse().ok()
}

fn node_version() -> String {
    Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
