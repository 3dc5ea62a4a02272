//! [`Discovery`]: what the API server serves right now, as kubectl's REST mapper sees it: the
//! built-in kinds, and every custom kind whose CRD is Established, under the names the CRD's
//! `status.acceptedNames` holds and in its served versions.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use super::crd::{condition_true, served_versions};
use crate::api::kinds::{split_api_version, CustomKind, Kind};

/// One custom kind as discovery lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedKind {
    pub kind: Kind,
    pub group: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Served versions, preferred first.
    pub versions: Vec<String>,
    pub namespaced: bool,
    /// The CRD is being deleted: objects can be read and deleted, not created.
    pub terminating: bool,
}

impl ServedKind {
    /// `group/preferred-version`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.versions.first().map(String::as_str).unwrap_or(""))
    }
}

/// The served kinds at one moment (kubectl reads discovery once per command).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    custom: Vec<ServedKind>,
}

impl Discovery {
    /// Discovery over the given CRDs (any order; kept sorted by group, then plural).
    pub fn new<'a>(crds: impl IntoIterator<Item = &'a CustomResourceDefinition>) -> Discovery {
        let mut custom: Vec<ServedKind> = crds.into_iter().filter_map(served).collect();
        custom.sort_by(|a, b| (&a.group, &a.plural).cmp(&(&b.group, &b.plural)));
        Discovery { custom }
    }

    /// The custom kinds, by group and plural.
    pub fn custom(&self) -> &[ServedKind] {
        &self.custom
    }

    pub fn get(&self, kind: Kind) -> Option<&ServedKind> {
        self.custom.iter().find(|s| s.kind == kind)
    }

    /// The kind served under `apiVersion` + `kind`: built-in first, then custom.
    pub fn lookup(&self, api_version: &str, kind: &str) -> Option<Kind> {
        if let Some(k) = Kind::lookup(api_version, kind) {
            return Some(k);
        }
        let (group, version) = split_api_version(api_version);
        self.custom
            .iter()
            .find(|s| s.group == group && s.kind.info().name == kind && s.versions.iter().any(|v| v == version))
            .map(|s| s.kind)
    }

    /// A resource typed on the command line: plural, singular, short name or kind
    /// (case-insensitively), optionally qualified as `<name>.<group>` or
    /// `<name>.<version>.<group>`. Built-in kinds win over custom ones.
    pub fn resource(&self, arg: &str) -> Option<Kind> {
        if let Some(k) = Kind::from_resource_arg(arg) {
            return Some(k);
        }
        let arg = arg.to_ascii_lowercase();
        let (name, rest) = match arg.split_once('.') {
            Some((n, r)) => (n, Some(r)),
            None => (arg.as_str(), None),
        };
        let named = |s: &&ServedKind| {
            s.plural == name
                || s.singular == name
                || s.short_names.iter().any(|n| n == name)
                || s.kind.info().name.to_ascii_lowercase() == name
        };
        let find = |group: Option<&str>, version: Option<&str>| {
            self.custom
                .iter()
                .filter(named)
                .find(|s| group.is_none_or(|g| g == s.group) && version.is_none_or(|v| s.versions.iter().any(|x| x == v)))
                .map(|s| s.kind)
        };
        match rest {
            None => find(None, None),
            Some(rest) => {
                let with_version = rest.split_once('.').and_then(|(v, g)| find(Some(g), Some(v)));
                with_version.or_else(|| find(Some(rest), None))
            }
        }
    }

    /// The custom kinds in `category` (`kubectl get all` lists those in `all`).
    pub fn in_category<'a>(&'a self, category: &'a str) -> impl Iterator<Item = Kind> + 'a {
        self.custom.iter().filter(move |s| s.categories.iter().any(|c| c == category)).map(|s| s.kind)
    }
}

/// The kind a CRD serves, if it is Established.
fn served(crd: &CustomResourceDefinition) -> Option<ServedKind> {
    if !condition_true(crd, "Established") {
        return None;
    }
    let names = crd.status.as_ref()?.accepted_names.as_ref()?;
    if names.plural.is_empty() || names.kind.is_empty() {
        return None;
    }
    let namespaced = crd.spec.scope == "Namespaced";
    let versions = served_versions(crd);
    if versions.is_empty() {
        return None;
    }
    Some(ServedKind {
        kind: Kind::Custom(CustomKind::intern(&crd.spec.group, &names.plural, &names.kind, namespaced)),
        group: crd.spec.group.clone(),
        plural: names.plural.clone(),
        singular: names.singular.clone().unwrap_or_default(),
        short_names: names.short_names.clone().unwrap_or_default(),
        categories: names.categories.clone().unwrap_or_default(),
        versions,
        namespaced,
        terminating: condition_true(crd, "Terminating"),
    })
}
