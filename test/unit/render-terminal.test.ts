import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeTerminal, writeLine, writeLines } from '../../src/render/terminal.js';
import { CATALOG } from './hostile-strings.js';

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
