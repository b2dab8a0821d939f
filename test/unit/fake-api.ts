import { ApiError, type ContentType, type RequestOptions, type Transport } from '../../src/kube/rest.js';

/**
 * A small in-memory API server for the hold's retry and refusal branches only: objects by path,
 * resourceVersion bumped on every write, merge patches with a resourceVersion precondition (409),
 * JSON patches whose `test` op fails with 422, and scripted refusals (`refuse`). Everything else
 * is tested against the real control plane (test/e2e).
 */
export class FakeApi implements Transport {
  private readonly objects = new Map<string, any>();
  private version = 100;
  private readonly refusals: Array<{ method: string; path: RegExp; status: number; message: string; times: number }> = [];
  private readonly hangs: Array<{ method: string; path: RegExp; times: number }> = [];
  /** Every request, as "METHOD path". */
  readonly log: string[] = [];
  /** Runs before each request is answered (e.g. someone else writing in between). */
  beforeRequest: ((method: string, path: string) => void) | undefined;
  /** What a SelfSubjectAccessReview answers (RBAC); undefined: the review is refused with 403, as when one may not ask. */
  allowed: boolean | undefined = true;

  put(path: string, object: any): void {
    this.objects.set(path, structuredClone({ ...object, metadata: { ...object.metadata, resourceVersion: String(++this.version) } }));
  }

  get(path: string): any {
    return structuredClone(this.objects.get(path));
  }

  /** The next `times` requests matching method and path are refused with `status`. */
  refuse(method: string, path: RegExp, status: number, times: number, message = `refused with ${status}`): void {
    this.refusals.push({ method, path, status, message, times });
  }

  /** The next `times` requests matching method and path never answer: they end only when their signal aborts them. */
  hang(method: string, path: RegExp, times: number): void {
    this.hangs.push({ method, path, times });
  }

  /** Someone else's delete. */
  remove(path: string): void {
    this.objects.delete(path);
  }

  /** Someone else's write: a merge of `change` that bumps the resourceVersion. */
  edit(path: string, change: (object: any) => void): void {
    const object = this.get(path);
    change(object);
    this.put(path, object);
  }

  async request<T = any>(method: string, path: string, body?: unknown, contentType?: ContentType, options?: RequestOptions): Promise<T> {
    const bare = path.split('?')[0]!;
    this.log.push(`${method} ${bare}`);
    this.beforeRequest?.(method, bare);
    const hang = this.hangs.find((h) => h.times > 0 && h.method === method && h.path.test(bare));
    if (hang) {
      hang.times--;
      return new Promise<T>((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal!.reason)));
    }
    const refusal = this.refusals.find((r) => r.times > 0 && r.method === method && r.path.test(bare));
    if (refusal) {
      refusal.times--;
      throw new ApiError(refusal.status, { kind: 'Status', message: refusal.message, code: refusal.status });
    }
    const current = this.objects.get(bare);
    if (method === 'POST' && bare.endsWith('/selfsubjectaccessreviews')) {
      if (this.allowed === undefined) throw new ApiError(403, { kind: 'Status', message: 'selfsubjectaccessreviews is forbidden', code: 403 });
      return { ...(body as object), status: { allowed: this.allowed } } as T;
    }
    if (method === 'POST') return structuredClone(body) as T; // events: accepted, not kept
    if (!current) throw new ApiError(404, { kind: 'Status', message: `${bare} not found`, code: 404 });
    if (method === 'GET') return structuredClone(current);
    if (method === 'DELETE') {
      this.objects.delete(bare);
      return {} as T;
    }
    if (method !== 'PATCH') throw new Error(`FakeApi: ${method} not supported`);
    if (contentType !== 'application/json-patch+json' && contentType !== 'application/merge-patch+json') {
      throw new ApiError(415, { kind: 'Status', message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`, code: 415 });
    }
    const next = contentType === 'application/json-patch+json' ? jsonPatch(current, body as Op[]) : mergePatch(current, body);
    this.put(bare, next);
    return this.get(bare);
  }

  watch(): () => void {
    throw new Error('FakeApi: watches are tested e2e');
  }

  serverNow(): Date {
    return new Date();
  }

  close(): void {}
}

type Op = { op: string; path: string; value?: unknown };

function mergePatch(current: any, patch: any): any {
  const expected = patch?.metadata?.resourceVersion;
  if (expected !== undefined && expected !== current.metadata.resourceVersion) {
    throw new ApiError(409, { kind: 'Status', message: 'the object has been modified; please apply your changes to the latest version and try again', code: 409 });
  }
  return merge(structuredClone(current), patch);
}

function merge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out;
}

function jsonPatch(current: any, ops: Op[]): any {
  const doc = structuredClone(current);
  for (const op of ops) {
    const keys = op.path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    const parent = keys.reduce((o, k) => (o === undefined ? undefined : o[k]), doc);
    const unprocessable = (why: string) => new ApiError(422, { kind: 'Status', message: why, code: 422 });
    if (op.op === 'test') {
      if (JSON.stringify(parent?.[last]) !== JSON.stringify(op.value)) throw unprocessable(`the server rejected our request due to an error in our request: testing value ${op.path} failed`);
    } else if (op.op === 'remove') {
      if (parent === undefined || !(last in parent)) throw unprocessable(`unable to remove nonexistent key: ${last}`);
      delete parent[last];
    } else if (op.op === 'replace' || op.op === 'add') {
      if (parent === undefined) throw unprocessable(`missing path: ${op.path}`);
      if (op.op === 'replace' && !(last in parent)) throw unprocessable(`replace operation does not apply: doc is missing key: ${op.path}`);
      parent[last] = op.value;
    } else throw new Error(`FakeApi: op ${op.op} not supported`);
  }
  return doc;
}
