//! A registering node's `status.capacity` and `status.allocatable`, as the kubelet computes
//! them with kubeadm's defaults: no kube-reserved or system-reserved, and the default hard
//! eviction thresholds `memory.available<100Mi` and `nodefs.available<10%` taken off the
//! capacity. The 10 % is a `float32` in the kubelet, so the threshold is
//! `int64(float64(capacity) * float64(float32(0.1)))` bytes, and allocatable storage is a plain
//! byte count. The machine has no huge pages.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::NodeSize;

/// `memory.available<100Mi`.
pub const MEMORY_EVICTION_BYTES: u64 = 100 << 20;
/// `nodefs.available<10%`.
pub const NODEFS_EVICTION: f32 = 0.1;

/// Millicores as a Quantity: whole CPUs without a suffix.
pub fn cpu_text(millis: u64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// Bytes as the kubelet's BinarySI quantities print: `Ki` when a whole number of KiB, else
/// the plain number.
fn bytes_text(bytes: u64) -> String {
    if bytes % 1024 == 0 {
        format!("{}Ki", bytes / 1024)
    } else {
        bytes.to_string()
    }
}

/// (capacity, allocatable).
pub fn capacity_and_allocatable(size: &NodeSize) -> (BTreeMap<String, Quantity>, BTreeMap<String, Quantity>) {
    let q = |s: String| Quantity(s);
    let nodefs_threshold = (size.disk_bytes as f64 * f64::from(NODEFS_EVICTION)) as u64;
    let capacity: BTreeMap<String, Quantity> = [
        ("cpu", q(cpu_text(size.cpu_millis))),
        ("ephemeral-storage", q(bytes_text(size.disk_bytes))),
        ("hugepages-1Gi", q("0".into())),
        ("hugepages-2Mi", q("0".into())),
        ("memory", q(bytes_text(size.memory_bytes))),
        ("pods", q(size.max_pods.to_string())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut allocatable = capacity.clone();
    allocatable.insert("ephemeral-storage".into(), q(bytes_text(size.disk_bytes - nodefs_threshold)));
    allocatable.insert("memory".into(), q(bytes_text(size.memory_bytes.saturating_sub(MEMORY_EVICTION_BYTES))));
    (capacity, allocatable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eviction_thresholds_come_off_the_capacity() {
        let (cap, alloc) = capacity_and_allocatable(&NodeSize::default());
        let text = |m: &BTreeMap<String, Quantity>| m.iter().map(|(k, v)| format!("{k}={}", v.0)).collect::<Vec<_>>().join(" ");
        assert_eq!(text(&cap), "cpu=4 ephemeral-storage=104857600Ki hugepages-1Gi=0 hugepages-2Mi=0 memory=8388608Ki pods=110");
        // 100 GiB × float32(0.1) = 10737418400 bytes (not 10737418240): 96636764000 left.
        assert_eq!(text(&alloc), "cpu=4 ephemeral-storage=96636764000 hugepages-1Gi=0 hugepages-2Mi=0 memory=8286208Ki pods=110");
    }

    #[test]
    fn cpu_and_bytes_print_as_quantities() {
        assert_eq!(cpu_text(4000), "4");
        assert_eq!(cpu_text(1500), "1500m");
        assert_eq!(bytes_text(2048), "2Ki");
        assert_eq!(bytes_text(1000), "1000");
    }
}
