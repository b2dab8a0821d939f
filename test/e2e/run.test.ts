// `kubectl copy-target run TARGET [flags] -- LOCAL_COMMAND` (issue 24): the copy is made as copy
// makes it, the local command runs against it with the terminal, and the session ends with it.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlugin } from './background.js';
import { apply, oneErrorLine } from './copy-helpers.js';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin } from './harness.js';
import { deploymentObject, holdKeysOf, liveCopyJobs, specReplicas } from './hold-helpers.js';
import { runInPty } from './pty.js';

let ns: string;
let removeNs: () => Promise<void>;
let scratch: string;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('run'));
  scratch = mkdtempSync(join(tmpdir(), 'copy-target-run-'));
});
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeNs?.();
});

/** A fresh Deployment of `replicas` (its pods and its copy's go after `grace` seconds), rolled out. */
async function workload(name: string, replicas = 2, grace = 0): Promise<void> {
  await apply(ns, deploymentObject(name, replicas, grace));
  await mustKubectl(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=90s']);
}

/** Nothing of the session is left: no copy Job, the original at `replicas` with no hold on it. */
async function expectRestored(name: string, replicas: number): Promise<void> {
  expect(await liveCopyJobs(ns, name)).toEqual([]);
  expect(await specReplicas(ns, 'deployment', name)).toBe(replicas);
  expect(await holdKeysOf(ns, 'deployment', name)).toEqual([]);
}

/**
 * A local command that reports what it learnt of the copy and what kubectl sees meanwhile: the
 * copy pod's phase and the original's replicas, read through the placeholders and the variables.
 */
const reportingScript = (deployment: string, exitCode: number): string =>
  [
    'echo "pod={pod} env-pod=$COPY_TARGET_POD ns={namespace} env-ns=$COPY_TARGET_NAMESPACE job={job} env-job=$COPY_TARGET_JOB container={container} env-container=$COPY_TARGET_CONTAINER context={context} env-context=$COPY_TARGET_CONTEXT"',
    `echo "phase=$(kubectl get pod "$COPY_TARGET_POD" -n {namespace} -o jsonpath='{.status.phase}')"`,
    `echo "replicas=$(kubectl get deployment ${deployment} -n "$COPY_TARGET_NAMESPACE" -o jsonpath='{.spec.replicas}')"`,
    `exit ${exitCode}`,
  ].join('\n');

const field = (stdout: string, key: string): string | undefined => new RegExp(`(?:^|\\s)${key}=(\\S*)`, 'm').exec(stdout)?.[1];

describe('run: the local command learns the copy, and the session ends with it', () => {
  it('--scale-down: the command sees its copy Running and the original at 0, exits 7; the plugin exits 7, the copy is gone, the original restored', async () => {
    await workload('worker', 2);
    const r = await plugin(['run', 'deploy/worker', '-n', ns, '--scale-down', '--', 'sh', '-c', reportingScript('worker', 7)]);
    expect(r.code, r.stderr).toBe(7);
    const pod = field(r.stdout, 'pod')!;
    expect(pod).toMatch(/^copy-worker-[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect(field(r.stdout, 'env-pod')).toBe(pod);
    expect(field(r.stdout, 'ns')).toBe(ns);
    expect(field(r.stdout, 'env-ns')).toBe(ns);
    expect(field(r.stdout, 'job')).toBe(pod.replace(/-[a-z0-9]{5}$/, ''));
    expect(field(r.stdout, 'env-job')).toBe(field(r.stdout, 'job'));
    expect(field(r.stdout, 'container')).toBe('app');
    expect(field(r.stdout, 'env-container')).toBe('app');
    expect(field(r.stdout, 'context')).toBe('admin'); // the harness kubeconfig's current context
    expect(field(r.stdout, 'env-context')).toBe('admin');
    expect(field(r.stdout, 'phase')).toBe('Running');
    expect(field(r.stdout, 'replicas')).toBe('0');
    expect(r.stderr).toMatch(/deployment\/worker scaled to 0 \(was 2\)/);
    expect(r.stderr).toMatch(/sh exited with code 7/);
    expect(r.stderr).toMatch(/deployment\/worker restored to 2 replicas/);
    await expectRestored('worker', 2);
  });

  it('--scale-down --keep: the copy stays (until --ttl) and so does the hold, now detached; delete ends it', async () => {
    await workload('kept', 2);
    const r = await plugin(['run', 'deploy/kept', '-n', ns, '--scale-down', '--keep', '--', 'sh', '-c', reportingScript('kept', 0)]);
    expect(r.code, r.stderr).toBe(0);
    const pod = field(r.stdout, 'pod')!;
    const job = field(r.stdout, 'job')!;
    expect(await liveCopyJobs(ns, 'kept')).toEqual([job]);
    expect((await getJson(['get', 'pod', pod, '-n', ns])).status.phase).toBe('Running');
    expect(await specReplicas(ns, 'deployment', 'kept')).toBe(0);
    const held = (await getJson(['get', 'deployment', 'kept', '-n', ns])).metadata.annotations;
    expect(held['copy-target.dev/hold-copy-job']).toBe(job);
    expect(held['copy-target.dev/hold-detached']).toBe('true');
    // 8h only if the server clock (whole seconds) reads under a second since the copy was planned.
    expect(r.stderr).toMatch(/detached: deployment\/kept stays scaled down until the copy expires in (7h59m|8h)\n/);
    const d = await plugin(['delete', job, '-n', ns]);
    expect(d.code, d.stderr).toBe(0);
    await expectRestored('kept', 2);
  });

  it('without --scale-down: the copy is deleted when the command ends, -c names the container, --keep keeps it, a live copy is reused and left', async () => {
    await apply(ns, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/app:1' }, { name: 'metrics', image: 'registry.example/m:1' }] },
        },
      },
    });
    const r = await plugin(['run', 'deploy/web', '-n', ns, '-c', 'metrics', '--', 'sh', '-c', reportingScript('web', 0)]);
    expect(r.code, r.stderr).toBe(0);
    expect(field(r.stdout, 'container')).toBe('metrics');
    expect(field(r.stdout, 'replicas')).toBe('1');
    expect(r.stderr).toMatch(new RegExp(`deleted copy job ${field(r.stdout, 'job')}`));
    expect(await liveCopyJobs(ns, 'web')).toEqual([]);
    const kept = await plugin(['run', 'deploy/web', '-n', ns, '--keep', '--', 'sh', '-c', 'echo "job=$COPY_TARGET_JOB"']);
    expect(kept.code, kept.stderr).toBe(0);
    const job = field(kept.stdout, 'job')!;
    expect(await liveCopyJobs(ns, 'web')).toEqual([job]);
    // The same request again reuses that live copy, as copy would, and leaves it: this run did not make it.
    const again = await plugin(['run', 'deploy/web', '-n', ns, '--', 'sh', '-c', 'echo "job=$COPY_TARGET_JOB"']);
    expect(again.code, again.stderr).toBe(0);
    expect(field(again.stdout, 'job')).toBe(job);
    expect(again.stderr).toMatch(/reusing copy pod /);
    expect(again.stderr).toContain(`left copy job ${job} as it was (it was not made by this run)`);
    expect(await liveCopyJobs(ns, 'web')).toEqual([job]);
    expect((await plugin(['delete', job, '-n', ns])).code).toBe(0);
  });

  it('--kubeconfig: the command gets KUBECONFIG set to that file (absolute), so its kubectl talks to the same cluster', async () => {
    await workload('kc', 1);
    const r = await plugin(['run', 'deploy/kc', '-n', ns, '--kubeconfig', kubeconfig(), '--', 'sh', '-c', 'echo "kc=$KUBECONFIG"; kubectl get pod {pod} -n {namespace} -o name'], {
      env: { KUBECONFIG: '/nonexistent/kubeconfig' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(field(r.stdout, 'kc')).toBe(kubeconfig());
    expect(r.stdout).toMatch(/^pod\/copy-kc-[a-z0-9]{5}-[a-z0-9]{5}$/m);
    expect(await liveCopyJobs(ns, 'kc')).toEqual([]);
  });

  it('--dry-run prints the command with the would-be names and creates nothing', async () => {
    await workload('dry', 1);
    const r = await plugin(['run', 'deploy/dry', '-n', ns, '--scale-down', '--dry-run', '--', 'kubectl', 'exec', '-it', '{pod}', '-n', '{namespace}', '--', 'sh']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^kubectl exec -it copy-dry-[a-z0-9]{5}-xxxxx -n ${ns} -- sh\\n$`));
    expect(r.stderr).toMatch(/would scale deployment\/dry to 0 \(was 1\)/);
    expect(r.stderr).toMatch(/COPY_TARGET_POD=copy-dry-[a-z0-9]{5}-xxxxx /);
    await expectRestored('dry', 1);
  });
});

describe('run: signals and a copy that dies', () => {
  /** A command that says when it is ready, and on `signal` says so and exits `code`. */
  const trapping = (signal: string, code: number): string[] => ['sh', '-c', `trap 'echo "child got ${signal}"; exit ${code}' ${signal}; echo "child ready {pod}"; while :; do sleep 0.2; done`];

  it('Ctrl-C on the terminal goes to the command, however often; the plugin waits for it, ends the session and exits with its code', async () => {
    await workload('ctrlc', 2);
    // A command that takes three Ctrl-Cs to stop (a REPL, a debugger): the plugin must not give up on its own third.
    const stubborn = `n=0; trap 'n=$((n+1)); echo "child got INT $n"; [ $n -ge 3 ] && exit 5' INT; echo "child ready {pod}"; while :; do sleep 0.2; done`;
    const session = runInPty(['run', 'deploy/ctrlc', '-n', ns, '--scale-down', '--', 'sh', '-c', stubborn], { env: { NO_COLOR: '1' } });
    try {
      await expect.poll(() => session.output(), { timeout: 90_000, interval: 200 }).toMatch(/child ready copy-ctrlc-/);
      expect(await specReplicas(ns, 'deployment', 'ctrlc')).toBe(0);
      for (const n of [1, 2, 3]) {
        session.type('\x03');
        await expect.poll(() => session.output(), { timeout: 10_000, interval: 100 }).toContain(`child got INT ${n}`);
      }
      const { code, output } = await ended(session.done);
      expect(code, output).toBe(5);
      expect(output).toMatch(/sh exited with code 5/);
      expect(output).toMatch(/deployment\/ctrlc restored to 2 replicas/);
      expect(output).not.toMatch(/interrupted|still cleaning up|gave up/);
      // No spinner or live line was drawn while the command had the terminal.
      const during = output.slice(output.indexOf('child ready'), output.indexOf('child got INT 3'));
      expect(during).not.toContain('\x1b');
      await expectRestored('ctrlc', 2);
    } finally {
      session.kill();
    }
  });

  it('a Ctrl-C that arrives after the command exited, during the restore, does not stop the restore or change the exit code', async () => {
    // The copy pod takes 4 s to terminate: the restore waits for it, which leaves time for the Ctrl-C.
    await workload('late', 2, 4);
    const session = runInPty(['run', 'deploy/late', '-n', ns, '--scale-down', '--', 'sh', '-c', 'echo "child done"; exit 3'], { env: { NO_COLOR: '1' } });
    try {
      await expect.poll(() => session.output(), { timeout: 90_000, interval: 100 }).toMatch(/deleting copy job copy-late-/);
      session.type('\x03');
      const { code, output } = await ended(session.done);
      expect(code, output).toBe(3);
      expect(output).toMatch(/sh exited with code 3/);
      expect(output).toMatch(/deployment\/late restored to 2 replicas/);
      await expectRestored('late', 2);
    } finally {
      session.kill();
    }
  });

  it('SIGTERM sent to the plugin is passed on to the command; the session ends and the plugin exits with its code', async () => {
    await workload('term', 2);
    const s = startPlugin(['run', 'deploy/term', '-n', ns, '--scale-down', '--', ...trapping('TERM', 9)]);
    const stdout = stdoutOf(s);
    try {
      await pollFor(() => stdout().includes('child ready'), 90_000);
      s.child.kill('SIGTERM');
      const r = await ended(s.done);
      expect(r.code, r.stderr).toBe(9);
      expect(r.stdout).toContain('child got TERM');
      expect(r.stderr).toMatch(/received SIGTERM; passing it on to sh/);
      expect(r.stderr).toMatch(/deployment\/term restored to 2 replicas/);
      await expectRestored('term', 2);
    } finally {
      killLeftovers(s);
    }
  });

  it('the copy pod deleted while the command runs: a warning, SIGTERM to the command, exit 4, the original restored', async () => {
    await workload('dies', 2);
    const s = startPlugin(['run', 'deploy/dies', '-n', ns, '--scale-down', '--', ...trapping('TERM', 9)]);
    const stdout = stdoutOf(s);
    try {
      await pollFor(() => stdout().includes('child ready'), 90_000);
      const pod = /child ready (\S+)/.exec(stdout())![1]!;
      await mustKubectl(['delete', 'pod', pod, '-n', ns, '--wait=false']);
      const r = await ended(s.done);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stdout).toContain('child got TERM');
      expect(r.stderr).toContain(`Warning: copy pod ${pod} was deleted; stopping sh (SIGTERM`);
      expect(r.stderr).toMatch(/sh exited with code 9/);
      expect(r.stderr).toMatch(/deployment\/dies restored to 2 replicas/);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^error: copy pod ${pod} was deleted while sh ran; it was stopped`));
      await expectRestored('dies', 2);
    } finally {
      killLeftovers(s);
    }
  });

  it('a command that ignores SIGTERM after the copy died is killed 10s later (SIGKILL), not waited for forever', async () => {
    await workload('stubborn', 1);
    const s = startPlugin(['run', 'deploy/stubborn', '-n', ns, '--scale-down', '--', 'sh', '-c', `trap '' TERM; echo "child ready {pod}"; while :; do sleep 0.2; done`]);
    const stdout = stdoutOf(s);
    try {
      await pollFor(() => stdout().includes('child ready'), 90_000);
      const pod = /child ready (\S+)/.exec(stdout())![1]!;
      await mustKubectl(['delete', 'pod', pod, '-n', ns, '--wait=false']);
      const r = await ended(s.done);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/Warning: sh is still running 10s after SIGTERM; killing it \(SIGKILL\)/);
      expect(r.stderr).toMatch(/sh was ended by SIGKILL \(exit code 137\)/);
      await expectRestored('stubborn', 1);
    } finally {
      killLeftovers(s);
    }
  }, 150_000);
});

describe('run: a command that cannot be started', () => {
  it('not found: exit 127 with one line, before anything is written (no copy Job, the original never scaled down)', async () => {
    await workload('typo', 2);
    const r = await plugin(['run', 'deploy/typo', '-n', ns, '--scale-down', '--', 'no-such-command-copy-target', '{pod}']);
    expect(r.code, r.stderr).toBe(127);
    expect(oneErrorLine(r.stderr)).toBe('error: cannot run no-such-command-copy-target: command not found on PATH');
    await expectRestored('typo', 2);
    const events = await getJson(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=typo,involvedObject.kind=Deployment']);
    expect(events.items.map((e: any) => e.reason)).not.toContain('CopyTargetScaledDown');
  });

  it('found but its #! interpreter is missing: the copy made is deleted and the original restored, then exit 126 with one line', async () => {
    await workload('broken', 2);
    const script = join(scratch, 'broken-interpreter');
    writeFileSync(script, '#!/nonexistent/interpreter\necho never\n');
    chmodSync(script, 0o755);
    const r = await plugin(['run', 'deploy/broken', '-n', ns, '--scale-down', '--', script]);
    expect(r.code, r.stderr).toBe(126);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([`error: cannot run ${script}: its #! interpreter was not found`]);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(errors[0]);
    expect(r.stderr).toMatch(/deployment\/broken scaled to 0 \(was 2\)/); // it got that far
    expect(r.stderr).toMatch(/deployment\/broken restored to 2 replicas/);
    await expectRestored('broken', 2);
  });

  it('not executable: exit 126', async () => {
    const file = join(scratch, 'not-executable');
    writeFileSync(file, 'echo never\n');
    chmodSync(file, 0o644);
    const r = await kubectl(['copy-target', 'run', 'deploy/typo', '-n', ns, '--', file]);
    expect(r.code, r.stderr).toBe(126);
    expect(oneErrorLine(r.stderr)).toBe(`error: cannot run ${file}: ${file} is not an executable file`);
  });
});

/**
 * `done`, or a failure after `ms`: a broken plugin that never ends must fail the test in time for
 * its finally to stop what it started (a test timeout would skip it and leave them running).
 */
function ended<T>(done: Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the plugin did not end within ${ms / 1000}s`)), ms);
  });
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

/** A plugin still running at the end of a test: its local command (its child) and itself, killed. */
function killLeftovers(s: ReturnType<typeof startPlugin>): void {
  if (s.child.exitCode !== null || s.child.signalCode !== null || s.child.pid === undefined) return;
  spawnSync('pkill', ['-KILL', '-P', String(s.child.pid)]);
  s.child.kill('SIGKILL');
}

/** The plugin's stdout as it comes (startPlugin gives it only at the end); call it right after startPlugin. */
function stdoutOf(s: ReturnType<typeof startPlugin>): () => string {
  let text = '';
  s.child.stdout!.on('data', (d) => (text += String(d)));
  return () => text;
}

async function pollFor(done: () => boolean, timeoutMs: number): Promise<void> {
  await expect.poll(done, { timeout: timeoutMs, interval: 100 }).toBe(true);
}
