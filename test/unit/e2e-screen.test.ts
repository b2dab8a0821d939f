import { describe, expect, it } from 'vitest';
import { renderLines, renderScreen } from '../e2e/screen.js';

// The terminal the pseudo-terminal e2e tests (test/e2e/terminal.test.ts, build-progress.test.ts)
// replay their output on: xterm.js's. These pin what those tests rely on a terminal doing.
describe('renderScreen', () => {
  it('overwrites a line after CR and erases it with ESC[2K', async () => {
    expect(await renderScreen('⠋ waiting\r\x1b[2K⠙ wait\r\x1b[2K✔ done\r\n', 80)).toEqual(['✔ done']);
    expect(await renderScreen('abcdef\rxy', 80)).toEqual(['xycdef']);
  });

  it('shows what ran into a line that was not cleared', async () => {
    expect((await renderScreen('⠋ waiting to be Running', 80)).concat(await renderScreen('copy-pod\r\n', 80))).toEqual(['⠋ waiting to be Running', 'copy-pod']);
    expect(await renderScreen('⠋ waiting to be Runningcopy-pod\r\n', 80)).toEqual(['⠋ waiting to be Runningcopy-pod']);
  });

  it('erases to the end of the line with ESC[K and moves to a column with ESC[nG', async () => {
    expect(await renderScreen('abcdef\x1b[3G\x1b[K', 80)).toEqual(['ab']);
    expect(await renderScreen('abcdef\x1b[1G\x1b[0KX', 80)).toEqual(['X']);
  });

  it('ignores colour and drops trailing blank lines', async () => {
    expect(await renderScreen('\x1b[32m✔\x1b[0m ok\r\n\r\n', 80)).toEqual(['✔ ok']);
  });

  it('wraps at the last column, so a cleared wrapped line leaves its first row behind', async () => {
    expect(await renderScreen('abcdefgh', 4)).toEqual(['abcd', 'efgh']);
    expect(await renderScreen('abcd\r\n', 4)).toEqual(['abcd']);
    expect(await renderScreen('abcd^C\r\x1b[2Kok\r\n', 4)).toEqual(['abcd', 'ok']);
  });

  it('renderLines joins the rows a line wrapped onto, spaces at the wrap included', async () => {
    expect(await renderLines('ab cdef\r\nxy\r\n', 3)).toEqual(['ab cdef', 'xy']);
    expect(await renderScreen('ab cdef\r\nxy\r\n', 3)).toEqual(['ab', 'cde', 'f', 'xy']);
  });

  it('a line feed alone keeps the column, as on a terminal without onlcr', async () => {
    expect(await renderScreen('ab\ncd', 80)).toEqual(['ab', '  cd']);
  });

  // What the hand-written model this replaced did not know.
  it('wide characters take two columns: a CJK name wraps sooner, and is never split', async () => {
    expect(await renderScreen('日本語のポッド', 6)).toEqual(['日本語', 'のポッ', 'ド']);
    expect(await renderScreen('a日本語', 6)).toEqual(['a日本', '語']);
    expect(await renderLines('a日本語\r\n', 6)).toEqual(['a日本 語']);
  });

  it('cursor movement and clearing the screen, as a terminal does them', async () => {
    expect(await renderScreen('one\r\ntwo\r\n\x1b[2Aun\x1b[2B\rthree', 80)).toEqual(['une', 'two', 'three']);
    expect(await renderScreen('gone\r\n\x1b[2J\x1b[Hkept', 80)).toEqual(['kept']);
  });

  it('keeps every line of a long run, beyond the 50 rows on screen', async () => {
    const raw = Array.from({ length: 120 }, (_, i) => `line ${i}`).join('\r\n');
    const screen = await renderScreen(raw, 80);
    expect(screen).toHaveLength(120);
    expect(screen.at(-1)).toBe('line 119');
  });
});
