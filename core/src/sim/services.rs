//! The service registry's share of a Service write, between defaulting and validation: cluster
//! IPs and node ports are allocated (`BeginCreate` / `BeginUpdate`), type-dependent fields are
//! dropped on update (`PrepareForUpdate`), and a removed Service gives its allocations back.
//!
//! As in kube-apiserver, allocation comes before validation: an invalid Service may still be
//! refused for an address or port first. What a write allocated is undone if the write fails;
//! what it gives up is freed only once it succeeded.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{Service, ServiceSpec};

use crate::api::validate::{service_cluster_ips, BadValue, FieldError};
use crate::api::{Kind, Object};
use crate::store::ObjectRef;

use super::allocator::{Txn, RANGE_FULL};
use super::apiserver::{Api, ApiError};
use super::service_fields::{
    drop_type_dependent_fields, held_ips, is_headless, needs_cluster_ip, needs_health_check, needs_node_port,
    node_port, node_ports, normalize_cluster_ips, patch_allocated_values, should_allocate_node_ports, type_of,
};

fn invalid(svc: &Service, errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid { key: ObjectRef::new(Kind::Service, svc.metadata.namespace.as_deref(), svc.metadata.name.as_deref().unwrap_or("")), errors }
}

fn internal(message: String) -> ApiError {
    ApiError::InternalError { message }
}

impl Api<'_> {
    /// `BeginCreate` for a Service (nothing for other kinds).
    pub(super) fn begin_create(&mut self, obj: &mut Object) -> Result<Txn, ApiError> {
        let Object::Service(svc) = obj else { return Ok(Txn::default()) };
        let spec = svc.spec.get_or_insert_with(Default::default);
        if spec.cluster_ip.as_deref().is_some_and(|ip| !ip.is_empty()) && spec.cluster_ips.as_ref().is_none_or(Vec::is_empty) {
            spec.cluster_ips = Some(vec![spec.cluster_ip.clone().unwrap_or_default()]);
        }
        self.check_ip_fields(svc)?;
        let mut txn = Txn::default();
        let result = self.allocate_for_create(svc, &mut txn);
        self.transact(txn, result)
    }

    /// `BeginUpdate` and `PrepareForUpdate` for a Service (nothing for other kinds).
    pub(super) fn begin_update(&mut self, obj: &mut Object, old: &Object) -> Result<Txn, ApiError> {
        let (Object::Service(svc), Object::Service(old)) = (obj, old) else { return Ok(Txn::default()) };
        let old_spec = old.spec.clone().unwrap_or_default();
        let spec = svc.spec.get_or_insert_with(Default::default);
        patch_allocated_values(spec, &old_spec);
        normalize_cluster_ips(spec, &old_spec);
        self.check_ip_fields(svc)?;
        let mut txn = Txn::default();
        let result = self.allocate_for_update(svc, &old_spec, &mut txn);
        let txn = self.transact(txn, result)?;
        if let Some(spec) = svc.spec.as_mut() {
            drop_type_dependent_fields(spec, &old_spec);
        }
        Ok(txn)
    }

    /// Ends a write's allocations: kept (and what it gave up freed) if it succeeded, undone if not.
    pub(super) fn finish_allocations(&mut self, txn: &Txn, succeeded: bool) {
        if succeeded {
            self.alloc.commit(txn);
        } else {
            self.alloc.revert(txn);
        }
    }

    /// A Service left the store: its cluster IPs, node ports and health-check port are free.
    pub(super) fn release_allocations(&mut self, removed: &Object) {
        let Object::Service(svc) = removed else { return };
        let Some(spec) = &svc.spec else { return };
        for ip in held_ips(spec) {
            self.alloc.ips.release(ip);
        }
        for port in node_ports(spec) {
            self.alloc.node_ports.release(port);
        }
        if needs_health_check(spec) {
            if let Some(hc) = spec.health_check_node_port.filter(|p| *p > 0) {
                self.alloc.node_ports.release(hc);
            }
        }
    }

    fn transact(&mut self, txn: Txn, result: Result<(), ApiError>) -> Result<Txn, ApiError> {
        match result {
            Ok(()) => Ok(txn),
            Err(e) => {
                self.alloc.revert(&txn);
                Err(e)
            }
        }
    }

    /// The registry's `initIPFamilyFields` checks, for a cluster that serves IPv4 only.
    fn check_ip_fields(&self, svc: &Service) -> Result<(), ApiError> {
        let mut errors = service_cluster_ips(svc);
        let spec = svc.spec.clone().unwrap_or_default();
        let selectorless = spec.selector.as_ref().is_none_or(|s| s.is_empty());
        if errors.is_empty() && needs_cluster_ip(&spec) && !(is_headless(&spec) && selectorless) {
            if let Some(policy) = spec.ip_family_policy.as_deref().filter(|p| *p == "RequireDualStack") {
                let why = "this cluster is not configured for dual-stack services";
                errors.push(FieldError::invalid("spec.ipFamilyPolicy", BadValue::Str(policy.into()), why));
            }
            for (i, family) in spec.ip_families.iter().flatten().enumerate() {
                if family != "IPv4" {
                    let path = format!("spec.ipFamilies[{i}]");
                    errors.push(FieldError::invalid(path, BadValue::Str(family.clone()), "not configured on this cluster"));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(invalid(svc, errors))
        }
    }

    fn allocate_for_create(&mut self, svc: &mut Service, txn: &mut Txn) -> Result<(), ApiError> {
        self.allocate_cluster_ip(svc, txn)?;
        let spec = svc.spec.clone().unwrap_or_default();
        if needs_node_port(&spec) {
            self.init_node_ports(svc, txn)?;
        }
        if needs_health_check(&spec) {
            self.allocate_health_check(svc, txn)?;
        }
        Ok(())
    }

    fn allocate_for_update(&mut self, svc: &mut Service, old: &ServiceSpec, txn: &mut Txn) -> Result<(), ApiError> {
        let spec = svc.spec.clone().unwrap_or_default();
        if !needs_cluster_ip(old) && needs_cluster_ip(&spec) {
            self.allocate_cluster_ip(svc, txn)?;
        } else if needs_cluster_ip(old) && !needs_cluster_ip(&spec) {
            txn.released_ips.extend(held_ips(old));
        }
        if needs_node_port(old) && matches!(type_of(&spec), "ExternalName" | "ClusterIP") {
            txn.released_ports.extend(node_ports(old));
        }
        if needs_node_port(&spec) {
            self.update_node_ports(svc, old, txn)?;
        }
        match (needs_health_check(old), needs_health_check(&spec)) {
            (false, true) => self.allocate_health_check(svc, txn)?,
            (true, false) => txn.released_ports.push(old.health_check_node_port.unwrap_or(0)),
            _ => {}
        }
        Ok(())
    }

    /// `allocClusterIPs` for a single-stack IPv4 cluster: the requested address, or a free one.
    fn allocate_cluster_ip(&mut self, svc: &mut Service, txn: &mut Txn) -> Result<(), ApiError> {
        let Some(spec) = svc.spec.as_ref() else { return Ok(()) };
        if !needs_cluster_ip(spec) || is_headless(spec) {
            return Ok(());
        }
        let requested = spec.cluster_ips.as_deref().and_then(<[String]>::first).cloned().unwrap_or_default();
        let ip = if requested.is_empty() {
            let ip = self.alloc.ips.allocate_next(self.rng);
            ip.ok_or_else(|| internal(format!("failed to allocate a serviceIP: {RANGE_FULL}")))?
        } else {
            let parsed: Option<Ipv4Addr> = requested.parse().ok();
            let taken = match parsed {
                Some(ip) => self.alloc.ips.allocate(ip).map(|()| ip),
                None => Err(format!("the provided IP ({requested}) is not in the valid range")),
            };
            taken.map_err(|why| {
                let value = BadValue::go_strings(spec.cluster_ips.as_deref());
                invalid(svc, vec![FieldError::invalid("spec.clusterIPs", value, format!("failed to allocate IP {requested}: {why}"))])
            })?
        };
        txn.allocated_ips.push(ip);
        if let Some(spec) = svc.spec.as_mut() {
            spec.cluster_ip = Some(ip.to_string());
            spec.cluster_ips = Some(vec![ip.to_string()]);
        }
        Ok(())
    }

    fn take_port(&mut self, svc: &Service, i: usize, port: i32, txn: &mut Txn) -> Result<(), ApiError> {
        self.alloc.node_ports.allocate(port).map_err(|why| {
            invalid(svc, vec![FieldError::invalid(format!("spec.ports[{i}].nodePort"), BadValue::Int(port.into()), why)])
        })?;
        txn.allocated_ports.push(port);
        Ok(())
    }

    fn next_port(&mut self, txn: &mut Txn) -> Result<i32, ApiError> {
        let port = self.alloc.node_ports.allocate_next(self.rng);
        let port = port.ok_or_else(|| internal(format!("failed to allocate a nodePort: {RANGE_FULL}")))?;
        txn.allocated_ports.push(port);
        Ok(port)
    }

    /// `initNodePorts`: ports that share a port number share a node port; a requested node
    /// port is taken as it is, the others are picked.
    fn init_node_ports(&mut self, svc: &mut Service, txn: &mut Txn) -> Result<(), ApiError> {
        let spec = svc.spec.clone().unwrap_or_default();
        let ports = spec.ports.clone().unwrap_or_default();
        let allocate = should_allocate_node_ports(&spec);
        let mut by_port: BTreeMap<i32, i32> = BTreeMap::new();
        for (i, p) in ports.iter().enumerate() {
            let np = node_port(p);
            if np == 0 && !allocate {
                continue;
            }
            let chosen = match by_port.get(&p.port).copied() {
                None => {
                    let requested = ports.iter().find(|q| q.port == p.port && node_port(q) != 0).map_or(0, node_port);
                    let chosen = if requested != 0 {
                        self.take_port(svc, i, requested, txn)?;
                        requested
                    } else {
                        self.next_port(txn)?
                    };
                    by_port.insert(p.port, chosen);
                    chosen
                }
                Some(shared) if np == 0 => shared,
                Some(shared) if np != shared => {
                    self.take_port(svc, i, np, txn)?;
                    np
                }
                Some(shared) => shared,
            };
            set_node_port(svc, i, chosen);
        }
        Ok(())
    }

    /// `updateNodePorts`: node ports the old Service held are kept, new ones are taken or
    /// picked, and the ones no port uses any more are given up.
    fn update_node_ports(&mut self, svc: &mut Service, old: &ServiceSpec, txn: &mut Txn) -> Result<(), ApiError> {
        let spec = svc.spec.clone().unwrap_or_default();
        let old_ports = node_ports(old);
        let allocate = should_allocate_node_ports(&spec);
        let mut taken = BTreeSet::new();
        for (i, p) in spec.ports.iter().flatten().enumerate() {
            let np = node_port(p);
            if np == 0 && !allocate {
                continue;
            }
            if np != 0 {
                if !old_ports.contains(&np) && taken.insert(np) {
                    self.take_port(svc, i, np, txn)?;
                }
            } else {
                let picked = self.next_port(txn)?;
                set_node_port(svc, i, picked);
            }
        }
        let now = svc.spec.as_ref().map(node_ports).unwrap_or_default();
        txn.released_ports.extend(old_ports.into_iter().filter(|p| !now.contains(p)));
        Ok(())
    }

    /// `allocHealthCheckNodePort`, from the node-port range.
    fn allocate_health_check(&mut self, svc: &mut Service, txn: &mut Txn) -> Result<(), ApiError> {
        let requested = svc.spec.as_ref().and_then(|s| s.health_check_node_port).unwrap_or(0);
        if requested != 0 {
            self.alloc.node_ports.allocate(requested).map_err(|why| {
                internal(format!("failed to allocate requested HealthCheck NodePort {requested}: {why}"))
            })?;
            txn.allocated_ports.push(requested);
            return Ok(());
        }
        let Some(port) = self.alloc.node_ports.allocate_next(self.rng) else {
            return Err(internal(format!("failed to allocate a HealthCheck NodePort 0: {RANGE_FULL}")));
        };
        txn.allocated_ports.push(port);
        if let Some(spec) = svc.spec.as_mut() {
            spec.health_check_node_port = Some(port);
        }
        Ok(())
    }
}

fn set_node_port(svc: &mut Service, i: usize, port: i32) {
    if let Some(p) = svc.spec.as_mut().and_then(|s| s.ports.as_mut()).and_then(|ps| ps.get_mut(i)) {
        p.node_port = Some(port);
    }
}

#[cfg(test)]
#[path = "services_tests.rs"]
mod tests;
