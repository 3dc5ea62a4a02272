//! What kube-proxy removes when it starts in another mode (`CleanupLeftovers`, also
//! `kube-proxy --cleanup`): its chains — every `KUBE-` chain — and the rules of the built-in
//! chains that jump to them. Other writers' rules (flannel's, ip-masq-agent's) stay.
//!
//! Built as `iptables-restore --noflush` input from the node's `iptables-save` text: each
//! built-in chain is flushed and its other rules written again in their order (their counters
//! start over), then the `KUBE-` chains are flushed and deleted.

/// The restore input that removes kube-proxy's rules from `saved` (`iptables-save` output,
/// without counters).
pub fn cleanup_input(saved: &str) -> String {
    let mut out = String::new();
    let mut builtins: Vec<&str> = Vec::new();
    let mut ours: Vec<&str> = Vec::new();
    let mut keep: Vec<&str> = Vec::new();
    for line in saved.lines() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(table) = line.strip_prefix('*') {
            out.push('*');
            out.push_str(table);
            out.push('\n');
            (builtins, ours, keep) = (Vec::new(), Vec::new(), Vec::new());
        } else if let Some(decl) = line.strip_prefix(':') {
            let mut parts = decl.split_whitespace();
            let (Some(name), Some(policy)) = (parts.next(), parts.next()) else { continue };
            if policy != "-" {
                builtins.push(name);
            } else if name.starts_with("KUBE-") {
                ours.push(name);
            }
        } else if let Some(rule) = line.strip_prefix("-A ") {
            let chain = rule.split_whitespace().next().unwrap_or("");
            let jumps_to_ours = rule.split_whitespace().skip_while(|w| *w != "-j" && *w != "-g").nth(1).is_some_and(|t| t.starts_with("KUBE-"));
            if builtins.contains(&chain) && !jumps_to_ours {
                keep.push(line);
            }
        } else if line == "COMMIT" {
            for b in &builtins {
                out.push_str("-F ");
                out.push_str(b);
                out.push('\n');
            }
            for c in &ours {
                out.push_str("-F ");
                out.push_str(c);
                out.push('\n');
            }
            for c in &ours {
                out.push_str("-X ");
                out.push_str(c);
                out.push('\n');
            }
            for k in &keep {
                out.push_str(k);
                out.push('\n');
            }
            out.push_str("COMMIT\n");
        }
    }
    out
}
