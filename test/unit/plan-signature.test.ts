import { describe, it, expect } from 'vitest';
import type { CopyOptions } from '../../src/plan/copy-job.js';
import { copySignature } from '../../src/plan/signature.js';

const target = { kind: 'deployment' as const, name: 'web', namespace: 'shop' };
const base: CopyOptions = {
  keepProbes: false,
  excludeContainers: ['a', 'b'],
  excludeInitContainers: ['i1', 'i2'],
  setImages: { app: 'nginx:2', side: 'envoy:1' },
  command: { container: 'app', args: ['sleep', '3600'] },
  ttlSeconds: 3600,
  scaleDown: false,
};

describe('copySignature', () => {
  it('is a 16-character hex string and stable across calls', () => {
    const sig = copySignature(target, base, 'alice');
    expect(sig).toMatch(/^[0-9a-f]{16}$/);
    expect(copySignature(target, structuredClone(base), 'alice')).toBe(sig);
  });

  it('ignores the order of repeated flags and the ttl', () => {
    const reordered: CopyOptions = {
      ...base,
      excludeContainers: ['b', 'a'],
      excludeInitContainers: ['i2', 'i1'],
      setImages: { side: 'envoy:1', app: 'nginx:2' },
      ttlSeconds: 60,
    };
    expect(copySignature(target, reordered, 'alice')).toBe(copySignature(target, base, 'alice'));
  });

  it('a value given twice (-e a -e a) asks for the same copy as once', () => {
    const twice: CopyOptions = { ...base, excludeContainers: ['a', 'b', 'a'], excludeInitContainers: ['i1', 'i2', 'i2'] };
    expect(copySignature(target, twice, 'alice')).toBe(copySignature(target, base, 'alice'));
  });

  it('--set-image for several containers, in any order, asks for the same copy', () => {
    const images = (order: string[]) => Object.fromEntries(order.map((c) => [c, `${c}:1`]));
    const sig = copySignature(target, { ...base, setImages: images(['app', 'side', 'init']) }, 'alice');
    for (const order of [['side', 'init', 'app'], ['init', 'app', 'side'], ['side', 'app', 'init']]) {
      expect(copySignature(target, { ...base, setImages: images(order) }, 'alice')).toBe(sig);
    }
  });

  it('changes with target, user and each option', () => {
    const sig = copySignature(target, base, 'alice');
    const variants = [
      copySignature({ ...target, name: 'api' }, base, 'alice'),
      copySignature({ ...target, namespace: 'other' }, base, 'alice'),
      copySignature({ ...target, kind: 'statefulset' }, base, 'alice'),
      copySignature(target, base, 'bob'),
      copySignature(target, { ...base, keepProbes: true }, 'alice'),
      copySignature(target, { ...base, scaleDown: true }, 'alice'),
      copySignature(target, { ...base, excludeContainers: ['a'] }, 'alice'),
      copySignature(target, { ...base, excludeInitContainers: [] }, 'alice'),
      copySignature(target, { ...base, setImages: { app: 'nginx:3', side: 'envoy:1' } }, 'alice'),
      copySignature(target, { ...base, command: { container: 'app', args: ['3600', 'sleep'] } }, 'alice'),
      copySignature(target, { ...base, command: { args: ['sleep', '3600'] } }, 'alice'),
      copySignature(target, { ...base, command: undefined }, 'alice'),
      copySignature(target, { ...base, keepLabels: false }, 'alice'),
      copySignature(target, { ...base, keepSchedulingRules: true }, 'alice'),
    ];
    for (const variant of variants) expect(variant).not.toBe(sig);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('is unchanged by --keep-labels and --keep-scheduling-rules at their defaults, so copies made before those flags are still reused', () => {
    const sig = copySignature(target, base, 'alice');
    expect(copySignature(target, { ...base, keepLabels: true, keepSchedulingRules: false }, 'alice')).toBe(sig);
  });

  it('matches the signature earlier versions recorded for the same request, so their live copies are still reused', () => {
    // Pinned: the hash of a default `kubectl copy-target deploy/web -n shop` by alice, as every
    // version since the signature exists computes it. A change to the canonical form breaks reuse.
    const defaults: CopyOptions = { keepProbes: false, excludeContainers: [], excludeInitContainers: [], setImages: {}, ttlSeconds: 28800, scaleDown: false };
    expect(copySignature(target, defaults, 'alice')).toBe('e1b3c5d6a3b8e5f9');
    // `-- sleep 3600` without -c; and --keep-labels=false --keep-scheduling-rules (pinned as computed before this test).
    expect(copySignature(target, { ...defaults, command: { args: ['sleep', '3600'] } }, 'alice')).toBe('7d8b7fccc273c248');
    expect(copySignature(target, { ...defaults, keepLabels: false, keepSchedulingRules: true }, 'alice')).toBe('2681bf1b82872580');
  });
});
