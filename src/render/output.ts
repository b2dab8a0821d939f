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
export function formatObjects(objects: unknown[], format: 'json' | 'yaml', toYaml: ToYaml): string {
  const document =
    objects.length === 1
      ? objects[0]
      : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
  return serialize(document, format, toYaml);
}

export type ToYaml = (o: unknown, opts?: { quoteAll?: boolean }) => string;

// What the serializers may leave raw that a terminal acts on (see render/terminal.ts): JSON.stringify
// escapes only C0 controls; js-yaml escapes every control character but no bidi override.
const RAW_AFTER_SERIALIZER = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `-o json|yaml`: exact data, yet safe to print on a terminal. Those characters can only stand in
 * string values, where a \u escape is the same string to any parser; in YAML only a double-quoted
 * scalar has escapes, so a document that has one is written with every string value double-quoted
 * (map keys the API serves are ASCII).
 */
export function serialize(document: unknown, format: 'json' | 'yaml', toYaml: ToYaml): string {
  let text: string;
  if (format === 'json') {
    text = JSON.stringify(document, null, 4).replace(RAW_AFTER_SERIALIZER, unicodeEscape);
  } else {
    text = toYaml(document);
    if (text.search(RAW_AFTER_SERIALIZER) !== -1) {
      text = toYaml(document, { quoteAll: true }).replace(RAW_AFTER_SERIALIZER, unicodeEscape);
    }
  }
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * One line of `-o name`: `pod/NAME` for core resources, `job.batch/NAME` for grouped ones.
 * `resource` is the lower-case singular, with `.group` when the kind has a group.
 */
export function formatName(resource: string, name: string): string {
  return `${resource}/${name}`;
}
