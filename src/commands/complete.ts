import { listCopies } from '../apply/copies.js';
import { Directive, formatCompletion, planCompletion, type Candidate, type CompletionNeed } from '../complete/plan.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { kindName } from '../kube/types.js';
import { originalOf } from '../plan/copy-record.js';
import { writeData, type IOStreams } from '../render/terminal.js';
import { resolveTarget } from '../resolve/resolve.js';

/** A shell must never hang on <TAB>: a slow or unreachable cluster gives no candidates. */
const DEADLINE_MS = 900;

/** The hidden `__complete WORDS...` command behind kubectl_complete-copy_target. */
export async function run(words: string[], streams: IOStreams): Promise<void> {
  const { flags, need } = planCompletion(words.length ? words : ['']);
  if (need.type === 'static') {
    writeData(streams.out, formatCompletion(need.candidates, need.directive));
    return;
  }
  let candidates: Candidate[] = [];
  try {
    candidates = await lookUp(need, flags);
  } catch {
    // No kubeconfig, forbidden, timed out: offer nothing rather than print an error into a prompt.
  }
  writeData(streams.out, formatCompletion(candidates, Directive.noFileComp));
}

async function lookUp(need: Exclude<CompletionNeed, { type: 'static' }>, flags: Parameters<typeof loadConnection>[0]): Promise<Candidate[]> {
  const connection = loadConnection(flags);
  if (need.type === 'contexts') {
    return connection.contextNames.map((name) => need.prefix + name).filter((v) => v.startsWith(need.prefix + need.partial)).map((value) => ({ value }));
  }
  const cluster = new Cluster(connection, { requestTimeoutMs: DEADLINE_MS });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('completion deadline')), DEADLINE_MS);
  });
  try {
    return await Promise.race([fromCluster(cluster, need, connection.namespace), deadline]);
  } finally {
    clearTimeout(timer);
    cluster.close();
  }
}

async function fromCluster(cluster: Cluster, need: Exclude<CompletionNeed, { type: 'static' | 'contexts' }>, namespace: string): Promise<Candidate[]> {
  const startsWith = (prefix: string) => (c: Candidate) => c.value.startsWith(prefix);
  switch (need.type) {
    case 'names': {
      const items = await cluster.list(need.kind, namespace);
      return items.map((o) => ({ value: `${need.typedKind}/${o.metadata!.name}` })).filter(startsWith(`${need.typedKind}/${need.partial}`));
    }
    case 'containers': {
      // The same resolution a copy makes, so the names offered are the ones the copy accepts.
      const { template } = await resolveTarget(cluster, { kind: need.kind, name: need.name }, namespace);
      return (template.spec?.containers ?? []).map((c) => ({ value: need.prefix + c.name })).filter(startsWith(need.prefix + need.partial));
    }
    case 'namespaces': {
      const items = await cluster.list('namespace', undefined);
      return items.map((o) => ({ value: need.prefix + o.metadata!.name })).filter(startsWith(need.prefix + need.partial));
    }
    case 'copies': {
      const { copies } = await listCopies(cluster, namespace);
      return copies
        .map((c) => ({ value: c.record.podName ?? c.job.metadata!.name!, description: `copy of ${kindName(originalOf(c.record))}` }))
        .filter(startsWith(need.partial));
    }
  }
}
