//! `kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 …`, as
//! `pkg/cmd/set/set_image.go` does it: containers and init containers by name, `*` for all;
//! an object whose images are already those prints nothing.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};

use crate::api::Object;
use crate::sim::Sim;
use crate::store::ObjectRef;

use super::rollout::{check_output, finish, lookup_targets, print_result, write_all, DryRun};
use super::{Args, Files, Output};

const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

const HELP: &str = "Configure application resources.

 These commands help you make changes to existing application resources.

Available Commands:
  env              Update environment variables on a pod template
  image            Update the image of a pod template
  resources        Update resource requests/limits on objects with pod templates
  selector         Set the selector on a resource
  serviceaccount   Update the service account of a resource
  subject          Update the user, group, or service account in a role binding or cluster role binding

Usage:
  kubectl set SUBCOMMAND [options]

Use \"kubectl set <command> --help\" for more information about a given command.
";

const MISSING_RESOURCE: &str = "error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'";

/// `kubectl set <subcommand> …`; `rest` starts at the subcommand.
pub fn set(sim: &mut Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    match rest.first().map(String::as_str) {
        None => Output { stderr: HELP.to_string(), status: 1, ..Default::default() },
        Some("image") => image(sim, args, &rest[1..], files),
        Some(sub @ ("env" | "resources" | "selector" | "serviceaccount" | "sa" | "subject")) => Output::error(format!(
            "error: `kubectl set {sub}` is not available in this simulator; edit the manifest and `kubectl apply -f` it"
        )),
        Some(_) => Output::error(format!(
            "error: unknown command \"{}\"\nSee 'kubectl set -h' for help and examples",
            rest.join(" ")
        )),
    }
}

/// `cmdutil.GetResourcesAndPairs` + `ParsePairs`: resources first, then `NAME=IMAGE` pairs.
fn resources_and_images(words: &[String]) -> Result<(Vec<String>, BTreeMap<String, String>), String> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for w in words {
        let is_pair = (w.contains('=') && !w.starts_with('=')) || (w.ends_with('-') && w != "-");
        match (pairs.is_empty(), is_pair) {
            (_, true) => pairs.push(w.clone()),
            (true, false) => resources.push(w.clone()),
            (false, false) => return Err(format!("all resources must be specified before image changes: {w}")),
        }
    }
    let mut images = BTreeMap::new();
    let mut invalid = Vec::new();
    for p in pairs {
        match p.split_once('=').filter(|_| !p.starts_with('=')) {
            Some((name, image)) => {
                images.insert(name.to_string(), image.to_string());
            }
            None => invalid.push(p),
        }
    }
    if !invalid.is_empty() {
        return Err(format!("invalid image format: {}", invalid.join(", ")));
    }
    Ok((resources, images))
}

/// `polymorphichelpers.updatePodSpecForObject`: the pod spec an object runs, or kubectl's error.
fn pod_spec_mut(obj: &mut Object) -> Result<&mut PodSpec, String> {
    let kind = obj.kind();
    let template: &mut PodTemplateSpec = match obj {
        Object::Pod(p) => return Ok(p.spec.get_or_insert_with(Default::default)),
        Object::ReplicationController(rc) => rc.spec.get_or_insert_with(Default::default).template.get_or_insert_with(Default::default),
        Object::Deployment(d) => &mut d.spec.template,
        Object::DaemonSet(d) => &mut d.spec.template,
        Object::ReplicaSet(r) => r.spec.template.get_or_insert_with(Default::default),
        Object::StatefulSet(s) => &mut s.spec.template,
        Object::Job(j) => &mut j.spec.get_or_insert_with(Default::default).template,
        Object::CronJob(c) => &mut c.spec.job_template.spec.get_or_insert_with(Default::default).template,
        _ => {
            return Err(format!(
                "the object is not a pod or does not have a pod template: *{}.{}",
                kind.info().versions[0],
                kind.info().name
            ))
        }
    };
    Ok(template.spec.get_or_insert_with(Default::default))
}

fn set_image(containers: &mut [Container], name: &str, image: &str) -> bool {
    let mut found = false;
    for c in containers.iter_mut().filter(|c| name == "*" || c.name == name) {
        found = true;
        c.image = Some(image.to_string());
    }
    found
}

/// The change-cause `--record` writes: the command line, flags last.
fn change_cause(args: &Args) -> String {
    let mut cause = format!("kubectl {}", args.positional.join(" "));
    if let Some(ns) = args.value("namespace") {
        cause.push_str(&format!(" --namespace={ns}"));
    }
    cause.push_str(" --record=true");
    cause
}

fn image(sim: &mut Sim, args: &Args, words: &[String], files: &dyn Files) -> Output {
    let (resources, images) = match resources_and_images(words) {
        Ok(r) => r,
        Err(e) => return Output::error(format!("error: {e}")),
    };
    if let Err(o) = check_output(args) {
        return o;
    }
    let dry_run = match DryRun::parse(args) {
        Ok(d) => d,
        Err(o) => return o,
    };
    if resources.is_empty() && args.all("filename").is_empty() {
        return Output::error(MISSING_RESOURCE);
    }
    let (objects, errors) = match lookup_targets(sim, args, &resources, files, false) {
        Ok(t) => t,
        Err(o) => return o,
    };
    if !errors.is_empty() {
        return finish(String::new(), &errors);
    }
    let mut invalid = Vec::new();
    if args.flag("all") && args.value("selector").is_some() {
        invalid.push("cannot set --all and --selector at the same time".to_string());
    }
    if images.is_empty() {
        invalid.push("at least one image update is required".to_string());
    } else if images.len() > 1 && images.contains_key("*") {
        invalid.push("all containers are already specified by *, but saw more than one container_name=container_image pairs".to_string());
    }
    if !invalid.is_empty() {
        return finish(String::new(), &invalid);
    }
    let mut errors = Vec::new();
    let mut patch_errors = Vec::new();
    let mut changed = Vec::new();
    for obj in objects {
        let key = ObjectRef::of(&obj);
        let mut updated = obj.clone();
        match pod_spec_mut(&mut updated) {
            Ok(spec) => {
                for (name, image) in &images {
                    let init = spec.init_containers.as_deref_mut().is_some_and(|c| set_image(c, name, image));
                    let main = set_image(&mut spec.containers, name, image);
                    if !init && !main {
                        errors.push(format!("error: unable to find container named \"{name}\""));
                    }
                }
            }
            Err(e) => {
                patch_errors.push(format!("error: {}/{} {e}\n", key.kind.info().plural, key.name));
                continue;
            }
        }
        if args.flag("record") {
            let annotations = updated.metadata_mut().annotations.get_or_insert_with(BTreeMap::new);
            annotations.insert(CHANGE_CAUSE.to_string(), change_cause(args));
        }
        if updated != obj {
            changed.push(updated);
        }
    }
    errors.append(&mut patch_errors);
    let operation = format!("image updated{}", dry_run.suffix());
    let mut stdout = String::new();
    if dry_run != DryRun::None {
        for obj in &changed {
            stdout.push_str(&print_result(args, obj, &operation));
        }
        return finish(stdout, &errors);
    }
    let summary = format!("kubectl set image {}", words.join(" "));
    for result in write_all(sim, summary, changed) {
        match result {
            Ok(obj) => stdout.push_str(&print_result(args, &obj, &operation)),
            Err(e) => errors.push(format!("failed to patch image update to pod template: {e}")),
        }
    }
    finish(stdout, &errors)
}
