//! autoscaling/v1 HorizontalPodAutoscaler: read as the v1 type, then converted to autoscaling/v2
//! (the version `Object` holds), as the API server converts between served versions.

use k8s_openapi::api::autoscaling::v1 as v1;
use k8s_openapi::api::autoscaling::v2 as v2;
use serde_json::Value;

use super::gotype;

/// Deserialises the v1 body; on failure, the Go-worded reason.
pub(super) fn deserialize(input: &Value) -> Result<v1::HorizontalPodAutoscaler, String> {
    serde_path_to_error::deserialize::<_, v1::HorizontalPodAutoscaler>(input.clone())
        .map_err(|e| gotype::explain_as::<v1::HorizontalPodAutoscaler>(input, &e))
}

/// `targetCPUUtilizationPercentage` becomes a Resource metric on cpu with a Utilization target;
/// `currentCPUUtilizationPercentage` becomes the matching current metric.
pub(super) fn to_v2(hpa: v1::HorizontalPodAutoscaler) -> v2::HorizontalPodAutoscaler {
    let s = hpa.spec;
    let spec = v2::HorizontalPodAutoscalerSpec {
        scale_target_ref: v2::CrossVersionObjectReference {
            api_version: s.scale_target_ref.api_version,
            kind: s.scale_target_ref.kind,
            name: s.scale_target_ref.name,
        },
        min_replicas: s.min_replicas,
        max_replicas: s.max_replicas,
        metrics: s.target_cpu_utilization_percentage.map(|pct| {
            vec![v2::MetricSpec {
                type_: "Resource".into(),
                resource: Some(v2::ResourceMetricSource {
                    name: "cpu".into(),
                    target: v2::MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(pct),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }]
        }),
        ..Default::default()
    };
    let status = hpa.status.map(|s| v2::HorizontalPodAutoscalerStatus {
        current_replicas: Some(s.current_replicas),
        desired_replicas: s.desired_replicas,
        last_scale_time: s.last_scale_time,
        observed_generation: s.observed_generation,
        current_metrics: s.current_cpu_utilization_percentage.map(|pct| {
            vec![v2::MetricStatus {
                type_: "Resource".into(),
                resource: Some(v2::ResourceMetricStatus {
                    name: "cpu".into(),
                    current: v2::MetricValueStatus { average_utilization: Some(pct), ..Default::default() },
                }),
                ..Default::default()
            }]
        }),
        ..Default::default()
    });
    v2::HorizontalPodAutoscaler { metadata: hpa.metadata, spec, status }
}
