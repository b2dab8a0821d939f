import { spawn } from 'node:child_process';
import { assertNoStrayWarnings, kubeconfig, pluginDir } from './harness.js';

export interface PtyRun {
  /** Every byte the terminal received so far (stdout and stderr together, as a person sees them). */
  output: () => string;
  /** Types into the terminal: '\x03' is Ctrl-C, which the terminal turns into SIGINT. */
  type: (keys: string) => void;
  done: Promise<{ code: number; output: string }>;
  /** Ends `script`: its terminal closes and the plugin gets SIGHUP (it restores what it held). */
  kill: () => void;
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `kubectl copy-target ...` on a pseudo-terminal `columns` wide (util-linux `script`), as a
 * person runs it: stdin, stdout and stderr are all the terminal.
 */
export function runInPty(args: string[], opts: { columns?: number; env?: NodeJS.ProcessEnv } = {}): PtyRun {
  const command = `stty cols ${opts.columns ?? 140} rows 50 && exec kubectl copy-target ${args.map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm-256color', PATH: `${pluginDir()}:${process.env.PATH}`, KUBECONFIG: kubeconfig(), ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const done = new Promise<{ code: number; output: string }>((resolve) => {
    child.on('close', (code) => {
      assertNoStrayWarnings(output);
      resolve({ code: code ?? 128, output });
    });
  });
  return { output: () => output, type: (keys) => child.stdin!.write(keys), done, kill: () => child.kill('SIGTERM') };
}
