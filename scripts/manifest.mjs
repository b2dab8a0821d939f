// The krew manifest (plugin.yaml) for a version and its archives, and krew's names for platforms
// and archives. scripts/package.mjs, scripts/render-manifest.mjs (the release workflow) and the
// krew e2e test render it; test/unit/scripts-manifest.test.ts checks the checked-in one. Pure but
// for archiveHashes, which reads the .sha256 files of a folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PLUGIN_NAME = 'copy-target';
export const ARCHIVE_BASENAME = 'kubectl-copy_target';
export const HOMEPAGE = 'https://github.com/kubectl-copy-target/kubectl-copy-target';

/** krew's platform keys, in the manifest's order. */
export const KREW_PLATFORMS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64', 'windows_amd64'];

export const executableName = (os) => (os === 'windows' ? `${ARCHIVE_BASENAME}.exe` : ARCHIVE_BASENAME);

export const archiveName = (platform) =>
  `${ARCHIVE_BASENAME}_${platform}.${platform.startsWith('windows') ? 'zip' : 'tar.gz'}`;

/** krew's os_arch of the machine running this, e.g. linux_amd64. */
export const hostPlatform = () =>
  `${process.platform === 'win32' ? 'windows' : process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;

/** The platforms whose archives have a .sha256 file in `dir`, with those hashes. */
export function archiveHashes(dir) {
  return readdirSync(dir)
    .map((file) => file.match(new RegExp(`^${ARCHIVE_BASENAME}_(\\w+?_\\w+)\\.(?:tar\\.gz|zip)\\.sha256$`)))
    .filter(Boolean)
    .map((m) => ({ key: m[1], sha256: readFileSync(join(dir, m[0]), 'utf8').split(/\s/)[0] }));
}

export const defaultBaseUrl = (version) => `${HOMEPAGE}/releases/download/v${version}`;

const SHORT_DESCRIPTION = 'Debug a probe-free copy of a workload\'s pod';

const DESCRIPTION = [
  'Copies a workload\'s pod into a new pod owned by a Job, with its liveness, readiness and startup',
  'probes removed, so a breakpoint or a crash loop never gets it killed and the original\'s controller',
  'never adopts or deletes it. Works from Deployments, StatefulSets, ReplicaSets, Argo Rollouts, Jobs,',
  'CronJobs, Services and Pods. Optionally scales the original workload to zero while the copy lives',
  '(one owner at a time, recorded in annotations on the workload) and restores it afterwards.',
  'Nothing is installed in the cluster.',
].join(' ');

const CAVEATS = `This plugin needs RBAC to create Jobs and read Pods in the target namespace;
--scale-down also needs patch on the workload (deployments, statefulsets, ...).

Shell completion (kubectl >= 1.26): put the completion helper on your PATH:
  kubectl copy-target completion > ~/.local/bin/kubectl_complete-copy_target
  chmod +x ~/.local/bin/kubectl_complete-copy_target`;

/**
 * The sha256 of each platform in an existing manifest of `version` (e.g. the checked-in
 * plugin.yaml), so updating the platforms built on one machine keeps the others'.
 */
export function platformHashes(manifestText, version) {
  if (!new RegExp(`^  version: v${version.replace(/\./g, '\\.')}$`, 'm').test(manifestText)) return {};
  const hashes = {};
  for (const m of manifestText.matchAll(/os: (\w+)\n\s+arch: (\w+)\n[\s\S]*?sha256: "([0-9a-f]{64})"/g)) hashes[`${m[1]}_${m[2]}`] = m[3];
  return hashes;
}

/** Stands for a platform not yet built for this version (krew refuses it: checksum mismatch). */
export const NOT_BUILT_SHA256 = '0'.repeat(64);

/** Greedy word wrap at `width` columns. */
export function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const indent = (text, spaces) => text.split('\n').map((l) => (l ? ' '.repeat(spaces) + l : l)).join('\n');

/**
 * @param {{ version: string, baseUrl: string, platforms: { key: string, sha256: string }[] }} input
 *   version without the leading v; platforms in any order (written in KREW_PLATFORMS order).
 */
export function renderManifest({ version, baseUrl, platforms }) {
  const ordered = [...platforms].sort((a, b) => KREW_PLATFORMS.indexOf(a.key) - KREW_PLATFORMS.indexOf(b.key));
  const entries = ordered.map(({ key, sha256 }) => {
    if (!KREW_PLATFORMS.includes(key)) throw new Error(`unknown platform ${key}`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`bad sha256 for ${key}: ${sha256}`);
    const [os, arch] = key.split('_');
    return [
      '  - selector:',
      '      matchLabels:',
      `        os: ${os}`,
      `        arch: ${arch}`,
      `    uri: ${baseUrl.replace(/\/$/, '')}/${archiveName(key)}`,
      // Quoted: an all-digit hash (or one like 1e5...) would otherwise be read as a number.
      `    sha256: "${sha256}"`,
      `    bin: ${executableName(os)}`,
    ].join('\n');
  });
  return [
    'apiVersion: krew.googlecontainertools.github.com/v1alpha2',
    'kind: Plugin',
    'metadata:',
    `  name: ${PLUGIN_NAME}`,
    'spec:',
    `  version: v${version}`,
    `  homepage: ${HOMEPAGE}`,
    `  shortDescription: ${JSON.stringify(SHORT_DESCRIPTION)}`,
    '  description: |',
    indent(wrap(DESCRIPTION, 76).join('\n'), 4),
    '  caveats: |',
    indent(CAVEATS, 4),
    '  platforms:',
    ...entries,
    '',
  ].join('\n');
}
