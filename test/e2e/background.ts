import { spawn, type ChildProcess } from 'node:child_process';
import { assertNoStrayWarnings, kubeconfig, kubectl, pluginDir, type Result } from './harness.js';


export interface Running {
  child: ChildProcess;
  /** stderr so far, for waiting on a progress line. */
  stderr: () => string;
  done: Promise<Result>;
}

/**
 * Starts `kubectl copy-target ...` in the background. kubectl execs the plugin and the launcher
 * execs node, so child.pid is the plugin process itself: signals reach it as from a terminal.
 */
export function startPlugin(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn('kubectl', ['copy-target', ...args], {
    env: { ...process.env, PATH: `${pluginDir()}:${process.env.PATH}`, KUBECONFIG: kubeconfig(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => {
      assertNoStrayWarnings(stderr);
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr });
    });
  });
  return { child, stderr: () => stderr, done };
}

/** Waits until a jsonpath of an object equals a value (kubectl wait: a watch, not a poll). */
export async function waitFor(resource: string, namespace: string, jsonpath: string, value: string, timeout = '60s'): Promise<void> {
  const r = await kubectl(['wait', `--for=jsonpath=${jsonpath}=${value}`, resource, '-n', namespace, `--timeout=${timeout}`]);
  if (r.code !== 0) throw new Error(`waiting for ${resource} ${jsonpath}=${value}: ${r.stderr}`);
}
