import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { toYaml } from '../kube/yaml.js';
import { parseOutputFormat, serialize } from '../render/output.js';
import { writeData, writeLines } from '../render/terminal.js';
import { formatAge, renderStatus, type StatusRow } from '../render/status-table.js';
import { staleCopyReason } from '../session/hold.js';
import { isFinished, jobPhase, listCopies, type Copy } from '../apply/copies.js';
import type { GlobalFlags } from './global-flags.js';

export interface StatusFlags extends GlobalFlags {
  allNamespaces: boolean;
  output?: string;
}

/** `kubectl copy-target status`: the active copies in the namespace, or in all with -A. */
export async function run(flags: StatusFlags): Promise<void> {
  const output = parseOutputFormat(flags.output, ['wide', 'json', 'yaml']);
  const connection = loadConnection(flags);
  const copies = await listCopies(new Cluster(connection), flags.allNamespaces ? undefined : connection.namespace);
  const now = new Date();
  copies.sort((a, b) => a.job.metadata!.namespace!.localeCompare(b.job.metadata!.namespace!) || a.record.createdAt.getTime() - b.record.createdAt.getTime());
  if (output === 'json' || output === 'yaml') {
    const document = { activeCopyTargets: copies.map((c) => statusObject(c, now)) };
    writeData(process.stdout, serialize(document, output, toYaml));
    return;
  }
  writeLines(process.stdout, renderStatus(copies.map((c) => statusRow(c, now)), { wide: output === 'wide' }));
}

/** A copy whose Job finished, whose time ran out or whose session stopped renewing (see gc). */
const isStale = (c: Copy, now: Date): boolean =>
  staleCopyReason(c.record, isFinished(c.job), now) !== undefined || jobPhase(c.job) === 'Terminating';

function statusRow(c: Copy, now: Date): StatusRow {
  return {
    kind: c.record.targetKind,
    name: c.record.targetName,
    namespace: c.job.metadata!.namespace!,
    copyPodName: c.record.podName ?? '<pending>',
    scaleDown: c.record.scaleDown,
    phase: jobPhase(c.job),
    age: formatAge(c.record.createdAt, now),
    owner: `${c.record.user}@${c.record.host}`,
    expires: c.record.expiresAt.toISOString(),
    stale: isStale(c, now),
  };
}

function statusObject(c: Copy, now: Date) {
  return {
    originalTarget: `${c.record.targetKind}/${c.record.targetName}`,
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
