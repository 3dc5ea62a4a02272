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
            "What runs: the API server (defaults, validation, admission), the scheduler, the workload, storage and service-account controllers, the HPA, endpoints, node lifecycle and one simulated kubelet per node (probes, environment, volumes), whose containers come from a catalog of simulated images. The network data path runs too: each pod's namespace, veth pair and the cni0 bridge, routes and ARP, and flannel's vxlan, udp or host-gw overlay, which `trace`, `ip`, `bridge fdb`, `ping` and `tcpdump` show hop by hop (times in traces are illustrative). Not simulated yet: iptables (kube-proxy, Services' virtual IPs, masquerade to outside the cluster), DNS and NetworkPolicy; curl, nslookup and iptables-save say so."
        }
        (Lang::Zh, SimplifiedNote) => {
            "已在运行：API server（默认值、校验、准入）、调度器、工作负载/存储/ServiceAccount 控制器、HPA、Endpoints、节点生命周期控制器，以及每个节点上一个模拟的 kubelet（探针、环境变量、卷），容器来自一份模拟镜像目录。网络数据路径同样在运行：每个 Pod 的网络命名空间、veth 对和 cni0 网桥、路由与 ARP，以及 flannel 的 vxlan、udp 或 host-gw 覆盖网络，可用 `trace`、`ip`、`bridge fdb`、`ping`、`tcpdump` 逐跳查看（trace 中的时间仅作示意）。尚未模拟：iptables（kube-proxy、Service 虚拟 IP、访问集群外部时的地址伪装）、DNS 和 NetworkPolicy；curl、nslookup、iptables-save 会如实说明。"
        }
        (Lang::En, ConsoleHeading) => "Console",
        (Lang::Zh, ConsoleHeading) => "控制台",
        (Lang::En, ConsoleLabel) => "Command (kubectl …, advance 30s, settle, events, load deployment/NAME 200, node add, node NAME stop|start, node NAME -- CMD, trace pod/NAME IP:PORT, pcap FILE)",
        (Lang::Zh, ConsoleLabel) => "命令（kubectl …、advance 30s、settle、events、load deployment/名称 200、node add、node 名称 stop|start、node 名称 -- 命令、trace pod/名称 IP:端口、pcap 文件）",
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
}
