import { describe, expect, it } from 'vitest';
import { AnnotationReader, isDamaged } from '../../src/plan/annotation-values.js';

/** What the reader says about one annotation value read as `how`: its problem, or undefined when taken. */
function problemWith(how: (read: AnnotationReader, key: string) => unknown, value: string): string | undefined {
  const read = new AnnotationReader({ k: value });
  how(read, 'k');
  return read.damage()?.damaged;
}
const asLabel = (read: AnnotationReader, key: string) => read.label(key);
const asObjectName = (read: AnnotationReader, key: string) => read.objectName(key);
const asTimestamp = (read: AnnotationReader, key: string) => read.timestamp(key);

describe('AnnotationReader takes a DNS label (a namespace, a session id) only as Kubernetes would', () => {
  it.each(['a', 'web', 'web-1', '0', 'a'.repeat(63)])('takes %j', (value) => {
    expect(problemWith(asLabel, value)).toBeUndefined();
  });

  it.each(['-web', 'web-', 'Web', 'we.b', 'we_b', 'we b', 'a'.repeat(64), 'x\nweb', 'web\nx'])('refuses %j', (value) => {
    expect(problemWith(asLabel, value)).toMatch(/ is not a DNS label$/);
  });
});

describe('AnnotationReader takes an object name (a DNS subdomain) only as Kubernetes would', () => {
  it.each(['web', 'copy-web-abcde', 'a.b-c', '0', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`])('takes %j', (value) => {
    expect(problemWith(asObjectName, value)).toBeUndefined();
  });

  it.each(['.web', 'web.', '-web', 'web-', 'Web', 'we_b', 'we b', 'a'.repeat(254), '../x', 'x/..'])('refuses %j', (value) => {
    expect(problemWith(asObjectName, value)).toMatch(/ is not an object name$/);
  });
});

describe('AnnotationReader takes a time only in RFC 3339 with a zone', () => {
  it.each([
    ['2025-03-01T10:05:00Z', '2025-03-01T10:05:00.000Z'],
    ['2025-03-01T10:05:00.5Z', '2025-03-01T10:05:00.500Z'],
    ['2025-03-01T10:05:00.123456789Z', '2025-03-01T10:05:00.123Z'],
    ['2025-03-01T11:05:00+01:00', '2025-03-01T10:05:00.000Z'],
    ['2025-03-01T09:35:00-00:30', '2025-03-01T10:05:00.000Z'],
  ])('takes %j as %s', (value, instant) => {
    const read = new AnnotationReader({ k: value });
    expect(read.timestamp('k').toISOString()).toBe(instant);
    expect(read.damage()).toBeUndefined();
  });

  it.each([
    'x2025-03-01T10:05:00Z',
    '2025-03-01T10:05:00Zx',
    '25-03-01T10:05:00Z',
    '2025-3-01T10:05:00Z',
    '2025-03-1T10:05:00Z',
    '2025-03-01T1:05:00Z',
    '2025-03-01T10:5:00Z',
    '2025-03-01T10:05:0Z',
    '2025-03-01T10:05:00.Z',
    '2025-03-01T10:05:00.1234567890Z',
    '2025-03-01T10:05:00 01:00',
    '2025-03-01T10:05:00+1:00',
    '2025-03-01T10:05:00+01:0',
    '2025-03-01T10:05:00+0100',
  ])('refuses %j', (value) => {
    expect(problemWith(asTimestamp, value)).toBe(`k=${JSON.stringify(value)} is not an RFC 3339 time`);
  });
});

describe('AnnotationReader quotes a bad value whole up to 40 characters, cut short beyond', () => {
  it('40 characters: whole', () => {
    expect(problemWith(asLabel, 'X'.repeat(40))).toBe(`k="${'X'.repeat(40)}" is not a DNS label`);
  });

  it('41 characters: the first 40 and the length', () => {
    expect(problemWith(asLabel, 'X'.repeat(41))).toBe(`k="${'X'.repeat(40)}"... (41 characters) is not a DNS label`);
  });
});

describe('isDamaged', () => {
  it('tells a damaged record from a read one', () => {
    const read = new AnnotationReader({});
    read.text('user');
    expect(isDamaged(read.damage()!)).toBe(true);
    expect(isDamaged({ user: 'alice' })).toBe(false);
  });
});
