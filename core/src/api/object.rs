//! `Object`: one API object of any served kind, held as its k8s-openapi type.
//!
//! Built-in kinds use the `k8s-openapi` structs (the same Go-derived field names, types and
//! serialisation as the real API); custom kinds are generic JSON with typed metadata. Each
//! variant is boxed so that an `Object` is as large as the object it holds, not as large as the
//! largest kind.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::coordination::v1 as coordination;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::custom::CustomObject;
use super::kinds::Kind;

macro_rules! objects {
    ($( $kind:ident => $ty:ty ),+ $(,)?) => {
        /// One API object. The variant names are the `Kind` names.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Object {
            $( $kind(Box<$ty>), )+
            /// An object of a kind a CustomResourceDefinition defines, held as generic JSON.
            Custom(Box<CustomObject>),
        }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self { $( Object::$kind(_) => Kind::$kind, )+ Object::Custom(o) => o.kind }
            }

            pub fn metadata(&self) -> &ObjectMeta {
                match self { $( Object::$kind(o) => &o.metadata, )+ Object::Custom(o) => &o.metadata }
            }

            pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
                match self { $( Object::$kind(o) => &mut o.metadata, )+ Object::Custom(o) => &mut o.metadata }
            }

            /// Deserialises a JSON body of `kind` (already checked against the registry).
            /// `serde_path_to_error` names the field that failed.
            pub fn from_value(kind: Kind, value: Value) -> Result<Object, serde_path_to_error::Error<serde_json::Error>> {
                Ok(match kind {
                    $( Kind::$kind => Object::$kind(Box::new(serde_path_to_error::deserialize(value)?)), )+
                    Kind::Custom(_) => Object::Custom(Box::new(CustomObject::from_value(kind, value)?)),
                })
            }

            /// The object as JSON, with `apiVersion` and `kind` (as `kubectl get -o json` shows it).
            pub fn to_value(&self) -> Value {
                let v = match self { $( Object::$kind(o) => serde_json::to_value(o), )+ Object::Custom(o) => Ok(o.to_value()) };
                v.expect("k8s-openapi types always serialise")
            }
        }

        $(
            impl From<$ty> for Object {
                fn from(o: $ty) -> Object { Object::$kind(Box::new(o)) }
            }
        )+
    };
}

objects! {
    Namespace => core::Namespace,
    Node => core::Node,
    Pod => core::Pod,
    ReplicationController => core::ReplicationController,
    ReplicaSet => apps::ReplicaSet,
    Deployment => apps::Deployment,
    StatefulSet => apps::StatefulSet,
    DaemonSet => apps::DaemonSet,
    ControllerRevision => apps::ControllerRevision,
    Job => batch::Job,
    CronJob => batch::CronJob,
    HorizontalPodAutoscaler => autoscaling::HorizontalPodAutoscaler,
    Service => core::Service,
    Endpoints => core::Endpoints,
    EndpointSlice => discovery::EndpointSlice,
    ConfigMap => core::ConfigMap,
    Secret => core::Secret,
    ServiceAccount => core::ServiceAccount,
    PersistentVolume => core::PersistentVolume,
    PersistentVolumeClaim => core::PersistentVolumeClaim,
    StorageClass => storage::StorageClass,
    ResourceQuota => core::ResourceQuota,
    LimitRange => core::LimitRange,
    NetworkPolicy => networking::NetworkPolicy,
    Ingress => networking::Ingress,
    IngressClass => networking::IngressClass,
    Event => core::Event,
    Lease => coordination::Lease,
    CustomResourceDefinition => apiextensions::CustomResourceDefinition,
}

impl Object {
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    pub fn labels(&self) -> Option<&std::collections::BTreeMap<String, String>> {
        self.metadata().labels.as_ref()
    }
}
