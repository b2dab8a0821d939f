import { afterEach, describe, it, expect, vi } from 'vitest';
import { colourEnabled, createLendingProgress, createProgress, fitLine, SPINNER_INTERVAL_MS } from '../../src/render/progress.js';
import { writeLine } from '../../src/render/terminal.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  const stream = {
    isTTY,
    write(chunk: string): boolean {
      writes.push(chunk);
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

const ESCAPE = '\x1b';

/** A warning written through the output path to the progress's own stream. */
const warnTo = (stream: NodeJS.WriteStream, line: string): void => writeLine(stream, line);

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('createProgress without a terminal', () => {
  it('prints each message once as a plain line', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(false);
    const progress = createProgress(stream, {});
    progress.step('Creating job copy-web');
    vi.advanceTimersByTime(10 * SPINNER_INTERVAL_MS);
    progress.done('Job created');
    progress.step('Waiting for pod');
    progress.stop();
    expect(writes).toEqual(['Creating job copy-web\n', 'Job created\n', 'Waiting for pod\n']);
    expect(writes.join('')).not.toContain(ESCAPE);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('treats a stream without isTTY as not a terminal', () => {
    const writes: string[] = [];
    const stream = { write: (chunk: string) => writes.push(chunk) } as unknown as NodeJS.WriteStream;
    const progress = createProgress(stream, {});
    progress.step('plain');
    expect(writes).toEqual(['plain\n']);
  });
});

describe('createProgress on a terminal', () => {
  it('spins, then prints an uncoloured check mark with NO_COLOR', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.step('Waiting for pod');
    expect(writes).toEqual(['⠋ Waiting for pod']);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2 * SPINNER_INTERVAL_MS);
    expect(writes).toEqual(['⠋ Waiting for pod', '\r\x1b[2K', '⠙ Waiting for pod', '\r\x1b[2K', '⠹ Waiting for pod']);
    progress.done('Pod running');
    expect(writes.slice(5)).toEqual(['\r\x1b[2K', '✔ Pod running\n']);
    expect(vi.getTimerCount()).toBe(0);
    // Colour is off: the only escape sequences are line clears.
    expect(writes.join('').replaceAll('\r\x1b[2K', '')).not.toContain(ESCAPE);
  });

  it('colours the marks by default', () => {
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { TERM: 'xterm-256color' });
    progress.done('ok');
    expect(writes).toEqual(['\x1b[32m✔\x1b[0m ok\n']);
  });

  it('keeps colour when NO_COLOR is empty', () => {
    const { stream, writes } = fakeStream(true);
    createProgress(stream, { NO_COLOR: '' }).done('ok');
    expect(writes).toEqual(['\x1b[32m✔\x1b[0m ok\n']);
  });

  it('uses no escape codes at all on a dumb terminal', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { TERM: 'dumb' });
    progress.step('abc');
    vi.advanceTimersByTime(SPINNER_INTERVAL_MS);
    progress.done('ok');
    expect(writes).toEqual(['| abc', '\r     \r', '/ abc', '\r     \r', '✔ ok\n']);
  });

  it('replaces the message on the next step with one timer', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.step('one');
    progress.step('two');
    expect(vi.getTimerCount()).toBe(1);
    expect(writes).toEqual(['⠋ one', '\r\x1b[2K', '⠙ two']);
    progress.stop();
    progress.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(writes.slice(3)).toEqual(['\r\x1b[2K']);
    vi.advanceTimersByTime(10 * SPINNER_INTERVAL_MS);
    expect(writes).toHaveLength(4);
  });

  it('unrefs its timer so it never keeps the process alive', () => {
    const timers: NodeJS.Timeout[] = [];
    const realSetInterval = globalThis.setInterval;
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((...args: Parameters<typeof setInterval>) => {
      const timer = realSetInterval(...args);
      timers.push(timer);
      return timer;
    }) as typeof setInterval);
    const { stream } = fakeStream(true);
    const progress = createProgress(stream, {});
    progress.step('spinning');
    expect(timers).toHaveLength(1);
    expect(timers[0]!.hasRef()).toBe(false);
    progress.stop();
  });
});

describe('colourEnabled', () => {
  it('follows NO_COLOR and TERM=dumb', () => {
    expect(colourEnabled({})).toBe(true);
    expect(colourEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ NO_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ TERM: 'dumb' })).toBe(false);
    expect(colourEnabled({ TERM: 'xterm' })).toBe(true);
  });
});

describe('the transient line and everything else written', () => {
  it('is cleared before a line goes to either stream, and redrawn under it', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(true);
    const other = fakeStream(false);
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.step('waiting for the pod');
    writeLine(other.stream, 'copy-web-abcde');
    warnTo(stream, 'careful');
    expect(writes).toEqual(['⠋ waiting for the pod', '\r\x1b[2K', '⠙ waiting for the pod', '\r\x1b[2K', 'careful\n', '⠙ waiting for the pod']);
    expect(other.writes).toEqual(['copy-web-abcde\n']);
    progress.done('Running');
    writeLine(other.stream, 'after');
    // Done: nothing is left to clear or redraw.
    expect(writes.slice(6)).toEqual(['\r\x1b[2K', '✔ Running\n']);
    progress.stop();
  });

  it('warns in the one form, "Warning: ...", under a spinner on a terminal and as a plain line elsewhere', () => {
    vi.useFakeTimers();
    const tty = fakeStream(true);
    const progress = createProgress(tty.stream, { NO_COLOR: '1' });
    progress.step('waiting');
    progress.warn('hpa/web will scale it back up');
    expect(tty.writes).toEqual(['⠋ waiting', '\r\x1b[2K', 'Warning: hpa/web will scale it back up\n', '⠙ waiting']);
    progress.stop();
    const plain = fakeStream(false);
    createProgress(plain.stream, {}).warn('careful\x1b[2J');
    expect(plain.writes).toEqual(['Warning: careful\\x1b[2J\n']);
  });

  it('is not redrawn once stopped', () => {
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.step('one');
    progress.stop();
    warnTo(stream, 'error: x');
    expect(writes).toEqual(['⠋ one', '\r\x1b[2K', 'error: x\n']);
  });

  it('shows a live line in place, without a spinner frame or timer, and replaces it', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.step('waiting');
    progress.live('held · lease renewed 1s ago');
    expect(vi.getTimerCount()).toBe(0);
    progress.live('held · lease renewed 2s ago');
    vi.advanceTimersByTime(10 * SPINNER_INTERVAL_MS);
    progress.done('session ended');
    expect(writes).toEqual(['⠋ waiting', '\r\x1b[2K', 'held · lease renewed 1s ago', '\r\x1b[2K', 'held · lease renewed 2s ago', '\r\x1b[2K', '✔ session ended\n']);
    expect(progress.interactive).toBe(true);
  });

  it('writes no live line where there is no terminal', () => {
    const { stream, writes } = fakeStream(false);
    const progress = createProgress(stream, {});
    progress.live('held');
    progress.done('ended');
    expect(writes).toEqual(['ended\n']);
    expect(progress.interactive).toBe(false);
  });

  it('cuts a transient line to the terminal width, so clearing one row erases it all', () => {
    const { stream, writes } = fakeStream(true);
    (stream as { columns?: number }).columns = 20;
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.step('x'.repeat(50));
    // Three columns stay free, for the ^C a terminal echoes after it.
    expect(writes[0]).toBe(`⠋ ${'x'.repeat(14)}…`);
    expect([...writes[0]!]).toHaveLength(17);
    progress.stop();
    expect(fitLine('short', 80)).toBe('short');
    expect(fitLine('x'.repeat(200), undefined)).toHaveLength(200);
  });
});

describe('createLendingProgress', () => {
  it('while the terminal is lent: clears the spinner, draws nothing, writes each message as a plain line; then draws again', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(true);
    const progress = createLendingProgress(stream, { NO_COLOR: '1' });
    progress.step('waiting');
    expect(progress.interactive).toBe(true);
    const giveBack = progress.lendTerminal();
    expect(writes).toEqual(['⠋ waiting', '\r\x1b[2K']);
    expect(vi.getTimerCount()).toBe(0);
    expect(progress.interactive).toBe(false);
    progress.step('could not renew the lease (will retry)');
    progress.live('holding');
    progress.done('sh exited with code 0');
    vi.advanceTimersByTime(10 * SPINNER_INTERVAL_MS);
    expect(writes.slice(2)).toEqual(['could not renew the lease (will retry)\n', 'sh exited with code 0\n']);
    giveBack();
    expect(progress.interactive).toBe(true);
    progress.step('deleting');
    expect(writes.slice(4)).toEqual([expect.stringMatching(/^[⠋⠙] deleting$/)]);
    progress.stop();
  });
});

describe('what a terminal shows, to the frame and the column', () => {
  it('spins through every braille frame, and every ASCII one on a dumb terminal, then starts over', () => {
    vi.useFakeTimers();
    const frames = (env: NodeJS.ProcessEnv, n: number): string[] => {
      const { stream, writes } = fakeStream(true);
      const progress = createProgress(stream, env);
      progress.step('x');
      vi.advanceTimersByTime(n * SPINNER_INTERVAL_MS);
      progress.stop();
      return writes.filter((w) => w.endsWith(' x')).map((w) => w.replace(/^\r +\r/, '')[0]!);
    };
    expect(frames({ NO_COLOR: '1' }, 10).join('')).toBe('⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏⠋');
    expect(frames({ TERM: 'dumb' }, 4).join('')).toBe('|/-\\|');
  });

  it('cuts a line only past the room it has, and leaves it whole on a terminal too narrow to cut in', () => {
    expect(fitLine('x'.repeat(17), 20)).toBe('x'.repeat(17)); // exactly the 17 columns it may take
    expect(fitLine('x'.repeat(18), 20)).toBe(`${'x'.repeat(16)}…`);
    expect(fitLine('abcdef', 4)).toBe('abcdef'); // 4 columns: no room for a character and the ellipsis
    expect(fitLine('abcdef', 5)).toBe('a…');
  });

  it('keeps a live line under whatever else is written, as a spinning step is kept', () => {
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { NO_COLOR: '1' });
    progress.live('holding deployment/web');
    warnTo(stream, 'a line');
    expect(writes).toEqual(['holding deployment/web', '\r\x1b[2K', 'a line\n', 'holding deployment/web']);
    progress.stop();
  });

  it('says a plain line on a terminal as it is', () => {
    const { stream, writes } = fakeStream(true);
    createProgress(stream, { NO_COLOR: '1' }).say('would scale deployment/web to 0');
    expect(writes).toEqual(['would scale deployment/web to 0\n']);
  });

  it('passes live lines, warnings, plain lines and stop to the terminal while it is not lent', () => {
    const { stream, writes } = fakeStream(true);
    const progress = createLendingProgress(stream, { NO_COLOR: '1' });
    progress.live('holding');
    progress.warn('careful');
    progress.say('a hint');
    progress.stop();
    expect(writes.join('')).toContain('holding');
    expect(writes.join('')).toContain('Warning: careful\n');
    expect(writes.join('')).toContain('a hint\n');
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });
});
