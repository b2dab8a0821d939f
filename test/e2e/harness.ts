import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { inject } from 'vitest';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export const kubeconfig = (): string => inject('kubeconfig');

/**
 * Where kubectl finds the plugin: the packaged executable's folder when COPY_TARGET_PLUGIN_DIR is
 * set (CI: dist/release/linux_amd64), else bin/ (the launcher of the development bundle).
 */
export const pluginDir = (): string => inject('pluginDir');

/** Anything Node itself prints (deprecations, experimental warnings) must never reach a user. */
export function assertNoStrayWarnings(stderr: string): void {
  const stray = stderr.split('\n').find((l) => /\(node:\d+\)|DeprecationWarning|ExperimentalWarning|\[DEP\d+\]/.test(l));
  if (stray !== undefined) throw new Error(`stray Node warning on the plugin's stderr: ${stray}`);
}

/** Runs the real kubectl, with the plugin first on PATH, against the local cluster. */
export function kubectl(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      args,
      {
        env: { ...process.env, PATH: `${pluginDir()}:${process.env.PATH}`, KUBECONFIG: kubeconfig(), ...opts.env },
        timeout: opts.timeoutMs ?? 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        // Killed by a signal: the shell's convention, 128 + its number (137 for SIGKILL).
        const signalled = err?.signal ? 128 + (constants.signals[err.signal] ?? 0) : undefined;
        const code = err ? (typeof err.code === 'number' ? err.code : (signalled ?? 1)) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `kubectl copy-target ...` through kubectl's plugin discovery, as users invoke it. */
export async function plugin(args: string[], opts?: Parameters<typeof kubectl>[1]): Promise<Result> {
  const r = await kubectl(['copy-target', ...args], opts);
  assertNoStrayWarnings(r.stderr);
  return r;
}

/** kubectl that must succeed; returns stdout. */
export async function mustKubectl(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export async function getJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await mustKubectl([...args, '-o', 'json'])) as T;
}

/** A fresh namespace for one test file; delete it with the returned function. */
export async function freshNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await mustKubectl(['create', 'namespace', name]);
  // The service account controller makes it; on a loaded 2-core machine (the version matrix beside
  // other runs) that once took over 60s.
  await mustKubectl(['wait', '--for=create', 'serviceaccount/default', '-n', name, '--timeout=180s']);
  return { name, remove: async () => void (await kubectl(['delete', 'namespace', name, '--wait=false'])) };
}

/**
 * Reads until `done` holds and returns that value. For states with nothing to wait on ('kubectl
 * wait' fails at once on a selector that matches nothing yet, a file another process writes).
 * Past `timeoutMs` it throws `message(last)`: the last value read shows how far it got.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { timeoutMs: number; intervalMs: number; message: (last: T) => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(opts.message(value));
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}
