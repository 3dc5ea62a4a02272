//! The simulated kubelet: pod sandboxes, containers, probes and node status.
