//! The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount/admission.go) on
//! pod create: the pod runs as `spec.serviceAccountName` (defaulted to `default`), which must
//! exist — else `error looking up service account <ns>/<name>: serviceaccount "<name>" not
//! found` —, takes the account's imagePullSecrets when it names none, and, unless
//! `automountServiceAccountToken` is false on the pod (or, unset there, on the account), gets
//! the projected volume `kube-api-access-<5 random characters>` (a bound token expiring after
//! 3607 s, `ca.crt` from ConfigMap `kube-root-ca.crt`, the namespace from the downward API)
//! mounted read-only at `/var/run/secrets/kubernetes.io/serviceaccount` in every init and app
//! container that has nothing mounted there yet.
//!
//! The real plugin retries the lookup of a missing `default` account for one to two seconds,
//! long enough for the serviceaccount controller to create it in a new namespace; here a
//! missing `default` is admitted for the same reason. One store lookup per pod.

use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath, ObjectFieldSelector, Pod,
    ProjectedVolumeSource, ServiceAccount, ServiceAccountTokenProjection, Volume, VolumeMount, VolumeProjection,
};

use crate::api::{Kind, Object};
use crate::controllers::root_ca;
use crate::rng::SimRng;
use crate::store::{ObjectRef, Store};

pub const VOLUME_PREFIX: &str = "kube-api-access-";
pub const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// `WarnOnlyBoundTokenExpirationSeconds`.
pub const TOKEN_EXPIRATION_SECONDS: i64 = 3607;

pub fn admit_pod(pod: &mut Pod, store: &Store, rng: &mut SimRng) -> Result<(), String> {
    let ns = pod.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    let Some(spec) = pod.spec.as_mut() else { return Ok(()) };
    if spec.service_account_name.as_deref().is_none_or(str::is_empty) {
        spec.service_account_name = Some("default".into());
    }
    let name = spec.service_account_name.clone().unwrap_or_default();
    let account = match store.get(&ObjectRef::new(Kind::ServiceAccount, Some(&ns), &name)).map(|o| o.as_ref()) {
        Some(Object::ServiceAccount(sa)) => Some(sa.as_ref()),
        _ if name == "default" => None,
        _ => return Err(format!("error looking up service account {ns}/{name}: serviceaccount \"{name}\" not found")),
    };
    if spec.image_pull_secrets.as_ref().is_none_or(Vec::is_empty) {
        if let Some(secrets) = account.and_then(|a| a.image_pull_secrets.clone()).filter(|s| !s.is_empty()) {
            spec.image_pull_secrets = Some(secrets);
        }
    }
    if should_automount(account, pod) {
        mount_token(pod, rng);
    }
    Ok(())
}

fn should_automount(account: Option<&ServiceAccount>, pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.automount_service_account_token)
        .or(account.and_then(|a| a.automount_service_account_token))
        .unwrap_or(true)
}

fn mount_token(pod: &mut Pod, rng: &mut SimRng) {
    let Some(spec) = pod.spec.as_mut() else { return };
    let existing = spec.volumes.iter().flatten().find(|v| v.name.starts_with(VOLUME_PREFIX)).map(|v| v.name.clone());
    let has_volume = existing.is_some();
    let needs_mount = |c: &k8s_openapi::api::core::v1::Container| !c.volume_mounts.iter().flatten().any(|m| m.mount_path == MOUNT_PATH);
    let any_needs = spec.init_containers.iter().flatten().chain(spec.containers.iter()).any(needs_mount);
    if !any_needs {
        return;
    }
    let name = existing.unwrap_or_else(|| format!("{VOLUME_PREFIX}{}", rng.name_suffix()));
    let mount = VolumeMount { name: name.clone(), read_only: Some(true), mount_path: MOUNT_PATH.into(), ..Default::default() };
    for c in spec.init_containers.iter_mut().flatten().chain(spec.containers.iter_mut()) {
        if needs_mount(c) {
            c.volume_mounts.get_or_insert_with(Vec::new).push(mount.clone());
        }
    }
    if !has_volume {
        spec.volumes.get_or_insert_with(Vec::new).push(token_volume(name));
    }
}

/// `TokenVolumeSource`: the projected volume, with the defaults the API server fills in.
pub fn token_volume(name: String) -> Volume {
    Volume {
        name,
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(0o644),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        path: "token".into(),
                        expiration_seconds: Some(TOKEN_EXPIRATION_SECONDS),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: root_ca::CONFIG_MAP_NAME.into(),
                        items: Some(vec![KeyToPath { key: root_ca::KEY.into(), path: root_ca::KEY.into(), ..Default::default() }]),
                        optional: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            path: "namespace".into(),
                            field_ref: Some(ObjectFieldSelector { api_version: Some("v1".into()), field_path: "metadata.namespace".into() }),
                            ..Default::default()
                        }]),
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }
}
