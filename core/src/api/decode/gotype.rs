//! Go's wording for a body that does not fit the type:
//! `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`.
//!
//! serde names the failing path; Go also names the innermost struct holding the field and the
//! Go type of the field. Both come from a second, tracking pass over the same input: a
//! deserializer wrapper that records the struct names k8s-openapi passes to `deserialize_struct`
//! (they are the Go type names), the struct fields entered, and the Rust type that failed.

use std::cell::RefCell;
use std::fmt;

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::api::kinds::Kind;

type PathError = serde_path_to_error::Error<serde_json::Error>;

/// The Go-worded reason `input` (a body of `kind`) failed to deserialise with `err`.
pub(super) fn explain(kind: Kind, input: &Value, err: &PathError) -> String {
    match kind {
        Kind::Namespace => explain_as::<core::Namespace>(input, err),
        Kind::Node => explain_as::<core::Node>(input, err),
        Kind::Pod => explain_as::<core::Pod>(input, err),
        Kind::ReplicationController => explain_as::<core::ReplicationController>(input, err),
        Kind::ReplicaSet => explain_as::<apps::ReplicaSet>(input, err),
        Kind::Deployment => explain_as::<apps::Deployment>(input, err),
        Kind::StatefulSet => explain_as::<apps::StatefulSet>(input, err),
        Kind::DaemonSet => explain_as::<apps::DaemonSet>(input, err),
        Kind::Job => explain_as::<batch::Job>(input, err),
        Kind::CronJob => explain_as::<batch::CronJob>(input, err),
        Kind::HorizontalPodAutoscaler => explain_as::<autoscaling::HorizontalPodAutoscaler>(input, err),
        Kind::Service => explain_as::<core::Service>(input, err),
        Kind::Endpoints => explain_as::<core::Endpoints>(input, err),
        Kind::EndpointSlice => explain_as::<discovery::EndpointSlice>(input, err),
        Kind::ConfigMap => explain_as::<core::ConfigMap>(input, err),
        Kind::Secret => explain_as::<core::Secret>(input, err),
        Kind::ServiceAccount => explain_as::<core::ServiceAccount>(input, err),
        Kind::PersistentVolume => explain_as::<core::PersistentVolume>(input, err),
        Kind::PersistentVolumeClaim => explain_as::<core::PersistentVolumeClaim>(input, err),
        Kind::StorageClass => explain_as::<storage::StorageClass>(input, err),
        Kind::ControllerRevision => explain_as::<k8s_openapi::api::apps::v1::ControllerRevision>(input, err),
        Kind::ResourceQuota => explain_as::<core::ResourceQuota>(input, err),
        Kind::LimitRange => explain_as::<core::LimitRange>(input, err),
        Kind::NetworkPolicy => explain_as::<networking::NetworkPolicy>(input, err),
        Kind::Ingress => explain_as::<networking::Ingress>(input, err),
        Kind::IngressClass => explain_as::<networking::IngressClass>(input, err),
        Kind::Event => explain_as::<core::Event>(input, err),
        Kind::Lease => explain_as::<k8s_openapi::api::coordination::v1::Lease>(input, err),
        Kind::CustomResourceDefinition => explain_as::<apiextensions::CustomResourceDefinition>(input, err),
        Kind::Custom(_) => err.to_string(),
    }
}

/// [`explain`] for a statically known type `T`.
pub(super) fn explain_as<T: DeserializeOwned>(input: &Value, err: &PathError) -> String {
    let trail = RefCell::new(Trail::default());
    let _ = T::deserialize(Tracked { d: input.clone(), t: &trail, key: false });
    let trail = trail.into_inner();
    let bad = value_at(input, err.path());
    let Some(rust_type) = trail.failed_type else {
        return format!("json: error decoding {}: {}", err.path(), err.inner());
    };
    let go = go_type(rust_type);
    let message = err.inner().to_string();
    if go == "[]uint8" && message.starts_with("Invalid") {
        return base64_message(&message, bad);
    }
    let what = match bad {
        Some(Value::Number(n)) if go.starts_with("int") || go.starts_with("uint") => format!("number {n}"),
        Some(v) => json_kind(v).to_string(),
        None => "value".to_string(),
    };
    match trail.parent {
        Some(parent) if !trail.fields.is_empty() => format!(
            "json: cannot unmarshal {what} into Go struct field {parent}.{} of type {go}",
            trail.fields.join(".")
        ),
        _ => format!("json: cannot unmarshal {what} into Go value of type {go}"),
    }
}

/// How Go's decoder names a JSON value's kind.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's base64 failure: `illegal base64 data at input byte 4`.
fn base64_message(serde_message: &str, bad: Option<&Value>) -> String {
    let offset = serde_message
        .split("offset ")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
        .filter(|digits| !digits.is_empty())
        .unwrap_or_else(|| bad.and_then(Value::as_str).map_or(0, str::len).to_string());
    format!("illegal base64 data at input byte {offset}")
}

fn value_at<'v>(root: &'v Value, path: &serde_path_to_error::Path) -> Option<&'v Value> {
    let mut at = root;
    for segment in path.iter() {
        at = match segment {
            Segment::Seq { index } => at.get(*index)?,
            Segment::Map { key } => at.get(key.as_str())?,
            Segment::Enum { .. } | Segment::Unknown => return Some(at),
        };
    }
    Some(at)
}

/// A Rust type name from `std::any::type_name` → the Go type Go's decoder would name.
fn go_type(rust: &str) -> String {
    fn generic<'a>(t: &'a str, outer: &str) -> Option<&'a str> {
        t.strip_prefix(outer)?.strip_prefix('<')?.strip_suffix('>')
    }
    let t = rust.trim();
    if let Some(inner) = generic(t, "core::option::Option") {
        return go_type(inner);
    }
    if let Some(inner) = generic(t, "alloc::vec::Vec") {
        return format!("[]{}", go_type(inner));
    }
    if let Some(inner) = generic(t, "alloc::collections::btree::map::BTreeMap") {
        let mut depth = 0usize;
        let split = inner.char_indices().find(|&(_, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth = depth.saturating_sub(1),
                _ => {}
            }
            c == ',' && depth == 0
        });
        if let Some((at, _)) = split {
            return format!("map[{}]{}", go_type(&inner[..at]), go_type(&inner[at + 1..]));
        }
    }
    let simple = match t {
        "i8" | "i16" | "i32" | "i64" => Some(format!("int{}", &t[1..])),
        "u8" | "u16" | "u32" | "u64" => Some(format!("uint{}", &t[1..])),
        "f32" | "f64" => Some(format!("float{}", &t[1..])),
        "bool" => Some("bool".to_string()),
        "alloc::string::String" | "&str" => Some("string".to_string()),
        "serde_json::value::Value" => Some("interface {}".to_string()),
        _ => None,
    };
    if let Some(s) = simple {
        return s;
    }
    if t.ends_with("::ByteString") {
        return "[]uint8".to_string();
    }
    // k8s_openapi::v1_37::api::apps::v1::deployment_strategy::DeploymentStrategy → v1.DeploymentStrategy
    let segments: Vec<&str> = t.split("::").collect();
    match segments.len() {
        n if n >= 3 => format!("{}.{}", segments[n - 3], segments[n - 1]),
        _ => t.to_string(),
    }
}

/// What the tracking pass learnt about the first failure.
#[derive(Default)]
struct Trail {
    /// Struct fields entered from the top, left in place when a failure unwinds through them.
    fields: Vec<String>,
    /// The innermost struct whose field failed (its Go type name).
    parent: Option<&'static str>,
    /// The Rust type of the innermost value that failed.
    failed_type: Option<&'static str>,
    /// The last map key read.
    key: Option<String>,
}

fn note_failure<T, E>(t: &RefCell<Trail>, r: &Result<T, E>) {
    if r.is_err() {
        let mut trail = t.borrow_mut();
        if trail.failed_type.is_none() {
            trail.failed_type = Some(std::any::type_name::<T>());
        }
    }
}

struct Tracked<'t, D> {
    d: D,
    t: &'t RefCell<Trail>,
    /// Deserialising a map key.
    key: bool,
}

impl<'t, D> Tracked<'t, D> {
    fn visitor<V>(t: &'t RefCell<Trail>, v: V, key: bool, strukt: Option<&'static str>) -> TrackedVisitor<'t, V> {
        TrackedVisitor { v, t, key, strukt }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let t = self.t;
            let r = self.d.$method(Self::visitor(t, visitor, self.key, None));
            note_failure(t, &r);
            r
        }
    )*};
}

impl<'de, 't, D: Deserializer<'de>> Deserializer<'de> for Tracked<'t, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        let t = self.t;
        let r = self.d.deserialize_unit_struct(name, Self::visitor(t, visitor, self.key, None));
        note_failure(t, &r);
        r
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        let t = self.t;
        let r = self.d.deserialize_newtype_struct(name, Self::visitor(t, visitor, self.key, None));
        note_failure(t, &r);
        r
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        let t = self.t;
        let r = self.d.deserialize_tuple(len, Self::visitor(t, visitor, self.key, None));
        note_failure(t, &r);
        r
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let t = self.t;
        let r = self.d.deserialize_tuple_struct(name, len, Self::visitor(t, visitor, self.key, None));
        note_failure(t, &r);
        r
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let t = self.t;
        let r = self.d.deserialize_struct(name, fields, Self::visitor(t, visitor, self.key, Some(name)));
        note_failure(t, &r);
        r
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let t = self.t;
        let r = self.d.deserialize_enum(name, variants, Self::visitor(t, visitor, self.key, None));
        note_failure(t, &r);
        r
    }

    fn is_human_readable(&self) -> bool {
        self.d.is_human_readable()
    }
}

struct TrackedVisitor<'t, V> {
    v: V,
    t: &'t RefCell<Trail>,
    key: bool,
    /// The Go struct name when this visitor reads a struct.
    strukt: Option<&'static str>,
}

impl<V> TrackedVisitor<'_, V> {
    fn note_key(&self, k: &str) {
        if self.key {
            self.t.borrow_mut().key = Some(k.to_string());
        }
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.v.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TrackedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.v.expecting(f)
    }

    forward_visit!(
        visit_bool: bool, visit_i8: i8, visit_i16: i16, visit_i32: i32, visit_i64: i64,
        visit_i128: i128, visit_u8: u8, visit_u16: u16, visit_u32: u32, visit_u64: u64,
        visit_u128: u128, visit_f32: f32, visit_f64: f64, visit_char: char,
        visit_bytes: &[u8], visit_borrowed_bytes: &'de [u8], visit_byte_buf: Vec<u8>
    );

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.note_key(v);
        self.v.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.note_key(v);
        self.v.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.note_key(&v);
        self.v.visit_string(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.v.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.v.visit_some(Tracked { d, t: self.t, key: false })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.v.visit_unit()
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.v.visit_newtype_struct(Tracked { d, t: self.t, key: self.key })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.v.visit_seq(TrackedSeq { s: seq, t: self.t })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.v.visit_map(TrackedMap { m: map, t: self.t, strukt: self.strukt })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.v.visit_enum(data)
    }
}

struct TrackedSeq<'t, A> {
    s: A,
    t: &'t RefCell<Trail>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TrackedSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.s.next_element_seed(TrackedSeed { s: seed, t: self.t, key: false })
    }

    fn size_hint(&self) -> Option<usize> {
        self.s.size_hint()
    }
}

struct TrackedMap<'t, A> {
    m: A,
    t: &'t RefCell<Trail>,
    strukt: Option<&'static str>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TrackedMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.m.next_key_seed(TrackedSeed { s: seed, t: self.t, key: true })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        if self.strukt.is_some() {
            let mut trail = self.t.borrow_mut();
            let key = trail.key.take().unwrap_or_default();
            trail.fields.push(key);
        }
        let r = self.m.next_value_seed(TrackedSeed { s: seed, t: self.t, key: false });
        let mut trail = self.t.borrow_mut();
        match (&r, self.strukt) {
            (Ok(_), Some(_)) => {
                trail.fields.pop();
            }
            (Err(_), Some(name)) if trail.parent.is_none() => trail.parent = Some(name),
            _ => {}
        }
        r
    }

    fn size_hint(&self) -> Option<usize> {
        self.m.size_hint()
    }
}

struct TrackedSeed<'t, S> {
    s: S,
    t: &'t RefCell<Trail>,
    key: bool,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TrackedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.s.deserialize(Tracked { d, t: self.t, key: self.key })
    }
}
