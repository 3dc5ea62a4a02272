//! `cargo xtask bench`: the native benchmarks (`cargo bench`), then the same workloads built for
//! wasm32 and timed in Node, with the wasm/native ratio.

use std::process::Command;

use crate::util::{cargo, display, root, run, target_dir};

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

    // The data path: a warm cross-node handshake trace, and the network state of the full cluster.
    run(cargo().current_dir(&root).args(["bench", "--package", "fishbowl-core", "--bench", "network"]))?;
    run(cargo().current_dir(&root).args(["bench", "--package", "fishbowl-core", "--bench", "services"]))?;

    run(cargo().current_dir(&root).args([
        "build",
        "--package",
        "fishbowl-wasm-bench",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;
    let out_dir = target_dir().join("wasm-bench");
    run(Command::new("wasm-bindgen")
        .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
        .arg(&out_dir)
        .arg(target_dir().join("wasm32-unknown-unknown/release/fishbowl_wasm_bench.wasm")))?;
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
    cluster(&root, &out_dir)
}

/// Scale of the wasm/native comparison of the whole-cluster benchmark: wasm32 has a 4 GiB
/// address space, which the full 150,000-pod cluster does not fit in yet.
const CLUSTER_RATIO_SCALE: f64 = 0.1;

/// The whole-cluster benchmark: natively at full scale, then natively and in wasm at
/// `CLUSTER_RATIO_SCALE` for the ratio.
fn cluster(root: &std::path::Path, out_dir: &std::path::Path) -> Result<(), String> {
    let native = |scale: f64| -> Result<String, String> {
        let mut cmd = cargo();
        cmd.current_dir(root).env("FISHBOWL_BENCH_SCALE", scale.to_string()).args(["bench", "--package", "fishbowl-core", "--bench", "cluster"]);
        println!("$ FISHBOWL_BENCH_SCALE={scale} {}", display(&cmd));
        let out = cmd.output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        print!("{text}");
        if !out.status.success() {
            return Err(format!("cluster benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(text)
    };
    native(1.0)?;
    let small = native(CLUSTER_RATIO_SCALE)?;
    let native_settle = seconds_after(&small, "apply + settle").ok_or("the cluster benchmark printed no settle time")?;
    let scaled = |n: f64| ((n * CLUSTER_RATIO_SCALE).round() as u64).max(1).to_string();
    let mut node = Command::new("node");
    node.current_dir(root)
        .arg("tests/wasm-bench/run.mjs")
        .arg(out_dir.join("fishbowl_wasm_bench.js"))
        .args(["cluster", &scaled(5000.0), &scaled(1500.0), "100"]);
    println!("$ {}", display(&node));
    let out = node.output().map_err(|e| e.to_string())?;
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("wasm cluster benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let wasm_settle: f64 = json
        .split("\"settle\":")
        .nth(1)
        .and_then(|s| s.split([',', '}']).next())
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("unexpected output from the wasm cluster benchmark: {json}"))?;
    println!("whole cluster in wasm at scale {CLUSTER_RATIO_SCALE} (Node {}):", node_version());
    println!("  apply + settle     {wasm_settle:>10.3} s");
    println!("  wasm / native      {:>10.2}x (target <= 1.6x)", wasm_settle / native_settle);
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
