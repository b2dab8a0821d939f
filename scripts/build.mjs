// Bundles src/ into dist/ for development (ESM, code-split so each command loads only what it
// needs), launched by bin/kubectl-copy_target. The shipped executable is scripts/package.mjs.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { commonOptions } from './bundle-options.mjs';

rmSync(new URL('../dist/dev', import.meta.url), { recursive: true, force: true });
await build({
  ...commonOptions,
  outdir: 'dist/dev',
  splitting: true,
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
