import { describe, it, expect } from 'vitest';
import { copyJobName, firstOrdinalClaims, randomSuffix, randomSuffixAlphabet } from '../../src/plan/naming.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('copyJobName', () => {
  it('prefixes a short name and appends the suffix', () => {
    expect(copyJobName('web', 'x7k2q')).toBe('copy-web-x7k2q');
  });

  it('truncates a 63-character name to a 63-character label', () => {
    const name = 'a'.repeat(63);
    const result = copyJobName(name, 'bcd42');
    expect(result).toMatch(DNS_LABEL);
    expect(result).toHaveLength(63);
    expect(result).toBe(`copy-${'a'.repeat(52)}-bcd42`);
  });

  it('turns a 253-character dotted subdomain into a valid label', () => {
    const name = Array.from({ length: 36 }, (_, i) => `seg${String(i).padStart(3, '0')}`).join('.') + '.a';
    expect(name).toHaveLength(253);
    const result = copyJobName(name, 'zz999');
    expect(result).toMatch(DNS_LABEL);
    expect(result.length).toBeLessThanOrEqual(63);
    expect(result).not.toContain('.');
    expect(result.startsWith('copy-seg000-seg001-')).toBe(true);
    expect(result.endsWith('-zz999')).toBe(true);
  });

  it('trims a dash left at the truncation point', () => {
    // 51 chars, then a dot at position 52 -> would leave a trailing '-' before the suffix
    const name = `${'b'.repeat(51)}.ccc`;
    const result = copyJobName(name, 'qqqqq');
    expect(result).toBe(`copy-${'b'.repeat(51)}-qqqqq`);
    expect(result).not.toContain('--');
    expect(result).toMatch(DNS_LABEL);
  });

  it('gives different names for different suffixes', () => {
    const name = 'x'.repeat(253);
    const a = copyJobName(name, 'aaaaa');
    const b = copyJobName(name, 'bbbbb');
    expect(a).not.toBe(b);
    expect(a).toMatch(DNS_LABEL);
    expect(b).toMatch(DNS_LABEL);
  });

  it('rejects a malformed suffix', () => {
    expect(() => copyJobName('web', 'AB')).toThrow(/suffix/);
    expect(() => copyJobName('web', 'abcdef')).toThrow('copy name suffix must be 5 characters [a-z0-9], got "abcdef"');
  });

  it('a name with nothing usable in a label still gives a valid name: copy-<suffix>', () => {
    expect(copyJobName('._.', 'x7k2q')).toBe('copy-x7k2q');
  });

  it('drops every dash at either end, however many (a name of dots and underscores at the edges)', () => {
    expect(copyJobName('__web..', 'x7k2q')).toBe('copy-web-x7k2q');
    expect(copyJobName(`${'b'.repeat(50)}..ccc`, 'x7k2q')).toBe(`copy-${'b'.repeat(50)}-x7k2q`);
  });

  it('exports the Kubernetes suffix alphabet', () => {
    expect(randomSuffixAlphabet).toBe('bcdfghjklmnpqrstvwxz2456789');
  });
});

describe('randomSuffix', () => {
  it('draws 5 characters of the Kubernetes alphabet, which copyJobName accepts', () => {
    const drawn = Array.from({ length: 50 }, () => randomSuffix());
    for (const suffix of drawn) {
      expect(suffix).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(copyJobName('web', suffix)).toBe(`copy-web-${suffix}`);
    }
    expect(new Set(drawn).size).toBeGreaterThan(45);
  });
});

describe('firstOrdinalClaims', () => {
  it("names each claim template's PVC of the first pod: ordinal 0 by default", () => {
    expect(firstOrdinalClaims('db', ['data', 'logs'])).toEqual({ data: 'data-db-0', logs: 'logs-db-0' });
  });

  it('starts at spec.ordinals.start when the StatefulSet sets it', () => {
    expect(firstOrdinalClaims('db', ['data'], 3)).toEqual({ data: 'data-db-3' });
  });
});
