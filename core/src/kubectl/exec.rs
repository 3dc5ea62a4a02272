//! `kubectl exec POD [-c CONTAINER] -- COMMAND [ARG…]`: the checks kubectl, the API server and
//! the kubelet make, in their order and words, then the command runs in the container's
//! simulated host (see [`crate::shell`]; the network tools run in the pod's network namespace;
//! commands that change files run against the container's own, `crate::kubelet::exec`).

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::shell::{self, Host};
use crate::sim::Sim;
use crate::store::ObjectRef;

use super::logs::choose_container;
use super::write::namespace;
use super::{Args, Output};

const USAGE_HINT: &str = "See 'kubectl exec -h' for help and examples";

pub fn exec(sim: &mut Sim, args: &Args, rest: &[String]) -> Output {
    let Some(target) = rest.first() else {
        return Output::error(format!(
            "error: expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\n\
             POD or TYPE/NAME is a required argument for the exec command\n{USAGE_HINT}"
        ));
    };
    if rest.len() > 1 {
        return Output::error(format!(
            "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n{USAGE_HINT}"
        ));
    }
    if args.after_dash.is_empty() {
        return Output::error("error: you must specify at least one command for the container");
    }
    let ns = namespace(args);
    let name = match target.split_once('/') {
        Some(("pod" | "pods" | "po", name)) => name,
        Some((other, _)) => {
            return Output::error(format!(
                "error: cannot exec into {other} in this simulator: name a pod (`kubectl exec POD -- COMMAND`)"
            ))
        }
        None => target.as_str(),
    };
    let pod = match sim.get(&ObjectRef::new(Kind::Pod, Some(&ns), name)) {
        Some(Object::Pod(p)) => p.as_ref().clone(),
        _ => return Output::error(format!("Error from server (NotFound): pods \"{name}\" not found")),
    };
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
    if matches!(phase, "Succeeded" | "Failed") {
        return Output::error(format!("error: cannot exec into a container in a completed pod; current phase is {phase}"));
    }
    let mut out = Output::default();
    let container = match args.value("container") {
        Some(c) => c.to_string(),
        None => match choose_container(&pod, None, &mut out) {
            Ok(c) => c,
            Err(e) => return e,
        },
    };
    if pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_none_or(str::is_empty) {
        out.push(Output::error(format!("Error from server (BadRequest): pod {name} does not have a host assigned")));
        return out;
    }
    if !running(&pod, &container) {
        out.push(Output::error(format!("error: unable to upgrade connection: container not found (\"{container}\")")));
        return out;
    }
    let hostname = pod.spec.as_ref().and_then(|s| s.hostname.as_deref()).unwrap_or(name);
    let view = crate::kubelet::view::container_view(sim, &pod, &container, hostname);
    let at = shell::net::At::pod(&ns, name, view.busybox);
    let host = Host::Container { pod: name, hostname, container: &container };
    let ran = shell::net::run(sim, &at, &args.after_dash).or_else(|| {
        let key = ObjectRef::new(Kind::Pod, Some(&ns), name);
        // The user's shell has no variables here: the container's shell expands them.
        let argv: Vec<String> = args.after_dash.iter().map(|w| shell::env::expand(&view, w)).collect();
        // Volumes keep files apart from the container (a PersistentVolume outlives the pod);
        // their contents are not simulated, so a write there is refused rather than faked.
        let changed = crate::kubelet::changed_paths(&argv);
        if changed.is_empty() {
            return None;
        }
        if let Some(mount) = view.mounts.iter().find(|m| changed.iter().any(|p| under(p, m))) {
            return Some(Output::error(format!(
                "fishbowl: writing into the volume mounted at {mount} is not simulated: only files in the container's own filesystem are"
            )));
        }
        match sim.kubelet_mut().exec_changing_files(&key, &container, &argv)? {
            Ok(exit) => {
                let mut o = Output { stdout: exit.stdout, stderr: exit.stderr, ..Output::default() };
                if exit.code != 0 {
                    o.push(shell::env::exit_status(exit.code));
                }
                Some(o)
            }
            Err(_) => None,
        }
    });
    out.push(ran.unwrap_or_else(|| shell::run_in_container(host, &view, &args.after_dash)));
    out
}

/// Is `path` the mount point `mount` or below it?
fn under(path: &str, mount: &str) -> bool {
    path == mount || mount == "/" || path.strip_prefix(mount).is_some_and(|r| r.starts_with('/'))
}

/// Whether the kubelet reports `container` as running.
fn running(pod: &Pod, container: &str) -> bool {
    let status = pod.status.as_ref();
    let all = status.iter().flat_map(|s| {
        s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten())
    });
    all.filter(|c| c.name == container).any(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::test_support::*;

    #[test]
    fn exec_refuses_as_kubectl_the_api_server_and_the_kubelet_do() {
        let mut s = sim();
        create(&mut s, "apiVersion: v1\nkind: Pod\nmetadata: {name: waiting, namespace: default}\nspec: {containers: [{name: app, image: nginx}]}\n");
        create(&mut s, "apiVersion: v1\nkind: Pod\nmetadata: {name: placed, namespace: default}\nspec: {nodeName: node-1, containers: [{name: app, image: nginx}, {name: side, image: busybox}]}\n");
        for (line, stderr) in [
            ("exec", "error: expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command\nSee 'kubectl exec -h' for help and examples\n"),
            ("exec waiting ls", "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples\n"),
            ("exec waiting", "error: you must specify at least one command for the container\n"),
            ("exec nope -- ls", "Error from server (NotFound): pods \"nope\" not found\n"),
            ("exec waiting -- ls", "Error from server (BadRequest): pod waiting does not have a host assigned\n"),
            ("exec placed -c side -- ls", "error: unable to upgrade connection: container not found (\"side\")\n"),
            ("exec placed -- ls", "Defaulted container \"app\" out of: app, side\nerror: unable to upgrade connection: container not found (\"app\")\n"),
        ] {
            let out = kubectl(&mut s, line);
            assert_eq!(outcome(&out), ("", stderr, 1), "{line}");
        }
        // Once the kubelet reports the container running, the command runs there.
        let Some(Object::Pod(p)) = s.get(&ObjectRef::new(Kind::Pod, Some("default"), "placed")).cloned() else {
            panic!("pod stored")
        };
        let mut p = *p;
        let running = k8s_openapi::api::core::v1::ContainerState { running: Some(Default::default()), ..Default::default() };
        p.status.get_or_insert_with(Default::default).container_statuses = Some(vec![k8s_openapi::api::core::v1::ContainerStatus {
            name: "app".into(),
            state: Some(running),
            ..Default::default()
        }]);
        update(&mut s, Object::Pod(Box::new(p)));
        assert_eq!(outcome(&kubectl(&mut s, "exec placed -c app -- hostname")), ("placed\n", "", 0));
        assert_eq!(outcome(&kubectl(&mut s, "exec pod/placed -c side -- hostname")).1, "error: unable to upgrade connection: container not found (\"side\")\n");
    }
}
