// scripts/lib.sh's timed phases: what `npm test` (scripts/test) prints at its end.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const lib = join(import.meta.dirname, '..', '..', 'scripts', 'lib.sh');

function bash(script: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail; source "${lib}"; trap report_phases EXIT; ${script}`], (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

describe('timed phases (scripts/test)', () => {
  it('prints how long each phase took, and the total, at the end', async () => {
    const run = await bash('phase typecheck sleep 1; phase unit true');
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^time per phase \(total [12]s\):$/),
      expect.stringMatching(/^ {2}typecheck +[12]s$/),
      expect.stringMatching(/^ {2}unit +0s$/),
    ]);
  });

  it('names the phase that failed, keeps its exit code, and runs none after it', async () => {
    const run = await bash('phase unit true; phase e2e bash -c "exit 5"; phase never true');
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^ {2}unit +0s$/), expect.stringMatching(/^ {2}e2e +0s {2}\(failed\)$/)]);
  });
});
