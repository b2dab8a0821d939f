import { describe, it, expect } from 'vitest';
import { formatAge, timeLeft } from '../../src/render/duration.js';

describe('formatAge', () => {
  const now = new Date('2024-06-01T12:00:00Z');
  const ago = (ms: number): string => formatAge(new Date(now.getTime() - ms), now);
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const y = 365 * d;

  it.each([
    [-5 * s, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-1.5 * s, '0s'],
    [-1 * s, '0s'],
    [0, '0s'],
    [999, '0s'],
    [45 * s, '45s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [5 * m + 10 * s, '5m10s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 25 * m, '3h25m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 5 * h, '2d5h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [2 * y, '2y'],
    [2 * y + 40 * d, '2y40d'],
    [8 * y + 40 * d, '8y'],
  ])('prints %d ms as %s', (ms, expected) => {
    expect(ago(ms)).toBe(expected);
  });

  it('rejects an invalid date', () => {
    expect(formatAge(new Date('not a date'), now)).toBe('<invalid>');
  });
});

describe('timeLeft (the Expires column of status -o wide)', () => {
  const now = new Date('2024-06-01T12:00:00Z');
  const inMs = (ms: number): string => timeLeft(new Date(now.getTime() + ms), now);

  it.each([
    [8 * 3600_000, '8h'],
    [8 * 3600_000 - 1000, '7h59m'],
    [7 * 3600_000 + 56 * 60_000 + 30_000, '7h56m'],
    [3 * 60_000 + 29_000, '3m29s'],
    [45_000, '45s'],
    [1, '0s'],
    [0, 'expired'],
    [-3600_000, 'expired'],
  ])('%i ms left is %s', (ms, shown) => {
    expect(inMs(ms)).toBe(shown);
  });
});
