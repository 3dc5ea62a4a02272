//! The words of a netfilter hop in English and Simplified Chinese: labels, and the help shown
//! as tooltips for hooks, conntrack states, NAT targets and verdicts. Hook names, conntrack
//! states and targets themselves stay as the kernel and iptables print them; Chinese gets a
//! short gloss beside a conntrack state.

use crate::i18n::Lang;

/// A label of the netfilter hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfText {
    /// The disclosure's summary: `-j TRACE: {n} lines`.
    TraceLines,
    TraceHelp,
    NewEntry,
    NewEntryHelp,
    Bridged,
    BridgedHelp,
    /// A reply's badge: `undo {target}`.
    NatUndo,
    /// After the badge of a rewrite conntrack applied without the nat table.
    NatByConntrack,
    NatByConntrackHelp,
    /// `{target} undone for the reply`: a reply's rewrite, in the header stack.
    HeadersNatReply,
    /// `{target} at this hop`.
    HeadersNat,
    Destination,
    Source,
}

pub fn nf_t(lang: Lang, text: NfText) -> &'static str {
    use NfText::*;
    match (lang, text) {
        (Lang::En, TraceLines) => "-j TRACE: {n} lines",
        (Lang::Zh, TraceLines) => "-j TRACE：{n} 条记录",
        (Lang::En, TraceHelp) => {
            "every rule the packet matched, every return from a user chain and every policy applied, in order, as the kernel logs them for the TRACE target"
        }
        (Lang::Zh, TraceHelp) => "数据包依次命中的每条规则、每次从自定义链返回、每次应用的链默认策略，与内核为 TRACE 目标记录的日志一致",
        (Lang::En, NewEntry) => "new entry",
        (Lang::Zh, NewEntry) => "新建条目",
        (Lang::En, NewEntryHelp) => "this packet created the connection's conntrack entry (conntrack -L lists it)",
        (Lang::Zh, NewEntryHelp) => "这个数据包创建了该连接的 conntrack 条目（conntrack -L 可以看到）",
        (Lang::En, Bridged) => "bridged, br_netfilter",
        (Lang::Zh, Bridged) => "桥接，br_netfilter",
        (Lang::En, BridgedHelp) => {
            "the frame is being bridged (cni0 to a pod on this node), not routed; with br_netfilter (net.bridge.bridge-nf-call-iptables = 1) bridged IP traffic passes iptables too"
        }
        (Lang::Zh, BridgedHelp) => {
            "帧在网桥上转发（经 cni0 送往本节点的 Pod），而不是路由；加载 br_netfilter 后（net.bridge.bridge-nf-call-iptables = 1），桥接的 IP 流量同样要经过 iptables"
        }
        (Lang::En, NatUndo) => "undo {target}",
        (Lang::Zh, NatUndo) => "还原 {target}",
        (Lang::En, NatByConntrack) => "(conntrack)",
        (Lang::Zh, NatByConntrack) => "（conntrack）",
        (Lang::En, NatByConntrackHelp) => {
            "conntrack rewrites this packet with the mapping the connection's first packet got from a rule; the nat table is not consulted again"
        }
        (Lang::Zh, NatByConntrackHelp) => "conntrack 按该连接首个数据包由规则选定的映射改写这个包，不再查询 nat 表",
        (Lang::En, HeadersNat) => "{target} at this hop: {field} {from} → {to}",
        (Lang::Zh, HeadersNat) => "本跳做了 {target}：{field} {from} → {to}",
        (Lang::En, HeadersNatReply) => "{target} undone for the reply: {field} {from} → {to}",
        (Lang::Zh, HeadersNatReply) => "为回复报文还原 {target}：{field} {from} → {to}",
        (Lang::En, Destination) => "destination",
        (Lang::Zh, Destination) => "目的地址",
        (Lang::En, Source) => "source",
        (Lang::Zh, Source) => "源地址",
    }
}

/// What a hook is, for its tooltip.
pub fn hook_help(lang: Lang, hook: &str) -> &'static str {
    match (lang, hook) {
        (Lang::En, "PREROUTING") => "the packet has just arrived, before the routing decision; destination NAT happens here (kube-proxy's KUBE-SERVICES)",
        (Lang::Zh, "PREROUTING") => "数据包刚到达、尚未做路由决策；目的地址转换在这里进行（kube-proxy 的 KUBE-SERVICES）",
        (Lang::En, "INPUT") => "the packet is for this machine itself",
        (Lang::Zh, "INPUT") => "发给本机自身的数据包",
        (Lang::En, "FORWARD") => "the packet passes through this machine on its way elsewhere",
        (Lang::Zh, "FORWARD") => "途经本机、发往别处的数据包",
        (Lang::En, "OUTPUT") => "a packet this machine's own processes send; their destination NAT happens here",
        (Lang::Zh, "OUTPUT") => "本机进程发出的数据包；它们的目的地址转换在这里进行",
        (Lang::En, "POSTROUTING") => "the packet is about to leave, after routing; source NAT and MASQUERADE happen here",
        (Lang::Zh, "POSTROUTING") => "数据包即将发出、路由已完成；源地址转换和 MASQUERADE 在这里进行",
        _ => "",
    }
}

/// A short Chinese gloss beside a conntrack state; None in English.
pub fn ct_gloss(lang: Lang, state: &str) -> Option<&'static str> {
    if lang != Lang::Zh {
        return None;
    }
    Some(match state {
        "NEW" => "新连接",
        "ESTABLISHED" => "已建立",
        "RELATED" => "关联连接",
        "INVALID" => "无效",
        "UNTRACKED" => "不跟踪",
        _ => return None,
    })
}

/// What a conntrack state means, for its tooltip.
pub fn ct_help(lang: Lang, state: &str) -> &'static str {
    match (lang, state) {
        (Lang::En, "NEW") => "conntrack state NEW: the connection has not seen a reply yet",
        (Lang::Zh, "NEW") => "conntrack 状态 NEW：该连接还没有见到回复",
        (Lang::En, "ESTABLISHED") => "conntrack state ESTABLISHED: the connection has seen packets in both directions",
        (Lang::Zh, "ESTABLISHED") => "conntrack 状态 ESTABLISHED：该连接已在两个方向上都有数据包",
        (Lang::En, "RELATED") => "conntrack state RELATED: a packet belonging to an existing connection, such as an ICMP error about it",
        (Lang::Zh, "RELATED") => "conntrack 状态 RELATED：与已有连接相关的数据包，例如关于它的 ICMP 错误",
        (Lang::En, "INVALID") => "conntrack state INVALID: the packet fits no connection",
        (Lang::Zh, "INVALID") => "conntrack 状态 INVALID：数据包不属于任何连接",
        (Lang::En, "UNTRACKED") => "conntrack does not track this packet",
        (Lang::Zh, "UNTRACKED") => "conntrack 不跟踪这个数据包",
        _ => "",
    }
}

/// What a NAT target does, for its badge's tooltip.
pub fn nat_help(lang: Lang, target: &str) -> &'static str {
    match (lang, target) {
        (Lang::En, "DNAT") => "destination NAT: the destination address and port are rewritten; conntrack keeps the mapping for the whole connection",
        (Lang::Zh, "DNAT") => "目的地址转换：改写目的地址和端口；conntrack 为整个连接保存这一映射",
        (Lang::En, "SNAT") => "source NAT: the source address is rewritten; conntrack keeps the mapping for the whole connection",
        (Lang::Zh, "SNAT") => "源地址转换：改写源地址；conntrack 为整个连接保存这一映射",
        (Lang::En, "MASQUERADE") => "source NAT to the address of the device the packet leaves by",
        (Lang::Zh, "MASQUERADE") => "地址伪装：把源地址改为数据包出口设备的地址",
        (Lang::En, "REDIRECT") => "destination NAT to this machine itself",
        (Lang::Zh, "REDIRECT") => "重定向：把目的地址改为本机",
        _ => "",
    }
}

/// The tooltip of a reply's badge: conntrack undoes the connection's `target`.
pub fn nat_undo_help(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "a reply: conntrack reverses the connection's NAT, so the other end sees the address it talked to",
        Lang::Zh => "回复报文：conntrack 反向还原该连接的地址转换，让对端看到的仍是它原先访问的地址",
    }
}

/// What a verdict that stops the packet does, for its tooltip.
pub fn verdict_help(lang: Lang, verdict: &str) -> &'static str {
    match (lang, verdict) {
        (Lang::En, "DROP") => "the packet is discarded without an answer",
        (Lang::Zh, "DROP") => "数据包被丢弃，不作任何回复",
        (Lang::En, "REJECT") => "the packet is discarded and the sender gets an answer (an ICMP error or a TCP reset)",
        (Lang::Zh, "REJECT") => "数据包被丢弃，并回复发送方（ICMP 错误或 TCP RST）",
        _ => "",
    }
}

/// `nf_t` with `{name}` placeholders filled in.
pub fn nf_tf(lang: Lang, text: NfText, args: &[(&str, &str)]) -> String {
    let mut s = nf_t(lang, text).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
#[path = "i18n_netfilter_tests.rs"]
mod tests;
