//! Which Ingresses the ingress-nginx controller watches (its store's `GetIngressClass`), and the
//! default class the API server's DefaultIngressClass admission plugin writes into new Ingresses.

use k8s_openapi::api::networking::v1::{Ingress, IngressClass};

/// The legacy class annotation on an Ingress.
pub const ANNOTATION_CLASS: &str = "kubernetes.io/ingress.class";
/// The annotation that marks an IngressClass as the cluster's default.
pub const ANNOTATION_DEFAULT_CLASS: &str = "ingressclass.kubernetes.io/is-default-class";

/// Whether the controller watches an Ingress, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// `spec.ingressClassName` names one of the controller's IngressClasses.
    ClassName(String),
    /// The Ingress has no class; admission would have given it this default class, which is the
    /// controller's.
    DefaultClass(String),
    /// The `kubernetes.io/ingress.class` annotation equals the controller's class name.
    Annotation(String),
    /// Not watched; the reason as the controller logs it ("Ignoring ingress because of error
    /// while validating ingress class").
    Ignored(String),
}

impl Watch {
    pub fn is_watched(&self) -> bool {
        !matches!(self, Watch::Ignored(_))
    }
}

/// The class admission writes into a new Ingress that names none: the IngressClass annotated
/// `ingressclass.kubernetes.io/is-default-class: "true"`, the most recently created one when
/// several are (equal timestamps: the first name in order).
pub fn default_class<'a>(classes: &[&'a IngressClass]) -> Option<&'a IngressClass> {
    let mut defaults: Vec<&IngressClass> = classes
        .iter()
        .copied()
        .filter(|c| {
            c.metadata.annotations.as_ref().and_then(|a| a.get(ANNOTATION_DEFAULT_CLASS)).is_some_and(|v| v == "true")
        })
        .collect();
    defaults.sort_by(|a, b| {
        let created = |c: &IngressClass| c.metadata.creation_timestamp.as_ref().map(|t| t.0);
        created(b).cmp(&created(a)).then_with(|| a.metadata.name.cmp(&b.metadata.name))
    });
    defaults.first().copied()
}

/// Whether the controller `controller` (`k8s.io/ingress-nginx`) with `--ingress-class=class_name`
/// (`nginx`) watches `ing`, given the cluster's IngressClasses.
pub fn watch(ing: &Ingress, classes: &[&IngressClass], controller: &str, class_name: &str) -> Watch {
    let ours = |name: &str| {
        classes.iter().any(|c| c.metadata.name.as_deref() == Some(name) && controller_of(c) == Some(controller))
    };
    if let Some(name) = ing.spec.as_ref().and_then(|s| s.ingress_class_name.as_deref()) {
        return if ours(name) { Watch::ClassName(name.to_string()) } else { Watch::Ignored(not_in_store(name)) };
    }
    if let Some(value) = ing.metadata.annotations.as_ref().and_then(|a| a.get(ANNOTATION_CLASS)) {
        return if value == class_name {
            Watch::Annotation(value.clone())
        } else {
            Watch::Ignored("ingress class annotation is not equal to the expected by Ingress Controller".to_string())
        };
    }
    match default_class(classes).and_then(|c| c.metadata.name.as_deref()) {
        Some(name) if ours(name) => Watch::DefaultClass(name.to_string()),
        Some(name) => Watch::Ignored(not_in_store(name)),
        None => Watch::Ignored("ingress does not contain a valid IngressClass".to_string()),
    }
}

fn controller_of(c: &IngressClass) -> Option<&str> {
    c.spec.as_ref().and_then(|s| s.controller.as_deref())
}

/// The controller keeps only its own IngressClasses; a lookup of any other fails with the
/// store's `NotExistsError`.
fn not_in_store(name: &str) -> String {
    format!("no object matching key {name:?} in local store")
}
