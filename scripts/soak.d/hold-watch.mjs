// Invariant 1, checked continuously: never two live holds on one workload. The hold is a set of
// annotations on the workload (src/plan/hold-record.ts), so two sessions can only both hold it if
// one replaced the other's record while that one was still live: a takeover of a hold whose lease
// had not expired (src/plan/liveness.ts holdStaleReason), or of a detached hold whose copy Job
// still existed. Watches (as the admin, straight to the API server, resuming from the last
// resourceVersion across restarts) see every write to the workloads and the copy Jobs.
import https from 'node:https';

const HOLD = 'copy-target.dev/hold-';
/** The plugin reads the server's clock from whole-second Date headers: never more than a second off. */
const CLOCK_MARGIN_MS = 1500;
/**
 * resourceVersions order every write of one etcd (the local cluster's, whatever the resource): the
 * deletion of a copy Job and the takeover of its hold are compared by them, not by when their
 * events arrived (a watch resumed after a restart delivers late).
 */
const rvOf = (object) => BigInt(object.metadata.resourceVersion);

export function watchPaths(ns) {
  return {
    deployment: `/apis/apps/v1/namespaces/${ns}/deployments`,
    statefulset: `/apis/apps/v1/namespaces/${ns}/statefulsets`,
    rollout: `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`,
    cronjob: `/apis/batch/v1/namespaces/${ns}/cronjobs`,
    job: `/apis/batch/v1/namespaces/${ns}/jobs`,
  };
}

/** The hold recorded in a workload's annotations, or undefined. */
export function holdOf(object) {
  const a = object.metadata?.annotations ?? {};
  if (a[`${HOLD}session`] === undefined) return undefined;
  return {
    session: a[`${HOLD}session`],
    copyJob: a[`${HOLD}copy-job`],
    user: a[`${HOLD}user`],
    leaseExpires: Date.parse(a[`${HOLD}lease-expires`]),
    detached: a[`${HOLD}detached`] === 'true',
  };
}

/**
 * Starts the watches; `violation(v)` is called for each takeover of a live hold. Returns the state
 * the soak reads (which workloads are held now, counts of holds taken, taken over and released) and stop().
 */
export function startHoldWatch({ server, ca, token, ns, violation, log, history = () => {} }) {
  const paths = watchPaths(ns);
  const holds = new Map(); // "kind/name" → current hold (or undefined)
  const jobGoneRv = new Map(); // copy Job name → resourceVersion of its deletion (or deletionTimestamp)
  const detachedTakeovers = []; // judged at stop(), once every watch has caught up
  const stats = { taken: 0, takenOver: 0, released: 0, watchRestarts: 0 };
  let stopped = false;
  const requests = new Set();

  function onWorkload(kind, type, object) {
    const key = `${kind}/${object.metadata.name}`;
    const before = holds.get(key);
    const now = type === 'DELETED' ? undefined : holdOf(object);
    holds.set(key, now);
    if (before?.session === now?.session) return;
    const at = Date.now();
    const describe = (h) => `session ${h.session} of ${h.user} (copy job ${h.copyJob}, ${h.detached ? 'detached' : 'foreground'}, lease until ${new Date(h.leaseExpires).toISOString()})`;
    history(`${new Date(at).toISOString()} ${key} rv ${object.metadata.resourceVersion}: ${before ? describe(before) : 'no hold'} → ${now ? describe(now) : 'no hold'}`);
    if (!before && now) stats.taken++;
    if (before && !now) stats.released++;
    if (before && now) {
      stats.takenOver++;
      judgeTakeover(key, before, now, at, rvOf(object));
    }
  }

  function judgeTakeover(key, before, now, at, rv) {
    const what = `${key}: session ${now.session} (${now.user}) replaced the hold of session ${before.session} (${before.user}, copy job ${before.copyJob}, ${before.detached ? 'detached' : 'foreground'})`;
    if (before.leaseExpires <= at + CLOCK_MARGIN_MS) return; // stale by its lease: taking it over is right
    // A foreground hold lives by its lease alone. A detached one (its lease is its copy's expiry)
    // lives only as long as its copy Job: before its lease ends it is stale once that Job is gone,
    // which the Job watch tells, judged once every watch has caught up.
    if (before.detached) detachedTakeovers.push({ key, what, at, rv, job: before.copyJob });
    else violation({ invariant: 'one live hold', workload: key, at, message: `${what} while its lease ran until ${new Date(before.leaseExpires).toISOString()} (${((before.leaseExpires - at) / 1000).toFixed(1)}s later)` });
  }

  function judgeDetachedTakeovers() {
    for (const t of detachedTakeovers) {
      const gone = jobGoneRv.get(t.job);
      // Never seen deleted: the final gc deletes every copy Job, so only a Job the watches never saw (created and gone within a relist) lands here.
      if (gone !== undefined && gone > t.rv) violation({ invariant: 'one live hold', workload: t.key, at: t.at, message: `${t.what} before its lease ended, while its copy job still existed (deleted only after the takeover)` });
    }
  }

  function onJob(type, object) {
    const name = object.metadata.name;
    if ((type === 'DELETED' || object.metadata.deletionTimestamp) && !jobGoneRv.has(name)) jobGoneRv.set(name, rvOf(object));
  }

  function get(path) {
    return new Promise((resolve, reject) => {
      const req = https.get(`${server}${path}`, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  }

  /** List, then watch from the list's resourceVersion; resume (or list again after 410 Gone) until stopped. */
  async function follow(kind) {
    const handle = (type, object) => (kind === 'job' ? onJob(type, object) : onWorkload(kind, type, object));
    let rv;
    while (!stopped) {
      try {
        if (rv === undefined) {
          const list = await get(paths[kind]);
          for (const item of list.items) handle('ADDED', item);
          rv = list.metadata.resourceVersion;
        }
        rv = await watchOnce(kind, rv, handle);
      } catch {
        await new Promise((r) => setTimeout(r, 1000)); // the API server is restarting
      }
      if (!stopped) stats.watchRestarts++;
    }
  }

  /** One watch request; resolves with the resourceVersion to resume from (undefined: list again). */
  function watchOnce(kind, rv, handle) {
    return new Promise((resolve, reject) => {
      const url = `${server}${paths[kind]}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`;
      const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`watch ${kind}: ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        let last = rv;
        res.on('data', (chunk) => {
          buffer += chunk;
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.trim()) continue;
            const event = JSON.parse(line);
            if (event.type === 'ERROR') {
              if (event.object?.code === 410) last = undefined;
              continue;
            }
            last = event.object.metadata.resourceVersion;
            if (event.type !== 'BOOKMARK') handle(event.type, event.object);
          }
        });
        res.on('end', () => resolve(last));
        res.on('error', () => resolve(last));
      });
      requests.add(req);
      req.on('close', () => requests.delete(req));
      req.on('error', reject);
    });
  }

  const running = Object.keys(paths).map((kind) => follow(kind).catch((err) => log(`soak: watch of ${kind} ended: ${err.message}`)));
  return {
    stats,
    /** The workloads ("kind/name") a hold is recorded on right now. */
    held: () => [...holds].filter(([, h]) => h).map(([k]) => k),
    stop: async () => {
      stopped = true;
      for (const r of requests) r.destroy();
      await Promise.allSettled(running);
      judgeDetachedTakeovers();
    },
  };
}
