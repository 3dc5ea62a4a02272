use super::{at, lines, obj};
use crate::api::{Kind, Object};
use crate::kubectl::printers::{print_mixed, print_table, PrintOptions};

fn table(kind: Kind, objs: &[Object], secs: u64, opts: &PrintOptions) -> String {
    let refs: Vec<&Object> = objs.iter().collect();
    let got = print_table(kind, &refs, at(secs), opts);
    assert_eq!(got.stderr, "");
    got.stdout
}

fn deployment() -> Object {
    obj(r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.25"}, {name: sidecar, image: busybox}]}
status: {replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2}
"#)
}

fn replica_set() -> Object {
    obj(r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-7d9c6b8f5, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
status: {replicas: 3, readyReplicas: 2}
"#)
}

#[test]
fn deployments_wide() {
    let opts = PrintOptions { wide: true, ..Default::default() };
    assert_eq!(
        table(Kind::Deployment, &[deployment()], 600, &opts),
        lines(&[
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS      IMAGES               SELECTOR",
            "web    2/3     3            2           10m   nginx,sidecar   nginx:1.25,busybox   app=web",
        ])
    );
}

#[test]
fn services_with_every_type() {
    let svc = |name: &str, spec: &str, status: &str| {
        obj(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: default, creationTimestamp: '2024-01-01T00:00:00Z'}}\nspec: {spec}\nstatus: {status}\n"
        ))
    };
    let objs = vec![
        svc("kubernetes", "{type: ClusterIP, clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1], ports: [{port: 443, protocol: TCP}]}", "{}"),
        svc("web", "{type: NodePort, clusterIPs: [10.96.12.34], selector: {app: web}, ports: [{port: 80, nodePort: 30080}, {port: 443, nodePort: 30443, protocol: TCP}]}", "{}"),
        svc("lb", "{type: LoadBalancer, clusterIPs: [10.96.50.1], selector: {app: lb}, ports: [{port: 80, nodePort: 31000}]}", "{loadBalancer: {}}"),
        svc("lb2", "{type: LoadBalancer, clusterIPs: [10.96.50.2], selector: {app: lb}, ports: [{port: 80, nodePort: 31001}]}", "{loadBalancer: {ingress: [{ip: 203.0.113.10}]}}"),
        svc("ext", "{type: ExternalName, externalName: db.example.com}", "{}"),
    ];
    let opts = PrintOptions { wide: true, ..Default::default() };
    assert_eq!(
        table(Kind::Service, &objs, 3 * 86_400, &opts),
        lines(&[
            "NAME         TYPE           CLUSTER-IP    EXTERNAL-IP      PORT(S)                      AGE   SELECTOR",
            "kubernetes   ClusterIP      10.96.0.1     <none>           443/TCP                      3d    <none>",
            "web          NodePort       10.96.12.34   <none>           80:30080/TCP,443:30443/TCP   3d    app=web",
            "lb           LoadBalancer   10.96.50.1    <pending>        80:31000/TCP                 3d    app=lb",
            "lb2          LoadBalancer   10.96.50.2    203.0.113.10     80:31001/TCP                 3d    app=lb",
            "ext          ExternalName   <none>        db.example.com   <none>                       3d    <none>",
        ])
    );
}

#[test]
fn nodes_wide_with_status_and_roles() {
    let node = |name: &str, labels: &str, spec: &str, status: &str| {
        obj(&format!(
            "apiVersion: v1\nkind: Node\nmetadata: {{name: {name}, creationTimestamp: '2024-01-01T00:00:00Z', labels: {labels}}}\nspec: {spec}\nstatus: {status}\n"
        ))
    };
    let info = "nodeInfo: {kubeletVersion: v1.30.0, osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: 6.1.0-18-amd64, containerRuntimeVersion: 'containerd://1.7.13', machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '', operatingSystem: linux, architecture: amd64}";
    let objs = vec![
        node("control-plane", "{node-role.kubernetes.io/control-plane: ''}", "{}",
            &format!("{{conditions: [{{type: Ready, status: 'True'}}], addresses: [{{type: InternalIP, address: 172.18.0.2}}], {info}}}")),
        node("worker-1", "{}", "{unschedulable: true}",
            &format!("{{conditions: [{{type: MemoryPressure, status: 'False'}}, {{type: Ready, status: 'True'}}], addresses: [{{type: Hostname, address: worker-1}}, {{type: InternalIP, address: 172.18.0.3}}], {info}}}")),
        node("worker-2", "{}", "{}", "{conditions: [{type: Ready, status: 'False'}]}"),
    ];
    let opts = PrintOptions { wide: true, ..Default::default() };
    assert_eq!(
        table(Kind::Node, &objs, 26 * 3600, &opts),
        lines(&[
            "NAME            STATUS                     ROLES           AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME",
            "control-plane   Ready                      control-plane   26h   v1.30.0   172.18.0.2    <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   containerd://1.7.13",
            "worker-1        Ready,SchedulingDisabled   <none>          26h   v1.30.0   172.18.0.3    <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   containerd://1.7.13",
            "worker-2        NotReady                   <none>          26h             <none>        <none>        <unknown>                        <unknown>        <unknown>",
        ])
    );
}

#[test]
fn namespaces_and_events_across_namespaces() {
    let ns = |name: &str, phase: &str| {
        obj(&format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, creationTimestamp: '2024-01-01T00:00:00Z'}}\nstatus: {{phase: {phase}}}\n"))
    };
    let all = PrintOptions { with_namespace: true, ..Default::default() };
    assert_eq!(
        table(Kind::Namespace, &[ns("default", "Active"), ns("dev", "Terminating")], 26 * 3600, &all),
        lines(&["NAME      STATUS        AGE", "default   Active        26h", "dev       Terminating   26h"])
    );
    let events = vec![
        obj(r#"
apiVersion: v1
kind: Event
metadata: {name: web-abc.17a, namespace: default}
involvedObject: {kind: Pod, name: web-abc, namespace: default}
reason: Scheduled
message: Successfully assigned default/web-abc to node-1
type: Normal
firstTimestamp: "2024-01-01T00:08:00Z"
lastTimestamp: "2024-01-01T00:08:00Z"
count: 1
"#),
        obj(r#"
apiVersion: v1
kind: Event
metadata: {name: coredns-x.17b, namespace: kube-system}
involvedObject: {kind: Pod, name: coredns-x, namespace: kube-system}
reason: BackOff
message: "Back-off restarting failed container\n"
type: Warning
firstTimestamp: "2024-01-01T00:05:00Z"
lastTimestamp: "2024-01-01T00:09:00Z"
count: 3
"#),
    ];
    assert_eq!(
        table(Kind::Event, &events, 600, &all),
        lines(&[
            "NAMESPACE     LAST SEEN   TYPE      REASON      OBJECT          MESSAGE",
            "default       2m          Normal    Scheduled   pod/web-abc     Successfully assigned default/web-abc to node-1",
            "kube-system   60s         Warning   BackOff     pod/coredns-x   Back-off restarting failed container",
        ])
    );
}

#[test]
fn config_and_storage_kinds() {
    let t0 = "creationTimestamp: '2024-01-01T00:00:00Z'";
    let cms = vec![
        obj(&format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: game-config, {t0}}}\ndata: {{a: '1', b: '2'}}\nbinaryData: {{c: AAE=}}\n")),
        obj(&format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: kube-root-ca.crt, {t0}}}\ndata: {{ca.crt: x}}\n")),
    ];
    let d = PrintOptions::default();
    assert_eq!(
        table(Kind::ConfigMap, &cms, 600, &d),
        lines(&["NAME               DATA   AGE", "game-config        3      10m", "kube-root-ca.crt   1      10m"])
    );
    let secrets = vec![
        obj(&format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: mysecret, {t0}}}\ntype: Opaque\ndata: {{u: YQ==, p: Yg==}}\n")),
        obj(&format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: tls, {t0}}}\ntype: kubernetes.io/tls\ndata: {{tls.crt: YQ==, tls.key: Yg==}}\n")),
    ];
    assert_eq!(
        table(Kind::Secret, &secrets, 600, &d),
        lines(&[
            "NAME       TYPE                DATA   AGE",
            "mysecret   Opaque              2      10m",
            "tls        kubernetes.io/tls   2      10m",
        ])
    );
    let quota = obj(&format!(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: compute, {t0}}}\nstatus:\n  hard: {{limits.cpu: '2', pods: '10', requests.cpu: '1', requests.memory: 1Gi}}\n  used: {{limits.cpu: 500m, pods: '2', requests.cpu: 250m, requests.memory: 128Mi}}\n"
    ));
    assert_eq!(
        table(Kind::ResourceQuota, &[quota], 600, &d),
        lines(&[
            "NAME      REQUEST                                                        LIMIT                AGE",
            "compute   pods: 2/10, requests.cpu: 250m/1, requests.memory: 128Mi/1Gi   limits.cpu: 500m/2   10m",
        ])
    );
    let sc = obj(&format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: standard, {t0}, annotations: {{storageclass.kubernetes.io/is-default-class: 'true'}}}}\nprovisioner: rancher.io/local-path\nreclaimPolicy: Delete\nvolumeBindingMode: WaitForFirstConsumer\n"
    ));
    assert_eq!(
        table(Kind::StorageClass, &[sc], 600, &d),
        lines(&[
            "NAME                 PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE",
            "standard (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  10m",
        ])
    );
    let pvcs = vec![
        obj(&format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, {t0}}}\nspec: {{volumeName: pvc-123, storageClassName: standard, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\nstatus: {{phase: Bound, accessModes: [ReadWriteOnce], capacity: {{storage: 1Gi}}}}\n")),
        obj(&format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: pending, {t0}}}\nspec: {{storageClassName: standard, resources: {{requests: {{storage: 1Gi}}}}}}\nstatus: {{phase: Pending}}\n")),
    ];
    assert_eq!(
        table(Kind::PersistentVolumeClaim, &pvcs, 600, &d),
        lines(&[
            "NAME      STATUS    VOLUME    CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
            "data      Bound     pvc-123   1Gi        RWO            standard       <unset>                 10m",
            "pending   Pending                                       standard       <unset>                 10m",
        ])
    );
    let lr = obj(&format!("apiVersion: v1\nkind: LimitRange\nmetadata: {{name: limits, {t0}}}\nspec: {{limits: []}}\n"));
    assert_eq!(table(Kind::LimitRange, &[lr], 600, &d), lines(&["NAME     CREATED AT", "limits   2024-01-01T00:00:00Z"]));
}

#[test]
fn workload_kinds() {
    let t0 = "creationTimestamp: '2024-01-01T00:00:00Z'";
    let d = PrintOptions::default();
    let jobs = vec![
        obj(&format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: pi, {t0}}}\nspec: {{completions: 1, template: {{spec: {{containers: [{{name: pi, image: perl}}]}}}}}}\nstatus: {{succeeded: 1, startTime: '2024-01-01T00:00:05Z', completionTime: '2024-01-01T00:00:30Z', conditions: [{{type: Complete, status: 'True'}}]}}\n")),
        obj(&format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: batch, {t0}}}\nspec: {{completions: 5, parallelism: 2, template: {{spec: {{containers: [{{name: w, image: w}}]}}}}}}\nstatus: {{succeeded: 2, startTime: '2024-01-01T00:01:00Z'}}\n")),
    ];
    assert_eq!(
        table(Kind::Job, &jobs, 600, &d),
        lines(&[
            "NAME    STATUS     COMPLETIONS   DURATION   AGE",
            "pi      Complete   1/1           25s        10m",
            "batch   Running    2/5           9m         10m",
        ])
    );
    let cj = obj(&format!("apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: hello, {t0}}}\nspec: {{schedule: '*/1 * * * *', suspend: false, jobTemplate: {{spec: {{template: {{spec: {{containers: [{{name: h, image: busybox}}]}}}}}}}}}}\nstatus: {{active: [{{name: hello-1}}], lastScheduleTime: '2024-01-01T00:09:20Z'}}\n"));
    assert_eq!(
        table(Kind::CronJob, &[cj], 600, &d),
        lines(&[
            "NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
            "hello   */1 * * * *   <none>     False     1        40s             10m",
        ])
    );
    let hpas = vec![
        obj(&format!("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web, {t0}}}\nspec: {{scaleTargetRef: {{kind: Deployment, name: web}}, minReplicas: 1, maxReplicas: 10, metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}}}]}}\nstatus: {{currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{{type: Resource, resource: {{name: cpu, current: {{averageUtilization: 45}}}}}}]}}\n")),
        obj(&format!("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: api, {t0}}}\nspec: {{scaleTargetRef: {{kind: Deployment, name: api}}, minReplicas: 2, maxReplicas: 5, metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 80}}}}}}, {{type: Resource, resource: {{name: memory, target: {{type: AverageValue, averageValue: 500Mi}}}}}}]}}\n")),
    ];
    assert_eq!(
        table(Kind::HorizontalPodAutoscaler, &hpas, 600, &d),
        lines(&[
            "NAME   REFERENCE        TARGETS                                       MINPODS   MAXPODS   REPLICAS   AGE",
            "web    Deployment/web   cpu: 45%/50%                                  1         10        3          10m",
            "api    Deployment/api   cpu: <unknown>/80%, memory: <unknown>/500Mi   2         5         0          10m",
        ])
    );
    let ds = obj(&format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: kube-proxy, {t0}}}\nspec: {{selector: {{matchLabels: {{k: p}}}}, template: {{spec: {{nodeSelector: {{kubernetes.io/os: linux}}, containers: [{{name: p, image: p}}]}}}}}}\nstatus: {{desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0}}\n"));
    assert_eq!(
        table(Kind::DaemonSet, &[ds], 600, &d),
        lines(&[
            "NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE",
            "kube-proxy   3         3         3       3            3           kubernetes.io/os=linux   10m",
        ])
    );
    let sts = obj(&format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, {t0}}}\nspec: {{replicas: 3, serviceName: db, selector: {{matchLabels: {{a: b}}}}, template: {{spec: {{containers: [{{name: db, image: pg}}]}}}}}}\nstatus: {{replicas: 1, readyReplicas: 1}}\n"));
    assert_eq!(table(Kind::StatefulSet, &[sts], 600, &d), lines(&["NAME   READY   AGE", "db     1/3     10m"]));
}

#[test]
fn networking_kinds() {
    let t0 = "creationTimestamp: '2024-01-01T00:00:00Z'";
    let d = PrintOptions::default();
    let eps = vec![
        obj(&format!("apiVersion: v1\nkind: Endpoints\nmetadata: {{name: web, {t0}}}\nsubsets: [{{addresses: [{{ip: 10.244.1.5}}, {{ip: 10.244.2.6}}, {{ip: 10.244.3.7}}, {{ip: 10.244.4.8}}], ports: [{{port: 80}}]}}]\n")),
        obj(&format!("apiVersion: v1\nkind: Endpoints\nmetadata: {{name: empty, {t0}}}\n")),
    ];
    assert_eq!(
        table(Kind::Endpoints, &eps, 600, &d),
        lines(&[
            "NAME    ENDPOINTS                                               AGE",
            "web     10.244.1.5:80,10.244.2.6:80,10.244.3.7:80 + 1 more...   10m",
            "empty   <none>                                                  10m",
        ])
    );
    let ing = obj(&format!("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: web, {t0}}}\nspec: {{ingressClassName: nginx, tls: [{{hosts: [a.example.com]}}], rules: [{{host: a.example.com}}, {{host: b.example.com}}]}}\nstatus: {{loadBalancer: {{ingress: [{{ip: 172.18.0.5}}]}}}}\n"));
    assert_eq!(
        table(Kind::Ingress, &[ing], 600, &d),
        lines(&[
            "NAME   CLASS   HOSTS                         ADDRESS      PORTS     AGE",
            "web    nginx   a.example.com,b.example.com   172.18.0.5   80, 443   10m",
        ])
    );
}

#[test]
fn empty_listings_go_to_stderr() {
    let ns = PrintOptions { namespace: "default".into(), ..Default::default() };
    let got = print_table(Kind::Pod, &[], at(0), &ns);
    assert_eq!((got.stdout.as_str(), got.stderr.as_str()), ("", "No resources found in default namespace.\n"));
    let all = PrintOptions { with_namespace: true, ..ns.clone() };
    assert_eq!(print_table(Kind::Pod, &[], at(0), &all).stderr, "No resources found\n");
    assert_eq!(print_table(Kind::Node, &[], at(0), &ns).stderr, "No resources found\n");
    assert_eq!(print_mixed(&[], at(0), &ns).stderr, "No resources found in default namespace.\n");
}

#[test]
fn get_all_prints_one_table_per_kind_with_qualified_names() {
    let pod = obj("apiVersion: v1\nkind: Pod\nmetadata: {name: web-abc, creationTimestamp: '2024-01-01T00:00:00Z'}\nspec: {containers: [{name: c, image: i}]}\nstatus: {phase: Running, containerStatuses: [{name: c, image: i, imageID: '', ready: true, restartCount: 0, state: {running: {}}}]}\n");
    let svc = obj("apiVersion: v1\nkind: Service\nmetadata: {name: kubernetes, creationTimestamp: '2024-01-01T00:00:00Z'}\nspec: {clusterIPs: [10.96.0.1], ports: [{port: 443}]}\n");
    let objs = [pod, svc, deployment(), replica_set()];
    let refs: Vec<&Object> = objs.iter().collect();
    let got = print_mixed(&refs, at(600), &PrintOptions::default());
    assert_eq!(
        got.stdout,
        lines(&[
            "NAME          READY   STATUS    RESTARTS   AGE",
            "pod/web-abc   1/1     Running   0          10m",
            "",
            "NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE",
            "service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   10m",
            "",
            "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE",
            "deployment.apps/web   2/3     3            2           10m",
            "",
            "NAME                            DESIRED   CURRENT   READY   AGE",
            "replicaset.apps/web-7d9c6b8f5   3         3         2       10m",
        ])
    );
}
