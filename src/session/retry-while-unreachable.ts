import { isUnreachable } from '../kube/api-errors.js';

/**
 * Runs `work` again, every second until `deadline` (Date.now() ms), as long as it fails for want
 * of the API server; any other failure, or one past the deadline, is thrown. `onFirstRetry` hears
 * the first retry (to say the server is away, once).
 */
export async function retryWhileUnreachable<T>(work: () => Promise<T>, deadline: number, onFirstRetry?: () => void): Promise<T> {
  let retried = false;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (!isUnreachable(err) || Date.now() >= deadline) throw err;
      if (!retried) onFirstRetry?.();
      retried = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
