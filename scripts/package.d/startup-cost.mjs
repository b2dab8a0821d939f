// What V8's code cache buys at start-up: runs two executables of one commit, alternately, and prints
// the median, min and max wall time of each command (BENCHMARKS.md, "Start-up without the code cache").
//
//   node scripts/package.mjs --platforms linux_amd64 --code-cache --out dist/with-cache
//   node scripts/package.mjs --platforms linux_amd64
//   node scripts/package.d/startup-cost.mjs dist/with-cache/linux_amd64/kubectl-copy_target \
//     dist/release/linux_amd64/kubectl-copy_target [RUNS]
//
// Commands: `--help` (loads no Kubernetes client) and `status` against a kubeconfig whose server
// refuses connections at once (loads the client and the kubeconfig, fails on the connect), so no
// cluster or network time is in the figures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [withCache, withoutCache, runsArg] = process.argv.slice(2);
if (!withCache || !withoutCache) {
  console.error('usage: node scripts/package.d/startup-cost.mjs EXE_WITH_CODE_CACHE EXE_WITHOUT [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 20);
const tmp = mkdtempSync(join(tmpdir(), 'copy-target-startup-'));
const kubeconfig = join(tmp, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{ name: refused, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: nobody, user: { token: unused } }]
contexts: [{ name: refused, context: { cluster: refused, user: nobody, namespace: default } }]
current-context: refused
`,
);
const commands = [['--help'], ['status']];
const env = { ...process.env, KUBECONFIG: kubeconfig };

function timeOnce(exe, args) {
  const start = process.hrtime.bigint();
  spawnSync(exe, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const stats = (ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
};

console.log('| command | code cache | median | min | max |');
console.log('|---|---|---|---|---|');
const medians = {};
for (const args of commands) {
  const times = { with: [], without: [] };
  timeOnce(withCache, args); // warm the page cache for both
  timeOnce(withoutCache, args);
  for (let i = 0; i < runs; i++) {
    times.with.push(timeOnce(withCache, args));
    times.without.push(timeOnce(withoutCache, args));
  }
  for (const which of ['with', 'without']) {
    const s = stats(times[which]);
    medians[`${args.join(' ')} ${which}`] = s.median;
    console.log(`| \`${args.join(' ')}\` | ${which} | ${s.median.toFixed(0)} ms | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} |`);
  }
}
console.log('');
for (const args of commands) {
  const name = args.join(' ');
  const w = medians[`${name} with`];
  const wo = medians[`${name} without`];
  console.log(`\`${name}\`: without the cache +${(wo - w).toFixed(0)} ms (${(wo / w).toFixed(2)}×).`);
}
rmSync(tmp, { recursive: true, force: true });
