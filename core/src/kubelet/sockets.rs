//! What the data path asks the kubelets: where a pod's sandbox is, and which ports its running
//! containers listen on.

use super::pod::CState;
use super::program::Program;
use super::State;
use crate::store::ObjectRef;

/// A pod's sandbox as the network sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxRef<'a> {
    pub node: &'a str,
    /// The sandbox (pause container) id, which is the CNI container id.
    pub id: &'a str,
    pub host_network: bool,
}

impl State {
    /// The sandbox of pod `key`, if its kubelet has created one.
    pub fn sandbox(&self, key: &ObjectRef) -> Option<SandboxRef<'_>> {
        let rt = self.pods.get(key)?;
        let sb = rt.sandbox.as_ref()?;
        Some(SandboxRef { node: &rt.node, id: &sb.id, host_network: rt.host_network })
    }

    /// Whether a running container of pod `key` listens on TCP `port`. Catalog servers listen
    /// on TCP only.
    pub fn tcp_listening(&self, key: &ObjectRef, port: u16) -> bool {
        let Some(rt) = self.pods.get(key) else { return false };
        rt.init.iter().chain(rt.app.iter()).any(|c| {
            matches!(c.state, CState::Running { .. }) && matches!(&c.program, Program::Server(s) if s.ports.contains(&port))
        })
    }

    /// Whether a running container of pod `key` listens on UDP `port`: CoreDNS on 53.
    pub fn udp_listening(&self, key: &ObjectRef, port: u16) -> bool {
        let Some(rt) = self.pods.get(key) else { return false };
        rt.app.iter().any(|c| {
            matches!(c.state, CState::Running { .. })
                && matches!(&c.program, Program::Server(s) if s.http == Some(crate::kubelet::images::Http::CoreDns) && port == 53)
        })
    }

    /// The HTTP server of pod `key` listening on TCP `port`: how it answers, its image tag,
    /// how long it has run, and whether it answers at all.
    pub fn http_server(&self, key: &ObjectRef, port: u16, now: crate::time::SimTime) -> Option<HttpServer> {
        let rt = self.pods.get(key)?;
        rt.app.iter().find_map(|c| {
            let CState::Running { started, .. } = &c.state else { return None };
            let Program::Server(s) = &c.program else { return None };
            let i = s.ports.iter().position(|p| *p == port)?;
            let tag = crate::kubelet::images::ImageRef::parse(&c.image).tag;
            Some(HttpServer {
                http: s.http.filter(|h| h.on_port(i, port)),
                tag,
                uptime_secs: now.since(*started).as_secs(),
                answers: s.answers,
                container: c.name.clone(),
                started: *started,
            })
        })
    }
}

/// A server a request reached (see `State::http_server`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpServer {
    /// None: it listens but does not speak HTTP (redis, postgres).
    pub http: Option<crate::kubelet::images::Http>,
    pub tag: String,
    pub uptime_secs: u64,
    pub answers: bool,
    /// The container that listens.
    pub container: String,
    pub started: crate::time::SimTime,
}
