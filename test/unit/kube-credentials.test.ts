import { chmodSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenFileSource } from '../../src/kube/credentials.js';
import { ExecCredentialSource } from '../../src/kube/exec-credential.js';

// The credential sources on their own, with real files and real plugin processes (the e2e tests
// in credentials.test.ts run them against the API server).

const dir = () => mkdtempSync(join(tmpdir(), 'ct-cred-unit-'));

/** A plugin script whose Nth run prints token-N, expiring `expiresInSeconds` from now. */
function plugin(expiresInSeconds?: number): { command: string; runs: () => number } {
  const d = dir();
  const command = join(d, 'plugin');
  const expiry = expiresInSeconds === undefined ? '' : `,"expirationTimestamp":"'$(date -u -d '+${expiresInSeconds} seconds' +%Y-%m-%dT%H:%M:%SZ)'"`;
  writeFileSync(
    command,
    `#!/bin/sh\necho run >> '${d}/runs'\nn=$(wc -l < '${d}/runs')\nsleep 0.2\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-'$n'"${expiry}}}'\n`,
  );
  chmodSync(command, 0o755);
  return { command, runs: () => readFileSync(join(d, 'runs'), 'utf8').split('\n').filter(Boolean).length };
}

const source = (command: string) => new ExecCredentialSource({ command, apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' }, 'u', { server: 'https://x' });

describe('ExecCredentialSource', () => {
  it('runs the plugin once for requests that start together, and keeps its credential', async () => {
    const p = plugin();
    const s = source(p.command);
    const got = await Promise.all([s.get(), s.get(), s.get()]);
    expect(got.map((c) => c.token)).toEqual(['token-1', 'token-1', 'token-1']);
    expect((await s.get()).token).toBe('token-1');
    expect(p.runs()).toBe(1);
  });

  it('runs it again once its credential expired (expirationTimestamp)', async () => {
    const p = plugin(1);
    const s = source(p.command);
    expect((await s.get()).token).toBe('token-1');
    await new Promise((r) => setTimeout(r, 2100));
    expect((await s.get()).token).toBe('token-2');
    expect(p.runs()).toBe(2);
  });

  it('after a 401 renews once however many requests saw it with the same credential', async () => {
    const p = plugin();
    const s = source(p.command);
    const sent = await s.get();
    expect(await Promise.all([s.renewAfterUnauthorized(sent), s.renewAfterUnauthorized(sent)])).toEqual([true, true]);
    expect((await s.get()).token).toBe('token-2');
    expect(p.runs()).toBe(2);
  });
});

describe('TokenFileSource', () => {
  it('reads the file trimmed, and again when it was replaced', async () => {
    const file = join(dir(), 'token');
    writeFileSync(file, '  first-token-0123\n');
    const s = new TokenFileSource(file, 'u');
    const first = await s.get();
    expect(first.token).toBe('first-token-0123');
    writeFileSync(`${file}.new`, 'second-token-0123\n');
    renameSync(`${file}.new`, file);
    expect((await s.get()).token).toBe('second-token-0123');
    expect(await s.renewAfterUnauthorized(first)).toBe(true); // already renewed
  });

  it('an unreadable file with nothing read before: one line naming it', async () => {
    await expect(new TokenFileSource('/nonexistent/token', 'u').get()).rejects.toThrow('cannot read the token file /nonexistent/token of user "u" (ENOENT); fix tokenFile in your kubeconfig');
  });
});
