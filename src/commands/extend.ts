import { UsageError } from '../errors.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { toYaml } from '../kube/yaml.js';
import { withoutManagedFields } from '../render/copy-output.js';
import { formatName, formatObjects, parseOutputFormat, type OutputFormat } from '../render/output.js';
import { warn, writeData, writeLine, type IOStreams } from '../render/terminal.js';
import { extendCopies, type ExtendedCopy, type ExtendRequest } from '../session/extend-copies.js';
import { guarded } from '../session/interrupt.js';
import { copySelector, validateSelector } from './copy-names.js';
import type { ExtendFlags } from './extend-flags.js';
import { parseDurationSeconds } from './flag-values.js';

/**
 * `kubectl copy-target extend COPY_POD|JOB|KIND/NAME ... | --all --ttl DURATION`: pushes the expiry
 * of live copies to now + DURATION on the API server's clock (a detached --scale-down hold with
 * them), as `delete` names copies. A stale copy is refused, naming why; the others still go.
 */
export async function run(flags: ExtendFlags, streams: IOStreams): Promise<void> {
  const req = complete(flags);
  validate(req);
  const connection = loadConnection(flags);
  const cluster = new Cluster(connection);
  const done: ExtendedCopy[] = [];
  const print = (e: ExtendedCopy) => {
    done.push(e);
    if (req.output === undefined) writeLine(streams.out, e.line);
    else if (req.output === 'name') writeLine(streams.out, formatName('job.batch', e.job.metadata!.name!));
  };
  try {
    const failures = await guarded(() =>
      extendCopies(cluster, connection.namespace, req, { extended: print, note: (line) => writeLine(streams.err, line), warn: (line) => warn(streams.err, line) }),
    );
    // As kubectl patch -o: the objects as written (one, or a List), then the errors.
    if ((req.output === 'json' || req.output === 'yaml') && done.length > 0) {
      writeData(streams.out, formatObjects(done.map((e) => withoutManagedFields({ ...e.job, apiVersion: 'batch/v1', kind: 'Job' })), req.output, toYaml));
    }
    failures.report(streams);
  } finally {
    cluster.close();
  }
}

interface ExtendCommand extends ExtendRequest {
  /** --ttl as typed, for its error. */
  ttl: string | undefined;
  output: OutputFormat;
}

/** What to extend and to when, from the flags before any API call (kubectl's Options.Complete). */
export function complete(flags: ExtendFlags): ExtendCommand {
  return {
    ...copySelector(flags.names, flags.all),
    ttl: flags.ttl,
    ttlSeconds: flags.ttl === undefined ? 0 : parseDurationSeconds('ttl', flags.ttl),
    output: parseOutputFormat(flags.output, ['json', 'yaml', 'name']),
  };
}

/** Names or --all (exactly one), and a --ttl that is there and positive. */
export function validate(req: ExtendCommand): void {
  validateSelector(req, 'extend');
  if (req.ttl === undefined) throw new UsageError('extend needs --ttl DURATION: how long from now the copy should live, e.g. --ttl 2h');
  if (req.ttlSeconds <= 0) throw new UsageError('--ttl must be positive: it is how long from now the copy lives');
}
