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
            "What runs: the API server (defaults, validation, admission), the scheduler, the workload controllers, the HPA, endpoints, node lifecycle and one simulated kubelet per node, whose containers come from a catalog of simulated images. Pods get real addresses from each node's podCIDR, but the network data path between them is not simulated yet: trace, ip and curl say so."
        }
        (Lang::Zh, SimplifiedNote) => {
            "已在运行：API server（默认值、校验、准入）、调度器、工作负载控制器、HPA、Endpoints、节点生命周期控制器，以及每个节点上一个模拟的 kubelet，容器来自一份模拟镜像目录。Pod 会从所在节点的 podCIDR 获得真实地址，但它们之间的网络数据路径尚未模拟：trace、ip、curl 会如实说明。"
        }
        (Lang::En, ConsoleHeading) => "Console",
        (Lang::Zh, ConsoleHeading) => "控制台",
        (Lang::En, ConsoleLabel) => "Command (kubectl …, advance 30s, settle, events, load deployment/NAME 200, node add, node NAME stop|start, node NAME -- CMD)",
        (Lang::Zh, ConsoleLabel) => "命令（kubectl …、advance 30s、settle、events、load deployment/名称 200、node add、node 名称 stop|start、node 名称 -- 命令）",
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
