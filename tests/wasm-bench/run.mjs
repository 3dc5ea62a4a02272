// Times the wasm build of the write-path benchmark in Node (called by `cargo xtask bench`).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
const require = createRequire(import.meta.url);
const bench = require(process.argv[2]);
if (process.argv[3] === 'cluster') {
  // node run.mjs PKG cluster NODES DEPLOYMENTS REPLICAS: one run of the whole-cluster benchmark.
  const [nodes, deployments, replicas] = process.argv.slice(4, 7).map(Number);
  bench.prepare_cluster(nodes, deployments, replicas);
  const t0 = performance.now();
  const ready = bench.run_cluster();
  const seconds = (performance.now() - t0) / 1000;
  bench.finish_cluster();
  if (ready !== deployments * replicas) { console.error(`${ready} of ${deployments * replicas} pods ready`); process.exit(1); }
  console.log(JSON.stringify({ pods: ready, settle: seconds }));
  process.exit(0);
}
const n = Number(process.argv[3] ?? 150000);
// Cold (fresh linear memory), then warm (memory reused; median of five), as natively.
function timed() {
  bench.prepare_write_pods(n);
  const t0 = performance.now();
  const watched = bench.run_write_pods();
  const seconds = (performance.now() - t0) / 1000;
  bench.finish();
  if (watched !== n) { console.error(`watched ${watched} of ${n} writes`); process.exit(1); }
  return seconds;
}
const cold = timed();
const runs = Array.from({ length: 5 }, timed).sort((a, b) => a - b);
const warm = runs[2]; // the median, as natively
console.log(JSON.stringify({ pods: n, cold, warm }));
