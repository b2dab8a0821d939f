// Shell completion through kubectl itself: kubectl (>= 1.26) runs kubectl_complete-copy_target
// from PATH for `kubectl __complete copy-target ...` (what the shell scripts call on <TAB>).
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, deployment } from './copy-helpers.js';
import { freshNamespace, kubeconfig, kubectl, plugin, pluginDir } from './harness.js';

describe('shell completion through kubectl', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let scriptDir: string;
  const complete = async (...words: string[]) => {
    const r = await kubectl(['__complete', 'copy-target', ...words], { env: { PATH: `${scriptDir}:${pluginDir()}:${process.env.PATH}` } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    return { candidates: lines.slice(0, -1).map((l) => l.split('\t')[0]), directive: lines.at(-1) };
  };

  beforeAll(async () => {
    ns = await freshNamespace('complete');
    scriptDir = mkdtempSync(join(tmpdir(), 'copy-target-completion-'));
    const script = await plugin(['completion']);
    expect(script.code, script.stderr).toBe(0);
    writeFileSync(join(scriptDir, 'kubectl_complete-copy_target'), script.stdout);
    chmodSync(join(scriptDir, 'kubectl_complete-copy_target'), 0o755);
    await apply(
      ns.name,
      deployment('web-a', 1, { containers: [{ name: 'app', image: 'registry.example/a:1' }, { name: 'metrics', image: 'registry.example/m:1' }] }),
      deployment('web-b', 1, { containers: [{ name: 'app', image: 'registry.example/b:1' }] }),
      deployment('other', 1, { containers: [{ name: 'app', image: 'registry.example/o:1' }] }),
    );
  });
  afterAll(async () => {
    rmSync(scriptDir, { recursive: true, force: true });
    await ns?.remove();
  });

  it('completes subcommands and kinds on an empty word', async () => {
    const { candidates, directive } = await complete('');
    expect(candidates).toEqual(expect.arrayContaining(['status', 'delete', 'extend', 'gc', 'version', 'run', 'deploy/', 'sts/', 'svc/']));
    expect(directive).toBe(':4');
  });

  it('completes object names after KIND/ from the namespace typed with -n', async () => {
    expect(await complete('-n', ns.name, 'deploy/web')).toEqual({ candidates: ['deploy/web-a', 'deploy/web-b'], directive: ':4' });
    expect((await complete('--namespace', ns.name, 'deployment/')).candidates).toEqual(['deployment/other', 'deployment/web-a', 'deployment/web-b']);
    expect((await complete('deploy/web')).candidates).toEqual([]); // the context's namespace (default) has none
  });

  it('completes run: the subcommand, then its target as a copy\'s', async () => {
    expect((await complete('ru')).candidates).toEqual(['run']);
    expect(await complete('run', '-n', ns.name, 'deploy/web')).toEqual({ candidates: ['deploy/web-a', 'deploy/web-b'], directive: ':4' });
    expect((await complete('-n', ns.name, 'run', '--scale-down', 'deploy/web-a/container/')).candidates).toEqual(['deploy/web-a/container/app', 'deploy/web-a/container/metrics']);
    expect((await complete('run', 'deploy/web-a', '--', 'kubectl', '')).directive).toBe(':0'); // the local command: files
  });

  it('completes container names after /container/', async () => {
    expect((await complete('-n', ns.name, 'deploy/web-a/')).candidates).toEqual(['deploy/web-a/container/']);
    expect((await complete('-n', ns.name, 'deploy/web-a/container/')).candidates).toEqual(['deploy/web-a/container/app', 'deploy/web-a/container/metrics']);
  });

  it('completes namespaces after -n, contexts after --context, -o values, and copies after delete and extend', async () => {
    expect((await complete('-n', 'complete-')).candidates).toContain(ns.name);
    expect((await complete('--context', '')).candidates).toEqual(['admin', 'dev']);
    expect((await complete('status', '-o', '')).candidates).toEqual(['wide', 'json', 'yaml']);
    const copy = await plugin(['deploy/web-b', '-n', ns.name]);
    expect(copy.code, copy.stderr).toBe(0);
    expect((await complete('-n', ns.name, 'delete', '')).candidates).toEqual([copy.stdout.trim()]);
    expect((await complete('-n', ns.name, 'extend', '')).candidates).toEqual([copy.stdout.trim()]);
    expect((await complete('-n', ns.name, 'extend', '--ttl', '2h', 'copy-web')).candidates).toEqual([copy.stdout.trim()]);
    expect((await complete('-n', ns.name, 'extend', 'nomatch')).candidates).toEqual([]);
    expect((await complete('extend', '-o', '')).candidates).toEqual(['json', 'yaml', 'name']);
  });

  // kubectl itself spends ~5 s on an unreachable server before it asks the plugin, so the helper
  // is run directly here, exactly as kubectl runs it.
  it('answers with no candidates, in about a second, when the cluster does not answer', async () => {
    // A server on loopback that accepts connections and never says a word.
    const silent: Socket[] = [];
    const server: Server = createServer((s) => silent.push(s));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    const config = readFileSync(kubeconfig(), 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`);
    const dir = mkdtempSync(join(tmpdir(), 'copy-target-silent-'));
    writeFileSync(join(dir, 'kubeconfig'), config);
    try {
      const started = Date.now();
      const r = await new Promise<{ stdout: string }>((resolve) =>
        execFile(join(scriptDir, 'kubectl_complete-copy_target'), ['deploy/'], {
          env: { ...process.env, PATH: `${pluginDir()}:${process.env.PATH}`, KUBECONFIG: join(dir, 'kubeconfig') },
          timeout: 20_000,
        }, (_err, stdout) => resolve({ stdout })),
      );
      const elapsed = Date.now() - started;
      expect(r.stdout.trimEnd().split('\n')).toEqual([':4']);
      expect(elapsed).toBeLessThan(5_000); // a hang check, not a speed claim: the deadline is 0.9 s
      expect(silent.length).toBeGreaterThanOrEqual(1); // it did try the silent server
    } finally {
      silent.forEach((s) => s.destroy());
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
