import { loadYaml } from '@kubernetes/client-node';
import { describe, it, expect } from 'vitest';
import { ExitCode, UsageError } from '../../src/errors.js';
import { toYaml } from '../../src/kube/yaml.js';
import { formatName, formatObjects, parseOutputFormat, serialize, type OutputFormat } from '../../src/render/output.js';
import { CATALOG } from './hostile-strings.js';

describe('parseOutputFormat', () => {
  const allowed: OutputFormat[] = ['json', 'yaml', 'name'];

  it('treats a missing or empty value as the default output', () => {
    expect(parseOutputFormat(undefined, allowed)).toBeUndefined();
    expect(parseOutputFormat('', allowed)).toBeUndefined();
  });

  it.each(['json', 'yaml', 'name'] as const)('accepts %s', (format) => {
    expect(parseOutputFormat(format, allowed)).toBe(format);
    expect(parseOutputFormat(format.toUpperCase(), allowed)).toBe(format);
  });

  it('accepts wide where allowed', () => {
    expect(parseOutputFormat('wide', ['wide', 'json'])).toBe('wide');
  });

  it('rejects a format the command does not offer, naming the allowed values', () => {
    expect(() => parseOutputFormat('wide', allowed)).toThrow(
      new UsageError('unknown output format "wide"; allowed values for -o: json, yaml, name'),
    );
    try {
      parseOutputFormat('xml', [undefined, 'wide', 'json']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(ExitCode.usage);
      expect((error as UsageError).message).toBe('unknown output format "xml"; allowed values for -o: wide, json');
    }
  });
});

describe('formatObjects', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } };
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'b' } };
  const fakeYaml = (o: unknown): string => `YAML ${JSON.stringify(o)}`;

  it('prints one object as itself with 4-space indentation', () => {
    expect(formatObjects([pod], 'json', fakeYaml)).toBe(
      '{\n    "apiVersion": "v1",\n    "kind": "Pod",\n    "metadata": {\n        "name": "a"\n    }\n}\n',
    );
  });

  it('wraps several objects in a v1 List like kubectl', () => {
    const text = formatObjects([pod, job], 'json', fakeYaml);
    expect(JSON.parse(text)).toEqual({
      apiVersion: 'v1',
      items: [pod, job],
      kind: 'List',
      metadata: { resourceVersion: '' },
    });
    expect(text).toBe(`${JSON.stringify({ apiVersion: 'v1', items: [pod, job], kind: 'List', metadata: { resourceVersion: '' } }, null, 4)}\n`);
    expect(text.startsWith('{\n    "apiVersion": "v1",\n    "items": [\n        {\n')).toBe(true);
  });

  it('prints an empty List for no objects', () => {
    expect(formatObjects([], 'json', fakeYaml)).toBe(
      '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n',
    );
  });

  it('hands the same shapes to the injected YAML serializer', () => {
    const seen: unknown[] = [];
    const toYaml = (o: unknown): string => {
      seen.push(o);
      return 'kind: X\n';
    };
    expect(formatObjects([pod], 'yaml', toYaml)).toBe('kind: X\n');
    expect(formatObjects([pod, job], 'yaml', toYaml)).toBe('kind: X\n');
    expect(seen).toEqual([pod, { apiVersion: 'v1', items: [pod, job], kind: 'List', metadata: { resourceVersion: '' } }]);
  });

  it('ends YAML with exactly one newline', () => {
    expect(formatObjects([pod], 'yaml', fakeYaml)).toBe(`YAML ${JSON.stringify(pod)}\n`);
  });
});

describe('formatName', () => {
  it('prints core resources without a group and grouped ones with it', () => {
    expect(formatName('pod', 'web-abc')).toBe('pod/web-abc');
    expect(formatName('job.batch', 'copy-web')).toBe('job.batch/copy-web');
    expect(formatName('deployment.apps', 'web')).toBe('deployment.apps/web');
  });
});

describe('serialize (-o json|yaml)', () => {
  const hostile = Object.fromEntries(CATALOG.map(([what, value]) => [what, value]));
  const document = { metadata: { annotations: hostile }, n: 3, list: ['plain', true] };

  it('JSON: exact data with no raw control or bidi character', () => {
    const text = serialize(document, 'json', toYaml);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
    expect(JSON.parse(text)).toEqual(document);
  });

  it('YAML: exact data with no raw control or bidi character', () => {
    const text = serialize(document, 'yaml', toYaml);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
    expect(loadYaml(text)).toEqual(document);
  });

  it('YAML without such characters is what kubectl prints (nothing forced into quotes)', () => {
    const plain = { metadata: { name: 'web', annotations: { a: 'b c' } }, count: 3 };
    expect(serialize(plain, 'yaml', toYaml)).toBe('count: 3\nmetadata:\n  annotations:\n    a: b c\n  name: web\n');
  });
});
