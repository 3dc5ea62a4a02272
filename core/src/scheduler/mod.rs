//! The scheduler: a framework of filter and score plugins, as kube-scheduler has.

/// The scheduler's view of the cluster, kept current from the watch log.
#[derive(Debug, Clone, Default)]
pub struct Cache {}
