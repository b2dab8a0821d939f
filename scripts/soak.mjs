// The randomized soak of issue 27: `npm run soak -- --minutes M --clients K`.
//
// K clients (each its own ServiceAccount, some with a clock minutes off under libfaketime) run the
// packaged executable through kubectl, one random command after another (copy, a foreground
// --scale-down ended by Ctrl-C, --scale-down --detach, delete, gc, status, run, extend), against
// a namespace of its own on the local cluster (COPY_TARGET_CLUSTER_STATE; started if it is down,
// as npm run bench does). Meanwhile: signal faults (SIGKILL, SIGINT, SIGSTOP+SIGCONT) of clients
// mid-command, an API server restart every few minutes (scripts/cluster stop-apiserver /
// start-apiserver), a fault proxy between the clients and the API server (jitter, dropped
// connections, 429/503 with Retry-After), and an admin's `kubectl scale` of a held workload now
// and then (the new expectation). Invariants: see scripts/soak.d/hold-watch.mjs (continuous) and
// final-checks.mjs (at the end); exit codes and stack traces of every command. Writes SOAK.md
// (or --report FILE) and exits 1 on any violation.
//
//   --minutes M       how long the clients run (default 10; fractions allowed)
//   --clients K       how many (default 4)
//   --report FILE     where the Markdown report goes (default SOAK.md in the repository)
//   --summary FILE    also write the counts and violations as JSON (for test/e2e/soak.test.ts)
//   --plugin-dir DIR  where kubectl finds kubectl-copy_target (default dist/release/<host platform>,
//                     the packaged executable; the e2e test passes the suite's own)
//   --seed N          replay a run's random choices (the timing still differs)
//   --plant-violation plant two violations, to prove the checks can fail: the admin rewrites the
//                     session of a live hold (a takeover the watch must flag), and leaves an
//                     annotation of ours on deploy/web before the final checks
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hostPlatform } from './manifest.mjs';
import { adminKubectl, claimUids, clientUsers, clusterAccess, clusterCommand, createWorkloads, ensureCluster, mustAdmin, repo, workloads } from './soak.d/cluster.mjs';
import { clientKubeconfig, DOCUMENTED_EXIT_CODES, OP_KINDS, OP_WEIGHTS, rng, runClient, SIGNAL_FAULTS, STACK_TRACE } from './soak.d/client.mjs';
import { startFaultProxy } from './soak.d/fault-proxy.mjs';
import { adminGc, finalChecks, latestDeadline } from './soak.d/final-checks.mjs';
import { startHoldWatch } from './soak.d/hold-watch.mjs';
import { renderReport } from './soak.d/report.mjs';

const { values: cli } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    report: { type: 'string' },
    summary: { type: 'string' },
    seed: { type: 'string' },
    'plugin-dir': { type: 'string' },
    'plant-violation': { type: 'boolean', default: false },
  },
});
const minutes = Number(cli.minutes);
const clientCount = Number(cli.clients);
if (!(minutes > 0) || !Number.isInteger(clientCount) || clientCount < 1) throw new Error('--minutes must be > 0 and --clients a whole number ≥ 1');
const seed = cli.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(cli.seed);
const random = rng(seed);
const reportFile = resolve(cli.report ?? join(repo, 'SOAK.md'));
const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const FAULT_RATE = 0.35; // of commands that get a signal fault at a random moment (if still running then)
const PROXY_RATES = { 429: 0.02, 503: 0.02, dropRequest: 0.01, dropAnswer: 0.01 };
const JITTER_MS = 150;
const HANG_MS = 240_000;
const API_RESTART_EVERY_S = [120, 240];
/** Clock offsets (libfaketime) of every other client: minutes either way. */
const SKEWS = ['+4m', '-6m', '+9m', '-3m'];
const ADMIN_SCALE = 'admin kubectl scale of a held workload';
const API_RESTART = 'API server restart (stop-apiserver, start-apiserver)';
const CUT_ALL = 'proxy cut every open connection at once';

const platform = hostPlatform();
const pluginDir = resolve(cli['plugin-dir'] ?? join(repo, 'dist', 'release', platform));
if (!existsSync(join(pluginDir, 'kubectl-copy_target'))) throw new Error(`no kubectl-copy_target in ${pluginDir}; run node scripts/package.mjs --platforms ${platform}`);
process.env.PATH = `${pluginDir}:${process.env.PATH}`; // the admin's final gc finds the same executable
const libfaketime = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find(existsSync);
if (!libfaketime) log('soak: libfaketime not found (apt-get install faketime): every client runs on the real clock');

const startedAt = Date.now();
const kubeconfig = ensureCluster(log);
const access = clusterAccess(kubeconfig);
const list = workloads();
const ns = await createWorkloads(kubeconfig, list, log);
const expected = new Map(list.map((w) => [w.ref, w.expected]));
// The StatefulSet makes its claims as it makes its pods: wait for both.
let claims = {};
for (let i = 0; i < 60 && Object.keys(claims).length < 2; i++, await sleep(1000)) claims = await claimUids(kubeconfig, ns);
log(`soak: claims ${Object.entries(claims).map(([n, c]) => `${n} (${c.phase})`).join(', ')}`);
const users = await clientUsers(kubeconfig, ns, clientCount);

const faults = Object.fromEntries([...SIGNAL_FAULTS, API_RESTART, ADMIN_SCALE, CUT_ALL, 'proxy 429 + Retry-After', 'proxy 503 + Retry-After', 'proxy drop before forwarding', 'proxy drop of the answer (request done upstream)', 'proxy jitter (requests delayed)'].map((k) => [k, 0]));
const count = (kind) => (faults[kind] = (faults[kind] ?? 0) + 1);
const violations = [];
const violation = (v) => {
  // The watch names workloads by kind/name; the clients' commands by the refs they typed.
  const named = list.find((w) => `${w.kind}/${w.name}` === v.workload);
  if (named) v.workload = named.ref;
  violations.push(v);
  log(`soak: VIOLATION (${v.invariant}): ${v.message}`);
};
const ops = [];
const logDir = mkdtempSync(join(tmpdir(), 'soak-logs-'));

const proxyFaults = [];
const userByAuthorization = new Map(users.map((u) => [`Bearer ${u.token}`, u.name]));
const proxy = await startFaultProxy({
  server: access.server, ca: access.ca, pki: access.pki, rates: PROXY_RATES, jitterMs: JITTER_MS, count, random: random.next,
  userOf: (authorization) => userByAuthorization.get(authorization),
  onFault: (f) => {
    proxyFaults.push(f);
    appendFileSync(join(logDir, 'proxy-faults.log'), `${new Date(f.at).toISOString()} ${f.user ?? '?'} ${f.fault} ${f.request}\n`);
  },
});
const watch = startHoldWatch({
  server: access.server, ca: access.ca, token: access.adminToken, ns, violation, log,
  history: (line) => appendFileSync(join(logDir, 'holds.log'), `${line}\n`),
});

function record(op) {
  ops.push(op);
  appendFileSync(join(logDir, `client-${op.client}.log`), `== ${op.id} ${new Date(op.start).toISOString()} kubectl copy-target ${op.args.join(' ')} → exit ${op.code} in ${op.ms} ms${op.fault ? ` (fault: ${op.fault})` : ''}\n${op.stdout}${op.stderr}\n`);
  const killedOnPurpose = op.fault?.startsWith('SIGKILL') || op.hung;
  if (op.hung) violation({ invariant: 'documented exit, no stack trace', workload: op.target, at: op.end, op: op.id, message: `${op.id} did not end within ${HANG_MS / 1000}s: kubectl copy-target ${op.args.join(' ')}` });
  if (!killedOnPurpose && !op.allowedCodes.includes(op.code)) {
    violation({ invariant: 'documented exit, no stack trace', workload: op.target, at: op.end, op: op.id, message: `${op.id} exited ${op.code}, which README does not document: kubectl copy-target ${op.args.join(' ')}` });
  }
  // -v prints the error's stack trace by design (README "Output and exit codes"); Node's own warnings never.
  const trace = STACK_TRACE.exec(op.verbose ? op.stderr.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n') : op.stderr);
  if (trace) violation({ invariant: 'documented exit, no stack trace', workload: op.target, at: op.end, op: op.id, message: `${op.id}'s stderr holds a stack trace or Node warning (${trace[0].trim()}): kubectl copy-target ${op.args.join(' ')}` });
}

// Every kind of command and of signal fault comes up early (so a short run still has each), then at random.
const firstKinds = [...OP_KINDS].sort(() => random.next() - 0.5);
const nextKind = () => firstKinds.shift() ?? random.weighted(OP_WEIGHTS);
const nextFault = () => [...SIGNAL_FAULTS].sort((a, b) => faults[a] - faults[b])[0];

const clientsStart = Date.now();
const endAt = clientsStart + minutes * 60_000;
const running = () => Date.now() < endAt;
const clients = users.map((user, index) => {
  const skew = libfaketime && index % 2 === 1 ? SKEWS[((index - 1) / 2) % SKEWS.length] : undefined;
  const env = {
    ...process.env,
    KUBECONFIG: clientKubeconfig({ proxyUrl: proxy.url, caFile: access.caFile, user, ns }),
    ...(skew && { LD_PRELOAD: libfaketime, FAKETIME: skew, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_DONT_RESET: '1' }),
  };
  return { name: user.name, skew, env, index };
});
log(`soak: ${clientCount} clients for ${minutes} min (seed ${seed}), through the fault proxy at ${proxy.url}; client logs in ${logDir}`);

let restarting = false;
const apiServerDowntimes = [];
async function apiServerRestarts() {
  // The first early enough that a short run has one; then every few minutes.
  let next = clientsStart + Math.min(minutes * 60_000 * 0.4, random.int(...API_RESTART_EVERY_S) * 1000);
  while (running()) {
    if (Date.now() < next) {
      await sleep(Math.min(1000, next - Date.now()));
      continue;
    }
    restarting = true;
    try {
      count(API_RESTART);
      log('soak: stopping the API server');
      const down = { from: Date.now() };
      apiServerDowntimes.push(down);
      await clusterCommand('stop-apiserver');
      await sleep(random.int(2000, 8000));
      await clusterCommand('start-apiserver');
      down.to = Date.now();
      log('soak: API server back');
    } catch (err) {
      log(`soak: ${err.message}`);
      await clusterCommand('start-apiserver').catch(() => {});
    } finally {
      restarting = false;
    }
    next = Date.now() + random.int(...API_RESTART_EVERY_S) * 1000;
  }
}

async function adminScales() {
  let done = 0;
  while (running()) {
    await sleep(done === 0 ? 4000 : random.int(15_000, 40_000));
    if (!running() || restarting) continue;
    const held = watch.held().map((key) => list.find((w) => `${w.kind}/${w.name}` === key)).filter((w) => w && w.field === 'replicas');
    if (held.length === 0) continue;
    const w = random.pick(held);
    const replicas = random.pick([1, 2, 3].filter((n) => n !== expected.get(w.ref)));
    const r = await adminKubectl(kubeconfig, ['scale', `${w.resource}/${w.name}`, '-n', ns, `--replicas=${replicas}`]);
    if (r.code !== 0) {
      log(`soak: admin scale of ${w.ref} failed, not counted: ${r.stderr.trim()}`);
      continue;
    }
    count(ADMIN_SCALE);
    expected.set(w.ref, replicas);
    ops.push({ id: `admin-${++done}`, client: 'admin', kind: 'admin kubectl scale', target: w.ref, args: ['(kubectl)', 'scale', `${w.resource}/${w.name}`, `--replicas=${replicas}`], start: Date.now(), end: Date.now(), ms: 0, code: 0, stdout: r.stdout, stderr: r.stderr, admin: true });
    log(`soak: admin scaled held ${w.ref} to ${replicas}`);
  }
}

async function connectionCuts() {
  while (running()) {
    await sleep(random.int(20_000, 60_000));
    if (!running()) break;
    count(CUT_ALL);
    proxy.dropAll();
  }
}

/** --plant-violation: the admin replaces a live hold's session, as a broken takeover would. */
async function plantTakeover() {
  while (running()) {
    await sleep(2000);
    const key = watch.held()[0];
    const w = key && list.find((x) => `${x.kind}/${x.name}` === key);
    if (!w || restarting) continue;
    const o = JSON.parse((await adminKubectl(kubeconfig, ['get', w.resource, w.name, '-n', ns, '-o', 'json'])).stdout || '{}');
    const lease = Date.parse(o.metadata?.annotations?.['copy-target.dev/hold-lease-expires'] ?? '');
    if (!(lease > Date.now() + 5000)) continue;
    await mustAdmin(kubeconfig, ['annotate', '--overwrite', w.resource, w.name, '-n', ns, 'copy-target.dev/hold-session=planted-by-soak']);
    log(`soak: replaced the session of the live hold on ${w.ref} (--plant-violation)`);
    return;
  }
}

const background = [apiServerRestarts(), adminScales(), connectionCuts(), ...(cli['plant-violation'] ? [plantTakeover()] : [])];
await Promise.all(
  clients.map((c) =>
    runClient({ index: c.index, env: c.env, targets: list, random: rng(seed + 1 + c.index), until: running, nextKind, nextFault, record, count, faultRate: FAULT_RATE, hangMs: HANG_MS }),
  ),
);
await Promise.all(background);
const clientsMs = Date.now() - clientsStart;
log(`soak: clients stopped after ${(clientsMs / 60000).toFixed(1)} min, ${ops.filter((o) => !o.admin).length} commands`);

// Every lease, ttl and ready-by must pass before the final gc may remove everything.
const leaseWaitStart = Date.now();
for (;;) {
  const until = await latestDeadline(kubeconfig, ns, list);
  if (Date.now() > until + 2000) break;
  log(`soak: waiting until ${new Date(until + 2000).toISOString()} for leases and ttls to pass`);
  await sleep(Math.min(until + 2000 - Date.now() + 100, 30_000));
}
const leaseWaitMs = Date.now() - leaseWaitStart;
const gc = await adminGc(kubeconfig, ns);
log(`soak: final gc exited ${gc.code}`);
if (gc.code !== 0) violation({ invariant: 'documented exit, no stack trace', at: Date.now(), message: `the final admin gc exited ${gc.code}: ${gc.stderr.trim()}` });
if (cli['plant-violation']) {
  await mustAdmin(kubeconfig, ['annotate', 'deployment/web', '-n', ns, 'copy-target.dev/planted-by-soak=violation']);
  log('soak: planted an annotation of ours on deploy/web (--plant-violation)');
}
const final = await finalChecks({ kubeconfig, ns, list, expected, claims, log });
for (const v of final.violations) violation(v);
await watch.stop();
await proxy.close();

const endedAt = Date.now();
const commit = (() => {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).trim();
    return dirty ? `${sha} with uncommitted changes` : sha;
  } catch {
    return 'unknown (not a git checkout)';
  }
})();
const report = {
  command: `npm run soak -- --minutes ${cli.minutes} --clients ${cli.clients}${cli.seed !== undefined ? ` --seed ${seed}` : ''}${cli['plant-violation'] ? ' --plant-violation' : ''}`,
  commit,
  machine: `${type()} ${release()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end, Node ${process.version}`,
  plugin: join(pluginDir, 'kubectl-copy_target'),
  cluster: `${process.env.COPY_TARGET_CLUSTER_STATE ?? 'the default state dir'} (${kubeconfig})`,
  startedAt, endedAt, clientsMs, leaseWaitMs, ns, seed,
  clients: clients.map((c) => ({ name: c.name, skew: c.skew })),
  workloads: list.map((w) => ({ ref: w.ref, field: w.field, initial: w.expected })),
  claims, ops: ops.filter((o) => !o.admin).concat(ops.filter((o) => o.admin)), opKinds: [...OP_KINDS, ...(ops.some((o) => o.admin) ? ['admin kubectl scale'] : [])], faults, proxyFaults, apiServerDowntimes, watch: watch.stats, gc, checked: final.checked, violations,
};
mkdirSync(join(reportFile, '..'), { recursive: true });
writeFileSync(reportFile, renderReport(report));
if (cli.summary) {
  const opsPerKind = Object.fromEntries(OP_KINDS.map((k) => [k, ops.filter((o) => o.kind === k).length]));
  writeFileSync(cli.summary, JSON.stringify({ violations, opsPerKind, faults, documentedExitCodes: DOCUMENTED_EXIT_CODES, watch: watch.stats, logDir }, null, 2));
}
log(`soak: ${violations.length} violation(s); report in ${reportFile}`);
// The namespace stays for a look after a violation; a clean run removes it.
if (violations.length === 0) await adminKubectl(kubeconfig, ['delete', 'namespace', ns, '--wait=false']);
process.exit(violations.length === 0 ? 0 : 1);
