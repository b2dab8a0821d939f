import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil, type Result } from './harness.js';

// scripts/cluster itself, on clusters of its own (own state dirs, own ports) next to the suite's.
const repo = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'copy-target-cluster-'));

/** The environment the suite runs in, minus anything that would point scripts/cluster elsewhere. */
function clusterEnv(state: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Without the real node unless asked: one real node per machine, and the suite's may be running.
  const env: NodeJS.ProcessEnv = { ...process.env, COPY_TARGET_CLUSTER_STATE: state, COPY_TARGET_REAL_NODE: '0', ...extra };
  if (!('COPY_TARGET_ROLLOUTS_CRD' in extra)) delete env.COPY_TARGET_ROLLOUTS_CRD;
  return env;
}

function cluster(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile(join(root, 'scripts', 'cluster'), args, { env, timeout: 600_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function kubectlOn(state: string, args: string[], input?: string): string {
  return execFileSync('kubectl', ['--kubeconfig', join(state, 'kubeconfig'), '--context', 'admin', ...args], {
    encoding: 'utf8',
    input,
  });
}

/** Pids of processes whose command line names the state dir: every component `up` starts does. */
function processesOf(state: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(state);
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

/** Waits for a file that a running script is about to write (no event to watch for across processes). */
async function fileAppears(path: string, timeoutMs: number): Promise<void> {
  await pollUntil(async () => existsSync(path), (exists) => exists, {
    timeoutMs,
    intervalMs: 50,
    message: () => `${path} did not appear within ${timeoutMs}ms`,
  });
}

/** A copy of the working tree (tracked and new files) in a directory with nothing beside it. */
function freshClone(): string {
  const root = join(scratch, 'alone', 'kubectl-copy-target');
  mkdirSync(root, { recursive: true });
  execFileSync('bash', ['-c', `git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "${root}"`], {
    cwd: repo,
  });
  return root;
}

describe('scripts/cluster', () => {
  const states: string[] = [];
  afterAll(async () => {
    for (const state of states) if (existsSync(state)) await cluster(repo, ['down'], clusterEnv(state));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs from a clone with nothing beside it, with its own Rollout CRD; an `up` killed half-way is finished by the next', async () => {
    const root = freshClone();
    expect(readdirSync(join(root, '..'))).toEqual(['kubectl-copy-target']);
    const state = join(scratch, 'state-alone');
    states.push(state);
    const env = clusterEnv(state);

    // kill -9 the script once its last daemon started, before the CRD is installed: the daemons
    // run on and answer /readyz, but nothing marks the cluster complete.
    const killed = spawn(join(root, 'scripts', 'cluster'), ['up'], { env, stdio: 'ignore' });
    const exited = new Promise((r) => killed.on('exit', r));
    const kwokPidFile = join(state, 'pids', 'kwok');
    await fileAppears(kwokPidFile, 120_000);
    // The pid file is written as kwok is forked; until it has exec'd, that pid's command line is
    // still the script's (seen under load: 4 daemons counted instead of 5).
    await pollUntil(async () => processesOf(state).map(String), (pids) => pids.includes(readFileSync(kwokPidFile, 'utf8').trim()), {
      timeoutMs: 30_000,
      intervalMs: 50,
      message: (pids) => `kwok (pid ${readFileSync(kwokPidFile, 'utf8').trim()}) never showed ${state} in its command line; running: ${pids.join(', ')}`,
    });
    killed.kill('SIGKILL');
    await exited;
    // The daemons it started (by their pid files), not a kubectl of the script's that may still be exiting.
    const leftRunning = processesOf(state).filter((pid) => readdirSync(join(state, 'pids')).some((f) => readFileSync(join(state, 'pids', f), 'utf8').trim() === String(pid)));
    expect(leftRunning.length).toBe(5); // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
    const status = await cluster(root, ['status'], env);
    expect(status.code).not.toBe(0);
    expect(status.stdout).toMatch(/incomplete/);

    const up = await cluster(root, ['up'], env);
    expect(up.stderr).not.toMatch(/already up/);
    expect(up.stderr).toMatch(/half-started/);
    expect(up.code).toBe(0);
    for (const pid of leftRunning) expect(processesOf(state)).not.toContain(pid);
    expect((await cluster(root, ['status'], env)).stdout).toMatch(/^healthy/);
    expect((await cluster(root, ['up'], env)).stderr).toMatch(/already up/);

    // The project's own CRD, usable as the plugin uses it: a Rollout scaled through /scale.
    const crd = JSON.parse(kubectlOn(state, ['get', 'crd', 'rollouts.argoproj.io', '-o', 'json']));
    expect(crd.spec.versions[0].subresources.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.HPAReplicas',
      labelSelectorPath: '.status.selector',
    });
    kubectlOn(state, ['wait', '--for=condition=Established', 'crd/rollouts.argoproj.io', '--timeout=60s']);
    kubectlOn(
      state,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'ro', namespace: 'default' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'ro' } },
          template: { metadata: { labels: { app: 'ro' } }, spec: { containers: [{ name: 'app', image: 'registry.example/ro:1' }] } },
          strategy: { canary: {} },
        },
      }),
    );
    kubectlOn(state, ['scale', 'ro/ro', '--replicas=0', '-n', 'default']);
    const ro = JSON.parse(kubectlOn(state, ['get', 'rollout', 'ro', '-n', 'default', '-o', 'json']));
    expect(ro.spec.replicas).toBe(0);
    expect(ro.spec.template.spec.containers[0].image).toBe('registry.example/ro:1'); // kept, not pruned

    // A claim's volume is made in the state dir, so `down` removes it with the rest.
    kubectlOn(
      state,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }),
    );
    kubectlOn(state, ['wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/data', '-n', 'default', '--timeout=60s']);
    const claim = JSON.parse(kubectlOn(state, ['get', 'pvc', 'data', '-n', 'default', '-o', 'json']));
    const volume = JSON.parse(kubectlOn(state, ['get', 'pv', claim.spec.volumeName, '-o', 'json']));
    const volumeDir = join(state, 'volumes', basename(volume.spec.hostPath.path));
    expect(existsSync(volumeDir)).toBe(true);

    expect((await cluster(root, ['down'], env)).code).toBe(0);
    expect(existsSync(volumeDir)).toBe(false);
    expect(existsSync(state)).toBe(false);
    expect(processesOf(state)).toEqual([]);
  }, 300_000);

  it('an `up` that fails stops what it started; the next `up` installs COPY_TARGET_ROLLOUTS_CRD', async () => {
    const state = join(scratch, 'state-failing');
    states.push(state);
    // A file the API server rejects: `up` fails after every daemon has started.
    const rejected = join(scratch, 'rejected-crd.yaml');
    writeFileSync(rejected, 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: broken}\nspec: {}\n');
    const failed = await cluster(repo, ['up'], clusterEnv(state, { COPY_TARGET_ROLLOUTS_CRD: rejected }));
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/up failed; stopping what it started/);
    expect(processesOf(state)).toEqual([]);
    expect(existsSync(state)).toBe(false);

    const override = join(scratch, 'override-crd.yaml');
    writeFileSync(
      override,
      readFileSync(join(repo, 'scripts', 'cluster.d', 'rollouts-crd.yaml'), 'utf8').replace(
        'name: rollouts.argoproj.io',
        'name: rollouts.argoproj.io\n  annotations: {copy-target.dev/test: override}',
      ),
    );
    const env = clusterEnv(state, { COPY_TARGET_ROLLOUTS_CRD: override });
    const up = await cluster(repo, ['up'], env);
    expect(up.stderr).not.toMatch(/already up/);
    expect(up.code).toBe(0);
    const crd = JSON.parse(kubectlOn(state, ['get', 'crd', 'rollouts.argoproj.io', '-o', 'json']));
    expect(crd.metadata.annotations['copy-target.dev/test']).toBe('override');
    expect((await cluster(repo, ['down'], env)).code).toBe(0);
    expect(processesOf(state)).toEqual([]);
  }, 300_000);

  // The real node's traces on the host: what `down` must leave as it found it.
  const SYSCTLS = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'net/ipv4/ip_forward'];
  function hostTraces(state: string): object {
    const sh = (cmd: string) => execFileSync('bash', ['-c', cmd], { encoding: 'utf8' }).trim();
    return {
      sysctls: SYSCTLS.map((k) => `${k}=${readFileSync(`/proc/sys/${k}`, 'utf8').trim()}`),
      bridge: sh('ip -o link show copytarget0 2>/dev/null || true'),
      veths: sh('ip -o link show type veth 2>/dev/null || true'),
      mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(state)),
      netns: sh('ls /run/netns 2>/dev/null || true'),
      cgroups: sh('ls -d /sys/fs/cgroup/*/copytarget 2>/dev/null || true'),
      processes: processesOf(state),
      shims: sh("for p in /proc/[0-9]*; do readlink $p/exe; done 2>/dev/null | grep -c 'containerd-shim-runc-v2$' || true"),
    };
  }
  // One real node per machine: with the suite's (or anyone's) running, this one cannot start.
  const realNodeFree = process.getuid?.() === 0 && execFileSync('bash', ['-c', 'ip link show copytarget0 >/dev/null 2>&1 && echo busy || echo free'], { encoding: 'utf8' }).trim() === 'free';
  it.skipIf(!realNodeFree)(
    `the real node: \`down\` after a full and after an interrupted \`up\` leaves no process, mount, netns, bridge or cgroup and restores the sysctls${realNodeFree ? '' : ' [SKIPPED: not root, or a real node already runs on this machine; npm test runs this before its own cluster starts]'}`,
    async () => {
      const state = join(scratch, 'state-real');
      states.push(state);
      const env = clusterEnv(state, { COPY_TARGET_REAL_NODE: '1' });
      const before = hostTraces(state);
      const up = await cluster(repo, ['up'], env);
      expect(up.code, up.stderr.trimEnd().split('\n').slice(-12).join('\n')).toBe(0); // the end of its log says why
      expect((await cluster(repo, ['status'], env)).stdout).toMatch(/real node: copy-target-real Ready/);
      // A pod on it, so there are containers, a netns, mounts and a veth to clean up.
      kubectlOn(state, ['run', 'p', '--image=copy-target.local/app:1', '--image-pull-policy=Never', '--overrides',
        JSON.stringify({ spec: { tolerations: [{ operator: 'Exists' }], nodeSelector: { 'copy-target.dev/real-node': 'true' } } })]);
      kubectlOn(state, ['wait', '--for=condition=Ready', 'pod/p', '--timeout=60s']);
      expect(hostTraces(state)).not.toEqual(before);
      expect((await cluster(repo, ['down'], env)).code).toBe(0);
      expect(hostTraces(state)).toEqual(before);

      // Interrupted once the kubelet has started: the next `down` still removes everything.
      const killed = spawn(join(repo, 'scripts', 'cluster'), ['up'], { env, stdio: 'ignore' });
      const exited = new Promise((r) => killed.on('exit', r));
      await fileAppears(join(state, 'pids', 'kubelet'), 300_000);
      killed.kill('SIGKILL');
      await exited;
      expect((await cluster(repo, ['down'], env)).code).toBe(0);
      expect(hostTraces(state)).toEqual(before);
    },
    900_000,
  );
});
