// scripts/progress, the wrapper around every first-time Go build (scripts/controlplane/build*.sh):
// what a newcomer sees during a long, otherwise silent build, on a terminal and in a log.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLines, renderScreen } from './screen.js';

const progress = join(import.meta.dirname, '..', '..', 'scripts', 'progress');
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** A stand-in for `go build -v`: package names on stderr, one a second. */
const fakeBuild = ['bash', '-c', 'for p in k8s.io/api/core/v1 k8s.io/apiserver/pkg/server k8s.io/kubernetes/cmd/kube-apiserver; do echo "$p" >&2; sleep 1; done'];

/** Runs scripts/progress on a pseudo-terminal 140 columns wide; `seen` is the screen at each ~0.5 s. */
function onTerminal(args: string[]): Promise<{ code: number; output: string; seen: string[][] }> {
  const child = spawn('script', ['-qfec', `stty cols 140 rows 20 && exec ${[progress, ...args].map(quote).join(' ')}`, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm-256color', HOME: '/home/newcomer' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  // What the terminal had received at each sample; replayed onto a screen once the run is over.
  const received: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  const sample = setInterval(() => received.push(output), 500);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(sample);
      Promise.all(received.map((bytes) => renderScreen(bytes, 140))).then((seen) => resolve({ code: code ?? 128, output, seen }));
    });
  });
}

function notOnTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(progress, args, { env: { ...process.env, HOME: '/home/newcomer', ...env } }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

describe('scripts/progress', () => {
  it('on a terminal: one line redrawn with what, the elapsed time, the cache path and the package being compiled; then one line saying how long', async () => {
    const run = await onTerminal(['building kube-apiserver v1.37.2', '/home/newcomer/.cache/kubectl-copy-target/cluster/bin', '--', ...fakeBuild]);
    expect(run.code).toBe(0);
    // While it runs: a single line, never a scroll of them.
    const during = run.seen.filter((screen) => screen.length > 0 && !screen.some((l) => l.includes('done in')));
    expect(during.length).toBeGreaterThan(1);
    for (const screen of during) expect(screen).toHaveLength(1);
    expect(during.at(-1)![0]).toMatch(
      /^building kube-apiserver v1\.37\.2: [1-4]s, into ~\/\.cache\/kubectl-copy-target\/cluster\/bin, [123] packages compiled · k8s\.io\//,
    );
    // At the end the redrawn line is gone: the screen holds the result alone.
    expect(await renderLines(run.output, 140)).toEqual([expect.stringMatching(/^building kube-apiserver v1\.37\.2: done in [3-5]s$/)]);
  });

  it('cuts the redrawn line to the terminal width, so it never wraps', async () => {
    const long = `building ${'x'.repeat(200)}`;
    const run = await onTerminal([long, '/tmp/out', '--', 'sleep', '2']);
    expect(run.code).toBe(0);
    const during = run.seen.filter((screen) => screen.length > 0 && !screen.some((l) => l.includes('done in')));
    expect(during.length).toBeGreaterThan(0);
    for (const screen of during) {
      expect(screen).toHaveLength(1);
      expect(screen[0]!.length).toBeLessThan(140);
    }
  });

  it('in a log: a line every COPY_TARGET_PROGRESS_EVERY seconds (60 by default), no escape sequences', async () => {
    const run = await notOnTerminal(['building kwok v0.8.0', '/tmp/out', '--', ...fakeBuild], { COPY_TARGET_PROGRESS_EVERY: '1' });
    expect(run.code).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    expect(run.stderr).not.toMatch(/[\r\x1b]/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    // Whole seconds (bash's SECONDS) after a `sleep 1` that a loaded machine stretches: 1s or 2s.
    expect(lines[0]).toMatch(/^building kwok v0\.8\.0: still running after [12]s \(into \/tmp\/out; [12] packages compiled so far\)$/);
    expect(lines.filter((l) => l.includes('still running')).length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^building kwok v0\.8\.0: done in [345]s$/);
  });

  it('a failed command: its exit code, and its output without the package names', async () => {
    const failing = ['bash', '-c', 'echo k8s.io/api/core/v1 >&2; echo "# k8s.io/broken" >&2; echo "broken.go:3:1: syntax error" >&2; exit 3'];
    const run = await notOnTerminal(['building broken', '/tmp/out', '--', ...failing]);
    expect(run.code).toBe(3);
    expect(run.stderr.trimEnd().split('\n')).toEqual(['building broken: failed after 0s (exit 3); its output:', '# k8s.io/broken', 'broken.go:3:1: syntax error']);
  });
});
