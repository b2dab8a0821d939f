import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { pluginDir } from './harness.js';

// Issue 27: a short run of the randomized soak (scripts/soak.mjs) on the e2e cluster, so it does
// not rot: no invariant violated, and every command kind and every fault kind really happened
// (a soak that did nothing would find nothing). The long runs are `npm run soak` (SOAK.md).

const repo = join(import.meta.dirname, '..', '..');

it('a 2-minute soak of 3 clients with faults: 0 violations, every command and fault kind exercised', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'copy-target-soak-'));
  const report = join(dir, 'SOAK.md');
  const summaryFile = join(dir, 'summary.json');
  const args = ['scripts/soak.mjs', '--minutes', '2', '--clients', '3', '--report', report, '--summary', summaryFile, '--plugin-dir', pluginDir()];
  if (process.env.COPY_TARGET_SOAK_PLANT_VIOLATION) args.push('--plant-violation'); // to watch this test fail
  const code = await new Promise<number | null>((resolve) => {
    // The soak's progress lines go to this test's output (stderr inherited).
    const child = spawn('node', args, { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', resolve);
  });
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const text = readFileSync(report, 'utf8');
  expect(summary.violations, text).toEqual([]);
  expect(code, text).toBe(0);
  for (const [kind, n] of Object.entries(summary.opsPerKind)) expect(n, `no "${kind}" command ran:\n${text}`).toBeGreaterThan(0);
  for (const [kind, n] of Object.entries(summary.faults)) expect(n, `no "${kind}" fault was injected:\n${text}`).toBeGreaterThan(0);
  // The hold watch saw holds come and go (it watched something).
  expect(summary.watch.taken).toBeGreaterThan(0);
  expect(summary.watch.released).toBeGreaterThan(0);
}, 15 * 60_000);
