import { describe, expect, it } from 'vitest';
import { renderLines, renderScreen } from '../e2e/screen.js';

// The interpreter the pseudo-terminal e2e test (test/e2e/terminal.test.ts) asserts with.
describe('renderScreen', () => {
  it('overwrites a line after CR and erases it with ESC[2K', () => {
    expect(renderScreen('⠋ waiting\r\x1b[2K⠙ wait\r\x1b[2K✔ done\r\n', 80)).toEqual(['✔ done']);
    expect(renderScreen('abcdef\rxy', 80)).toEqual(['xycdef']);
  });

  it('shows what ran into a line that was not cleared', () => {
    expect(renderScreen('⠋ waiting to be Running', 80).concat(renderScreen('copy-pod\r\n', 80))).toEqual(['⠋ waiting to be Running', 'copy-pod']);
    expect(renderScreen('⠋ waiting to be Runningcopy-pod\r\n', 80)).toEqual(['⠋ waiting to be Runningcopy-pod']);
  });

  it('erases to the end of the line with ESC[K and moves to a column with ESC[nG', () => {
    expect(renderScreen('abcdef\x1b[3G\x1b[K', 80)).toEqual(['ab']);
    expect(renderScreen('abcdef\x1b[1G\x1b[0KX', 80)).toEqual(['X']);
  });

  it('ignores colour and drops trailing blank lines', () => {
    expect(renderScreen('\x1b[32m✔\x1b[0m ok\r\n\r\n', 80)).toEqual(['✔ ok']);
  });

  it('wraps at the last column, so a cleared wrapped line leaves its first row behind', () => {
    expect(renderScreen('abcdefgh', 4)).toEqual(['abcd', 'efgh']);
    expect(renderScreen('abcd\r\n', 4)).toEqual(['abcd']);
    expect(renderScreen('abcd^C\r\x1b[2Kok\r\n', 4)).toEqual(['abcd', 'ok']);
  });

  it('renderLines joins the rows a line wrapped onto, spaces at the wrap included', () => {
    expect(renderLines('ab cdef\r\nxy\r\n', 3)).toEqual(['ab cdef', 'xy']);
    expect(renderScreen('ab cdef\r\nxy\r\n', 3)).toEqual(['ab', 'cde', 'f', 'xy']);
  });

  it('refuses escape sequences and control characters it does not know', () => {
    expect(() => renderScreen('\x1b[2J', 80)).toThrow(/ESC\[2J/);
    expect(() => renderScreen('\x1b]0;title\x07', 80)).toThrow(/unexpected escape/);
    expect(() => renderScreen('a\x07', 80)).toThrow(/control character/);
  });
});
