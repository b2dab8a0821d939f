import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

const repo = join(import.meta.dirname, '..', '..');
const cluster = join(repo, 'scripts', 'cluster');
let startedHere = false;

/**
 * Makes the plugin available (the packaged executable in COPY_TARGET_PLUGIN_DIR, else a fresh
 * development bundle behind bin/) and the local control plane up; stops the cluster afterwards
 * only if we started it.
 */
export async function setup(project: TestProject): Promise<void> {
  const packaged = process.env.COPY_TARGET_PLUGIN_DIR;
  if (packaged) {
    const dir = resolve(repo, packaged);
    if (!existsSync(join(dir, 'kubectl-copy_target'))) throw new Error(`COPY_TARGET_PLUGIN_DIR=${packaged} holds no kubectl-copy_target; run npm run package`);
    project.provide('pluginDir', dir);
  } else {
    execFileSync('node', ['scripts/build.mjs'], { cwd: repo, stdio: 'inherit' });
    project.provide('pluginDir', join(repo, 'bin'));
  }
  project.provide('toolsDir', execFileSync(join(repo, 'scripts', 'tools'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim());
  // For tests that make clusters of their own (cluster-script.test.ts's real node, which needs the
  // machine's one real node free: npm test runs it before the suite's cluster starts).
  if (process.env.COPY_TARGET_E2E_NO_CLUSTER) {
    project.provide('kubeconfig', '');
    return;
  }
  try {
    execFileSync(cluster, ['status'], { stdio: 'ignore' });
  } catch {
    execFileSync(cluster, ['up'], { stdio: 'inherit' });
    startedHere = true;
  }
  const env = execFileSync(cluster, ['env'], { encoding: 'utf8' });
  project.provide('kubeconfig', env.trim().replace(/^export KUBECONFIG=/, ''));
}

export async function teardown(): Promise<void> {
  if (startedHere && !process.env.COPY_TARGET_KEEP_CLUSTER) {
    execFileSync(cluster, ['down'], { stdio: 'inherit' });
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Where kubectl finds kubectl-copy_target. */
    pluginDir: string;
    /** krew, validate-krew-manifest, actionlint (scripts/tools). */
    toolsDir: string;
  }
}
