import { dumpYaml } from '@kubernetes/client-node';

/** YAML as kubectl prints it; Dates and typed models go through JSON first so they print as the API sends them. */
export function toYaml(value: unknown): string {
  return dumpYaml(JSON.parse(JSON.stringify(value)));
}
