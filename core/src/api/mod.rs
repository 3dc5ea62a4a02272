//! The API layer: kinds, manifest parsing, validation and defaulting.
//! Everything here turns user text into objects or into [`Diagnostic`]s; nothing here writes.

pub mod custom;
pub mod decode;
pub mod defaults;
pub mod diag;
pub mod kinds;
pub mod manifest;
pub mod object;
pub mod qos;
pub mod quantity;
pub mod validate;

pub use diag::Diagnostic;
pub use kinds::{Kind, KindInfo, KINDS};
pub use manifest::{parse_manifests, ManifestDoc};
pub use object::Object;
