//! The ingress-nginx controller: its add-on (the objects of the project's "baremetal" static
//! manifest for controller v1.11.3, created at bootstrap by `ClusterConfig::ingress_nginx`) and
//! what any running pod of the `registry.k8s.io/ingress-nginx/controller` image does with an
//! HTTP request that reaches its port 80.
//!
//! The add-on: the `ingress-nginx` namespace, the controller's ServiceAccount and ConfigMap, the
//! `ingress-nginx-controller` Deployment (one replica), the `ingress-nginx-controller` Service
//! of type NodePort (`http` 80 and `https` 443, node ports allocated at random) and the
//! IngressClass `nginx` (`spec.controller: k8s.io/ingress-nginx`). Left out: the RBAC objects
//! (the simulator has no authorization) and the whole admission webhook: its certificate Jobs
//! (`ingress-nginx-admission-create` and `-patch`), their ServiceAccount, the
//! `ingress-nginx-controller-admission` Service, the ValidatingWebhookConfiguration, and with
//! them the controller's `--validating-webhook*` arguments, its `webhook` port 8443 and the
//! `webhook-cert` volume (whose Secret only the Job would create). Without the webhook an
//! Ingress is not checked when it is written, only when the controller loads it.
//!
//! The request path (`proxy.rs`): nginx picks the server and location with `net::ingress`
//! from the store's Ingresses and IngressClasses (the controller's `--controller-class` and
//! `--ingress-class` arguments, `k8s.io/ingress-nginx` and `nginx` when absent), answers its
//! own pages (404 from the default backend, 503 when the upstream has no endpoint, 301, 400),
//! or proxies: the upstream is the list of ready EndpointSlice addresses of the Service port
//! (`upstream.rs`), one is picked round robin, and nginx opens a new connection from the
//! controller pod straight to that pod address. The Service's ClusterIP and kube-proxy's rules
//! play no part in that second connection. The backend sees the controller pod as its client,
//! with the headers ingress-nginx adds (`X-Forwarded-For`, `X-Real-IP`, `X-Request-ID`, …).
//!
//! Simplified: one nginx worker per controller pod (one round-robin position per upstream; a
//! real controller runs one per CPU, each with its own), its position starting at a random
//! endpoint when the upstream is first used or its endpoints change, as lua-resty-balancer's
//! round robin does; the endpoints in address order; one attempt per request (no
//! `proxy_next_upstream` retry on another endpoint); ExternalName Services are not resolved
//! (their upstream is empty: 503); no TLS.
//!
//! ```text
//! ingress_nginx.rs  the add-on's objects, created at bootstrap
//! upstream.rs       a Service port's upstream: ready EndpointSlice addresses; the balancer
//! proxy.rs          one request through the controller: route, nginx's pages, the proxied connection
//! ```

mod proxy;
mod upstream;

#[cfg(test)]
mod ingress_nginx_tests;
#[cfg(test)]
mod proxy_tests;
#[cfg(test)]
mod upstream_tests;

use crate::api::decode::decode_detailed;
use crate::api::parse_manifests;
use crate::store::{Cause, Component};

use super::Sim;

pub(super) use proxy::Arrival;
pub use upstream::{upstream, Balancers, Upstream};

/// The controller image, by repository (any tag or digest runs the controller).
pub const IMAGE: &str = "registry.k8s.io/ingress-nginx/controller";
/// The release the add-on installs, with its digest as the project's manifest pins it.
pub const RELEASE: &str = "v1.11.3";
const DIGEST: &str = "sha256:d56f135b6462cfc476447cfe564b83a45e8bb7da2774963b00d12161112270b7";
/// The namespace, and the name of the Deployment and Service.
pub const NAMESPACE: &str = "ingress-nginx";
pub const NAME: &str = "ingress-nginx-controller";

fn labels(indent: &str) -> String {
    let version = RELEASE.trim_start_matches('v');
    [
        "app.kubernetes.io/component: controller".to_string(),
        "app.kubernetes.io/instance: ingress-nginx".to_string(),
        "app.kubernetes.io/name: ingress-nginx".to_string(),
        "app.kubernetes.io/part-of: ingress-nginx".to_string(),
        format!("app.kubernetes.io/version: {version}"),
    ]
    .iter()
    .map(|l| format!("{indent}{l}\n"))
    .collect()
}

pub fn manifest() -> String {
    let (meta, pod) = (labels("    "), labels("        "));
    format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: ingress-nginx
  labels:
    app.kubernetes.io/instance: ingress-nginx
    app.kubernetes.io/name: ingress-nginx
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ingress-nginx
  namespace: ingress-nginx
  labels:
{meta}automountServiceAccountToken: true
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels:
{meta}data:
  allow-snippet-annotations: "false"
---
apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels:
{meta}spec:
  type: NodePort
  ipFamilies:
  - IPv4
  ipFamilyPolicy: SingleStack
  ports:
  - appProtocol: http
    name: http
    port: 80
    protocol: TCP
    targetPort: http
  - appProtocol: https
    name: https
    port: 443
    protocol: TCP
    targetPort: https
  selector:
    app.kubernetes.io/component: controller
    app.kubernetes.io/instance: ingress-nginx
    app.kubernetes.io/name: ingress-nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels:
{meta}spec:
  minReadySeconds: 0
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app.kubernetes.io/component: controller
      app.kubernetes.io/instance: ingress-nginx
      app.kubernetes.io/name: ingress-nginx
  strategy:
    rollingUpdate:
      maxUnavailable: 1
    type: RollingUpdate
  template:
    metadata:
      labels:
{pod}    spec:
      containers:
      - args:
        - /nginx-ingress-controller
        - --election-id=ingress-nginx-leader
        - --controller-class=k8s.io/ingress-nginx
        - --ingress-class=nginx
        - --configmap=$(POD_NAMESPACE)/ingress-nginx-controller
        - --enable-metrics=false
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: LD_PRELOAD
          value: /usr/local/lib/libmimalloc.so
        image: {IMAGE}:{RELEASE}@{DIGEST}
        imagePullPolicy: IfNotPresent
        lifecycle:
          preStop:
            exec:
              command:
              - /wait-shutdown
        livenessProbe:
          failureThreshold: 5
          httpGet:
            path: /healthz
            port: 10254
            scheme: HTTP
          initialDelaySeconds: 10
          periodSeconds: 10
          successThreshold: 1
          timeoutSeconds: 1
        name: controller
        ports:
        - containerPort: 80
          name: http
          protocol: TCP
        - containerPort: 443
          name: https
          protocol: TCP
        readinessProbe:
          failureThreshold: 3
          httpGet:
            path: /healthz
            port: 10254
            scheme: HTTP
          initialDelaySeconds: 10
          periodSeconds: 10
          successThreshold: 1
          timeoutSeconds: 1
        resources:
          requests:
            cpu: 100m
            memory: 90Mi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            add:
            - NET_BIND_SERVICE
            drop:
            - ALL
          readOnlyRootFilesystem: false
          runAsNonRoot: true
          runAsUser: 101
          seccompProfile:
            type: RuntimeDefault
      dnsPolicy: ClusterFirst
      nodeSelector:
        kubernetes.io/os: linux
      serviceAccountName: ingress-nginx
      terminationGracePeriodSeconds: 300
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  labels:
{meta}spec:
  controller: k8s.io/ingress-nginx
"#
    )
}

impl Sim {
    /// The ingress-nginx add-on (see the module docs), created as `kubectl apply -f
    /// deploy.yaml` would create it.
    pub(super) fn ingress_nginx_addon(&mut self) {
        let by = Component::new("kubectl");
        for doc in parse_manifests(&manifest()) {
            let doc = doc.expect("the add-on manifest parses");
            let obj = decode_detailed(&doc.value, "deploy.yaml").map_err(|e| e.diagnostic.message).expect("the add-on manifest decodes");
            if let Err(e) = self.api().create(obj, &by, Cause::Bootstrap) {
                debug_assert!(false, "the ingress-nginx add-on was refused: {e:?}");
            }
        }
    }
}
