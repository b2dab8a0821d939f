// One soak client: a person running the packaged plugin through kubectl (as users invoke it), one
// command after another, with their own identity and kubeconfig, some with a clock minutes off.
// Each command runs in a process group of its own, as from a terminal, so a Ctrl-C reaches a
// `run`'s local command too; signals (the client's faults) go to that group.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Exit codes README "Output and exit codes" documents, per command; `run` adds its local command's (sleep here: 0, or 128+N). */
export const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3, 4, 130];
const RUN_EXIT_CODES = [...DOCUMENTED_EXIT_CODES, 126, 127, 137, 143];

/** The op kinds, each with its weight and how its command line is made. */
const OPS = {
  copy: { weight: 3, args: (r, t) => [t.ref, '--ttl', `${r.int(45, 100)}s`, '--pod-running-timeout', '30s', ...(r.chance(0.2) ? ['--new'] : [])] },
  'copy --scale-down (foreground, then Ctrl-C)': {
    weight: 3,
    args: (r, t) => [t.ref, '--scale-down', '--ttl', '100s', '--lease-duration', '15s', '--pod-running-timeout', '30s'],
    interruptAfterMs: (r) => r.int(2000, 15_000),
  },
  'copy --scale-down --detach': { weight: 3, args: (r, t) => [t.ref, '--scale-down', '--detach', '--ttl', `${r.int(40, 90)}s`, '--lease-duration', '15s', '--pod-running-timeout', '30s'] },
  delete: { weight: 2, args: (r, t) => (r.chance(0.2) ? ['delete', '--all'] : ['delete', t.ref]) },
  gc: { weight: 1, args: () => ['gc'] },
  status: { weight: 2, args: (r) => ['status', ...r.pick([[], ['-o', 'wide'], ['-o', 'json']])] },
  run: {
    weight: 2,
    args: (r, t) => ['run', t.ref, ...(r.chance(0.5) ? ['--scale-down', '--lease-duration', '15s'] : []), '--ttl', '100s', '--pod-running-timeout', '30s', '--', 'sleep', String(r.int(1, 6))],
  },
  extend: { weight: 2, args: (r, t) => ['extend', ...(r.chance(0.2) ? ['--all'] : [t.ref]), '--ttl', `${r.int(60, 120)}s`] },
};
export const OP_KINDS = Object.keys(OPS);
export const OP_WEIGHTS = Object.entries(OPS).map(([kind, op]) => [kind, op.weight]);
export const SIGNAL_FAULTS = ['SIGKILL of a client mid-command', 'SIGINT of a client mid-command', 'SIGSTOP then SIGCONT of a client mid-command'];

/** A small seeded generator (mulberry32), so a run can be replayed with --seed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    weighted: (entries) => {
      const total = entries.reduce((s, [, w]) => s + w, 0);
      let x = next() * total;
      for (const [value, w] of entries) if ((x -= w) < 0) return value;
      return entries.at(-1)[0];
    },
  };
}

/** The client's kubeconfig: the fault proxy as its server, the cluster CA, its own token. */
export function clientKubeconfig({ proxyUrl, caFile, user, ns }) {
  const file = join(mkdtempSync(join(tmpdir(), 'soak-kubeconfig-')), 'config');
  const config = [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: soak', '  cluster:', `    server: ${proxyUrl}`, `    certificate-authority: ${caFile}`,
    'users:', `- name: ${user.name}`, '  user:', `    token: ${user.token}`,
    'contexts:', `- name: ${user.name}`, `  context: {cluster: soak, user: ${user.name}, namespace: ${ns}}`,
    `current-context: ${user.name}`, '',
  ].join('\n');
  writeFileSync(file, config, { mode: 0o600 });
  return file;
}

/** A stack frame, or Node's own warnings: neither may ever reach a user's stderr. */
export const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$|\(node:\d+\)|node:internal\//m;

/**
 * Runs the client's loop until `until()` is false. `nextKind()` says which command to run next,
 * `nextFault()` which signal fault to send when one is due; `record(op)` gets every command as it
 * ends, `count(fault)` each signal fault sent.
 */
export async function runClient({ index, env, targets, random, until, nextKind, nextFault, record, count, faultRate, hangMs }) {
  let n = 0;
  while (until()) {
    const kind = nextKind();
    const target = random.pick(targets);
    const spec = OPS[kind];
    // A quarter of the commands log their requests (-v=6): the evidence when one fails.
    const verbose = random.chance(0.25);
    const args = spec.args(random, target);
    if (verbose) args.splice(args.includes('--') ? args.indexOf('--') : args.length, 0, '-v=6'); // after `--` it would be run's command's
    const op = { id: `c${index}-${++n}`, client: index, kind, target: target.ref, args, verbose, start: Date.now() };
    const child = spawn('kubectl', ['copy-target', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const signal = (name) => {
      try {
        process.kill(-child.pid, name);
      } catch {
        // already gone
      }
    };
    const timers = [];
    const later = (ms, fn) => timers.push(setTimeout(fn, ms));
    if (spec.interruptAfterMs) later(spec.interruptAfterMs(random), () => {
      op.interruptedAsPlanned = true;
      signal('SIGINT');
    });
    if (random.chance(faultRate)) {
      later(random.int(100, 2500), () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const fault = nextFault();
        op.fault = fault;
        count(fault);
        if (fault.startsWith('SIGKILL')) signal('SIGKILL');
        else if (fault.startsWith('SIGINT')) signal('SIGINT');
        else {
          const pausedMs = random.int(2000, 20_000);
          op.fault = `${fault} (${(pausedMs / 1000).toFixed(0)}s)`;
          signal('SIGSTOP');
          later(pausedMs, () => signal('SIGCONT'));
        }
      });
    }
    // A command that never ends is a finding; it is killed so the soak goes on.
    later(hangMs, () => {
      op.hung = true;
      signal('SIGCONT');
      signal('SIGKILL');
    });
    const { code, signal: killedBy } = await new Promise((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })));
    for (const t of timers) clearTimeout(t);
    Object.assign(op, { end: Date.now(), code: code ?? 128 + (constants.signals[killedBy] ?? 0), killedBy, stdout, stderr });
    op.ms = op.end - op.start;
    op.allowedCodes = kind === 'run' ? RUN_EXIT_CODES : DOCUMENTED_EXIT_CODES;
    record(op);
    await new Promise((r) => setTimeout(r, random.int(200, 2500)));
  }
}
