/**
 * A tiny terminal: what a person would see after `raw` was written to a screen `columns` wide.
 * Pure, for asserting on "the screen" of a run under a pseudo-terminal. It knows exactly what the
 * plugin's render layer emits (printable text, CR, LF, `ESC[nK` erase, `ESC[nG` column, `ESC[...m`
 * colour) and throws on anything else, so a new kind of escape sequence cannot slip by unseen.
 * Lines wrap when they reach the last column, as xterm's autowrap does.
 */
export function renderScreen(raw: string, columns: number): string[] {
  return render(raw, columns).rows;
}

/** As renderScreen, with each row that wrapped joined to the next: the lines as they were written. */
export function renderLines(raw: string, columns: number): string[] {
  const { rows, wrapped } = render(raw, columns, false);
  const lines: string[] = [];
  let current = '';
  rows.forEach((row, i) => {
    current += row;
    if (!wrapped.has(i)) {
      lines.push(current.trimEnd());
      current = '';
    }
  });
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function render(raw: string, columns: number, trim = true): { rows: string[]; wrapped: Set<number> } {
  const rows: string[][] = [[]];
  /** Rows continued on the next by autowrap. */
  const wrapped = new Set<number>();
  let row = 0;
  let col = 0;
  // xterm's "pending wrap": a character in the last column leaves the cursor there until the next one.
  let pendingWrap = false;
  const line = (): string[] => (rows[row] ??= []);
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\r') {
      col = 0;
      pendingWrap = false;
    } else if (c === '\n') {
      row += 1;
      line();
      pendingWrap = false;
    } else if (c === '\b') {
      col = Math.max(0, col - 1);
      pendingWrap = false;
    } else if (c === '\x1b') {
      if (chars[i + 1] !== '[') throw new Error(`unexpected escape sequence ESC ${JSON.stringify(chars.slice(i + 1, i + 4).join(''))} at ${i}`);
      let j = i + 2;
      let params = '';
      while (j < chars.length && /[0-9;?]/.test(chars[j]!)) params += chars[j++];
      const final = chars[j];
      const n = params === '' ? undefined : Number(params);
      const cells = line();
      if (final === 'K') {
        if (n === undefined || n === 0) cells.length = Math.min(cells.length, col);
        else if (n === 1) for (let k = 0; k <= col && k < cells.length; k++) cells[k] = ' ';
        else if (n === 2) cells.length = 0;
        else throw new Error(`unexpected ESC[${params}K`);
      } else if (final === 'G') {
        col = Math.min(columns - 1, Math.max(0, (n ?? 1) - 1));
      } else if (final !== 'm') {
        throw new Error(`unexpected escape sequence ESC[${params}${final ?? ''} at ${i}`);
      }
      pendingWrap = false;
      i = j;
    } else if (c < ' ' || c === '\x7f') {
      throw new Error(`unexpected control character ${JSON.stringify(c)} at ${i}`);
    } else {
      if (pendingWrap) {
        wrapped.add(row);
        row += 1;
        col = 0;
        pendingWrap = false;
      }
      const cells = line();
      while (cells.length < col) cells.push(' ');
      cells[col] = c;
      if (col === columns - 1) pendingWrap = true;
      else col += 1;
    }
  }
  const text = rows.map((cells) => Array.from(cells, (cell) => cell ?? ' ').join(''));
  if (!trim) return { rows: text, wrapped };
  const trimmed = text.map((t) => t.trimEnd());
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  return { rows: trimmed, wrapped };
}
