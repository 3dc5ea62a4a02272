//! `kubectl get leases`: the columns kubectl's table printer defines for coordination.k8s.io
//! Leases (`NAME`, `HOLDER`, `AGE`; `HOLDER` is `spec.holderIdentity`, empty when unset).

use k8s_openapi::api::coordination::v1::Lease;

use super::table::{col, Column};
use super::util::age;
use crate::time::SimTime;

pub const LEASE_COLUMNS: &[Column] = &[col("Name"), col("Holder"), col("Age")];

pub fn lease_row(l: &Lease, now: SimTime) -> Vec<String> {
    let holder = l.spec.as_ref().and_then(|s| s.holder_identity.clone()).unwrap_or_default();
    vec![l.metadata.name.clone().unwrap_or_default(), holder, age(l.metadata.creation_timestamp.as_ref(), now)]
}
