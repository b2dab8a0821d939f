import { escapeTerminal, setTransientLine, transientLineHeld, warn, writeLine } from './terminal.js';

/** Progress messages on stderr, so stdout stays clean for -o json/yaml/name. */
export interface Progress {
  /** True on a terminal: a live line is shown and updated in place. */
  readonly interactive: boolean;
  /** Announces work in progress; on a terminal it spins until done, the next step or a live line. */
  step(message: string): void;
  /** Ends the current step (if any) with a check mark: what finished stays on screen. */
  done(message: string): void;
  /**
   * A status line updated in place while something lasts (a held session), replacing the
   * spinner. On a terminal only: elsewhere nothing is written, logs get the done lines.
   */
  live(message: string): void;
  /** A `Warning: ...` line; a spinning step goes on spinning under it. */
  warn(message: string): void;
  /** A plain line (a hint, a dry run's "would ..."), kept on screen like a warning. */
  say(message: string): void;
  /** Stops the spinner or live line and clears its line; safe to call more than once. */
  stop(): void;
}

export const SPINNER_INTERVAL_MS = 100;

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
// A dumb terminal may not draw braille; plain ASCII spins everywhere.
const DUMB_SPINNER_FRAMES = ['|', '/', '-', '\\'];
const CHECK = '✔';
const GREEN = '\x1b[32m';
const RESET = '\x1b[0m';
/** The only sequence the spinner needs: back to column 1, erase the line. */
const CLEAR_LINE = '\r\x1b[2K';
const ELLIPSIS = '…';

/** https://no-color.org: any non-empty NO_COLOR disables colour; a dumb terminal has none. */
export function colourEnabled(env: NodeJS.ProcessEnv): boolean {
  return (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

export function createProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Progress {
  return stream.isTTY === true ? terminalProgress(stream, env) : plainProgress(stream);
}

/** Progress that can lend the terminal to another program for a while (`run`'s local command). */
export interface LendingProgress extends Progress {
  /**
   * From now until the returned function is called the terminal is the other program's: the
   * spinner or live line is cleared and nothing is drawn; each message is written once as a plain
   * line, as in a log.
   */
  lendTerminal(): () => void;
}

export function createLendingProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): LendingProgress {
  const own = createProgress(stream, env);
  const plain = plainProgress(stream);
  let current = own;
  return {
    get interactive() {
      return current.interactive;
    },
    step: (message) => current.step(message),
    done: (message) => current.done(message),
    live: (message) => current.live(message),
    warn: (message) => current.warn(message),
    say: (message) => current.say(message),
    stop: () => current.stop(),
    lendTerminal() {
      own.stop();
      current = plain;
      return () => {
        current = own;
      };
    },
  };
}

/** Logs and pipes get each message once, as a plain line: no escape codes, no timers, no live line. */
function plainProgress(stream: NodeJS.WriteStream): Progress {
  const line = (message: string): void => writeLine(stream, message);
  return { interactive: false, step: line, done: line, live: () => {}, warn: (message) => warn(stream, message), say: line, stop: () => {} };
}

/**
 * Columns a transient line leaves free: the terminal echoes a Ctrl-C as `^C` after it, and a line
 * pushed onto a second row could not be erased by clearing one row; it would be left behind.
 */
const MARGIN = 3;

/** `line` cut to fit `columns` with MARGIN to spare (ending in …). */
export function fitLine(line: string, columns: number | undefined): string {
  if (columns === undefined || columns <= MARGIN + 1) return line;
  const chars = [...line];
  const room = columns - MARGIN;
  return chars.length <= room ? line : `${chars.slice(0, room - 1).join('')}${ELLIPSIS}`;
}

function terminalProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Progress {
  const dumb = env.TERM === 'dumb';
  const colour = colourEnabled(env);
  const frames = dumb ? DUMB_SPINNER_FRAMES : SPINNER_FRAMES;
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  /** What the transient line shows: a spinning step, a live status, or nothing. */
  // Stryker disable next-line StringLiteral: nothing draws before step() or live() sets the mode (the line is registered only then)
  let mode: 'idle' | 'step' | 'live' = 'idle';
  // Stryker disable next-line StringLiteral: always set before it is drawn
  let message = '';
  let drawnWidth = 0;

  // A dumb terminal ignores ANSI erase, so overwrite the old line with spaces instead.
  const clearLine = (): void => {
    if (drawnWidth === 0) return;
    stream.write(dumb ? `\r${' '.repeat(drawnWidth)}\r` : CLEAR_LINE);
    drawnWidth = 0;
  };
  const render = (): void => {
    if (mode === 'idle' || transientLineHeld()) return;
    const line = fitLine(mode === 'step' ? `${frames[frame % frames.length]} ${message}` : message, stream.columns);
    clearLine();
    stream.write(line);
    drawnWidth = [...line].length;
  };
  const spin = (): void => {
    render();
    frame += 1;
  };
  const stopTimer = (): void => {
    // Stryker disable next-line ConditionalExpression: clearInterval(undefined) does nothing; the check says when there is one
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const stopLine = (): void => {
    stopTimer();
    clearLine();
    mode = 'idle';
  };
  const finish = (mark: string, markColour: string, text: string): void => {
    stopLine();
    const shown = colour ? `${markColour}${mark}${RESET}` : mark;
    stream.write(`${shown} ${escapeTerminal(text)}\n`);
  };

  // Anything written through render/terminal.ts (to stdout or stderr) clears this line first.
  const transient = { clear: clearLine, redraw: render };

  return {
    interactive: true,
    step(text) {
      // Escaped here: the spinner's own codes are added around it, never inside.
      message = escapeTerminal(text);
      mode = 'step';
      setTransientLine(transient);
      spin();
      if (timer === undefined) {
        timer = setInterval(spin, SPINNER_INTERVAL_MS);
        // The spinner is decoration: it must never keep the process alive on its own.
        timer.unref();
      }
    },
    done: (text) => finish(CHECK, GREEN, text),
    live(text) {
      stopTimer();
      message = escapeTerminal(text);
      // Stryker disable next-line StringLiteral: any mode but 'step' and 'idle' draws the message alone, as 'live' does
      mode = 'live';
      setTransientLine(transient);
      render();
    },
    warn: (text) => warn(stream, text),
    say: (text) => writeLine(stream, text),
    stop: stopLine,
  };
}
