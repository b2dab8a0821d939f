import { createHash } from 'node:crypto';
import type { CopyOptions } from './copy-job.js';
import type { TargetKind } from '../target/kinds.js';

/**
 * A short stable hash of who asked for which copy of what, so a repeated request reuses the live
 * copy. Repeated flags are order-free (sorted); the ttl is left out so it does not force a new copy.
 */
export function copySignature(
  target: { kind: TargetKind; name: string; namespace: string },
  options: CopyOptions,
  user: string,
): string {
  const canonical = {
    kind: target.kind,
    name: target.name,
    namespace: target.namespace,
    user,
    keepProbes: options.keepProbes,
    scaleDown: options.scaleDown,
    excludeContainers: sortedUnique(options.excludeContainers),
    excludeInitContainers: sortedUnique(options.excludeInitContainers),
    setImages: sortedEntries(options.setImages),
    // The command's arguments keep their order: it is part of what runs.
    command: options.command ? { container: options.command.container ?? null, args: options.command.args } : null,
    // Always empty (what to mount is not part of the request): kept so the signatures of live
    // copies made by earlier versions, which hashed it, still match.
    claimVolumes: [],
    // Only when not the default, so the signatures of copies made before these flags still match.
    ...(options.keepLabels === false && { keepLabels: false }),
    ...(options.keepSchedulingRules === true && { keepSchedulingRules: true }),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  // Stryker disable next-line EqualityOperator: `a <= b` is equivalent, an object's keys are never equal
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
}
