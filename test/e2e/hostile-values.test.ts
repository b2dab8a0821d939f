// Issue 13: whoever can edit a workload or a copy Job writes the annotations we read. Hostile values
// in every one of them must never reach a terminal raw, and a damaged record is never guessed at.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlugin, waitFor } from './background.js';
import { freshNamespace, getJson, mustKubectl, plugin, type Result } from './harness.js';
import { apply, deployment, podNameFrom, readCopy, waitDeleted } from './copy-helpers.js';

/** The catalog of issue 13, joined into one value (each part is also shown escaped below). */
const CATALOG = [
  'csi\x1b[2J\x1b[31m', // clear screen, red
  '\x1b]0;pwned\x07', // OSC window title, ended by BEL
  '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\', // OSC 8 hyperlink
  'ding\x07', // BEL
  'safe\x08\x08\x08\x08evil', // backspace
  'rm -rf /\rall good', // carriage return overwriting the line
  'txt\u202eexe', // bidi override
  '\u009b2J', // C1 CSI
].join('');
/** How CATALOG reads once escaped: proof that the value did reach the output. */
const CATALOG_SHOWN =
  'csi\\x1b[2J\\x1b[31m\\x1b]0;pwned\\x07\\x1b]8;;https://evil.example/\\x1b\\click\\x1b]8;;\\x1b\\ding\\x07' +
  'safe\\x08\\x08\\x08\\x08evilrm -rf /\\rall goodtxt\\u202eexe\\x9b2J';
const LONG = `long${'\x1b[0m'.repeat(2499)}`; // 10,000 characters
const LONG_SHOWN_START = 'long\\x1b[0m\\x1b[0m';

// Any raw control character (newline excepted, it ends lines), DEL, C1, or bidi/line-separator.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function expectNoRawControl(r: Result): void {
  expect(r.stdout).not.toMatch(RAW);
  expect(r.stderr).not.toMatch(RAW);
}

const HOLD_KEYS = ['session', 'copy-job', 'user', 'host', 'since', 'lease-expires', 'detached', 'original'].map((k) => `copy-target.dev/hold-${k}`);
const COPY_KEYS = [
  'target-kind',
  'target-name',
  'target-namespace',
  'user',
  'host',
  'scale-down',
  'created-at',
  'expires-at',
  'signature',
  'pod-name',
  'session',
  'scaled-kind',
  'scaled-name',
  'detached',
  'lease-expires',
].map((k) => `copy-target.dev/${k}`);

let ns: string;
let removeNs: () => Promise<void>;
let patchDir: string;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('hostile'));
  patchDir = mkdtempSync(join(tmpdir(), 'hostile-'));
  // Pods that go at once: --scale-down waits for the original's pods to be gone.
  const spec = { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/app:1' }] };
  await apply(ns, deployment('victim', 2, spec), deployment('plain', 0, spec));
});
afterAll(async () => {
  rmSync(patchDir, { recursive: true, force: true });
  await removeNs?.();
});

/** A merge patch through a file: ten 10,000-character values do not fit in one argument. */
async function mergePatch(resource: string, patch: object): Promise<void> {
  const file = join(patchDir, 'patch.json');
  writeFileSync(file, JSON.stringify(patch));
  await mustKubectl(['patch', resource, '-n', ns, '--type', 'merge', '--patch-file', file]);
}

const iso = (msFromNow: number): string => new Date(Date.now() + msFromNow).toISOString();

/** A well-formed hold by someone else whose free text (user, host) is hostile. */
const hostileButValidHold = (leaseMs: number) => ({
  'copy-target.dev/hold-session': 'abcdef012345',
  'copy-target.dev/hold-copy-job': 'copy-victim-gone1',
  'copy-target.dev/hold-user': CATALOG,
  'copy-target.dev/hold-host': LONG,
  'copy-target.dev/hold-since': iso(-60_000),
  'copy-target.dev/hold-lease-expires': iso(leaseMs),
  'copy-target.dev/hold-detached': 'false',
  'copy-target.dev/hold-original': '2',
});

describe('hostile values in every annotation we read on a workload', () => {
  // What else we read on a workload: the team policy, and GitOps markers for the fight warnings.
  const otherAnnotations = { 'copy-target.dev/scale-down': CATALOG, 'argocd.argoproj.io/tracking-id': CATALOG };

  it('the refusal (held by someone) shows the holder escaped, exit 3', async () => {
    await mergePatch('deployment/victim', {
      metadata: { annotations: { ...hostileButValidHold(3_600_000), ...otherAnnotations }, labels: { 'copy-target.dev/held': 'true' } },
      spec: { replicas: 0 },
    });
    const r = await plugin(['deploy/victim', '-n', ns, '--scale-down']);
    expect(r.code, r.stderr).toBe(3);
    expectNoRawControl(r);
    const error = r.stderr.split('\n').find((l) => l.startsWith('error: '))!;
    expect(error).toContain(`is already scaled down by ${CATALOG_SHOWN} on ${LONG_SHOWN_START}`);
    expect(r.stderr.split('\n').filter(Boolean).every((l) => l.startsWith('error: ') || l.startsWith('Warning: '))).toBe(true);
  });

  it('copy takes over the stale hold, says so escaped, and restores the recorded 2 replicas', async () => {
    await mergePatch('deployment/victim', { metadata: { annotations: { 'copy-target.dev/hold-lease-expires': iso(-1000) } } });
    const r = await plugin(['deploy/victim', '-n', ns, '--scale-down', '--duration', '1s', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    expectNoRawControl(r);
    expect(r.stderr).toContain(`took over a stale hold on deployment/victim from ${CATALOG_SHOWN}@${LONG_SHOWN_START}`);
    expect(r.stdout).toMatch(/^pod\/copy-victim-[a-z0-9-]+\n$/);
    expect((await getJson(['get', 'deployment/victim', '-n', ns])).spec.replicas).toBe(2);
  });

  it('a hold with every annotation hostile is damaged: copy refuses and names them, gc leaves it and says why', async () => {
    const everyHoldKey = Object.fromEntries(HOLD_KEYS.map((key, i) => [key, i === 0 ? LONG : CATALOG]));
    await mergePatch('deployment/victim', { metadata: { annotations: everyHoldKey, labels: { 'copy-target.dev/held': 'true' } }, spec: { replicas: 0 } });

    const refused = await plugin(['deploy/victim', '-n', ns, '--scale-down']);
    expect(refused.code, refused.stderr).toBe(1);
    expectNoRawControl(refused);
    const error = refused.stderr.split('\n').find((l) => l.startsWith('error: '))!;
    expect(error).toContain(`deployment/victim in namespace ${ns} has a damaged scale-down hold (copy-target.dev/hold-session="long\\u001b[0m`);
    expect(error).toContain('... (10000 characters) is not a DNS label');
    expect(error).toContain('copy-target.dev/hold-original="csi\\u001b[2J\\u001b[31m');
    // user and host are free text: any value is well-formed there.
    const wrong = ['session', 'copy-job', 'since', 'lease-expires', 'original', 'detached'].map((k) => `copy-target.dev/hold-${k}`);
    expect(error).toContain(`left it as it is: fix ${wrong.join(', ')} (`);

    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code, gc.stderr).toBe(0);
    expectNoRawControl(gc);
    expect(gc.stdout).toContain(`deployment/victim in namespace ${ns} has a damaged scale-down hold (`);
    const after = await getJson(['get', 'deployment/victim', '-n', ns]);
    expect(after.spec.replicas).toBe(0);
    expect(after.metadata.annotations['copy-target.dev/hold-original']).toBe(CATALOG);
  });
});

describe('hostile values in every annotation we read on a copy Job', () => {
  let valid: { job: string; pod: string };
  let damaged: { job: string; pod: string };

  const makeCopy = async (): Promise<{ job: string; pod: string }> => {
    const r = await plugin(['deploy/plain', '-n', ns, '--new']);
    expect(r.code, r.stderr).toBe(0);
    const pod = podNameFrom(r.stdout);
    const { job } = await readCopy(ns, pod);
    return { job: job.metadata.name, pod };
  };

  beforeAll(async () => {
    // One copy whose record stays readable with hostile free text, one with every annotation hostile.
    valid = await makeCopy();
    await mergePatch(`job/${valid.job}`, { metadata: { annotations: { 'copy-target.dev/user': CATALOG, 'copy-target.dev/host': LONG } } });
    damaged = await makeCopy();
    await mergePatch(`job/${damaged.job}`, { metadata: { annotations: Object.fromEntries(COPY_KEYS.map((key, i) => [key, i === 1 ? LONG : CATALOG])) } });
  });

  it('status, table and wide: escaped, the damaged copy marked and explained', async () => {
    const table = await plugin(['status', '-n', ns]);
    expect(table.code, table.stderr).toBe(0);
    expectNoRawControl(table);
    expect(table.stdout).toContain(`| ${valid.pod} `);
    expect(table.stdout).toContain(`| ${CATALOG_SHOWN} (damaged) |`); // its pod-name annotation, shown raw but escaped
    expect(table.stderr).toMatch(new RegExp(`^Warning: copy job ${damaged.job} in namespace ${ns} has a damaged record \\(copy-target\\.dev/target-kind=`));
    expect(table.stderr).toContain('left it as it is');

    const wide = await plugin(['status', '-n', ns, '-o', 'wide']);
    expect(wide.code, wide.stderr).toBe(0);
    expectNoRawControl(wide);
    expect(wide.stdout).toContain(`| ${CATALOG_SHOWN}@${LONG_SHOWN_START}`);
  });

  it('status -o json and -o yaml: the exact values, with nothing raw on the stream', async () => {
    for (const format of ['json', 'yaml'] as const) {
      const r = await plugin(['status', '-n', ns, '-o', format]);
      expect(r.code, r.stderr).toBe(0);
      expectNoRawControl(r);
      const document: any = format === 'json' ? JSON.parse(r.stdout) : loadYaml(r.stdout);
      const entries: any[] = document.activeCopyTargets;
      const validEntry = entries.find((e) => e.copyJobName === valid.job);
      expect(validEntry).toMatchObject({ user: CATALOG, host: LONG, copyPodName: valid.pod, stale: false });
      expect(validEntry.damaged).toBeUndefined();
      const damagedEntry = entries.find((e) => e.copyJobName === damaged.job);
      expect(damagedEntry).toMatchObject({ originalTarget: `${CATALOG}/${LONG}`, user: CATALOG, copyPodName: CATALOG });
      expect(damagedEntry.damaged).toContain('copy-target.dev/target-kind=');
    }
  });

  it('gc leaves the damaged copy and says why; the copy with hostile free text is untouched', async () => {
    const r = await plugin(['gc', '-n', ns]);
    expect(r.code, r.stderr).toBe(0);
    expectNoRawControl(r);
    expect(r.stdout).toContain(`copy job ${damaged.job} in namespace ${ns} has a damaged record (copy-target.dev/target-kind="csi\\u001b[2J`);
    await mustKubectl(['get', `job/${damaged.job}`, `job/${valid.job}`, '-n', ns]);
  });

  it('copy next to them still works; delete removes both, saying no hold was released for the damaged one', async () => {
    const copied = await plugin(['deploy/plain', '-n', ns, '-o', 'name']);
    expect(copied.code, copied.stderr).toBe(0);
    expectNoRawControl(copied);

    const r = await plugin(['delete', valid.job, damaged.job, '-n', ns]);
    expect(r.code, r.stderr).toBe(0);
    expectNoRawControl(r);
    expect(r.stdout).toContain(`job.batch/${valid.job} deleted\n`);
    expect(r.stdout).toContain(`job.batch/${damaged.job} deleted\n`);
    expect(r.stderr).toContain(`Warning: copy job ${damaged.job} had a damaged record (copy-target.dev/target-kind="csi\\u001b[2J`);
    expect(r.stderr).toContain('so no hold was released');
    await waitDeleted(ns, `job/${valid.job}`, `job/${damaged.job}`);
  });
});

describe('a damaged hold is never restored to a guess', () => {
  it('hold-original broken while held: the restore refuses, leaves the workload at 0 and names the annotation; gc too', async () => {
    await apply(ns, deployment('worker', 3, { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/worker:1' }] }));
    const session = startPlugin(['deploy/worker', '-n', ns, '--scale-down', '--duration', '6s', '--lease-duration', '3s']);
    await waitFor('deployment/worker', ns, '{.spec.replicas}', '0');
    await mustKubectl(['annotate', 'deployment/worker', '-n', ns, '--overwrite', 'copy-target.dev/hold-original=lots']);
    const r = await session.done;
    expect(r.code, r.stderr).toBe(1);
    expectNoRawControl(r);
    const error = r.stderr.split('\n').find((l) => l.startsWith('error: '))!;
    expect(error).toBe(
      `error: could not restore deployment/worker (deployment/worker in namespace ${ns} has a damaged scale-down hold ` +
        '(copy-target.dev/hold-original="lots" is not a whole number from 0 to 150000); left it as it is: fix copy-target.dev/hold-original ' +
        `("kubectl annotate deployment/worker -n ${ns} KEY=VALUE --overwrite") and run "kubectl copy-target gc -n ${ns}", ` +
        'or restore it by hand and remove the copy-target.dev/hold-* annotations and the copy-target.dev/held label); ' +
        `it stays scaled down until "kubectl copy-target gc -n ${ns}" succeeds`,
    );
    const after = await getJson(['get', 'deployment/worker', '-n', ns]);
    expect(after.spec.replicas).toBe(0);
    expect(after.metadata.annotations['copy-target.dev/hold-original']).toBe('lots');

    // Once its lease has run out the hold is stale, and gc still will not guess: it says why.
    await waitForLeaseToExpire(after.metadata.annotations['copy-target.dev/hold-lease-expires']);
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`deployment/worker in namespace ${ns} has a damaged scale-down hold (copy-target.dev/hold-original="lots"`);
    expect((await getJson(['get', 'deployment/worker', '-n', ns])).spec.replicas).toBe(0);

    // Set right, as the message says: gc restores the recorded count.
    await mustKubectl(['annotate', 'deployment/worker', '-n', ns, '--overwrite', 'copy-target.dev/hold-original=3']);
    const fixed = await plugin(['gc', '-n', ns]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('hold on deployment/worker');
    expect(fixed.stdout).toContain('restored to 3');
    expect((await getJson(['get', 'deployment/worker', '-n', ns])).spec.replicas).toBe(3);
  });
});

async function waitForLeaseToExpire(leaseExpires: string): Promise<void> {
  const ms = Date.parse(leaseExpires) - Date.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms + 500));
}
