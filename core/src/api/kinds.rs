//! The API kinds the simulated API server serves: group, versions, plural, scope and short names,
//! as `kubectl api-resources` lists them.

mod custom;

use std::fmt;

pub use custom::CustomKind;

/// Every kind the simulator serves: the built-in ones, and the kinds CustomResourceDefinitions
/// define. Typed, so that nothing downstream matches on strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Node,
    Pod,
    ReplicationController,
    ReplicaSet,
    Deployment,
    StatefulSet,
    DaemonSet,
    ControllerRevision,
    Job,
    CronJob,
    HorizontalPodAutoscaler,
    Service,
    Endpoints,
    EndpointSlice,
    ConfigMap,
    Secret,
    ServiceAccount,
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    ResourceQuota,
    LimitRange,
    NetworkPolicy,
    Ingress,
    IngressClass,
    Event,
    Lease,
    CustomResourceDefinition,
    /// A kind served because a CustomResourceDefinition defines it.
    Custom(CustomKind),
}

/// Static facts about one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub kind: Kind,
    /// The `kind:` field value.
    pub name: &'static str,
    /// API group; empty for the core group.
    pub group: &'static str,
    /// Served versions, preferred first.
    pub versions: &'static [&'static str],
    /// Lower-case plural resource name (`deployments`).
    pub plural: &'static str,
    pub short_names: &'static [&'static str],
    pub namespaced: bool,
}

macro_rules! kinds {
    ($( $kind:ident, $group:expr, [$($v:expr),+], $plural:expr, [$($short:expr),*], $ns:expr; )+) => {
        /// The registry, in `kubectl api-resources` order (core group first, then by group).
        pub const KINDS: &[KindInfo] = &[
            $( KindInfo {
                kind: Kind::$kind,
                name: stringify!($kind),
                group: $group,
                versions: &[$($v),+],
                plural: $plural,
                short_names: &[$($short),*],
                namespaced: $ns,
            }, )+
        ];
    };
}

kinds! {
    ConfigMap, "", ["v1"], "configmaps", ["cm"], true;
    Endpoints, "", ["v1"], "endpoints", ["ep"], true;
    Event, "", ["v1"], "events", ["ev"], true;
    LimitRange, "", ["v1"], "limitranges", ["limits"], true;
    Namespace, "", ["v1"], "namespaces", ["ns"], false;
    Node, "", ["v1"], "nodes", ["no"], false;
    PersistentVolumeClaim, "", ["v1"], "persistentvolumeclaims", ["pvc"], true;
    PersistentVolume, "", ["v1"], "persistentvolumes", ["pv"], false;
    Pod, "", ["v1"], "pods", ["po"], true;
    ReplicationController, "", ["v1"], "replicationcontrollers", ["rc"], true;
    ResourceQuota, "", ["v1"], "resourcequotas", ["quota"], true;
    Secret, "", ["v1"], "secrets", [], true;
    ServiceAccount, "", ["v1"], "serviceaccounts", ["sa"], true;
    Service, "", ["v1"], "services", ["svc"], true;
    CustomResourceDefinition, "apiextensions.k8s.io", ["v1"], "customresourcedefinitions", ["crd", "crds"], false;
    ControllerRevision, "apps", ["v1"], "controllerrevisions", [], true;
    DaemonSet, "apps", ["v1"], "daemonsets", ["ds"], true;
    Deployment, "apps", ["v1"], "deployments", ["deploy"], true;
    ReplicaSet, "apps", ["v1"], "replicasets", ["rs"], true;
    StatefulSet, "apps", ["v1"], "statefulsets", ["sts"], true;
    HorizontalPodAutoscaler, "autoscaling", ["v2", "v1"], "horizontalpodautoscalers", ["hpa"], true;
    CronJob, "batch", ["v1"], "cronjobs", ["cj"], true;
    Job, "batch", ["v1"], "jobs", [], true;
    Lease, "coordination.k8s.io", ["v1"], "leases", [], true;
    EndpointSlice, "discovery.k8s.io", ["v1"], "endpointslices", [], true;
    IngressClass, "networking.k8s.io", ["v1"], "ingressclasses", [], false;
    Ingress, "networking.k8s.io", ["v1"], "ingresses", ["ing"], true;
    NetworkPolicy, "networking.k8s.io", ["v1"], "networkpolicies", ["netpol"], true;
    StorageClass, "storage.k8s.io", ["v1"], "storageclasses", ["sc"], false;
}

impl Kind {
    pub fn info(self) -> &'static KindInfo {
        if let Kind::Custom(c) = self {
            return c.info();
        }
        KINDS
            .iter()
            .find(|k| k.kind == self)
            .expect("every Kind has a registry entry")
    }

    /// The name `kubectl` prints before the slash: `deployment.apps`, `pod`, `ingress.networking.k8s.io`.
    pub fn qualified_singular(self) -> String {
        let info = self.info();
        let singular = info.name.to_ascii_lowercase();
        if info.group.is_empty() {
            singular
        } else {
            format!("{singular}.{}", info.group)
        }
    }

    /// Is this a kind defined by a CustomResourceDefinition?
    pub fn is_custom(self) -> bool {
        matches!(self, Kind::Custom(_))
    }

    /// Finds the built-in kind served under `apiVersion` + `kind`, as the API server's REST
    /// mapper would (custom kinds: `api::custom::Discovery`).
    pub fn lookup(api_version: &str, kind: &str) -> Option<Kind> {
        let (group, version) = split_api_version(api_version);
        KINDS
            .iter()
            .find(|k| k.name == kind && k.group == group && k.versions.contains(&version))
            .map(|k| k.kind)
    }

    /// Resolves a built-in resource name typed on the command line: plural, singular, short name
    /// or kind, case-insensitively, optionally qualified by group (`deployments.apps`).
    pub fn from_resource_arg(arg: &str) -> Option<Kind> {
        let arg = arg.to_ascii_lowercase();
        let (name, group) = match arg.split_once('.') {
            Some((n, g)) => (n.to_string(), Some(g.to_string())),
            None => (arg.clone(), None),
        };
        KINDS
            .iter()
            .find(|k| {
                let matches_name = k.plural == name
                    || k.name.to_ascii_lowercase() == name
                    || k.short_names.contains(&name.as_str());
                let matches_group = group.as_deref().is_none_or(|g| g == k.group);
                matches_name && matches_group
            })
            .map(|k| k.kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().name)
    }
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_api_version_and_kind() {
        let cases: &[(&str, &str, Option<Kind>)] = &[
            ("apps/v1", "Deployment", Some(Kind::Deployment)),
            ("v1", "Pod", Some(Kind::Pod)),
            ("batch/v1", "CronJob", Some(Kind::CronJob)),
            ("batch/v1beta1", "CronJob", None),
            ("extensions/v1beta1", "Deployment", None),
            ("autoscaling/v1", "HorizontalPodAutoscaler", Some(Kind::HorizontalPodAutoscaler)),
            ("autoscaling/v2", "HorizontalPodAutoscaler", Some(Kind::HorizontalPodAutoscaler)),
            ("v1", "Deployment", None),
            ("apps/v1", "deployment", None),
        ];
        for (av, k, want) in cases {
            assert_eq!(Kind::lookup(av, k), *want, "{av} {k}");
        }
    }

    #[test]
    fn resource_args_resolve_like_kubectl() {
        let cases: &[(&str, Option<Kind>)] = &[
            ("pods", Some(Kind::Pod)),
            ("po", Some(Kind::Pod)),
            ("pod", Some(Kind::Pod)),
            ("deploy", Some(Kind::Deployment)),
            ("deployments.apps", Some(Kind::Deployment)),
            ("deployments.batch", None),
            ("svc", Some(Kind::Service)),
            ("ep", Some(Kind::Endpoints)),
            ("netpol", Some(Kind::NetworkPolicy)),
            ("hpa", Some(Kind::HorizontalPodAutoscaler)),
            ("widgets", None),
        ];
        for (arg, want) in cases {
            assert_eq!(Kind::from_resource_arg(arg), *want, "{arg}");
        }
    }

    #[test]
    fn qualified_names() {
        assert_eq!(Kind::Deployment.qualified_singular(), "deployment.apps");
        assert_eq!(Kind::Pod.qualified_singular(), "pod");
        assert_eq!(Kind::Ingress.qualified_singular(), "ingress.networking.k8s.io");
    }

    #[test]
    fn registry_is_complete() {
        for info in KINDS {
            assert_eq!(info.kind.info().name, info.name);
        }
    }
}
