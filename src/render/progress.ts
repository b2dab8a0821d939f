import { escapeTerminal, writeLine } from './terminal.js';

/** Progress messages on stderr, so stdout stays clean for -o json/yaml/name. */
export interface Progress {
  /** Announces work in progress; on a terminal it spins until done, fail or the next step. */
  step(message: string): void;
  /** Ends the current step with a check mark. */
  done(message: string): void;
  /** Ends the current step with a cross. */
  fail(message: string): void;
  /** Stops the spinner and clears its line; safe to call more than once. */
  stop(): void;
}

export const SPINNER_INTERVAL_MS = 100;

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
// A dumb terminal may not draw braille; plain ASCII spins everywhere.
const DUMB_SPINNER_FRAMES = ['|', '/', '-', '\\'];
const CHECK = '✔';
const CROSS = '✖';
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';
const CLEAR_LINE = '\r\x1b[2K';

/** https://no-color.org: any non-empty NO_COLOR disables colour; a dumb terminal has none. */
export function colourEnabled(env: NodeJS.ProcessEnv): boolean {
  return (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

export function createProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Progress {
  return stream.isTTY === true ? terminalProgress(stream, env) : plainProgress(stream);
}

/** Logs and pipes get each message once, as a plain line: no escape codes, no timers. */
function plainProgress(stream: NodeJS.WriteStream): Progress {
  const line = (message: string): void => writeLine(stream, message);
  return { step: line, done: line, fail: line, stop: () => {} };
}

function terminalProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Progress {
  const dumb = env.TERM === 'dumb';
  const colour = colourEnabled(env);
  const frames = dumb ? DUMB_SPINNER_FRAMES : SPINNER_FRAMES;
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  let message = '';
  let drawnWidth = 0;

  // A dumb terminal ignores ANSI erase, so overwrite the old line with spaces instead.
  const clearLine = (): void => {
    if (drawnWidth === 0) return;
    stream.write(dumb ? `\r${' '.repeat(drawnWidth)}\r` : CLEAR_LINE);
    drawnWidth = 0;
  };
  const draw = (): void => {
    const line = `${frames[frame % frames.length]} ${message}`;
    clearLine();
    stream.write(line);
    drawnWidth = line.length;
    frame += 1;
  };
  const stopSpinner = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    clearLine();
  };
  const finish = (mark: string, markColour: string, text: string): void => {
    stopSpinner();
    const shown = colour ? `${markColour}${mark}${RESET}` : mark;
    stream.write(`${shown} ${escapeTerminal(text)}\n`);
  };

  return {
    step(text) {
      // Escaped here: the spinner's own codes are added around it, never inside.
      message = escapeTerminal(text);
      draw();
      if (timer === undefined) {
        timer = setInterval(draw, SPINNER_INTERVAL_MS);
        // The spinner is decoration: it must never keep the process alive on its own.
        timer.unref();
      }
    },
    done: (text) => finish(CHECK, GREEN, text),
    fail: (text) => finish(CROSS, RED, text),
    stop: stopSpinner,
  };
}
