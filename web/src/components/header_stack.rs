//! The selected hop's header stack, one header per line, outermost first. Headers inside a
//! tunnel (after VXLAN, or after flanneld's UDP) are indented under an "inner packet" mark, and
//! every line that differs from the previous hop's (a TTL gone down, a header added or removed)
//! is marked, so that encapsulation and each forwarding step stand out.

use yew::prelude::*;

use crate::i18n::{t, tf, Lang, Text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The hop's position in the trace, from 0.
    pub index: usize,
    /// Its headers, outermost first.
    pub headers: Vec<String>,
    /// The previous hop's headers (None for the first hop).
    pub previous: Option<Vec<String>>,
}

/// One header line, laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    /// The protocol: `eth`, `arp`, `ip`, `icmp`, `udp`, `tcp`, `vxlan`.
    pub proto: String,
    pub text: String,
    /// 0 for the outer packet, 1 inside one tunnel.
    pub depth: usize,
    /// Not among the previous hop's headers.
    pub changed: bool,
}

/// Lays out `headers` against the previous hop's.
pub fn header_lines(headers: &[String], previous: Option<&[String]>) -> Vec<HeaderLine> {
    let mut depth = 0;
    let mut out = Vec::with_capacity(headers.len());
    for (i, text) in headers.iter().enumerate() {
        let proto = text.split(' ').next().unwrap_or("").to_string();
        let changed = previous.is_some_and(|p| !p.contains(text));
        out.push(HeaderLine { proto: proto.clone(), text: text.clone(), depth, changed });
        // What follows a VXLAN header is an Ethernet frame; what follows a UDP datagram
        // carrying an IP packet (flanneld's udp backend) is that packet.
        let next_is_ip = headers.get(i + 1).is_some_and(|n| n.starts_with("ip "));
        if proto == "vxlan" || (proto == "udp" && next_is_ip) {
            depth += 1;
        }
    }
    out
}

#[function_component(HeaderStack)]
pub fn header_stack(props: &Props) -> Html {
    let lang = props.lang;
    let lines = header_lines(&props.headers, props.previous.as_deref());
    let changed_label = t(lang, Text::HeaderChanged);
    html! {
        <div id="trace-headers" class="header-stack" aria-live="polite">
            <h3>{ tf(lang, Text::HeadersHeading, &[("n", (props.index + 1).to_string())]) }</h3>
            <ol>
                { for lines.iter().enumerate().map(|(i, l)| {
                    let starts_inner = l.depth > 0 && lines.get(i.wrapping_sub(1)).is_some_and(|p| p.depth < l.depth);
                    html! {
                        <li class={ classes!("header", format!("proto-{}", l.proto), format!("depth-{}", l.depth.min(3)), l.changed.then_some("changed")) }
                            data-proto={ l.proto.clone() }>
                            if starts_inner { <span class="inner-mark">{ t(lang, Text::InnerPacket) }</span> }
                            <code>{ &l.text }</code>
                            if l.changed { <span class="changed-mark" title={ changed_label }>{ "●" }<span class="visually-hidden">{ changed_label }</span></span> }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn v(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[wasm_bindgen_test]
    fn vxlan_nests_the_inner_frame_and_a_new_ttl_is_marked() {
        let before = v(&["eth a > b", "ip 10.244.0.2 > 10.244.1.2 ttl 63", "tcp 1 > 80 [S]"]);
        let after = v(&["ip 192.168.56.11 > 192.168.56.12 ttl 64", "udp 1 > 8472", "vxlan vni 1", "eth a > b", "ip 10.244.0.2 > 10.244.1.2 ttl 63", "tcp 1 > 80 [S]"]);
        let lines = header_lines(&after, Some(&before[..]));
        let depths: Vec<usize> = lines.iter().map(|l| l.depth).collect();
        assert_eq!(depths, [0, 0, 0, 1, 1, 1]);
        let changed: Vec<bool> = lines.iter().map(|l| l.changed).collect();
        assert_eq!(changed, [true, true, true, false, false, false]);
        assert_eq!(lines[2].proto, "vxlan");
    }

    #[wasm_bindgen_test]
    fn flanneld_udp_nests_the_inner_packet() {
        let lines = header_lines(&v(&["ip 1 > 2 ttl 64", "udp 3 > 8285", "ip 10.244.0.2 > 10.244.1.2 ttl 62", "icmp echo request id 1 seq 1"]), None);
        let depths: Vec<usize> = lines.iter().map(|l| l.depth).collect();
        assert_eq!(depths, [0, 0, 1, 1]);
        assert!(lines.iter().all(|l| !l.changed), "nothing is marked without a previous hop");
    }
}
