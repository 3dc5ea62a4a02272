//! `fishbowl`: the simulator on the command line.
//!
//! ```text
//! fishbowl [--seed N] [--nodes N] [--network vxlan|udp|host-gw]
//!          [--proxy-mode iptables|ipvs|userspace] [--ingress-nginx] [SCRIPT]
//! ```
//! Reads one command per line from SCRIPT (or standard input), prints each command's output,
//! and exits non-zero if any command failed. See `fishbowl_core::console` for the commands.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use fishbowl_core::console::Console;
use fishbowl_core::kubectl::{Files, Output};
use fishbowl_core::{ClusterConfig, Sim};

const USAGE: &str = "usage: fishbowl [--seed N] [--nodes N] [--network vxlan|udp|host-gw] [--underlay l2|l3] [--proxy-mode iptables|ipvs|userspace] [--ingress-nginx] [SCRIPT]";

/// `-f` paths are read relative to the working directory.
struct Disk;

impl Files for Disk {
    fn read(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("the path \"{path}\" does not exist"),
            _ => format!("cannot read \"{path}\": {e}"),
        })
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        std::fs::write(path, bytes).map_err(|e| format!("cannot write \"{path}\": {e}"))
    }
}

fn parse_args(args: &[String]) -> Result<(ClusterConfig, Option<String>), String> {
    let mut config = ClusterConfig::default();
    let mut script = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value\n{USAGE}"));
        match flag {
            "--seed" => config.seed = value()?.parse().map_err(|_| "--seed takes a number".to_string())?,
            "--nodes" => {
                config.nodes = value()?.parse().map_err(|_| "--nodes takes a number".to_string())?;
                if config.nodes == 0 || config.nodes > 256 * 256 {
                    return Err("--nodes must be between 1 and 65536 (one /24 of 10.244.0.0/16 each)".into());
                }
            }
            "--network" => config.network = value()?.parse()?,
            "--underlay" => config.underlay = value()?.parse()?,
            "--proxy-mode" => config.proxy_mode = value()?.parse()?,
            "--ingress-nginx" => config.ingress_nginx = true,
            "-h" | "--help" => return Err(USAGE.into()),
            f if f.starts_with('-') => return Err(format!("unknown option {f}\n{USAGE}")),
            _ if script.is_none() => script = Some(a.clone()),
            _ => return Err(format!("only one SCRIPT may be given\n{USAGE}")),
        }
    }
    Ok((config, script))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, script) = match parse_args(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let lines: Vec<String> = match &script {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => t.lines().map(str::to_string).collect(),
            Err(e) => {
                eprintln!("fishbowl: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => std::io::stdin().lock().lines().map_while(Result::ok).collect(),
    };
    let mut sim = Sim::new(config);
    let mut console = Console::new();
    let mut failed = 0;
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Output { stdout: out, stderr: err, status, .. } = console.run_line(&mut sim, trimmed, &Disk);
        let mut o = stdout.lock();
        let _ = writeln!(o, "$ {trimmed}");
        let _ = o.write_all(out.as_bytes());
        let _ = o.flush();
        let _ = stderr.lock().write_all(err.as_bytes());
        if status != 0 {
            failed += 1;
        }
    }
    if failed > 0 {
        eprintln!("fishbowl: {failed} command(s) failed");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
