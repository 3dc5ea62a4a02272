//! Admission: what the API server does to an object between decoding and storing it —
//! LimitRange defaults and limits, ResourceQuota checks — with the real refusal texts.

pub mod limit_range;
pub mod quota;
