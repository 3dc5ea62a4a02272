//! NodePorts: a pod's `hostPort`s must be free on the node. `0.0.0.0` conflicts with every
//! address; the same port on different protocols or different specific addresses does not.

use crate::scheduler::cache::{HostPort, NodeInfo};
use crate::scheduler::framework::{PodCtx, Status};

pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

fn conflicts(want: &HostPort, used: &HostPort) -> bool {
    let (ip, proto, port) = want;
    let (uip, uproto, uport) = used;
    port == uport && proto == uproto && (ip == uip || ip == "0.0.0.0" || uip == "0.0.0.0")
}

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    if pod.ports.is_empty() || node.used_ports.is_empty() {
        return None;
    }
    let clash = pod.ports.iter().any(|w| node.used_ports.keys().any(|u| conflicts(w, u)));
    clash.then(|| Status::unschedulable(vec![ERR_REASON.to_string()]))
}
