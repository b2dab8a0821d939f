/**
 * Retries as client-go makes them. A 429 or 5xx that carries Retry-After is the server saying
 * "not now, again in N seconds": retried for every request, up to 10 times, after the time it
 * names. A transient network failure (the connection reset, the network down) is retried only
 * where doing a request twice is harmless: reads, and writes that cannot apply twice (a patch
 * with a resourceVersion precondition or a JSON-patch test op, a create of a fixed name), and the
 * reviews that only ask the server a question (who am I, may I): it stores nothing for them.
 */

/** Kinds a POST "creates" that the server only answers, storing nothing. */
const QUESTIONS = new Set(['SelfSubjectReview', 'SelfSubjectAccessReview']);

/** client-go's maxRetries for Retry-After answers. */
export const MAX_RETRY_AFTER = 10;
/** The longest Retry-After honoured; a longer one is waited for this long. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Network failures: this many more tries, 0.5 s, 1 s, 2 s apart. */
const MAX_NETWORK_RETRIES = 3;

/** Network failures after which the request may simply not have arrived (or its answer was lost). */
const TRANSIENT = new Set(['ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'ENETDOWN', 'EPIPE', 'EADDRNOTAVAIL', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH']);

export function isTransientNetworkError(err: unknown): boolean {
  const e = err as { code?: unknown; timedOutByClient?: unknown };
  // Our own request timeout is the user's bound (--request-timeout): not multiplied by retries.
  return typeof e?.code === 'string' && TRANSIENT.has(e.code) && e.timedOutByClient !== true;
}

/** Whether sending the request twice can do no harm (see above). */
export function safeToRepeat(method: string, body: unknown, contentType: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  if (method === 'PATCH') {
    if (contentType === 'application/json-patch+json') return Array.isArray(body) && body.some((op) => op?.op === 'test');
    return typeof (body as any)?.metadata?.resourceVersion === 'string';
  }
  if (method === 'POST') {
    if (QUESTIONS.has((body as any)?.kind)) return true;
    const metadata = (body as any)?.metadata;
    return typeof metadata?.name === 'string' && metadata.name !== '';
  }
  return false;
}

/** A failed attempt, as the retry loop needs to see it. */
export interface Failure {
  /** HTTP status, when the server answered. */
  status?: number;
  /** Seconds from the Retry-After header, when there was one. */
  retryAfterSeconds?: number;
}

/** How long to wait before try number `retry + 1`, or undefined: give up. */
export function retryDelay(err: unknown, failure: Failure, retry: number, repeatable: boolean): number | undefined {
  if (failure.status !== undefined) {
    const retryable = failure.status === 429 || failure.status >= 500;
    if (!retryable || failure.retryAfterSeconds === undefined || retry >= MAX_RETRY_AFTER) return undefined;
    return Math.min(failure.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS);
  }
  if (!repeatable || !isTransientNetworkError(err) || retry >= MAX_NETWORK_RETRIES) return undefined;
  return 500 * 2 ** retry;
}

/** Retry-After in seconds (client-go reads whole seconds; an HTTP date is counted from now). */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Waits `ms`, or less when `signal` aborts (then rejects with its reason). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
