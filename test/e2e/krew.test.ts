// The product as users get it: the packaged archives, validated by krew's own validator and
// installed by krew itself from a manifest, then used with no Node on PATH. The archives are
// served on 127.0.0.1 only.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// @ts-expect-error plain JS module of the build scripts
import { PLUGIN_NAME, archiveHashes, renderManifest } from '../../scripts/manifest.mjs';
import { apply, deployment, MANAGED } from './copy-helpers.js';
import { assertNoStrayWarnings, freshNamespace, getJson, kubeconfig, type Result } from './harness.js';
import { execFile } from 'node:child_process';

const repo = join(import.meta.dirname, '..', '..');
const release = join(repo, 'dist', 'release');
const tools = (): string => inject('toolsDir');
const which = (command: string): string => execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();

/** Runs a command with exactly this PATH (plus KUBECONFIG and a KREW_ROOT). */
function run(command: string, args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { HOME: process.env.HOME!, KUBECONFIG: kubeconfig(), ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('krew: the packaged archives, validated and installed by krew itself', () => {
  let server: Server;
  const requested: string[] = [];
  let work: string;
  let manifest: string;
  let built: string[];
  let ns: Awaited<ReturnType<typeof freshNamespace>>;

  beforeAll(async () => {
    if (!existsSync(join(release, 'kubectl-copy_target_linux_amd64.tar.gz'))) {
      execFileSync('node', ['scripts/package.mjs', '--platforms', 'linux_amd64'], { cwd: repo, stdio: 'inherit' });
    }
    server = createServer((req, res) => {
      const file = join(release, decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\//, ''));
      requested.push(req.url!);
      if (!file.startsWith(release) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    const platforms: { key: string; sha256: string }[] = archiveHashes(release);
    built = platforms.map((p) => p.key);
    work = mkdtempSync(join(tmpdir(), 'copy-target-krew-'));
    // krew-index names a manifest after the plugin; the validator insists on it.
    manifest = join(work, `${PLUGIN_NAME}.yaml`);
    const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;
    writeFileSync(manifest, renderManifest({ version, baseUrl: `http://127.0.0.1:${port}`, platforms }));
    ns = await freshNamespace('krew');
  });

  afterAll(async () => {
    server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    await ns?.remove();
  });

  it('passes krew\'s validate-krew-manifest, which downloads and installs every platform', async () => {
    expect(built).toContain('linux_amd64');
    const r = await run(join(tools(), 'validate-krew-manifest'), ['-manifest', manifest], {
      PATH: `${tools()}:${process.env.PATH}`,
      KREW_ROOT: join(work, 'validate-root'),
    });
    expect(r.code, r.stderr).toBe(0);
    for (const key of built) expect(requested.some((u) => u.includes(`_${key}.`)), `${key} downloaded`).toBe(true);
  });

  it('installs with `kubectl krew install --manifest`, then copies, lists and deletes with no Node on PATH, and uninstalls', async () => {
    await apply(ns.name, deployment('krew-web', 1, { containers: [{ name: 'app', image: 'registry.example/web:1' }] }));
    const root = join(work, 'krew-root');
    // kubectl alone on PATH, and krew's bin: no node, no repo launcher.
    const onlyKubectl = join(work, 'kubectl-only');
    mkdirSync(onlyKubectl);
    symlinkSync(which('kubectl'), join(onlyKubectl, 'kubectl'));
    symlinkSync(join(tools(), 'krew'), join(onlyKubectl, 'kubectl-krew'));
    const env = { PATH: `${join(root, 'bin')}:${onlyKubectl}`, KREW_ROOT: root };
    expect((await run('/bin/sh', ['-c', 'command -v node || echo none'], { PATH: env.PATH })).stdout.trim()).toBe('none');

    const install = await run(join(onlyKubectl, 'kubectl'), ['krew', 'install', `--manifest=${manifest}`], env);
    expect(install.code, install.stderr).toBe(0);
    expect(lstatSync(join(root, 'bin', 'kubectl-copy_target')).isSymbolicLink()).toBe(true);

    const kubectl = (...args: string[]) => run(join(onlyKubectl, 'kubectl'), ['copy-target', ...args], env).then((r) => (assertNoStrayWarnings(r.stderr), r));
    const version = await kubectl('version');
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^Plugin Version: \d+\.\d+\.\d+\nServer Version: v1\.\d+\.\d+\n$/);

    const copy = await kubectl('deploy/krew-web', '-n', ns.name);
    expect(copy.code, copy.stderr).toBe(0);
    const podName = copy.stdout.trim();
    const pod = await getJson(['get', 'pod', podName, '-n', ns.name]);
    expect(pod.status.phase).toBe('Running');

    const status = await kubectl('status', '-n', ns.name);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`| deployment/krew-web | ${ns.name}`);
    expect(status.stdout).toContain(podName);

    const del = await kubectl('delete', podName, '-n', ns.name);
    expect(del.code, del.stderr).toBe(0);
    const jobs = await getJson(['get', 'jobs', '-n', ns.name, '-l', MANAGED]);
    expect(jobs.items.filter((j: any) => !j.metadata.deletionTimestamp)).toEqual([]);

    // krew refuses to uninstall before its plugin index is cloned (from GitHub, which is out of
    // reach here): an empty local git repository stands in for krew-index.
    execFileSync('git', ['init', '-q', join(root, 'index', 'default')]);
    const uninstall = await run(join(onlyKubectl, 'kubectl'), ['krew', 'uninstall', PLUGIN_NAME], env);
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(existsSync(join(root, 'bin', 'kubectl-copy_target'))).toBe(false);
  });
});
