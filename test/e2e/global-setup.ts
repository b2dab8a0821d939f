import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

const repo = join(import.meta.dirname, '..', '..');
const cluster = join(repo, 'scripts', 'cluster');
let startedHere = false;

/** Builds the plugin and makes sure the local control plane is up; stops it afterwards only if we started it. */
export async function setup(project: TestProject): Promise<void> {
  execFileSync('node', ['scripts/build.mjs'], { cwd: repo, stdio: 'inherit' });
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
  }
}
