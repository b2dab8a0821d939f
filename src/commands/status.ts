import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { toYaml } from '../kube/yaml.js';
import { CopyKeys, originalOf, scaleDownKeyOf } from '../plan/copy-record.js';
import { copyStaleReason } from '../plan/liveness.js';
import { parseOutputFormat, serialize, type OutputFormat } from '../render/output.js';
import { formatAge, timeLeft } from '../render/duration.js';
import { renderStatus, type StatusRow } from '../render/status-table.js';
import { warn, writeData, writeLines, type IOStreams } from '../render/terminal.js';
import { describeDamagedCopy, jobPhase, jobState, listCopies, type Copy, type DamagedCopy } from '../apply/copies.js';
import { kindName, type V1Job } from '../kube/types.js';
import type { StatusFlags } from './status-flags.js';

type Entry = { copy: Copy; damaged?: undefined } | { copy?: undefined; damaged: DamagedCopy };

/** What to list and how, from the flags before any API call (kubectl's Options.Complete); no flag combination is invalid. */
export function complete(flags: StatusFlags): { flags: StatusFlags; output: OutputFormat } {
  return { flags, output: parseOutputFormat(flags.output, ['wide', 'json', 'yaml']) };
}

/** `kubectl copy-target status`: the active copies in the namespace, or in all with -A. */
export async function run(flags: StatusFlags, streams: IOStreams): Promise<void> {
  const { output } = complete(flags);
  const connection = loadConnection(flags);
  const cluster = new Cluster(connection);
  const listed = listCopies(cluster, flags.allNamespaces ? undefined : connection.namespace);
  const { copies, damaged } = await listed.finally(() => cluster.close());
  // Ages and time left are measured on the API server's clock (the list's Date header, see
  // Cluster.now), as expiries are judged; the local clock only if no Date header came.
  const now = cluster.now();
  const entries: Entry[] = [...copies.map((copy) => ({ copy })), ...damaged.map((d) => ({ damaged: d }))];
  const job = (e: Entry): V1Job => (e.copy ?? e.damaged).job;
  // A damaged record's created-at cannot be trusted; its Job's own creation time can.
  const created = (e: Entry): number => e.copy?.record.createdAt.getTime() ?? Date.parse(String(job(e).metadata?.creationTimestamp ?? ''));
  entries.sort((a, b) => job(a).metadata!.namespace!.localeCompare(job(b).metadata!.namespace!) || created(a) - created(b));
  if (output === 'json' || output === 'yaml') {
    const document = { activeCopyTargets: entries.map((e) => (e.copy ? statusObject(e.copy, now) : damagedObject(e.damaged))) };
    writeData(streams.out, serialize(document, output, toYaml));
    return;
  }
  writeLines(streams.out, renderStatus(entries.map((e) => (e.copy ? statusRow(e.copy, now) : damagedRow(e.damaged, now))), { wide: output === 'wide' }));
  for (const d of damaged) warn(streams.err, describeDamagedCopy(d));
}

/** A copy gc would remove (status reads no holds: a lapsed lease mirror is taken at its word). */
const isStale = (c: Copy, now: Date): boolean => copyStaleReason(c.record, jobState(c.job), now) !== undefined;

function statusRow(c: Copy, now: Date): StatusRow {
  return {
    target: kindName(originalOf(c.record)),
    namespace: c.job.metadata!.namespace!,
    copyPodName: c.record.podName ?? '<pending>',
    scaleDown: c.record.scaleDown,
    phase: jobPhase(c.job),
    age: formatAge(c.record.createdAt, now),
    owner: `${c.record.user}@${c.record.host}`,
    expires: timeLeft(c.record.expiresAt, now),
    stale: isStale(c, now),
  };
}

/** A damaged record's expiry: the time left when it is a time at all, else the value as it is. */
function expiresOfDamaged(value: string | undefined, now: Date): string {
  if (value === undefined) return '?';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : timeLeft(at, now);
}

function statusObject(c: Copy, now: Date) {
  return {
    originalTarget: kindName(originalOf(c.record)),
    namespace: c.job.metadata!.namespace!,
    copyPodName: c.record.podName ?? null,
    copyJobName: c.job.metadata!.name!,
    scaleDown: c.record.scaleDown,
    phase: jobPhase(c.job),
    user: c.record.user,
    host: c.record.host,
    createdAt: c.record.createdAt.toISOString(),
    expiresAt: c.record.expiresAt.toISOString(),
    stale: isStale(c, now),
  };
}

/** The annotations of a damaged copy as they are (strings, or absent): shown, never interpreted. */
const raw = (d: DamagedCopy) => (key: string): string | undefined => d.job.metadata?.annotations?.[key];

/** A damaged copy's "made with --scale-down" annotation as it is (an old copy's under the legacy key). */
const scaleDownOf = (d: DamagedCopy): string | undefined => raw(d)(scaleDownKeyOf(d.job.metadata?.annotations ?? {}));

/** A damaged copy's row: its annotations as they are (the Job's name when pod-name is missing), marked (damaged). */
function damagedRow(d: DamagedCopy, now: Date): StatusRow {
  const a = raw(d);
  return {
    target: kindName({ kind: a(CopyKeys.targetKind) ?? '?', name: a(CopyKeys.targetName) ?? '?' }),
    namespace: d.job.metadata!.namespace!,
    copyPodName: a(CopyKeys.podName) ?? d.job.metadata!.name!,
    scaleDown: scaleDownOf(d) === 'true',
    phase: jobPhase(d.job),
    age: formatAge(new Date(String(d.job.metadata?.creationTimestamp ?? '')), now),
    owner: `${a(CopyKeys.user) ?? '?'}@${a(CopyKeys.host) ?? '?'}`,
    expires: expiresOfDamaged(a(CopyKeys.expiresAt), now),
    damaged: true,
  };
}

function damagedObject(d: DamagedCopy) {
  const a = raw(d);
  const [kind, name] = [a(CopyKeys.targetKind), a(CopyKeys.targetName)];
  return {
    originalTarget: kind !== undefined && name !== undefined ? kindName({ kind, name }) : null,
    namespace: d.job.metadata!.namespace!,
    copyPodName: a(CopyKeys.podName) ?? null,
    copyJobName: d.job.metadata!.name!,
    scaleDown: scaleDownOf(d) ?? null,
    phase: jobPhase(d.job),
    user: a(CopyKeys.user) ?? null,
    host: a(CopyKeys.host) ?? null,
    createdAt: a(CopyKeys.createdAt) ?? null,
    expiresAt: a(CopyKeys.expiresAt) ?? null,
    stale: false,
    damaged: d.damaged,
  };
}
