//! `kubectl describe statefulset` and `kubectl describe daemonset`: a daemon set on every node
//! of a three-node cluster, a stateful set with a claim template, and the update strategies.

use super::{describe_after, lines, obj};
use crate::kubectl::describe::*;
use crate::time::SimTime;

#[test]
fn describe_daemonset_on_three_nodes() {
    let got = describe_after(
        r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluentd, namespace: kube-system, labels: {k8s-app: fluentd-logging}}
spec:
  selector: {matchLabels: {name: fluentd}}
  template:
    metadata: {labels: {name: fluentd}}
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
      containers:
      - name: fluentd
        image: nginx:1.25
        resources: {limits: {memory: 200Mi}, requests: {cpu: 100m, memory: 200Mi}}
"#,
        130,
        "kubectl describe daemonset fluentd -n kube-system",
    );
    assert_eq!(
        got,
        lines(&[
            "Name:           fluentd",
            "Namespace:      kube-system",
            "Selector:       name=fluentd",
            "Node-Selector:  <none>",
            "Labels:         k8s-app=fluentd-logging",
            "Annotations:    <none>",
            "Desired Number of Nodes Scheduled: 3",
            "Current Number of Nodes Scheduled: 3",
            "Number of Nodes Scheduled with Up-to-date Pods: 3",
            "Number of Nodes Scheduled with Available Pods: 3",
            "Number of Nodes Misscheduled: 0",
            "Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed",
            "Pod Template:",
            "  Labels:  name=fluentd",
            "  Containers:",
            "   fluentd:",
            "    Image:      nginx:1.25",
            "    Port:       <none>",
            "    Host Port:  <none>",
            "    Limits:",
            "      memory:  200Mi",
            "    Requests:",
            "      cpu:         100m",
            "      memory:      200Mi",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     node-role.kubernetes.io/control-plane:NoSchedule op=Exists",
            "Events:",
            "  Type    Reason            Age    From                  Message",
            "  ----    ------            ----   ----                  -------",
            "  Normal  SuccessfulCreate  2m10s  daemonset-controller  Created pod: fluentd-nlhc9",
            "  Normal  SuccessfulCreate  2m10s  daemonset-controller  Created pod: fluentd-gk69d",
            "  Normal  SuccessfulCreate  2m10s  daemonset-controller  Created pod: fluentd-dhs9s",
        ])
    );
}

#[test]
fn describe_statefulset_with_claim_template() {
    let got = describe_after(
        r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: nginx}}
  serviceName: nginx
  replicas: 2
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.8
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"#,
        130,
        "kubectl describe statefulset web",
    );
    assert_eq!(
        got,
        lines(&[
            "Name:               web",
            "Namespace:          default",
            "CreationTimestamp:  Mon, 01 Jan 2024 00:00:00 +0000",
            "Selector:           app=nginx",
            "Labels:             <none>",
            "Annotations:        <none>",
            "Replicas:           2 desired | 2 total",
            "Update Strategy:    RollingUpdate",
            "  Partition:        0",
            "Pods Status:        2 Running / 0 Waiting / 0 Succeeded / 0 Failed",
            "Pod Template:",
            "  Labels:  app=nginx",
            "  Containers:",
            "   nginx:",
            "    Image:        registry.k8s.io/nginx-slim:0.8",
            "    Port:         80/TCP",
            "    Host Port:    0/TCP",
            "    Environment:  <none>",
            "    Mounts:",
            "      /usr/share/nginx/html from www (rw)",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
            "Volume Claims:",
            "  Name:          www",
            "  StorageClass:  ",
            "  Labels:        <none>",
            "  Annotations:   <none>",
            "  Capacity:      1Gi",
            "  Access Modes:  [ReadWriteOnce]",
            "Events:",
            "  Type    Reason            Age    From                    Message",
            "  ----    ------            ----   ----                    -------",
            "  Normal  SuccessfulCreate  2m10s  statefulset-controller  create Claim www-web-0 Pod web-0 in StatefulSet web success",
            "  Normal  SuccessfulCreate  2m10s  statefulset-controller  create Pod web-0 in StatefulSet web successful",
            "  Normal  SuccessfulCreate  2m7s   statefulset-controller  create Claim www-web-1 Pod web-1 in StatefulSet web success",
            "  Normal  SuccessfulCreate  2m7s   statefulset-controller  create Pod web-1 in StatefulSet web successful",
        ])
    );
}

/// The strategy lines and the claim template block for several specs.
#[test]
fn statefulset_strategy_and_claim_lines() {
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "updateStrategy: {type: OnDelete}",
            "",
            &["Update Strategy:    OnDelete", "Pods Status:        0 Running / 0 Waiting / 0 Succeeded / 0 Failed"],
        ),
        (
            "updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2, maxUnavailable: 50%}}",
            "",
            &["Update Strategy:    RollingUpdate", "  Partition:        2", "  MaxUnavailable:   50%", "Pods Status:        0 Running / 0 Waiting / 0 Succeeded / 0 Failed"],
        ),
        (
            // maxUnavailable is printed only together with a partition.
            "updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}",
            "  volumeClaimTemplates:\n  - metadata: {name: data, labels: {tier: db}, annotations: {volume.beta.kubernetes.io/storage-class: fast}}\n    spec: {storageClassName: standard, accessModes: [ReadWriteOnce, ReadOnlyMany]}\n",
            &["Update Strategy:    RollingUpdate", "Pods Status:        0 Running / 0 Waiting / 0 Succeeded / 0 Failed"],
        ),
    ];
    for (strategy, claims, want) in cases {
        let ss = obj(&format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: default}}\nspec:\n  selector: {{matchLabels: {{app: db}}}}\n  serviceName: db\n  {strategy}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      containers: [{{name: db, image: redis}}]\n{claims}"
        ));
        let got = describe(&ss, &DescribeContext::default(), SimTime(0));
        let body: Vec<&str> = got.lines().skip_while(|l| !l.starts_with("Update Strategy:")).take_while(|l| !l.starts_with("Pod Template:")).collect();
        assert_eq!(body, want, "{strategy}\n{got}");
        if claims.is_empty() {
            // The line joins the pod template's alignment block.
            assert!(got.ends_with("  Tolerations:     <none>\nVolume Claims:     <none>\n"), "{got}");
        } else {
            let tail: Vec<&str> = got.lines().skip_while(|l| !l.starts_with("Volume Claims:")).collect();
            assert_eq!(
                tail,
                [
                    "Volume Claims:",
                    "  Name:          data",
                    "  StorageClass:  fast",
                    "  Labels:        tier=db",
                    "  Annotations:   volume.beta.kubernetes.io/storage-class=fast",
                    "  Capacity:      <default>",
                    "  Access Modes:  [ReadWriteOnce ReadOnlyMany]",
                ]
            );
        }
    }
}

#[test]
fn bare_sets_describe_without_panicking() {
    for kind in ["StatefulSet", "DaemonSet"] {
        let o = obj(&format!("apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{selector: {{}}, template: {{}}}}\n"));
        let out = describe(&o, &DescribeContext::default(), SimTime(0));
        assert!(out.starts_with("Name:") && out.contains("Pods Status:"), "{kind}: {out}");
    }
}
