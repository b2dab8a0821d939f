// Wall-clock benchmark of the plugin next to plain kubectl, on the local cluster.
//   node scripts/bench.mjs [runs]      (needs `npm run build` and `scripts/cluster up`)
// Prints the median and 90th percentile of each command over `runs` (default 20) runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 20);
const kubeconfig = execFileSync(join(repo, 'scripts/cluster'), ['env'], { encoding: 'utf8' }).trim().replace(/^export KUBECONFIG=/, '');
const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${join(repo, 'bin')}:${process.env.PATH}` };
const ns = 'bench';

const kubectl = (...args) => {
  const r = spawnSync('kubectl', args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

function time(label, args, after) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    kubectl(...args);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    after?.();
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(0);
  console.log(`${label.padEnd(62)} median ${at(0.5).padStart(5)} ms   p90 ${at(0.9).padStart(5)} ms`);
}

spawnSync('kubectl', ['create', 'namespace', ns], { env });
kubectl('apply', '-n', ns, '-f', join(repo, 'scripts/demo.d/py-serv.yaml'));
kubectl('rollout', 'status', '-n', ns, 'deployment/py-serv-deployment', '--timeout=120s');
console.log(`${runs} runs each, ${new Date().toISOString()}`);
time('kubectl version', ['version', '-o', 'json']);
time('kubectl copy-target version', ['copy-target', 'version']);
time('kubectl get jobs', ['get', 'jobs', '-n', ns]);
time('kubectl copy-target status', ['copy-target', 'status', '-n', ns]);
time('kubectl copy-target deploy/... (create, wait Running) + delete', ['copy-target', '-n', ns, 'deploy/py-serv-deployment', '--new'], () =>
  kubectl('copy-target', 'delete', '--all', '-n', ns),
);
const pod = kubectl('get', 'pods', '-n', ns, '-l', 'app=py-serv', '-o', 'name').split('\n')[0];
time('kubectl debug POD --copy-to (create only, does not wait)', ['debug', '-n', ns, pod, '--copy-to=bench-debug', '--container=py-serv', '--image=busybox', '--profile=general', '--quiet'], () =>
  kubectl('delete', 'pod', 'bench-debug', '-n', ns, '--wait=false'),
);
spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], { env });
