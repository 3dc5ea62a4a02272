//! User-visible strings in English and Simplified Chinese. Kubernetes and Linux terms that
//! students type or read in real tools (Deployment, kubectl, resourceVersion…) stay as they are.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn from_code(code: &str) -> Lang {
        if code.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// Every string the UI shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    Tagline,
    ManifestHeading,
    ManifestLabel,
    Apply,
    OutputHeading,
    OutputEmpty,
    ObjectsHeading,
    ColKind,
    ColNamespace,
    ColName,
    ColResourceVersion,
    ColAge,
    LineColumn,
    Line,
    Language,
    SimplifiedNote,
    ConsoleHeading,
    ConsoleLabel,
    TraceHeading,
    TraceEmpty,
    TracePcapHint,
    TraceSteps,
    TracePrev,
    TraceNext,
    TraceAll,
    TraceCount,
    TracePosition,
    TraceTable,
    ColTime,
    ColPlace,
    ColDevice,
    ColStage,
    ColDetail,
    HostNamespace,
    Router,
    InternetHost,
    CloudLb,
    Crossing,
    TraceResult,
    HeadersHeading,
    HeadersHint,
    HeaderChanged,
    InnerPacket,
}

pub fn t(lang: Lang, text: Text) -> &'static str {
    use Text::*;
    match (lang, text) {
        (Lang::En, Tagline) => "a Kubernetes cluster you can see through",
        (Lang::Zh, Tagline) => "一个可以看透的 Kubernetes 集群",
        (Lang::En, ManifestHeading) => "Manifest",
        (Lang::Zh, ManifestHeading) => "清单（Manifest）",
        (Lang::En, ManifestLabel) => "YAML or JSON manifest to apply",
        (Lang::Zh, ManifestLabel) => "要 apply 的 YAML 或 JSON 清单",
        (Lang::En, Apply) => "Apply",
        (Lang::Zh, Apply) => "应用（apply）",
        (Lang::En, OutputHeading) => "kubectl apply -f manifest.yaml",
        (Lang::Zh, OutputHeading) => "kubectl apply -f manifest.yaml",
        (Lang::En, OutputEmpty) => "Press Apply to send the manifest to the API server.",
        (Lang::Zh, OutputEmpty) => "点击“应用”，把清单发送给 API server。",
        (Lang::En, ObjectsHeading) => "Objects in the cluster",
        (Lang::Zh, ObjectsHeading) => "集群中的对象",
        (_, ColKind) => "KIND",
        (_, ColNamespace) => "NAMESPACE",
        (_, ColName) => "NAME",
        (_, ColResourceVersion) => "RESOURCEVERSION",
        (_, ColAge) => "AGE",
        (Lang::En, LineColumn) => "line {line}, column {column}",
        (Lang::Zh, LineColumn) => "第 {line} 行，第 {column} 列",
        (Lang::En, Line) => "line {line}",
        (Lang::Zh, Line) => "第 {line} 行",
        (Lang::En, Language) => "Language",
        (Lang::Zh, Language) => "语言",
        (Lang::En, SimplifiedNote) => {
            "What runs: the API server (defaults, validation, admission), the scheduler, the workload, storage and service-account controllers, the HPA, endpoints, node lifecycle and one simulated kubelet per node (probes, environment, volumes), whose containers come from a catalog of simulated images. The network data path runs too: each pod's namespace, veth pair and the cni0 bridge, routes and ARP, flannel's vxlan, udp or host-gw overlay with its masquerade rules, and netfilter on every node: iptables tables and chains, conntrack and NAT, which `iptables-save`, `iptables -S` and `conntrack -L` show on a node. kube-proxy runs in iptables mode (ClusterIP, NodePort, LoadBalancer, masquerade); `network proxy-mode ipvs` or `userspace` restarts it in IPVS mode (virtual servers on kube-ipvs0, `ipvsadm -Ln`, `ipset list`) or the old userspace mode (kube-proxy's own sockets relay each connection). Outside the cluster a router, a simulated cloud load balancer (its forwarding written as iptables rules, which real ones are not) and an internet host at 203.0.113.10 are reachable; ip-masq-agent runs when its pod does, and an ingress-nginx controller pod (`addon ingress-nginx` installs one) routes Ingresses, connecting to the backend pods itself. CoreDNS runs as pods behind the kube-dns Service and answers `nslookup`, `dig` and traces to a name, each query a packet on the path; `curl` and `wget` resolve names the same way, connect through Services and get the answer of the server that accepted the connection. A policy agent on each node enforces NetworkPolicy on new connections. `trace`, `ip`, `bridge fdb`, `ping` and `tcpdump` show the path hop by hop (times in traces are illustrative). Not simulated: IPv6, TLS, health-check probes as packets, the HTTP response's own segments in traces; tools whose work is not simulated say so rather than invent output."
        }
        (Lang::Zh, SimplifiedNote) => {
            "已在运行：API server（默认值、校验、准入）、调度器、工作负载/存储/ServiceAccount 控制器、HPA、Endpoints、节点生命周期控制器，以及每个节点上一个模拟的 kubelet（探针、环境变量、卷），容器来自一份模拟镜像目录。网络数据路径同样在运行：每个 Pod 的网络命名空间、veth 对和 cni0 网桥、路由与 ARP，flannel 的 vxlan、udp 或 host-gw 覆盖网络及其地址伪装（masquerade）规则，以及每个节点上的 netfilter：iptables 的表和链、连接跟踪（conntrack）和 NAT，可在节点上用 `iptables-save`、`iptables -S`、`conntrack -L` 查看。kube-proxy 以 iptables 模式运行（ClusterIP、NodePort、LoadBalancer、地址伪装）；`network proxy-mode ipvs` 或 `userspace` 会让它以 IPVS 模式（虚拟服务器地址位于 kube-ipvs0，可用 `ipvsadm -Ln`、`ipset list` 查看）或旧的 userspace 模式（由 kube-proxy 自己的套接字转接每个连接）重新启动。集群之外有一台路由器、一个模拟的云负载均衡器（其转发以 iptables 规则写成，真实的云负载均衡器并非如此）以及位于 203.0.113.10 的互联网主机；ip-masq-agent 在其 Pod 运行时生效；ingress-nginx 控制器 Pod（`addon ingress-nginx` 可安装）按 Ingress 路由，并自己连接后端 Pod。CoreDNS 以 Pod 形式运行在 kube-dns Service 之后，应答 `nslookup`、`dig` 以及按名称发起的 trace，每次查询都作为数据包走过这条路径；`curl` 和 `wget` 也以同样方式解析名称，经由 Service 建立连接，并得到接受该连接的服务器的应答。每个节点上的策略代理对新连接执行 NetworkPolicy。`trace`、`ip`、`bridge fdb`、`ping`、`tcpdump` 可以逐跳查看这条路径（trace 中的时间仅作示意）。未模拟：IPv6、TLS、作为数据包的健康检查探测、trace 中 HTTP 响应本身的报文段；尚未模拟的工具会如实说明，而不会编造输出。"
        }
        (Lang::En, ConsoleHeading) => "Console",
        (Lang::Zh, ConsoleHeading) => "控制台",
        (Lang::En, ConsoleLabel) => "Command (kubectl …, advance 30s, settle, events, load deployment/NAME 200, node add, node NAME stop|start, node NAME -- CMD, internet -- CMD, trace pod/NAME IP:PORT or CLUSTER-IP:PORT, network proxy-mode ipvs, addon ingress-nginx, pcap FILE, why pod/NAME)",
        (Lang::Zh, ConsoleLabel) => "命令（kubectl …、advance 30s、settle、events、load deployment/名称 200、node add、node 名称 stop|start、node 名称 -- 命令、internet -- 命令、trace pod/名称 IP:端口 或 CLUSTER-IP:端口、network proxy-mode ipvs、addon ingress-nginx、pcap 文件、why pod/名称）",
        (Lang::En, TraceHeading) => "Packet trace",
        (Lang::Zh, TraceHeading) => "数据包追踪",
        (Lang::En, TraceEmpty) => "Follow one packet hop by hop: run `trace pod/NAME IP:PORT` in the console (or `trace node/NAME IP`, `trace external IP:PORT`). Trace to a Service with `trace pod/NAME CLUSTER-IP:PORT` (or `SERVICE:PORT`, looked up in DNS first) to watch kube-proxy's rules DNAT it to a pod.",
        (Lang::Zh, TraceEmpty) => "逐跳跟随一个数据包：在控制台运行 `trace pod/名称 IP:端口`（或 `trace node/名称 IP`、`trace external IP:端口`）。用 `trace pod/名称 CLUSTER-IP:端口`（或 `SERVICE:端口`，先经 DNS 解析）追踪到 Service，可以看到 kube-proxy 的规则把它 DNAT 到某个 Pod。",
        (Lang::En, TracePcapHint) => "`pcap trace.pcap` in the console downloads these frames for Wireshark.",
        (Lang::Zh, TracePcapHint) => "在控制台输入 `pcap trace.pcap`，即可下载这些帧，用 Wireshark 打开。",
        (Lang::En, TraceSteps) => "Step through the hops",
        (Lang::Zh, TraceSteps) => "逐跳查看",
        (Lang::En, TracePrev) => "← Previous hop",
        (Lang::Zh, TracePrev) => "← 上一跳",
        (Lang::En, TraceNext) => "Next hop →",
        (Lang::Zh, TraceNext) => "下一跳 →",
        (Lang::En, TraceAll) => "Show all",
        (Lang::Zh, TraceAll) => "显示全部",
        (Lang::En, TraceCount) => "{total} hops",
        (Lang::Zh, TraceCount) => "共 {total} 跳",
        (Lang::En, TracePosition) => "hop {n} of {total}",
        (Lang::Zh, TracePosition) => "第 {n} 跳，共 {total} 跳",
        (Lang::En, TraceTable) => "Hops of the last trace, grouped by machine",
        (Lang::Zh, TraceTable) => "最近一次追踪的各跳，按机器分组",
        (Lang::En, ColTime) => "Time (ms)",
        (Lang::Zh, ColTime) => "时间（毫秒）",
        (Lang::En, ColPlace) => "Place",
        (Lang::Zh, ColPlace) => "位置",
        (Lang::En, ColDevice) => "Device",
        (Lang::Zh, ColDevice) => "设备",
        (Lang::En, ColStage) => "Stage",
        (Lang::Zh, ColStage) => "阶段",
        (Lang::En, ColDetail) => "Detail",
        (Lang::Zh, ColDetail) => "详情",
        (Lang::En, HostNamespace) => "host",
        (Lang::Zh, HostNamespace) => "主机",
        (Lang::En, Router) => "router (outside the cluster)",
        (Lang::Zh, Router) => "路由器（集群外）",
        (Lang::En, InternetHost) => "internet host (203.0.113.10, outside the cluster)",
        (Lang::Zh, InternetHost) => "互联网主机（203.0.113.10，集群外）",
        (Lang::En, CloudLb) => "cloud load balancer (simulated with iptables rules; real ones are not)",
        (Lang::Zh, CloudLb) => "云负载均衡器（用 iptables 规则模拟，真实的并非如此）",
        (Lang::En, Crossing) => "from {from}, across the underlay",
        (Lang::Zh, Crossing) => "经底层网络从 {from} 而来",
        (Lang::En, TraceResult) => "Result:",
        (Lang::Zh, TraceResult) => "结果：",
        (Lang::En, HeadersHeading) => "Headers at hop {n}, outermost first",
        (Lang::Zh, HeadersHeading) => "第 {n} 跳的报文头（由外到内）",
        (Lang::En, HeadersHint) => "Step to a hop (Next hop, or click a row) to see its full header stack.",
        (Lang::Zh, HeadersHint) => "前进到某一跳（点“下一跳”或点击某一行），即可看到它完整的报文头。",
        (Lang::En, HeaderChanged) => "changed since the previous hop",
        (Lang::Zh, HeaderChanged) => "与上一跳相比有变化",
        (Lang::En, InnerPacket) => "inner packet",
        (Lang::Zh, InnerPacket) => "内层报文",
    }
}

/// A short Chinese gloss shown next to a trace stage's name (the name itself stays as the
/// tools print it); None in English.
pub fn stage_gloss(lang: Lang, stage: &str) -> Option<&'static str> {
    if lang != Lang::Zh {
        return None;
    }
    Some(match stage {
        "send" => "发送",
        "route" => "路由",
        "neighbour" => "邻居解析",
        "arp" => "地址解析",
        "transmit" => "发出",
        "receive" => "收到",
        "bridge" => "网桥",
        "forward" => "转发",
        "encapsulate" => "封装",
        "decapsulate" => "解封装",
        "flanneld" => "用户态",
        "underlay" => "底层网络",
        "deliver" => "送达",
        "netfilter" => "防火墙/NAT",
        "ipvs" => "IPVS 负载均衡",
        "drop" => "丢弃",
        _ => return None,
    })
}

/// What a trace stage means, for its tooltip.
pub fn stage_help(lang: Lang, stage: &str) -> &'static str {
    match (lang, stage) {
        (Lang::En, "send") => "a socket (or the kernel) hands the packet to the IP layer",
        (Lang::Zh, "send") => "套接字（或内核）把数据包交给 IP 层",
        (Lang::En, "route") => "the routing table picks the device and the next hop",
        (Lang::Zh, "route") => "路由表选出出口设备和下一跳",
        (Lang::En, "neighbour" | "arp") => "finding the next hop's MAC address (neighbour cache, ARP)",
        (Lang::Zh, "neighbour" | "arp") => "查找下一跳的 MAC 地址（邻居表、ARP）",
        (Lang::En, "transmit") => "the frame leaves this device",
        (Lang::Zh, "transmit") => "帧从这个设备发出",
        (Lang::En, "receive") => "the frame arrives on this device",
        (Lang::Zh, "receive") => "帧到达这个设备",
        (Lang::En, "bridge") => "the bridge learns the sender and looks up where the frame goes",
        (Lang::Zh, "bridge") => "网桥学习源地址，并查找帧该去哪个端口",
        (Lang::En, "forward") => "IP forwarding between devices: the TTL goes down by one",
        (Lang::Zh, "forward") => "在设备之间做 IP 转发：TTL 减一",
        (Lang::En, "encapsulate") => "the frame is wrapped in outer headers to cross to another machine",
        (Lang::Zh, "encapsulate") => "帧被包上外层报文头，以便跨到另一台机器",
        (Lang::En, "decapsulate") => "the outer headers are removed; the inner packet goes on",
        (Lang::Zh, "decapsulate") => "去掉外层报文头，内层报文继续前进",
        (Lang::En, "flanneld") => "flanneld in user space reads the packet from flannel0 and sends it in UDP",
        (Lang::Zh, "flanneld") => "用户态的 flanneld 从 flannel0 读出数据包，再用 UDP 发出",
        (Lang::En, "underlay") => "the physical network carries the frame between machines",
        (Lang::Zh, "underlay") => "物理网络在机器之间传送帧",
        (Lang::En, "deliver") => "the packet reaches its socket (or the kernel answers it)",
        (Lang::Zh, "deliver") => "数据包到达套接字（或由内核应答）",
        (Lang::En, "netfilter") => "netfilter at a hook: conntrack, the iptables rules the packet matched (as -j TRACE logs them), NAT",
        (Lang::Zh, "netfilter") => "netfilter 钩子：连接跟踪、数据包命中的 iptables 规则（与 -j TRACE 的记录相同）、地址转换",
        (Lang::En, "ipvs") => "IPVS takes a packet for a virtual server: its scheduler picks a real server and the destination is rewritten",
        (Lang::Zh, "ipvs") => "IPVS 接管发往虚拟服务的数据包：调度器选出一个真实服务器，并改写目的地址",
        (Lang::En, "drop") => "the packet is dropped here",
        (Lang::Zh, "drop") => "数据包在这里被丢弃",
        _ => "",
    }
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, text: Text, args: &[(&str, String)]) -> String {
    let mut s = t(lang, text).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn placeholders_fill_in_both_languages() {
        let args = [("line", "3".to_string()), ("column", "7".to_string())];
        assert_eq!(tf(Lang::En, Text::LineColumn, &args), "line 3, column 7");
        assert_eq!(tf(Lang::Zh, Text::LineColumn, &args), "第 3 行，第 7 列");
        assert_eq!(Lang::from_code("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_code("en-GB"), Lang::En);
    }

    #[wasm_bindgen_test]
    fn every_trace_stage_has_a_gloss_and_help() {
        let stages = ["send", "route", "neighbour", "arp", "transmit", "receive", "bridge", "forward", "encapsulate", "decapsulate", "flanneld", "underlay", "deliver", "netfilter", "ipvs", "drop"];
        for stage in stages {
            assert!(stage_gloss(Lang::Zh, stage).is_some(), "{stage}");
            assert_eq!(stage_gloss(Lang::En, stage), None);
            assert!(!stage_help(Lang::En, stage).is_empty() && !stage_help(Lang::Zh, stage).is_empty(), "{stage}");
        }
    }
}
