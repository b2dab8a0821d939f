// Wall-clock benchmark of the plugin next to plain kubectl, side by side in one run, on the local
// cluster.
//   node scripts/bench.mjs [runs]
// Needs `npm run package` (the executable in dist/release/<os>_<arch>, as krew installs it) and
// `scripts/cluster up`. Prints the median, min and max of each command over `runs` (default 20).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hostPlatform } from './manifest.mjs';

const repo = join(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 20);
const host = hostPlatform();
const pluginDir = join(repo, 'dist', 'release', host);
const exe = join(pluginDir, 'kubectl-copy_target');
if (!existsSync(exe)) throw new Error(`no executable at ${exe}; run npm run package`);
const kubeconfig = execFileSync(join(repo, 'scripts/cluster'), ['env'], { encoding: 'utf8' }).trim().replace(/^export KUBECONFIG=/, '');
const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${pluginDir}:${process.env.PATH}` };
const ns = 'bench';

const runOk = (command, args) => {
  const r = spawnSync(command, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const kubectl = (...args) => runOk('kubectl', args);

function time(label, command, args, after) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    runOk(command, args);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    after?.();
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(`${label.padEnd(64)} median ${median.toFixed(0).padStart(5)} ms   min ${ms[0].toFixed(0).padStart(5)}   max ${ms.at(-1).toFixed(0).padStart(5)}`);
  return median;
}

const ratio = (a, b) => `${(a / b).toFixed(2)}x (${a >= b ? '+' : ''}${(a - b).toFixed(0)} ms)`;

spawnSync('kubectl', ['create', 'namespace', ns], { env });
kubectl('apply', '-n', ns, '-f', join(repo, 'scripts/demo.d/py-serv.yaml'));
kubectl('rollout', 'status', '-n', ns, 'deployment/py-serv-deployment', '--timeout=120s');
kubectl('copy-target', '-n', ns, 'deploy/py-serv-deployment', '--new'); // one copy for status to list
const mib = (f) => `${(statSync(f).size / 1024 / 1024).toFixed(1)} MiB`;
console.log(`${runs} runs each, ${new Date().toISOString()}, executable ${exe} (${mib(exe)}, archive ${mib(join(repo, 'dist', 'release', `kubectl-copy_target_${host}.tar.gz`))})`);

const kubectlClient = time('kubectl version --client', 'kubectl', ['version', '--client']);
const help = time('kubectl-copy_target --help (direct)', exe, ['--help']);
const version = time('kubectl-copy_target version (direct, one request)', exe, ['version']);
console.log(`  --help vs kubectl version --client: ${ratio(help, kubectlClient)}; version: ${ratio(version, kubectlClient)}`);
const getJobs = time('kubectl get jobs -A -l app.kubernetes.io/managed-by=...', 'kubectl', ['get', 'jobs', '-A', '-l', 'app.kubernetes.io/managed-by=kubectl-copy-target']);
const status = time('kubectl copy-target status -A', 'kubectl', ['copy-target', 'status', '-A']);
console.log(`  status -A vs get jobs -A -l: ${ratio(status, getJobs)}`);
time('kubectl copy-target deploy/... --new (create, wait Running) + delete', 'kubectl', ['copy-target', '-n', ns, 'deploy/py-serv-deployment', '--new'], () =>
  kubectl('copy-target', 'delete', '--all', '-n', ns),
);
spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], { env });
