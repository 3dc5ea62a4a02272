//! The default plugins of kube-scheduler's profile, one file each (two small ones together).
//!
//! ```text
//! node_basics.rs        NodeUnschedulable, NodeName
//! taint_toleration.rs   TaintToleration: Filter (NoSchedule/NoExecute), Score (PreferNoSchedule)
//! node_affinity.rs      NodeAffinity: nodeSelector + required terms (Filter), preferred (Score)
//! node_ports.rs         NodePorts: hostPort conflicts
//! resources_fit.rs      NodeResourcesFit (Filter, LeastAllocated), BalancedAllocation
//! inter_pod_affinity.rs InterPodAffinity: required (Filter); preferred, and bound pods' terms (Score)
//! topology_spread.rs    PodTopologySpread: the system default constraints (Score)
//! spread_constraints.rs PodTopologySpread: the pod's own constraints parsed, domains counted
//! spread_filter.rs      PodTopologySpread: DoNotSchedule (PreFilter, Filter)
//! spread_score.rs       PodTopologySpread: ScheduleAnyway (PreScore, Score, NormalizeScore)
//! volume_binding.rs     VolumeBinding: the PreFilter checks on PersistentVolumeClaims
//! image_locality.rs     ImageLocality: nodes holding the pod's images, by size and spread (Score)
//! ```

pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_basics;
pub mod node_ports;
pub mod resources_fit;
pub mod spread_constraints;
pub mod spread_filter;
pub mod spread_score;
pub mod taint_toleration;
pub mod topology_spread;
pub mod volume_binding;
