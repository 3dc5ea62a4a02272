//! `kubectl exec` commands that change a container's files (`touch`, `rm`, `echo … > FILE`,
//! directly or in `sh -c`): they run against the files the container's process holds, as the
//! runtime's exec does in the container's mount namespace, so the container's own script and
//! the next exec probe see the change (`kubectl exec liveness-exec -- rm /tmp/healthy` makes
//! an exec liveness probe on that file fail).

use std::sync::Arc;

use crate::store::ObjectRef;

use super::probe_exec::Exit;
use super::State;

impl State {
    /// Runs `argv`, a command that changes files (`probe_exec::changed_paths`), in `container`
    /// of the pod; `None` when the container has no process. `Err(program)` when the image has
    /// no such program.
    pub fn exec_changing_files(&mut self, key: &ObjectRef, container: &str, argv: &[String]) -> Option<Result<Exit, String>> {
        let rt = Arc::make_mut(self.pods.get_mut(key)?);
        let c = rt.app.iter_mut().chain(rt.init.iter_mut()).find(|c| c.name == container)?;
        c.run_command(argv)
    }
}
