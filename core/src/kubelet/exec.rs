//! `kubectl exec` commands that change a container's files (`touch`, `rm`, `echo … > FILE`,
//! directly or in `sh -c`): they run against the files the container's process holds, as the
//! runtime's exec does in the container's mount namespace, so the container's own script and
//! the next exec probe see the change (`kubectl exec liveness-exec -- rm /tmp/healthy` makes
//! an exec liveness probe on that file fail).

use std::sync::Arc;

use crate::store::ObjectRef;

use super::probe_exec::{self, Exit};
use super::State;

impl State {
    /// Runs `argv` in `container` of the pod if it changes files and the container has a
    /// process; `None` leaves the command to the read-only shell. `Err(program)` when the image
    /// has no such program.
    pub fn exec_changing_files(&mut self, key: &ObjectRef, container: &str, argv: &[String]) -> Option<Result<Exit, String>> {
        if probe_exec::changed_paths(argv).is_empty() {
            return None;
        }
        let rt = Arc::make_mut(self.pods.get_mut(key)?);
        let c = rt.app.iter_mut().chain(rt.init.iter_mut()).find(|c| c.name == container)?;
        c.run_command(argv)
    }
}
