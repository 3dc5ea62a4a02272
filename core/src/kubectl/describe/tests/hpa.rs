//! `kubectl describe hpa`: every metric source's line, behavior, and an autoscaler driven by
//! `load` in a running cluster.

use super::{lines, obj};
use crate::console::run_line;
use crate::kubectl::describe::*;
use crate::kubectl::NoFiles;
use crate::sim::{ClusterConfig, Sim};
use crate::time::{SimDuration, SimTime};

#[test]
fn describe_hpa_prints_each_metric_source_and_behavior() {
    let hpa = obj(r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z", labels: {app: web}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
  - type: ContainerResource
    containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 60}}
  - type: Pods
    pods: {metric: {name: packets-per-second}, target: {type: AverageValue, averageValue: 1k}}
  - type: Object
    object:
      metric: {name: requests-per-second}
      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main-route}
      target: {type: Value, value: 10k}
  - type: External
    external: {metric: {name: queue_messages_ready}, target: {type: AverageValue, averageValue: "30"}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{type: Percent, value: 100, periodSeconds: 15}]
    scaleUp:
      stabilizationWindowSeconds: 0
      selectPolicy: Max
      policies: [{type: Percent, value: 100, periodSeconds: 15}, {type: Pods, value: 4, periodSeconds: 15}]
status:
  currentReplicas: 2
  desiredReplicas: 3
  currentMetrics:
  - type: Resource
    resource: {name: memory, current: {averageValue: 120Mi}}
  - type: ContainerResource
    containerResource: {name: cpu, container: app, current: {averageValue: 300m}}
  - type: Pods
    pods: {metric: {name: packets-per-second}, current: {averageValue: 1500m}}
  - type: Object
    object:
      metric: {name: requests-per-second}
      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main-route}
      current: {value: "12000"}
"#);
    let ctx = DescribeContext { events: Some(vec![]), ..Default::default() };
    assert_eq!(
        describe(&hpa, &ctx, SimTime(0)),
        lines(&[
            "Name:                                                                     web",
            "Namespace:                                                                shop",
            "Labels:                                                                   app=web",
            "Annotations:                                                              <none>",
            "CreationTimestamp:                                                        Mon, 01 Jan 2024 00:00:00 +0000",
            "Reference:                                                                StatefulSet/web",
            "Metrics:                                                                  ( current / target )",
            "  resource memory on pods:                                                120Mi / 100Mi",
            "  resource cpu of container \"app\" on pods  (as a percentage of request):  <unknown> / 60%",
            "  \"packets-per-second\" on pods:                                           1500m / 1k",
            "  \"requests-per-second\" on Ingress/main-route (target value):             12k / 10k",
            "  \"queue_messages_ready\" (target average value):                          <unknown> / 30",
            "Min replicas:                                                             <unset>",
            "Max replicas:                                                             5",
            "Behavior:",
            "  Scale Up:",
            "    Stabilization Window: 0 seconds",
            "    Select Policy: Max",
            "    Policies:",
            "      - Type: Percent  Value: 100  Period: 15 seconds",
            "      - Type: Pods     Value: 4    Period: 15 seconds",
            "  Scale Down:",
            "    Stabilization Window: 300 seconds",
            "    Select Policy: Max",
            "    Policies:",
            "      - Type: Percent  Value: 100  Period: 15 seconds",
            "StatefulSet pods:      2 current / 3 desired",
            "Events:                <none>",
        ])
    );
}

/// One metric line per source and target type, with and without a current value (spacing
/// collapsed: the exact alignment is asserted above).
#[test]
fn hpa_metric_lines_per_source_and_target_type() {
    let cases = [
        ("{type: Object, object: {metric: {name: rps}, describedObject: {kind: Service, name: web}, target: {type: AverageValue, averageValue: 50}}}",
         "{type: Object, object: {metric: {name: rps}, describedObject: {kind: Service, name: web}, current: {averageValue: 40500m}}}",
         "\"rps\" on Service/web (target average value): 40500m / 50"),
        ("{type: Object, object: {metric: {name: rps}, describedObject: {kind: Service, name: web}, target: {type: Value, value: 1k}}}", "",
         "\"rps\" on Service/web (target value): <unknown> / 1k"),
        ("{type: External, external: {metric: {name: queue}, target: {type: Value, value: 20}}}",
         "{type: External, external: {metric: {name: queue}, current: {value: 25}}}",
         "\"queue\" (target value): 25 / 20"),
        ("{type: External, external: {metric: {name: queue}, target: {type: AverageValue, averageValue: 20}}}",
         "{type: External, external: {metric: {name: queue}, current: {value: 25}}}",
         "\"queue\" (target average value): <unknown> / 20"),
        ("{type: Pods, pods: {metric: {name: pps}, target: {type: AverageValue, averageValue: 1k}}}", "",
         "\"pps\" on pods: <unknown> / 1k"),
        ("{type: Resource, resource: {name: cpu, target: {type: AverageValue, averageValue: 500m}}}",
         "{type: Resource, resource: {name: cpu, current: {averageValue: 250m, averageUtilization: 125}}}",
         "resource cpu on pods: 250m / 500m"),
        ("{type: Resource, resource: {name: cpu, target: {type: Utilization}}}",
         "{type: Resource, resource: {name: cpu, current: {averageUtilization: 30}}}",
         "resource cpu on pods (as a percentage of request): 30% (<nil>) / <auto>"),
        ("{type: ContainerResource, containerResource: {name: memory, container: app, target: {type: AverageValue, averageValue: 64Mi}}}", "",
         "resource memory of container \"app\" on pods: <unknown> / 64Mi"),
    ];
    for (spec, status, want) in cases {
        let current = if status.is_empty() { String::new() } else { format!("  currentMetrics: [{status}]\n") };
        let hpa = obj(&format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h, namespace: default}}\nspec:\n  scaleTargetRef: {{kind: Deployment, name: web}}\n  maxReplicas: 3\n  metrics: [{spec}]\nstatus:\n  desiredReplicas: 1\n{current}"
        ));
        let got = describe(&hpa, &DescribeContext::default(), SimTime(0));
        let line = got.lines().skip_while(|l| !l.starts_with("Metrics:")).nth(1).unwrap_or_default();
        assert_eq!(line.split_whitespace().collect::<Vec<_>>().join(" "), want, "{spec}\n{got}");
    }
}

fn run(sim: &mut Sim, line: &str) -> String {
    let out = run_line(sim, line, &NoFiles);
    assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    out.stdout
}

const PHP_APACHE: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata: {labels: {run: php-apache}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m}, requests: {cpu: 200m}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: php-apache}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"#;

const HEAD: [&str; 7] = [
    "Name:                                                  php-apache",
    "Namespace:                                             default",
    "Labels:                                                <none>",
    "Annotations:                                           <none>",
    "CreationTimestamp:                                     Mon, 01 Jan 2024 00:00:00 +0000",
    "Reference:                                             Deployment/php-apache",
    "Metrics:                                               ( current / target )",
];

#[test]
fn describe_hpa_follows_the_walkthrough_from_idle_to_load() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert!(sim.apply("php-apache.yaml", PHP_APACHE).ok());
    sim.advance(SimDuration::from_secs(40));
    let idle = [
        "  resource cpu on pods  (as a percentage of request):  0% (1m) / 50%",
        "Min replicas:                                          1",
        "Max replicas:                                          10",
        "Deployment pods:                                       1 current / 1 desired",
        "Conditions:",
        "  Type            Status  Reason              Message",
        "  ----            ------  ------              -------",
        "  AbleToScale     True    ReadyForNewScale    recommended size matches current size",
        "  ScalingActive   True    ValidMetricFound    the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
        "  ScalingLimited  False   DesiredWithinRange  the desired count is within the acceptable range",
        // The first sync came while the pod had been Ready for less than one metric window.
        "Events:",
        "  Type     Reason                        Age   From                       Message",
        "  ----     ------                        ----  ----                       -------",
        "  Warning  FailedGetResourceMetric       25s   horizontal-pod-autoscaler  failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
        "  Warning  FailedComputeMetricsReplicas  25s   horizontal-pod-autoscaler  invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
    ];
    assert_eq!(run(&mut sim, "kubectl describe hpa php-apache"), lines(&[&HEAD[..], &idle[..]].concat()));

    run(&mut sim, "load deployment/php-apache 300");
    sim.advance(SimDuration::from_secs(90));
    let loaded = [
        "  resource cpu on pods  (as a percentage of request):  150% (300m) / 50%",
        "Min replicas:                                          1",
        "Max replicas:                                          10",
        "Deployment pods:                                       10 current / 10 desired",
        "Conditions:",
        "  Type            Status  Reason            Message",
        "  ----            ------  ------            -------",
        "  AbleToScale     True    ReadyForNewScale  recommended size matches current size",
        "  ScalingActive   True    ValidMetricFound  the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
        "  ScalingLimited  True    TooManyReplicas   the desired replica count is more than the maximum replica count",
        "Events:",
        "  Type     Reason                        Age   From                       Message",
        "  ----     ------                        ----  ----                       -------",
        "  Warning  FailedGetResourceMetric       115s  horizontal-pod-autoscaler  failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
        "  Warning  FailedComputeMetricsReplicas  115s  horizontal-pod-autoscaler  invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
        // New pods count as idle until they have been Ready for one metric window.
        "  Normal   SuccessfulRescale             85s   horizontal-pod-autoscaler  New size: 3; reason: cpu resource utilization (percentage of request) above target",
        "  Normal   SuccessfulRescale             55s   horizontal-pod-autoscaler  New size: 7; reason: cpu resource utilization (percentage of request) above target",
        "  Normal   SuccessfulRescale             40s   horizontal-pod-autoscaler  New size: 10; reason: cpu resource utilization (percentage of request) above target",
    ];
    assert_eq!(run(&mut sim, "kubectl describe hpa php-apache"), lines(&[&HEAD[..], &loaded[..]].concat()));
}

#[test]
fn describe_hpa_without_metrics_yet_shows_unknown() {
    let hpa = obj(r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: php-apache, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
status: {currentReplicas: 0, desiredReplicas: 0}
"#);
    let got = describe(&hpa, &DescribeContext::default(), SimTime(0));
    assert_eq!(
        got,
        lines(&[
            &HEAD[..],
            &[
                "  resource cpu on pods  (as a percentage of request):  <unknown> / 50%",
                "Min replicas:                                          1",
                "Max replicas:                                          10",
                "Deployment pods:                                       0 current / 0 desired",
            ][..],
        ]
        .concat())
    );
}
