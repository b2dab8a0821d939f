import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, copyJobs, deployment } from './copy-helpers.js';
import { freshNamespace, mustKubectl, plugin, type Result } from './harness.js';
import { clientCertificate, clusterAccess, userKubeconfig } from './users.js';

// -v=8 and up log request and response bodies; no credential shows at any level.

let ns: string;
let removeNs: () => Promise<void>;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('verbose'));
  await apply(ns, deployment('web', 1, { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/web:1' }] }));
});
afterAll(async () => removeNs?.());

/** copy --scale-down, status, delete at -v=9 with `env`, each succeeding; their stdout and stderr together. */
async function flowAtV9(env: NodeJS.ProcessEnv): Promise<string> {
  let output = '';
  for (const args of [['deployment/web', '--scale-down', '--detach', '--new'], ['status'], ['delete', 'deployment/web']]) {
    const r: Result = await plugin([...args, '-n', ns, '-v=9'], { env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    output += r.stdout + r.stderr;
  }
  // Bodies are logged at this level, so the checks below look at them.
  expect(output).toMatch(/^Request Body: \{"apiVersion":"batch\/v1","kind":"Job"/m);
  expect(output).toMatch(/^Response Body: \{"kind":"JobList"/m);
  return output;
}

/** The base64 lines of a PEM key: any of them showing is key bytes shown. */
const keyLines = (pem: string): string[] => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

describe('-v=8 and up: bodies, and never a credential', () => {
  it('the token of a token user never shows at -v=9 (copy --scale-down, status, delete)', async () => {
    const { adminToken } = clusterAccess();
    expect(await flowAtV9({})).not.toContain(adminToken);
  });

  it('the token an exec credential plugin returns never shows at -v=9', async () => {
    const { adminToken } = clusterAccess();
    const dir = mkdtempSync(join(tmpdir(), 'exec-credential-'));
    const script = join(dir, 'credential.sh');
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: adminToken } };
    writeFileSync(script, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`);
    chmodSync(script, 0o755);
    const config = userKubeconfig(ns, [`--exec-command=${script}`, '--exec-api-version=client.authentication.k8s.io/v1', '--exec-interactive-mode=Never']);
    expect(await flowAtV9({ KUBECONFIG: config })).not.toContain(adminToken);
  });

  it('the key of a client-certificate user never shows at -v=9', async () => {
    const { cert, key } = clientCertificate('verbose-cert-user', ['system:masters']);
    const config = userKubeconfig(ns, [`--client-certificate=${cert}`, `--client-key=${key}`, '--embed-certs=true']);
    const pem = readFileSync(key, 'utf8');
    const output = await flowAtV9({ KUBECONFIG: config });
    expect(output).toContain('verbose-cert-user'); // the user it ran as is recorded, and logged
    for (const line of keyLines(pem)) expect(output).not.toContain(line);
    expect(output).not.toContain(Buffer.from(pem).toString('base64').slice(0, 40));
  });

  it('-v=6 logs no bodies; -v=8 cuts a body at 1024 characters as kubectl does; -v=10 logs it whole, its control characters escaped', async () => {
    const copy = await plugin(['deployment/web', '-n', ns, '--new']);
    expect(copy.code, copy.stderr).toBe(0);
    try {
      const v6 = await plugin(['status', '-n', ns, '-v=6']);
      expect(v6.stderr).not.toContain('Body:');
      const v8 = await plugin(['status', '-n', ns, '-v=8']);
      expect(v8.code, v8.stderr).toBe(0);
      const cut = /^Response Body: (\{"kind":"JobList".*) \[truncated (\d+) chars\]$/m.exec(v8.stderr);
      expect(cut, v8.stderr).not.toBeNull();
      expect(cut![1]).toHaveLength(1024);
      const v10 = await plugin(['status', '-n', ns, '-v=10']);
      const body = /^Response Body: (.*)$/m.exec(v10.stderr)![1]!;
      expect(body).toHaveLength(1024 + Number(cut![2]));
      expect(JSON.parse(body).items).toHaveLength(1);
      // Anyone who may edit the Job writes what its body carries: a clear-screen and a bidi override.
      const job = (await copyJobs(ns))[0]!.split('/')[1]!;
      await mustKubectl(['annotate', 'job', job, '-n', ns, 'note=\x1b[2J\u202eevil']);
      const hostile = await plugin(['status', '-n', ns, '-v=10']);
      expect(hostile.stderr).toContain('"note":"\\u001b[2J\\u202eevil"');
      expect(hostile.stderr).not.toMatch(/[\x1b\u202e]/);
    } finally {
      expect((await plugin(['delete', '--all', '-n', ns])).code).toBe(0);
    }
  });
});
