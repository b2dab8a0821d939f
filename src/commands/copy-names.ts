import type { Copy, CopySelector } from '../apply/copies.js';
import { UsageError } from '../errors.js';
import { parseTarget } from '../target/parse.js';

/*
 * How `delete` and `extend` name copies: a bare name is a copy Job or a copy pod; KIND/NAME is
 * every copy of that original (and pod/NAME also a copy pod of that name); --all is every copy in
 * the namespace.
 */

/** The selector for the names typed, parsed before any API call (a bad KIND/NAME fails here). */
export function copySelector(names: string[], all: boolean): CopySelector {
  return { all, matchers: names.map((name) => ({ name, matches: matcherFor(name) })) };
}

/** Names, or --all: exactly one of them (kubectl delete's rule). `verb` says what the names are for. */
export function validateSelector(req: CopySelector, verb: string): void {
  if (req.all === req.matchers.length > 0) {
    throw new UsageError(`name what to ${verb} (a copy pod, a copy job or KIND/NAME of the original), or pass --all`);
  }
}

function matcherFor(text: string): (c: Copy) => boolean {
  if (!text.includes('/')) {
    return (c) => c.job.metadata?.name === text || c.record.podName === text;
  }
  const target = parseTarget(text);
  return (c) =>
    (c.record.targetKind === target.kind && c.record.targetName === target.name) ||
    (target.kind === 'pod' && c.record.podName === target.name);
}
