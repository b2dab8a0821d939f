import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../src/kube/yaml.js';
import { serialize } from '../../src/render/output.js';
import { escapeTerminal, writeLine, writeLines } from '../../src/render/terminal.js';

/** The hostile values of issue 13, each with how it must be shown. */
const CATALOG: Array<[string, string, string]> = [
  ['ANSI CSI (clear screen)', 'a\x1b[2Jb', 'a\\x1b[2Jb'],
  ['OSC window title ended by BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
  ['OSC 8 hyperlink', '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\', '\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\'],
  ['backspace', 'rm -rf\x08\x08\x08\x08\x08\x08ls', 'rm -rf\\x08\\x08\\x08\\x08\\x08\\x08ls'],
  ['carriage return overwriting the line', 'evil\rok', 'evil\\rok'],
  ['newline starting a line of its own', 'a\nerror: fake', 'a\\nerror: fake'],
  ['bidi override', 'txt.\u202eexe', 'txt.\\u202eexe'],
  ['bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
  ['C1 CSI', '\u009b2J', '\\x9b2J'],
  ['DEL and NUL', 'a\x7fb\x00', 'a\\x7fb\\x00'],
  ['tab', 'a\tb', 'a\\tb'],
];
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function sink(): { stream: { write: (s: string) => boolean }; text: () => string } {
  let text = '';
  return { stream: { write: (s: string) => ((text += s), true) }, text: () => text };
}

describe('escapeTerminal', () => {
  it.each(CATALOG)('shows %s visibly', (_what, hostile, shown) => {
    expect(escapeTerminal(hostile)).toBe(shown);
    expect(escapeTerminal(hostile)).not.toMatch(UNSAFE);
  });

  it('leaves printable text alone, non-ASCII included, and is idempotent', () => {
    const text = 'deployment/web — alice@host; Zoë 日本 🚀 \\x1b';
    expect(escapeTerminal(text)).toBe(text);
    const once = escapeTerminal(CATALOG.map(([, hostile]) => hostile).join(''));
    expect(escapeTerminal(once)).toBe(once);
  });

  it('escapes a 10,000-character value whole', () => {
    const long = 'x\x1b'.repeat(5000);
    const shown = escapeTerminal(long);
    expect(shown).toHaveLength(5000 * 5);
    expect(shown).not.toMatch(UNSAFE);
  });
});

describe('the output path', () => {
  it('writes one message as one line, whatever it contains', () => {
    const out = sink();
    writeLine(out.stream, 'error: held by mallory\r\n\x1b[2J');
    expect(out.text()).toBe('error: held by mallory\\r\\n\\x1b[2J\n');
  });

  it('keeps the lines of preformatted text and escapes within each', () => {
    const out = sink();
    writeLines(out.stream, 'one \x1b[31m\ntwo \u202e\n');
    expect(out.text()).toBe('one \\x1b[31m\ntwo \\u202e\n');
  });

  it('is the only writer: no other module writes to a stream (progress draws its spinner itself)', () => {
    const src = join(import.meta.dirname, '..', '..', 'src');
    const writers = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /\.write\(/.test(readFileSync(join(src, file), 'utf8')))
      .sort();
    expect(writers).toEqual([join('render', 'progress.ts'), join('render', 'terminal.ts')]);
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
