// `kubectl copy-target status` byte for byte against fixtures, and `delete` by every kind of name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, kubectl, mustKubectl, plugin } from './harness.js';
import { HOST, apply, copyJobs, deployment, oneErrorLine, podNameFrom, readCopy, waitDeleted } from './copy-helpers.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

/**
 * A fixture with {{NAME___}} placeholders (padded with _ to the width of what they stand for, so
 * the fixture reads as the table does) filled in with names read back from the API.
 */
function fixture(file: string, values: Record<string, string> = {}): string {
  return readFileSync(join(fixtures, file), 'utf8').replace(/\{\{([A-Z]+(?:_[A-Z]+)*)_*\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`fixture ${file}: no value for {{${key}}}`);
    return value;
  });
}

interface Made {
  podName: string;
  jobName: string;
  job: any;
}

describe('kubectl copy-target status and delete', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;
  const made: Record<string, Made> = {};

  beforeAll(async () => {
    ns = await freshNamespace('status');
    n = ns.name;
    // A short grace period: the delete tests wait for the copy pods to be gone.
    const spec = (app: string) => ({ terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: `registry.example/${app}:1` }] });
    await apply(n, deployment('alpha', 0, spec('alpha')), deployment('beta', 0, spec('beta')), deployment('gamma', 0, spec('gamma')));
  });
  afterAll(async () => ns?.remove());

  /** Copies deploy/NAME and waits until its Job counts the pod ready (status shows the Job's phase). */
  const copy = async (name: string, ...flags: string[]): Promise<Made> => {
    const r = await plugin(['-n', n, `deploy/${name}`, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    const { job } = await readCopy(n, podName);
    await mustKubectl(['wait', '--for=jsonpath={.status.ready}=1', `job/${job.metadata.name}`, '-n', n, '--timeout=60s']);
    return { podName, jobName: job.metadata.name, job };
  };

  const status = async (...flags: string[]): Promise<string> => {
    const r = await plugin(['status', ...flags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };

  describe('status', () => {
    it('with no copies prints exactly "No active copy targets"', async () => {
      const empty = await freshNamespace('status-none');
      try {
        expect(await status('-n', empty.name)).toBe(fixture('e2e-status-none.txt'));
        expect(await status('-n', empty.name)).toBe('No active copy targets\n');
        expect(JSON.parse(await status('-n', empty.name, '-o', 'json'))).toEqual({ activeCopyTargets: [] });
      } finally {
        await empty.remove();
      }
    });

    // The status tests read these two; the delete tests make their own.
    beforeAll(async () => {
      // beta is older but sorts after alpha by name (the API's own order): the table must put it first.
      made.beta = await copy('beta');
      made.alpha = await copy('alpha');
    });
    afterAll(async () => {
      expect((await plugin(['delete', '--all', '-n', n])).code).toBe(0);
      await waitDeleted(n, ...Object.values(made).flatMap((m) => [`job/${m.jobName}`, `pod/${m.podName}`]));
    });

    it('lists the copies in the namespace, oldest first', async () => {
      expect(n).toHaveLength('{{NAMESPACE}}'.length); // so the fixture's column widths hold
      expect(await status('-n', n)).toBe(
        fixture('e2e-status-two.txt', { NAMESPACE: n, POD_ALPHA: made.alpha!.podName, POD_BETA: made.beta!.podName }),
      );
    });

    it('-o json gives the same data', async () => {
      const entry = (target: string, m: Made) => ({
        originalTarget: target,
        namespace: n,
        copyPodName: m.podName,
        copyJobName: m.jobName,
        scaleDown: false,
        phase: 'Running',
        user: 'admin',
        host: HOST,
        createdAt: m.job.metadata.annotations['copy-target.dev/created-at'],
        expiresAt: m.job.metadata.annotations['copy-target.dev/expires-at'],
        stale: false,
      });
      const printed = await status('-n', n, '-o', 'json');
      expect(JSON.parse(printed)).toEqual({
        activeCopyTargets: [entry('deployment/beta', made.beta!), entry('deployment/alpha', made.alpha!)],
      });
    });

    it('-o yaml gives the same document as -o json', async () => {
      const yaml = await status('-n', n, '-o', 'yaml');
      expect(loadYaml(yaml)).toEqual(JSON.parse(await status('-n', n, '-o', 'json')));
      expect(yaml).toMatch(/^activeCopyTargets:\n- copyJobName: /);
    });

    it('-A lists the copies of every namespace', async () => {
      // Other files' copies may be listed too (files never remove each other's): ours are there, in order.
      const listed = JSON.parse(await status('-A', '-o', 'json')).activeCopyTargets;
      expect(listed.filter((c: any) => c.namespace === n).map((c: any) => c.copyPodName)).toEqual([made.beta!.podName, made.alpha!.podName]);
      const namespaces = listed.map((c: any) => c.namespace);
      expect(namespaces).toEqual([...namespaces].sort((a: string, b: string) => a.localeCompare(b))); // grouped by namespace, as status sorts them
      // The table names each copy's namespace, as the namespaced one does.
      const rows = (await status('-A')).split('\n').filter((line) => line.includes(`| ${n} `));
      expect(rows).toEqual([
        expect.stringMatching(new RegExp(`^\\| deployment/beta +\\| ${n} +\\| ${made.beta!.podName} +\\| +\\|$`)),
        expect.stringMatching(new RegExp(`^\\| deployment/alpha +\\| ${n} +\\| ${made.alpha!.podName} +\\| +\\|$`)),
      ]);
    });
  });

  describe('delete', () => {
    // Each test makes the copies it deletes and leaves the namespace without copies.
    afterEach(async () => {
      const left = (await copyJobs(n)).map((ref) => `job/${ref.split('/')[1]}`);
      if (left.length === 0) return;
      expect((await plugin(['delete', '--all', '-n', n])).code).toBe(0);
      await waitDeleted(n, ...left);
    });

    it('by copy pod name', async () => {
      const alpha = await copy('alpha');
      const beta = await copy('beta');
      const r = await plugin(['delete', alpha.podName, '-n', n]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`job.batch/${alpha.jobName} deleted\n`);
      await waitDeleted(n, `job/${alpha.jobName}`, `pod/${alpha.podName}`);
      expect(await copyJobs(n)).toEqual([`${n}/${beta.jobName}`]);
    });

    it('by copy job name', async () => {
      const { podName, jobName } = await copy('beta');
      const r = await plugin(['delete', jobName, '-n', n]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`job.batch/${jobName} deleted\n`);
      await waitDeleted(n, `job/${jobName}`, `pod/${podName}`);
      expect(await copyJobs(n)).toEqual([]);
    });

    it('by TARGET: every copy of deployment/gamma, and only those', async () => {
      const one = await copy('gamma');
      const two = await copy('gamma', '--new');
      const keep = await copy('alpha');
      const r = await plugin(['delete', 'deployment/gamma', '-n', n]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([`job.batch/${one.jobName} deleted`, `job.batch/${two.jobName} deleted`].sort());
      await waitDeleted(n, `job/${one.jobName}`, `pod/${one.podName}`, `job/${two.jobName}`, `pod/${two.podName}`);
      expect(await copyJobs(n)).toEqual([`${n}/${keep.jobName}`]);
    });

    it('--all deletes every copy in the namespace', async () => {
      const alpha = await copy('alpha');
      const beta = await copy('beta');
      const r = await plugin(['delete', '--all', '-n', n]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([`job.batch/${alpha.jobName} deleted`, `job.batch/${beta.jobName} deleted`].sort());
      await waitDeleted(n, `job/${alpha.jobName}`, `pod/${alpha.podName}`, `job/${beta.jobName}`, `pod/${beta.podName}`);
      expect(await copyJobs(n)).toEqual([]);
      expect(await status('-n', n)).toBe(fixture('e2e-status-none.txt'));
      // Other files' copies may exist elsewhere: none of this namespace's is listed.
      expect(JSON.parse(await status('-A', '-o', 'json')).activeCopyTargets.filter((c: any) => c.namespace === n)).toEqual([]);
    });

    it('several names: goes on past one that fails, reports each, deletes the rest, exits 1', async () => {
      const one = await copy('gamma', '--new');
      const two = await copy('beta', '--new');
      const r = await plugin(['delete', one.podName, 'nope', two.jobName, 'nada', '-n', n]);
      expect(r.code).toBe(1);
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([`job.batch/${one.jobName} deleted`, `job.batch/${two.jobName} deleted`].sort());
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
        `error: no copy matches "nope" in namespace ${n}; list them with "kubectl copy-target status"`,
        `error: no copy matches "nada" in namespace ${n}; list them with "kubectl copy-target status"`,
      ]);
      await waitDeleted(n, `job/${one.jobName}`, `pod/${one.podName}`, `job/${two.jobName}`, `pod/${two.podName}`);
      expect(await copyJobs(n)).toEqual([]);
    });

    it('a name that matches no copy fails in one line', async () => {
      const r = await plugin(['delete', 'nope', '-n', n]);
      expect(r.code).toBe(1);
      expect(oneErrorLine(r.stderr)).toBe(`error: no copy matches "nope" in namespace ${n}; list them with "kubectl copy-target status"`);
      expect(r.stdout).toBe('');
      const leftovers = await kubectl(['get', 'pods', '-n', n, '-l', 'copy-target.dev/copy=true', '-o', 'name']);
      expect(leftovers.stdout).toBe('');
    });
  });
});
