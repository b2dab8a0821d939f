// The invariants checked once every client has stopped: after every lease and ttl has passed and
// one last `gc` (as the admin), the namespace must be as it was, but for what a person changed.
import { execFile } from 'node:child_process';
import { getJson } from './cluster.mjs';

const OURS = 'copy-target.dev/';
const MANAGED = 'app.kubernetes.io/managed-by=kubectl-copy-target';

/** The latest time anything of ours in the namespace may still be live until (ms), on the API server's clock. */
export async function latestDeadline(kubeconfig, ns, list) {
  const times = [];
  const jobs = await getJson(kubeconfig, ['get', 'jobs', '-n', ns, '-l', MANAGED]);
  for (const job of jobs.items) {
    const a = job.metadata.annotations ?? {};
    times.push(a[`${OURS}expires-at`], a[`${OURS}lease-expires`]);
    if (!a[`${OURS}pod-name`]) times.push(a[`${OURS}ready-by`]);
  }
  for (const w of list) {
    const o = await getJson(kubeconfig, ['get', w.resource, w.name, '-n', ns]);
    times.push(o.metadata.annotations?.[`${OURS}hold-lease-expires`]);
  }
  return Math.max(0, ...times.filter(Boolean).map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t)));
}

/** Waits until our copy Jobs and copy pods are gone (up to `timeoutMs`); returns what is left. */
async function leftovers(kubeconfig, ns, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = (await getJson(kubeconfig, ['get', 'jobs', '-n', ns, '-l', MANAGED])).items.map((j) => `job/${j.metadata.name}${j.metadata.deletionTimestamp ? ' (terminating)' : ''}`);
    const pods = (await getJson(kubeconfig, ['get', 'pods', '-n', ns, '-l', `${OURS}copy=true`])).items.map((p) => `pod/${p.metadata.name}${p.metadata.deletionTimestamp ? ' (terminating)' : ''}`);
    if ((jobs.length === 0 && pods.length === 0) || Date.now() > deadline) return { jobs, pods };
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Invariants 2-4. `expected` maps workload ref → its expected replicas/suspend; `claims` is the
 * PVC name → uid map taken at the start. Returns the violations found and what was checked.
 */
export async function finalChecks({ kubeconfig, ns, list, expected, claims, log }) {
  const violations = [];
  const checked = [];
  const add = (invariant, workload, message) => violations.push({ invariant, workload, at: Date.now(), message });

  const { jobs, pods } = await leftovers(kubeconfig, ns, 90_000);
  checked.push(`no copy Job left (${jobs.length} found), no copy pod left (${pods.length} found)`);
  if (jobs.length) add('no copy left', undefined, `copy Jobs left after the final gc: ${jobs.join(', ')}`);
  if (pods.length) add('no copy left', undefined, `copy pods left after the final gc: ${pods.join(', ')}`);

  for (const w of list) {
    const o = await getJson(kubeconfig, ['get', w.resource, w.name, '-n', ns]);
    const value = w.field === 'suspend' ? Boolean(o.spec.suspend) : o.spec.replicas;
    const want = expected.get(w.ref);
    checked.push(`${w.ref}: ${w.field} ${value} (expected ${want})`);
    if (value !== want) add('back as expected', w.ref, `${w.ref} has ${w.field} ${value}, expected ${want}`);
    const keys = [...Object.keys(o.metadata.annotations ?? {}), ...Object.keys(o.metadata.labels ?? {})].filter((k) => k.startsWith(OURS));
    if (keys.length) add('back as expected', w.ref, `${w.ref} still carries ${keys.join(', ')}`);
  }

  const now = await getJson(kubeconfig, ['get', 'pvc', '-n', ns]);
  const byName = new Map(now.items.map((c) => [c.metadata.name, c]));
  for (const [name, before] of Object.entries(claims)) {
    const after = byName.get(name);
    checked.push(`pvc/${name}: uid ${after?.metadata.uid ?? 'gone'} (was ${before.uid})`);
    if (!after) add('claims kept', 'sts/db', `pvc/${name} (uid ${before.uid}) was deleted`);
    else if (after.metadata.uid !== before.uid) add('claims kept', 'sts/db', `pvc/${name} was recreated: uid ${before.uid} is now ${after.metadata.uid}`);
    else if (after.metadata.deletionTimestamp) add('claims kept', 'sts/db', `pvc/${name} is being deleted`);
  }
  log(`soak: final checks: ${violations.length} violation(s)`);
  return { violations, checked };
}

/**
 * The admin's final `kubectl copy-target gc` in the namespace, direct to the API server (the
 * plugin is on PATH; kubectl takes no flag before a plugin's name, so the kubeconfig goes by env).
 */
export function adminGc(kubeconfig, ns) {
  return new Promise((resolve) => {
    execFile('kubectl', ['copy-target', 'gc', '-n', ns, '--context', 'admin'], { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 300_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
