// The copy's options, read back from the API: probes kept, containers left out, images and
// commands replaced, ttl, dry runs, reuse, long names, a crash-looping copy, -o name|json.
import { loadYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, kubectl, mustKubectl, plugin } from './harness.js';
import { apply, copyJobs, deployment, probeKeys, probedPodSpec, podNameFrom, readCopy } from './copy-helpers.js';

const LONG = 'payments-reconciliation-worker-for-the-eu-west-region-primary-1';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('kubectl copy-target options', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;
  let source: any;

  beforeAll(async () => {
    ns = await freshNamespace('options');
    n = ns.name;
    const crashSpec = { containers: [{ name: 'app', image: 'registry.example/crash:1' }] };
    // No replicas: only the templates matter, and the copies are the only pods.
    await apply(
      n,
      deployment('web', 0, probedPodSpec('registry.example/web:1')),
      deployment(LONG, 0, { containers: [{ name: 'app', image: 'registry.example/long:1' }] }, { app: 'long' }),
      deployment('crash', 0, crashSpec, { app: 'crash', 'copy-target.dev/test-crashloop': 'true' }),
    );
    source = (await getJson(['get', 'deployment', 'web', '-n', n])).spec.template;
  });
  afterAll(async () => ns?.remove());

  /** Copies deploy/web with extra flags; returns the copy pod and its Job as read from the API. */
  const copyWeb = async (...flags: string[]) => {
    const r = await plugin(['-n', n, 'deploy/web', ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    return { ...(await readCopy(n, podName)), podName, stderr: r.stderr };
  };
  const container = (spec: any, name: string) => [...spec.containers, ...(spec.initContainers ?? [])].find((c) => c.name === name);

  describe('reuse', () => {
    it('gives back the same live copy for the same request, a fresh one with --new or other options', async () => {
      const first = await copyWeb();
      expect(first.stderr).not.toMatch(/reusing/);
      const again = await copyWeb();
      expect(again.podName).toBe(first.podName);
      expect(again.stderr).toMatch(new RegExp(`^reusing copy pod ${first.podName} of deployment/web\\b`, 'm'));
      const fresh = await copyWeb('--new');
      expect(fresh.podName).not.toBe(first.podName);
      expect(fresh.stderr).not.toMatch(/reusing/);
      const other = await copyWeb('--exclude-container', 'sidecar');
      expect([first.podName, fresh.podName]).not.toContain(other.podName);
      expect(other.stderr).not.toMatch(/reusing/);
      expect((await copyJobs(n)).sort()).toEqual(
        [first.job.metadata.name, fresh.job.metadata.name, other.job.metadata.name].map((j) => `${n}/${j}`).sort(),
      );
    });
  });

  it('never gives back a copy whose pod is being deleted (Terminating for its grace period)', async () => {
    await apply(n, deployment('dying', 0, { terminationGracePeriodSeconds: 60, containers: [{ name: 'app', image: 'registry.example/dying:1' }] }));
    const first = await plugin(['-n', n, 'deploy/dying']);
    expect(first.code, first.stderr).toBe(0);
    const firstPod = podNameFrom(first.stdout);
    await mustKubectl(['delete', 'pod', firstPod, '-n', n, '--wait=false']);
    expect((await getJson(['get', 'pod', firstPod, '-n', n])).metadata.deletionTimestamp).toBeDefined();
    const again = await plugin(['-n', n, 'deploy/dying']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/reusing/);
    const againPod = podNameFrom(again.stdout);
    expect(againPod).not.toBe(firstPod);
    expect((await getJson(['get', 'pod', againPod, '-n', n])).metadata.deletionTimestamp).toBeUndefined();
  });

  it('--keep-probes keeps every probe, the native sidecar\'s included', async () => {
    const { pod, job } = await copyWeb('--keep-probes');
    const expected = probeKeys(source.spec);
    expect(expected).toContain('proxy.startupProbe');
    expect(probeKeys(job.spec.template.spec)).toEqual(expected);
    expect(probeKeys(pod.spec)).toEqual(expected);
    for (const name of ['app', 'sidecar', 'proxy']) {
      const want = container(source.spec, name);
      const got = container(pod.spec, name);
      expect({ l: got.livenessProbe, r: got.readinessProbe, s: got.startupProbe }, name).toEqual({
        l: want.livenessProbe,
        r: want.readinessProbe,
        s: want.startupProbe,
      });
    }
  });

  it('--exclude-container and --exclude-init-container leave those out', async () => {
    const { pod } = await copyWeb('--exclude-container', 'sidecar', '--exclude-init-container', 'init');
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['app']);
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['proxy']);
    expect(pod.status.phase).toBe('Running');
  });

  it('--set-image NAME=IMAGE replaces one container\'s image', async () => {
    const { pod } = await copyWeb('--set-image', 'app=registry.example/web:2');
    expect(pod.spec.containers.map((c: any) => [c.name, c.image])).toEqual([
      ['app', 'registry.example/web:2'],
      ['sidecar', 'registry.example/sidecar:1'],
    ]);
    expect(pod.spec.initContainers.map((c: any) => c.image)).toEqual(['registry.example/init:1', 'registry.example/proxy:1']);
  });

  it('--set-image *=IMAGE replaces every app container\'s image; a named one wins whatever the order (as kubectl debug)', async () => {
    const { pod } = await copyWeb('--set-image', 'sidecar=registry.example/sidecar:9', '--set-image', '*=registry.example/all:3');
    expect(pod.spec.containers.map((c: any) => [c.name, c.image])).toEqual([
      ['app', 'registry.example/all:3'],
      ['sidecar', 'registry.example/sidecar:9'],
    ]);
    expect(pod.spec.initContainers.map((c: any) => c.image)).toEqual(['registry.example/init:1', 'registry.example/proxy:1']);
    const all = await copyWeb('--set-image', '*=registry.example/all:4');
    expect(all.pod.spec.containers.map((c: any) => c.image)).toEqual(['registry.example/all:4', 'registry.example/all:4']);
  });

  it('-c CONTAINER -- COMMAND ARGS replaces that container\'s command and drops its args', async () => {
    expect(container(source.spec, 'sidecar').args).toEqual(['--port', '9090']);
    const { pod } = await copyWeb('-c', 'sidecar', '--', 'sleep', 'infinity');
    const sidecar = container(pod.spec, 'sidecar');
    expect(sidecar.command).toEqual(['sleep', 'infinity']);
    expect(sidecar).not.toHaveProperty('args');
    expect(container(pod.spec, 'app')).not.toHaveProperty('command');
    expect(pod.status.phase).toBe('Running');
  });

  it('a container named in the target path is the one the Next: hint execs into', async () => {
    const r = await plugin(['-n', n, 'deploy/web/container/sidecar', '--new']);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    // One suggestion a line (issue 12): together they wrapped on a 140-column terminal.
    expect(r.stderr).toContain(`\nNext: kubectl exec -it ${podName} -c sidecar -n ${n} -- sh\n  or: mirrord exec --target pod/${podName}/container/sidecar -n ${n} -- <your app>\n`);
  });

  it('--ttl sets the Job\'s activeDeadlineSeconds and expiry; a finished copy is removed 60s after it finished (ttlSecondsAfterFinished)', async () => {
    const { job } = await copyWeb('--ttl', '1h', '--new');
    expect(job.spec.activeDeadlineSeconds).toBe(3600);
    expect(job.spec.ttlSecondsAfterFinished).toBe(60); // a finished copy is removed a minute later
    const a = job.metadata.annotations;
    expect(Date.parse(a['copy-target.dev/expires-at']) - Date.parse(a['copy-target.dev/created-at'])).toBe(3600_000);
  });

  describe('--dry-run prints the Job and creates nothing', () => {
    it.each(['client', 'server'])('--dry-run=%s -o yaml', async (mode) => {
      const before = await copyJobs(n);
      const r = await plugin(['-n', n, 'deploy/web', `--dry-run=${mode}`, '-o', 'yaml']);
      expect(r.code, r.stderr).toBe(0);
      const job = loadYaml<any>(r.stdout);
      expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { namespace: n } });
      expect(job.metadata.name).toMatch(/^copy-web-[a-z0-9]{5}$/);
      expect(job.metadata.labels['app.kubernetes.io/managed-by']).toBe('kubectl-copy-target');
      expect(probeKeys(job.spec.template.spec)).toEqual([]);
      if (mode === 'server') {
        // Only the API server defaults the selector from the uid it assigned.
        expect(job.metadata.uid).toEqual(expect.any(String));
        expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
      } else {
        expect(job.metadata.uid).toBeUndefined();
        expect(job.spec.selector).toBeUndefined();
      }
      const get = await kubectl(['get', 'job', job.metadata.name, '-n', n]);
      expect(get.code).toBe(1);
      expect(get.stderr).toMatch(/NotFound/);
      expect(await copyJobs(n)).toEqual(before);
    });
  });

  it('a 63-character target name gives a valid Job name of at most 63 characters, and the pod runs', async () => {
    expect(LONG).toHaveLength(63);
    const r = await plugin(['-n', n, `deployment/${LONG}`]);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    const { pod, job } = await readCopy(n, podName);
    const jobName: string = job.metadata.name;
    expect(jobName.length).toBeLessThanOrEqual(63);
    expect(jobName).toMatch(DNS_LABEL);
    expect(jobName).toMatch(new RegExp(`^copy-${LONG.slice(0, 52).replace(/-+$/, '')}-[a-z0-9]{5}$`));
    expect(job.metadata.labels['copy-target.dev/target-name']).toBe(LONG);
    expect(job.metadata.annotations['copy-target.dev/target-name']).toBe(LONG);
    expect(podName.length).toBeLessThanOrEqual(63);
    expect(pod.metadata.labels['batch.kubernetes.io/job-name']).toBe(jobName);
    expect(pod.status.phase).toBe('Running');
  });

  it('a pod that takes longer to start than the server keeps a watch open: the wait re-watches and still sees it Running', async () => {
    // The test cluster ends watches after 10-20s; this pod stays in ContainerCreating for 25s.
    await apply(n, deployment('late', 0, { containers: [{ name: 'app', image: 'registry.example/late:1' }] }, { app: 'late', 'copy-target.dev/test-start-delay': '25s' }));
    const r = await plugin(['-n', n, 'deploy/late', '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    expect(r.stderr).toMatch(/^WATCH \S+\/pods\?labelSelector=batch\.kubernetes\.io%2Fjob-name%3Dcopy-late-\w+\S* ended by the server in \d+ milliseconds$/m);
    expect((await readCopy(n, podName)).pod.status.phase).toBe('Running');
  });

  it('a crash-looping copy keeps its pod while restartCount climbs, and its Job does not fail', async () => {
    const r = await plugin(['-n', n, 'deploy/crash']);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    const { job } = await readCopy(n, podName);
    // kwok crashes the container once a second up to restartCount 8 and stays there (8 cannot be
    // skipped): past the Job default backoffLimit of 6, which counts restarts under OnFailure.
    await mustKubectl(['wait', '--for=jsonpath={.status.containerStatuses[0].restartCount}=8', `pod/${podName}`, '-n', n, '--timeout=60s']);
    // The Job controller acts on that pod update within its sync: a Failed condition would come now.
    // No event marks "it looked and did nothing", so 5s is the best available bound.
    const failed = await kubectl(['wait', '--for=condition=Failed', `job/${job.metadata.name}`, '-n', n, '--timeout=5s']);
    expect(failed.code, 'the copy Job failed after its pod restarted 8 times').not.toBe(0);
    const pods = await getJson(['get', 'pods', '-n', n, '-l', `batch.kubernetes.io/job-name=${job.metadata.name}`]);
    expect(pods.items.map((p: any) => p.metadata.name)).toEqual([podName]);
    expect(pods.items[0].status.containerStatuses[0].restartCount).toBe(8);
    expect(pods.items[0].status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
    const after = await getJson(['get', 'job', job.metadata.name, '-n', n]);
    expect((after.status.conditions ?? []).filter((c: any) => c.type === 'Failed')).toEqual([]);
    expect(after.status.failed ?? 0).toBe(0);
    expect(after.status.active).toBe(1);
  });

  it('-o name prints pod/NAME of the copy', async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--new', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    const m = /^pod\/(copy-web-[a-z0-9]{5}-[a-z0-9]{5})\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const { pod } = await readCopy(n, m![1]!);
    expect(pod.status.phase).toBe('Running');
  });

  it('-o json prints the copy Pod object, fresh or reused', async () => {
    for (const flags of [['--new'], []]) {
      const r = await plugin(['-n', n, 'deploy/web', ...flags, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const printed = JSON.parse(r.stdout);
      expect(printed).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: n } });
      const live = await getJson(['get', 'pod', printed.metadata.name, '-n', n]);
      expect(printed.metadata.uid).toBe(live.metadata.uid);
      expect(printed.metadata.managedFields).toBeUndefined(); // hidden, as kubectl hides them
      const withFields = await getJson(['get', 'pod', printed.metadata.name, '-n', n, '--show-managed-fields']);
      // The server has them (the Job controller created the pod); we did not print them.
      expect(withFields.metadata.managedFields.map((f: any) => f.manager)).toContain('kube-controller-manager');
      expect(live.metadata.labels['copy-target.dev/copy']).toBe('true');
      expect(live.metadata.labels['batch.kubernetes.io/job-name']).toMatch(/^copy-web-[a-z0-9]{5}$/);
      if (flags.length === 0) expect(r.stderr).toMatch(new RegExp(`^reusing copy pod ${printed.metadata.name} `, 'm'));
      else expect(r.stderr).not.toMatch(/reusing/); // --new made a fresh one
    }
  });

  it('-o yaml prints the copy Pod object as kubectl lays it out', async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--new', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    const printed = loadYaml(r.stdout) as any;
    expect(printed).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: n }, status: { phase: 'Running' } });
    const live = await getJson(['get', 'pod', printed.metadata.name, '-n', n]);
    expect(printed.metadata.uid).toBe(live.metadata.uid);
    expect(printed.spec.containers.map((c: any) => c.name)).toEqual(live.spec.containers.map((c: any) => c.name));
    expect(r.stdout).toMatch(/^apiVersion: v1\nkind: Pod\nmetadata:\n/); // sorted keys, as kubectl -o yaml
    expect(r.stdout).not.toContain('managedFields');
  });
});
