//! Scenarios for a container's configuration: env from Services, values, ConfigMaps, Secrets
//! and the downward API; volumes and their updates; the errors when a source is missing.

use super::tests::events;
use crate::api::{Kind, Object};
use crate::kubectl::test_support::{kubectl, obj, outcome, sim};
use crate::sim::Sim;
use crate::store::ObjectRef;
use crate::time::SimDuration;

fn create(sim: &mut Sim, yaml: &str) {
    crate::kubectl::test_support::create(sim, yaml);
    sim.after_action();
}

fn update(sim: &mut Sim, o: Object) {
    crate::kubectl::test_support::update(sim, o);
    sim.after_action();
}

fn exec(sim: &mut Sim, pod: &str, cmd: &str) -> String {
    let out = kubectl(sim, &format!("exec {pod} -- {cmd}"));
    assert_eq!(out.status, 0, "{cmd}: {}", out.stderr);
    out.stdout
}

fn waiting(sim: &Sim, name: &str) -> (String, String) {
    let Some(Object::Pod(p)) = sim.get(&ObjectRef::new(Kind::Pod, Some("default"), name)) else { panic!("no pod {name}") };
    let st = p.status.as_ref().and_then(|s| s.container_statuses.as_ref()).and_then(|c| c.first().cloned()).unwrap_or_default();
    let w = st.state.and_then(|s| s.waiting).unwrap_or_default();
    (w.reason.unwrap_or_default(), w.message.unwrap_or_default())
}

fn busybox(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default, labels: {{app: demo, tier: web}}}}\n\
         spec:\n  nodeName: node-1\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\n{extra}"
    )
}

#[test]
fn env_holds_the_services_that_existed_when_the_container_started() {
    let mut s = sim();
    create(&mut s, "apiVersion: v1\nkind: Service\nmetadata: {name: my-svc, namespace: default}\nspec: {ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}], selector: {app: x}}\n");
    create(&mut s, "apiVersion: v1\nkind: Service\nmetadata: {name: headless, namespace: default}\nspec: {clusterIP: None, ports: [{port: 80}], selector: {app: x}}\n");
    create(&mut s, &busybox("plain", ""));
    create(&mut s, &busybox("nolinks", "  enableServiceLinks: false\n"));
    s.advance(SimDuration::from_secs(10));
    let ip = match s.get(&ObjectRef::new(Kind::Service, Some("default"), "my-svc")) {
        Some(Object::Service(svc)) => svc.spec.as_ref().and_then(|sp| sp.cluster_ip.clone()).unwrap_or_default(),
        _ => panic!("service"),
    };
    let env = exec(&mut s, "plain", "env");
    let lines: Vec<&str> = env.lines().collect();
    assert_eq!(lines[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    assert_eq!(lines[1], "HOSTNAME=plain");
    assert_eq!(*lines.last().unwrap(), "HOME=/root");
    for want in [
        "KUBERNETES_SERVICE_HOST=10.96.0.1".to_string(),
        "KUBERNETES_SERVICE_PORT=443".into(),
        "KUBERNETES_SERVICE_PORT_HTTPS=443".into(),
        "KUBERNETES_PORT=tcp://10.96.0.1:443".into(),
        "KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1".into(),
        format!("MY_SVC_SERVICE_HOST={ip}"),
        "MY_SVC_SERVICE_PORT=80".into(),
        "MY_SVC_SERVICE_PORT_HTTP=80".into(),
        "MY_SVC_SERVICE_PORT_DNS=53".into(),
        format!("MY_SVC_PORT=tcp://{ip}:80"),
        format!("MY_SVC_PORT_53_UDP=udp://{ip}:53"),
        "MY_SVC_PORT_53_UDP_PROTO=udp".into(),
    ] {
        assert!(lines.contains(&want.as_str()), "{want} in\n{env}");
    }
    assert!(!env.contains("HEADLESS"), "{env}");
    // Without service links only the kubernetes Service is there.
    let env = exec(&mut s, "nolinks", "env");
    assert!(env.contains("KUBERNETES_SERVICE_HOST=10.96.0.1\n") && !env.contains("MY_SVC"), "{env}");

    // A Service created later is not in the running container's env.
    create(&mut s, "apiVersion: v1\nkind: Service\nmetadata: {name: later, namespace: default}\nspec: {ports: [{port: 8080}], selector: {app: x}}\n");
    s.advance(SimDuration::from_secs(70));
    assert!(!exec(&mut s, "plain", "env").contains("LATER_"));
    create(&mut s, &busybox("newer", ""));
    s.advance(SimDuration::from_secs(5));
    assert_eq!(exec(&mut s, "newer", "printenv LATER_SERVICE_PORT"), "8080\n");
    assert_eq!(exec(&mut s, "newer", "sh -c 'echo $HOSTNAME:$LATER_SERVICE_PORT'"), "newer:8080\n");
    let out = kubectl(&mut s, "exec newer -- printenv NOPE");
    assert_eq!(outcome(&out), ("", "command terminated with exit code 1\n", 1));
}

#[test]
fn values_refs_and_the_downward_api_resolve_at_start() {
    let mut s = sim();
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {mode: fast, LEVEL: '3', app.name: demo}\n");
    create(&mut s, "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\ndata: {password: czNjcjN0}\n");
    let env = "    resources: {limits: {cpu: 500m, memory: 128Mi}}\n    envFrom:\n    - configMapRef: {name: cfg}\n      prefix: CFG_\n    - secretRef: {name: absent, optional: true}\n    env:\n    - {name: GREETING, value: hello}\n    - {name: MSG, value: '$(GREETING) from $(POD_NAME) $$(GREETING) $(NOPE)'}\n    - name: POD_NAME\n      valueFrom: {fieldRef: {fieldPath: metadata.name}}\n    - {name: LATE, value: '$(POD_NAME)'}\n    - name: MODE\n      valueFrom: {configMapKeyRef: {name: cfg, key: mode}}\n    - name: PASSWORD\n      valueFrom: {secretKeyRef: {name: creds, key: password}}\n    - name: MAYBE\n      valueFrom: {configMapKeyRef: {name: cfg, key: nope, optional: true}}\n    - name: TIER\n      valueFrom: {fieldRef: {fieldPath: \"metadata.labels['tier']\"}}\n    - name: NODE\n      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}\n    - name: IP\n      valueFrom: {fieldRef: {fieldPath: status.podIP}}\n    - name: CPU\n      valueFrom: {resourceFieldRef: {resource: limits.cpu}}\n    - name: MEM_MI\n      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}\n    - {name: SVC, value: '$(KUBERNETES_SERVICE_HOST)'}\n";
    create(&mut s, &busybox("vals", env));
    s.advance(SimDuration::from_secs(10));
    let pod_ip = match s.get(&ObjectRef::new(Kind::Pod, Some("default"), "vals")) {
        Some(Object::Pod(p)) => p.status.as_ref().and_then(|st| st.pod_ip.clone()).unwrap_or_default(),
        _ => panic!("pod"),
    };
    let got = exec(&mut s, "vals", "printenv CFG_LEVEL CFG_app.name CFG_mode GREETING MSG POD_NAME LATE MODE PASSWORD TIER NODE IP CPU MEM_MI SVC");
    let want = format!("3\ndemo\nfast\nhello\nhello from $(POD_NAME) $(GREETING) $(NOPE)\nvals\nvals\nfast\ns3cr3t\nweb\nnode-1\n{pod_ip}\n1\n128\n10.96.0.1\n");
    assert_eq!(got, want);
    assert!(!exec(&mut s, "vals", "env").contains("MAYBE="));
    // The process sees the same: `$(VAR)` in the command is expanded by the kubelet, `$VAR` by
    // the shell from the resolved environment.
    create(
        &mut s,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: say, namespace: default}\nspec:\n  nodeName: node-1\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sh, -c, 'echo $(GREETING) $MODE $KUBERNETES_SERVICE_PORT; sleep 3600']\n    env:\n    - {name: GREETING, value: hello}\n    - name: MODE\n      valueFrom: {configMapKeyRef: {name: cfg, key: mode}}\n",
    );
    s.advance(SimDuration::from_secs(5));
    assert_eq!(outcome(&kubectl(&mut s, "logs say")), ("hello fast 443\n", "", 0));
    // The env is fixed at start: a changed ConfigMap does not reach it.
    let mut cm = obj("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {mode: slow}\n");
    cm.metadata_mut().resource_version = None;
    update(&mut s, cm);
    s.advance(SimDuration::from_secs(120));
    assert_eq!(exec(&mut s, "vals", "printenv MODE"), "fast\n");
}

#[test]
fn a_missing_config_map_keeps_the_container_waiting_until_it_appears() {
    let mut s = sim();
    let env = "    env:\n    - name: MODE\n      valueFrom: {configMapKeyRef: {name: late, key: mode}}\n";
    create(&mut s, &busybox("wait", env));
    s.advance(SimDuration::from_secs(5));
    assert_eq!(waiting(&s, "wait"), ("CreateContainerConfigError".to_string(), "configmap \"late\" not found".to_string()));
    assert!(events(&s, "wait").contains(&("Failed".to_string(), "Error: configmap \"late\" not found".to_string())));
    // Without the key.
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: default}\ndata: {other: x}\n");
    s.advance(SimDuration::from_secs(12));
    assert_eq!(waiting(&s, "wait").1, "couldn't find key mode in ConfigMap default/late");
    let mut cm = obj("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: default}\ndata: {mode: ok}\n");
    cm.metadata_mut().resource_version = None;
    update(&mut s, cm);
    s.advance(SimDuration::from_secs(12));
    assert_eq!(waiting(&s, "wait").0, "");
    assert_eq!(exec(&mut s, "wait", "printenv MODE"), "ok\n");
}

#[test]
fn volumes_show_keys_as_files_and_follow_updates_except_sub_paths() {
    let mut s = sim();
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {game.properties: 'lives=3', ui.properties: 'color=blue'}\n");
    create(&mut s, "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\ndata: {username: YWRtaW4=, password: czNjcjN0}\n");
    let mounts = "    volumeMounts:\n    - {name: cfg, mountPath: /etc/config}\n    - {name: cfg, mountPath: /etc/game.properties, subPath: game.properties}\n    - {name: picked, mountPath: /etc/picked}\n    - {name: creds, mountPath: /etc/creds, readOnly: true}\n    - {name: info, mountPath: /etc/podinfo}\n    - {name: scratch, mountPath: /scratch}\n  volumes:\n  - name: cfg\n    configMap: {name: cfg}\n  - name: picked\n    configMap: {name: cfg, items: [{key: ui.properties, path: ui/settings}], defaultMode: 256}\n  - name: creds\n    secret: {secretName: creds}\n  - name: info\n    downwardAPI:\n      items:\n      - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n      - {path: name, fieldRef: {fieldPath: metadata.name}}\n  - name: scratch\n    emptyDir: {}\n";
    create(&mut s, &busybox("vol", mounts));
    s.advance(SimDuration::from_secs(10));
    assert_eq!(exec(&mut s, "vol", "ls /etc/config"), "game.properties\nui.properties\n");
    assert_eq!(exec(&mut s, "vol", "cat /etc/config/game.properties"), "lives=3");
    assert_eq!(exec(&mut s, "vol", "cat /etc/game.properties"), "lives=3");
    assert_eq!(exec(&mut s, "vol", "ls /etc/picked"), "ui\n");
    assert_eq!(exec(&mut s, "vol", "cat /etc/picked/ui/settings"), "color=blue");
    assert_eq!(exec(&mut s, "vol", "cat /etc/creds/username /etc/creds/password"), "admins3cr3t");
    assert_eq!(exec(&mut s, "vol", "cat /etc/podinfo/labels"), "app=\"demo\"\ntier=\"web\"");
    assert_eq!(exec(&mut s, "vol", "ls /scratch"), "");
    // The service-account volume the admission plugin adds.
    let sa = "/var/run/secrets/kubernetes.io/serviceaccount";
    assert_eq!(exec(&mut s, "vol", &format!("ls {sa}")), "ca.crt\nnamespace\ntoken\n");
    assert_eq!(exec(&mut s, "vol", &format!("cat {sa}/namespace")), "default");
    assert!(exec(&mut s, "vol", &format!("cat {sa}/ca.crt")).starts_with("-----BEGIN CERTIFICATE-----"));
    let out = kubectl(&mut s, "exec vol -- cat /etc/config/nope");
    assert_eq!(outcome(&out), ("", "cat: can't open '/etc/config/nope': No such file or directory\ncommand terminated with exit code 1\n", 1));
    assert!(kubectl(&mut s, "exec vol -- cat /etc/passwd").stderr.contains("are simulated, not the rest of its filesystem"));

    // Update: the files follow at the pod's next periodic sync (60 s after its start); the
    // subPath mount keeps what it had.
    let mut cm = obj("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\ndata: {game.properties: 'lives=5', ui.properties: 'color=red'}\n");
    cm.metadata_mut().resource_version = None;
    update(&mut s, cm);
    s.advance(SimDuration::from_secs(1));
    assert_eq!(exec(&mut s, "vol", "cat /etc/config/game.properties"), "lives=3");
    s.advance(SimDuration::from_secs(60));
    assert_eq!(exec(&mut s, "vol", "cat /etc/config/game.properties"), "lives=5");
    assert_eq!(exec(&mut s, "vol", "cat /etc/picked/ui/settings"), "color=red");
    assert_eq!(exec(&mut s, "vol", "cat /etc/game.properties"), "lives=3");
}

#[test]
fn a_missing_config_map_volume_fails_the_mount_until_it_exists() {
    let mut s = sim();
    let mounts = "    volumeMounts:\n    - {name: cfg, mountPath: /etc/config}\n  volumes:\n  - name: cfg\n    configMap: {name: x}\n";
    create(&mut s, &busybox("mnt", mounts));
    s.advance(SimDuration::from_secs(20));
    assert_eq!(waiting(&s, "mnt").0, "ContainerCreating");
    let evs = events(&s, "mnt");
    assert!(evs.contains(&("FailedMount".to_string(), "MountVolume.SetUp failed for volume \"cfg\" : configmap \"x\" not found".to_string())), "{evs:?}");
    assert!(!evs.iter().any(|(r, _)| r == "Pulling" || r == "Pulled"), "{evs:?}");
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\ndata: {k: v}\n");
    s.advance(SimDuration::from_secs(40));
    assert_eq!(waiting(&s, "mnt").0, "");
    assert_eq!(exec(&mut s, "mnt", "cat /etc/config/k"), "v");
}
