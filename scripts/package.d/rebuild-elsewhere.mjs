// Builds the host's platform again from a copy of this checkout in another folder, into OUT, so
// npm test can compare it with dist/release: a build must not depend on where the checkout lives
// (issue 28: the SEA blob once recorded the bundle's absolute path).
//
//   node scripts/package.d/rebuild-elsewhere.mjs PLATFORM OUT
//
// The copy holds the working tree's files as they are (tracked and untracked, not ignored), so an
// uncommitted change is built on both sides; node_modules are hard-linked where GNU cp can (the copy
// lives under dist/, on the same filesystem), else copied. SOURCE_DATE_EPOCH is fixed from this checkout, since the copy has no .git.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [platform, outArg] = process.argv.slice(2);
if (!platform || !outArg) {
  console.error('usage: node scripts/package.d/rebuild-elsewhere.mjs PLATFORM OUT');
  process.exit(2);
}
const out = resolve(outArg);
const copy = join(repo, 'dist', 'elsewhere', 'checkout');
rmSync(join(repo, 'dist', 'elsewhere'), { recursive: true, force: true });
mkdirSync(copy, { recursive: true });

const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
for (const file of listed.split('\0').filter(Boolean)) {
  const from = join(repo, file);
  if (!existsSync(from) || lstatSync(from).isDirectory()) continue; // deleted in the working tree, or a submodule
  mkdirSync(dirname(join(copy, file)), { recursive: true });
  copyFileSync(from, join(copy, file));
}
for (const modules of ['node_modules', join('scripts', 'package.d', 'pkg', 'node_modules')]) {
  if (!existsSync(join(repo, modules))) continue;
  try {
    execFileSync('cp', ['-al', join(repo, modules), join(copy, modules)], { stdio: 'ignore' });
  } catch {
    // No GNU cp (macOS, Windows runners): a plain copy, slower.
    rmSync(join(copy, modules), { recursive: true, force: true });
    cpSync(join(repo, modules), join(copy, modules), { recursive: true, verbatimSymlinks: true });
  }
}

const epoch = process.env.SOURCE_DATE_EPOCH ?? execFileSync('git', ['log', '-1', '--format=%ct', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
process.stderr.write(`rebuild-elsewhere: building ${platform} in ${copy}\n`);
execFileSync('node', [join(copy, 'scripts', 'package.mjs'), '--platforms', platform, '--out', out], {
  cwd: copy,
  env: { ...process.env, SOURCE_DATE_EPOCH: epoch },
  stdio: 'inherit',
});
rmSync(join(repo, 'dist', 'elsewhere'), { recursive: true, force: true });
