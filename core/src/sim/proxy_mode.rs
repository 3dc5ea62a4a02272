//! Switching kube-proxy's mode at run time: every node's kube-proxy restarts with the new
//! `--proxy-mode`. On start it removes what the other modes left (its iptables chains and the
//! jumps to them, the IPVS virtual servers, ipsets and `kube-ipvs0`, its own proxy sockets),
//! then syncs at once. Connections tracked before the switch keep their conntrack entries.

use super::Sim;
use crate::controllers::Controller;
use crate::net::kube_proxy::{cleanup::cleanup_input, ProxyMode};
use crate::store::Cause;
use crate::time::SimDuration;

impl Sim {
    /// Restarts kube-proxy on every node in `mode`.
    pub fn set_proxy_mode(&mut self, mode: ProxyMode) {
        let action = self.begin_action(format!("network proxy-mode {}", mode.name()));
        self.config.proxy_mode = mode;
        self.net.config.proxy_mode = mode;
        let roots: Vec<crate::net::NsId> = self.net.nodes().map(|(_, n)| n.root).collect();
        let now = self.now;
        for root in roots {
            if let Some(nf) = self.net.netfilter_mut(root) {
                let input = cleanup_input(&nf.save(None, false, now));
                // Built from the node's own rules, so it applies; a failure leaves them as they were.
                let _ = nf.restore(&input);
            }
            self.net.clear_kube_proxy(root, crate::net::kube_proxy::ipvs_mode::DUMMY_DEVICE);
        }
        self.controllers.kube_proxy_synced = None;
        self.enqueue(Controller::KubeProxy, crate::controllers::kube_proxy::sync_key(), Cause::Action(action), SimDuration::ZERO, false);
        self.after_action();
    }
}
