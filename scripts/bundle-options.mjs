// esbuild options shared by the development bundle (scripts/build.mjs) and the executable's
// bundle (scripts/package.mjs), so both run the same code.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

export const pluginVersion = pkg.version;

export const commonOptions = {
  entryPoints: [fileURLToPath(new URL('../src/cli.ts', import.meta.url))],
  bundle: true,
  platform: 'node',
  minify: true,
  legalComments: 'linked',
  define: { __PLUGIN_VERSION__: JSON.stringify(pkg.version) },
  alias: { 'whatwg-url': fileURLToPath(new URL('./package.d/whatwg-url.cjs', import.meta.url)) },
  logLevel: 'warning',
};
