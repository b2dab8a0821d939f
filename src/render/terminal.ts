/**
 * The one path of output. Strings read from the cluster (annotations, labels, names of objects we
 * did not create, server error messages, event text) are written by whoever can edit those objects:
 * an escape sequence in one could clear the screen, retitle the window or hide a line of whoever
 * runs the plugin (kubectl's CVE-2021-25743). So every human-readable line is escaped here, whole,
 * and no caller has to know which of its values came from the cluster.
 */

type Stream = Pick<NodeJS.WriteStream, 'write'>;

/**
 * Where a command writes (kubectl's IOStreams): results on `out`, so `-o json|yaml|name` can be
 * piped; progress, warnings and errors on `err`. cli.ts passes the process's own; tests, others.
 */
export interface IOStreams {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

// C0 controls (ESC, BEL, BS, CR, LF...), DEL, C1 controls (U+009B is a one-character CSI on some
// terminals), and the invisible characters that reorder or break what is shown: bidi marks,
// embeddings, overrides and isolates, and the Unicode line and paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every unsafe character shown visibly (`\x1b`, `\r`, `\u202e`); the rest untouched. */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (NAMED[c]) return NAMED[c];
    const code = c.charCodeAt(0);
    return code <= 0x9f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The line a spinner or a live status owns at the bottom of a terminal (see render/progress.ts).
 * Written text must never run into it: every write below first clears it and then redraws it
 * under what was written, whichever stream (stdout or stderr) the write goes to, and in whatever
 * order the two are written.
 */
export interface TransientLine {
  /** Erases the line (the cursor is left at its start); a no-op when nothing is drawn. */
  clear(): void;
  /** Draws it again, if it is still showing something. */
  redraw(): void;
}

let transient: TransientLine | undefined;

/** Registers the one transient line (undefined: none). Only render/progress.ts calls this. */
export function setTransientLine(line: TransientLine | undefined): void {
  // An exit the command did not see coming (a third Ctrl-C gives up) must not leave a frame behind.
  if (transient === undefined && line !== undefined) process.once('exit', () => transient?.clear());
  transient = line;
}

let held = false;

/** Another program (an interactive credential plugin) has the terminal: the transient line is cleared and not drawn until the returned release. */
export function holdTransientLine(): () => void {
  transient?.clear();
  held = true;
  return () => {
    held = false;
    transient?.redraw();
  };
}

export const transientLineHeld = (): boolean => held;

function emit(stream: Stream, text: string): void {
  transient?.clear();
  stream.write(text);
  transient?.redraw();
}

/** One message (a result, error, warning or progress line): a newline inside it is escaped too, so no value can start a line of its own. */
export function writeLine(stream: Stream, message: string): void {
  emit(stream, `${escapeTerminal(message)}\n`);
}

/** Preformatted human-readable lines (the status table): each line escaped. */
export function writeLines(stream: Stream, text: string): void {
  emit(stream, text.split('\n').map(escapeTerminal).join('\n'));
}

/** `-o json|yaml`: exact data, made terminal-safe by its serializer (see render/output.ts). */
export function writeData(stream: Stream, text: string): void {
  emit(stream, text);
}

/** The one form of a warning (kubectl's `Warning: ...`); Progress.warn writes through it too. */
export function warn(stream: Stream, message: string): void {
  writeLine(stream, `Warning: ${message}`);
}
