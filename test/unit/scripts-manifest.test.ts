import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module of the build scripts
import { KREW_PLATFORMS, archiveName, executableName, platformHashes, renderManifest, wrap } from '../../scripts/manifest.mjs';

const repo = join(import.meta.dirname, '..', '..');
const version: string = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;
const manifestText = readFileSync(join(repo, 'plugin.yaml'), 'utf8');

/** What krew's validator requires of a Plugin, as a list of problems (empty: valid). */
function problems(text: string, expectedVersion: string): string[] {
  const m = loadYaml<any>(text);
  const found: string[] = [];
  const need = (ok: boolean, what: string) => ok || found.push(what);
  need(m?.apiVersion === 'krew.googlecontainertools.github.com/v1alpha2', 'apiVersion');
  need(m?.kind === 'Plugin', 'kind');
  need(m?.metadata?.name === 'copy-target', 'metadata.name');
  need(m?.spec?.version === `v${expectedVersion}`, `spec.version v${expectedVersion} (is ${m?.spec?.version})`);
  need(/^https:\/\//.test(m?.spec?.homepage ?? ''), 'spec.homepage');
  need(typeof m?.spec?.shortDescription === 'string' && m.spec.shortDescription.length > 0 && m.spec.shortDescription.length <= 50, 'spec.shortDescription (1-50 characters)');
  const description: string = m?.spec?.description ?? '';
  need(description.length > 0 && description.split('\n').every((l) => l.length <= 80), 'spec.description wrapped at 80 columns');
  need(!/kubectl copy-target /.test(description), 'spec.description without usage examples');
  const platforms: any[] = m?.spec?.platforms ?? [];
  const keys = platforms.map((p) => `${p?.selector?.matchLabels?.os}_${p?.selector?.matchLabels?.arch}`);
  need(JSON.stringify(keys) === JSON.stringify(KREW_PLATFORMS), `platforms ${KREW_PLATFORMS.join(', ')} (are ${keys.join(', ')})`);
  for (const [i, p] of platforms.entries()) {
    const key = keys[i]!;
    need(typeof p.uri === 'string' && p.uri.startsWith('https://') && p.uri.endsWith(`/v${expectedVersion}/${archiveName(key)}`), `${key}: uri of the v${expectedVersion} archive`);
    need(/^[0-9a-f]{64}$/.test(p.sha256 ?? ''), `${key}: sha256`);
    need(p.bin === executableName(key.split('_')[0]), `${key}: bin`);
  }
  return found;
}

describe('plugin.yaml (the checked-in krew manifest)', () => {
  it('is the manifest of package.json\'s version with every field krew requires', () => {
    expect(problems(manifestText, version)).toEqual([]);
  });

  it('the check fails on another version or a missing field', () => {
    expect(problems(manifestText, '9.9.9')).toEqual([`spec.version v9.9.9 (is v${version})`, ...KREW_PLATFORMS.map((k: string) => `${k}: uri of the v9.9.9 archive`)]);
    expect(problems(manifestText.replace(/^ {2}homepage: .*\n/m, ''), version)).toEqual(['spec.homepage']);
    expect(problems(manifestText.replace(/^ {4}sha256: .*\n/m, ''), version)).toEqual(['linux_amd64: sha256']);
  });
});

describe('renderManifest', () => {
  const sha = (c: string) => c.repeat(64);
  const rendered = renderManifest({
    version: '1.2.3',
    baseUrl: 'http://127.0.0.1:9/dl/',
    platforms: [{ key: 'windows_amd64', sha256: sha('b') }, { key: 'linux_amd64', sha256: sha('a') }],
  });

  it('writes the platforms given, in krew order, with uri, sha256 and bin', () => {
    const m = loadYaml<any>(rendered);
    expect(m.spec.version).toBe('v1.2.3');
    expect(m.spec.platforms).toEqual([
      { selector: { matchLabels: { os: 'linux', arch: 'amd64' } }, uri: 'http://127.0.0.1:9/dl/kubectl-copy_target_linux_amd64.tar.gz', sha256: sha('a'), bin: 'kubectl-copy_target' },
      { selector: { matchLabels: { os: 'windows', arch: 'amd64' } }, uri: 'http://127.0.0.1:9/dl/kubectl-copy_target_windows_amd64.zip', sha256: sha('b'), bin: 'kubectl-copy_target.exe' },
    ]);
  });

  it('refuses a malformed hash or an unknown platform', () => {
    expect(() => renderManifest({ version: '1', baseUrl: 'x', platforms: [{ key: 'linux_amd64', sha256: 'abc' }] })).toThrow(/bad sha256/);
    expect(() => renderManifest({ version: '1', baseUrl: 'x', platforms: [{ key: 'plan9_amd64', sha256: sha('a') }] })).toThrow(/unknown platform/);
  });

  it('reads back the hashes of a manifest of the same version only', () => {
    expect(platformHashes(rendered, '1.2.3')).toEqual({ linux_amd64: sha('a'), windows_amd64: sha('b') });
    expect(platformHashes(rendered, '1.2.4')).toEqual({});
  });

  it('wraps text at the width given', () => {
    expect(wrap('aaa bbb ccc ddd', 7)).toEqual(['aaa bbb', 'ccc ddd']);
    expect(wrap('a '.repeat(100), 80).every((l: string) => l.length <= 80)).toBe(true);
  });
});
