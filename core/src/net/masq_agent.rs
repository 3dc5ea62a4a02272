//! ip-masq-agent (kubernetes-sigs/ip-masq-agent, `cmd/ip-masq-agent/ip-masq-agent.go`): its
//! configuration and the nat rules it writes on its node.
//!
//! The agent reads `/etc/config/ip-masq-agent` (the ConfigMap `kube-system/ip-masq-agent`, key
//! `config`, YAML or JSON) on every resync. Without the file it uses its defaults: the RFC 1918
//! ranges as nonMasqueradeCIDRs (plus the other reserved ranges when started with
//! `--nomasq-all-reserved-ranges`), `cidrLimit` 64, `masqLinkLocal` false, `resyncInterval`
//! 60s. A file replaces the defaults field by field (Go's JSON decoding: keys match case
//! insensitively, unknown keys are ignored), then is validated; a file that fails keeps the
//! previous configuration and the error is logged.
//!
//! Each sync ensures the chain (`IP-MASQ-AGENT`, or `--masq-chain`), appends the POSTROUTING
//! jump if it is missing (`-m addrtype ! --dst-type LOCAL`), and restores the chain whole: a
//! RETURN for 169.254.0.0/16 unless `masqLinkLocal`, one RETURN per IPv4 nonMasqueradeCIDR in
//! the order given, and the MASQUERADE that must be last.
//!
//! Simplified: IPv6 (`--enable-ipv6`, `masqLinkLocalIPv6`) is not modelled and IPv6 CIDRs are
//! refused as with the flag off; YAML syntax errors carry this YAML parser's wording, not
//! go-yaml's. The netfilter model has no MASQUERADE port range, so when the rule with
//! `--to-ports 32768-65535` cannot be restored it is installed without that option.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::Value;

use super::netfilter::{parse, Netfilter, TableId};
use crate::api::decode::json_kind;
use crate::time::SimDuration;

/// The image's repository (any registry path ending in it, any tag).
pub const IMAGE: &str = "networking/ip-masq-agent";
/// The ConfigMap the DaemonSet mounts, its namespace and key.
pub const CONFIG_MAP: (&str, &str, &str) = ("kube-system", "ip-masq-agent", "config");
const LINK_LOCAL: &str = "169.254.0.0/16";
const RFC1918: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const RESERVED: [&str; 8] = ["100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"];

/// The agent's command-line flags that change what it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    /// `--masq-chain` (default `IP-MASQ-AGENT`).
    pub chain: String,
    /// `--nomasq-all-reserved-ranges` (default false).
    pub all_reserved: bool,
    /// `--random-fully` (default true).
    pub random_fully: bool,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags { chain: "IP-MASQ-AGENT".to_string(), all_reserved: false, random_fully: true }
    }
}

impl Flags {
    /// The flags from the container's command and args (Go's flag syntax: `--name`,
    /// `--name=value`, `-name value`); unknown flags are ignored.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Flags {
        let mut f = Flags::default();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_ref().trim_start_matches('-');
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a, None),
            };
            let truth = |v: &Option<String>| v.as_deref().is_none_or(|v| matches!(v, "true" | "1" | "t" | "T" | "TRUE" | "True"));
            match name {
                "nomasq-all-reserved-ranges" => f.all_reserved = truth(&value),
                "random-fully" => f.random_fully = truth(&value),
                "masq-chain" => match value {
                    Some(v) => f.chain = v,
                    None => {
                        i += 1;
                        if let Some(v) = args.get(i) {
                            f.chain = v.as_ref().to_string();
                        }
                    }
                },
                _ => {}
            }
            i += 1;
        }
        f
    }
}

/// The agent's configuration (`MasqConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub non_masquerade_cidrs: Vec<String>,
    pub cidr_limit: i64,
    pub masq_link_local: bool,
    pub resync_interval: SimDuration,
}

impl Config {
    /// `NewMasqConfig`: the defaults.
    pub fn defaults(flags: &Flags) -> Config {
        let mut cidrs: Vec<String> = RFC1918.iter().map(|s| s.to_string()).collect();
        if flags.all_reserved {
            cidrs.extend(RESERVED.iter().map(|s| s.to_string()));
        }
        Config { non_masquerade_cidrs: cidrs, cidr_limit: 64, masq_link_local: false, resync_interval: SimDuration::from_secs(60) }
    }

    /// The configuration from the file's text (`syncConfig`): the defaults overwritten by the
    /// keys given, then validated. The error is the one the agent logs.
    pub fn from_file(text: &str, flags: &Flags) -> Result<Config, String> {
        let mut c = Config::defaults(flags);
        let doc: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_norway::from_str(text).map_err(|e| format!("yaml: {e}"))?
        };
        match doc {
            Value::Null => {}
            Value::Object(map) => {
                for (key, v) in &map {
                    c.set(key, v)?;
                }
            }
            other => return Err(format!("json: cannot unmarshal {} into Go value of type main.MasqConfig", json_kind(&other))),
        }
        c.validate()?;
        Ok(c)
    }

    /// One key as Go's `encoding/json` decodes it into `MasqConfig` (names case-insensitive).
    fn set(&mut self, key: &str, v: &Value) -> Result<(), String> {
        let mismatch = |field: &str, want: &str, got: &Value| format!("json: cannot unmarshal {} into Go struct field MasqConfig.{field} of type {want}", json_kind(got));
        match key.to_ascii_lowercase().as_str() {
            "nonmasqueradecidrs" => match v {
                Value::Null => self.non_masquerade_cidrs.clear(),
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Value::String(s) => out.push(s.clone()),
                            other => return Err(mismatch("nonMasqueradeCIDRs", "string", other)),
                        }
                    }
                    self.non_masquerade_cidrs = out;
                }
                other => return Err(mismatch("nonMasqueradeCIDRs", "[]string", other)),
            },
            "cidrlimit" => match v {
                Value::Null => {}
                Value::Number(n) => match n.as_i64() {
                    Some(i) => self.cidr_limit = i,
                    None => return Err(format!("json: cannot unmarshal number {n} into Go struct field MasqConfig.cidrLimit of type int")),
                },
                other => return Err(mismatch("cidrLimit", "int", other)),
            },
            "masqlinklocal" => match v {
                Value::Null => {}
                Value::Bool(b) => self.masq_link_local = *b,
                other => return Err(mismatch("masqLinkLocal", "bool", other)),
            },
            "resyncinterval" => match v {
                Value::String(s) => self.resync_interval = go_duration(s)?,
                Value::Null => {}
                other => return Err(format!("expected string value for unmarshal to field of type Duration, got {:?}", other.to_string())),
            },
            _ => {}
        }
        Ok(())
    }

    /// `validate`: at most `cidrLimit` CIDRs, each parsed and aligned.
    fn validate(&self) -> Result<(), String> {
        let n = self.non_masquerade_cidrs.len() as i64;
        if n > self.cidr_limit {
            return Err(format!("the daemon can only accept up to {} CIDRs (excluding link-local), but got {n} CIDRs (excluding link local)", self.cidr_limit));
        }
        for cidr in &self.non_masquerade_cidrs {
            let net = parse_cidr(cidr)?;
            if net.addr() != net.network() {
                return Err(format!("CIDR {cidr:?} is not aligned to a CIDR block, ip: {:?} network: {:?}", net.addr().to_string(), net.trunc().to_string()));
            }
        }
        Ok(())
    }
}


/// Go's `net.ParseCIDR` for IPv4 (an IPv6 CIDR is refused as the agent does without
/// `--enable-ipv6`).
fn parse_cidr(cidr: &str) -> Result<Ipv4Net, String> {
    let bad = || format!("CIDR {cidr:?} could not be parsed, invalid CIDR address: {cidr}");
    let (addr, len) = cidr.split_once('/').ok_or_else(bad)?;
    if addr.contains(':') {
        return Err(format!("ipv6 is not enabled, but ipv6 cidr {cidr} provided. Enable ipv6 using --enable-ipv6 agent flag"));
    }
    let ip: Ipv4Addr = addr.parse().map_err(|_| bad())?;
    if len.is_empty() || len.len() > 2 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let len: u8 = len.parse().map_err(|_| bad())?;
    Ipv4Net::new(ip, len).map_err(|_| bad())
}

/// Go's `time.ParseDuration` (through the crate's parser), with Go's error text.
fn go_duration(s: &str) -> Result<SimDuration, String> {
    crate::time::parse_duration(s).map_err(|_| format!("time: invalid duration {s:?}"))
}

const JUMP_COMMENT: &str = "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom {chain} chain";
const NON_MASQ_COMMENT: &str = "-m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\"";
const MASQ_COMMENT: &str = "-m comment --comment \"ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)\"";

/// The POSTROUTING rule the agent ensures (appended when missing), after `-A POSTROUTING`.
pub fn jump_spec(flags: &Flags) -> String {
    let comment = JUMP_COMMENT.replace("{chain}", &flags.chain);
    format!("-m comment --comment \"{comment}\" -m addrtype ! --dst-type LOCAL -j {}", flags.chain)
}

/// What the agent hands to `iptables-restore --noflush` for `config` (`syncMasqRules`).
pub fn restore_input(config: &Config, flags: &Flags) -> String {
    let chain = &flags.chain;
    let mut out = format!("*nat\n:{chain} - [0:0]\n");
    let mut ret = |cidr: &str| out.push_str(&format!("-A {chain} {NON_MASQ_COMMENT} -d {cidr} -j RETURN\n"));
    if !config.masq_link_local {
        ret(LINK_LOCAL);
    }
    for cidr in config.non_masquerade_cidrs.iter().filter(|c| !c.contains(':')) {
        ret(cidr);
    }
    let random = if flags.random_fully { " --random-fully" } else { "" };
    out.push_str(&format!("-A {chain} {MASQ_COMMENT} -j MASQUERADE --to-ports 32768-65535{random}\nCOMMIT\n"));
    out
}

/// One sync of the agent's rules into a node's netfilter: the chain, the POSTROUTING jump
/// (appended unless an identical rule is there) and the chain's rules.
pub fn sync(nf: &mut Netfilter, config: &Config, flags: &Flags) -> Result<(), String> {
    let chain = &flags.chain;
    if nf.tables.get(TableId::Nat).chain(chain).is_none() {
        nf.restore(&format!("*nat\n:{chain} - [0:0]\nCOMMIT\n"))?;
    }
    let spec = jump_spec(flags);
    let jump = parse::rule(&parse::words(&spec)?)?;
    let present = nf.tables.get(TableId::Nat).chain("POSTROUTING").is_some_and(|c| c.rules.iter().any(|r| **r == jump));
    if !present {
        nf.restore(&format!("*nat\n-A POSTROUTING {spec}\nCOMMIT\n"))?;
    }
    let input = restore_input(config, flags);
    match nf.restore(&input) {
        Ok(()) => Ok(()),
        Err(_) => nf.restore(&input.replace(" --to-ports 32768-65535", "")),
    }
}

/// Takes the agent's rules out of a node's netfilter: the POSTROUTING jump, then the chain
/// (what an administrator runs after removing the agent; the agent itself never does).
pub fn remove(nf: &mut Netfilter, flags: &Flags) -> Result<(), String> {
    let jump = parse::rule(&parse::words(&jump_spec(flags))?)?;
    let tables = std::sync::Arc::make_mut(&mut nf.tables);
    let nat = tables.get_mut(TableId::Nat);
    if let Some(c) = nat.chain_mut("POSTROUTING") {
        c.rules.retain(|r| **r != jump);
        c.quick = None;
    }
    if let Some(c) = nat.chain_mut(&flags.chain) {
        c.rules.clear();
        c.quick = None;
        nat.delete(&flags.chain)?;
    }
    nat.reindex();
    Ok(())
}
