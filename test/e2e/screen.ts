/**
 * What a person would see after `raw` was written to a terminal `columns` wide: the bytes replayed
 * into xterm.js's terminal emulator (@xterm/headless), the one VS Code's and many web terminals
 * use, so the screen is a real terminal's (wide characters, autowrap, cursor movement, erasing),
 * not a model of only what the plugin is expected to emit. For asserting on "the screen" of a run
 * under a pseudo-terminal. The terminal is 50 rows, as runInPty's (pty.ts), with scrollback enough
 * to keep every line a test writes.
 */
import xterm from '@xterm/headless';

const ROWS = 50;

/** The rows on screen and in the scrollback, trailing blanks trimmed, trailing empty rows dropped. */
export async function renderScreen(raw: string, columns: number): Promise<string[]> {
  const rows = (await replay(raw, columns)).map((row) => row.text.trimEnd());
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return rows;
}

/** As renderScreen, with each row that wrapped joined to the next: the lines as they were written. */
export async function renderLines(raw: string, columns: number): Promise<string[]> {
  const lines: string[] = [];
  for (const row of await replay(raw, columns)) {
    // A row the terminal continued from the one above by autowrap: spaces at the wrap included.
    if (row.wrapped && lines.length > 0) lines[lines.length - 1] += row.text;
    else lines.push(row.text);
  }
  const trimmed = lines.map((line) => line.trimEnd());
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  return trimmed;
}

async function replay(raw: string, columns: number): Promise<Array<{ text: string; wrapped: boolean }>> {
  const terminal = new xterm.Terminal({ cols: columns, rows: ROWS, scrollback: 100_000, allowProposedApi: true, logLevel: 'off' });
  try {
    await new Promise<void>((resolve) => terminal.write(raw, resolve));
    const buffer = terminal.buffer.active;
    const rows: Array<{ text: string; wrapped: boolean }> = [];
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y)!;
      rows.push({ text: line.translateToString(false), wrapped: line.isWrapped });
    }
    return rows;
  } finally {
    terminal.dispose();
  }
}
