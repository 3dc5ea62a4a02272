//! `kubectl describe networkpolicy`, compared with kubectl's output byte for byte.

use super::describe_network_policy;
use super::test_support::policies;

const DB_ALLOW: &str = "
    metadata: {name: db-allow, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: db}}
      policyTypes: [Ingress]
      ingress:
      - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: api}}
          podSelector: {matchLabels: {app: api}}
        - podSelector:
            matchExpressions: [{key: role, operator: In, values: [report, backup]}]
        ports: [{protocol: TCP, port: 5432}]
      - ports: [{protocol: TCP, port: 9000, endPort: 9100}, {protocol: TCP, port: metrics}]
";

const DB_ALLOW_TEXT: &str = "\
Name:         db-allow
Namespace:    shop
Created on:   2024-01-01 00:05:00 +0000 UTC
Labels:       <none>
Annotations:  <none>
Spec:
  PodSelector:     app=db
  Allowing ingress traffic:
    To Port: 5432/TCP
    From:
      NamespaceSelector: kubernetes.io/metadata.name=api
      PodSelector: app=api
    From:
      PodSelector: role in (backup,report)
    ----------
    To Port Range: 9000-9100/TCP
    To Port: metrics/TCP
    From: <any> (traffic not restricted by source)
  Not affecting egress traffic
  Policy Types: Ingress
";

const DEFAULT_DENY: &str = "
    metadata:
      name: default-deny
      namespace: shop
      labels: {tier: platform, app.kubernetes.io/part-of: shop}
      annotations: {note: keep DNS open}
    spec:
      podSelector: {}
      policyTypes: [Ingress, Egress]
      egress:
      - to:
        - ipBlock: {cidr: 10.0.0.0/8, except: [10.96.0.0/12, 10.244.0.0/16]}
        - namespaceSelector: {}
        ports: [{protocol: UDP, port: 53}, {protocol: TCP}]
      - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
";

const DEFAULT_DENY_TEXT: &str = "\
Name:         default-deny
Namespace:    shop
Created on:   2024-01-01 00:00:00 +0000 UTC
Labels:       app.kubernetes.io/part-of=shop
              tier=platform
Annotations:  note: keep DNS open
Spec:
  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)
  Allowing ingress traffic:
    <none> (Selected pods are isolated for ingress connectivity)
  Allowing egress traffic:
    To Port: 53/UDP
    To Port: <nil>/TCP
    To:
      IPBlock:
        CIDR: 10.0.0.0/8
        Except: 10.96.0.0/12, 10.244.0.0/16
    To:
      NamespaceSelector: <none>
    ----------
    To Port: <any> (traffic allowed to all ports)
    To:
      IPBlock:
        CIDR: 0.0.0.0/0
        Except: 
  Policy Types: Ingress, Egress
";

const EGRESS_ONLY: &str = "
    metadata: {name: out, namespace: web}
    spec:
      podSelector: {matchLabels: {app: web}}
      policyTypes: [Egress]
      egress: [{}]
";

const EGRESS_ONLY_TEXT: &str = "\
Name:         out
Namespace:    web
Created on:   2024-01-01 00:00:00 +0000 UTC
Labels:       <none>
Annotations:  <none>
Spec:
  PodSelector:     app=web
  Not affecting ingress traffic
  Allowing egress traffic:
    To Port: <any> (traffic allowed to all ports)
    To: <any> (traffic not restricted by destination)
  Policy Types: Egress
";

#[track_caller]
fn check(yaml: &str, created_on: &str, expect: &str) {
    let policy = &policies(yaml)[0];
    assert_eq!(describe_network_policy(policy, created_on), expect);
}

#[test]
fn describe_matches_kubectl() {
    let cases = [
        (DB_ALLOW, "2024-01-01 00:05:00 +0000 UTC", DB_ALLOW_TEXT),
        (DEFAULT_DENY, "2024-01-01 00:00:00 +0000 UTC", DEFAULT_DENY_TEXT),
        (EGRESS_ONLY, "2024-01-01 00:00:00 +0000 UTC", EGRESS_ONLY_TEXT),
    ];
    for (yaml, created_on, expect) in cases {
        check(yaml, created_on, expect);
    }
}

#[test]
fn describe_without_policy_types() {
    // What kubectl prints for a policy whose policyTypes were never defaulted.
    let yaml = "metadata: {name: bare, namespace: x}\nspec: {podSelector: {matchLabels: {app: a}}}";
    let want = "\
Name:         bare
Namespace:    x
Created on:   2024-01-01 00:00:00 +0000 UTC
Labels:       <none>
Annotations:  <none>
Spec:
  PodSelector:     app=a
  Not affecting ingress traffic
  Not affecting egress traffic
  Policy Types: <none>
";
    check(yaml, "2024-01-01 00:00:00 +0000 UTC", want);
}
