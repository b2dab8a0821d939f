import { UsageError } from '../errors.js';

/** `-o` values; undefined is the default human-readable output. */
export type OutputFormat = 'json' | 'yaml' | 'name' | 'wide' | undefined;

/** Validates `-o VALUE` against what a command supports; an empty value means the default. */
export function parseOutputFormat(value: string | undefined, allowed: OutputFormat[]): OutputFormat {
  if (value === undefined || value === '') return undefined;
  const format = allowed.find((candidate) => candidate !== undefined && candidate === value.toLowerCase());
  if (format !== undefined) return format;
  const names = allowed.filter((candidate) => candidate !== undefined);
  throw new UsageError(
    `unknown output format ${JSON.stringify(value)}; allowed values for -o: ${names.join(', ')}`,
  );
}

/**
 * What `kubectl get -o json|yaml` prints: a single object as is, anything else wrapped in a v1
 * List. Keys follow kubectl's order (it marshals the List from a map, so keys are sorted).
 */
export function formatObjects(
  objects: unknown[],
  format: 'json' | 'yaml',
  toYaml: (o: unknown) => string,
): string {
  const document =
    objects.length === 1
      ? objects[0]
      : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
  const text = format === 'json' ? JSON.stringify(document, null, 4) : toYaml(document);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * One line of `-o name`: `pod/NAME` for core resources, `job.batch/NAME` for grouped ones.
 * `resource` is the lower-case singular, with `.group` when the kind has a group.
 */
export function formatName(resource: string, name: string): string {
  return `${resource}/${name}`;
}
