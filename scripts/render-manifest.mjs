// Renders the krew manifest for the archives whose .sha256 files are in DIR (the release
// workflow's last job, after every platform's job uploaded its archive).
//   node scripts/render-manifest.mjs DIR [--base-url URL] > plugin.yaml
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pluginVersion } from './bundle-options.mjs';
import { ARCHIVE_BASENAME, defaultBaseUrl, renderManifest } from './manifest.mjs';

const { values, positionals } = parseArgs({ options: { 'base-url': { type: 'string' } }, allowPositionals: true });
const dir = positionals[0] ?? 'dist/release';
const platforms = readdirSync(dir)
  .map((file) => file.match(new RegExp(`^${ARCHIVE_BASENAME}_(\\w+?_\\w+)\\.(?:tar\\.gz|zip)\\.sha256$`)))
  .filter(Boolean)
  .map((m) => ({ key: m[1], sha256: readFileSync(join(dir, m[0]), 'utf8').split(/\s/)[0] }));
if (platforms.length === 0) throw new Error(`no ${ARCHIVE_BASENAME}_*.sha256 files in ${dir}`);
process.stdout.write(renderManifest({ version: pluginVersion, baseUrl: values['base-url'] ?? defaultBaseUrl(pluginVersion), platforms }));
