import { dump } from 'js-yaml';

/**
 * YAML as kubectl prints it: every field of the object as the server sent it, keys sorted, lists
 * not indented under their key, long strings never folded. (client-node's dumpYaml serializes
 * through its typed models, which drop fields they do not know, and loading those models costs
 * every command that prints YAML.) Dates go through JSON first. `quoteAll` double-quotes every
 * string value (see render/output.ts for why).
 */
export function toYaml(value: unknown, opts: { quoteAll?: boolean } = {}): string {
  const quoting = opts.quoteAll ? { forceQuotes: true, quotingType: '"' as const } : {};
  return dump(JSON.parse(JSON.stringify(value)), { sortKeys: true, noArrayIndent: true, lineWidth: -1, ...quoting });
}
