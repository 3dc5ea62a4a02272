//! Admission: what the API server does to an object between decoding and storing it —
//! LimitRange defaults and limits, the ServiceAccount plugin (account lookup, token volume),
//! DefaultStorageClass, StorageObjectInUseProtection (the claim and volume finalizers),
//! ResourceQuota checks — with the real refusal texts.

pub mod limit_range;
pub mod quota;
pub mod default_storage_class;
pub mod service_account;
pub mod storage_protection;
