//! The console: one command line in, its output out. Shared by the `fishbowl` command line and
//! the browser's console panel.
//!
//! ```text
//! kubectl …            the kubectl layer (file paths through `Files`)
//! advance <duration>   run the simulation forward: 30s, 5m, 1h30m
//! step [n]             run the next n queued tasks (default 1)
//! settle [max-steps]   run until nothing is pending, or the step limit (default 100000)
//! events               the event chain of the last action, as an indented tree
//! time                 the simulated clock
//! node NAME -- CMD     a command on a node (see `crate::shell`)
//! trace SRC DST        a packet's path, hop by hop (see `crate::trace_command`)
//! pcap FILE [NODE/DEV] the last trace's frames as a libpcap file
//! why pod/NAME         the scheduler's last decision about a pod (see `crate::why_command`)
//! network [backend B]  the network's settings; switch flannel's backend
//! # …                  a comment
//! ```
//!
//! A `kubectl get -w` stays open: after every later command the console prints the rows of
//! the objects that changed meanwhile, as kubectl streams them. An unfinished
//! `kubectl rollout status` stays open the same way, printing a status line per change of its
//! object until the rollout is done.

use crate::api::Object;
use crate::kubectl::printers;
use crate::kubectl::{self, split_words, Files, Output, WatchRequest};
use crate::sim::chain::chain_of;
use crate::sim::{Settled, Sim};
use crate::time::parse_duration;

/// Console state that outlives one command: the open watches.
#[derive(Debug, Clone, Default)]
pub struct Console {
    watches: Vec<Watch>,
}

#[derive(Debug, Clone)]
struct Watch {
    request: WatchRequest,
    /// The resourceVersion the watch has streamed up to.
    cursor: u64,
}

impl Console {
    pub fn new() -> Console {
        Console::default()
    }

    /// Runs one line, then streams what open watches saw change.
    pub fn run_line(&mut self, sim: &mut Sim, line: &str, files: &dyn Files) -> Output {
        let mut out = run_line(sim, line, files);
        self.stream(sim, &mut out);
        if let Some(request) = out.watch.take() {
            self.watches.push(Watch { request: *request, cursor: sim.store().resource_version() });
        }
        out
    }

    /// Closes every open watch (Ctrl-C).
    pub fn stop_watches(&mut self) {
        self.watches.clear();
    }

    fn stream(&mut self, sim: &Sim, out: &mut Output) {
        self.watches.retain_mut(|w| {
            let events = sim.store().events_since(w.cursor);
            w.cursor = sim.store().resource_version();
            match &w.request {
                WatchRequest::Get(request) => {
                    for event in events {
                        let obj: &Object = &event.object;
                        if request.selects(obj) {
                            let mut opts = request.opts.clone();
                            opts.no_headers = true;
                            let printed = printers::print_table(obj.kind(), &[obj], event.at, &opts);
                            out.stdout.push_str(&printed.stdout);
                        }
                    }
                    true
                }
                WatchRequest::RolloutStatus(status) => !status.stream(events, sim.now(), out),
            }
        });
    }
}

/// Runs one console line (without watch streaming; see [`Console`]).
pub fn run_line(sim: &mut Sim, line: &str, files: &dyn Files) -> Output {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Output::default();
    }
    let words = match split_words(line) {
        Ok(w) => w,
        Err(e) => return Output::error(format!("error: {e}")),
    };
    let rest = &words[1..];
    match words[0].as_str() {
        "kubectl" | "k" => kubectl::run(sim, rest, files),
        "advance" => match rest.first().map(|d| parse_duration(d)) {
            Some(Ok(d)) => {
                sim.advance(d);
                Output::ok(format!("now {}\n", sim.now()))
            }
            Some(Err(e)) => Output::error(format!("error: {e}")),
            None => Output::error("error: advance needs a duration, e.g. `advance 30s`"),
        },
        "step" => {
            let n = match rest.first().map(|n| n.parse::<u64>()) {
                None => 1,
                Some(Ok(n)) => n,
                Some(Err(_)) => return Output::error(format!("error: step takes a count, not \"{}\"", rest[0])),
            };
            let mut ran = 0;
            while ran < n && sim.step() {
                ran += 1;
            }
            Output::ok(format!("ran {ran} step(s); now {}; {} pending\n", sim.now(), sim.pending()))
        }
        "settle" => {
            let limit = match rest.first().map(|n| n.parse::<u64>()) {
                None => 100_000,
                Some(Ok(n)) => n,
                Some(Err(_)) => return Output::error(format!("error: settle takes a step limit, not \"{}\"", rest[0])),
            };
            match sim.settle(limit) {
                Settled::Quiescent { steps } => Output::ok(format!("settled after {steps} step(s); now {}\n", sim.now())),
                Settled::LimitReached { steps, pending } => Output::ok(format!(
                    "stopped at the limit of {steps} step(s) with {pending} task(s) pending; now {}\n",
                    sim.now()
                )),
            }
        }
        "events" => match sim.actions().last() {
            Some(action) => Output::ok(chain_of(sim.store(), action.id, &action.summary, action.at).to_text()),
            None => Output::ok("no actions yet\n"),
        },
        "time" => Output::ok(format!("{}\n", sim.now())),
        "node" => node_command(sim, rest),
        "internet" => internet_command(sim, rest),
        "addon" => addon_command(sim, rest),
        "load" => load_command(sim, rest),
        "trace" => crate::trace_command::trace(sim, rest),
        "pcap" => crate::trace_command::pcap(sim, rest, files),
        "network" => crate::trace_command::network(sim, rest),
        "why" => crate::why_command::why(sim, rest),
        other => Output::error(format!(
            "error: unknown command \"{other}\"; commands are kubectl, advance, step, settle, events, time, node, internet, addon, load, trace, pcap, network, why"
        )),
    }
}

/// Splits `-n NS` / `--namespace NS` (default `default`) from the other words; None when the
/// flag has no value.
pub(crate) fn take_namespace(rest: &[String]) -> Option<(String, Vec<&str>)> {
    let mut ns = "default".to_string();
    let mut words = Vec::new();
    let mut it = rest.iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-n" | "--namespace" => ns = it.next()?.clone(),
            _ => words.push(w.as_str()),
        }
    }
    Some((ns, words))
}

/// `load [-n NS] [deployment/]NAME MILLICORES|off`: the CPU each pod of a Deployment uses, as
/// metrics-server will report it (to drive the HorizontalPodAutoscaler and `kubectl top`).
fn load_command(sim: &mut Sim, rest: &[String]) -> Output {
    let usage = "error: usage: load [-n NAMESPACE] deployment/NAME MILLICORES (e.g. `load deployment/web 250`, or `off`)";
    let Some((ns, words)) = take_namespace(rest) else { return Output::error(usage) };
    let [target, amount] = words[..] else { return Output::error(usage) };
    let name = match target.split_once('/') {
        Some(("deployment" | "deployments" | "deploy" | "deployment.apps", n)) => n,
        Some(_) => return Output::error("error: load applies to deployments only (deployment/NAME)"),
        None => target,
    };
    let key = crate::store::ObjectRef::new(crate::api::Kind::Deployment, Some(&ns), name);
    if sim.get(&key).is_none() {
        return Output::error(format!("Error from server (NotFound): deployments.apps \"{name}\" not found"));
    }
    let millis = match amount.trim_end_matches('m') {
        "off" => None,
        n => match n.parse::<u64>() {
            Ok(m) => Some(m),
            Err(_) => return Output::error(format!("error: \"{amount}\" is not a CPU amount in millicores (e.g. 250 or 250m), or off")),
        },
    };
    sim.metrics_mut().set_load(&ns, name, millis);
    match millis {
        Some(m) => Output::ok(format!("deployment.apps/{name}: each running pod now uses {m}m CPU\n")),
        None => Output::ok(format!("deployment.apps/{name}: load removed\n")),
    }
}

/// `addon ingress-nginx`: applies the ingress-nginx controller's manifest (`kubectl apply -f
/// deploy.yaml`), as a cluster administrator installs it.
fn addon_command(sim: &mut Sim, rest: &[String]) -> Output {
    match rest.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["ingress-nginx"] => {
            let report = sim.apply("deploy.yaml", &crate::sim::ingress_nginx::manifest());
            let mut out = String::new();
            for o in &report.outcomes {
                out.push_str(&o.to_kubectl_line());
                out.push('\n');
            }
            if report.ok() {
                Output::ok(out)
            } else {
                Output::error(out)
            }
        }
        _ => Output::error("error: usage: addon ingress-nginx"),
    }
}

/// `internet -- COMMAND [ARG…]`: runs a command on the internet host outside the cluster
/// (203.0.113.10), the client of NodePort, LoadBalancer and Ingress requests from outside.
fn internet_command(sim: &mut Sim, rest: &[String]) -> Output {
    let Some("--") = rest.first().map(String::as_str) else {
        return Output::error("error: usage: internet -- COMMAND [ARG...]");
    };
    let argv = &rest[1..];
    let at = crate::shell::net::At::internet();
    crate::shell::net::run(sim, &at, argv).unwrap_or_else(|| crate::shell::run(crate::shell::Host::Node { name: "internet" }, argv))
}

/// `node NAME -- COMMAND [ARG…]`: runs a command on the node's simulated host.
/// `node add`: a machine joins. `node NAME stop|start`: its kubelet stops or comes back.
fn node_command(sim: &mut Sim, rest: &[String]) -> Output {
    let usage = "error: usage: node NAME -- COMMAND [ARG...] | node add | node NAME stop | node NAME start";
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    match words[..] {
        ["add"] => {
            return match sim.add_node() {
                Ok(name) => Output::ok(format!("{name} joined the cluster\n")),
                Err(e) => Output::error(format!("error: {e}")),
            }
        }
        [name, "stop"] => {
            return match sim.stop_kubelet(name) {
                Ok(()) => Output::ok(format!(
                    "the kubelet on {name} stopped; the node controller will notice once its lease is more than {} old\n",
                    crate::time::go_duration(crate::controllers::nodelifecycle::GRACE_PERIOD.0)
                )),
                Err(e) => Output::error(format!("error: {e}")),
            }
        }
        [name, "start"] => {
            return match sim.start_kubelet(name) {
                Ok(()) => Output::ok(format!("the kubelet on {name} is running again\n")),
                Err(e) => Output::error(format!("error: {e}")),
            }
        }
        _ => {}
    }
    let (Some(name), Some("--")) = (rest.first(), rest.get(1).map(String::as_str)) else {
        return Output::error(usage);
    };
    let key = crate::store::ObjectRef::new(crate::api::Kind::Node, None, name);
    if sim.get(&key).is_none() {
        return Output::error(format!("error: there is no node \"{name}\" (see `kubectl get nodes`)"));
    }
    let argv = &rest[2..];
    crate::shell::net::run(sim, &crate::shell::net::At::node(name), argv)
        .unwrap_or_else(|| crate::shell::run(crate::shell::Host::Node { name }, argv))
}
