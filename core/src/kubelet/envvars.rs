//! The naming rules of container environment variables, as pure functions: the variables the
//! kubelet derives from Services (`pkg/kubelet/envvars`), the `$(VAR)` expansion of env values
//! and commands (`third_party/forked/golang/expansion`), and how the container runtime merges
//! the image's env with the kubelet's (containerd's replace-or-append).
//!
//! Service variables: for each Service with a cluster IP (headless and IP-less ones are skipped)
//! `{SVC}_SERVICE_HOST`, `{SVC}_SERVICE_PORT` (first port), `{SVC}_SERVICE_PORT_{NAME}` per named
//! port, then the Docker-link variables `{SVC}_PORT` (first port) and per port
//! `{SVC}_PORT_{PORT}_{PROTO}` with `_PROTO`, `_PORT`, `_ADDR`. Names are upper-cased with `-`
//! turned into `_`. The kubelet keeps them in a Go map, so their order inside a container is
//! random; here services come in name order and each service's variables in the order above.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;

/// One variable.
pub type Var = (String, String);

/// `my-svc` → `MY_SVC` (the kubelet's `makeEnvVariableName`).
pub fn env_name(name: &str) -> String {
    name.replace('-', "_").to_uppercase()
}

/// The variables one Service contributes (empty for headless or IP-less Services).
pub fn service_vars(svc: &Service, out: &mut Vec<Var>) {
    let Some(spec) = svc.spec.as_ref() else { return };
    let ip = spec.cluster_ip.as_deref().unwrap_or("");
    if ip.is_empty() || ip == "None" {
        return;
    }
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    let Some(first) = ports.first() else { return };
    let prefix = env_name(svc.metadata.name.as_deref().unwrap_or(""));
    out.push((format!("{prefix}_SERVICE_HOST"), ip.to_string()));
    let port_name = format!("{prefix}_SERVICE_PORT");
    out.push((port_name.clone(), first.port.to_string()));
    for p in ports {
        if let Some(n) = p.name.as_deref().filter(|n| !n.is_empty()) {
            out.push((format!("{port_name}_{}", env_name(n)), p.port.to_string()));
        }
    }
    // net.JoinHostPort: IPv6 addresses are bracketed.
    let host = if ip.contains(':') { format!("[{ip}]") } else { ip.to_string() };
    for (i, p) in ports.iter().enumerate() {
        let proto = p.protocol.as_deref().filter(|p| !p.is_empty()).unwrap_or("TCP");
        let url = format!("{}://{host}:{}", proto.to_lowercase(), p.port);
        if i == 0 {
            out.push((format!("{prefix}_PORT"), url.clone()));
        }
        let pp = format!("{prefix}_PORT_{}_{}", p.port, proto.to_uppercase());
        out.push((pp.clone(), url));
        out.push((format!("{pp}_PROTO"), proto.to_lowercase()));
        out.push((format!("{pp}_PORT"), p.port.to_string()));
        out.push((format!("{pp}_ADDR"), ip.to_string()));
    }
}

/// Expands `$(VAR)` references in `input` with `lookup`; `$$` is an escaped `$`; an unknown or
/// unterminated reference is left as written (Kubernetes' `expansion.Expand`).
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let b = input.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.extend_from_slice(&b[checkpoint..cursor]);
            let rest = &b[cursor + 1..];
            let advance = match rest[0] {
                b'$' => {
                    out.push(b'$');
                    1
                }
                b'(' => match rest.iter().position(|&c| c == b')') {
                    Some(end) => {
                        let name = String::from_utf8_lossy(&rest[1..end]);
                        match lookup(&name) {
                            Some(v) => out.extend_from_slice(v.as_bytes()),
                            None => out.extend_from_slice(format!("$({name})").as_bytes()),
                        }
                        end + 1
                    }
                    None => {
                        out.extend_from_slice(b"$(");
                        1
                    }
                },
                c => {
                    out.push(b'$');
                    out.push(c);
                    1
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.extend_from_slice(&b[checkpoint.min(b.len())..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// The runtime's env merge (containerd's `WithEnv`): a variable already present is replaced in
/// place, a new one is appended.
pub fn replace_or_append(env: &mut Vec<Var>, name: &str, value: &str) {
    match env.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => env.push((name.to_string(), value.to_string())),
    }
}

/// The default `PATH` of the OCI runtime spec and of most images.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The `Env` of an image's config besides `PATH`, for the catalog images whose env people look
/// at (others are reduced to `PATH`). `{version}` is the image tag.
pub fn image_env(repository: &str) -> &'static [(&'static str, &'static str)] {
    match repository {
        "nginx" => &[
            ("NGINX_VERSION", "{version}"),
            ("NJS_VERSION", "0.8.7"),
            ("NJS_RELEASE", "1~bookworm"),
            ("PKG_RELEASE", "1~bookworm"),
            ("DYNPKG_RELEASE", "1~bookworm"),
        ],
        "redis" => &[("GOSU_VERSION", "1.17"), ("REDIS_VERSION", "{version}")],
        "postgres" => &[("GOSU_VERSION", "1.17"), ("LANG", "en_US.utf8"), ("PG_MAJOR", "17"), ("PGDATA", "/var/lib/postgresql/data")],
        "python" => &[("LANG", "C.UTF-8"), ("PYTHON_VERSION", "{version}")],
        "golang" => &[("GOLANG_VERSION", "{version}"), ("GOTOOLCHAIN", "local"), ("GOPATH", "/go")],
        "node" => &[("NODE_VERSION", "{version}"), ("YARN_VERSION", "1.22.22")],
        _ => &[],
    }
}

/// The environment as the container's process sees it: the runtime's default `PATH`,
/// `HOSTNAME`, the image's env, the kubelet's variables, then `HOME` if nothing set it (runc
/// adds it for the root user).
pub fn process_env(hostname: &str, repository: Option<&str>, tag: &str, kubelet: &[Var]) -> Vec<Var> {
    let mut env = vec![("PATH".to_string(), DEFAULT_PATH.to_string()), ("HOSTNAME".to_string(), hostname.to_string())];
    if let Some(repo) = repository {
        let version = if tag == "latest" { "1.27.3" } else { tag };
        for (k, v) in image_env(repo) {
            replace_or_append(&mut env, k, &v.replace("{version}", version));
        }
    }
    for (k, v) in kubelet {
        replace_or_append(&mut env, k, v);
    }
    if !env.iter().any(|(k, _)| k == "HOME") {
        env.push(("HOME".to_string(), "/root".to_string()));
    }
    env
}

/// A map view of variables for lookups (the last definition wins).
pub fn as_map(vars: &[Var]) -> BTreeMap<&str, &str> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(v: serde_json::Value) -> Service {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn service_variables_follow_the_kubelet_naming_rules() {
        let mut out = Vec::new();
        service_vars(
            &svc(serde_json::json!({"metadata": {"name": "my-svc"}, "spec": {"clusterIP": "10.96.3.4", "ports": [
                {"name": "http", "port": 80, "protocol": "TCP"},
                {"name": "dns-udp", "port": 53, "protocol": "UDP"}]}})),
            &mut out,
        );
        let got: Vec<String> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            got,
            [
                "MY_SVC_SERVICE_HOST=10.96.3.4",
                "MY_SVC_SERVICE_PORT=80",
                "MY_SVC_SERVICE_PORT_HTTP=80",
                "MY_SVC_SERVICE_PORT_DNS_UDP=53",
                "MY_SVC_PORT=tcp://10.96.3.4:80",
                "MY_SVC_PORT_80_TCP=tcp://10.96.3.4:80",
                "MY_SVC_PORT_80_TCP_PROTO=tcp",
                "MY_SVC_PORT_80_TCP_PORT=80",
                "MY_SVC_PORT_80_TCP_ADDR=10.96.3.4",
                "MY_SVC_PORT_53_UDP=udp://10.96.3.4:53",
                "MY_SVC_PORT_53_UDP_PROTO=udp",
                "MY_SVC_PORT_53_UDP_PORT=53",
                "MY_SVC_PORT_53_UDP_ADDR=10.96.3.4",
            ]
        );
        // Headless, IP-less and port-less Services contribute nothing.
        for spec in [
            serde_json::json!({"clusterIP": "None", "ports": [{"port": 80}]}),
            serde_json::json!({"ports": [{"port": 80}]}),
            serde_json::json!({"clusterIP": "10.96.0.9"}),
        ] {
            let mut out = Vec::new();
            service_vars(&svc(serde_json::json!({"metadata": {"name": "x"}, "spec": spec})), &mut out);
            assert!(out.is_empty(), "{spec}");
        }
        // An unnamed single port and the default protocol.
        let mut out = Vec::new();
        service_vars(&svc(serde_json::json!({"metadata": {"name": "db"}, "spec": {"clusterIP": "fd00::10", "ports": [{"port": 5432}]}})), &mut out);
        assert_eq!(out[2], ("DB_PORT".to_string(), "tcp://[fd00::10]:5432".to_string()));
        assert_eq!(out.len(), 7);
    }

    #[test]
    fn names_are_upper_cased_with_dashes_as_underscores() {
        for (name, want) in [("kubernetes", "KUBERNETES"), ("my-svc", "MY_SVC"), ("a-b-c1", "A_B_C1"), ("redis-leader", "REDIS_LEADER")] {
            assert_eq!(env_name(name), want);
        }
    }

    #[test]
    fn expansion_matches_kubernetes() {
        let vars = BTreeMap::from([("A", "alpha"), ("B", "$(A)")]);
        let lookup = |n: &str| vars.get(n).map(|v| v.to_string());
        for (input, want) in [
            ("$(A)", "alpha"),
            ("x-$(A)-y", "x-alpha-y"),
            ("$(A)$(A)", "alphaalpha"),
            ("$$(A)", "$(A)"),
            ("$$$(A)", "$alpha"),
            ("$$$$(A)", "$$(A)"),
            ("$(MISSING)", "$(MISSING)"),
            ("$(A", "$(A"),
            ("$A", "$A"),
            ("cost: 5$", "cost: 5$"),
            ("$(B)", "$(A)"),
            ("$()", "$()"),
            ("héllo $(A) wörld", "héllo alpha wörld"),
            ("", ""),
        ] {
            assert_eq!(expand(input, &lookup), want, "{input}");
        }
    }

    #[test]
    fn process_env_merges_like_the_runtime() {
        let kubelet = vec![("NGINX_VERSION".to_string(), "mine".to_string()), ("A".to_string(), "1".to_string())];
        let env = process_env("web-0", Some("nginx"), "1.27.3", &kubelet);
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["PATH", "HOSTNAME", "NGINX_VERSION", "NJS_VERSION", "NJS_RELEASE", "PKG_RELEASE", "DYNPKG_RELEASE", "A", "HOME"]);
        assert_eq!(as_map(&env)["NGINX_VERSION"], "mine");
        let env = process_env("b", None, "latest", &[("HOME".to_string(), "/data".to_string())]);
        assert_eq!(env.last().unwrap(), &("HOME".to_string(), "/data".to_string()));
    }
}
