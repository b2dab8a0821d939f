import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeTerminal, holdTransientLine, setTransientLine, transientLineHeld, warn, writeData, writeLine, writeLines } from '../../src/render/terminal.js';
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

  it('shows the last C1 control and the Arabic letter mark by their code points, four hex digits after \\u', () => {
    expect(escapeTerminal('a\u009fb\u061cc')).toBe('a\\x9fb\\u061cc');
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

describe('a spinner\'s line at the bottom of the terminal', () => {
  // One terminal: what the writes and the spinner's line draw on it, in order.
  const drawn: string[] = [];
  const screen = { write: (s: string) => (drawn.push(s), true) };
  const spinner = { clear: () => drawn.push('<clear>'), redraw: () => drawn.push('<spinner>') };
  afterEach(() => {
    setTransientLine(undefined);
    drawn.length = 0;
  });

  it('every write clears it first and draws it again below what was written: lines, tables, data and warnings', () => {
    setTransientLine(spinner);
    writeLine(screen, 'copy-web-abcde');
    writeLines(screen, 'NAME\nweb\n');
    writeData(screen, '{"kind":"Pod"}\n');
    warn(screen, 'the copy expires in 1h');
    expect(drawn).toEqual([
      '<clear>', 'copy-web-abcde\n', '<spinner>',
      '<clear>', 'NAME\nweb\n', '<spinner>',
      '<clear>', '{"kind":"Pod"}\n', '<spinner>',
      '<clear>', 'Warning: the copy expires in 1h\n', '<spinner>',
    ]);
  });

  it('-o json data is written exactly as serialized (its serializer made it safe), not escaped again', () => {
    writeData(screen, '{"message":"a\\u001b"}\n');
    expect(drawn).toEqual(['{"message":"a\\u001b"}\n']);
  });

  it('without a spinner, writes are just written, and a credential prompt needs nothing cleared', () => {
    writeLine(screen, 'done');
    holdTransientLine()();
    expect(drawn).toEqual(['done\n']);
  });

  it('an exit the command did not see coming (a third Ctrl-C) clears the spinner\'s frame; one such hook however often a line is set', () => {
    const before = process.listeners('exit');
    setTransientLine(spinner);
    setTransientLine({ ...spinner });
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    try {
      expect(added).toHaveLength(1);
      (added[0] as () => void)();
      expect(drawn).toEqual(['<clear>']);
    } finally {
      for (const l of added) process.removeListener('exit', l);
    }
  });

  it('a credential plugin prompting on the terminal: the line is cleared while it has the terminal and drawn again after', () => {
    setTransientLine(spinner);
    expect(transientLineHeld()).toBe(false);
    const release = holdTransientLine();
    expect(drawn).toEqual(['<clear>']);
    expect(transientLineHeld()).toBe(true);
    release();
    expect(transientLineHeld()).toBe(false);
    expect(drawn).toEqual(['<clear>', '<spinner>']);
  });
});
