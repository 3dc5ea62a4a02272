//! kube-proxy's `--proxy-mode`: how Services are implemented on every node.

/// How kube-proxy implements Services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyMode {
    /// iptables rules: KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… DNAT (the default).
    #[default]
    Iptables,
    /// IPVS virtual servers on the `kube-ipvs0` addresses, with ipsets and a few iptables
    /// rules for masquerade and filtering.
    Ipvs,
    /// kube-proxy itself accepts each connection and opens another to a backend (removed
    /// from kube-proxy in v1.26).
    Userspace,
}

impl ProxyMode {
    /// The name `--proxy-mode` takes.
    pub fn name(self) -> &'static str {
        match self {
            ProxyMode::Iptables => "iptables",
            ProxyMode::Ipvs => "ipvs",
            ProxyMode::Userspace => "userspace",
        }
    }
}

impl std::str::FromStr for ProxyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "iptables" => Ok(ProxyMode::Iptables),
            "ipvs" => Ok(ProxyMode::Ipvs),
            "userspace" => Ok(ProxyMode::Userspace),
            _ => Err(format!("unknown proxy mode \"{s}\": choose iptables, ipvs or userspace")),
        }
    }
}
