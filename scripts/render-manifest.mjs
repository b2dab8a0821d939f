// Renders the krew manifest for the archives whose .sha256 files are in DIR (the release
// workflow's last job, after every platform's job uploaded its archive).
//   node scripts/render-manifest.mjs DIR [--base-url URL] > plugin.yaml
import { parseArgs } from 'node:util';
import { pluginVersion } from './bundle-options.mjs';
import { ARCHIVE_BASENAME, archiveHashes, defaultBaseUrl, renderManifest } from './manifest.mjs';

const { values, positionals } = parseArgs({ options: { 'base-url': { type: 'string' } }, allowPositionals: true });
const dir = positionals[0] ?? 'dist/release';
const platforms = archiveHashes(dir);
if (platforms.length === 0) throw new Error(`no ${ARCHIVE_BASENAME}_*.sha256 files in ${dir}`);
process.stdout.write(renderManifest({ version: pluginVersion, baseUrl: values['base-url'] ?? defaultBaseUrl(pluginVersion), platforms }));
