import { dumpYaml } from '@kubernetes/client-node';

/**
 * YAML as kubectl prints it; Dates and typed models go through JSON first so they print as the API
 * sends them. `quoteAll` double-quotes every string value (see render/output.ts for why).
 */
export function toYaml(value: unknown, opts: { quoteAll?: boolean } = {}): string {
  const quoting = opts.quoteAll ? { forceQuotes: true, quotingType: '"' as const } : {};
  return dumpYaml(JSON.parse(JSON.stringify(value)), quoting);
}
