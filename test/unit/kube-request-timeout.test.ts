import { describe, expect, it } from 'vitest';
import { loadConnection } from '../../src/kube/config.js';
import { UsageError } from '../../src/errors.js';

// --request-timeout becomes a Node timer per request: one beyond Node's limit (2^31-1 ms, about
// 24.8 days) would fire after 1 ms and fail every request at once, so it is refused as
// --duration, --ttl and --pod-running-timeout are.
const connect = (requestTimeout: string) => loadConnection({ kubeconfig: '/dev/null', server: 'https://127.0.0.1:6443', requestTimeout });

describe('--request-timeout', () => {
  it('is refused (a usage error) beyond Node\'s timer limit', () => {
    expect(() => connect('597h')).toThrow(UsageError);
    expect(() => connect('597h')).toThrow(/--request-timeout must be at most 596h31m23s \(about 24\.8 days/);
    expect(() => connect('2147484s')).toThrow(/--request-timeout must be at most/);
  });

  it('is accepted up to the limit, and 0 still means no timeout', () => {
    expect(connect('596h').requestTimeoutMs).toBe(596 * 3_600_000);
    expect(connect('2147483s').requestTimeoutMs).toBe(2_147_483_000);
    expect(connect('0').requestTimeoutMs).toBe(Infinity);
  });
});
